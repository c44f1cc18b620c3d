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

// newStaffScreen is the Staff & keys screen: staff users (admins manage
// them, reception reads), a user's SSH keys, the one-time setup code page,
// and the clinic settings (key s).
func NewStaffScreen(env *kit.Env) kit.Screen {
	s := kit.NewStack(env, env.M.Nav.Staff)
	s.SetRoot(&staffList{env: env, stack: s, list: kit.Table{Empty: env.M.Staff.Empty, Marker: true}})
	return s
}

type staffList struct {
	env   *kit.Env
	stack *kit.Stack
	list  kit.Table
	users []store.User
	// anyLocked: a user is locked out, so the list has the lock column.
	anyLocked bool
}

type staffLoaded struct {
	users []store.User
	err   error
}

func (l *staffList) reload() tea.Cmd {
	env := l.env
	return env.Do(func(ctx context.Context) tea.Msg {
		users, err := env.Tenant.ListUsers(ctx, env.Actor)
		return staffLoaded{users, err}
	})
}

func (l *staffList) Title() string   { return l.env.M.Nav.Staff }
func (l *staffList) Init() tea.Cmd   { return l.reload() }
func (l *staffList) Capturing() bool { return false }

func (l *staffList) byID(id int64) (store.User, bool) {
	for _, u := range l.users {
		if u.ID == id {
			return u, true
		}
	}
	return store.User{}, false
}

func (l *staffList) lastLogin(u store.User) string {
	if u.LastLoginAt == nil {
		return l.env.M.Admin.Never
	}
	return l.env.L.DateTime(*u.LastLoginAt)
}

func (l *staffList) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case staffLoaded:
		if msg.err != nil {
			l.env.Error(msg.err)
			return nil
		}
		l.users = msg.users
		rows := make([][]string, len(l.users))
		l.anyLocked = false
		for _, u := range l.users {
			l.anyLocked = l.anyLocked || u.Locked()
		}
		for i, u := range l.users {
			rows[i] = []string{sanitize.Line(u.Name), sanitize.Line(u.Email), l.env.L.Role(string(u.Role)),
				kit.AdmActive(l.env, u.Active), l.lastLogin(u)}
			if l.anyLocked {
				rows[i] = append(rows[i], l.locked(u))
			}
		}
		l.list.SetRows(rows)
	case kit.ShownMsg:
		return l.reload()
	case kit.ChangedMsg:
		if msg.Touches("user") {
			return l.reload()
		}
	case tea.KeyPressMsg:
		if l.list.Move(msg.String()) {
			return nil
		}
		cur, ok := l.current()
		admin := kit.AdmCanManage(l.env)
		switch {
		case key.Matches(msg, l.keyUnlock()) && l.env.Actor.MayUnlockUsers() && ok && cur.Locked():
			return l.stack.Push(l.confirmUnlock(cur))
		case key.Matches(msg, l.keyOpen()) && ok:
			d := &staffDetail{l: l, id: cur.ID, keys: kit.Table{Empty: l.env.M.Staff.NoKeys, Marker: true}}
			return l.stack.Push(d)
		case key.Matches(msg, l.keyNew()) && admin:
			return l.stack.Push(l.createForm())
		case key.Matches(msg, l.keyEdit()) && admin && ok:
			return l.stack.Push(l.editForm(cur))
		case key.Matches(msg, l.keyActive()) && admin && ok:
			return l.stack.Push(l.confirmActive(cur))
		case key.Matches(msg, l.keyCode()) && admin && ok:
			return l.stack.Push(l.confirmCode(cur))
		case key.Matches(msg, l.keySettings()):
			return l.stack.Push(newSettingsPage(l.env, l.stack))
		case key.Matches(msg, l.keyLogins()):
			return l.stack.Push(kit.NewLoginsPage(l.env, l.stack))
		case key.Matches(msg, l.keyOutbox()):
			return l.stack.Push(newOutboxPage(l.env, l.stack))
		case key.Matches(msg, l.keyReload()):
			return l.reload()
		}
	}
	return nil
}

func (l *staffList) current() (store.User, bool) {
	if l.list.Cursor < len(l.users) {
		return l.users[l.list.Cursor], true
	}
	return store.User{}, false
}

