package tui

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"consultorio/store"
	"consultorio/tui/i18n"
	"consultorio/tui/kit"
	"consultorio/tui/login"
	"consultorio/tui/sanitize"
)

// The layout is designed for at least this size; below it the app shows
// only a "terminal too small" notice until the window grows.
const (
	MinWidth  = 80
	MinHeight = 24
)

// EndSessionMsg ends the session from outside (the server sends it on
// suspension, shutdown or idle timeout): the app shows the reason briefly,
// leaves it on the normal screen and quits. Reason is one of the Reason*
// codes (shown in the user's language) or a text shown as it is
// (sanitized).
type EndSessionMsg struct {
	Reason string
	By     string // ReasonEndedBy: the name of who ended it
}

// Reasons the app translates.
const (
	ReasonSuspended = "suspended"
	ReasonShutdown  = "shutdown"
	ReasonIdle      = "idle"
	// ReasonDeactivated: the logged-in user's account was deactivated.
	ReasonDeactivated = "deactivated"
	// ReasonLoginTimeout: the login form was not completed in time.
	ReasonLoginTimeout = "login-timeout"
	ReasonEndedBy      = "ended-by" // somebody ended it from their open sessions
)

// endSessionDelay is how long the reason stays on the alternate screen
// before the program quits.
const endSessionDelay = 1500 * time.Millisecond

// UnreadMsg sets the unread-notifications badge in the header (the server
// or the notifications screen sends it).
type UnreadMsg struct{ Count int }

// MinuteMsg comes at every whole minute of the clock (the server sends it to
// every session from one timer): the periodic work of a session happens
// then, so an idle session has no timer of its own.
type MinuteMsg struct{}

// asyncMsg carries the result of an Env.Do back to whoever asked.
type asyncMsg struct {
	target string // a ScreenID, or login.Target
	msg    tea.Msg
}

type endNowMsg struct{}

// app is the root model of a session: login, then the shell; the
// too-small notice over both; the end-of-session notice.
type app struct {
	ctx           context.Context
	width, height int
	styles        *kit.Styles
	dark          bool // the terminal's background
	// ascii: ASCII mode (no colour, no Unicode chrome; issue 13), from the
	// client's terminal type or the user's setting.
	ascii bool
	// baseLoc is the locale before ASCII mode's catalogue (loc is it, or
	// its ASCII copy).
	baseLoc    *i18n.Locale
	loc        *i18n.Locale
	log        *slog.Logger // unexpected errors, under the reference shown (nil: none)
	keys       shellKeys
	spin       spinner.Model
	pending    int    // Env.Do calls in flight
	busyText   string // what the spinner says ("" = Loading)
	status     string
	statusKind kit.StatusKind
	unread     int
	brand      string // clinic name (sanitized) or "Panel"

	login *login.Model
	shell *shell
	// enter builds the shell once an account is logged in.
	enter func(acc *login.Account) *shell
	// settings, in the clinic, reloads the clinic when its settings change
	// and applies them to this session (nil in the panel).
	settings *liveSettings

	ending   bool // an EndSessionMsg arrived
	endText  string
	quitting bool
	endDelay time.Duration
}

func newApp(ctx context.Context, width, height int, dark, ascii bool, loc *i18n.Locale) *app {
	a := &app{
		ctx: ctx, width: width, height: height, dark: dark, ascii: ascii,
		spin:     spinner.New(spinner.WithSpinner(spinner.Line)),
		endDelay: endSessionDelay,
	}
	a.styles = a.sheet()
	a.setLocale(loc)
	return a
}

// sheet is the style sheet for the background and the mode.
func (a *app) sheet() *kit.Styles {
	if a.ascii {
		return kit.ASCIIStyles()
	}
	return kit.SharedStyles(a.dark)
}

func (a *app) setLocale(l *i18n.Locale) {
	a.baseLoc = l
	if a.ascii {
		l = kit.ASCIILocale(l)
	}
	a.loc = l
	a.keys = newShellKeys(l.M)
}

// setASCII switches ASCII mode. Screens already open keep the catalogue
// they were built with until the session restarts; the frame (colour,
// borders, glyphs) changes at once.
func (a *app) setASCII(on bool) {
	if a.ascii == on {
		return
	}
	a.ascii = on
	a.styles = a.sheet()
	a.setLocale(a.baseLoc)
}

func (a *app) bodySize() (int, int) {
	chrome := chromeLines
	if a.shell != nil && a.shell.banner != "" {
		chrome++
	}
	return a.width, max(a.height-chrome, 0)
}

