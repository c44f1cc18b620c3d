package tui

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"github.com/jackc/pgx/v5/pgconn"

	"consultorio/store"
	"consultorio/tui/i18n"
	"consultorio/tui/kit"
	"consultorio/tui/sanitize"
	"consultorio/tui/tuitest"
)

// fakeRecords stands for a store: the list loads through Env.Do, a save
// fails once with failNext (if set), a delete removes.
type fakeRecords struct {
	mu       sync.Mutex
	names    []string
	failNext error
}

func (f *fakeRecords) list() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.names...)
}

func (f *fakeRecords) rename(i int, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.failNext; err != nil {
		f.failNext = nil
		return err
	}
	f.names[i] = name
	return nil
}

func (f *fakeRecords) remove(i int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.names = append(f.names[:i], f.names[i+1:]...)
	return nil
}

type listPage struct {
	env    *kit.Env
	stack  *kit.Stack
	db     *fakeRecords
	rows   []string
	cursor int
	loads  int
}

type rowsLoaded []string

func (l *listPage) reload() tea.Cmd {
	return l.env.Do(func(context.Context) tea.Msg { return rowsLoaded(l.db.list()) })
}

func (l *listPage) Init() tea.Cmd { return l.reload() }
func (l *listPage) Title() string { return "Lista" }
func (l *listPage) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case rowsLoaded:
		l.rows = msg
		l.loads++
		l.cursor = min(l.cursor, max(len(l.rows)-1, 0))
	case tea.KeyPressMsg:
		switch msg.String() {
		case "down":
			l.cursor = min(l.cursor+1, len(l.rows)-1)
		case "enter":
			if len(l.rows) > 0 {
				return l.stack.Push(&detailPage{list: l, i: l.cursor})
			}
		}
	}
	return nil
}
func (l *listPage) View(w, h int) string {
	st := l.env.Styles()
	var b strings.Builder
	fmt.Fprintf(&b, "cargas=%d\n", l.loads)
	for i, r := range l.rows {
		line := "  " + sanitize.Line(r)
		if i == l.cursor {
			line = st.Selected.Render("> " + sanitize.Line(r))
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}
func (l *listPage) Keys() []key.Binding {
	return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "abrir"))}
}
func (l *listPage) Capturing() bool { return false }

type detailPage struct {
	list *listPage
	i    int
}

func (d *detailPage) name() string  { return d.list.rows[d.i] }
func (d *detailPage) Init() tea.Cmd { return nil }
func (d *detailPage) Title() string { return sanitize.Line(d.name()) }
func (d *detailPage) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	l := d.list
	switch k.String() {
	case "e":
		name := d.name()
		return l.stack.Push(&kit.FormPage{
			Stack: l.stack, Name: "Editar",
			Build: func() *huh.Form {
				return kit.NewForm(l.env.M, huh.NewGroup(huh.NewInput().Title("Nombre").Value(&name)))
			},
			Save:      func(context.Context) error { return l.db.rename(d.i, name) },
			Done:      "Guardado.",
			AfterSave: l.reload,
		})
	case "d":
		return l.stack.Push(kit.NewConfirmPage(l.stack, "Eliminar", "¿Eliminar el registro?", d.name(),
			func(context.Context) error { return l.db.remove(d.i) }, "Eliminado.",
			func() tea.Cmd { return tea.Batch(l.stack.Pop(), l.reload()) }))
	}
	return nil
}
func (d *detailPage) View(w, h int) string { return "Detalle de " + sanitize.Line(d.name()) }
func (d *detailPage) Keys() []key.Binding {
	return []key.Binding{key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "editar"))}
}
func (d *detailPage) Capturing() bool { return false }

