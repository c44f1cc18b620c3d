package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/golden"

	"consultorio/store"
	"consultorio/tui/clinic"
	"consultorio/tui/i18n"
	"consultorio/tui/kit"
	"consultorio/tui/tuitest"
)

// demoTenant is a clinic handle for tests of the shell alone: placeholder
// screens make no database call.
func demoTenant(name, lang string) *store.Tenant {
	return &store.Tenant{Info: store.TenantInfo{Schema: "demo", Name: name, Lang: lang, Currency: "PEN", Timezone: "America/Lima"}}
}

// offlineUnread is the badge's counter of a demo clinic with no database:
// the count is never known, so the badge keeps what it shows (as when the
// store fails).
type offlineUnread struct{}

func (offlineUnread) UnreadCount(context.Context, store.Actor) (int, error) {
	return 0, errors.New("demo clinic: no database")
}

func demoUser(role store.Role, name, lang string) *store.User {
	return &store.User{ID: 7, Email: "ana@demo.test", Name: name, Role: role, Active: true, Lang: lang, HasPassword: true}
}

func clinicSession(tn *store.Tenant, u *store.User, w, h int) ClinicSession {
	return ClinicSession{Tenant: tn, User: u, RemoteAddr: "192.0.2.7:5555", Width: w, Height: h, DarkBackground: true}
}

func startClinic(t *testing.T, tn *store.Tenant, u *store.User, w, h int, opts ...tea.ProgramOption) *tuitest.Term {
	t.Helper()
	return tuitest.Start(t, newClinicApp(context.Background(), clinicSession(tn, u, w, h), offlineUnread{}, placeholderScreens()), w, h, opts...)
}

// placeholderScreens are the clinic's screens with every one a placeholder:
// the demo tenant has no database behind it, and the shell's tests must not
// depend on what each screen draws.
func placeholderScreens() []kit.ScreenDef {
	defs := clinic.Screens()
	for i := range defs {
		defs[i].New = nil
	}
	return defs
}

// TestShellGolden80x24 pins the shell as an admin sees it on the smallest
// supported terminal, and as reception sees it (fewer screens).
func TestShellGolden80x24(t *testing.T) {
	t.Parallel()
	t.Run("admin", func(t *testing.T) {
		term := startClinic(t, demoTenant("Clínica Demo", "es"), demoUser(store.RoleAdmin, "Ana Pérez", ""), 80, 24)
		golden.RequireEqual(t, term.WaitFor(t, "Clínica Demo", "q salir", "disponible pronto"))
	})
	t.Run("reception", func(t *testing.T) {
		term := startClinic(t, demoTenant("Clínica Demo", "es"), demoUser(store.RoleReception, "Rosa Quispe", ""), 80, 24)
		term.Key("3")
		golden.RequireEqual(t, term.WaitFor(t, "[3 Pacientes]", "Recepción", "q salir"))
	})
	t.Run("english", func(t *testing.T) {
		term := startClinic(t, demoTenant("Clínica Demo", "es"), demoUser(store.RoleSpecialist, "Dr. Luis Soto", "en"), 80, 24)
		golden.RequireEqual(t, term.WaitFor(t, "Specialist", "q quit", "coming soon"))
	})
}

// TestShellGolden120x40: a larger window shows every screen in the bar and
// gives the body the extra room.
func TestShellGolden120x40(t *testing.T) {
	t.Parallel()
	term := startClinic(t, demoTenant("Clínica Demo", "es"), demoUser(store.RoleAdmin, "Ana Pérez", ""), 120, 40)
	s := term.WaitFor(t, "[1 Agenda]", "q salir")
	// Nine of the admin's eleven screens fit (six at 80 columns).
	if !strings.Contains(term.Line(1), "9 Notificaciones") {
		t.Errorf("the bar does not use the width:\n%s", s)
	}
	golden.RequireEqual(t, s)
}

