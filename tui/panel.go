package tui

import (
	"context"
	"log/slog"
	"time"

	tea "charm.land/bubbletea/v2"

	"consultorio/store"
	"consultorio/tui/i18n"
	"consultorio/tui/kit"
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
	OperatorLoginPassword(ctx context.Context, email, password, remoteAddr string) (*store.Operator, error)
	OperatorLoginSetupCode(ctx context.Context, email, code, remoteAddr string) (*store.Operator, error)
	SetOperatorPassword(ctx context.Context, operatorID int64, password string) error
	AddOperatorKey(ctx context.Context, actor store.OperatorActor, operatorID int64, publicKeyLine, label string) (store.OperatorKey, error)
	OperatorSecondFactor(o *store.Operator, remoteAddr string) store.SecondFactor
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
	a.enter = func(acc *account) *shell {
		op := acc.op
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
		a.shell = a.enter(&account{op: s.Operator})
		return a
	}
	a.login = newLogin(a, panelAuth{db: db, remote: s.RemoteAddr}, loginHooks{s.Limiter, s.OnLogin, s.KeyFingerprint},
		a.loc.M.Login.PanelTitle, s.OfferKey)
	if s.Operator != nil {
		a.login.startAt = &account{op: s.Operator}
	}
	return a
}

// panelAuth adapts the operators' login operations to the login form.
type panelAuth struct {
	db     PanelStore
	remote string
}

func (p panelAuth) loginPassword(ctx context.Context, email, password string) (*account, error) {
	op, err := p.db.OperatorLoginPassword(ctx, email, password, p.remote)
	if err != nil {
		return nil, err
	}
	return &account{op: op}, nil
}

func (p panelAuth) loginSetupCode(ctx context.Context, email, code string) (*account, error) {
	op, err := p.db.OperatorLoginSetupCode(ctx, email, code, p.remote)
	if err != nil {
		return nil, err
	}
	return &account{op: op}, nil
}

func (p panelAuth) setPassword(ctx context.Context, acc *account, password string) error {
	return p.db.SetOperatorPassword(ctx, acc.op.ID, password)
}

func (p panelAuth) addKey(ctx context.Context, acc *account, keyLine string) error {
	_, err := p.db.AddOperatorKey(ctx, acc.op.Actor(p.remote), acc.op.ID, keyLine, "")
	return err
}

func (p panelAuth) secondFactor(acc *account) store.SecondFactor {
	return p.db.OperatorSecondFactor(acc.op, p.remote)
}
