package clinic

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"
	"github.com/shopspring/decimal"

	"consultorio/store"
	"consultorio/tui/i18n"
	"consultorio/tui/kit"
	"consultorio/tui/sanitize"
)

// A session's page, opened from the agenda, the sessions list and the
// payments list: its data, its payment and payment log, and the actions the
// actor's role allows on it (edit plan, complete, cancel, reschedule,
// reopen, mark paid / unpaid). The store enforces the same rules.

type sessionPage struct {
	env *kit.Env
	st  *kit.Stack
	id  int64

	s       store.Session
	pay     *store.Payment
	log     []store.PaymentLogEntry
	loaded  bool
	showLog bool
}

type sessionLoaded struct {
	id  int64
	s   store.Session
	pay *store.Payment
	log []store.PaymentLogEntry
	err error
}

func newSessionPage(env *kit.Env, st *kit.Stack, id int64) *sessionPage {
	return &sessionPage{env: env, st: st, id: id}
}

func (p *sessionPage) Title() string {
	return fmt.Sprintf(p.env.M.Sessions.Session, p.id)
}
func (p *sessionPage) Capturing() bool { return false }
func (p *sessionPage) Init() tea.Cmd   { return p.reload() }

func (p *sessionPage) reload() tea.Cmd {
	env, id := p.env, p.id
	return env.Do(func(ctx context.Context) tea.Msg {
		out := sessionLoaded{id: id}
		if out.s, out.err = env.Tenant.GetSession(ctx, env.Actor, id); out.err != nil {
			return out
		}
		if out.s.PaymentID != nil {
			pay, err := env.Tenant.GetPayment(ctx, env.Actor, id)
			if err != nil {
				out.err = err
				return out
			}
			out.pay = &pay
		}
		out.log, out.err = env.Tenant.PaymentLog(ctx, env.Actor, id)
		return out
	})
}

func (p *sessionPage) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case sessionLoaded:
		if msg.id != p.id {
			return nil
		}
		if msg.err != nil {
			p.env.Error(msg.err)
			return nil
		}
		p.s, p.pay, p.log, p.loaded = msg.s, msg.pay, msg.log, true
	case sessionEditLoaded:
		if msg.p != p {
			return nil
		}
		if msg.err != nil {
			p.env.Error(msg.err)
			return nil
		}
		return p.st.Push(p.editPage(msg.specs, msg.rooms))
	case kit.ChangedMsg:
		if p.st.Top() == kit.Page(p) && msg.Touches("session", "payment") {
			return p.reload()
		}
	case kit.ShownMsg:
		if p.st.Top() == kit.Page(p) {
			return p.reload()
		}
	case tea.KeyPressMsg:
		if !p.loaded {
			return nil
		}
		for _, a := range p.actions() {
			if key.Matches(msg, a.key) {
				return a.run()
			}
		}
	}
	return nil
}

// sessionAction is one key of the page.
type sessionAction struct {
	key key.Binding
	run func() tea.Cmd
}

// actions are the ones the actor's role and the session's status allow.
func (p *sessionPage) actions() []sessionAction {
	m := p.env.M.Sessions
	a := p.env.Actor
	s := p.s
	records, schedules, pays := a.MayRecord(s.SpecialistID), a.MayBook(s.SpecialistID), a.MayWritePayments()
	var out []sessionAction
	add := func(help, k string, run func() tea.Cmd) {
		out = append(out, sessionAction{kit.Key(help, k), run})
	}
	if !s.Final() && records {
		add(m.KeyComplete, "c", func() tea.Cmd { return p.st.Push(p.completePage()) })
		add(m.KeyPlan, "e", func() tea.Cmd { return p.st.Push(p.planPage()) })
	}
	if !s.Final() && schedules {
		add(m.KeyReschedule, "r", func() tea.Cmd { return p.st.Push(p.reschedulePage()) })
		add(m.KeyCancel, "x", func() tea.Cmd { return p.st.Push(p.cancelPage()) })
	}
	if pays && !(s.Status == store.SessionCancelled && s.PaymentID == nil) && !s.Paid {
		add(m.KeyPaid, "p", func() tea.Cmd { return p.st.Push(p.paidPage()) })
	}
	if pays && s.Paid {
		add(m.KeyUnpaid, "u", func() tea.Cmd { return p.st.Push(p.unpaidPage()) })
	}
	if a.MayReopen() && s.Status == store.SessionCompleted {
		add(m.KeyReopen, "o", func() tea.Cmd { return p.st.Push(p.reopenPage()) })
	}
	add(m.KeyLog, "l", func() tea.Cmd { p.showLog = !p.showLog; return nil })
	if !s.Final() && schedules { // last: the help line cuts from the end
		add(p.se().KeyEdit, "m", p.loadEdit)
	}
	return out
}

