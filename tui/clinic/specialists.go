package clinic

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"consultorio/store"
	"consultorio/tui/kit"
	"consultorio/tui/sanitize"
)

// newSpecialistsScreen is the Specialists screen: the list (admins and
// reception), a specialist's detail, the create/edit form and the
// deactivate/activate confirmation (admins; the store refuses the others).
func NewSpecialistsScreen(env *kit.Env) kit.Screen {
	s := kit.NewStack(env, env.M.Nav.Specialists)
	s.SetRoot(&specialistList{env: env, stack: s, list: kit.Table{Empty: env.M.Specialists.Empty, Marker: true}})
	return s
}

type specialistList struct {
	env   *kit.Env
	stack *kit.Stack
	list  kit.Table
	specs []store.Specialist
	users []store.User // staff users, for the login link
	// linkable are the users no specialist is linked to yet
	// (store.LinkableUsers): what the form's user picker offers, with the
	// specialist's own link.
	linkable []store.User
	err      error
}

type specialistsLoaded struct {
	specs    []store.Specialist
	users    []store.User
	linkable []store.User
	err      error
}

func (l *specialistList) reload() tea.Cmd {
	env := l.env
	return env.Do(func(ctx context.Context) tea.Msg {
		specs, err := env.Tenant.ListSpecialists(ctx, env.Actor, true)
		if err != nil {
			return specialistsLoaded{err: err}
		}
		// The login link is a detail: a role that cannot list staff still
		// sees the specialists.
		users, _ := env.Tenant.ListUsers(ctx, env.Actor)
		linkable, _ := env.Tenant.LinkableUsers(ctx, env.Actor, 0)
		return specialistsLoaded{specs: specs, users: users, linkable: linkable}
	})
}

func (l *specialistList) Title() string   { return l.env.M.Nav.Specialists }
func (l *specialistList) Init() tea.Cmd   { return l.reload() }
func (l *specialistList) Capturing() bool { return false }

func (l *specialistList) byID(id int64) (store.Specialist, bool) {
	for _, s := range l.specs {
		if s.ID == id {
			return s, true
		}
	}
	return store.Specialist{}, false
}

// user is the staff user with that id, as last listed.
func (l *specialistList) user(id int64) (store.User, bool) {
	for _, u := range l.users {
		if u.ID == id {
			return u, true
		}
	}
	return store.User{}, false
}

func (l *specialistList) userName(id *int64) string {
	if id == nil {
		return "—"
	}
	for _, u := range l.users {
		if u.ID == *id {
			return sanitize.Line(u.Name + " <" + u.Email + ">")
		}
	}
	return fmt.Sprintf("#%d", *id)
}

func (l *specialistList) comp(s store.Specialist) string {
	m := l.env.M.Specialists
	switch {
	case s.PayHidden:
		return ""
	case s.CompType == store.CompFixed:
		return l.env.L.Money(s.CompValue) + " " + m.PerMonth
	default:
		return s.CompValue.String() + " %"
	}
}

func (l *specialistList) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case specialistsLoaded:
		l.err = msg.err
		if msg.err != nil {
			l.env.Error(msg.err)
			return nil
		}
		l.specs, l.users, l.linkable = msg.specs, msg.users, msg.linkable
		rows := make([][]string, len(l.specs))
		for i, s := range l.specs {
			rows[i] = []string{sanitize.Line(s.LastName + ", " + s.FirstName), sanitize.Line(s.Specialty),
				sanitize.Line(s.Document), l.comp(s), kit.AdmActive(l.env, s.Active)}
		}
		l.list.SetRows(rows)
	case kit.ShownMsg:
		return l.reload()
	case tea.KeyPressMsg:
		if l.list.Move(msg.String()) {
			return nil
		}
		cur, ok := l.current()
		switch {
		case key.Matches(msg, l.keyOpen()) && ok:
			return l.stack.Push(&specialistDetail{l: l, id: cur.ID})
		case key.Matches(msg, l.keyNew()) && kit.AdmCanManage(l.env):
			return l.stack.Push(l.form(nil))
		case key.Matches(msg, l.keyEdit()) && kit.AdmCanManage(l.env) && ok:
			return l.stack.Push(l.form(&cur))
		case key.Matches(msg, l.keyActive()) && kit.AdmCanManage(l.env) && ok:
			return l.stack.Push(l.confirmActive(cur))
		case key.Matches(msg, l.keyReload()):
			return l.reload()
		}
	}
	return nil
}

