package server

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"consultorio/store"
	"consultorio/store/storetest"
	"consultorio/tui/i18n"
)

// End to end over SSH with a PTY at 80x24 and the real TUIs (issue 6, "Must
// show"): an operator creates a clinic in the panel, its admin gets in with
// the setup code, the operator suspends the clinic (the admin's session
// ends, new logins are refused) and activates it (the admin is back); every
// one of those changes has its operator audit row; and a clinic admin's key
// and password do not open the panel.

const keyLeft = "\x1b[D"

// setupCodeOnScreen is the code the panel's setup-code page shows: the first
// non-empty line after "Código de configuración para <email>".
func setupCodeOnScreen(t *testing.T, scr, email string) string {
	t.Helper()
	lines := strings.Split(scr, "\n")
	for i, l := range lines {
		if !strings.Contains(l, "Código de configuración para "+email) {
			continue
		}
		for _, next := range lines[i+1:] {
			if code := strings.TrimSpace(next); code != "" {
				return code
			}
		}
	}
	t.Fatalf("no setup code on the screen:\n%s", scr)
	return ""
}

func TestE2EPanelClinicLifecycle(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	ctx := context.Background()
	opKey, opLine := newKey(t)
	op, _, err := db.CreateOperator(ctx, store.CLI, "ops@example.com", "Olga Ops", opLine)
	if err != nil {
		t.Fatal(err)
	}
	codes := enrolOperator(t, db, op)
	// The setup page's connect line is the address the server was started
	// with (the port ":0" picked), not the environment's (nothing below
	// cmd/ reads it: TestNoEnvironmentReadsBelowCmd).
	srv := startServer(t, db)
	_, port, err := net.SplitHostPort(srv.addr)
	if err != nil {
		t.Fatal(err)
	}

	// The operator's key and a code open the panel; the Clientes form
	// creates the clinic.
	panel := openTerm(t, mustDial(t, srv.addr, "panel", keyAuth(opKey)), 80, 24)
	panel.focused("Código de verificación")
	panel.typeText(codes.code() + keyEnter)
	panel.idle("Olga Ops · Operador", "[1 Clientes]", "No hay registros.")
	panel.typeText("n")
	for _, f := range []struct{ title, value string }{
		{"Esquema", "clinic-x"},
		{"Nombre", "Clínica X"},
		{"Correo del administrador", "ana@x.test"},
		{"Nombre del administrador", "Ana Admin"},
	} {
		panel.focused(f.title)
		panel.typeText(f.value)
		panel.waitFor(f.value)
		panel.typeText(keyEnter)
	}
	panel.focused("Cuota mensual")
	panel.typeText("\x7f" + "180") // the field starts at "0"
	panel.waitFor("180")
	panel.typeText(keyEnter)
	panel.focused("Dominio")
	panel.typeText(keyEnter)
	panel.focused("Especialistas")
	panel.typeText(keyEnter)
	panel.focused("Pacientes")
	panel.typeText(keyEnter)
	panel.focused("Usuarios")
	panel.typeText(keyEnter)
	scr := panel.idle("✓ Cliente creado.", "Código de configuración para ana@x.test (Clínica X):",
		"ssh -p "+port+" clinic-x@127.0.0.1")
	code := setupCodeOnScreen(t, scr, "ana@x.test")
	ti, err := db.GetTenant(ctx, "clinic-x")
	if err != nil || ti.Status != store.TenantActive || ti.Name != "Clínica X" || ti.AdminEmail != "ana@x.test" {
		t.Fatalf("created clinic: %+v, %v", ti, err)
	}
	tn, err := db.Tenant(ctx, "clinic-x")
	if err != nil {
		t.Fatal(err)
	}
	panel.typeText(keyEnter) // close the code's page: back to the list
	panel.idle("Clínica X", "1 en total")

	// The admin: e-mail + setup code in the clinic's login form, then a
	// password of their own.
	admin := openTerm(t, mustDial(t, srv.addr, "clinic-x", noKeyAuth()), 80, 24)
	admin.focused("Correo electrónico")
	admin.typeText("ana@x.test" + keyEnter)
	admin.focused("¿Cómo desea ingresar?")
	admin.typeText(keyDown)
	admin.waitFor("> Tengo un código de configuración")
	admin.typeText(keyEnter)
	admin.focused("Código de configuración")
	admin.typeText(code + keyEnter)
	admin.focused("Nueva contraseña")
	admin.typeText(goodPassword + keyEnter)
	admin.focused("Repita la contraseña")
	admin.typeText(goodPassword + keyEnter)
	admin.waitFor("Ana Admin · Administrador", "[1 Agenda]", "Contraseña guardada.")

	// The operator suspends the clinic from its detail.
	panel.typeText(keyEnter)
	panel.idle("Clientes › Clínica X", "activo", "s suspender")
	panel.typeText("s")
	panel.waitFor("¿Suspender «Clínica X»?")
	panel.typeText(keyLeft) // huh's confirm starts on "No"
	panel.typeText(keyEnter)
	panel.idle("✓ Cliente suspendido.", "suspendido (por un operador)")

	// The admin's open session ends with the reason on the screen.
	admin.wait()
	if !strings.Contains(admin.screen(), endedSuspended) {
		t.Errorf("the admin's session after the suspension:\n%s", admin.screen())
	}
	if admin.altScreen() {
		t.Errorf("the ended session left the terminal in the alternate screen")
	}
	// A new login is refused, in a terminal and in scripts.
	again := openTerm(t, mustDial(t, srv.addr, "clinic-x", noKeyAuth()), 80, 24)
	if code := again.wait(); code != 1 || !strings.Contains(again.screen(), "Esta clínica está suspendida") {
		t.Errorf("login at the suspended clinic: exit %d, screen:\n%s", code, again.screen())
	}
	if strings.Contains(again.screen(), "[1 Agenda]") {
		t.Errorf("logged in to a suspended clinic:\n%s", again.screen())
	}
	if _, errOut, code := run(t, mustDial(t, srv.addr, "clinic-x", noKeyAuth()), "whoami"); code != 1 ||
		strings.TrimSpace(errOut) != store.ErrTenantSuspended.Error() {
		t.Errorf("scripted command at the suspended clinic: exit %d, %q", code, errOut)
	}
	if _, err := tn.LoginPassword(ctx, "ana@x.test", goodPassword, "test"); !errors.Is(err, store.ErrTenantSuspended) {
		t.Errorf("the store's password login at the suspended clinic: %v", err)
	}

	// The operator activates it; the admin logs in with the password.
	panel.typeText("a")
	panel.waitFor("¿Activar «Clínica X»?")
	panel.typeText(keyLeft)
	panel.typeText(keyEnter)
	panel.idle("✓ Cliente activado.", "s suspender")
	back := openTerm(t, mustDial(t, srv.addr, "clinic-x", noKeyAuth()), 80, 24)
	back.waitFor("Ingresar a Clínica X")
	back.passwordLogin("ana@x.test", goodPassword)
	back.waitFor("Ana Admin · Administrador", "[1 Agenda]", "Bienvenido/a, Ana Admin.")

	// Every change above has its operator audit row, with the operator and
	// the address they connected from; and nothing else was recorded
	// against the clinic.
	rows, err := db.OperatorAuditLog(ctx, store.OperatorAuditFilter{Target: "clinic-x"})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for i := len(rows) - 1; i >= 0; i-- { // oldest first
		r := rows[i]
		actions = append(actions, r.Action)
		if r.OperatorID == nil || *r.OperatorID != op.ID || r.Actor != op.Email || !strings.HasPrefix(r.RemoteAddr, "127.0.0.1:") {
			t.Errorf("audit row %s: operator %v, actor %q, from %q", r.Action, r.OperatorID, r.Actor, r.RemoteAddr)
		}
	}
	if got := strings.Join(actions, " "); got != "tenant.create tenant.suspend tenant.activate" {
		t.Errorf("operator audit of clinic-x: %s", got)
	}
}

