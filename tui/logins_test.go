package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"consultorio/store"
	"consultorio/tui/tuitest"
)

// TestLoginsPage (80x24): from the staff screen an admin opens the open
// sessions, sees user, door, address, times and its own marked; "?" shows
// the page's keys; x asks before ending Rosa's session, which the store then
// records as ended by the admin.
func TestLoginsPage(t *testing.T) {
	t.Parallel()
	tn, admin := admClinic(t)
	ctx := context.Background()
	rosa := admStaffUser(t, tn, "rosa@clinic-a.test", "Rosa Quispe", store.RoleReception)
	rosaID, err := tn.LoginBook().Open(ctx, rosa.ID, store.DoorTUI, "198.51.100.23:40000", "srv")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tn.LoginBook().Open(ctx, admin.ID, store.DoorCommand, "192.0.2.7:5555", "srv"); err != nil {
		t.Fatal(err)
	}

	term := admStart(t, tn, admin, 80, 24, []string{"0"}, "Rosa Quispe")
	term.Key("o")
	admSettled(t, term, "Personal › Sesiones abiertas", "Usuario", "Acceso", "Dirección",
		"Rosa Quispe", "pantalla", "198.51.100.23:40000", "comando")
	term.Key("?")
	term.WaitFor(t, "x terminar sesión", "r recargar", "esc volver")
	term.Key("?")
	admSelectRow(t, term, "Rosa Quispe")
	term.Key("x")
	term.WaitFor(t, "¿Terminar la sesión de Rosa Quispe desde 198.51.100.23:40000?")
	term.Key("left") // huh's confirm starts on "No"
	term.Key("enter")
	s := admSettled(t, term, "✓ Sesión terminada.")
	if strings.Contains(s, "Rosa Quispe") {
		t.Errorf("ended session still listed:\n%s", s)
	}
	ended, err := tn.LoginBook().Ended(ctx, []int64{rosaID})
	if err != nil || ended[rosaID] != admin.Name {
		t.Fatalf("ended = %v, %v", ended, err)
	}
}

// TestPanelClinicLoginsPage (80x24): in the panel, a clinic's detail opens
// its open sessions (key o): user, door, address, times; "?" shows the
// page's keys; x asks before ending the receptionist's session, which the
// store records as ended by the operator.
func TestPanelClinicLoginsPage(t *testing.T) {
	t.Parallel()
	f := newPanelFixture(t)
	ctx := context.Background()
	f.client(t, "clinica-sol", "Clínica del Sol", "350")
	tn, err := f.db.Tenant(ctx, "clinica-sol")
	if err != nil {
		t.Fatal(err)
	}
	admin, err := tn.UserByEmail(ctx, store.System, "admin@clinica-sol.test")
	if err != nil {
		t.Fatal(err)
	}
	rosa := admStaffUser(t, tn, "rosa@clinica-sol.test", "Rosa Quispe", store.RoleReception)
	if _, err := tn.LoginBook().Open(ctx, admin.ID, store.DoorTUI, "192.0.2.7:5555", "srv"); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(2 * time.Minute)
	rosaID, err := tn.LoginBook().Open(ctx, rosa.ID, store.DoorCommand, "198.51.100.23:40000", "srv")
	if err != nil {
		t.Fatal(err)
	}
	f.pinActivity(t, "clinica-sol")

	term := f.start(t)
	term.WaitFor(t, "Clínica del Sol")
	term.Key("enter")
	term.WaitFor(t, "clinica-sol", "admin@clinica-sol.test")
	term.Key("o")
	s := admSettled(t, term, "Clínica del Sol › Sesiones abiertas", "Usuario", "Acceso", "Dirección", "Desde",
		"Rosa Quispe", "comando", "198.51.100.23:40000", "Admin clin", "pantalla", "192.0.2.7:5555")
	golden.RequireEqual(t, s)
	term.Key("?")
	term.WaitFor(t, "x terminar sesión", "r recargar", "esc volver")
	term.Key("?")
	admSelectRow(t, term, "Rosa Quispe")
	term.Key("x")
	term.WaitFor(t, "¿Terminar la sesión de Rosa Quispe desde 198.51.100.23:40000?")
	term.Key("left") // huh's confirm starts on "No"
	term.Key("enter")
	s = admSettled(t, term, "✓ Sesión terminada.", "Admin clin")
	if strings.Contains(s, "Rosa Quispe") {
		t.Errorf("ended session still listed:\n%s", s)
	}
	ended, err := tn.LoginBook().Ended(ctx, []int64{rosaID})
	if err != nil || ended[rosaID] != f.op.Email+" (operator)" {
		t.Fatalf("ended = %v, %v", ended, err)
	}
}

