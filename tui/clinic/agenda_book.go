package clinic

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"

	"consultorio/store"
	"consultorio/tui/i18n"
	"consultorio/tui/kit"
	"consultorio/tui/sanitize"
)

// The booking form (PRODUCT.md §4, Session): first a patient search (type to
// search, ↑↓ and enter to choose), then the session's fields. On submit the
// booking is checked first (store.CheckBooking): clashing dates are listed,
// each with the next free slots of that specialist and room, and nothing is
// saved. The database's exclusion constraint is the final guard: when
// another booking wins the race, its error is shown the same way.

// bookingDefaults pre-fill the form (the agenda's cursor).
type bookingDefaults struct {
	start        time.Time
	specialistID int64
	roomID       int64
	patientID    int64
	patientName  string
}

type bookingPage struct {
	env   *kit.Env
	st    *kit.Stack
	specs []store.Specialist
	rooms []store.Room
	after func() tea.Cmd

	picker *patientPicker // while the patient is being chosen

	// form values (bound to the huh form; rebuilt from them after a failure)
	patientID   int64
	patientName string
	specID      int64
	roomID      int64
	date, clock string
	duration    string
	weekly      string
	extra       string
	prepaid     bool
	payMethod   string // how it was paid in advance
	payRef      string
	override    string // reason to book outside the availability (admin)
	patientBusy bool   // the store warned the patient has a session then
	overlapOK   bool   // …and the user confirmed

	form      *huh.Form
	saving    bool
	conflicts []store.DateConflict
	errText   string
	w, h      int
}

type bookResult struct {
	page      *bookingPage
	booked    []store.Session
	conflicts []store.DateConflict
	err       error
}

func newBookingPage(env *kit.Env, st *kit.Stack, specs []store.Specialist, rooms []store.Room, pre bookingDefaults, after func() tea.Cmd) *bookingPage {
	p := &bookingPage{env: env, st: st, specs: specs, rooms: rooms, after: after,
		patientID: pre.patientID, patientName: pre.patientName,
		specID: pre.specialistID, roomID: pre.roomID, weekly: "1"}
	if p.specID != 0 && !env.Actor.MayBook(p.specID) {
		p.specID = 0
	}
	for _, s := range specs {
		if p.specID == 0 && env.Actor.MayBook(s.ID) {
			p.specID = s.ID
		}
	}
	if p.specID == 0 && len(specs) > 0 {
		p.specID = specs[0].ID
	}
	if p.roomID == 0 {
		p.roomID = agRoomFor(rooms, p.specID)
	}
	start := pre.start
	if start.IsZero() {
		start = env.Now()
	}
	p.date = env.L.Date(start)
	p.clock = env.L.Time(start)
	if p.patientID == 0 {
		p.picker = newPatientPicker(env, st, env.M.Agenda.Book, func(pt store.Patient) tea.Cmd {
			p.patientID, p.patientName = pt.ID, pt.FullName()
			return p.startForm()
		})
	}
	return p
}

// agRoomFor is the first room assigned to the specialist, else the first room.
func agRoomFor(rooms []store.Room, specID int64) int64 {
	for _, r := range rooms {
		for _, id := range r.SpecialistIDs {
			if id == specID {
				return r.ID
			}
		}
	}
	if len(rooms) > 0 {
		return rooms[0].ID
	}
	return 0
}

func (p *bookingPage) Title() string   { return p.env.M.Agenda.Book }
func (p *bookingPage) Capturing() bool { return true }

func (p *bookingPage) Init() tea.Cmd {
	if p.picker != nil {
		return p.picker.Init()
	}
	return p.startForm()
}

func (p *bookingPage) startForm() tea.Cmd {
	p.picker = nil
	p.form = p.buildForm()
	if p.w > 0 {
		p.form.WithWidth(min(p.w-2, 100))
	}
	return p.env.StartForm(p.form)
}

