package tui

import (
	"context"
	"log/slog"
	"time"

	tea "charm.land/bubbletea/v2"

	"consultorio/store"
	"consultorio/tui/i18n"
	"consultorio/tui/kit"
	"consultorio/tui/login"
	"consultorio/tui/panel"
	"consultorio/tui/sanitize"
)

// PanelSession is what the SSH server knows about an operator panel
// session.
type PanelSession struct {
	DB             *store.DB
	Operator       *store.Operator // nil: login form
	RemoteAddr     string
	OfferKey       string
	Width, Height  int
	DarkBackground bool
	ASCII          bool               // as ClinicSession.ASCII
	Limiter        LoginLimiter       // as ClinicSession.Limiter
	OnLogin        func(email string) // as ClinicSession.OnLogin
	KeyFingerprint string             // as ClinicSession.KeyFingerprint
	// SecondFactor: Operator (identified by a key) must still pass the
	// second factor; the server sets it for every key but a security key.
	SecondFactor bool
	// SSHLine is the command that reaches an SSH user name on the server
	// ("ssh -p 2222 demo@host"), from the address the server was started
	// with: the clients screen shows it for a new clinic.
	SSHLine func(user string) string
	Log     *slog.Logger // as ClinicSession.Log
	// LoginID, if set, is the session's id among the operator's open
	// sessions (store.OperatorLogins), 0 while it has none.
	LoginID func() int64
}

// PanelStore is the store as the operator panel uses it: the screens'
// operations (kit.OperatorStore) and the operators' login. *store.DB
// satisfies it; the shell's tests give the panel a small fake.
type PanelStore interface {
	kit.OperatorStore
	login.OperatorStore
}

var _ PanelStore = (*store.DB)(nil)

// panelCurrency and panelZone: the service bills in the product's default
// currency and keeps the default calendar, whatever each clinic uses.
const (
	panelCurrency = store.DefaultCurrency
	panelZone     = store.DefaultTimezone
)

// NewPanelApp is the operator panel for one session.
func NewPanelApp(ctx context.Context, s PanelSession) tea.Model {
	return newPanelApp(ctx, s, s.DB, panel.Screens())
}

// newPanelApp runs the panel on db: NewPanelApp passes s.DB, the shell's
// tests a fake.
func newPanelApp(ctx context.Context, s PanelSession, db PanelStore, screens []kit.ScreenDef) *app {
	zone, err := time.LoadLocation(panelZone)
	if err != nil {
		zone = time.UTC
	}
	loc := func(lang string) *i18n.Locale { return i18n.NewLocale(i18n.ParseLang(lang), panelCurrency, zone) }
	a := newApp(ctx, s.Width, s.Height, s.DarkBackground, s.ASCII, loc(""))
	a.log = s.Log
	a.brand = a.loc.M.Shell.PanelName
	a.enter = func(acc *login.Account) *shell {
		op := acc.Op
		a.setLocale(loc(op.Lang))
		a.brand = a.loc.M.Shell.PanelName
		who := sanitize.Line(op.Name) + " · " + a.loc.M.Roles.Operator
		return newShell(a, a.brand, who, nil, screens, func(id kit.ScreenID) *kit.Env {
			return &kit.Env{
				Ctx: ctx, RemoteAddr: s.RemoteAddr, L: a.loc, M: a.loc.M,
				Clock: db, DB: db, Operator: op, OperatorActor: op.Actor(s.RemoteAddr),
				SSHLine: s.SSHLine, LoginID: s.LoginID, ID: id, Host: host{a},
			}
		})
	}
	if s.Operator != nil && !s.SecondFactor {
		a.shell = a.enter(&login.Account{Op: s.Operator})
		return a
	}
	var startAt *login.Account
	if s.Operator != nil {
		startAt = &login.Account{Op: s.Operator}
	}
	a.login = login.New(loginHost{a}, login.Panel(db, s.RemoteAddr), login.Hooks{Limiter: s.Limiter, OnLogin: s.OnLogin, KeyFingerprint: s.KeyFingerprint},
		a.loc.M.Login.PanelTitle, s.OfferKey, startAt)
	return a
}
