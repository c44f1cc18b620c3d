package kit

import (
	"context"
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"consultorio/store"
	"consultorio/tui/sanitize"
)

// loginsPage lists open sessions and ends the selected one after a
// confirmation; the server holding it closes it within moments. One page
// for every door that has open sessions: a clinic's staff (store.Logins:
// the user's own, or every staff user's for an admin), an operator's own
// panel sessions (store.OperatorLogins) and, in the panel, a clinic's
// (store.ClinicLogins).
type loginsPage struct {
	env   *Env
	stack *Stack
	list  Table
	rows  []store.Login
	title string
	load  func(ctx context.Context) ([]store.Login, error)
	end   func(ctx context.Context, id int64) error
}

// newLoginsPage is the clinic's open sessions, from the staff screen.
func NewLoginsPage(env *Env, st *Stack) *loginsPage {
	return &loginsPage{env: env, stack: st, list: Table{Empty: env.M.Logins.Empty, Marker: true}, title: env.M.Logins.Title,
		load: func(ctx context.Context) ([]store.Login, error) {
			return env.Tenant.Logins(ctx, env.Actor, env.CurrentLoginID())
		},
		end: func(ctx context.Context, id int64) error { return env.Tenant.EndLogin(ctx, env.Actor, id) }}
}

// newLoginsScreen is the clinic screen of the same list, for every role:
// a receptionist or specialist sees and ends their own sessions there.
func NewLoginsScreen(env *Env) Screen {
	s := NewStack(env, env.M.Nav.Logins)
	s.SetRoot(NewLoginsPage(env, s))
	return s
}

// newClinicLoginsPage is a clinic's open sessions, for an operator (from
// the clinic's detail in the panel).
func NewClinicLoginsPage(env *Env, st *Stack, schema string) *loginsPage {
	return &loginsPage{env: env, stack: st, list: Table{Empty: env.M.Logins.Empty, Marker: true},
		title: env.M.Logins.Title, // the breadcrumb names the clinic
		load: func(ctx context.Context) ([]store.Login, error) {
			return env.DB.ClinicLogins(ctx, env.OperatorActor, schema)
		},
		end: func(ctx context.Context, id int64) error {
			return env.DB.EndClinicLogin(ctx, env.OperatorActor, schema, id)
		}}
}

// newOperatorLoginsScreen is the panel's screen of the operator's own open
// sessions.
func NewOperatorLoginsScreen(env *Env) Screen {
	s := NewStack(env, env.M.Panel.Logins)
	s.SetRoot(&loginsPage{env: env, stack: s, list: Table{Empty: env.M.Logins.Empty, Marker: true}, title: env.M.Logins.Title,
		load: func(ctx context.Context) ([]store.Login, error) {
			return env.DB.OperatorLogins(ctx, env.OperatorActor, env.CurrentLoginID())
		},
		end: func(ctx context.Context, id int64) error { return env.DB.EndOperatorLogin(ctx, env.OperatorActor, id) }})
	return s
}

type loginsLoaded struct {
	list []store.Login
	err  error
}

func (p *loginsPage) reload() tea.Cmd {
	env := p.env
	return env.Do(func(ctx context.Context) tea.Msg {
		list, err := p.load(ctx)
		return loginsLoaded{list: list, err: err}
	})
}

func (p *loginsPage) Title() string   { return p.title }
func (p *loginsPage) Init() tea.Cmd   { return p.reload() }
func (p *loginsPage) Capturing() bool { return false }

func (p *loginsPage) keyEnd() key.Binding    { return Key(p.env.M.Logins.KeyEnd, "x") }
func (p *loginsPage) keyReload() key.Binding { return Key(p.env.M.Admin.KeyReload, "r") }

func (p *loginsPage) Keys() []key.Binding {
	return []key.Binding{KeyShown("↑/↓", p.env.M.Admin.KeyMove, "up", "down"), p.keyEnd(), p.keyReload()}
}

func (p *loginsPage) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case loginsLoaded:
		if msg.err != nil {
			p.env.Error(msg.err)
			return nil
		}
		m := p.env.M.Logins
		p.rows = msg.list
		rows := make([][]string, len(msg.list))
		for i, l := range msg.list {
			user := sanitize.Line(l.Name)
			if l.Current {
				user += " " + m.This
			}
			door := m.DoorCmd
			if l.Door == store.DoorTUI {
				door = m.DoorTUI
			}
			rows[i] = []string{user, door, sanitize.Line(l.RemoteAddr), p.env.L.DateTime(l.StartedAt), p.env.L.DateTime(l.LastActivity)}
		}
		p.list.SetRows(rows)
	case ShownMsg:
		return p.reload()
	case tea.KeyPressMsg:
		if p.list.Move(msg.String()) {
			return nil
		}
		switch {
		case key.Matches(msg, p.keyEnd()) && p.list.Cursor < len(p.rows):
			return p.stack.Push(p.confirmEnd(p.rows[p.list.Cursor]))
		case key.Matches(msg, p.keyReload()):
			return p.reload()
		}
	}
	return nil
}

func (p *loginsPage) confirmEnd(l store.Login) *FormPage {
	m := p.env.M.Logins
	q := fmt.Sprintf(m.ConfirmEnd, sanitize.Line(l.Name), sanitize.Line(l.RemoteAddr))
	run := func(ctx context.Context) error { return p.end(ctx, l.ID) }
	return NewConfirmPage(p.stack, m.KeyEnd, q, "", run, m.Ended, p.reload)
}

func (p *loginsPage) View(w, h int) string {
	m := p.env.M.Logins
	p.list.Cols = []Column{{Title: m.ColUser, Width: 0}, {Title: m.ColDoor, Width: 9}, {Title: m.ColAddr, Width: 21}, {Title: m.ColSince, Width: 16}, {Title: m.ColLast, Width: 16}}
	st := p.env.Styles()
	return " " + st.Title.Render(p.title) + "\n\n" + p.list.View(st, w, h-2)
}