func (p *sessionPage) Keys() []key.Binding {
	if !p.loaded {
		return nil
	}
	var keys []key.Binding
	for _, a := range p.actions() {
		keys = append(keys, a.key)
	}
	return keys
}

// done is what every action runs after saving: reload this page.
func (p *sessionPage) done() tea.Cmd { return p.reload() }

func (p *sessionPage) View(w, h int) string {
	st, m, l := p.env.Styles(), p.env.M.Sessions, p.env.L
	if !p.loaded {
		return ""
	}
	s := p.s
	lw := 14
	row := func(label, value string) string {
		return " " + st.Label.Render(kit.Cell(label, lw, false)) + kit.Cell(value, max(w-lw-2, 10), false)
	}
	lines := []string{" " + st.Title.Render(fmt.Sprintf(m.Session, s.ID)) + "  " +
		agMark(s) + " " + agStatusName(p.env.M, s.Status)}
	lines = append(lines,
		row(m.Patient, sanitize.Line(s.PatientName)),
		row(m.Specialist, sanitize.Line(s.SpecialistName)),
		row(m.Room, sanitize.Line(s.RoomName)),
		row(m.When, l.LongDate(s.StartsAt)+" "+l.Time(s.StartsAt)+"–"+l.Time(s.EndsAt)+
			" ("+fmt.Sprintf(m.Duration, s.DurationMin)+")"))
	if s.Status == store.SessionCancelled {
		reason := agReasonName(p.env.M, s.CancelReason)
		if d := sanitize.Line(s.CancelDetail); d != "" {
			reason += " — " + d
		}
		lines = append(lines, row(m.Reason, reason))
	}
	if s.RescheduledTo != nil {
		lines = append(lines, " "+st.Muted.Render(fmt.Sprintf(m.Rescheduled, *s.RescheduledTo)))
	}
	if s.RescheduledFrom != nil {
		lines = append(lines, " "+st.Muted.Render(fmt.Sprintf(m.RescheduledF, *s.RescheduledFrom)))
	}
	if s.SeriesID != nil {
		lines = append(lines, " "+st.Muted.Render(fmt.Sprintf(p.se().InSeries, *s.SeriesID)))
	}
	for _, f := range []struct{ label, v string }{
		{m.Objective, s.Objective}, {m.Activity, s.Activity}, {m.Materials, s.Materials}, {m.Observation, s.Observation},
	} {
		if strings.TrimSpace(f.v) != "" {
			lines = append(lines, row(f.label, sanitize.Line(strings.ReplaceAll(f.v, "\n", " ⏎ "))))
		}
	}
	lines = append(lines, row(m.Payment, p.paymentText()))
	if p.showLog {
		lines = append(lines, "", " "+st.Subtitle.Render(m.Log))
		if len(p.log) == 0 {
			lines = append(lines, "  "+st.Muted.Render(m.LogEmpty))
		}
		for _, e := range p.log {
			lines = append(lines, "  "+fmt.Sprintf(m.LogLine, l.DateTime(e.CreatedAt), agLogAction(p.env, e.Action),
				l.Money(e.Amount), agMethodName(p.env.M, e.Method), sanitize.Line(e.UserName)))
		}
	}
	return strings.Join(lines, "\n")
}

