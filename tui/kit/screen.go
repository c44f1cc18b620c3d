package kit

import (
	"context"
	"log/slog"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"consultorio/store"
	"consultorio/tui/i18n"
)

// Screen is one screen of the clinic app or the operator panel (Agenda,
// Pacientes, Clientes...). The shell draws the frame around it (header,
// navigation bar, status line, help line) and gives it the body area.
//
// Screens are pointers and mutate themselves in Update; they are created
// once per session (when first opened) and kept while the user visits other
// screens. Everything runs on the program's goroutine: a screen never
// blocks in Update — database work goes through Env.Do.
type Screen interface {
	// Init runs when the screen is opened for the first time (start loading
	// with Env.Do here).
	Init() tea.Cmd
	// Update receives: key presses the shell did not take (see Capturing);
	// the results of the screen's own Env.Do calls; tea.WindowSizeMsg with
	// the BODY size (after Init and on every resize); ShownMsg each time it
	// becomes the active screen again; tea.BackgroundColorMsg; and any other
	// message while it is the active screen (huh's and bubbles' internal
	// messages, paste, live updates the server sends).
	Update(msg tea.Msg) tea.Cmd
	// View renders the body: at most width×height cells (longer lines are
	// cut, missing lines padded). Stored text must go through sanitize.
	View(width, height int) string
	// Keys are the bindings that work on the screen right now, in the order
	// the help line shows them (first = most important). Include the keys
	// of an embedded form with FormKeys(form).
	Keys() []key.Binding
	// Capturing tells the shell the screen is taking typed text (a search
	// box, a form): printable keys, tab, esc and "?" then go to the screen,
	// and only ctrl+c and alt+<digit> act globally.
	Capturing() bool
}

// ShownMsg tells a screen it became the active screen again (e.g. to
// refresh what it shows). It is not sent on the first opening (Init runs).
type ShownMsg struct{}

// ScreenID names a screen; it is stable across languages.
type ScreenID string

// Clinic screens (the navigation order is clinicScreens' order).
const (
	ScreenAgenda        ScreenID = "agenda"
	ScreenSessions      ScreenID = "sessions"
	ScreenPatients      ScreenID = "patients"
	ScreenSpecialists   ScreenID = "specialists"
	ScreenRooms         ScreenID = "rooms"
	ScreenPayments      ScreenID = "payments"
	ScreenExpenses      ScreenID = "expenses"
	ScreenFinance       ScreenID = "finance"
	ScreenNotifications ScreenID = "notifications"
	ScreenStaff         ScreenID = "staff"
	ScreenAudit         ScreenID = "audit"
	ScreenLogins        ScreenID = "logins"
)

// Panel screens.
const (
	ScreenClients   ScreenID = "clients"
	ScreenPlans     ScreenID = "plans"
	ScreenBilling   ScreenID = "billing"
	ScreenDashboard ScreenID = "dashboard"
	ScreenOpsAudit  ScreenID = "ops-audit"
	ScreenOpsLogins ScreenID = "ops-logins"
)

// ScreenDef declares a screen to the shell.
type ScreenDef struct {
	ID    ScreenID
	Title func(m *i18n.Messages) string // its name in the navigation bar
	// May tells who sees the screen in the clinic app: one of the store's
	// Actor.May… rules (the roles matrix); nil means everyone. The store's
	// operations check the same rules: hiding a screen is a convenience,
	// never the protection.
	May func(store.Actor) bool
	// New creates the screen for a session; nil shows a placeholder.
	New func(env *Env) Screen
	// Number is the screen's digit key, 1…9 or 10 for the key 0, the same
	// for every role that sees the screen (issue 13); 0: no digit (reached
	// with tab). When no screen of a list has a Number, they are numbered
	// by position.
	Number int
}

func (d ScreenDef) Allows(a store.Actor) bool { return d.May == nil || d.May(a) }