func TestShellHeaderAndHelpLine(t *testing.T) {
	t.Parallel()
	term := startClinic(t, demoTenant("Clínica Demo", "es"), demoUser(store.RoleAdmin, "Ana Pérez", ""), 80, 24)
	term.WaitFor(t, "Clínica Demo")
	header := term.Line(0)
	for _, want := range []string{"Consultorio", "Clínica Demo", "Ana Pérez", "Administrador", "0 sin leer"} {
		if !strings.Contains(header, want) {
			t.Errorf("header %q lacks %q", header, want)
		}
	}
	help := term.Line(23)
	for _, want := range []string{"tab pantalla sig.", "1…9 ir a pantalla", "? ayuda", "q salir"} {
		if !strings.Contains(help, want) {
			t.Errorf("help line %q lacks %q", help, want)
		}
	}
	// The badge follows UnreadMsg.
	term.Send(UnreadMsg{Count: 3})
	term.WaitFor(t, "● 3 sin leer")
}

// TestShellNavigation: digits, tab / shift+tab (wrapping), alt+digit.
func TestShellNavigation(t *testing.T) {
	t.Parallel()
	term := startClinic(t, demoTenant("Clínica Demo", "es"), demoUser(store.RoleAdmin, "Ana Pérez", ""), 80, 24)
	term.WaitFor(t, "[1 Agenda]")
	steps := []struct{ key, active, title string }{
		{"3", "[3 Pacientes]", "Pacientes"},
		{"tab", "[4 Especialistas]", "Especialistas"},
		{"shift+tab", "[3 Pacientes]", "Pacientes"},
		{"alt+9", "[9 Notificaciones]", "Notificaciones"},
		{"0", "[0 Personal]", "Personal"},
		{"tab", "[Accesos]", "Accesos"},     // the 11th screen has no digit
		{"tab", "[Auditoría]", "Auditoría"}, // nor the 12th
		{"tab", "[1 Agenda]", "Agenda"},     // wraps around
		{"shift+tab", "[Auditoría]", "Auditoría"},
	}
	for _, s := range steps {
		term.Key(s.key)
		screen := term.WaitFor(t, s.active)
		if !strings.Contains(term.Line(1), s.active) {
			t.Fatalf("after %q the bar does not show %s:\n%s", s.key, s.active, screen)
		}
		// The body shows the active screen's title.
		if body := strings.Join(strings.Split(screen, "\n")[2:22], "\n"); !strings.Contains(body, s.title) {
			t.Fatalf("after %q the body does not show %s:\n%s", s.key, s.title, screen)
		}
	}
}

// TestShellRoles: each role sees the screens of the roles matrix, each
// screen under the same digit for every role (issue 13: reception had
// "8 Personal" where an admin has "0 Personal").
func TestShellRoles(t *testing.T) {
	t.Parallel()
	all := []string{"Agenda", "Sesiones", "Pacientes", "Especialistas", "Salas", "Pagos", "Gastos", "Finanzas", "Notificaciones", "Personal", "Accesos", "Auditoría"}
	digit := map[string]string{"Agenda": "1", "Sesiones": "2", "Pacientes": "3", "Especialistas": "4", "Salas": "5",
		"Pagos": "6", "Gastos": "7", "Finanzas": "8", "Notificaciones": "9", "Personal": "0"}
	cases := []struct {
		role store.Role
		see  []string
	}{
		{store.RoleAdmin, all},
		{store.RoleReception, []string{"Agenda", "Sesiones", "Pacientes", "Especialistas", "Salas", "Pagos", "Notificaciones", "Personal", "Accesos"}},
		{store.RoleSpecialist, []string{"Agenda", "Sesiones", "Pacientes", "Pagos", "Notificaciones", "Accesos"}},
	}
	for _, c := range cases {
		t.Run(string(c.role), func(t *testing.T) {
			term := startClinic(t, demoTenant("Clínica Demo", "es"), demoUser(c.role, "Persona", ""), 200, 30)
			bar := term.WaitUntil(t, "the bar is drawn", func(s string) bool { return strings.Contains(s, "Agenda") })
			bar = strings.Split(bar, "\n")[1]
			want := map[string]bool{}
			for _, name := range c.see {
				want[name] = true
				label := " " + name
				if d, ok := digit[name]; ok {
					label = d + " " + name
				}
				if !strings.Contains(bar, label) {
					t.Errorf("%s should see %q in %q", c.role, label, bar)
				}
			}
			for _, name := range all {
				if !want[name] && strings.Contains(bar, name) {
					t.Errorf("%s must not see %q in %q", c.role, name, bar)
				}
			}
		})
	}
}

