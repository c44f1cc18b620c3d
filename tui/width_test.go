package tui

import (
	"context"
	"strings"
	"sync"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"consultorio/tui/tuitest"
)

// widthProbe wraps an app and records the widest line of every frame it
// renders. The terminal emulator cannot tell: it cuts or wraps a line that
// is too long, so the check looks at the frames themselves.
type widthProbe struct {
	tea.Model
	w int

	mu     sync.Mutex
	frames int // frames measured since the last check
	widest int
	line   string // the widest line seen over w, with its frame
	frame  string
}

func (p *widthProbe) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	m, cmd := p.Model.Update(msg)
	p.Model = m
	return p, cmd
}

func (p *widthProbe) View() tea.View {
	v := p.Model.View()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.frames++
	for _, l := range strings.Split(v.Content, "\n") {
		if w := ansi.StringWidth(l); w > p.widest {
			p.widest = w
			if w > p.w {
				p.line, p.frame = ansi.Strip(l), ansi.Strip(v.Content)
			}
		}
	}
	return v
}

// check fails the test when a frame since the last check had a line wider
// than the terminal, and starts over.
func (p *widthProbe) check(t *testing.T, where string) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.frames == 0 {
		t.Fatalf("%s: no frame was measured: the probe sees nothing", where)
	}
	if p.widest > p.w {
		t.Errorf("%s: a line is %d cells wide on a %d-column terminal: %q\n%s", where, p.widest, p.w, p.line, p.frame)
	}
	p.frames, p.widest, p.line, p.frame = 0, 0, "", ""
}

// TestEveryScreenFitsTheWidth walks every clinic screen of an admin and
// every panel screen at 80x24, with and without ASCII mode, opening the
// full help too, and fails if any rendered line is wider than 80 cells
// (the help line used to spill one cell: a key that did not fit).
func TestEveryScreenFitsTheWidth(t *testing.T) {
	t.Parallel()
	f := newASCIIFixture(t)
	clinicTabs := []string{"[1 Agenda]", "[2 Sesiones]", "[3 Pacientes]", "[4 Especialistas]", "[5 Salas]",
		"[6 Pagos]", "[7 Gastos]", "[8 Finanzas]", "[9 Notificaciones]", "[0 Personal]", "[Accesos]", "[Auditor"}
	p := newPanelFixture(t)
	p.client(t, "clinic_width", "Clínica Ancha", "120")
	panelTabs := []string{"Clientes]", "Planes]", "Facturación]", "Tablero]", "Auditoría]", "Sesiones]"}

	for _, ascii := range []bool{false, true} {
		mode := map[bool]string{false: "unicode", true: "ascii"}[ascii]
		t.Run("clinic-"+mode, func(t *testing.T) {
			probe := &widthProbe{w: 80, Model: NewClinicApp(context.Background(), ClinicSession{Tenant: f.tn, User: f.admin,
				RemoteAddr: "192.0.2.1:1", Width: 80, Height: 24, DarkBackground: true, ASCII: ascii})}
			walkTabs(t, probe, clinicTabs, ascii)
		})
		t.Run("panel-"+mode, func(t *testing.T) {
			probe := &widthProbe{w: 80, Model: NewPanelApp(context.Background(), PanelSession{DB: p.db, Operator: p.op,
				RemoteAddr: "203.0.113.7:5000", Width: 80, Height: 24, SSHLine: p.connect.For, ASCII: ascii})}
			walkTabs(t, probe, panelTabs, ascii)
		})
	}
}

// walkTabs visits each tab with tab, checking every frame drawn on the way,
// and opens the full help on the first one.
func walkTabs(t *testing.T, probe *widthProbe, tabs []string, ascii bool) {
	t.Helper()
	term := tuitest.Start(t, probe, 80, 24)
	for i, tab := range tabs {
		if i > 0 {
			term.Key("tab")
		}
		if ascii {
			tab = asciiFold(tab)
		}
		asciiSettled(t, term, tab)
		probe.check(t, tab)
		if i == 0 {
			term.Key("?")
			term.WaitFor(t, "ctrl+t")
			probe.check(t, tab+" full help")
			term.Key("esc")
			term.WaitGone(t, "ctrl+t")
		}
	}
}

// asciiFold is a tab label as ASCII mode shows it (accents dropped).
func asciiFold(s string) string {
	return strings.NewReplacer("á", "a", "é", "e", "í", "i", "ó", "o", "ú", "u").Replace(s)
}
