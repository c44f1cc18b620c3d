package clinic

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"consultorio/store"
	"consultorio/tui/i18n"
	"consultorio/tui/kit"
	"consultorio/tui/sanitize"
)

// waitPage is the waiting list (front desk), opened from the notifications
// screen with w or from a freed-slot notice: who waits, for whom and when,
// and the slot freed for them, if any. n adds an entry, x removes one, b
// books the selected patient in one step — into the freed slot after a
// yes/no, else into a slot typed in a form — with the normal booking rules.
type waitPage struct {
	env    *kit.Env
	stack  *kit.Stack
	list   kit.Table
	rows   []store.WaitlistEntry
	offers map[int64]store.Notification // entry → the freed slot offered to it
	focus  int64                        // entry to select after loading (0: none)
	specs  []store.Specialist
	rooms  []store.Room
}

func newWaitPage(env *kit.Env, st *kit.Stack, focus int64) *waitPage {
	return &waitPage{env: env, stack: st, focus: focus, list: kit.Table{Empty: kit.Words(env, i18n.NotifyFor(env.L.Lang)).WaitEmpty, Marker: true}}
}

type waitLoaded struct {
	list   []store.WaitlistEntry
	offers map[int64]store.Notification
	specs  []store.Specialist
	rooms  []store.Room
	err    error
}

func (p *waitPage) words() *i18n.Notify { return kit.Words(p.env, i18n.NotifyFor(p.env.L.Lang)) }

func (p *waitPage) reload() tea.Cmd {
	env := p.env
	return env.Do(func(ctx context.Context) tea.Msg {
		var out waitLoaded
		if out.list, out.err = env.Tenant.ListWaitlist(ctx, env.Actor); out.err != nil {
			return out
		}
		notes, err := env.Tenant.ListNotifications(ctx, env.Actor, store.NotificationFilter{})
		if err != nil {
			out.err = err
			return out
		}
		out.offers = map[int64]store.Notification{}
		for _, n := range notes {
			if n.Type == store.NotifySlotFreed && n.WaitlistID != nil {
				if _, seen := out.offers[*n.WaitlistID]; !seen { // the newest
					out.offers[*n.WaitlistID] = n
				}
			}
		}
		if out.specs, out.err = env.Tenant.ListSpecialists(ctx, env.Actor, false); out.err != nil {
			return out
		}
		out.rooms, out.err = env.Tenant.ListRooms(ctx, env.Actor, false)
		return out
	})
}

func (p *waitPage) Title() string   { return p.words().WaitTitle }
func (p *waitPage) Init() tea.Cmd   { return p.reload() }
func (p *waitPage) Capturing() bool { return false }

func (p *waitPage) keyAdd() key.Binding    { return kit.Key(p.words().KeyAdd, "n") }
func (p *waitPage) keyRemove() key.Binding { return kit.Key(p.words().KeyRemove, "x") }
func (p *waitPage) keyBook() key.Binding   { return kit.Key(p.words().KeyBook, "b") }

func (p *waitPage) Keys() []key.Binding {
	return []key.Binding{kit.KeyShown("↑/↓", p.env.M.Admin.KeyMove, "up", "down"), p.keyBook(), p.keyAdd(), p.keyRemove()}
}

