package tui

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"consultorio/store"
	"consultorio/tui/i18n"
	"consultorio/tui/sanitize"
	"consultorio/tui/tuitest"
)

// fakeRecords stands for a store: the list loads through Env.Do, a save
// fails once with a validation error, a delete removes.
type fakeRecords struct {
	mu       sync.Mutex
	names    []string
	failNext bool
}

func (f *fakeRecords) list() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.names...)
}

func (f *fakeRecords) rename(i int, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failNext {
		f.failNext = false
		return &store.ValidationError{Fields: map[string]string{"name": "is taken"}}
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
	env    *Env
	stack  *Stack
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
		return l.stack.Push(&FormPage{
			Stack: l.stack, Name: "Editar",
			Build: func() *huh.Form {
				return NewForm(l.env.M, huh.NewGroup(huh.NewInput().Title("Nombre").Value(&name)))
			},
			Save:      func(context.Context) error { return l.db.rename(d.i, name) },
			Done:      "Guardado.",
			AfterSave: l.reload,
		})
	case "d":
		return l.stack.Push(NewConfirmPage(l.stack, "Eliminar", "¿Eliminar el registro?", d.name(),
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
	db := &fakeRecords{names: []string{"Ana", "Beto\x1b[2J", "Carla"}, failNext: true}
	defs := []ScreenDef{{ID: "records", Title: func(*i18n.Messages) string { return "Registros" },
		New: func(env *Env) Screen {
			s := NewStack(env, "Registros")
			s.SetRoot(&listPage{env: env, stack: s, db: db})
			return s
		}}}
	m := newClinicApp(context.Background(), clinicSession(demoTenant("Clínica Demo", "es"), demoUser(store.RoleAdmin, "Ana", ""), 80, 24), defs)
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
	term.WaitFor(t, "✗ Revise los datos: name: is taken", "> Roberto")
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