func (l *staffList) View(w, h int) string {
	m := l.env.M.Staff
	l.list.Cols = []kit.Column{{Title: m.ColName, Width: 0}, {Title: m.ColEmail, Width: 0}, {Title: m.ColRole, Width: 13},
		{Title: m.ColActive, Width: 8}, {Title: m.ColLastLogin, Width: 16}}
	if l.anyLocked {
		// Only while someone is locked out: the lock column takes room
		// the e-mails need at 80 columns.
		l.list.Cols = append(l.list.Cols, kit.Column{Title: staffMore(l.env).ColLocked, Width: 7})
	}
	st := l.env.Styles()
	head := " " + st.Title.Render(l.env.M.Nav.Staff)
	if !kit.AdmCanManage(l.env) {
		head += st.Muted.Render("  " + m.ReadOnly)
	}
	return head + "\n\n" + l.list.View(st, w, h-2)
}

func (l *staffList) keyOpen() key.Binding     { return kit.Key(l.env.M.Staff.KeyKeys, "enter") }
func (l *staffList) keyNew() key.Binding      { return kit.Key(l.env.M.Admin.KeyNew, "n") }
func (l *staffList) keyEdit() key.Binding     { return kit.Key(l.env.M.Admin.KeyEdit, "e") }
func (l *staffList) keyActive() key.Binding   { return kit.Key(l.env.M.Admin.KeyActive, "a") }
func (l *staffList) keyCode() key.Binding     { return kit.Key(l.env.M.Staff.KeyCode, "c") }
func (l *staffList) keySettings() key.Binding { return kit.Key(l.env.M.Staff.KeySettings, "s") }
func (l *staffList) keyReload() key.Binding   { return kit.Key(l.env.M.Admin.KeyReload, "r") }
func (l *staffList) keyLogins() key.Binding   { return kit.Key(l.env.M.Logins.Key, "o") }
func (l *staffList) keyOutbox() key.Binding   { return kit.Key(l.env.M.Outbox.Key, "m") }
func (l *staffList) keyUnlock() key.Binding   { return kit.Key(staffMore(l.env).KeyUnlock, "u") }

// locked is the lock column's cell: until when an account locked out by
// failed logins stays locked ("" when it is not).
func (l *staffList) locked(u store.User) string {
	if !u.Locked() {
		return ""
	}
	return l.env.L.Time(*u.LockedUntil)
}

// confirmUnlock lifts a lockout after a yes (store.UnlockUser).
func (l *staffList) confirmUnlock(u store.User) *kit.FormPage {
	env, m := l.env, staffMore(l.env)
	name := sanitize.Line(u.Name)
	run := func(ctx context.Context) error {
		_, err := env.Tenant.UnlockUser(ctx, env.Actor, u.ID)
		return err
	}
	return kit.NewConfirmPage(l.stack, m.KeyUnlock, fmt.Sprintf(m.ConfirmUnlock, name), "", run,
		fmt.Sprintf(m.Unlocked, name), l.reload)
}

func (l *staffList) Keys() []key.Binding {
	keys := []key.Binding{kit.KeyShown("↑/↓", l.env.M.Admin.KeyMove, "up", "down"), l.keyOpen()}
	if kit.AdmCanManage(l.env) {
		keys = append(keys, l.keyNew(), l.keyEdit(), l.keyCode(), l.keyActive())
	}
	if cur, ok := l.current(); ok && cur.Locked() && l.env.Actor.MayUnlockUsers() {
		keys = append(keys, l.keyUnlock())
	}
	return append(keys, l.keyLogins(), l.keyOutbox(), l.keySettings(), l.keyReload())
}

