package server

import (
	"strings"
	"testing"

	"consultorio/store/storetest"
)

// Window changes reach the TUI: below 80x24 it says so, and it comes back
// when the window grows.
func TestResizeAndTooSmall(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	a := newClinic(t, db, "clinic-a")
	key, line := newKey(t)
	a.addKey(t, a.admin.ID, line)
	srv := startServer(t, db)
	tm := openTerm(t, mustDial(t, srv.addr, "clinic-a", keyAuth(key)), 100, 30)
	tm.waitFor("Admin clinic-a · Administrador")
	tm.resize(70, 20)
	tm.waitFor("Terminal demasiado pequeña", "80x24", "70x20")
	tm.resize(120, 40)
	tm.waitFor("Admin clinic-a · Administrador", "[1 Agenda]")
	if strings.Contains(tm.screen(), "demasiado pequeña") {
		t.Errorf("still too small at 120x40:\n%s", tm.screen())
	}
	// Starting small shows the notice at once.
	small := openTerm(t, mustDial(t, srv.addr, "clinic-a", keyAuth(key)), 60, 20)
	small.waitFor("Terminal demasiado pequeña")
}

// Colours follow what each session's terminal can show: 256 colours for
// xterm-256color, true colour when the client says COLORTERM=truecolor.
func TestColourProfilePerSession(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	a := newClinic(t, db, "clinic-a")
	key, line := newKey(t)
	a.addKey(t, a.admin.ID, line)
	srv := startServer(t, db)
	c := mustDial(t, srv.addr, "clinic-a", keyAuth(key))

	t256 := openTerm(t, c, 100, 30)
	t256.waitFor("Admin clinic-a · Administrador")
	if out := t256.output(); strings.Contains(out, "38;2;") || !strings.Contains(out, "38;5;") {
		t.Errorf("xterm-256color session: want 256-colour sequences only")
	}
	tTrue := openTermWith(t, c, 100, 30, "xterm-256color", map[string]string{"COLORTERM": "truecolor"})
	tTrue.waitFor("Admin clinic-a · Administrador")
	if !strings.Contains(tTrue.output(), "38;2;") {
		t.Errorf("truecolor session: no true-colour sequences")
	}
}