// TestShellTooSmall: below 80x24 only the notice shows, keys do nothing,
// and the shell comes back as it was on resize.
func TestShellTooSmall(t *testing.T) {
	t.Parallel()
	term := startClinic(t, demoTenant("Clínica Demo", "es"), demoUser(store.RoleAdmin, "Ana Pérez", ""), 70, 20)
	s := term.WaitFor(t, "Terminal demasiado pequeña", "se necesita 80x24, hay 70x20")
	if strings.Contains(s, "Clínica Demo") {
		t.Fatalf("the shell shows through the notice:\n%s", s)
	}
	term.Key("3") // ignored while too small
	term.Resize(80, 24)
	s = term.WaitFor(t, "[1 Agenda]", "Clínica Demo")
	if strings.Contains(s, "pequeña") {
		t.Fatalf("the notice stayed after the resize:\n%s", s)
	}
	term.Key("2")
	term.WaitFor(t, "[2 Sesiones]")
	term.Resize(80, 23) // one row short
	term.WaitFor(t, "hay 80x23")
	term.Resize(100, 30)
	term.WaitFor(t, "[2 Sesiones]")
	if got := term.Line(29); !strings.Contains(got, "q salir") {
		t.Fatalf("the help line is not on the last row at 100x30: %q", got)
	}
}

// TestShellSanitizesNames: hostile clinic and user names show as harmless
// text and do not clear the screen or touch the clipboard.
func TestShellSanitizesNames(t *testing.T) {
	t.Parallel()
	tn := demoTenant("Clínica\x1b[2J\x1b[H Evil", "es")
	u := demoUser(store.RoleAdmin, "Eve\x1b]52;c;cm0gLXJm\x07\u202eX", "")
	term := startClinic(t, tn, u, 100, 24)
	s := term.WaitFor(t, "Clínica␛[2J␛[H Evil", "Eve␛]52;c;cm0gLXJm␇\uFFFDX")
	// The whole frame is still there (nothing was cleared).
	if !strings.Contains(term.Line(1), "[1 Agenda]") || !strings.Contains(term.Line(23), "q salir") {
		t.Fatalf("the frame was damaged:\n%s", s)
	}
}

// TestShellEnglish: a user whose language is English gets English texts in
// a Spanish clinic, and the Spanish default otherwise.
func TestShellEnglish(t *testing.T) {
	t.Parallel()
	term := startClinic(t, demoTenant("Clínica Demo", "es"), demoUser(store.RoleAdmin, "Ana Pérez", "en"), 80, 24)
	s := term.WaitFor(t, "1 Agenda", "2 Sessions", "3 Patients", "Administrator", "0 unread", "tab next screen", "q quit")
	if strings.Contains(s, "Pacientes") || strings.Contains(s, "salir") {
		t.Fatalf("Spanish left in an English session:\n%s", s)
	}
	// A clinic set to English speaks English to users without a preference.
	term2 := startClinic(t, demoTenant("Demo Clinic", "en"), demoUser(store.RoleReception, "Rosa", ""), 80, 24)
	term2.WaitFor(t, "Reception", "q quit")
}

// TestShellWithoutColour: on a terminal without colour the active screen
// and the header are still marked (reverse video, brackets).
func TestShellWithoutColour(t *testing.T) {
	t.Parallel()
	term := startClinic(t, demoTenant("Clínica Demo", "es"), demoUser(store.RoleAdmin, "Ana Pérez", ""), 80, 24,
		tea.WithColorProfile(colorprofile.Ascii))
	term.Key("2")
	term.WaitFor(t, "[2 Sesiones]")
	x := strings.Index(term.Line(1), "[2 Sesiones]")
	x = len([]rune(term.Line(1)[:x])) + 1
	if rev, bold := term.Attrs(x, 1); !rev || !bold {
		t.Errorf("active tab not reverse+bold without colour (reverse %v, bold %v)", rev, bold)
	}
	if rev, _ := term.Attrs(3, 1); rev {
		t.Error("an inactive tab is reversed")
	}
	if rev, _ := term.Attrs(2, 0); !rev {
		t.Error("the header bar is not reversed")
	}
	for x := 0; x < 80; x++ {
		if term.HasColor(x, 0) || term.HasColor(x, 1) {
			t.Fatalf("colour sent to a terminal without colour at %d", x)
		}
	}
}

