package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	gossh "golang.org/x/crypto/ssh"

	"consultorio/store"
	"consultorio/store/storetest"
)

const goodPassword = "clave segura 2026"

// Keys as a terminal sends them.
const (
	keyEnter = "\r"
	keyDown  = "\x1b[B"
)

// withPassword lets the clinic's admin choose goodPassword (using up the
// setup code).
func (c clinic) withPassword(t *testing.T) clinic {
	t.Helper()
	ctx := context.Background()
	u, err := c.tn.LoginSetupCode(ctx, c.admin.Email, c.setupCode, "test")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.tn.SetPassword(ctx, u.ID, goodPassword); err != nil {
		t.Fatal(err)
	}
	return c
}

// focused waits until the form field titled title has the focus (huh draws
// a thick bar before the focused field).
func (tm *term) focused(title string) {
	tm.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		for _, l := range strings.Split(tm.screen(), "\n") {
			if strings.Contains(l, title) && strings.Contains(l, "┃") {
				return
			}
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("focus never on %q; screen:\n%s", title, tm.screen())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// passwordLogin fills the login form: e-mail → method (password) → password.
func (tm *term) passwordLogin(email, password string) {
	tm.t.Helper()
	tm.focused("Correo electrónico")
	tm.typeText(email + keyEnter)
	tm.focused("¿Cómo desea ingresar?")
	tm.typeText(keyEnter)
	tm.focused("Contraseña")
	tm.typeText(password + keyEnter)
}

func TestEmailPasswordLogin(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	a := newClinic(t, db, "clinic-a").withPassword(t)
	srv := startServer(t, db)

	tm := openTerm(t, mustDial(t, srv.addr, "clinic-a", noKeyAuth()), 100, 30)
	tm.waitFor("Ingresar a Clínica clinic-a")
	tm.passwordLogin(a.admin.Email, "no es la clave")
	tm.waitFor("✗ Correo o contraseña incorrectos.")
	tm.focused("Contraseña")
	tm.typeText(goodPassword + keyEnter)
	tm.waitFor("Admin clinic-a · Administrador", "[1 Agenda]", "Bienvenido/a, Admin clinic-a.")
	// No key was used: nothing to offer.
	if strings.Contains(tm.screen(), "Registrar la llave") {
		t.Errorf("offered to register a key the client does not have")
	}
}

// First login of a new admin: e-mail + setup code → choose a password →
// register the key the client connected with → next time the key is enough.
func TestSetupCodeFirstLoginRegistersTheKey(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	a := newClinic(t, db, "clinic-a")
	key, _ := newKey(t)
	fp := gossh.FingerprintSHA256(key.PublicKey())
	srv := startServer(t, db)

	// An unregistered key: the login form, and the key is offered.
	c := mustDial(t, srv.addr, "clinic-a", keyAuth(key))
	if _, errOut, code := run(t, c, "whoami"); code != 1 || !strings.Contains(errOut, "registre una llave") {
		t.Fatalf("unregistered key, scripted: exit %d, %q", code, errOut)
	}
	tm := openTerm(t, c, 100, 30)
	tm.focused("Correo electrónico")
	tm.typeText(a.admin.Email + keyEnter)
	tm.focused("¿Cómo desea ingresar?")
	tm.typeText(keyDown)
	tm.waitFor("> Tengo un código de configuración")
	tm.typeText(keyEnter)
	tm.focused("Código de configuración")
	tm.typeText(a.setupCode + keyEnter)
	tm.focused("Nueva contraseña")
	tm.typeText(goodPassword + keyEnter)
	tm.focused("Repita la contraseña")
	tm.typeText(goodPassword + keyEnter)
	tm.waitFor("¿Registrar la llave SSH con la que se conectó?", fp)
	tm.typeText(keyEnter) // "Sí"
	tm.waitFor("[1 Agenda]", "Contraseña guardada.", "Llave SSH registrada.")

	// The key now logs straight in, in a terminal and in scripts.
	c2 := mustDial(t, srv.addr, "clinic-a", keyAuth(key))
	if w := whoami(t, c2); w.Email != a.admin.Email || w.Role != "admin" {
		t.Errorf("whoami with the registered key: %+v", w)
	}
	openTerm(t, c2, 100, 30).waitFor("Admin clinic-a · Administrador", "[1 Agenda]")
	// And the password works too.
	if _, err := a.tn.LoginPassword(context.Background(), a.admin.Email, goodPassword, "test"); err != nil {
		t.Errorf("chosen password: %v", err)
	}
}

// Five wrong passwords lock the account for 15 minutes: the sixth attempt,
// with the right password, is refused.
func TestFiveWrongPasswordsLock(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	a := newClinic(t, db, "clinic-a").withPassword(t)
	srv := startServer(t, db)
	// failures counted so far (the store resets the count when it locks).
	failures := func() int {
		var n int
		if err := a.tn.Exec(context.Background(), func(tx pgx.Tx) error {
			return tx.QueryRow(context.Background(), `select case when locked_until is null then failed_attempts else $2 end
				from users where id = $1`, a.admin.ID, store.MaxFailedLogins).Scan(&n)
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}

	tm := openTerm(t, mustDial(t, srv.addr, "clinic-a", noKeyAuth()), 100, 30)
	tm.waitFor("Ingresar a Clínica clinic-a")
	tm.passwordLogin(a.admin.Email, "mala 1")
	for i := 1; i <= store.MaxFailedLogins; i++ {
		// The attempt was counted and the form is back, its password field
		// emptied: the next attempt can be typed.
		waitUntil(t, "failure counted", func() bool { return failures() >= i })
		if i == store.MaxFailedLogins {
			break
		}
		waitUntil(t, "form back", func() bool {
			scr := tm.screen()
			return strings.Contains(scr, "✗ Correo o contraseña incorrectos.") && !strings.Contains(scr, "**")
		})
		tm.focused("Contraseña")
		tm.typeText("mala" + keyEnter)
	}
	// Locked: the same answer as a wrong password (issue 12, F8).
	tm.waitFor("✗ Correo o contraseña incorrectos.")

	// The sixth attempt, with the right password, from a new connection.
	tm2 := openTerm(t, mustDial(t, srv.addr, "clinic-a", noKeyAuth()), 100, 30)
	tm2.passwordLogin(a.admin.Email, goodPassword)
	tm2.waitFor("✗ Correo o contraseña incorrectos.")
	if strings.Contains(tm2.screen(), "[1 Agenda]") {
		t.Fatalf("logged in while locked:\n%s", tm2.screen())
	}
	var until *time.Time
	if err := a.tn.Exec(context.Background(), func(tx pgx.Tx) error {
		return tx.QueryRow(context.Background(), `select locked_until from users where id = $1`, a.admin.ID).Scan(&until)
	}); err != nil {
		t.Fatal(err)
	}
	if until == nil {
		t.Fatal("the account is not locked")
	} else if d := time.Until(*until); d < 14*time.Minute || d > 15*time.Minute+time.Second {
		t.Errorf("locked for %v, want 15 minutes", d)
	}
}

func TestPanelPasswordLogin(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	ctx := context.Background()
	op, code, err := db.CreateOperator(ctx, store.CLI, "ops@example.com", "Ops", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.OperatorLoginSetupCode(ctx, op.Email, code, "test"); err != nil {
		t.Fatal(err)
	}
	if err := db.SetOperatorPassword(ctx, op.ID, goodPassword); err != nil {
		t.Fatal(err)
	}
	codes := enrolOperator(t, db, op)
	srv := startServer(t, db)
	tm := openTerm(t, mustDial(t, srv.addr, "panel", noKeyAuth()), 100, 30)
	tm.waitFor("Panel de operadores")
	tm.passwordLogin(op.Email, goodPassword)
	tm.focused("Código de verificación")
	tm.typeText(codes.code() + keyEnter)
	tm.waitFor("Ops · ")
}