func (p *bookingPage) buildForm() *huh.Form {
	m, l := p.env.M, p.env.L
	a := m.Agenda
	var specOpts []huh.Option[int64]
	for _, s := range p.specs {
		if !p.env.Actor.MayBook(s.ID) {
			continue
		}
		specOpts = append(specOpts, huh.NewOption(sanitize.Line(s.FullName()), s.ID))
	}
	var roomOpts []huh.Option[int64]
	for _, r := range p.rooms {
		roomOpts = append(roomOpts, huh.NewOption(sanitize.Line(r.Name), r.ID))
	}
	dateOK := func(s string) error {
		if _, err := l.ParseDate(s); err != nil {
			return fmt.Errorf(a.BadDate, l.DateHint())
		}
		return nil
	}
	clockOK := func(s string) error {
		if _, ok := agParseClock(s); !ok {
			return errors.New(a.BadTime)
		}
		return nil
	}
	numOK := func(s string) error {
		if _, ok := agParseInt(s, 0); !ok {
			return errors.New(a.BadNumber)
		}
		return nil
	}
	extraOK := func(s string) error {
		_, err := p.parseExtra(s, time.Hour)
		return err
	}
	// Inline pickers (← →) keep the first page within 80x24 however many
	// specialists and rooms the clinic has.
	first := []huh.Field{
		huh.NewNote().Title(a.Patient + ": " + sanitize.Line(p.patientName)),
		huh.NewSelect[int64]().Title(a.Specialist).Options(specOpts...).Value(&p.specID).Inline(true),
		huh.NewSelect[int64]().Title(a.Room).Options(roomOpts...).Value(&p.roomID).Inline(true),
		huh.NewInput().Title(fmt.Sprintf(a.Date, l.DateHint())).Value(&p.date).Validate(dateOK),
		huh.NewInput().Title(a.Time).Placeholder(a.TimeHint).Value(&p.clock).Validate(clockOK),
	}
	second := []huh.Field{
		huh.NewInput().Title(a.Duration).Placeholder(a.DurationHint).Value(&p.duration).Validate(numOK),
	}
	if p.env.Actor.MayWritePayments() {
		second = append(second, huh.NewConfirm().Title(a.PaidInAdvance).Affirmative(m.Login.Yes).
			Negative(m.Login.No).Value(&p.prepaid).WithButtonAlignment(lipgloss.Left))
	}
	second = append(second,
		huh.NewInput().Title(a.WeeklyCount).Placeholder(a.WeeklyHint).Value(&p.weekly).Validate(numOK),
		huh.NewInput().Title(a.ExtraDates).Description(fmt.Sprintf(a.ExtraDatesHint, l.DateHint())).
			Value(&p.extra).Validate(extraOK))
	if p.patientBusy {
		second = append(second, huh.NewConfirm().Title(m.Availability.PatientBusyOK).Affirmative(m.Login.Yes).
			Negative(m.Login.No).Value(&p.overlapOK).WithButtonAlignment(lipgloss.Left))
	}
	groups := []*huh.Group{huh.NewGroup(first...), huh.NewGroup(second...)}
	if p.env.Actor.MayWritePayments() {
		// Paid in advance: how (its own page, shown only then).
		se := i18n.SessionsEditFor(l.Lang)
		if p.payMethod == "" {
			p.payMethod = store.MethodCash
		}
		var methods []huh.Option[string]
		for _, x := range store.PaymentMethods() {
			methods = append(methods, huh.NewOption(agMethodName(m, x), x))
		}
		groups = append(groups, huh.NewGroup(
			huh.NewSelect[string]().Title(se.PaidHow).Options(methods...).Value(&p.payMethod),
			huh.NewInput().Title(se.Reference).Value(&p.payRef).CharLimit(200)).
			WithHideFunc(func() bool { return !p.prepaid }))
	}
	// Only after a refusal for availability does an admin get the override
	// (a third page): it is an exception, not a field to fill every time.
	if p.env.Actor.MayOverrideAvailability() && (p.override != "" || agAnyUnavailable(p.conflicts)) {
		groups = append(groups, huh.NewGroup(huh.NewInput().Title(m.Availability.Override).
			Description(m.Availability.OverrideHint).Value(&p.override).CharLimit(500)))
	}
	return kit.NewForm(m, groups...)
}