// A clinic admin's key and password never open the panel: with the key the
// panel shows its login form (and scripted panel commands are refused);
// with the password the form says the credentials are wrong.
func TestE2EPanelRefusesClinicAdmin(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	ctx := context.Background()
	if _, _, err := db.CreateOperator(ctx, store.CLI, "ops@example.com", "Olga Ops", ""); err != nil {
		t.Fatal(err)
	}
	a := newClinic(t, db, "clinic-a").withPassword(t)
	adminKey, adminLine := newKey(t)
	a.addKey(t, a.admin.ID, adminLine)
	srv := startServer(t, db)

	// The key works at the clinic...
	if w := whoami(t, mustDial(t, srv.addr, "clinic-a", keyAuth(adminKey))); w.Email != a.admin.Email {
		t.Fatalf("the admin's key at the clinic: %+v", w)
	}
	// ...but at the panel it is nobody's.
	c := mustDial(t, srv.addr, "panel", keyAuth(adminKey))
	if out, errOut, code := run(t, c, "tenants list"); code != 1 || out != "" || strings.TrimSpace(errOut) != i18n.For(i18n.ES).Errors.AuthRequired {
		t.Errorf("tenants list with a clinic admin's key: exit %d, %q %q", code, out, errOut)
	}
	tm := openTerm(t, c, 80, 24)
	tm.waitFor("Panel de operadores")
	tm.focused("Correo electrónico")
	if scr := tm.screen(); strings.Contains(scr, "[1 Clientes]") || strings.Contains(scr, a.admin.Name) {
		t.Fatalf("the clinic admin's key opened the panel:\n%s", scr)
	}

	// The admin's e-mail and password in the panel's form: wrong
	// credentials, and still no panel.
	tm.passwordLogin(a.admin.Email, goodPassword)
	scr := tm.idle("✗ Correo o contraseña incorrectos.")
	if strings.Contains(scr, "[1 Clientes]") || strings.Contains(scr, "Operador") {
		t.Errorf("the clinic admin's password opened the panel:\n%s", scr)
	}
	if _, err := db.OperatorLoginPassword(ctx, a.admin.Email, goodPassword, "test"); !errors.Is(err, store.ErrBadCredentials) {
		t.Errorf("the store's operator login with a clinic admin's password: %v", err)
	}
}
