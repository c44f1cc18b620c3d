package clinic

import (
	"context"
	"fmt"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"consultorio/store"
	"consultorio/tui/i18n"
	"consultorio/tui/kit"
	"consultorio/tui/sanitize"
)

// The sessions list (PRODUCT.md §5): from 30 days ago onwards by default,
// with date range, status and specialist filters; enter opens the session
// page (its actions), n books a new one. It reloads on ChangedMsg.

func NewSessionsScreen(env *kit.Env) kit.Screen {
	s := kit.NewStack(env, env.M.Nav.Sessions)
	s.SetRoot(newSessionsPage(env, s))
	return s
}

type sessionsPage struct {
	env *kit.Env
	st  *kit.Stack

	from, to time.Time // to zero: no end
	status   string
	specID   int64
	roomID   int64
	// patientID: only this patient's sessions ("p" on a row toggles it)
	patientID   int64
	patientName string

	specs  []store.Specialist
	rooms  []store.Room
	list   []store.Session
	loaded bool
	landed bool // the cursor was put on today once
	seq    int

	table kit.Table
}

type sessionsLoaded struct {
	seq   int
	specs []store.Specialist
	rooms []store.Room
	list  []store.Session
	err   error
}

func newSessionsPage(env *kit.Env, st *kit.Stack) *sessionsPage {
	today := agMidnight(env.Now(), env.L.Loc)
	return &sessionsPage{env: env, st: st, from: today.AddDate(0, 0, -30), table: kit.Table{Vim: true, Jump: true}}
}

func (p *sessionsPage) Title() string   { return p.env.M.Sessions.ListTitle }
func (p *sessionsPage) Capturing() bool { return false }
func (p *sessionsPage) Init() tea.Cmd   { return p.reload() }

func (p *sessionsPage) reload() tea.Cmd {
	p.seq++
	seq, env := p.seq, p.env
	f := store.SessionFilter{From: p.from, Status: p.status, SpecialistID: p.specID, RoomID: p.roomID,
		PatientID: p.patientID, Limit: 2000}
	if !p.to.IsZero() {
		f.To = p.to.AddDate(0, 0, 1) // the "to" day included
	}
	return env.Do(func(ctx context.Context) tea.Msg {
		out := sessionsLoaded{seq: seq}
		if out.specs, out.err = env.Tenant.ListSpecialists(ctx, env.Actor, false); out.err != nil {
			return out
		}
		if out.rooms, out.err = env.Tenant.ListRooms(ctx, env.Actor, false); out.err != nil {
			return out
		}
		out.list, out.err = env.Tenant.ListSessions(ctx, env.Actor, f)
		return out
	})
}

func (p *sessionsPage) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case sessionsLoaded:
		if msg.seq != p.seq {
			return nil
		}
		if msg.err != nil {
			p.env.Error(msg.err)
			return nil
		}
		p.specs, p.rooms, p.list, p.loaded = msg.specs, msg.rooms, msg.list, true
		if !p.landed {
			p.landed = true
			now := p.env.Now()
			p.table.Cursor = max(len(p.list)-1, 0) // -1 would make it a list only to read
			for i, s := range p.list {
				if !s.EndsAt.Before(now) {
					p.table.Cursor = i
					break
				}
			}
		}
		p.fill()
	case kit.ChangedMsg:
		if msg.Touches("session", "payment") {
			return p.reload()
		}
	case kit.ShownMsg:
		return p.reload()
	case tea.KeyPressMsg:
		if p.table.Move(msg.String()) {
			return nil
		}
		cur := p.table.Cursor
		switch msg.String() {
		case "enter":
			if cur < len(p.list) {
				return p.st.Push(newSessionPage(p.env, p.st, p.list[cur].ID))
			}
		case "n":
			return p.st.Push(newBookingPage(p.env, p.st, p.specs, p.rooms, bookingDefaults{specialistID: p.specID},
				func() tea.Cmd { return p.reload() }))
		case "f":
			return p.st.Push(p.filterPage())
		case "p":
			switch {
			case p.patientID != 0:
				p.patientID, p.patientName = 0, ""
			case cur < len(p.list):
				p.patientID, p.patientName = p.list[cur].PatientID, p.list[cur].PatientName
			default:
				return nil
			}
			p.table.Cursor, p.table.Offset, p.landed = 0, 0, false
			return p.reload()
		}
	}
	return nil
}