// parseExtra reads "date [HH:MM], date [HH:MM]…"; a date without a time
// takes the booking's time (clock).
func (p *bookingPage) parseExtra(s string, clock time.Duration) ([]time.Time, error) {
	l, a := p.env.L, p.env.M.Agenda
	var out []time.Time
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		f := strings.Fields(part)
		d, err := l.ParseDate(f[0])
		if err != nil {
			return nil, i18n.InputError(fmt.Sprintf(a.BadDate, l.DateHint()))
		}
		c := clock
		if len(f) > 1 {
			var ok bool
			if c, ok = agParseClock(f[1]); !ok {
				return nil, i18n.InputError(a.BadTime)
			}
		}
		out = append(out, agAt(d, c))
	}
	return out, nil
}

// agAt is the wall-clock time c on the calendar day d (in d's location).
func agAt(d time.Time, c time.Duration) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, int(c/time.Minute), 0, 0, d.Location())
}

// booking builds the store's request from the form's values.
func (p *bookingPage) booking() (store.Booking, error) {
	d, err := p.env.L.ParseDate(p.date)
	if err != nil {
		return store.Booking{}, err
	}
	c, _ := agParseClock(p.clock)
	dur, _ := agParseInt(p.duration, 0)
	weekly, _ := agParseInt(p.weekly, 1)
	extra, err := p.parseExtra(p.extra, c)
	if err != nil {
		return store.Booking{}, err
	}
	return store.Booking{PatientID: p.patientID, SpecialistID: p.specID, RoomID: p.roomID,
		Start: agAt(d, c), DurationMin: dur, PaidInAdvance: p.prepaid, OverrideReason: p.override, PatientOverlapOK: p.overlapOK,
		Repeat: store.Repeat{WeeklyCount: weekly, ExtraDates: extra}, Payment: p.payment()}, nil
}

// payment is how the session was paid in advance (nil: not paid).
func (p *bookingPage) payment() *store.PaymentInput {
	if !p.prepaid {
		return nil
	}
	return &store.PaymentInput{Method: p.payMethod, Reference: p.payRef}
}

// save checks, then books. Clashes found by the check and clashes the
// database reports (a concurrent booking won) come back the same way: per
// date, with free slots.
func (p *bookingPage) save() tea.Cmd {
	b, err := p.booking()
	if err != nil {
		p.errText = p.env.ErrorText(err)
		return p.startForm()
	}
	p.saving, p.errText, p.conflicts = true, "", nil
	env := p.env
	return env.Do(func(ctx context.Context) tea.Msg {
		res := bookResult{page: p}
		res.conflicts, res.err = env.Tenant.CheckBooking(ctx, env.Actor, b)
		if res.err != nil || len(res.conflicts) > 0 {
			return res
		}
		res.booked, res.err = env.Tenant.BookSession(ctx, env.Actor, b)
		res.conflicts, res.err = AgConflictsOf(b.Start, res.err)
		return res
	})
}

// agAnyUnavailable tells whether some conflict is with the availability.
func agAnyUnavailable(conflicts []store.DateConflict) bool {
	for _, c := range conflicts {
		if c.Overlap != nil && c.Overlap.Unavailable() {
			return true
		}
	}
	return false
}

// agConflictsOf turns the store's clash errors into per-date conflicts: a
// *BookingConflicts has one per date; a single *OverlapError carries its own
// free slots (computed by the store with the rules of its check). Other
// errors pass through.
func AgConflictsOf(start time.Time, err error) ([]store.DateConflict, error) {
	var bc *store.BookingConflicts
	if errors.As(err, &bc) {
		return bc.Dates, nil
	}
	var oe *store.OverlapError
	if errors.As(err, &oe) {
		return []store.DateConflict{{Start: start, Overlap: oe, FreeSlots: oe.FreeSlots}}, nil
	}
	return nil, err
}