func TestShellFullHelp(t *testing.T) {
	t.Parallel()
	term := startClinic(t, demoTenant("Clínica Demo", "es"), demoUser(store.RoleAdmin, "Ana Pérez", ""), 80, 24)
	term.WaitFor(t, "[1 Agenda]")
	term.Key("?")
	term.WaitFor(t, "shift+tab", "alt+1…9", "ctrl+c")
	term.Key("esc")
	term.WaitFor(t, "disponible pronto")
}

// TestLogoutKey: q ends the session and leaves a goodbye on the normal
// screen.
func TestLogoutKey(t *testing.T) {
	t.Parallel()
	term := startClinic(t, demoTenant("Clínica Demo", "es"), demoUser(store.RoleAdmin, "Ana Pérez", ""), 80, 24)
	term.WaitFor(t, "[1 Agenda]")
	term.Key("q")
	term.WaitFinished(t)
	term.WaitFor(t, "Sesión cerrada")
}

// TestEndSession: the server's EndSessionMsg shows the reason, then quits
// leaving the reason on the normal screen.
func TestEndSession(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ reason, want string }{
		{ReasonSuspended, "Sesión terminada: la clínica fue suspendida"},
		{"mantenimiento\x1b[2J", "Sesión terminada: mantenimiento␛[2J"},
	} {
		term := startClinic(t, demoTenant("Clínica Demo", "es"), demoUser(store.RoleAdmin, "Ana Pérez", ""), 80, 24)
		term.WaitFor(t, "[1 Agenda]")
		term.Send(EndSessionMsg{Reason: c.reason})
		term.WaitFor(t, c.want)
		term.Key("3") // keys no longer act
		term.WaitFinished(t)
		s := term.WaitFor(t, c.want)
		if strings.Contains(s, "Agenda") {
			t.Fatalf("the shell is still drawn after the end:\n%s", s)
		}
	}
}

// fakeScreen exercises the Screen contract: Env.Do with the spinner,
// results routed to the screen that asked (even after switching away), the
// status line, capturing text input, body size.
type fakeScreen struct {
	env     *kit.Env
	typing  bool
	text    string
	loaded  string
	size    string
	shown   int
	release chan string
	keys    []key.Binding
}

type fakeLoaded struct{ v string }

func (f *fakeScreen) Init() tea.Cmd { return nil }

func (f *fakeScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		f.size = fmt.Sprintf("%dx%d", msg.Width, msg.Height)
	case kit.ShownMsg:
		f.shown++
	case fakeLoaded:
		f.loaded = msg.v
		f.env.Info("cargado " + msg.v)
	case tea.KeyPressMsg:
		if f.typing {
			if msg.String() == "esc" {
				f.typing = false
			} else {
				f.text += msg.Text
			}
			return nil
		}
		switch msg.String() {
		case "l":
			release := f.release
			return f.env.Do(func(ctx context.Context) tea.Msg { return fakeLoaded{<-release} })
		case "i":
			f.typing = true
		case "e":
			f.env.Error(&store.ForbiddenError{Action: "x"})
		}
	}
	return nil
}

func (f *fakeScreen) View(w, h int) string {
	return fmt.Sprintf("fake text=%s loaded=%s size=%s shown=%d", f.text, f.loaded, f.size, f.shown)
}
func (f *fakeScreen) Keys() []key.Binding { return f.keys }
func (f *fakeScreen) Capturing() bool     { return f.typing }