func (p *sessionPage) paymentText() string {
	m, l := p.env.M.Sessions, p.env.L
	var text string
	switch {
	case p.pay == nil:
		text = m.NoPayment
	case p.pay.Paid:
		date := ""
		if p.pay.PaidOn != nil {
			date = p.pay.PaidOn.Format(l.DateLayout())
		}
		text = "$ " + fmt.Sprintf(m.PaidOn, l.Money(p.pay.Amount), date, agMethodName(p.env.M, p.pay.Method))
		if r := sanitize.Line(p.pay.Reference); r != "" {
			text += " · " + r
		}
	default:
		text = fmt.Sprintf(m.Unpaid, l.Money(p.pay.Amount))
	}
	if p.s.PaidInAdvance {
		text += " · " + m.PaidAdvance
	}
	return text
}

func agLogAction(env *kit.Env, action string) string {
	m := env.M.Sessions
	switch action {
	case "created":
		return m.LogCreated
	case "paid":
		return m.LogPaid
	case "unpaid":
		return m.LogUnpaid
	case "moved":
		return m.LogMoved
	case "refunded":
		return kit.Words(env, i18n.SessionsEditFor(env.L.Lang)).LogRefunded
	case "credited":
		return kit.Words(env, i18n.SessionsEditFor(env.L.Lang)).LogCredited
	}
	return sanitize.Line(action)
}

// ---- action pages ----

func (p *sessionPage) planPage() *kit.FormPage {
	m := p.env.M
	plan := store.Plan{Objective: p.s.Objective, Activity: p.s.Activity, Materials: p.s.Materials}
	env, id := p.env, p.id
	return &kit.FormPage{Stack: p.st, Name: m.Sessions.EditPlan, Done: m.Sessions.Planned, AfterSave: p.done,
		Build: func() *huh.Form {
			return kit.NewForm(m, huh.NewGroup(
				kit.NewText().Title(m.Sessions.Objective).Value(&plan.Objective).Lines(2),
				kit.NewText().Title(m.Sessions.Activity).Value(&plan.Activity).Lines(2),
				kit.NewText().Title(m.Sessions.Materials).Value(&plan.Materials).Lines(2)))
		},
		Save: func(ctx context.Context) error {
			_, err := env.Tenant.UpdateSessionPlan(ctx, env.Actor, id, plan)
			return err
		}}
}

func (p *sessionPage) completePage() *kit.FormPage {
	m := p.env.M
	var obs string
	env, id := p.env, p.id
	return &kit.FormPage{Stack: p.st, Name: m.Sessions.Complete, Done: m.Sessions.Completed, AfterSave: p.done,
		Build: func() *huh.Form {
			return kit.NewForm(m, huh.NewGroup(kit.NewText().Title(m.Sessions.Observation).Value(&obs).Lines(4).
				Validate(func(s string) error {
					if strings.TrimSpace(s) == "" {
						return errors.New(m.Sessions.ObservationReq)
					}
					return nil
				})))
		},
		Save: func(ctx context.Context) error {
			_, err := env.Tenant.CompleteSession(ctx, env.Actor, id, obs)
			return err
		}}
}