func (p *bookingPage) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case bookResult:
		if msg.page != p {
			return nil
		}
		p.saving = false
		if msg.err != nil || len(msg.conflicts) > 0 {
			var pb *store.PatientBusyError
			if errors.As(msg.err, &pb) {
				p.patientBusy = true
			}
			p.conflicts = msg.conflicts
			p.errText = p.env.ErrorText(msg.err)
			return p.startForm()
		}
		var cmd tea.Cmd
		if p.st.Top() == kit.Page(p) {
			cmd = p.st.Pop()
		}
		p.env.Info(fmt.Sprintf(p.env.M.Agenda.Booked, len(msg.booked)))
		if p.after != nil {
			cmd = tea.Batch(cmd, p.after())
		}
		return cmd
	case tea.WindowSizeMsg:
		p.w, p.h = msg.Width, msg.Height
		if p.picker != nil {
			return p.picker.Update(msg)
		}
		if p.form != nil {
			p.form.WithWidth(min(p.w-2, 100))
			return kit.UpdateForm(p.form, tea.WindowSizeMsg{Width: min(p.w-2, 100), Height: max(p.h-3, 3)})
		}
		return nil
	}
	if p.picker != nil {
		return p.picker.Update(msg)
	}
	if p.form == nil || p.saving || p.form.State != huh.StateNormal {
		return nil
	}
	cmd := kit.UpdateForm(p.form, msg)
	switch p.form.State {
	case huh.StateAborted:
		return tea.Batch(cmd, p.st.Pop())
	case huh.StateCompleted:
		return tea.Batch(cmd, p.save())
	}
	return cmd
}

func (p *bookingPage) View(w, h int) string {
	st, m := p.env.Styles(), p.env.M
	if p.picker != nil {
		return p.picker.View(w, h)
	}
	var b strings.Builder
	if c := p.conflictView(w); c != "" {
		b.WriteString(c + "\n")
	}
	if p.errText != "" {
		wrapped := lipgloss.NewStyle().Width(max(w-4, 10)).Render("✗ " + sanitize.Line(p.errText))
		b.WriteString(kit.Indent(st.Error.Render(wrapped), 1) + "\n")
	}
	if p.form != nil && p.form.State == huh.StateNormal {
		b.WriteString(kit.Indent(p.form.View(), 1))
	} else if p.saving {
		b.WriteString(" " + st.Muted.Render(m.Agenda.Checking))
	}
	return b.String()
}

// conflictView lists the clashing dates, each with its free slots.
func (p *bookingPage) conflictView(w int) string {
	if len(p.conflicts) == 0 {
		return ""
	}
	return agConflictText(p.env, p.conflicts, w)
}

// agConflictText renders clashes (booking and reschedule forms alike).
func agConflictText(env *kit.Env, conflicts []store.DateConflict, w int) string {
	st, a, l := env.Styles(), env.M.Agenda, env.L
	lines := []string{" " + st.Error.Render("✗ "+fmt.Sprintf(a.Conflicts, len(conflicts)))}
	for i, c := range conflicts {
		if i == 4 {
			lines = append(lines, "   …")
			break
		}
		res := a.ResSpecialist
		if c.Overlap != nil && c.Overlap.Resource == "room" {
			res = a.ResRoom
		}
		var line string
		if why := agUnavailableText(env, c.Overlap); why != "" {
			line = fmt.Sprintf(why, l.DateTime(c.Start))
		} else if c.Overlap != nil && c.Overlap.SessionID != 0 {
			line = fmt.Sprintf(a.ConflictLine, l.DateTime(c.Start), res, c.Overlap.SessionID,
				l.Time(c.Overlap.Start), l.Time(c.Overlap.End))
		} else {
			line = fmt.Sprintf(a.ConflictAny, l.DateTime(c.Start), res)
		}
		lines = append(lines, "   "+kit.Cell(line, max(w-4, 10), false))
		free := a.NoFreeSlots
		if len(c.FreeSlots) > 0 {
			parts := make([]string, len(c.FreeSlots))
			for j, s := range c.FreeSlots {
				parts[j] = l.DateTime(s)
			}
			free = fmt.Sprintf(a.FreeSlots, strings.Join(parts, ", "))
		}
		lines = append(lines, "     "+st.Info.Render(kit.Cell(free, max(w-6, 10), false)))
	}
	lines = append(lines, " "+st.Muted.Render(a.FixAndRetry))
	return strings.Join(lines, "\n")
}

// agUnavailableText is the sentence (with a %s for the date-time) for a
// conflict with the availability, "" for a clash with a session.
func agUnavailableText(env *kit.Env, ov *store.OverlapError) string {
	if ov == nil {
		return ""
	}
	return env.L.Unavailable(ov.Resource)
}

func (p *bookingPage) Keys() []key.Binding {
	if p.picker != nil {
		return p.picker.Keys()
	}
	return kit.FormKeys(p.form)
}
