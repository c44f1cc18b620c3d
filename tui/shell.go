package tui

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"consultorio/store"
	"consultorio/tui/i18n"
	"consultorio/tui/kit"
)

// chromeLines is what the shell takes from the height: header, navigation
// bar, status line, help line.
const chromeLines = 4

// shell is the frame every screen lives in, after login: a header (clinic,
// user, role, unread badge), the navigation bar, the active screen's body,
// the status line and the help line.
type shell struct {
	app   *app
	brand string // header left: clinic name or "Panel" (sanitized)
	who   string // header right: user name and role (sanitized)
	// unread counts the header badge (nil: no badge, as in the panel).
	unread unreadCounter
	// banner is a standing notice under the header (the clinic's overdue
	// subscription, for its admins); "" for none. It takes one body line.
	banner   string
	defs     []kit.ScreenDef
	screens  []kit.Screen // nil until first opened
	active   int
	fullHelp bool
	newEnv   func(id kit.ScreenID) *kit.Env
	help     help.Model
	helpLine kit.HelpCache
	// unreadSeq numbers the badge's count requests: only the latest one
	// is shown.
	unreadSeq int
	// saveASCII keeps the user's ASCII-mode preference (nil: the mode
	// changes for this session only, as in the panel).
	saveASCII func(ctx context.Context, on bool) error
}

// asciiTarget receives the result of saving the ASCII-mode preference.
const asciiTarget = "shell:ascii"

// asciiSaved is the result of saving the ASCII-mode preference.
type asciiSaved struct {
	on  bool
	err error
}

// unreadCounter counts a user's unread notifications for the header badge
// (*store.Tenant; the shell's tests use a fake).
type unreadCounter interface {
	UnreadCount(ctx context.Context, actor store.Actor) (int, error)
}

// unreadLoaded is a recount of the badge.
type unreadLoaded struct {
	seq int
	n   int
	err error
}

func newShell(a *app, brand, who string, unread unreadCounter, defs []kit.ScreenDef, newEnv func(kit.ScreenID) *kit.Env) *shell {
	s := &shell{
		app: a, brand: brand, who: who, unread: unread, defs: defs,
		screens: make([]kit.Screen, len(defs)), newEnv: newEnv, help: help.New(),
	}
	s.jumpHelp()
	return s
}

// jumpHelp makes the jump keys' help name the digits that exist for this
// role.
func (s *shell) jumpHelp() {
	hi := 0
	for i := range s.defs {
		if n := s.number(i); n > hi && n < 10 {
			hi = n
		}
	}
	if hi > 0 && hi < 9 && s.numberOf(10) < 0 {
		k := &s.app.keys
		k.Jump.SetHelp(fmt.Sprintf("1…%d", hi), k.Jump.Help().Desc)
		k.JumpAlt.SetHelp(fmt.Sprintf("alt+1…%d", hi), k.JumpAlt.Help().Desc)
	}
}

// number is screen i's digit key as a number 1…10 (10 is the key 0), 0 for
// none: the screen's own Number when it has one — the same for every role
// (issue 13) — else its position.
func (s *shell) number(i int) int {
	for _, d := range s.defs {
		if d.Number != 0 {
			// Numbered screens: the others have no digit.
			return s.defs[i].Number
		}
	}
	if i < 10 {
		return i + 1
	}
	return 0
}

// numberOf is the index of the screen with digit number n, -1 if none.
func (s *shell) numberOf(n int) int {
	if n <= 0 {
		return -1
	}
	for i := range s.defs {
		if s.number(i) == n {
			return i
		}
	}
	return -1
}

// start opens the first screen and, in the clinic, counts the badge (it is
// recounted on every MinuteMsg).
func (s *shell) start() tea.Cmd {
	var cmds []tea.Cmd
	if len(s.defs) > 0 {
		_, cmd := s.instance(0)
		cmds = append(cmds, cmd)
	}
	if cmd := s.refreshUnread(); cmd != nil {
		cmds = append(cmds, cmd)
	}
	return tea.Batch(cmds...)
}