func (p *sessionPage) cancelPage() *kit.FormPage {
	m, se := p.env.M, p.se()
	in := store.SessionCancel{Reason: store.CancelPatient, Scope: store.ScopeThis}
	var opts []huh.Option[string]
	for _, r := range store.CancelReasons() {
		opts = append(opts, huh.NewOption(agReasonName(m, r), r))
	}
	// A session of a series asks which ones; one paid in advance asks what
	// becomes of the payment (the store refuses to guess).
	prepaid := p.s.PaidInAdvance && p.s.Paid
	if prepaid {
		in.Prepaid = store.PrepaidCredit
	}
	env, id := p.env, p.id
	return &kit.FormPage{Stack: p.st, Name: m.Sessions.Cancel, Done: m.Sessions.Cancelled, AfterSave: p.done,
		Build: func() *huh.Form {
			fields := []huh.Field{
				huh.NewSelect[string]().Title(m.Sessions.CancelReason).Options(opts...).Value(&in.Reason),
				huh.NewInput().Title(m.Sessions.CancelDetail).Value(&in.Detail).CharLimit(1000)}
			if p.s.SeriesID != nil {
				fields = append(fields, p.scopeField(&in.Scope))
			}
			if prepaid {
				fields = append(fields, huh.NewSelect[string]().Title(se.PrepaidTitle).Options(
					huh.NewOption(se.PrepaidCredit, store.PrepaidCredit), huh.NewOption(se.PrepaidRefund, store.PrepaidRefund),
					huh.NewOption(se.PrepaidKeep, store.PrepaidKeep)).Value(&in.Prepaid))
			}
			return kit.NewForm(m, huh.NewGroup(fields...))
		},
		Save: func(ctx context.Context) error {
			_, err := env.Tenant.CancelSessions(ctx, env.Actor, id, in)
			return err
		}}
}

// se is the words of the session changes of issue 13.
func (p *sessionPage) se() *i18n.SessionsEdit {
	return kit.Words(p.env, i18n.SessionsEditFor(p.env.L.Lang))
}

// scopeField asks which sessions of the series a move or a cancellation
// covers.
func (p *sessionPage) scopeField(scope *string) huh.Field {
	se := p.se()
	return huh.NewSelect[string]().Title(se.ScopeTitle).Options(huh.NewOption(se.ScopeThis, store.ScopeThis),
		huh.NewOption(se.ScopeFollowing, store.ScopeFollowing), huh.NewOption(se.ScopeAll, store.ScopeAll)).Value(scope)
}

// sessionEditLoaded brings the specialists and rooms the edit form offers.
type sessionEditLoaded struct {
	p     *sessionPage
	specs []store.Specialist
	rooms []store.Room
	err   error
}

func (p *sessionPage) loadEdit() tea.Cmd {
	env := p.env
	return env.Do(func(ctx context.Context) tea.Msg {
		out := sessionEditLoaded{p: p}
		if out.specs, out.err = env.Tenant.ListSpecialists(ctx, env.Actor, false); out.err != nil {
			return out
		}
		out.rooms, out.err = env.Tenant.ListRooms(ctx, env.Actor, false)
		return out
	})
}

// editPage changes the specialist, room or duration; a clash comes back
// from the store with the next free slots, shown under the form.
func (p *sessionPage) editPage(specs []store.Specialist, rooms []store.Room) *kit.FormPage {
	m, se := p.env.M, p.se()
	spec, room, dur := p.s.SpecialistID, p.s.RoomID, fmt.Sprint(p.s.DurationMin)
	specOpts := []huh.Option[int64]{huh.NewOption(sanitize.Line(p.s.SpecialistName), p.s.SpecialistID)}
	for _, x := range specs {
		if x.ID != p.s.SpecialistID && p.env.Actor.MayBook(x.ID) {
			specOpts = append(specOpts, huh.NewOption(sanitize.Line(x.FullName()), x.ID))
		}
	}
	roomOpts := []huh.Option[int64]{huh.NewOption(sanitize.Line(p.s.RoomName), p.s.RoomID)}
	for _, r := range rooms {
		if r.ID != p.s.RoomID {
			roomOpts = append(roomOpts, huh.NewOption(sanitize.Line(r.Name), r.ID))
		}
	}
	env, id := p.env, p.id
	return &kit.FormPage{Stack: p.st, Name: fmt.Sprintf(se.EditTitle, id), Done: se.Saved, AfterSave: p.done,
		Build: func() *huh.Form {
			return kit.NewForm(m, huh.NewGroup(
				huh.NewSelect[int64]().Title(se.Specialist).Options(specOpts...).Value(&spec),
				huh.NewSelect[int64]().Title(se.Room).Options(roomOpts...).Value(&room),
				huh.NewInput().Title(se.Duration).Placeholder(se.DurationHint).Value(&dur).Validate(func(x string) error {
					if n, ok := agParseInt(x, 0); !ok || n < 5 || n > 720 {
						return errors.New(se.DurationHint)
					}
					return nil
				})))
		},
		Save: func(ctx context.Context) error {
			n, _ := agParseInt(dur, 0)
			_, err := env.Tenant.EditSession(ctx, env.Actor, id, store.SessionEdit{SpecialistID: spec, RoomID: room, DurationMin: n})
			return err
		}}
}

