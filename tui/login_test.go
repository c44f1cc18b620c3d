package tui

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	gossh "golang.org/x/crypto/ssh"

	"consultorio/store"
	"consultorio/store/storetest"
	"consultorio/tui/panel"
	"consultorio/tui/tuitest"
)

const goodPassword = "clave segura 2026"

// The tests that log in with a password or a setup code hash (argon2id,
// 19 MiB): CPU-bound work that gains nothing from t.Parallel on a small
// machine and only pushes each screen past tuitest's wait, so they run one
// at a time; the other screen tests run in parallel.

// clinicWithAdmin provisions clinic-a. When activate, the admin has chosen
// goodPassword already (the setup code is then used up).
func clinicWithAdmin(t *testing.T, activate bool) (*store.Tenant, *store.Provisioned, *storetest.Clock) {
	t.Helper()
	// 15:00 UTC is 10:00 in Lima, the clinic's default time zone.
	c := storetest.NewClock(time.Date(2026, 11, 26, 15, 0, 0, 0, time.UTC))
	db := storetest.NewDBWith(t, store.Options{Clock: c})
	tn, prov := storetest.NewTenant(t, db, "clinic-a")
	if activate {
		ctx := context.Background()
		u, err := tn.LoginSetupCode(ctx, prov.Tenant.AdminEmail, prov.SetupCode, "test")
		if err != nil {
			t.Fatal(err)
		}
		if err := tn.SetPassword(ctx, u.ID, goodPassword); err != nil {
			t.Fatal(err)
		}
	}
	return tn, prov, c
}

func startLogin(t *testing.T, tn *store.Tenant, offerKey string) *tuitest.Term {
	t.Helper()
	m := NewClinicApp(context.Background(), ClinicSession{Tenant: tn, RemoteAddr: "198.51.100.4:40000", OfferKey: offerKey, Width: 80, Height: 24})
	term := tuitest.Start(t, m, 80, 24)
	term.WaitFor(t, "Ingresar a Clínica clinic-a", "Correo electrónico")
	return term
}

// focused waits until the form field titled title has the focus (huh draws
// a thick bar before the focused field's lines).
func focused(t *testing.T, term *tuitest.Term, title string) {
	t.Helper()
	term.WaitUntil(t, "focus on "+title, func(s string) bool {
		for _, l := range strings.Split(s, "\n") {
			if strings.Contains(l, title) && strings.Contains(l, "┃") {
				return true
			}
		}
		return false
	})
}

// typePassword goes through e-mail → method (password) → password → enter.
func typePasswordLogin(t *testing.T, term *tuitest.Term, email, password string) {
	t.Helper()
	focused(t, term, "Correo electrónico")
	term.Type(email)
	term.Key("enter")
	focused(t, term, "¿Cómo desea ingresar?")
	term.Key("enter")
	focused(t, term, "Contraseña")
	term.Type(password)
	term.Key("enter")
}

// TestLoginGolden80x24 pins the login form as it first appears.
func TestLoginGolden80x24(t *testing.T) {
	t.Parallel()
	tn, _, _ := clinicWithAdmin(t, false)
	term := startLogin(t, tn, "")
	focused(t, term, "Correo electrónico")
	golden.RequireEqual(t, term.WaitFor(t, "¿Olvidó su contraseña?", "ctrl+c salir"))
}

func TestLoginPassword(t *testing.T) {
	t.Parallel()
	tn, prov, _ := clinicWithAdmin(t, true)
	term := startLogin(t, tn, "")
	typePasswordLogin(t, term, prov.Tenant.AdminEmail, goodPassword)
	s := term.WaitFor(t, "[1 Agenda]", "Admin clinic-a · Administrador", "✓ Bienvenido/a, Admin clinic-a.")
	if strings.Contains(s, "Registrar la llave") {
		t.Fatalf("a key offer without a key:\n%s", s)
	}
}