// refreshUnread recounts the unread notifications of the badge (nil in the
// panel). It is background work: it does not turn the spinner, and a
// failure keeps the last count (the screens report database trouble).
func (s *shell) refreshUnread() tea.Cmd {
	if s.unread == nil {
		return nil
	}
	env := s.newEnv("")
	s.unreadSeq++
	seq, counter, actor, ctx := s.unreadSeq, s.unread, env.Actor, s.app.ctx
	return func() tea.Msg {
		n, err := counter.UnreadCount(ctx, actor)
		return unreadLoaded{seq: seq, n: n, err: err}
	}
}

func (s *shell) index(id kit.ScreenID) int {
	for i, d := range s.defs {
		if d.ID == id {
			return i
		}
	}
	return -1
}

func (s *shell) current() kit.Screen {
	if len(s.defs) == 0 {
		return nil
	}
	return s.screens[s.active]
}

// instance returns screen i, creating it (and its start-up commands) on
// first use.
func (s *shell) instance(i int) (kit.Screen, tea.Cmd) {
	if s.screens[i] != nil {
		return s.screens[i], nil
	}
	d := s.defs[i]
	env := s.newEnv(d.ID)
	var scr kit.Screen
	if d.New != nil {
		scr = d.New(env)
	} else {
		scr = kit.NewPlaceholder(env, d.Title(env.M))
	}
	s.screens[i] = scr
	w, h := s.app.bodySize()
	init := scr.Init()
	return scr, tea.Batch(init, scr.Update(tea.WindowSizeMsg{Width: w, Height: h}))
}

func (s *shell) open(id kit.ScreenID) tea.Cmd {
	if i := s.index(id); i >= 0 {
		return s.switchTo(i)
	}
	return nil
}

func (s *shell) switchTo(i int) tea.Cmd {
	if i < 0 || i >= len(s.defs) {
		return nil
	}
	s.fullHelp = false
	if i == s.active && s.screens[i] != nil {
		return nil
	}
	s.active = i
	// Switching screens also recounts the badge: the user looks around,
	// the header should be current.
	if s.screens[i] == nil {
		_, cmd := s.instance(i)
		return tea.Batch(cmd, s.refreshUnread())
	}
	return tea.Batch(s.screens[i].Update(kit.ShownMsg{}), s.refreshUnread())
}

// update routes a message: keys through the global bindings to the active
// screen; async results to the screen that asked; size and background
// changes to every open screen; anything else to the active screen.
func (s *shell) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return s.key(msg)
	case asyncMsg:
		if r, ok := msg.msg.(asciiSaved); ok && msg.target == asciiTarget {
			m := s.app.loc.M.Shell
			switch {
			case r.err != nil:
				s.newEnv("").Error(r.err)
			case r.on:
				s.app.setStatus(kit.StatusInfo, m.ASCIIOn)
			default:
				s.app.setStatus(kit.StatusInfo, m.ASCIIOff)
			}
			return nil
		}
		if i := s.index(kit.ScreenID(msg.target)); i >= 0 && s.screens[i] != nil {
			return s.screens[i].Update(msg.msg)
		}
		return nil
	case unreadLoaded:
		if msg.seq == s.unreadSeq && msg.err == nil {
			s.app.unread = msg.n
		}
		return nil
	case MinuteMsg:
		// Notifications also appear as time passes (a session becomes
		// "tomorrow", a payment overdue): recount once a minute.
		return s.refreshUnread()
	case kit.ChangedMsg:
		// A change of the clinic (any user, any server instance): the
		// active screen reloads what it shows, the badge is recounted.
		// Hidden screens reload when shown again (ShownMsg).
		var cmd tea.Cmd
		if scr := s.current(); scr != nil {
			cmd = scr.Update(msg)
		}
		return tea.Batch(cmd, s.refreshUnread())
	case tea.WindowSizeMsg, tea.BackgroundColorMsg:
		var cmds []tea.Cmd
		for _, scr := range s.screens {
			if scr != nil {
				cmds = append(cmds, scr.Update(msg))
			}
		}
		return tea.Batch(cmds...)
	}
	if scr := s.current(); scr != nil {
		return scr.Update(msg)
	}
	return nil
}

func (s *shell) capturing() bool {
	scr := s.current()
	return scr != nil && scr.Capturing()
}