// TestOperatorLoginsScreen (80x24, English): the panel's Sessions screen
// lists the operator's own open sessions, this one marked, and ends
// another (a forgotten terminal) after a confirmation.
func TestOperatorLoginsScreen(t *testing.T) {
	t.Parallel()
	f := newPanelFixture(t)
	ctx := context.Background()
	f.op.Lang = "en"
	book := f.db.OperatorLoginBook()
	old, err := book.Open(ctx, f.op.ID, store.DoorTUI, "198.51.100.9:5000", "srv")
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(2 * time.Minute)
	this, err := book.Open(ctx, f.op.ID, store.DoorTUI, "203.0.113.7:5000", "srv")
	if err != nil {
		t.Fatal(err)
	}
	m := NewPanelApp(ctx, PanelSession{DB: f.db, Operator: f.op, RemoteAddr: "203.0.113.7:5000",
		Width: 80, Height: 24, SSHLine: f.connect.For, LoginID: func() int64 { return this }})
	term := tuitest.Start(t, m, 80, 24)
	term.WaitFor(t, "6 Sessions")
	term.Key("6")
	s := admSettled(t, term, "Open sessions", "Olga Ops (…", "203.0.113.7:5000", "198.51.100.9:5000", "screen")
	golden.RequireEqual(t, s)
	admSelectRow(t, term, "Olga Ops  ")
	term.Key("x")
	term.WaitFor(t, "End the session of Olga Ops from 198.51.100.9:5000?")
	term.Key("left")
	term.Key("enter")
	s = admSettled(t, term, "✓ Session ended.", "Olga Ops (…")
	if strings.Contains(s, "198.51.100.9") {
		t.Errorf("ended session still listed:\n%s", s)
	}
	ended, err := book.Ended(ctx, []int64{old, this})
	if err != nil || len(ended) != 1 || ended[old] != f.op.Email {
		t.Fatalf("ended = %v, %v", ended, err)
	}
}

// TestReceptionEndsOwnLoginFromAccesos (80x24): every role has the
// "Accesos" screen; a receptionist sees her own open sessions there (not the
// admin's) and ends the one left open on another machine.
func TestReceptionEndsOwnLoginFromAccesos(t *testing.T) {
	t.Parallel()
	tn, admin := admClinic(t)
	ctx := context.Background()
	rosa := admStaffUser(t, tn, "rosa@clinic-a.test", "Rosa Quispe", store.RoleReception)
	left, err := tn.LoginBook().Open(ctx, rosa.ID, store.DoorTUI, "198.51.100.23:40000", "srv")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tn.LoginBook().Open(ctx, admin.ID, store.DoorTUI, "203.0.113.9:7000", "srv"); err != nil {
		t.Fatal(err)
	}

	// Accesos has no digit (issue 13: digits are the same for every role
	// and run out): it is the last of reception's screens, shift+tab from
	// the first.
	term := admStart(t, tn, rosa, 80, 24, []string{"shift+tab"}, "Sesiones abiertas")
	s := admSettled(t, term, "Sesiones abiertas", "Rosa Quispe", "198.51.100.23:40000")
	if strings.Contains(s, "203.0.113.9") || strings.Contains(s, "Admin") {
		t.Errorf("a receptionist sees another user's session:\n%s", s)
	}
	admSelectRow(t, term, "Rosa Quispe")
	term.Key("x")
	term.WaitFor(t, "¿Terminar la sesión de Rosa Quispe desde 198.51.100.23:40000?")
	term.Key("left") // huh's confirm starts on "No"
	term.Key("enter")
	s = admSettled(t, term, "✓ Sesión terminada.")
	if strings.Contains(s, "198.51.100.23") {
		t.Errorf("ended session still listed:\n%s", s)
	}
	ended, err := tn.LoginBook().Ended(ctx, []int64{left})
	if err != nil || ended[left] != rosa.Name {
		t.Fatalf("ended = %v, %v", ended, err)
	}
}