func (a *app) setStatus(k kit.StatusKind, text string) {
	a.statusKind, a.status = k, sanitize.Line(text)
}

// do runs fn in a command with the session's context; its result comes
// back as an asyncMsg for target. The spinner runs while anything is
// pending.
func (a *app) do(target string, fn func(context.Context) tea.Msg) tea.Cmd {
	a.pending++
	ctx := a.ctx
	run := func() tea.Msg { return asyncMsg{target: target, msg: fn(ctx)} }
	if a.pending == 1 {
		return tea.Batch(run, a.spin.Tick)
	}
	return run
}

func (a *app) Init() tea.Cmd {
	cmds := []tea.Cmd{tea.RequestBackgroundColor}
	if a.login != nil {
		cmds = append(cmds, a.login.Init())
	} else if a.shell != nil {
		cmds = append(cmds, a.shell.start())
	}
	return tea.Batch(cmds...)
}

// enterShell replaces the login by the shell of the logged-in account.
func (a *app) enterShell(acc *login.Account) tea.Cmd {
	a.login = nil
	a.busyText = ""
	a.shell = a.enter(acc)
	return a.shell.start()
}

// logout ends the session at the user's request.
func (a *app) logout() tea.Cmd {
	a.quitting = true
	a.endText = a.loc.M.Shell.LoggedOut
	return tea.Quit
}

func (a *app) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.width, a.height = msg.Width, msg.Height
		w, h := a.bodySize()
		body := tea.WindowSizeMsg{Width: w, Height: h}
		if a.login != nil {
			return a, a.login.Resize()
		}
		if a.shell != nil {
			return a, a.shell.update(body)
		}
		return a, nil

	case tea.BackgroundColorMsg:
		a.dark = msg.IsDark()
		a.styles = a.sheet()
		return a, a.route(msg)

	case EndSessionMsg:
		if a.ending || a.quitting {
			return a, nil
		}
		a.ending = true
		a.endText = fmt.Sprintf(a.loc.M.Shell.SessionEnded, a.reasonText(msg))
		return a, tea.Tick(a.endDelay, func(time.Time) tea.Msg { return endNowMsg{} })

	case endNowMsg:
		a.quitting = true
		return a, tea.Quit

	case UnreadMsg:
		a.unread = msg.Count
		return a, nil

	case kit.ChangedMsg:
		var reload tea.Cmd
		// "" is a change the server could not name (several merged, or a
		// resync after changes may have been missed): it may hide one of
		// the settings.
		if (msg.Entity == store.ChangeSettings || msg.Entity == "") && a.settings != nil {
			reload = a.settings.reload()
		}
		// Changes concern the shell's screens and badge only; the login
		// form has nothing to reload.
		if a.shell == nil {
			return a, reload
		}
		return a, tea.Batch(reload, a.shell.update(msg))

	case settingsReloaded:
		if msg.err != nil {
			if a.log != nil {
				a.log.Warn("reload clinic settings", "err", msg.err)
			}
			return a, nil
		}
		return a, a.settings.apply(msg.t)

	case spinner.TickMsg:
		if a.pending == 0 {
			return a, nil // nothing waits: let the spinner stop
		}
		var cmd tea.Cmd
		a.spin, cmd = a.spin.Update(msg)
		return a, cmd

	case asyncMsg:
		if a.pending > 0 {
			a.pending--
		}
		return a, a.route(msg)

	case tea.KeyPressMsg:
		if a.quitting {
			return a, nil
		}
		if msg.String() == "ctrl+c" {
			return a, a.logout()
		}
		if a.ending || a.tooSmall() {
			return a, nil
		}
		a.setStatus(kit.StatusNone, "")
		return a, a.route(msg)
	}
	return a, a.route(msg)
}

// route hands a message to the login or the shell.
func (a *app) route(msg tea.Msg) tea.Cmd {
	if a.login != nil {
		if r, ok := msg.(asyncMsg); ok {
			return a.login.Result(r.msg)
		}
		return a.login.Update(msg)
	}
	if a.shell != nil {
		return a.shell.update(msg)
	}
	return nil
}

func (a *app) reasonText(msg EndSessionMsg) string {
	e := a.loc.M.Errors
	reason := msg.Reason
	switch reason {
	case ReasonEndedBy:
		return fmt.Sprintf(e.EndedBy, sanitize.Line(msg.By))
	case ReasonSuspended:
		return e.EndSuspended
	case ReasonShutdown:
		return e.EndShutdown
	case ReasonIdle:
		return e.EndIdle
	case ReasonDeactivated:
		return e.EndDeactivated
	case ReasonLoginTimeout:
		return e.EndLoginTimeout
	}
	return sanitize.Line(reason)
}

