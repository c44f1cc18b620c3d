package clinic

import (
	"context"
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"consultorio/store"
	"consultorio/tui/i18n"
	"consultorio/tui/kit"
	"consultorio/tui/sanitize"
)

// NewNotificationsScreen is the user's notifications, unread first: enter
// opens what one is about (and marks it read), r marks the selected one
// read, R all of them; the front desk opens the waiting list with w. It
// reloads when the clinic's notifications or waiting list change (another
// user's booking, a freed slot), which is also when the badge moves.
func NewNotificationsScreen(env *kit.Env) kit.Screen {
	s := kit.NewStack(env, env.M.Nav.Notifications)
	s.SetRoot(newNoticeList(env, s))
	return s
}

type noticeList struct {
	env   *kit.Env
	stack *kit.Stack
	list  kit.Table
	rows  []store.Notification
}

func newNoticeList(env *kit.Env, st *kit.Stack) *noticeList {
	return &noticeList{env: env, stack: st, list: kit.Table{Empty: kit.Words(env, i18n.NotifyFor(env.L.Lang)).Empty, Marker: true}}
}

type noticesLoaded struct {
	list   []store.Notification
	unread int
	err    error
}

// noticeRead is the result of marking one or all notifications read.
type noticeRead struct {
	n    int // how many (all); -1: one
	open *store.Notification
	err  error
}

func (p *noticeList) words() *i18n.Notify { return kit.Words(p.env, i18n.NotifyFor(p.env.L.Lang)) }

func (p *noticeList) reload() tea.Cmd {
	env := p.env
	return env.Do(func(ctx context.Context) tea.Msg {
		list, err := env.Tenant.ListNotifications(ctx, env.Actor, store.NotificationFilter{})
		if err != nil {
			return noticesLoaded{err: err}
		}
		n, err := env.Tenant.UnreadCount(ctx, env.Actor)
		return noticesLoaded{list: list, unread: n, err: err}
	})
}

func (p *noticeList) Title() string   { return p.env.M.Nav.Notifications }
func (p *noticeList) Init() tea.Cmd   { return p.reload() }
func (p *noticeList) Capturing() bool { return false }

func (p *noticeList) keyOpen() key.Binding {
	return kit.KeyShown("enter", p.words().KeyOpen, "enter")
}
func (p *noticeList) keyRead() key.Binding     { return kit.Key(p.words().KeyRead, "r") }
func (p *noticeList) keyAllRead() key.Binding  { return kit.Key(p.words().KeyAllRead, "R") }
func (p *noticeList) keyWaitlist() key.Binding { return kit.Key(p.words().KeyWaitlist, "w") }

func (p *noticeList) Keys() []key.Binding {
	keys := []key.Binding{kit.KeyShown("↑/↓", p.env.M.Admin.KeyMove, "up", "down"), p.keyOpen(), p.keyRead(), p.keyAllRead()}
	if p.env.Actor.MayManageWaitlist() {
		keys = append(keys, p.keyWaitlist())
	}
	return keys
}

func (p *noticeList) selected() (store.Notification, bool) {
	if p.list.Cursor < len(p.rows) {
		return p.rows[p.list.Cursor], true
	}
	return store.Notification{}, false
}

func (p *noticeList) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case noticesLoaded:
		if msg.err != nil {
			p.env.Error(msg.err)
			return nil
		}
		p.rows = msg.list
		p.env.SetUnread(msg.unread)
		w := p.words()
		rows := make([][]string, len(msg.list))
		for i, n := range msg.list {
			mark := w.UnreadMark
			if n.Read {
				mark = w.ReadMark
			}
			title, _ := p.env.L.NotificationText(n)
			rows[i] = []string{mark, p.env.L.DateTime(n.CreatedAt), sanitize.Line(title)}
		}
		p.list.SetRows(rows)
	case noticeRead:
		if msg.err != nil {
			p.env.Error(msg.err)
			return p.reload()
		}
		switch {
		case msg.n >= 0:
			p.env.Info(fmt.Sprintf(p.words().AllReadDone, msg.n))
		case msg.open == nil:
			p.env.Info(p.words().ReadDone)
		}
		cmd := p.reload()
		if msg.open != nil {
			cmd = tea.Batch(cmd, p.open(*msg.open))
		}
		return cmd
	case kit.ShownMsg:
		return p.reload()
	case kit.ChangedMsg:
		if msg.Touches("notification", "waitlist", "session", "payment", "expense") {
			return p.reload()
		}
	case tea.KeyPressMsg:
		if p.list.Move(msg.String()) {
			return nil
		}
		n, ok := p.selected()
		switch {
		case key.Matches(msg, p.keyOpen()) && ok:
			return p.markRead(n, true)
		case key.Matches(msg, p.keyRead()) && ok:
			return p.markRead(n, false)
		case key.Matches(msg, p.keyAllRead()):
			env := p.env
			return env.Do(func(ctx context.Context) tea.Msg {
				n, err := env.Tenant.MarkAllNotificationsRead(ctx, env.Actor)
				return noticeRead{n: n, err: err}
			})
		case key.Matches(msg, p.keyWaitlist()) && p.env.Actor.MayManageWaitlist():
			return p.stack.Push(newWaitPage(p.env, p.stack, 0))
		}
	}
	return nil
}

// markRead marks n read (for this user) and, with open, then opens what it
// is about.
func (p *noticeList) markRead(n store.Notification, open bool) tea.Cmd {
	env := p.env
	return env.Do(func(ctx context.Context) tea.Msg {
		err := env.Tenant.MarkNotificationRead(ctx, env.Actor, n.ID)
		out := noticeRead{n: -1, err: err}
		if open {
			out.open = &n
		}
		return out
	})
}

// open jumps to the record a notification links to: a session's detail and
// a waiting entry open over the list; a patient, an expense or a staff
// account open their screen.
func (p *noticeList) open(n store.Notification) tea.Cmd {
	switch n.Link.Kind {
	case store.EntitySession:
		return p.stack.Push(newSessionPage(p.env, p.stack, n.Link.ID))
	case store.EntityWaitlist:
		if p.env.Actor.MayManageWaitlist() {
			return p.stack.Push(newWaitPage(p.env, p.stack, n.Link.ID))
		}
	case store.EntityPatient:
		return p.env.Open(kit.ScreenPatients)
	case store.EntityExpense:
		return p.env.Open(kit.ScreenExpenses)
	case store.EntityUser:
		return p.env.Open(kit.ScreenStaff)
	}
	p.env.Info(p.words().NoLink)
	return nil
}

// View: the list of titles, and under it the selected notification's
// whole message, wrapped (at 80 columns a message does not fit in a row).
func (p *noticeList) View(w, h int) string {
	words := p.words()
	p.list.Cols = []kit.Column{{Title: "", Width: 1}, {Title: words.ColWhen, Width: 16}, {Title: words.ColTitle}}
	st := p.env.Styles()
	const detail = 3 // lines of the message under the list
	out := " " + st.Title.Render(p.Title()) + "\n\n" + p.list.View(st, w, max(h-3-detail, 2))
	if n, ok := p.selected(); ok {
		_, text := p.env.L.NotificationText(n)
		wrapped := lipgloss.NewStyle().Width(max(w-2, 10)).Render(sanitize.Line(text))
		out = kit.Fit(out, w, max(h-detail, 3)) + "\n" + kit.Indent(kit.Fit(wrapped, w-1, detail), 1)
	}
	return out
}