// Env is what a screen gets from the shell: who is working, where, in which
// language, and the shell's services (async work with the spinner, the
// status line, the unread badge). One Env per screen.
type Env struct {
	Ctx        context.Context // the session's context: cancelled when it ends
	Clock      Clock           // the store's clock
	RemoteAddr string
	L          *i18n.Locale   // language, money and dates of the clinic
	M          *i18n.Messages // = L.M

	// Clinic app (nil / zero in the panel).
	Tenant *store.Tenant
	User   *store.User
	Actor  store.Actor // User acting from RemoteAddr: pass it to every store call
	// LoginID is the session's id among the open sessions (nil or 0: none).
	LoginID func() int64

	// Operator panel (nil / zero in the clinic app).
	DB            OperatorStore
	Operator      *store.Operator
	OperatorActor store.OperatorActor
	SSHLine       func(user string) string // connect line, as PanelSession.SSHLine

	// ID is the screen this Env belongs to; Host is the app it runs in.
	// The shell sets both.
	ID   ScreenID
	Host Host
}

// Host is what an Env reaches of the app that runs the screen: the
// session's services, behind an interface so that screens do not depend on
// the app (and tests can run a screen under a small fake).
type Host interface {
	// Do runs fn off the program's goroutine and delivers its result to
	// target (a ScreenID) with the spinner on meanwhile.
	Do(target string, fn func(ctx context.Context) tea.Msg) tea.Cmd
	// Pending is the number of Do calls in flight.
	Pending() int
	// Styles are the current styles (light or dark).
	Styles() *Styles
	// SetStatus shows text in the status line (StatusNone clears it).
	SetStatus(k StatusKind, text string)
	// SetUnread updates the unread-notifications badge.
	SetUnread(n int)
	// BodySize is the size of the area the active screen draws in.
	BodySize() (width, height int)
	// Open switches to another screen (nil when there is no shell yet).
	Open(id ScreenID) tea.Cmd
	// Log receives unexpected errors (nil: none).
	Log() *slog.Logger
}

// StatusKind is what the status line shows.
type StatusKind int

// Status line kinds.
const (
	StatusNone StatusKind = iota
	StatusInfo
	StatusError
)

// Do runs fn off the program's goroutine with the session's context and
// delivers the message it returns to this screen's Update. The shell's
// spinner turns while any Do is pending. Use it for every database call:
//
//	return env.Do(func(ctx context.Context) tea.Msg {
//		list, err := env.Tenant.Patients(ctx, env.Actor, filter)
//		return patientsLoaded{list, err}
//	})
func (e *Env) Do(fn func(ctx context.Context) tea.Msg) tea.Cmd {
	return e.Host.Do(string(e.ID), fn)
}

// Busy tells whether any Do of the session is still pending.
func (e *Env) Busy() bool { return e.Host.Pending() > 0 }

// Styles are the current styles (they change with the terminal's
// background: read them in View, do not keep them).
func (e *Env) Styles() *Styles { return e.Host.Styles() }

// Info shows a confirmation ("✓ Paciente guardado.") in the status line. The
// status line is cleared by the next key press.
func (e *Env) Info(text string) { e.Host.SetStatus(StatusInfo, text) }

// Error shows an error in the status line, in the user's language (see
// ErrorText). A nil error or a cancelled context shows nothing.
func (e *Env) Error(err error) {
	if t := e.ErrorText(err); t != "" {
		e.Host.SetStatus(StatusError, t)
	}
}

// StartForm initialises an embedded form (made with NewForm) and gives it
// the current light/dark setting: use it instead of form.Init().
func (e *Env) StartForm(f *huh.Form) tea.Cmd { return StartForm(f, e.Host.Styles().Dark) }

// ClearStatus empties the status line.
func (e *Env) ClearStatus() { e.Host.SetStatus(StatusNone, "") }

// SetUnread updates the unread-notifications badge in the header.
func (e *Env) SetUnread(n int) { e.Host.SetUnread(n) }

// BodySize is the size of the area the screen draws in.
func (e *Env) BodySize() (width, height int) { return e.Host.BodySize() }

// Now is the store's clock (fake in tests).
func (e *Env) Now() time.Time { return e.Clock.Now() }

// Open switches to another screen (e.g. from a notification to the record
// it links to). It does nothing when the user's role does not see it.
func (e *Env) Open(id ScreenID) tea.Cmd {
	return e.Host.Open(id)
}

// CurrentLoginID is the session's id among the open sessions (0: none).
func (e *Env) CurrentLoginID() int64 {
	if e.LoginID == nil {
		return 0
	}
	return e.LoginID()
}
