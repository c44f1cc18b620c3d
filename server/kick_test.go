package server

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"consultorio/store"
	"consultorio/store/storetest"
)

// Deactivating a staff user ends their live sessions (issue 12 F12): a
// terminal logged in by key and one logged in through the form show why in
// the user's language within 2 s and exit with status 1; a running command
// stops with the message and exit status 1. Other users' sessions go on.
func TestDeactivatedUserSessionsEnd(t *testing.T) {
	db := storetest.NewDB(t)
	ctx := context.Background()
	a := newClinic(t, db, "clinic-a")
	adminKey, adminLine := newKey(t)
	a.addKey(t, a.admin.ID, adminLine)
	admin := a.admin.Actor("test")
	rosa, _, err := a.tn.CreateUser(ctx, admin, store.NewUser{Email: "rosa@clinic-a.test", Name: "Rosa", Role: store.RoleReception, Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	rosaKey, rosaLine := newKey(t)
	a.addKey(t, rosa.ID, rosaLine)
	luis, code, err := a.tn.CreateUser(ctx, admin, store.NewUser{Email: "luis@clinic-a.test", Name: "Luis", Role: store.RoleReception})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.tn.LoginSetupCode(ctx, luis.Email, code, "test"); err != nil {
		t.Fatal(err)
	}
	if err := a.tn.SetPassword(ctx, luis.ID, goodPassword); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, db, withTestCommands())

	adminTerm := openTerm(t, mustDial(t, srv.addr, "clinic-a", keyAuth(adminKey)), 100, 30)
	adminTerm.waitFor("Admin clinic-a · Administrador")
	rosaTerm := openTerm(t, mustDial(t, srv.addr, "clinic-a", keyAuth(rosaKey)), 100, 30)
	rosaTerm.waitFor("Rosa · Reception")
	luisTerm := openTerm(t, mustDial(t, srv.addr, "clinic-a", noKeyAuth()), 100, 30)
	luisTerm.waitFor("Ingresar a Clínica clinic-a")
	luisTerm.passwordLogin(luis.Email, goodPassword)
	luisTerm.waitFor("Luis · Recepción")

	cmdSess, err := mustDial(t, srv.addr, "clinic-a", keyAuth(rosaKey)).NewSession()
	if err != nil {
		t.Fatal(err)
	}
	stdin, _ := cmdSess.StdinPipe()
	var out, errb syncBuffer
	cmdSess.Stdout, cmdSess.Stderr = &out, &errb
	if err := cmdSess.Start("test-echo-stdin"); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(stdin, "hola")
	waitUntil(t, "echo", func() bool { return strings.Contains(out.String(), "got hola") })
	cmdDone := make(chan error, 1)
	go func() { cmdDone <- cmdSess.Wait() }()

	for _, id := range []int64{rosa.ID, luis.ID} {
		if err := a.tn.DeactivateUser(ctx, admin, id); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	select {
	case err := <-cmdDone:
		if c := exitCode(t, err); c != 1 {
			t.Errorf("command of the deactivated user: exit %d, want 1", c)
		}
		t.Logf("command ended %v after the deactivation", time.Since(start).Round(time.Millisecond))
	case <-time.After(2 * time.Second):
		t.Fatalf("command still running 2 s after the deactivation")
	}
	if got := strings.TrimSpace(errb.String()); got != "Session ended: your account was deactivated" {
		t.Errorf("command stderr %q", got)
	}
	rosaTerm.waitWithin(2*time.Second, "Session ended: your account was deactivated")
	luisTerm.waitWithin(2*time.Second, "Sesión terminada: su cuenta fue desactivada")
	for _, tm := range []*term{rosaTerm, luisTerm} {
		if c := tm.wait(); c != 1 {
			t.Errorf("terminal of a deactivated user: exit %d, want 1", c)
		}
		if tm.altScreen() {
			t.Errorf("terminal left in the alternate screen")
		}
	}
	t.Logf("terminals ended %v after the deactivation", time.Since(start).Round(time.Millisecond))
	// The ended sessions leave the registry as their handlers return.
	waitUntil(t, "only the admin's session left", func() bool { return srv.reg.count() == 1 })
	adminTerm.typeText("x")
	adminTerm.waitFor("Admin clinic-a · Administrador")
}