func TestStackListDetailFormConfirm(t *testing.T) {
	t.Parallel()
	db := &fakeRecords{names: []string{"Ana", "Beto\x1b[2J", "Carla"},
		failNext: &store.ValidationError{Fields: map[string]store.FieldError{"name": {Reason: store.ReasonRequired}}}}
	defs := []kit.ScreenDef{{ID: "records", Title: func(*i18n.Messages) string { return "Registros" },
		New: func(env *kit.Env) kit.Screen {
			s := kit.NewStack(env, "Registros")
			s.SetRoot(&listPage{env: env, stack: s, db: db})
			return s
		}}}
	m := newClinicApp(context.Background(), clinicSession(demoTenant("Clínica Demo", "es"), demoUser(store.RoleAdmin, "Ana", ""), 80, 24), offlineUnread{}, defs)
	term := tuitest.Start(t, m, 80, 24)

	term.WaitFor(t, "cargas=1", "> Ana", "Beto␛[2J", "enter abrir")
	term.Key("down")
	term.WaitFor(t, "> Beto␛[2J")
	term.Key("enter")
	s := term.WaitFor(t, "Registros › Beto␛[2J", "Detalle de Beto␛[2J", "e editar • esc volver")
	if strings.Contains(s, "cargas=") {
		t.Fatalf("the list shows under the detail:\n%s", s)
	}

	// esc goes back; the list is told it is shown again.
	term.Key("esc")
	term.WaitFor(t, "> Beto␛[2J")
	term.Key("enter")
	term.WaitFor(t, "Detalle de Beto")

	// esc in a form cancels it (the form has the key, not the stack).
	term.Key("e")
	term.WaitFor(t, "› Editar", "Nombre")
	term.Key("esc")
	term.WaitGone(t, "› Editar")
	term.WaitFor(t, "Detalle de Beto")

	// Form: the first save fails — the error shows under the form and the
	// typed value stays; the second succeeds, closes the form, confirms in
	// the status line and reloads the list.
	term.Key("e")
	term.WaitFor(t, "Registros › Beto␛[2J › Editar", "Nombre")
	for range []rune("Beto\x1b[2J") {
		term.Key("backspace")
	}
	term.Type("Roberto")
	term.Key("enter")
	term.WaitFor(t, "✗ Revise los datos: Nombre: es obligatorio.", "> Roberto")
	term.Key("enter")
	term.WaitFor(t, "✓ Guardado.", "Registros › Roberto", "Detalle de Roberto")
	term.Key("esc")
	term.WaitFor(t, "cargas=2", "> Roberto")

	// Confirm with typed text: a wrong text is refused inline; esc cancels.
	term.Key("enter")
	term.Key("d")
	term.WaitFor(t, "¿Eliminar el registro?", "Escriba «Roberto» para confirmar.")
	term.Type("Rob")
	term.Key("enter")
	term.WaitFor(t, "El texto no coincide.")
	term.Type("erto")
	term.Key("enter")
	term.WaitFor(t, "✓ Eliminado.", "cargas=3")
	if got := db.list(); len(got) != 2 || got[1] != "Carla" {
		t.Fatalf("records after delete: %q", got)
	}
	s = term.WaitFor(t, "> Carla")
	if strings.Contains(s, "›") {
		t.Fatalf("the stack did not return to the list:\n%s", s)
	}
}

// TestFailedSaveShowsCatalogueText: a save that fails inside the database
// shows the catalogue's words — the restart message for a connection the
// server terminated, a reference for anything unknown (logged with the full
// error) — and never the driver's text, SQLSTATE codes or paths.
func TestFailedSaveShowsCatalogueText(t *testing.T) {
	t.Parallel()
	restart := fmt.Errorf("rename record: %w", &pgconn.PgError{Severity: "FATAL", Code: "57P01",
		Message: "terminating connection due to administrator command"})
	_, parseErr := strconv.ParseInt("x1", 10, 64)
	internal := fmt.Errorf("read /var/lib/consultorio/run/.s.PGSQL.5432: %w", parseErr)
	for _, c := range []struct {
		lang string
		err  error
		want string
	}{
		{"es", restart, "✗ La base de datos se está reiniciando o no responde"},
		{"en", restart, "✗ The database is restarting or unreachable"},
		{"es", internal, "✗ Algo salió mal (ref "},
		{"en", internal, "✗ Something went wrong (ref "},
	} {
		var logged bytes.Buffer
		db := &fakeRecords{names: []string{"Ana"}, failNext: c.err}
		defs := []kit.ScreenDef{{ID: "records", Title: func(*i18n.Messages) string { return "Registros" },
			New: func(env *kit.Env) kit.Screen {
				s := kit.NewStack(env, "Registros")
				s.SetRoot(&listPage{env: env, stack: s, db: db})
				return s
			}}}
		cs := clinicSession(demoTenant("Clínica Demo", c.lang), demoUser(store.RoleAdmin, "Ana", ""), 80, 24)
		cs.Log = slog.New(slog.NewTextHandler(&logged, nil))
		term := tuitest.Start(t, newClinicApp(context.Background(), cs, offlineUnread{}, defs), 80, 24)
		term.WaitFor(t, "> Ana")
		term.Key("enter")
		term.WaitFor(t, "Detalle de Ana")
		term.Key("e")
		term.Type("x")
		term.Key("enter")
		screen := term.WaitFor(t, c.want)
		for _, bad := range []string{"SQLSTATE", "57P01", "pgconn", "strconv", "/var/lib", ".s.PGSQL", "terminating"} {
			if strings.Contains(screen, bad) {
				t.Errorf("%s: the screen shows %q:\n%s", c.lang, bad, screen)
			}
		}
		if c.err == internal {
			ref := regexp.MustCompile(`ref ([0-9a-f]{8})`).FindStringSubmatch(screen)
			if ref == nil || !strings.Contains(logged.String(), "ref="+ref[1]) || !strings.Contains(logged.String(), "strconv.ParseInt") {
				t.Errorf("%s: the reference on screen is not in the log with the error:\n%s\nlog: %s", c.lang, screen, logged.String())
			}
		} else if logged.Len() != 0 {
			t.Errorf("%s: a restart was logged as an internal error: %s", c.lang, logged.String())
		}
	}
}