func (p *sessionPage) reopenPage() *kit.FormPage {
	m := p.env.M
	env, id := p.env, p.id
	return kit.NewConfirmPage(p.st, m.Sessions.Reopen, fmt.Sprintf(m.Sessions.ReopenQ, id), "",
		func(ctx context.Context) error {
			_, err := env.Tenant.ReopenSession(ctx, env.Actor, id)
			return err
		}, m.Sessions.Reopened, p.done)
}

func (p *sessionPage) unpaidPage() *kit.FormPage {
	m := p.env.M
	env, id := p.env, p.id
	return kit.NewConfirmPage(p.st, m.Sessions.MarkUnpaid, fmt.Sprintf(m.Sessions.MarkUnpaidQ, id), "",
		func(ctx context.Context) error {
			_, err := env.Tenant.MarkUnpaid(ctx, env.Actor, id)
			return err
		}, m.Sessions.MarkedUnpd, p.done)
}

// agPaidForm is the mark-paid form of a session (also used by the
// payments list).
func agPaidForm(env *kit.Env, st *kit.Stack, id int64, amount *decimal.Decimal, after func() tea.Cmd) *kit.FormPage {
	m, l := env.M, env.L
	amt := ""
	if amount != nil {
		amt = kit.MoneyText(env, *amount)
	}
	method, ref, date := store.MethodCash, "", l.Date(env.Now())
	var opts []huh.Option[string]
	for _, x := range store.PaymentMethods() {
		opts = append(opts, huh.NewOption(agMethodName(m, x), x))
	}
	return &kit.FormPage{Stack: st, Name: m.Sessions.MarkPaid, Done: m.Sessions.MarkedPaid, AfterSave: after,
		Build: func() *huh.Form {
			return kit.NewForm(m, huh.NewGroup(
				huh.NewInput().Title(m.Sessions.Amount).Placeholder(m.Sessions.AmountHint).Value(&amt).
					Validate(kit.MoneyOK(env, true)),
				huh.NewSelect[string]().Title(m.Sessions.Method).Options(opts...).Value(&method),
				huh.NewInput().Title(m.Sessions.Reference).Value(&ref).CharLimit(200),
				huh.NewInput().Title(fmt.Sprintf(m.Sessions.PayDate, l.DateHint())).Value(&date).
					Validate(agDateOK(env, false))))
		},
		Save: func(ctx context.Context) error {
			in := store.PaymentInput{Method: method, Reference: ref}
			if strings.TrimSpace(amt) != "" {
				d, err := env.L.ReadMoney(amt)
				if err != nil {
					return err
				}
				in.Amount = &d
			}
			if d, err := l.ParseDate(date); err == nil {
				c := agCivil(d, l.Loc)
				in.Date = &c
			}
			_, err := env.Tenant.MarkPaid(ctx, env.Actor, id, in)
			return err
		}}
}

func (p *sessionPage) paidPage() *kit.FormPage {
	return agPaidForm(p.env, p.st, p.id, p.s.Amount, p.done)
}