// TestLoginWrongPassword: the error shows under the form; the e-mail is
// kept and the focus is back on the password.
func TestLoginWrongPassword(t *testing.T) {
	t.Parallel()
	tn, prov, _ := clinicWithAdmin(t, true)
	term := startLogin(t, tn, "")
	typePasswordLogin(t, term, prov.Tenant.AdminEmail, "no es la clave")
	term.WaitFor(t, "✗ Correo o contraseña incorrectos.", prov.Tenant.AdminEmail)
	focused(t, term, "Contraseña")
	term.Type(goodPassword)
	term.Key("enter")
	term.WaitFor(t, "[1 Agenda]", "Admin clinic-a")
}

// TestLoginLockedLooksLikeWrongPassword: once five wrong passwords have
// locked the account (through the store: the form's own failures are
// TestLoginWrongPassword), even the right password gets the message a wrong
// one gets, which is also what an unknown e-mail gets: nobody learns from
// the screen which accounts exist or are locked (issue 12, F8). The message
// says that failed attempts lock the account, and for how long.
func TestLoginLockedLooksLikeWrongPassword(t *testing.T) {
	t.Parallel()
	tn, prov, _ := clinicWithAdmin(t, true)
	for range store.MaxFailedLogins {
		if _, err := tn.LoginPassword(context.Background(), prov.Tenant.AdminEmail, "mala", "198.51.100.4:1"); !errors.Is(err, store.ErrBadCredentials) {
			t.Fatalf("wrong password: %v", err)
		}
	}
	term := startLogin(t, tn, "")
	typePasswordLogin(t, term, prov.Tenant.AdminEmail, goodPassword)
	locked := errorLines(term.WaitFor(t, "✗ Correo o contraseña incorrectos.", prov.Tenant.AdminEmail))
	if strings.Contains(term.Screen(), "[1 Agenda]") {
		t.Fatal("logged in while locked")
	}

	other := startLogin(t, tn, "")
	typePasswordLogin(t, other, "nadie@clinic-a.test", goodPassword)
	unknown := errorLines(other.WaitFor(t, "✗ Correo o contraseña incorrectos.", "nadie@clinic-a.test"))
	if locked != unknown {
		t.Fatalf("locked account:\n%s\nunknown e-mail:\n%s", locked, unknown)
	}
	if !strings.Contains(strings.ReplaceAll(locked, "\n", " "), "Tras 5 intentos fallidos la cuenta se bloquea 15 minutos.") {
		t.Fatalf("the message does not say how the lock works:\n%s", locked)
	}
}