func (s *shell) key(msg tea.KeyPressMsg) tea.Cmd {
	k := s.app.keys
	if s.fullHelp {
		// Any key closes the full help; the navigation keys also act.
		s.fullHelp = false
		if key.Matches(msg, k.Help) || msg.String() == "esc" {
			return nil
		}
	}
	if key.Matches(msg, k.JumpAlt) {
		return s.switchTo(s.numberOf(jumpNumber(msg.String())))
	}
	if !s.capturing() {
		switch {
		case key.Matches(msg, k.Quit):
			return s.app.logout()
		case key.Matches(msg, k.Next):
			return s.switchTo((s.active + 1) % max(len(s.defs), 1))
		case key.Matches(msg, k.Prev):
			return s.switchTo((s.active + len(s.defs) - 1) % max(len(s.defs), 1))
		case key.Matches(msg, k.Jump):
			return s.switchTo(s.numberOf(jumpNumber(msg.String())))
		case key.Matches(msg, k.ASCII):
			return s.toggleASCII()
		case key.Matches(msg, k.Help):
			s.fullHelp = true
			return nil
		}
	}
	if scr := s.current(); scr != nil {
		return scr.Update(msg)
	}
	return nil
}

// jumpNumber maps "3" or "alt+3" to screen number 3, and "0" to 10.
func jumpNumber(k string) int {
	k = strings.TrimPrefix(k, "alt+")
	n, err := strconv.Atoi(k)
	if err != nil {
		return -1
	}
	if n == 0 {
		return 10
	}
	return n
}

// toggleASCII turns ASCII mode on or off for the session and keeps the
// choice as the user's preference.
func (s *shell) toggleASCII() tea.Cmd {
	on := !s.app.ascii
	s.app.setASCII(on)
	s.jumpHelp()
	// The screens were built with the other catalogue: build them again
	// (the key works only while no screen takes typed text, so no form
	// in progress is lost).
	s.screens = make([]kit.Screen, len(s.defs))
	_, reopen := s.instance(s.active)
	m := s.app.loc.M.Shell
	if s.saveASCII == nil {
		s.app.setStatus(kit.StatusInfo, map[bool]string{true: m.ASCIIOn, false: m.ASCIIOff}[on])
		return reopen
	}
	save := s.saveASCII
	return tea.Batch(reopen, s.app.do(asciiTarget, func(ctx context.Context) tea.Msg {
		return asciiSaved{on: on, err: save(ctx, on)}
	}))
}

func (s *shell) view(w, h int) string {
	st := s.app.styles
	_, bodyH := s.app.bodySize()
	var body string
	switch {
	case len(s.defs) == 0:
		body = "\n  " + s.app.loc.M.Shell.NoScreens
	case s.fullHelp:
		body = s.fullHelpView(w)
	default:
		if scr := s.current(); scr != nil {
			body = scr.View(w, bodyH)
		}
	}
	lines := []string{s.headerView(w, st)}
	if s.banner != "" {
		// Reverse video with a ⚠ marker: readable without colour.
		lines = append(lines, kit.Bar(" ⚠ "+s.banner, "", w, st))
	}
	lines = append(lines, s.tabsView(w, st), kit.Fit(body, w, bodyH), s.app.statusView(w), s.helpView(w))
	return strings.Join(lines, "\n")
}

// headerView: " Consultorio · Clínica A            Ana Pérez · Recepción · 3 sin leer ".
func (s *shell) headerView(w int, st *kit.Styles) string {
	m := s.app.loc.M
	right := s.who
	if s.unread != nil {
		badge := fmt.Sprintf(m.Shell.Unread, s.app.unread)
		if s.app.unread > 0 {
			badge = "● " + badge
		}
		right += " · " + badge
	}
	right += " "
	left := " " + m.Shell.AppName + " · " + s.brand
	return kit.Bar(left, right, w, st)
}