func (l *specialistList) current() (store.Specialist, bool) {
	if l.list.Cursor < len(l.specs) {
		return l.specs[l.list.Cursor], true
	}
	return store.Specialist{}, false
}

func (l *specialistList) View(w, h int) string {
	m := l.env.M.Specialists
	l.list.Cols = []kit.Column{{Title: m.ColName, Width: 0}, {Title: m.ColSpecialty, Width: 13}, {Title: m.ColDocument, Width: 10}, {Title: m.ColComp, Width: 16}, {Title: m.ColActive, Width: 8}}
	st := l.env.Styles()
	active := 0
	for _, s := range l.specs {
		if s.Active {
			active++
		}
	}
	head := " " + st.Title.Render(l.env.M.Nav.Specialists) + st.Muted.Render(fmt.Sprintf("  "+m.Count, active, l.env.Tenant.Info.SpecialistsLimit))
	return head + "\n\n" + l.list.View(st, w, h-2)
}

func (l *specialistList) keyOpen() key.Binding   { return kit.Key(l.env.M.Admin.KeyOpen, "enter") }
func (l *specialistList) keyNew() key.Binding    { return kit.Key(l.env.M.Admin.KeyNew, "n") }
func (l *specialistList) keyEdit() key.Binding   { return kit.Key(l.env.M.Admin.KeyEdit, "e") }
func (l *specialistList) keyActive() key.Binding { return kit.Key(l.env.M.Admin.KeyActive, "a") }
func (l *specialistList) keyReload() key.Binding { return kit.Key(l.env.M.Admin.KeyReload, "r") }

func (l *specialistList) Keys() []key.Binding {
	keys := []key.Binding{kit.KeyShown("↑/↓", l.env.M.Admin.KeyMove, "up", "down"), l.keyOpen()}
	if kit.AdmCanManage(l.env) {
		keys = append(keys, l.keyNew(), l.keyEdit(), l.keyActive())
	}
	return append(keys, l.keyReload())
}

// form is the create (cur == nil) or edit form.
func (l *specialistList) form(cur *store.Specialist) *kit.FormPage {
	env, m := l.env, l.env.M.Specialists
	in := store.SpecialistInput{CompType: store.CompPercent}
	name := m.New
	if cur != nil {
		in = cur.Input()
		name = sanitize.Line(cur.FullName())
	}
	compValue := ""
	if cur != nil {
		compValue = in.CompValue.String()
	}
	var userID int64
	if in.UserID != nil {
		userID = *in.UserID
	}
	// Login users a specialist can be linked to: the store's choice of
	// users no other specialist is linked to (store.LinkableUsers), and the
	// one already linked to this one.
	userOpts := []huh.Option[int64]{huh.NewOption(m.NoUser, int64(0))}
	if userID != 0 {
		if u, ok := l.user(userID); ok {
			userOpts = append(userOpts, huh.NewOption(sanitize.Line(u.Name+" <"+u.Email+">"), u.ID))
		}
	}
	for _, u := range l.linkable {
		if u.ID != userID {
			userOpts = append(userOpts, huh.NewOption(sanitize.Line(u.Name+" <"+u.Email+">"), u.ID))
		}
	}
	required := func(s string) error {
		if strings.TrimSpace(s) == "" {
			return errors.New(env.M.Errors.Required)
		}
		return nil
	}
	build := func() *huh.Form {
		return kit.NewForm(env.M,
			huh.NewGroup(
				huh.NewInput().Title(m.FirstName).Value(&in.FirstName).CharLimit(100).Validate(required),
				huh.NewInput().Title(m.LastName).Value(&in.LastName).CharLimit(100).Validate(required),
				huh.NewInput().Title(m.Specialty).Value(&in.Specialty).CharLimit(100),
				huh.NewInput().Title(m.Document).Value(&in.Document).CharLimit(30).Validate(required),
			),
			huh.NewGroup(
				huh.NewInput().Title(m.Phone).Value(&in.Phone).CharLimit(50),
				huh.NewInput().Title(m.Email).Value(&in.Email).CharLimit(200),
				huh.NewSelect[int64]().Title(m.User).Description(m.UserHint).Options(userOpts...).Value(&userID),
			),
			huh.NewGroup(
				huh.NewSelect[string]().Title(m.CompType).Options(
					huh.NewOption(m.CompPercent, store.CompPercent), huh.NewOption(m.CompFixed, store.CompFixed)).
					Value(&in.CompType),
				huh.NewInput().Title(m.CompValue).Description(m.CompValueHint).Value(&compValue).
					Validate(kit.MoneyOK(l.env, true)),
			),
		)
	}
	save := func(ctx context.Context) error {
		d, err := kit.MoneyValue(l.env, compValue)
		if err != nil {
			return err // already in the user's words (the field's check said the same)
		}
		in.CompValue = d
		in.UserID = nil
		if userID != 0 {
			id := userID
			in.UserID = &id
		}
		if cur == nil {
			_, err = env.Tenant.CreateSpecialist(ctx, env.Actor, in)
		} else {
			_, err = env.Tenant.UpdateSpecialist(ctx, env.Actor, cur.ID, in)
		}
		return err
	}
	return &kit.FormPage{Stack: l.stack, Name: name, Build: build, Save: save, Done: m.Saved, AfterSave: l.reload}
}