// agDateOK validates a date typed in a form ("" allowed when optional).
func agDateOK(env *kit.Env, optional bool) func(string) error {
	return func(s string) error {
		if strings.TrimSpace(s) == "" && optional {
			return nil
		}
		if _, err := env.L.ParseDate(s); err != nil {
			return fmt.Errorf(env.M.Agenda.BadDate, env.L.DateHint())
		}
		return nil
	}
}

// reschedulePage moves the session: new date, time and room, plan copied on
// request. A clash shows the free slots, like the booking form.
func (p *sessionPage) reschedulePage() *agCheckedForm {
	m, l := p.env.M, p.env.L
	date, clock := l.Date(p.s.StartsAt), l.Time(p.s.StartsAt)
	room, copyPlan, scope := p.s.RoomID, true, store.ScopeThis
	env, id, s := p.env, p.id, p.s
	var rooms []huh.Option[int64]
	// The rooms come with the form's first build (env.Do): until then the
	// session's own room is the only choice.
	rooms = append(rooms, huh.NewOption(sanitize.Line(s.RoomName), s.RoomID))
	f := &agCheckedForm{st: p.st, name: m.Sessions.Reschedule, after: p.done}
	f.build = func() *huh.Form {
		fields := []huh.Field{
			huh.NewInput().Title(fmt.Sprintf(m.Sessions.NewDate, l.DateHint())).Value(&date).Validate(agDateOK(env, false)),
			huh.NewInput().Title(m.Sessions.NewTime).Value(&clock).Validate(func(x string) error {
				if _, ok := agParseClock(x); !ok {
					return errors.New(m.Agenda.BadTime)
				}
				return nil
			}),
			huh.NewSelect[int64]().Title(m.Sessions.NewRoom).Options(f.roomOpts(rooms)...).Value(&room).Inline(true),
			huh.NewConfirm().Title(m.Sessions.CopyPlan).Affirmative(m.Login.Yes).Negative(m.Login.No).
				Value(&copyPlan).WithButtonAlignment(lipgloss.Left)}
		if s.SeriesID != nil { // which sessions of the series
			fields = append(fields, p.scopeField(&scope))
		}
		return kit.NewForm(m, huh.NewGroup(fields...))
	}
	f.load = func(ctx context.Context) ([]store.Room, error) { return env.Tenant.ListRooms(ctx, env.Actor, false) }
	f.save = func(ctx context.Context) (string, []store.DateConflict, error) {
		d, _ := l.ParseDate(date)
		c, _ := agParseClock(clock)
		start := agAt(d, c)
		moved, err := env.Tenant.MoveSessions(ctx, env.Actor, id, store.SessionMove{Start: start, RoomID: room,
			CopyPlan: copyPlan, Scope: scope})
		if err == nil {
			return fmt.Sprintf(m.Sessions.Rescheduled2, l.DateTime(moved[0].StartsAt)), nil, nil
		}
		conflicts, err := AgConflictsOf(start, err)
		return "", conflicts, err
	}
	return f
}

// agCheckedForm is a form page whose save may come back with booking
// conflicts (shown per date with free slots above the form, which is
// rebuilt with what was typed). It loads the rooms for its picker first.
type agCheckedForm struct {
	st    *kit.Stack
	name  string
	build func() *huh.Form
	load  func(ctx context.Context) ([]store.Room, error)
	save  func(ctx context.Context) (string, []store.DateConflict, error)
	after func() tea.Cmd

	rooms     []store.Room
	form      *huh.Form
	saving    bool
	conflicts []store.DateConflict
	errText   string
	w, h      int
}

type agCheckedLoaded struct {
	f     *agCheckedForm
	rooms []store.Room
	err   error
}

type agCheckedSaved struct {
	f         *agCheckedForm
	done      string
	conflicts []store.DateConflict
	err       error
}