// errorLines is the error under a form: from the "✗" line to the next
// blank line (the message wraps at 80 columns).
func errorLines(screen string) string {
	var out []string
	for _, l := range strings.Split(screen, "\n") {
		l = strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(l, "✗"):
			out = append(out, l)
		case len(out) > 0 && l == "":
			return strings.Join(out, "\n")
		case len(out) > 0:
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestLoginSetupCode: e-mail + setup code → choose a password (the rules
// are shown and enforced inline) → register the connecting key → shell.
func TestLoginSetupCode(t *testing.T) {
	t.Parallel()
	tn, prov, _ := clinicWithAdmin(t, false)
	keyLine, fp := newKey(t, "ana@laptop")
	term := startLogin(t, tn, keyLine)

	focused(t, term, "Correo electrónico")
	term.Type(prov.Tenant.AdminEmail)
	term.Key("enter")
	focused(t, term, "¿Cómo desea ingresar?")
	term.Key("down")
	term.WaitFor(t, "> Tengo un código de configuración")
	term.Key("enter")
	focused(t, term, "Código de configuración")
	term.WaitFor(t, "K7QF-M2XR-P9TD") // the hint
	term.Type(strings.ToLower(prov.SetupCode))
	term.Key("enter")

	term.WaitFor(t, "Nueva contraseña", "Mínimo 10 caracteres; no solo dígitos.")
	focused(t, term, "Nueva contraseña")
	clearAndType := func(old, s string) {
		for range []rune(old) {
			term.Key("backspace")
		}
		term.Type(s)
		term.Key("enter")
	}
	clearAndType("", "corta")
	term.WaitFor(t, "Debe tener al menos 10 caracteres.")
	clearAndType("corta", "0123456789")
	term.WaitFor(t, "No puede ser solo dígitos.")
	clearAndType("0123456789", goodPassword)
	focused(t, term, "Repita la contraseña")
	clearAndType("", "otra distinta")
	term.WaitFor(t, "Las contraseñas no coinciden.")
	clearAndType("otra distinta", goodPassword)

	term.WaitFor(t, "¿Registrar la llave SSH con la que se conectó?", fp, "ana@laptop")
	term.Key("enter") // "Sí" is the default
	term.WaitFor(t, "[1 Agenda]", "Contraseña guardada.", "Llave SSH registrada.")

	ctx := context.Background()
	u, err := tn.UserByKey(ctx, fp)
	if err != nil || u.Email != prov.Tenant.AdminEmail {
		t.Fatalf("the key was not registered for the admin: %v %v", u, err)
	}
	if _, err := tn.LoginPassword(ctx, prov.Tenant.AdminEmail, goodPassword, "test"); err != nil {
		t.Fatalf("the chosen password does not work: %v", err)
	}
	if _, err := tn.LoginSetupCode(ctx, prov.Tenant.AdminEmail, prov.SetupCode, "test"); err == nil {
		t.Fatal("the setup code still works after choosing a password")
	}
}

// TestLoginDeclineKey: answering no lands without registering the key.
func TestLoginDeclineKey(t *testing.T) {
	t.Parallel()
	tn, prov, _ := clinicWithAdmin(t, true)
	keyLine, fp := newKey(t, "shared-pc")
	term := startLogin(t, tn, keyLine)
	typePasswordLogin(t, term, prov.Tenant.AdminEmail, goodPassword)
	term.WaitFor(t, "¿Registrar la llave SSH", fp)
	term.Key("n")
	term.WaitFor(t, "[1 Agenda]")
	if _, err := tn.UserByKey(context.Background(), fp); err == nil {
		t.Fatal("the key was registered although the user said no")
	}
}

func TestLoginBadSetupCode(t *testing.T) {
	t.Parallel()
	tn, prov, _ := clinicWithAdmin(t, false)
	term := startLogin(t, tn, "")
	focused(t, term, "Correo electrónico")
	term.Type(prov.Tenant.AdminEmail)
	term.Key("enter")
	focused(t, term, "¿Cómo desea ingresar?")
	term.Key("down")
	term.Key("enter")
	focused(t, term, "Código de configuración")
	term.Type("AAAA-BBBB-CCCC")
	term.Key("enter")
	term.WaitFor(t, "✗ Correo o código incorrectos, o el código venció.", prov.Tenant.AdminEmail, "> Tengo un código")
}

func TestLoginSuspendedClinic(t *testing.T) {
	t.Parallel()
	tn, prov, _ := clinicWithAdmin(t, true)
	if _, err := tn.DB().SuspendTenant(context.Background(), store.CLI, tn.Info.Schema); err != nil {
		t.Fatal(err)
	}
	term := startLogin(t, tn, "")
	typePasswordLogin(t, term, prov.Tenant.AdminEmail, goodPassword)
	term.WaitFor(t, "✗ Esta clínica está suspendida; comuníquese con el operador del servicio.")
}

// TestLoginEnglishUser: reception staff whose language is English, on
// first login in a Spanish clinic: the form speaks the clinic's language;
// once the user is known, the shell speaks theirs, with their role's
// screens.
func TestLoginEnglishUser(t *testing.T) {
	t.Parallel()
	tn, _, _ := clinicWithAdmin(t, false)
	u, code, err := tn.CreateUser(context.Background(), store.System, store.NewUser{
		Email: "rosa@clinic-a.test", Name: "Rosa Quispe", Role: store.RoleReception, Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	term := startLogin(t, tn, "")
	focused(t, term, "Correo electrónico")
	term.Type(u.Email)
	term.Key("enter")
	focused(t, term, "¿Cómo desea ingresar?")
	term.Key("down")
	term.Key("enter")
	focused(t, term, "Código de configuración")
	term.Type(code)
	term.Key("enter")
	focused(t, term, "Nueva contraseña")
	term.Type(goodPassword)
	term.Key("enter")
	focused(t, term, "Repita la contraseña")
	term.Type(goodPassword)
	term.Key("enter")
	s := term.WaitFor(t, "3 Patients", "Rosa Quispe · Reception", "✓ Welcome, Rosa Quispe. Password saved.", "q quit")
	if strings.Contains(s, "Expenses") || strings.Contains(s, "Gastos") {
		t.Fatalf("reception sees expenses:\n%s", s)
	}
}

// TestLoginSanitizedClinicName: the clinic's name in the login title is
// drawn harmlessly.
func TestLoginSanitizedClinicName(t *testing.T) {
	t.Parallel()
	tn, _, _ := clinicWithAdmin(t, false)
	tn.Info.Name = "Evil\x1b]52;c;cm0=\x07\x1b[2J"
	m := NewClinicApp(context.Background(), ClinicSession{Tenant: tn, Width: 80, Height: 24})
	term := tuitest.Start(t, m, 80, 24)
	term.WaitFor(t, "Ingresar a Evil␛]52;c;cm0=␇␛[2J", "Correo electrónico")
}

// TestPanelLoginSetupCode: an operator's first login lands in the panel.
func TestPanelLoginSetupCode(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	ctx := context.Background()
	op, code, err := db.CreateOperator(ctx, store.CLI, "ops@example.test", "Olga Ops", "")
	if err != nil {
		t.Fatal(err)
	}
	m := NewPanelApp(ctx, PanelSession{DB: db, RemoteAddr: "203.0.113.9:1", Width: 80, Height: 24})
	term := tuitest.Start(t, m, 80, 24)
	term.WaitFor(t, "Panel de operadores")
	focused(t, term, "Correo electrónico")
	term.Type(op.Email)
	term.Key("enter")
	focused(t, term, "¿Cómo desea ingresar?")
	term.Key("down")
	term.Key("enter")
	focused(t, term, "Código de configuración")
	term.Type(code)
	term.Key("enter")
	focused(t, term, "Nueva contraseña")
	term.Type(goodPassword)
	term.Key("enter")
	focused(t, term, "Repita la contraseña")
	term.Type(goodPassword)
	term.Key("enter")
	// Operators always need a second factor: the first login enrols one.
	enrol(t, term, time.Now())
	s := term.WaitFor(t, "Consultorio · Panel", "Olga Ops · Operador", "[1 Clientes]", "2 Planes", "3 Facturación",
		"4 Tablero", "5 Auditoría", "Contraseña guardada.", "Verificación en dos pasos acti")
	if strings.Contains(s, "sin leer") {
		t.Fatalf("the panel has no notifications badge:\n%s", s)
	}
	if _, err := db.OperatorLoginPassword(ctx, op.Email, goodPassword, "test"); err != nil {
		t.Fatalf("the operator's new password does not work: %v", err)
	}
}

// emptyPanel is a store with no clinics, for the panel's shell alone: it
// answers what the Clientes and Tablero screens ask when they open (any
// other call panics through the nil PanelStore).
type emptyPanel struct{ PanelStore }

func (emptyPanel) Now() time.Time { return time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) }

func (emptyPanel) ListTenants(context.Context, store.TenantFilter) ([]store.TenantInfo, error) {
	return nil, nil
}

func (emptyPanel) TenantUsage(context.Context, time.Time, []string) ([]store.ClientUsage, error) {
	return nil, nil
}

func (emptyPanel) Dashboard(context.Context, time.Time) (store.DashboardReport, error) {
	return store.DashboardReport{}, nil
}

func TestPanelShell(t *testing.T) {
	t.Parallel()
	op := &store.Operator{ID: 1, Email: "ops@example.test", Name: "Olga\x1b[2J", Active: true}
	m := newPanelApp(context.Background(), PanelSession{Operator: op, Width: 80, Height: 24}, emptyPanel{}, panel.Screens())
	term := tuitest.Start(t, m, 80, 24)
	term.WaitFor(t, "Olga␛[2J · Operador", "[1 Clientes]", "q salir")
	term.Key("4")
	term.WaitFor(t, "[4 Tablero]")
}

// newKey makes an ed25519 public key line and its fingerprint.
func newKey(t *testing.T, comment string) (line, fp string) {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := gossh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	line = strings.TrimSpace(string(gossh.MarshalAuthorizedKey(pk))) + " " + comment
	return line, gossh.FingerprintSHA256(pk)
}
