package server

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"consultorio/server/cmd"
	"consultorio/store"
	"consultorio/store/storetest"
)

// endedByAdmin is what the (Spanish) TUI shows when the clinic's admin ends
// the session from their open sessions.
const endedByAdmin = "Sesión terminada: cerrada por Admin clinic-a"

func listLogins(t *testing.T, srv *testServer, auth []gossh.AuthMethod) []cmd.LoginView {
	t.Helper()
	out, errOut, code := run(t, mustDial(t, srv.addr, "clinic-a", auth), "logins list --json")
	if code != 0 {
		t.Fatalf("logins list: exit %d, %s", code, errOut)
	}
	var list []cmd.LoginView
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("logins list --json: %v\n%s", err, out)
	}
	return list
}

// waitListed waits until tn records a terminal session of email: a
// terminal session is recorded alongside its first frame, not before it.
func waitListed(t *testing.T, tn *store.Tenant, email string) {
	t.Helper()
	waitUntil(t, email+"'s terminal session recorded", func() bool {
		list, err := tn.Logins(context.Background(), store.System, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range list {
			if l.Email == email && l.Door == store.DoorTUI {
				return true
			}
		}
		return false
	})
}

// TestAdminEndsReceptionSession: the receptionist's open TUI session is
// listed (address, door, since, last activity) to the admin, who ends it
// with a scripted command; the TUI shows who closed it within 2 seconds and
// the session ends. The receptionist sees only their own sessions and cannot
// end the admin's.
func TestAdminEndsReceptionSession(t *testing.T) {
	db := storetest.NewDB(t)
	a := newClinic(t, db, "clinic-a")
	adminKey, adminLine := newKey(t)
	a.addKey(t, a.admin.ID, adminLine)
	rosa, _, err := a.tn.CreateUser(context.Background(), store.System, store.NewUser{Email: "rosa@clinic-a.test",
		Name: "Rosa Recepción", Role: store.RoleReception})
	if err != nil {
		t.Fatal(err)
	}
	rosaKey, rosaLine := newKey(t)
	a.addKey(t, rosa.ID, rosaLine)
	srv := startServer(t, db)

	tm := openTerm(t, mustDial(t, srv.addr, "clinic-a", keyAuth(rosaKey)), 80, 24)
	tm.waitFor("Rosa Recepción")
	waitListed(t, a.tn, "rosa@clinic-a.test")

	list := listLogins(t, srv, keyAuth(adminKey))
	var rosaTUI *cmd.LoginView
	for i, l := range list {
		switch {
		case l.Email == "rosa@clinic-a.test" && l.Door == "tui":
			rosaTUI = &list[i]
		case l.Email == a.admin.Email && l.Door == "command" && l.Current:
		default:
			t.Errorf("unexpected session %+v", l)
		}
	}
	if rosaTUI == nil || rosaTUI.RemoteAddr == "" || rosaTUI.StartedAt == "" || rosaTUI.LastActivity == "" || rosaTUI.Current {
		t.Fatalf("admin's list lacks reception's TUI session: %+v", list)
	}
	// The receptionist sees their own sessions only, and cannot end the
	// admin's (which looks absent).
	own := listLogins(t, srv, keyAuth(rosaKey))
	for _, l := range own {
		if l.Email != "rosa@clinic-a.test" {
			t.Errorf("reception sees %+v", l)
		}
	}
	adminTUI := openTerm(t, mustDial(t, srv.addr, "clinic-a", keyAuth(adminKey)), 160, 30) // wide: the whole help line
	adminTUI.waitFor("Admin clinic-a")
	for _, l := range listLogins(t, srv, keyAuth(adminKey)) {
		if l.Email == a.admin.Email && l.Door == "tui" {
			_, errOut, code := run(t, mustDial(t, srv.addr, "clinic-a", keyAuth(rosaKey)), "logins end "+strconv.FormatInt(l.ID, 10))
			if code != 1 || !strings.Contains(errOut, "No se encontró: sesión abierta") {
				t.Errorf("reception ends the admin's session: exit %d, %q", code, errOut)
			}
		}
	}

	// The admin ends it from the staff screen's open sessions (Rosa's is
	// second: the admin's TUI started later), after a confirmation.
	adminTUI.typeText("0")
	adminTUI.waitFor("Personal", "o sesiones abiertas")
	adminTUI.typeText("o")
	adminTUI.waitFor("Sesiones abiertas", "Rosa Recepción", "pantalla", "Admin clinic-a (esta)", "x terminar sesión")
	adminTUI.typeText("\x1b[B")
	adminTUI.waitFor("› Rosa Recepción")
	adminTUI.typeText("x")
	adminTUI.waitFor("¿Terminar la sesión de Rosa Recepción desde " + rosaTUI.RemoteAddr + "?")
	adminTUI.typeText("\x1b[D") // huh's confirm starts on "No"
	adminTUI.typeText("\r")
	ended := time.Now()
	tm.waitFor(endedByAdmin)
	if took := time.Since(ended); took > 2*time.Second {
		t.Errorf("the session showed its end after %v, want within 2s", took)
	}
	tm.wait()
	if !strings.Contains(tm.screen(), endedByAdmin) || tm.altScreen() {
		t.Errorf("ended session left:\n%s", tm.screen())
	}
	adminTUI.waitFor("✓ Sesión terminada.")

	// A scripted command ends a session too.
	tm2 := openTerm(t, mustDial(t, srv.addr, "clinic-a", keyAuth(rosaKey)), 80, 24)
	tm2.waitFor("Rosa Recepción")
	waitListed(t, a.tn, "rosa@clinic-a.test")
	var second int64
	for _, l := range listLogins(t, srv, keyAuth(rosaKey)) {
		if l.Door == "tui" {
			second = l.ID
		}
	}
	out, errOut, code := run(t, mustDial(t, srv.addr, "clinic-a", keyAuth(adminKey)), "logins end "+strconv.FormatInt(second, 10))
	if code != 0 || second == 0 {
		t.Fatalf("logins end %d: exit %d, %q %q", second, code, out, errOut)
	}
	tm2.waitFor(endedByAdmin)
	tm2.wait()

	// The admin's own TUI goes on, and the ended sessions are no longer
	// listed.
	adminTUI.typeText("r")
	waitUntil(t, "the ended session's row removed", func() bool {
		// Polled in the store: a dial every few milliseconds would meet the
		// per-address limits.
		list, err := a.tn.Logins(context.Background(), store.System, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range list {
			if l.ID == rosaTUI.ID || l.ID == second {
				return false
			}
		}
		return true
	})
	if strings.Contains(adminTUI.screen(), "Rosa Recepción") {
		t.Errorf("the admin's page still lists Rosa's sessions:\n%s", adminTUI.screen())
	}
}

// TestOperatorEndsClinicSession: over SSH an operator lists a clinic's open
// sessions and ends one; the TUI says an operator closed it.
func TestOperatorEndsClinicSession(t *testing.T) {
	db := storetest.NewDB(t)
	ctx := context.Background()
	opKey, opLine := newKey(t)
	op, _, err := db.CreateOperator(ctx, store.CLI, "ops@example.com", "Ops", opLine)
	if err != nil {
		t.Fatal(err)
	}
	grantOperatorKey(t, db, op, opKey)
	a := newClinic(t, db, "clinic-a")
	adminKey, adminLine := newKey(t)
	a.addKey(t, a.admin.ID, adminLine)
	srv := startServer(t, db)

	tm := openTerm(t, mustDial(t, srv.addr, "clinic-a", keyAuth(adminKey)), 80, 24)
	tm.waitFor("Admin clinic-a")
	var list []cmd.LoginView
	waitListed(t, a.tn, a.admin.Email)
	runJSON(t, mustDial(t, srv.addr, "panel", keyAuth(opKey)), &list, "tenants logins clinic-a")
	if len(list) != 1 || list[0].Email != a.admin.Email || list[0].Door != "tui" {
		t.Fatalf("tenants logins = %+v", list)
	}
	out, errOut, code := run(t, mustDial(t, srv.addr, "panel", keyAuth(opKey)), "tenants end-login clinic-a "+strconv.FormatInt(list[0].ID, 10))
	if code != 0 {
		t.Fatalf("tenants end-login: exit %d, %q %q", code, out, errOut)
	}
	tm.waitFor("Sesión terminada: cerrada por ops@example.com (operator)")
	tm.wait()
	_, errOut, code = run(t, mustDial(t, srv.addr, "panel", keyAuth(opKey)), "tenants logins nosuch")
	if code != 1 || !strings.Contains(errOut, "No se encontró: clínica nosuch") {
		t.Errorf("unknown clinic: exit %d, %q", code, errOut)
	}
}

// TestPasswordLoginIsListedAndEnded: a session that logged in through the
// login form (no key) is recorded once the form knows its user, and ends
// like any other.
func TestPasswordLoginIsListedAndEnded(t *testing.T) {
	db := storetest.NewDB(t)
	a := newClinic(t, db, "clinic-a").withPassword(t)
	srv := startServer(t, db)

	tm := openTerm(t, mustDial(t, srv.addr, "clinic-a", noKeyAuth()), 100, 30)
	tm.passwordLogin(a.admin.Email, goodPassword)
	tm.waitFor("[1 Agenda]")
	var list []store.Login
	waitUntil(t, "the form login recorded", func() bool {
		var err error
		list, err = a.tn.Logins(context.Background(), store.System, 0)
		return err == nil && len(list) == 1
	})
	if list[0].Email != a.admin.Email || list[0].Door != store.DoorTUI {
		t.Fatalf("recorded %+v", list[0])
	}
	if err := a.tn.EndLogin(context.Background(), store.System, list[0].ID); err != nil {
		t.Fatal(err)
	}
	tm.waitFor("Sesión terminada: cerrada por system")
	tm.wait()
}

// TestOperatorEndsOwnPanelSession: an operator's own panel sessions (TUI
// and command) are recorded and listed to them with `logins list`; `logins
// end` closes a forgotten panel TUI within 2 seconds with who ended it;
// another operator can neither see nor end it.
func TestOperatorEndsOwnPanelSession(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	ctx := context.Background()
	opKey, opLine := newKey(t)
	op, _, err := db.CreateOperator(ctx, store.CLI, "ops@example.com", "Ops", opLine)
	if err != nil {
		t.Fatal(err)
	}
	otherKey, otherLine := newKey(t)
	other, _, err := db.CreateOperator(ctx, store.CLI, "other@example.com", "Other", otherLine)
	if err != nil {
		t.Fatal(err)
	}
	grantOperatorKey(t, db, op, opKey)
	grantOperatorKey(t, db, other, otherKey)
	codes := enrolOperator(t, db, op)
	srv := startServer(t, db)

	tm := openTerm(t, mustDial(t, srv.addr, "panel", keyAuth(opKey)), 80, 24)
	tm.focused("Código de verificación")
	tm.typeText(codes.code() + keyEnter)
	tm.waitFor("Ops · ")

	var list []cmd.LoginView
	runJSON(t, mustDial(t, srv.addr, "panel", keyAuth(opKey)), &list, "logins list")
	var tuiID int64
	for _, l := range list {
		if l.Email != op.Email {
			t.Errorf("listed another account's session: %+v", l)
		}
		if l.Door == "tui" {
			tuiID = l.ID
		}
		if l.Door == "command" && !l.Current {
			t.Errorf("the asking command is not marked current: %+v", l)
		}
	}
	if len(list) != 2 || tuiID == 0 {
		t.Fatalf("logins list = %+v, want the panel TUI and this command", list)
	}
	var others []cmd.LoginView
	runJSON(t, mustDial(t, srv.addr, "panel", keyAuth(otherKey)), &others, "logins list")
	for _, l := range others {
		if l.ID == tuiID {
			t.Fatalf("another operator sees ops's session: %+v", others)
		}
	}
	endCmd := "logins end " + strconv.FormatInt(tuiID, 10)
	if _, errOut, code := run(t, mustDial(t, srv.addr, "panel", keyAuth(otherKey)), endCmd); code != 1 {
		t.Fatalf("another operator ended it: exit %d %q", code, errOut)
	}
	ended := time.Now()
	if out, errOut, code := run(t, mustDial(t, srv.addr, "panel", keyAuth(opKey)), endCmd); code != 0 {
		t.Fatalf("logins end: exit %d, %q %q", code, out, errOut)
	}
	tm.waitFor("Sesión terminada: cerrada por ops@example.com")
	if took := time.Since(ended); took > 2*time.Second {
		t.Errorf("the panel session showed its end after %v, want within 2s", took)
	}
	tm.wait()
}