func (p *waitPage) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case waitLoaded:
		if msg.err != nil {
			p.env.Error(msg.err)
			return nil
		}
		p.rows, p.offers, p.specs, p.rooms = msg.list, msg.offers, msg.specs, msg.rooms
		w, l := p.words(), p.env.L
		rows := make([][]string, len(msg.list))
		for i, e := range msg.list {
			spec := w.AnySpecialist
			if e.SpecialistID != nil {
				spec = e.Specialist
			}
			slot := ""
			if o, ok := p.offers[e.ID]; ok && o.Data.Start != nil {
				slot = l.DateTime(*o.Data.Start)
			}
			rows[i] = []string{sanitize.Line(e.Patient), sanitize.Line(spec), l.DateTime(e.From), l.DateTime(e.Until),
				slot, sanitize.Line(e.Note)}
			if e.ID == p.focus {
				p.list.Cursor = i
			}
		}
		p.focus = 0
		p.list.SetRows(rows)
	case kit.ShownMsg:
		return p.reload()
	case kit.ChangedMsg:
		if msg.Touches("waitlist", "notification", "session") {
			return p.reload()
		}
	case tea.KeyPressMsg:
		if p.list.Move(msg.String()) {
			return nil
		}
		ok := p.list.Cursor < len(p.rows)
		switch {
		case key.Matches(msg, p.keyAdd()):
			return p.stack.Push(p.addPatient())
		case key.Matches(msg, p.keyRemove()) && ok:
			return p.stack.Push(p.confirmRemove(p.rows[p.list.Cursor]))
		case key.Matches(msg, p.keyBook()) && ok:
			e := p.rows[p.list.Cursor]
			if o, has := p.offers[e.ID]; has && o.SessionID != nil {
				return p.stack.Push(p.confirmBook(e, o))
			}
			return p.stack.Push(p.bookForm(e))
		}
	}
	return nil
}

func (p *waitPage) confirmRemove(e store.WaitlistEntry) *kit.FormPage {
	env, w := p.env, p.words()
	run := func(ctx context.Context) error { return env.Tenant.RemoveFromWaitlist(ctx, env.Actor, e.ID) }
	return kit.NewConfirmPage(p.stack, w.KeyRemove, fmt.Sprintf(w.ConfirmRemove, sanitize.Line(e.Patient)), "", run, w.Removed, p.reload)
}

// confirmBook books e into the slot freed for it, after a yes.
func (p *waitPage) confirmBook(e store.WaitlistEntry, o store.Notification) *kit.FormPage {
	env, w, d := p.env, p.words(), o.Data
	at := ""
	if d.Start != nil {
		at = env.L.DateTime(*d.Start)
	}
	q := fmt.Sprintf(w.ConfirmBook, sanitize.Line(e.Patient), at, sanitize.Line(d.Specialist), sanitize.Line(d.Room))
	run := func(ctx context.Context) error {
		_, err := env.Tenant.BookFromWaitlist(ctx, env.Actor, store.WaitlistBooking{EntryID: e.ID, FreedSessionID: *o.SessionID})
		return err
	}
	return kit.NewConfirmPage(p.stack, w.BookTitle, q, "", run, w.Booked, p.reload)
}

// parseWhen reads "YYYY-MM-DD HH:MM" in the clinic's time zone.
func parseWhen(l *i18n.Locale, s string) (time.Time, error) {
	return time.ParseInLocation("2006-01-02 15:04", strings.TrimSpace(s), l.Loc)
}

// bookForm books e into a slot typed by the desk (no slot was freed for it).
func (p *waitPage) bookForm(e store.WaitlistEntry) *kit.FormPage {
	env, w := p.env, p.words()
	in := store.WaitlistBooking{EntryID: e.ID}
	if e.SpecialistID != nil {
		in.SpecialistID = *e.SpecialistID
	}
	if len(p.rooms) > 0 {
		in.RoomID = p.rooms[0].ID
	}
	start := e.From.In(env.L.Loc).Format("2006-01-02 15:04")
	dur := ""
	build := func() *huh.Form {
		return kit.NewForm(env.M, huh.NewGroup(
			huh.NewSelect[int64]().Title(w.Specialist).Options(p.specOptions(false)...).Value(&in.SpecialistID).Inline(true),
			huh.NewSelect[int64]().Title(w.Room).Options(p.roomOptions()...).Value(&in.RoomID).Inline(true),
			huh.NewInput().Title(w.Start).Value(&start).Validate(func(s string) error {
				if _, err := parseWhen(env.L, s); err != nil {
					return errors.New(w.BadTime)
				}
				return nil
			}),
			huh.NewInput().Title(w.Duration).Description(w.DurationHint).Value(&dur).Validate(func(s string) error {
				if s == "" {
					return nil
				}
				if n, err := strconv.Atoi(strings.TrimSpace(s)); err != nil || n <= 0 {
					return errors.New(w.BadID)
				}
				return nil
			}),
		))
	}
	save := func(ctx context.Context) error {
		in.Start, _ = parseWhen(env.L, start)
		in.DurationMin, _ = strconv.Atoi(strings.TrimSpace(dur))
		_, err := env.Tenant.BookFromWaitlist(ctx, env.Actor, in)
		return err
	}
	return &kit.FormPage{Stack: p.stack, Name: w.BookTitle, Build: build, Save: save, Done: w.Booked, AfterSave: p.reload}
}