// roomOpts: the loaded rooms, or the fallback until they arrive.
func (f *agCheckedForm) roomOpts(fallback []huh.Option[int64]) []huh.Option[int64] {
	if len(f.rooms) == 0 {
		return fallback
	}
	out := append([]huh.Option[int64](nil), fallback...)
	for _, r := range f.rooms {
		if r.ID != fallback[0].Value {
			out = append(out, huh.NewOption(sanitize.Line(r.Name), r.ID))
		}
	}
	return out
}

func (f *agCheckedForm) Title() string   { return f.name }
func (f *agCheckedForm) Capturing() bool { return true }

func (f *agCheckedForm) Init() tea.Cmd {
	env := f.st.Env
	return env.Do(func(ctx context.Context) tea.Msg {
		rooms, err := f.load(ctx)
		return agCheckedLoaded{f: f, rooms: rooms, err: err}
	})
}

func (f *agCheckedForm) start() tea.Cmd {
	f.form = f.build()
	if f.w > 0 {
		f.form.WithWidth(min(f.w-2, 100))
	}
	return f.st.Env.StartForm(f.form)
}

func (f *agCheckedForm) Update(msg tea.Msg) tea.Cmd {
	env := f.st.Env
	switch msg := msg.(type) {
	case agCheckedLoaded:
		if msg.f != f {
			return nil
		}
		if msg.err != nil {
			env.Error(msg.err)
		}
		f.rooms = msg.rooms
		return f.start()
	case agCheckedSaved:
		if msg.f != f {
			return nil
		}
		f.saving = false
		if msg.err != nil || len(msg.conflicts) > 0 {
			f.conflicts, f.errText = msg.conflicts, env.ErrorText(msg.err)
			return f.start()
		}
		var cmd tea.Cmd
		if f.st.Top() == kit.Page(f) {
			cmd = f.st.Pop()
		}
		env.Info(msg.done)
		if f.after != nil {
			cmd = tea.Batch(cmd, f.after())
		}
		return cmd
	case tea.WindowSizeMsg:
		f.w, f.h = msg.Width, msg.Height
		if f.form != nil {
			f.form.WithWidth(min(f.w-2, 100))
			return kit.UpdateForm(f.form, tea.WindowSizeMsg{Width: min(f.w-2, 100), Height: max(f.h-3, 3)})
		}
		return nil
	}
	if f.form == nil || f.saving || f.form.State != huh.StateNormal {
		if k, ok := msg.(tea.KeyPressMsg); ok && f.form == nil && k.String() == "esc" {
			return f.st.Pop()
		}
		return nil
	}
	cmd := kit.UpdateForm(f.form, msg)
	switch f.form.State {
	case huh.StateAborted:
		return tea.Batch(cmd, f.st.Pop())
	case huh.StateCompleted:
		f.saving, f.conflicts, f.errText = true, nil, ""
		return tea.Batch(cmd, env.Do(func(ctx context.Context) tea.Msg {
			done, conflicts, err := f.save(ctx)
			return agCheckedSaved{f: f, done: done, conflicts: conflicts, err: err}
		}))
	}
	return cmd
}

func (f *agCheckedForm) View(w, h int) string {
	env := f.st.Env
	st := env.Styles()
	var b strings.Builder
	if len(f.conflicts) > 0 {
		b.WriteString(agConflictText(env, f.conflicts, w) + "\n")
	}
	if f.errText != "" {
		wrapped := lipgloss.NewStyle().Width(max(w-4, 10)).Render("✗ " + sanitize.Line(f.errText))
		b.WriteString(kit.Indent(st.Error.Render(wrapped), 1) + "\n")
	}
	if f.form != nil && f.form.State == huh.StateNormal {
		b.WriteString(kit.Indent(f.form.View(), 1))
	}
	return b.String()
}

func (f *agCheckedForm) Keys() []key.Binding { return kit.FormKeys(f.form) }