func (l *specialistList) confirmActive(s store.Specialist) *kit.FormPage {
	env, m := l.env, l.env.M.Specialists
	name := sanitize.Line(s.FullName())
	q, done, title := fmt.Sprintf(m.ConfirmDeactivate, name), m.Deactivated, env.M.Admin.Deactivate
	if !s.Active {
		q, done, title = fmt.Sprintf(m.ConfirmActivate, name), m.Activated, env.M.Admin.Activate
	}
	run := func(ctx context.Context) error {
		var err error
		if s.Active {
			_, err = env.Tenant.DeactivateSpecialist(ctx, env.Actor, s.ID)
		} else {
			_, err = env.Tenant.ActivateSpecialist(ctx, env.Actor, s.ID)
		}
		return err
	}
	return kit.NewConfirmPage(l.stack, title, q, "", run, done, l.reload)
}

// specialistDetail shows one specialist (read from the list, so a reload
// refreshes it).
type specialistDetail struct {
	l  *specialistList
	id int64
}

func (d *specialistDetail) Init() tea.Cmd   { return nil }
func (d *specialistDetail) Capturing() bool { return false }
func (d *specialistDetail) Title() string {
	s, _ := d.l.byID(d.id)
	return sanitize.Line(s.FullName())
}

func (d *specialistDetail) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	s, found := d.l.byID(d.id)
	if !ok || !found || !kit.AdmCanManage(d.l.env) {
		return nil
	}
	switch {
	case key.Matches(k, d.l.keyEdit()):
		return d.l.stack.Push(d.l.form(&s))
	case key.Matches(k, d.l.keyActive()):
		return d.l.stack.Push(d.l.confirmActive(s))
	}
	return nil
}

func (d *specialistDetail) View(w, h int) string {
	env, m := d.l.env, d.l.env.M.Specialists
	s, ok := d.l.byID(d.id)
	if !ok {
		return " " + env.M.Errors.NotFound
	}
	compType := m.CompPercent
	if s.CompType == store.CompFixed {
		compType = m.CompFixed
	}
	fields := []kit.AdmField{
		{Label: m.FirstName, Value: sanitize.Line(s.FirstName)},
		{Label: m.LastName, Value: sanitize.Line(s.LastName)},
		{Label: m.Specialty, Value: sanitize.Line(s.Specialty)},
		{Label: m.Document, Value: sanitize.Line(s.Document)},
		{Label: m.Phone, Value: sanitize.Line(s.Phone)},
		{Label: m.Email, Value: sanitize.Line(s.Email)},
		{Label: m.User, Value: d.l.userName(s.UserID)},
	}
	if !s.PayHidden { // the store left the pay out: Actor.MaySeeSpecialistPay
		fields = append(fields, kit.AdmField{Label: m.CompType, Value: compType}, kit.AdmField{Label: m.CompValue, Value: d.l.comp(s)})
	}
	fields = append(fields, kit.AdmField{Label: env.M.Admin.State, Value: kit.AdmActive(env, s.Active)},
		kit.AdmField{Label: env.M.Admin.Created, Value: env.L.Date(s.CreatedAt)})
	return "\n" + kit.AdmFields(env.Styles(), w, fields)
}

func (d *specialistDetail) Keys() []key.Binding {
	if !kit.AdmCanManage(d.l.env) {
		return nil
	}
	return []key.Binding{d.l.keyEdit(), d.l.keyActive()}
}