func (p *waitPage) specOptions(withAny bool) []huh.Option[int64] {
	var opts []huh.Option[int64]
	if withAny {
		opts = append(opts, huh.NewOption(p.words().AnySpecialist, int64(0)))
	}
	for _, s := range p.specs {
		opts = append(opts, huh.NewOption(sanitize.Line(s.FullName()), s.ID))
	}
	return opts
}

func (p *waitPage) roomOptions() []huh.Option[int64] {
	var opts []huh.Option[int64]
	for _, r := range p.rooms {
		opts = append(opts, huh.NewOption(sanitize.Line(r.Name), r.ID))
	}
	return opts
}

// addPatient finds the patient to put on the waiting list (part of a name,
// phone, document…), then opens the entry's form for that patient.
func (p *waitPage) addPatient() *patientPicker {
	return newPatientPicker(p.env, p.stack, p.words().AddTitle, func(pt store.Patient) tea.Cmd {
		return tea.Batch(p.stack.Pop(), p.stack.Push(p.addForm(pt)))
	})
}

// addForm puts the chosen patient on the waiting list.
func (p *waitPage) addForm(pt store.Patient) *kit.FormPage {
	env, w := p.env, p.words()
	in := store.WaitlistInput{PatientID: pt.ID}
	var from, until string
	build := func() *huh.Form {
		whenOK := func(s string) error {
			if _, err := parseWhen(env.L, s); err != nil {
				return errors.New(w.BadTime)
			}
			return nil
		}
		return kit.NewForm(env.M, huh.NewGroup(
			huh.NewNote().Title(w.Patient+": "+sanitize.Line(pt.FullName())),
			huh.NewSelect[int64]().Title(w.Specialist).Options(p.specOptions(true)...).Value(&in.SpecialistID).Inline(true),
			huh.NewInput().Title(w.From).Value(&from).Validate(whenOK),
			huh.NewInput().Title(w.Until).Value(&until).Validate(whenOK),
			huh.NewInput().Title(w.Note).Value(&in.Note).CharLimit(500),
		))
	}
	save := func(ctx context.Context) error {
		in.From, _ = parseWhen(env.L, from)
		in.Until, _ = parseWhen(env.L, until)
		_, err := env.Tenant.AddToWaitlist(ctx, env.Actor, in)
		return err
	}
	return &kit.FormPage{Stack: p.stack, Name: w.AddTitle, Build: build, Save: save, Done: w.Added, AfterSave: p.reload}
}

func (p *waitPage) View(w, h int) string {
	words := p.words()
	p.list.Cols = []kit.Column{{Title: words.ColPatient}, {Title: words.ColSpecialist, Width: 12},
		{Title: words.ColFrom, Width: 16}, {Title: words.ColUntil, Width: 16}, {Title: words.ColSlot, Width: 16}}
	if w >= 100 { // the note fits beside the rest
		p.list.Cols[1].Width = 16
		p.list.Cols = append(p.list.Cols, kit.Column{Title: words.ColNote})
	}
	st := p.env.Styles()
	return " " + st.Title.Render(p.Title()) + "\n\n" + p.list.View(st, w, h-2)
}