// createForm adds a staff user; on success the setup code page opens (the
// only time the code is shown).
func (l *staffList) createForm() *kit.FormPage {
	env, m := l.env, l.env.M.Staff
	var nu store.NewUser
	nu.Role = store.RoleReception
	var code string // written by Save, read by AfterSave (after Save's message arrives)
	var created *store.User
	build := func() *huh.Form {
		return kit.NewForm(env.M, huh.NewGroup(
			huh.NewInput().Title(m.Email).Value(&nu.Email).CharLimit(200).Validate(func(s string) error {
				if !strings.Contains(s, "@") {
					return errors.New(env.M.Errors.EmailInvalid)
				}
				return nil
			}),
			huh.NewInput().Title(m.Name).Value(&nu.Name).CharLimit(200).Validate(func(s string) error {
				if strings.TrimSpace(s) == "" {
					return errors.New(env.M.Errors.Required)
				}
				return nil
			}),
			huh.NewSelect[store.Role]().Title(m.Role).Options(
				huh.NewOption(env.M.Roles.Reception, store.RoleReception),
				huh.NewOption(env.M.Roles.Specialist, store.RoleSpecialist),
				huh.NewOption(env.M.Roles.Admin, store.RoleAdmin)).Value(&nu.Role),
			huh.NewSelect[string]().Title(m.Lang).Options(
				huh.NewOption(m.LangClinic, ""), huh.NewOption(env.M.LangName("es"), "es"), huh.NewOption(env.M.LangName("en"), "en")).
				Value(&nu.Lang),
		))
	}
	save := func(ctx context.Context) error {
		u, c, err := env.Tenant.CreateUser(ctx, env.Actor, nu)
		if err == nil {
			created, code = u, c
		}
		return err
	}
	after := func() tea.Cmd {
		return tea.Batch(l.reload(), l.stack.Push(&staffCodePage{env: env, stack: l.stack, user: *created, code: code}))
	}
	return &kit.FormPage{Stack: l.stack, Name: m.New, Build: build, Save: save, Done: m.Created, AfterSave: after}
}

// editForm changes a user's name, role and language (the store keeps at
// least one active admin).
func (l *staffList) editForm(u store.User) *kit.FormPage {
	env, m := l.env, l.env.M.Staff
	name, role, lang := u.Name, u.Role, u.Lang
	build := func() *huh.Form {
		return kit.NewForm(env.M, huh.NewGroup(
			huh.NewInput().Title(m.Name).Value(&name).CharLimit(200).Validate(requiredText(env.M.Errors.Required)),
			huh.NewSelect[store.Role]().Title(m.Role).Options(
				huh.NewOption(env.M.Roles.Reception, store.RoleReception),
				huh.NewOption(env.M.Roles.Specialist, store.RoleSpecialist),
				huh.NewOption(env.M.Roles.Admin, store.RoleAdmin)).Value(&role),
			huh.NewSelect[string]().Title(m.Lang).Options(
				huh.NewOption(m.LangClinic, ""), huh.NewOption(env.M.LangName("es"), "es"), huh.NewOption(env.M.LangName("en"), "en")).
				Value(&lang),
		))
	}
	save := func(ctx context.Context) error {
		_, err := env.Tenant.UpdateUser(ctx, env.Actor, u.ID, store.UserUpdate{Name: &name, Role: &role, Lang: &lang})
		return err
	}
	return &kit.FormPage{Stack: l.stack, Name: sanitize.Line(u.Name), Build: build, Save: save, Done: m.Saved, AfterSave: l.reload}
}

func (l *staffList) confirmActive(u store.User) *kit.FormPage {
	env, m := l.env, l.env.M.Staff
	name := sanitize.Line(u.Name)
	q, done, title := fmt.Sprintf(m.ConfirmDeactivate, name), m.Deactivated, env.M.Admin.Deactivate
	if !u.Active {
		q, done, title = fmt.Sprintf(m.ConfirmActivate, name), m.Activated, env.M.Admin.Activate
	}
	run := func(ctx context.Context) error {
		if u.Active {
			return env.Tenant.DeactivateUser(ctx, env.Actor, u.ID)
		}
		return env.Tenant.ActivateUser(ctx, env.Actor, u.ID)
	}
	return kit.NewConfirmPage(l.stack, title, q, "", run, done, l.reload)
}

