package tui

import (
	"context"
	"fmt"
	"log/slog"

	tea "charm.land/bubbletea/v2"

	"consultorio/store"
	"consultorio/tui/clinic"
	"consultorio/tui/i18n"
	"consultorio/tui/kit"
	"consultorio/tui/sanitize"
)

// ClinicSession is what the SSH server knows about a clinic session.
type ClinicSession struct {
	Tenant         *store.Tenant
	User           *store.User // nil: show the login form first
	RemoteAddr     string
	OfferKey       string // authorized_keys line of the key the client authenticated with, "" if none
	Width, Height  int
	DarkBackground bool
	// ASCII starts in ASCII mode (no colour, no Unicode chrome): the
	// server sets it for terminals that cannot draw more (TermWantsASCII).
	// A user's own setting (User.ASCII) turns it on too.
	ASCII bool
	// Limiter rate-limits the login form's attempts from the client's
	// address (nil: no limit).
	Limiter LoginLimiter
	// OnLogin, if set, learns the e-mail of whoever logs in through the
	// login form (a key login is known to the server already).
	OnLogin func(email string)
	// KeyFingerprint is the SHA256 fingerprint of the connecting key ("" if
	// none): passing the second factor grants it scripted commands.
	KeyFingerprint string
	// SecondFactor: User (identified by a key) must still pass the second
	// factor before the shell opens.
	SecondFactor bool
	// SSHLine is the command that reaches an SSH user name on the server
	// ("ssh -p 2222 clinic@host"), as PanelSession.SSHLine: the setup-code
	// page shows it to a new user.
	SSHLine func(user string) string
	// LoginID, if set, is the session's id among the clinic's open
	// sessions (store.Logins), 0 while it has none.
	LoginID func() int64
	// Log receives unexpected errors under the reference the user is shown
	// (nil: they are not logged).
	Log *slog.Logger
}

// NewClinicApp is the clinic TUI for one session. ctx is the session's:
// database work stops when it is cancelled.
//
// The language is the user's (User.Lang) or else the clinic's
// (Tenant.Info.Lang); money and dates follow the clinic's currency and time
// zone (Tenant.Info).
func NewClinicApp(ctx context.Context, s ClinicSession) tea.Model {
	return newClinicApp(ctx, s, s.Tenant, clinic.Screens())
}

// newClinicApp runs the clinic app with the header badge counted by unread:
// NewClinicApp passes s.Tenant, the shell's tests a fake.
func newClinicApp(ctx context.Context, s ClinicSession, unread unreadCounter, screens []kit.ScreenDef) *app {
	t := s.Tenant
	loc := func(userLang string) *i18n.Locale {
		return i18n.NewLocale(i18n.Pick(userLang, t.Info.Lang), t.Info.Currency, t.Info.Location())
	}
	a := newApp(ctx, s.Width, s.Height, s.DarkBackground, s.ASCII, loc(""))
	a.log = s.Log
	a.brand = sanitize.Line(t.Info.Name)
	a.enter = func(acc *account) *shell {
		u := acc.user
		a.setASCII(s.ASCII || u.ASCII)
		a.setLocale(loc(u.Lang))
		who := sanitize.Line(u.Name) + " · " + a.loc.Role(string(u.Role))
		var defs []kit.ScreenDef
		for _, d := range screens {
			if d.Allows(u.Actor(s.RemoteAddr)) {
				defs = append(defs, d)
			}
		}
		sh := newShell(a, a.brand, who, unread, defs, func(id kit.ScreenID) *kit.Env {
			return &kit.Env{
				Ctx: ctx, RemoteAddr: s.RemoteAddr, L: a.loc, M: a.loc.M,
				Clock: t.DB(), Tenant: t, User: u, Actor: u.Actor(s.RemoteAddr),
				LoginID: s.LoginID, SSHLine: s.SSHLine,
				ID: id, Host: host{a},
			}
		})
		actor := u.Actor(s.RemoteAddr)
		sh.saveASCII = func(ctx context.Context, on bool) error {
			_, err := t.SetOwnASCII(ctx, actor, on)
			return err
		}
		// A morose clinic keeps working; its admins are told why the
		// service may be suspended (PRODUCT.md §3).
		if t.Info.Status == store.TenantMorose && u.Actor(s.RemoteAddr).MayManageClinic() {
			sh.banner = a.loc.M.Shell.MoroseBanner
		}
		return sh
	}
	if s.User != nil && !s.SecondFactor {
		a.shell = a.enter(&account{user: s.User})
		return a
	}
	a.login = newLogin(a, clinicAuth{t: t, remote: s.RemoteAddr}, loginHooks{s.Limiter, s.OnLogin, s.KeyFingerprint},
		fmt.Sprintf(a.loc.M.Login.Title, a.brand), s.OfferKey)
	if s.User != nil {
		a.login.startAt = &account{user: s.User}
	}
	return a
}

// clinicAuth adapts a tenant's login operations to the login form.
type clinicAuth struct {
	t      *store.Tenant
	remote string
}

func (c clinicAuth) loginPassword(ctx context.Context, email, password string) (*account, error) {
	u, err := c.t.LoginPassword(ctx, email, password, c.remote)
	if err != nil {
		return nil, err
	}
	return &account{user: u}, nil
}

func (c clinicAuth) loginSetupCode(ctx context.Context, email, code string) (*account, error) {
	u, err := c.t.LoginSetupCode(ctx, email, code, c.remote)
	if err != nil {
		return nil, err
	}
	return &account{user: u}, nil
}

func (c clinicAuth) setPassword(ctx context.Context, acc *account, password string) error {
	return c.t.SetPassword(ctx, acc.user.ID, password)
}

func (c clinicAuth) addKey(ctx context.Context, acc *account, keyLine string) error {
	_, err := c.t.AddKey(ctx, acc.user.Actor(c.remote), acc.user.ID, keyLine, "")
	return err
}

func (c clinicAuth) secondFactor(acc *account) store.SecondFactor {
	return c.t.SecondFactor(acc.user, c.remote)
}