func (a *app) tooSmall() bool { return a.width < MinWidth || a.height < MinHeight }

func (a *app) View() tea.View {
	if a.quitting {
		// The last frame goes to the normal screen, so the reason stays
		// visible in the user's terminal after the connection closes.
		text := a.endText + "\n"
		if a.ascii {
			text = kit.ASCIIFrame(text)
		}
		v := tea.NewView(text)
		v.AltScreen = false
		return v
	}
	var content string
	switch {
	case a.tooSmall():
		content = a.tooSmallView()
	case a.ending:
		content = lipgloss.Place(a.width, a.height, lipgloss.Center, lipgloss.Center,
			a.styles.Warn.Render("■ "+a.endText))
	case a.login != nil:
		content = a.login.View(a.width, a.height)
	case a.shell != nil:
		content = a.shell.view(a.width, a.height)
	}
	if a.ascii {
		content = kit.ASCIIFrame(content)
	}
	v := tea.NewView(content)
	v.AltScreen = true
	return v
}

func (a *app) tooSmallView() string {
	m := a.loc.M.Shell
	w := max(a.width, 1)
	msg := fmt.Sprintf(m.TooSmall, MinWidth, MinHeight, a.width, a.height)
	if a.ending {
		msg = a.endText
	}
	text := lipgloss.NewStyle().Width(w).Align(lipgloss.Center).Render(
		a.styles.Warn.Render(msg) + "\n" + m.TooSmallHint)
	return lipgloss.Place(w, max(a.height, 1), lipgloss.Center, lipgloss.Center, text)
}

// statusView is the status line: the last confirmation or error on the
// left ("✓ …", "✗ …"), the spinner on the right while the database works.
func (a *app) statusView(w int) string {
	st := a.styles
	right := ""
	if a.pending > 0 {
		busy := a.busyText
		if busy == "" {
			busy = a.loc.M.Shell.Loading
		}
		right = a.spin.View() + " " + busy + " "
	}
	rw := lipgloss.Width(right)
	left := ""
	switch a.statusKind {
	case kit.StatusError:
		left = st.Error.Render(ansi.Truncate("✗ "+a.status, max(w-rw-2, 0), "…"))
	case kit.StatusInfo:
		left = st.Info.Render(ansi.Truncate("✓ "+a.status, max(w-rw-2, 0), "…"))
	}
	gap := max(w-1-lipgloss.Width(left)-rw, 0)
	return " " + left + strings.Repeat(" ", gap) + right
}

// host is the app as the screens' Env sees it (Host).
type host struct{ a *app }

func (h host) Do(target string, fn func(context.Context) tea.Msg) tea.Cmd {
	return h.a.do(target, fn)
}
func (h host) Pending() int                            { return h.a.pending }
func (h host) Styles() *kit.Styles                     { return h.a.styles }
func (h host) SetStatus(k kit.StatusKind, text string) { h.a.setStatus(k, text) }
func (h host) SetUnread(n int)                         { h.a.unread = n }
func (h host) BodySize() (int, int)                    { return h.a.bodySize() }
func (h host) Log() *slog.Logger                       { return h.a.log }
func (h host) Open(id kit.ScreenID) tea.Cmd {
	if h.a.shell == nil {
		return nil
	}
	return h.a.shell.open(id)
}

// loginHost is the app as the login form sees it (login.Host).
type loginHost struct{ a *app }

func (h loginHost) Do(target string, fn func(context.Context) tea.Msg) tea.Cmd {
	return h.a.do(target, fn)
}
func (h loginHost) SetBusy(text string)                     { h.a.busyText = text }
func (h loginHost) SetStatus(k kit.StatusKind, text string) { h.a.setStatus(k, text) }
func (h loginHost) StatusLine(w int) string                 { return h.a.statusView(w) }
func (h loginHost) Styles() *kit.Styles                     { return h.a.styles }
func (h loginHost) Locale() *i18n.Locale                    { return h.a.loc }
func (h loginHost) Log() *slog.Logger                       { return h.a.log }
func (h loginHost) Size() (int, int)                        { return h.a.width, h.a.height }
func (h loginHost) Brand() string                           { return h.a.brand }
func (h loginHost) QuitKey() key.Binding                    { return h.a.keys.QuitAlways }
func (h loginHost) Enter(acc *login.Account) tea.Cmd        { return h.a.enterShell(acc) }