// confirmCode issues a new setup code after a yes, then shows it once.
func (l *staffList) confirmCode(u store.User) *kit.FormPage {
	env, m := l.env, l.env.M.Staff
	var code string
	run := func(ctx context.Context) error {
		c, err := env.Tenant.NewUserSetupCode(ctx, env.Actor, u.ID)
		code = c
		return err
	}
	after := func() tea.Cmd { return l.stack.Push(&staffCodePage{env: env, stack: l.stack, user: u, code: code}) }
	return kit.NewConfirmPage(l.stack, m.NewCode, fmt.Sprintf(m.ConfirmCode, sanitize.Line(u.Name)), "", run, "", after)
}

// staffCodePage shows a one-time setup code. It is the only place the code
// appears: closing the page forgets it (the store keeps only its hash).
type staffCodePage struct {
	env   *kit.Env
	stack *kit.Stack
	user  store.User
	code  string
}

func (p *staffCodePage) Title() string   { return p.env.M.Staff.CodeTitle }
func (p *staffCodePage) Init() tea.Cmd   { return nil }
func (p *staffCodePage) Capturing() bool { return false }

func (p *staffCodePage) Update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok && key.Matches(k, p.keyDone()) {
		p.code = ""
		return p.stack.Pop()
	}
	return nil
}

func (p *staffCodePage) keyDone() key.Binding { return kit.Key(p.env.M.Staff.KeyDone, "enter") }

func (p *staffCodePage) View(w, h int) string {
	env, m, st := p.env, p.env.M.Staff, p.env.Styles()
	exp := env.L.DateTime(env.Now().Add(store.SetupCodeTTL))
	return strings.Join([]string{
		"",
		" " + fmt.Sprintf(m.CodeFor, sanitize.Line(p.user.Name), sanitize.Line(p.user.Email)),
		"",
		"     " + st.Title.Render(sanitize.Line(p.code)),
		"",
		" " + st.Warn.Render(m.CodeOnce),
		" " + fmt.Sprintf(m.CodeExpires, exp),
		"",
		" " + m.CodeHowTo,
		"     " + st.Key.Render(p.connectLine()),
		" " + m.CodeHowTo2,
	}, "\n")
}

func (p *staffCodePage) Keys() []key.Binding { return []key.Binding{p.keyDone()} }

// connectLine is the command that reaches the clinic: the server's own
// (host name and port it was started with) when it passed one.
func (p *staffCodePage) connectLine() string {
	schema := p.env.Tenant.Info.Schema
	if p.env.SSHLine != nil {
		return sanitize.Line(p.env.SSHLine(schema))
	}
	return fmt.Sprintf(p.env.M.Staff.CodeSSH, sanitize.Line(schema))
}

// staffDetail is a staff user with their SSH keys.
type staffDetail struct {
	l        *staffList
	id       int64
	keys     kit.Table
	userKeys []store.UserKey
}

type staffKeysLoaded struct {
	userID int64
	keys   []store.UserKey
	err    error
}

func (d *staffDetail) reloadKeys() tea.Cmd {
	env, id := d.l.env, d.id
	return env.Do(func(ctx context.Context) tea.Msg {
		keys, err := env.Tenant.ListKeys(ctx, env.Actor, id)
		return staffKeysLoaded{id, keys, err}
	})
}

func (d *staffDetail) Init() tea.Cmd   { return d.reloadKeys() }
func (d *staffDetail) Capturing() bool { return false }
func (d *staffDetail) Title() string {
	u, _ := d.l.byID(d.id)
	return sanitize.Line(u.Name)
}

func (d *staffDetail) keyRevoke() key.Binding { return kit.Key(d.l.env.M.Staff.KeyRevoke, "x") }

