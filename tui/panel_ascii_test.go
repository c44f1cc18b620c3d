package tui

import (
	"context"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"consultorio/store"
	"consultorio/tui/tuitest"
)

// TestPanelASCIIGoldens80x24: the operator panel in ASCII mode (a vt100, a
// Linux console) on the smallest supported terminal. Every panel screen is
// walked: no character outside ASCII (the clients' stored names are ASCII
// here, so any other is the panel's own chrome) and no colour anywhere;
// the clients list and the dashboard are pinned as goldens. The same
// screen without ASCII mode has Unicode chrome (checked first, so the test
// cannot pass vacuously).
func TestPanelASCIIGoldens80x24(t *testing.T) {
	t.Parallel()
	f := newPanelFixture(t)
	f.client(t, "clinica-sol", "Clinica del Sol", "350")
	f.client(t, "mente-sana", "Mente Sana", "180.5")
	if _, err := f.db.SuspendTenant(context.Background(), store.CLI, "mente-sana"); err != nil {
		t.Fatal(err)
	}
	f.pinActivity(t, "clinica-sol", "mente-sana")
	start := func(ascii bool) *tuitest.Term {
		return tuitest.Start(t, NewPanelApp(context.Background(), PanelSession{DB: f.db, Operator: f.op,
			RemoteAddr: "203.0.113.7:5000", Width: 80, Height: 24, SSHLine: f.connect.For, ASCII: ascii}), 80, 24)
	}
	plain := asciiSettled(t, start(false), "Clinica del Sol")
	if asciiChrome(plain) == "" {
		t.Fatalf("without ASCII mode the panel should use Unicode chrome:\n%s", plain)
	}

	term := start(true)
	for _, c := range []struct{ key, active, golden string }{
		{"", "[1 Clientes]", "clients"}, {"2", "[2 Planes]", ""}, {"3", "[3 Facturacion]", ""},
		{"4", "[4 Tablero]", "dashboard"}, {"5", "[5 Auditoria]", ""},
	} {
		if c.key != "" {
			term.Key(c.key)
		}
		s := asciiSettled(t, term, c.active)
		if bad := asciiChrome(s); bad != "" {
			t.Errorf("%s: non-ASCII characters %q on the screen:\n%s", c.active, bad, s)
		}
		for y := range 24 {
			for x := range 80 {
				if term.HasColor(x, y) {
					t.Fatalf("%s: colour at %d,%d in ASCII mode:\n%s", c.active, x, y, s)
				}
			}
		}
		if c.golden != "" {
			t.Run(c.golden, func(t *testing.T) { golden.RequireEqual(t, s) })
		}
	}
}