func (p *sessionsPage) filterPage() *kit.FormPage {
	m, l := p.env.M, p.env.L
	from := l.Date(p.from)
	to := ""
	if !p.to.IsZero() {
		to = l.Date(p.to)
	}
	status, spec, room := p.status, p.specID, p.roomID
	se := i18n.SessionsEditFor(l.Lang)
	roomOpts := []huh.Option[int64]{huh.NewOption(se.AllRooms, int64(0))}
	for _, r := range p.rooms {
		roomOpts = append(roomOpts, huh.NewOption(sanitize.Line(r.Name), r.ID))
	}
	statusOpts := []huh.Option[string]{huh.NewOption(m.Sessions.AnyStatus, "")}
	for _, s := range []string{store.SessionUnplanned, store.SessionPlanned, store.SessionCompleted, store.SessionCancelled} {
		statusOpts = append(statusOpts, huh.NewOption(agStatusName(m, s), s))
	}
	specOpts := []huh.Option[int64]{huh.NewOption(m.Sessions.AnySpec, int64(0))}
	for _, s := range p.specs {
		specOpts = append(specOpts, huh.NewOption(sanitize.Line(s.FullName()), s.ID))
	}
	return &kit.FormPage{Stack: p.st, Name: m.Agenda.KeyFilter,
		Build: func() *huh.Form {
			return kit.NewForm(m, huh.NewGroup(
				huh.NewInput().Title(fmt.Sprintf(m.Sessions.From, l.DateHint())).Value(&from).Validate(agDateOK(p.env, false)),
				huh.NewInput().Title(fmt.Sprintf(m.Sessions.To, l.DateHint())).Placeholder(m.Sessions.ToHint).
					Value(&to).Validate(agDateOK(p.env, true)),
				huh.NewSelect[string]().Title(m.Sessions.ColStatus).Options(statusOpts...).Value(&status),
				huh.NewSelect[int64]().Title(m.Sessions.ColSpec).Options(specOpts...).Value(&spec),
				huh.NewSelect[int64]().Title(se.FilterRoom).Options(roomOpts...).Value(&room)))
		},
		Save: func(context.Context) error { return nil },
		AfterSave: func() tea.Cmd {
			if d, err := l.ParseDate(from); err == nil {
				p.from = d
			}
			p.to = time.Time{}
			if d, err := l.ParseDate(to); err == nil {
				p.to = d
			}
			p.status, p.specID, p.roomID = status, spec, room
			p.table.Cursor, p.table.Offset, p.landed = 0, 0, false
			return p.reload()
		}}
}

func (p *sessionsPage) View(w, h int) string {
	st, m, l := p.env.Styles(), p.env.M, p.env.L
	rng := fmt.Sprintf(m.Sessions.RangeOpen, l.Date(p.from))
	if !p.to.IsZero() {
		rng = fmt.Sprintf(m.Sessions.Range, l.Date(p.from), l.Date(p.to))
	}
	filters := rng
	if p.status != "" {
		filters += " · " + agStatusName(m, p.status)
	}
	for _, s := range p.specs {
		if s.ID == p.specID {
			filters += " · " + sanitize.Line(s.FullName())
		}
	}
	for _, r := range p.rooms {
		if r.ID == p.roomID {
			filters += " · " + sanitize.Line(r.Name)
		}
	}
	if p.patientID != 0 {
		filters += " · " + sanitize.Line(p.patientName)
	}
	count := fmt.Sprintf(m.Sessions.Shown, len(p.list)) + " "
	head := kit.Cell(" "+st.Title.Render(m.Sessions.ListTitle)+st.Muted.Render(" · "+filters), max(w-len([]rune(count)), 0), false) + count
	p.fill()
	return head + "\n" + p.table.View(st, w, h-1)
}

// fill gives the table its columns and rows in the current words (the
// language and ASCII mode can change while the list is shown).
func (p *sessionsPage) fill() {
	m, l := p.env.M, p.env.L
	// The room column only when there is room for it: the patient's name
	// matters more (from 100 columns).
	p.table.Cols = []kit.Column{{Title: m.Sessions.ColWhen, Width: 16}, {Title: m.Sessions.ColPatient, Min: 30},
		{Title: m.Sessions.ColSpec, Width: 14}, {Title: m.Sessions.ColRoom, Width: 10, Priority: 1},
		{Title: m.Sessions.ColStatus, Width: 14}, {Title: m.Sessions.ColPay, Width: 9, Right: true}}
	p.table.Empty = ""
	if p.loaded {
		p.table.Empty = m.Sessions.Empty
	}
	rows := make([][]string, len(p.list))
	for i, s := range p.list {
		rows[i] = []string{l.DateTime(s.StartsAt), sanitize.Line(s.PatientName), sanitize.Line(s.SpecialistName),
			sanitize.Line(s.RoomName), agMark(s) + " " + agStatusName(m, s.Status), agPayCell(l, s)}
	}
	p.table.SetRows(rows)
}

// agPayCell: the amount of a session's payment, "$" before it when paid.
func agPayCell(l *i18n.Locale, s store.Session) string {
	if s.Amount == nil {
		return ""
	}
	if s.Paid {
		return "$ " + l.Number(*s.Amount)
	}
	return l.Number(*s.Amount)
}

func (p *sessionsPage) Keys() []key.Binding {
	a := p.env.M.Agenda
	se := kit.Words(p.env, i18n.SessionsEditFor(p.env.L.Lang))
	return []key.Binding{kit.KeyShown("enter", a.KeyOpen, "enter"), kit.Key(a.KeyBook, "n"), kit.Key(a.KeyFilter, "f"),
		kit.Key(se.KeyByPatient, "p")}
}
