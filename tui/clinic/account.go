package clinic

import (
	"context"
	"errors"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"consultorio/tui/i18n"
	"consultorio/tui/kit"
)

// staffMore is the catalogue of issue 13's small operations in the
// screen's language.
func staffMore(env *kit.Env) *i18n.StaffMore { return kit.Words(env, i18n.StaffMoreFor(env.L.Lang)) }

// NewAccessScreen is the screen every role has for their own access: their
// open sessions (kit's logins page: an admin sees everyone's) and, with p,
// the form that changes their own password.
func NewAccessScreen(env *kit.Env) kit.Screen {
	s := kit.NewStack(env, env.M.Nav.Logins)
	s.SetRoot(&accessPage{Page: kit.NewLoginsPage(env, s), env: env, stack: s})
	return s
}

// accessPage is the open-sessions page with the own-password key added.
type accessPage struct {
	kit.Page
	env   *kit.Env
	stack *kit.Stack
}

func (p *accessPage) keyPassword() key.Binding {
	return kit.Key(staffMore(p.env).KeyPassword, "p")
}

func (p *accessPage) Update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok && key.Matches(k, p.keyPassword()) {
		return p.stack.Push(passwordForm(p.env, p.stack))
	}
	return p.Page.Update(msg)
}

// Keys put the password key right after moving: at 80 columns the help line
// has no room for all of them, and it is what this screen adds.
func (p *accessPage) Keys() []key.Binding {
	keys := p.Page.Keys()
	if len(keys) == 0 {
		return []key.Binding{p.keyPassword()}
	}
	return append([]key.Binding{keys[0], p.keyPassword()}, keys[1:]...)
}

// passwordForm changes the user's own password (store.ChangeOwnPassword):
// the current one, then the new one twice. An account without a password
// yet (a key-only login) is told to leave the current one empty.
func passwordForm(env *kit.Env, st *kit.Stack) *kit.FormPage {
	m := staffMore(env)
	var current, next, again string
	build := func() *huh.Form {
		cur := huh.NewInput().Title(m.PasswordCurrent).Value(&current).EchoMode(huh.EchoModePassword).CharLimit(200)
		if env.User != nil && !env.User.HasPassword {
			cur = cur.Description(m.PasswordNoneYet)
		}
		return kit.NewForm(env.M, huh.NewGroup(
			cur,
			huh.NewInput().Title(m.PasswordNew).Value(&next).EchoMode(huh.EchoModePassword).CharLimit(200),
			huh.NewInput().Title(m.PasswordRepeat).Value(&again).EchoMode(huh.EchoModePassword).CharLimit(200).
				Validate(func(s string) error {
					if s != next {
						return errors.New(m.PasswordMismatch)
					}
					return nil
				}),
		))
	}
	save := func(ctx context.Context) error {
		err := env.Tenant.ChangeOwnPassword(ctx, env.Actor, current, next)
		// Nothing typed outlives the attempt: a failed one is typed again.
		current, next, again = "", "", ""
		return err
	}
	return &kit.FormPage{Stack: st, Name: m.PasswordTitle, Build: build, Save: save, Done: m.PasswordChanged}
}