func TestScreenContract(t *testing.T) {
	t.Parallel()
	fake := &fakeScreen{release: make(chan string), keys: []key.Binding{
		key.NewBinding(key.WithKeys("l"), key.WithHelp("l", "cargar")),
		key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "escribir")),
	}}
	defs := []kit.ScreenDef{
		{ID: "fake", Title: func(*i18n.Messages) string { return "Prueba" }, New: func(env *kit.Env) kit.Screen { fake.env = env; return fake }},
		{ID: "other", Title: func(*i18n.Messages) string { return "Otra" }},
	}
	m := newClinicApp(context.Background(), clinicSession(demoTenant("Clínica Demo", "es"), demoUser(store.RoleAdmin, "Ana", ""), 80, 24), offlineUnread{}, defs)
	term := tuitest.Start(t, m, 80, 24)

	// The screen's keys lead the help line; the body is 80x20.
	term.WaitFor(t, "l cargar • i escribir", "size=80x20")
	if fake.env.Actor.UserID != 7 || fake.env.Actor.RemoteAddr != "192.0.2.7:5555" || fake.env.M.Nav.Patients != "Pacientes" {
		t.Fatalf("env: %+v", fake.env.Actor)
	}

	// Async work: the spinner line shows while it waits; the result comes
	// back to this screen even though the user moved to another one.
	term.Key("l")
	term.WaitFor(t, "Cargando…")
	term.Key("2")
	term.WaitFor(t, "[2 Otra]")
	fake.release <- "datos"
	term.WaitGone(t, "Cargando…")
	term.Key("1")
	term.WaitFor(t, "loaded=datos", "shown=1")

	// Status line: confirmations and errors, cleared by the next key.
	term.Key("l")
	fake.release <- "más"
	term.WaitFor(t, "✓ cargado más")
	term.Key("e")
	term.WaitFor(t, "✗ Su rol no permite esta acción.")
	term.Key("x")
	term.WaitGone(t, "✗")

	// Capturing: digits, q, ?, tab go to the screen; alt+digit still
	// switches; the help line says so.
	term.Key("i")
	term.Type("1q?")
	term.Key("tab")
	term.WaitFor(t, "text=1q?", "alt+1…2 ir a pantalla", "ctrl+c salir")
	term.Key("alt+2")
	term.WaitFor(t, "[2 Otra]")
	term.Key("alt+1")
	term.Key("esc")
	term.Key("2")
	term.WaitFor(t, "[2 Otra]")

	// A resize reaches the screen with the new body size.
	term.Key("1")
	term.Resize(100, 30)
	term.WaitFor(t, "size=100x26")
}

func TestBackgroundColour(t *testing.T) {
	t.Parallel()
	a := newClinicApp(context.Background(), clinicSession(demoTenant("C", "es"), demoUser(store.RoleAdmin, "Ana", ""), 80, 24), offlineUnread{}, placeholderScreens())
	if !a.styles.Dark {
		t.Fatal("DarkBackground not honoured")
	}
	a.Update(tea.BackgroundColorMsg{Color: colorWhite{}})
	if a.styles.Dark {
		t.Fatal("a light background reported by the terminal did not switch the styles")
	}
	if v := a.View(); !v.AltScreen {
		t.Fatal("the app must draw on the alternate screen")
	}
}

type colorWhite struct{}

func (colorWhite) RGBA() (r, g, b, a uint32) { return 0xffff, 0xffff, 0xffff, 0xffff }

// TestMoroseBanner: while the clinic is morose its admins see a standing
// notice under the header (the frame still fits 24 lines); reception does not.
func TestMoroseBanner(t *testing.T) {
	t.Parallel()
	tn := demoTenant("Clínica Demo", "es")
	tn.Info.Status = store.TenantMorose
	admin := startClinic(t, tn, demoUser(store.RoleAdmin, "Ana Pérez", ""), 80, 24)
	admin.WaitFor(t, "facturas vencidas")
	if l := admin.Line(1); !strings.Contains(l, "⚠ La suscripción de la clínica tiene facturas vencidas") {
		t.Errorf("line 1 is %q, want the morose banner", l)
	}
	if l := admin.Line(2); !strings.Contains(l, "Agenda") {
		t.Errorf("line 2 is %q, want the navigation bar under the banner", l)
	}
	if l := admin.Line(23); !strings.Contains(l, "q salir") {
		t.Errorf("help line pushed off the screen: line 23 is %q", l)
	}

	reception := startClinic(t, tn, demoUser(store.RoleReception, "Rosa Díaz", ""), 80, 24)
	reception.WaitFor(t, "Rosa Díaz")
	if strings.Contains(reception.Screen(), "facturas vencidas") {
		t.Error("reception must not see the subscription banner")
	}
	active := startClinic(t, demoTenant("Clínica Demo", "es"), demoUser(store.RoleAdmin, "Ana Pérez", ""), 80, 24)
	active.WaitFor(t, "Ana Pérez")
	if strings.Contains(active.Screen(), "facturas vencidas") {
		t.Error("an active clinic shows no banner")
	}
}