// tabsView draws the navigation bar. The active screen is in [brackets] and
// reverse video; when the names do not fit, a window around the active one
// is shown with ‹ › marking hidden screens.
func (s *shell) tabsView(w int, st *kit.Styles) string {
	if len(s.defs) == 0 {
		return ""
	}
	m := s.app.loc.M
	labels := make([]string, len(s.defs))
	widths := make([]int, len(s.defs))
	for i, d := range s.defs {
		label := d.Title(m)
		switch n := s.number(i); {
		case n > 0 && n < 10:
			label = strconv.Itoa(n) + " " + label
		case n == 10:
			label = "0 " + label
		}
		labels[i] = label
		widths[i] = lipgloss.Width(label) + 2 // brackets or spaces around
	}
	total := 0
	for _, x := range widths {
		total += x
	}
	from, to := 0, len(s.defs)
	if total > w {
		// Grow a window around the active tab, keeping 2 cells per side
		// for the ‹ › markers.
		from, to = s.active, s.active+1
		used := widths[s.active]
		for grew := true; grew; {
			grew = false
			if to < len(s.defs) && used+widths[to] <= w-4 {
				used += widths[to]
				to++
				grew = true
			}
			if from > 0 && used+widths[from-1] <= w-4 {
				from--
				used += widths[from]
				grew = true
			}
		}
	}
	var b strings.Builder
	if from > 0 {
		b.WriteString(st.TabMore.Render(m.Shell.MoreLeft) + " ")
	}
	for i := from; i < to; i++ {
		if i == s.active {
			b.WriteString(st.TabActive.Render("[" + labels[i] + "]"))
		} else {
			b.WriteString(st.Tab.Render(" " + labels[i] + " "))
		}
	}
	if to < len(s.defs) {
		b.WriteString(" " + st.TabMore.Render(m.Shell.MoreRight))
	}
	return ansi.Truncate(b.String(), w, "")
}

// helpView is the help line: the screen's keys first, then navigation, and
// always, at the end, help and quit.
func (s *shell) helpView(w int) string {
	k := s.app.keys
	var scrKeys []key.Binding
	if scr := s.current(); scr != nil && !s.fullHelp {
		scrKeys = scr.Keys()
	}
	var nav, tail []key.Binding
	if s.capturing() {
		nav = []key.Binding{k.JumpAlt}
		tail = []key.Binding{k.QuitAlways}
	} else {
		nav = []key.Binding{k.Next, k.Jump}
		tail = []key.Binding{k.Help, k.Quit}
	}
	return s.helpLine.Line(s.app.styles, &s.help, append(scrKeys, nav...), tail, w)
}

func (s *shell) fullHelpView(w int) string {
	k := s.app.keys
	var scrKeys []key.Binding
	if scr := s.current(); scr != nil {
		scrKeys = scr.Keys()
	}
	s.help.Styles = s.app.styles.Help
	s.help.SetWidth(w - 2)
	groups := [][]key.Binding{}
	if len(scrKeys) > 0 {
		groups = append(groups, scrKeys)
	}
	groups = append(groups, []key.Binding{k.Next, k.Prev, k.Jump, k.JumpAlt}, []key.Binding{k.ASCII, k.Help, k.Quit, k.QuitAlways})
	title := s.app.styles.Title.Render(s.app.loc.M.Shell.KeyHelp)
	return "\n " + title + "\n\n" + kit.Indent(s.help.FullHelpView(groups), 1)
}

// shellKeys are the global bindings, with help in the user's language.
type shellKeys struct {
	Quit       key.Binding // q, when the screen is not capturing text
	QuitAlways key.Binding // ctrl+c
	Next       key.Binding
	Prev       key.Binding
	Jump       key.Binding
	JumpAlt    key.Binding
	Help       key.Binding
	ASCII      key.Binding // ctrl+t: ASCII mode on/off (shown in the full help)
}

func newShellKeys(m *i18n.Messages) shellKeys {
	digits := []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "0"}
	alt := make([]string, len(digits))
	for i, d := range digits {
		alt[i] = "alt+" + d
	}
	return shellKeys{
		Quit:       kit.KeyShown("q", m.Shell.KeyQuit, "q", "ctrl+c"),
		QuitAlways: kit.Key(m.Shell.KeyQuit, "ctrl+c"),
		Next:       kit.Key(m.Shell.KeyNext, "tab"),
		Prev:       kit.Key(m.Shell.KeyPrev, "shift+tab"),
		Jump:       kit.KeyShown("1…9", m.Shell.KeyJump, digits...),
		JumpAlt:    kit.KeyShown("alt+1…9", m.Shell.KeyJump, alt...),
		Help:       kit.Key(m.Shell.KeyHelp, "?"),
		ASCII:      kit.Key(m.Shell.KeyASCII, "ctrl+t"),
	}
}
