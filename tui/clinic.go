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
	"consultorio/tui/login"
	"consultorio/tui/sanitize"
)

// LoginLimiter rate-limits the login form's attempts from one address
// (login.Limiter; the server passes one per session).
type LoginLimiter = login.Limiter

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
	var current *login.Account // who is logged in (nil: the login form)
	a.settings = &liveSettings{
		reload: func() tea.Cmd {
			db, schema := t.DB(), t.Info.Schema
			return func() tea.Msg {
				fresh, err := db.Tenant(ctx, schema)
				return settingsReloaded{t: fresh, err: err}
			}
		},
		// The new handle replaces t for everything built from now on: the
		// locale, and a new shell whose screens get Envs with it. Screens
		// and commands already running keep the old handle (nothing
		// mutates it, so nothing races); they are dropped with the old
		// shell. The screen the user was on opens again.
		apply: func(fresh *store.Tenant) tea.Cmd {
			was, now := t.Info, fresh.Info
			if was.Name == now.Name && was.Lang == now.Lang && was.Currency == now.Currency && was.Timezone == now.Timezone {
				return nil // nothing this session shows changed: keep its screens as they are
			}
			t = fresh
			a.brand = sanitize.Line(t.Info.Name)
			if a.shell == nil || current == nil {
				a.setLocale(loc(""))
				return nil
			}
			active := a.shell.active
			a.shell = a.enter(current)
			return tea.Batch(a.shell.start(), a.shell.switchTo(active))
		},
	}
	a.enter = func(acc *login.Account) *shell {
		current = acc
		u := acc.User
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
		a.shell = a.enter(&login.Account{User: s.User})
		return a
	}
	var startAt *login.Account
	if s.User != nil {
		startAt = &login.Account{User: s.User}
	}
	a.login = login.New(loginHost{a}, login.Clinic(t, s.RemoteAddr), login.Hooks{Limiter: s.Limiter, OnLogin: s.OnLogin, KeyFingerprint: s.KeyFingerprint},
		fmt.Sprintf(a.loc.M.Login.Title, a.brand), s.OfferKey, startAt)
	return a
}

// liveSettings applies a change of the clinic's settings (language,
// currency, time zone, name) to an open session: the server passes the
// store's ChangeSettings on as a ChangedMsg, reload fetches the clinic
// afresh, and apply rebuilds what depends on it.
type liveSettings struct {
	reload func() tea.Cmd
	apply  func(*store.Tenant) tea.Cmd
}

// settingsReloaded carries the clinic as it is after a settings change.
type settingsReloaded struct {
	t   *store.Tenant
	err error
}