func (d *staffDetail) Update(msg tea.Msg) tea.Cmd {
	env := d.l.env
	switch msg := msg.(type) {
	case staffLoaded, kit.ChangedMsg:
		// The list reloads after an edit made from here (and on a change
		// elsewhere); this page reads the user from it, so it shows the
		// edit at once instead of the user as first opened.
		return d.l.Update(msg)
	case staffKeysLoaded:
		if msg.userID != d.id {
			return nil
		}
		if msg.err != nil {
			env.Error(msg.err)
			return nil
		}
		d.userKeys = msg.keys
		rows := make([][]string, len(msg.keys))
		for i, k := range msg.keys {
			used := env.M.Admin.Never
			if k.LastUsedAt != nil {
				used = env.L.DateTime(*k.LastUsedAt)
			}
			rows[i] = []string{sanitize.Line(k.Fingerprint), sanitize.Line(k.Label), env.L.DateTime(k.CreatedAt), used}
		}
		d.keys.SetRows(rows)
	case tea.KeyPressMsg:
		if d.keys.Move(msg.String()) {
			return nil
		}
		u, ok := d.l.byID(d.id)
		if !ok || !kit.AdmCanManage(env) {
			return nil
		}
		switch {
		case key.Matches(msg, d.keyRevoke()) && d.keys.Cursor < len(d.userKeys):
			k := d.userKeys[d.keys.Cursor]
			run := func(ctx context.Context) error { return env.Tenant.RevokeKey(ctx, env.Actor, k.ID) }
			q := fmt.Sprintf(env.M.Staff.ConfirmRevoke, sanitize.Line(k.Fingerprint), sanitize.Line(u.Name))
			return d.l.stack.Push(kit.NewConfirmPage(d.l.stack, env.M.Staff.Revoke, q, "", run, env.M.Staff.Revoked, d.reloadKeys))
		case key.Matches(msg, d.l.keyActive()):
			return d.l.stack.Push(d.l.confirmActive(u))
		case key.Matches(msg, d.l.keyEdit()):
			return d.l.stack.Push(d.l.editForm(u))
		case key.Matches(msg, d.l.keyCode()):
			return d.l.stack.Push(d.l.confirmCode(u))
		case key.Matches(msg, d.l.keyUnlock()) && u.Locked() && env.Actor.MayUnlockUsers():
			return d.l.stack.Push(d.l.confirmUnlock(u))
		}
	}
	return nil
}

func (d *staffDetail) View(w, h int) string {
	env, m, st := d.l.env, d.l.env.M.Staff, d.l.env.Styles()
	u, ok := d.l.byID(d.id)
	if !ok {
		return " " + env.M.Errors.NotFound
	}
	lang := m.LangClinic
	if u.Lang != "" {
		lang = u.Lang
	}
	pw := env.M.Login.No
	if u.HasPassword {
		pw = env.M.Login.Yes
	}
	fields := kit.AdmFields(st, w, []kit.AdmField{
		{Label: m.Email, Value: sanitize.Line(u.Email)},
		{Label: m.Role, Value: env.L.Role(string(u.Role))},
		{Label: m.Lang, Value: lang},
		{Label: env.M.Admin.State, Value: kit.AdmActive(env, u.Active)},
		{Label: m.HasPassword, Value: pw},
		{Label: m.ColLastLogin, Value: d.l.lastLogin(u)},
		{Label: staffMore(env).ColLocked, Value: d.lockState(u)},
		{Label: env.M.Admin.Created, Value: env.L.DateTime(u.CreatedAt)},
	})
	d.keys.Cols = []kit.Column{{Title: m.ColFingerprint, Width: 0}, {Title: m.ColLabel, Width: 14}, {Title: m.ColKeyCreated, Width: 16}, {Title: m.ColLastUsed, Width: 16}}
	used := strings.Count(fields, "\n") + 4
	return "\n" + fields + "\n\n " + st.Subtitle.Render(m.Keys) + "\n" + d.keys.View(st, w, max(h-used, 2))
}

// lockState says whether the account is locked out, and until when.
func (d *staffDetail) lockState(u store.User) string {
	if !u.Locked() {
		return "—"
	}
	return fmt.Sprintf(staffMore(d.l.env).Locked, d.l.env.L.DateTime(*u.LockedUntil))
}

func (d *staffDetail) Keys() []key.Binding {
	env := d.l.env
	keys := []key.Binding{kit.KeyShown("↑/↓", env.M.Admin.KeyMove, "up", "down")}
	if kit.AdmCanManage(env) {
		if len(d.userKeys) > 0 {
			keys = append(keys, d.keyRevoke())
		}
		keys = append(keys, d.l.keyEdit(), d.l.keyCode(), d.l.keyActive())
	}
	if u, ok := d.l.byID(d.id); ok && u.Locked() && env.Actor.MayUnlockUsers() {
		keys = append(keys, d.l.keyUnlock())
	}
	return keys
}
