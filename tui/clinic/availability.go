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
	"consultorio/tui/kit"
	"consultorio/tui/sanitize"
)

// availabilityPage (opened from the agenda with "a") shows the clinic's
// week and closures and, for one specialist at a time (← →), their own
// hours and absences. Admins change the clinic's week and closures; admins
// and the specialist change the specialist's hours and absences. Everything
// it saves goes through the store's availability operations, the ones the
// `availability` commands call.
type availabilityPage struct {
	env   *kit.Env
	st    *kit.Stack
	specs []store.Specialist // the ones the actor may see
	spec  int                // index into specs

	clinic  store.ClinicAvailability
	special store.SpecialistAvailability
	loaded  bool
	table   kit.Table // the closures, then the absences
}

type availabilityLoaded struct {
	page    *availabilityPage
	clinic  store.ClinicAvailability
	special store.SpecialistAvailability
	err     error
}

func newAvailabilityPage(env *kit.Env, st *kit.Stack, specs []store.Specialist) *availabilityPage {
	p := &availabilityPage{env: env, st: st, table: kit.Table{Marker: true}}
	for _, s := range specs {
		if env.Actor.MaySeeSessionsOf(s.ID) {
			p.specs = append(p.specs, s)
		}
	}
	for i, s := range p.specs { // a specialist starts on themself
		if s.ID == env.Actor.SpecialistID {
			p.spec = i
		}
	}
	return p
}

func (p *availabilityPage) Title() string   { return p.env.M.Availability.Title }
func (p *availabilityPage) Init() tea.Cmd   { return p.reload() }
func (p *availabilityPage) Capturing() bool { return false }

func (p *availabilityPage) specID() int64 {
	if p.spec < len(p.specs) {
		return p.specs[p.spec].ID
	}
	return 0
}

func (p *availabilityPage) reload() tea.Cmd {
	env, id := p.env, p.specID()
	return env.Do(func(ctx context.Context) tea.Msg {
		res := availabilityLoaded{page: p}
		res.clinic, res.err = env.Tenant.ClinicAvailability(ctx, env.Actor)
		if res.err == nil && id != 0 {
			res.special, res.err = env.Tenant.SpecialistAvailabilityOf(ctx, env.Actor, id)
		}
		return res
	})
}

func (p *availabilityPage) keys() (move, spec, day, closure, hours, absence, del key.Binding) {
	m := p.env.M.Availability
	return kit.KeyShown("↑/↓", m.KeyMove, "up", "down", "pgup", "pgdown", "home", "end"), kit.KeyShown("←/→", m.KeySpecialist, "left", "right"),
		kit.Key(m.KeyDay, "e"), kit.Key(m.KeyClose, "c"), kit.Key(m.KeyHours, "h"), kit.Key(m.KeyAbsence, "a"),
		kit.Key(m.KeyDelete, "d")
}

func (p *availabilityPage) mayManageSpec() bool {
	return p.specID() != 0 && p.env.Actor.MayManageAvailabilityOf(p.specID())
}

func (p *availabilityPage) Keys() []key.Binding {
	move, spec, day, closure, hours, absence, del := p.keys()
	out := []key.Binding{move}
	if len(p.specs) > 1 {
		out = append(out, spec)
	}
	if p.env.Actor.MayManageClinic() {
		out = append(out, day, closure)
	}
	if p.mayManageSpec() {
		out = append(out, hours, absence)
	}
	if p.mayDelete() {
		out = append(out, del)
	}
	return out
}

// mayDelete: the selected item is one the actor may remove.
func (p *availabilityPage) mayDelete() bool {
	if c := p.table.Cursor; c < len(p.clinic.Closures) {
		return c >= 0 && p.env.Actor.MayManageClinic()
	}
	return p.table.Cursor < len(p.table.Rows) && p.mayManageSpec()
}

func (p *availabilityPage) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case availabilityLoaded:
		if msg.page != p {
			return nil
		}
		if msg.err != nil {
			p.env.Error(msg.err)
			return nil
		}
		p.clinic, p.special, p.loaded = msg.clinic, msg.special, true
		p.table.SetRows(p.rows())
	case kit.ShownMsg:
		return p.reload()
	case tea.KeyPressMsg:
		move, spec, day, closure, hours, absence, del := p.keys()
		switch {
		case key.Matches(msg, move):
			p.table.Move(msg.String())
		case key.Matches(msg, spec) && len(p.specs) > 1:
			if msg.String() == "left" {
				p.spec = (p.spec + len(p.specs) - 1) % len(p.specs)
			} else {
				p.spec = (p.spec + 1) % len(p.specs)
			}
			return p.reload()
		case key.Matches(msg, day) && p.env.Actor.MayManageClinic() && p.loaded:
			return p.st.Push(p.dayForm())
		case key.Matches(msg, closure) && p.env.Actor.MayManageClinic():
			return p.st.Push(p.closureForm())
		case key.Matches(msg, hours) && p.mayManageSpec():
			return p.st.Push(p.hoursForm())
		case key.Matches(msg, absence) && p.mayManageSpec():
			return p.st.Push(p.absenceForm())
		case key.Matches(msg, del) && p.loaded && p.mayDelete():
			return p.st.Push(p.deletePage())
		}
	}
	return nil
}

func (p *availabilityPage) dayName(iso int) string { return p.env.M.Dates.WeekdaysAbbr[iso%7] }

func (p *availabilityPage) rangesText(rs []store.TimeRange) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = r.Opens + "–" + r.Closes
	}
	return strings.Join(parts, ", ")
}

func (p *availabilityPage) closureText(c store.Closure) string {
	l := p.env.L
	// closures are calendar dates (UTC midnights): not converted to the zone
	when := c.FirstDay.Format(l.DateLayout())
	if !c.LastDay.Equal(c.FirstDay) {
		when += " – " + c.LastDay.Format(l.DateLayout())
	}
	if c.Reason != "" {
		when += "  " + sanitize.Line(c.Reason)
	}
	return when
}

func (p *availabilityPage) absenceText(a store.Absence) string {
	l := p.env.L
	s := l.DateTime(a.Start) + " – " + l.DateTime(a.End)
	if a.Reason != "" {
		s += "  " + sanitize.Line(a.Reason)
	}
	return s
}

func (p *availabilityPage) View(w, h int) string {
	if !p.loaded {
		return ""
	}
	st, m := p.env.Styles(), p.env.M.Availability
	head := []string{" " + st.Label.Render(m.Week)}
	var row []string
	for i, d := range p.clinic.Week {
		cell := p.dayName(d.Weekday) + " " + m.Closed
		if d.Open {
			cell = p.dayName(d.Weekday) + " " + d.Opens + "–" + d.Closes
			if d.Custom {
				cell += m.OwnHours
			}
		}
		row = append(row, kit.Cell(cell, 17, false))
		if len(row) == 4 || i == len(p.clinic.Week)-1 {
			head = append(head, "  "+strings.Join(row, " "))
			row = nil
		}
	}
	if len(p.specs) == 0 {
		head = append(head, " "+st.Label.Render(m.Specialist+": ")+st.Muted.Render(m.NoSpecialist))
	} else {
		arrows := ""
		if len(p.specs) > 1 {
			arrows = "‹ › "
		}
		head = append(head, " "+st.Label.Render(m.Specialist+": ")+arrows+sanitize.Line(p.specs[p.spec].FullName()))
		hours := m.ClinicHours
		if len(p.special.Hours) > 0 {
			var parts []string
			for d := 1; d <= 7; d++ {
				if rs := p.special.Hours[d]; len(rs) > 0 {
					parts = append(parts, p.dayName(d)+" "+p.rangesText(rs))
				}
			}
			hours = strings.Join(parts, " · ")
		}
		head = append(head, "  "+kit.Cell(m.Hours+": "+hours, max(w-3, 10), false))
	}
	// One list: the clinic's closures, then the specialist's absences; a
	// line says which of the two has none.
	var none []string
	if len(p.clinic.Closures) == 0 {
		none = append(none, m.NoClosures)
	}
	if len(p.specs) > 0 && len(p.special.Absences) == 0 {
		none = append(none, m.NoAbsences)
	}
	p.table.Cols = []kit.Column{{Title: m.ColKind, Width: 9}, {Title: m.From, Width: 16}, {Title: m.To, Width: 16},
		{Title: m.Reason, Min: 12}}
	p.table.Empty = strings.Join(none, " ")
	out := append(head, "")
	if len(p.table.Rows) > 0 && len(none) > 0 {
		out = append(out, "  "+st.Muted.Render(strings.Join(none, " ")))
	}
	return strings.Join(out, "\n") + "\n" + p.table.View(st, w, max(h-len(out), 3))
}

// rows are the closures' and the absences' cells, in that order.
func (p *availabilityPage) rows() [][]string {
	m, l := p.env.M.Availability, p.env.L
	var rows [][]string
	for _, c := range p.clinic.Closures { // calendar dates (UTC midnights): not converted to the zone
		rows = append(rows, []string{m.KindClosure, c.FirstDay.Format(l.DateLayout()), c.LastDay.Format(l.DateLayout()),
			sanitize.Line(c.Reason)})
	}
	if len(p.specs) > 0 {
		for _, a := range p.special.Absences {
			rows = append(rows, []string{m.KindAbsence, l.DateTime(a.Start), l.DateTime(a.End), sanitize.Line(a.Reason)})
		}
	}
	return rows
}

// ---- forms ----

func (p *availabilityPage) clockOK(s string) error {
	if _, err := time.Parse("15:04", strings.TrimSpace(s)); err != nil {
		return errors.New(p.env.M.Availability.BadTime)
	}
	return nil
}

func (p *availabilityPage) weekdayOptions() []huh.Option[int] {
	opts := make([]huh.Option[int], 7)
	for i := range opts {
		opts[i] = huh.NewOption(p.env.M.Dates.Weekdays[(i+1)%7], i+1)
	}
	return opts
}

func (p *availabilityPage) dayForm() *kit.FormPage {
	env, m := p.env, p.env.M.Availability
	h := p.clinic.Week[0]
	build := func() *huh.Form {
		return kit.NewForm(env.M, huh.NewGroup(
			huh.NewSelect[int]().Title(m.Weekday).Options(p.weekdayOptions()...).Value(&h.Weekday).Inline(true),
			huh.NewConfirm().Title(m.Open).Affirmative(env.M.Login.Yes).Negative(env.M.Login.No).Value(&h.Open).
				WithButtonAlignment(lipgloss.Left),
			huh.NewInput().Title(m.Opens).Value(&h.Opens).Validate(p.clockOK),
			huh.NewInput().Title(m.Closes).Value(&h.Closes).Validate(p.clockOK),
		))
	}
	save := func(ctx context.Context) error {
		_, err := env.Tenant.SetDayHours(ctx, env.Actor, h)
		return err
	}
	return &kit.FormPage{Stack: p.st, Name: m.KeyDay, Build: build, Save: save, Done: m.Saved, AfterSave: p.reload}
}

// parseWhen reads "date [HH:MM]" in the user's date format; a date alone is
// at clock.
func (p *availabilityPage) parseWhen(s string, clock time.Duration) (time.Time, error) {
	l, a := p.env.L, p.env.M.Agenda
	f := strings.Fields(s)
	if len(f) == 0 || len(f) > 2 {
		return time.Time{}, fmt.Errorf(a.BadDate, l.DateHint())
	}
	d, err := l.ParseDate(f[0])
	if err != nil {
		return time.Time{}, fmt.Errorf(a.BadDate, l.DateHint())
	}
	if len(f) == 2 {
		var ok bool
		if clock, ok = agParseClock(f[1]); !ok {
			return time.Time{}, errors.New(a.BadTime)
		}
	}
	return agAt(d, clock), nil
}

func (p *availabilityPage) closureForm() *kit.FormPage {
	env, m, l := p.env, p.env.M.Availability, p.env.L
	var from, to, reason string
	fp := &kit.FormPage{Stack: p.st, Name: m.KeyClose, Done: m.Saved, AfterSave: p.reload}
	dateOK := func(s string) error {
		if _, err := l.ParseDate(strings.TrimSpace(s)); err != nil {
			return fmt.Errorf(env.M.Agenda.BadDate, l.DateHint())
		}
		return nil
	}
	fp.Build = func() *huh.Form {
		return kit.NewForm(env.M, huh.NewGroup(
			huh.NewInput().Title(m.From).Description(l.DateHint()).Value(&from).Validate(dateOK),
			huh.NewInput().Title(m.To).Description(l.DateHint()).Value(&to).Validate(func(s string) error {
				if strings.TrimSpace(s) == "" {
					return nil
				}
				return dateOK(s)
			}),
			huh.NewInput().Title(m.Reason).Value(&reason).CharLimit(200),
		))
	}
	fp.Save = func(ctx context.Context) error {
		c := store.Closure{Reason: reason}
		c.FirstDay, _ = l.ParseDate(strings.TrimSpace(from))
		if strings.TrimSpace(to) != "" {
			c.LastDay, _ = l.ParseDate(strings.TrimSpace(to))
		}
		out, err := env.Tenant.AddClosure(ctx, env.Actor, c)
		if err == nil && out.BookedSessions > 0 {
			fp.Done = fmt.Sprintf(m.BookedThen, out.BookedSessions)
		}
		return err
	}
	return fp
}

func (p *availabilityPage) hoursForm() *kit.FormPage {
	env, m := p.env, p.env.M.Availability
	day, ranges := 1, p.rangesText(p.special.Hours[1])
	parse := func(s string) ([]store.TimeRange, error) {
		var out []store.TimeRange
		for _, part := range strings.Split(s, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			o, c, ok := strings.Cut(strings.ReplaceAll(part, "–", "-"), "-")
			if !ok || p.clockOK(o) != nil || p.clockOK(c) != nil {
				return nil, errors.New(m.BadRanges)
			}
			out = append(out, store.TimeRange{Opens: strings.TrimSpace(o), Closes: strings.TrimSpace(c)})
		}
		return out, nil
	}
	id := p.specID()
	build := func() *huh.Form {
		return kit.NewForm(env.M, huh.NewGroup(
			huh.NewSelect[int]().Title(m.Weekday).Options(p.weekdayOptions()...).Value(&day).Inline(true),
			huh.NewInput().Title(m.Ranges).Description(m.RangesHint).Value(&ranges).Validate(func(s string) error {
				_, err := parse(s)
				return err
			}),
		))
	}
	save := func(ctx context.Context) error {
		rs, _ := parse(ranges)
		_, err := env.Tenant.SetSpecialistHours(ctx, env.Actor, id, day, rs)
		return err
	}
	return &kit.FormPage{Stack: p.st, Name: m.KeyHours, Build: build, Save: save, Done: m.Saved, AfterSave: p.reload}
}

func (p *availabilityPage) absenceForm() *kit.FormPage {
	env, m, l := p.env, p.env.M.Availability, p.env.L
	var from, to, reason string
	id := p.specID()
	fp := &kit.FormPage{Stack: p.st, Name: m.KeyAbsence, Done: m.Saved, AfterSave: p.reload}
	whenOK := func(s string) error {
		_, err := p.parseWhen(s, 0)
		return err
	}
	hint := l.DateHint() + " HH:MM"
	fp.Build = func() *huh.Form {
		return kit.NewForm(env.M, huh.NewGroup(
			huh.NewInput().Title(m.From).Description(hint).Value(&from).Validate(whenOK),
			huh.NewInput().Title(m.To).Description(hint).Value(&to).Validate(whenOK),
			huh.NewInput().Title(m.Reason).Value(&reason).CharLimit(200),
		))
	}
	fp.Save = func(ctx context.Context) error {
		a := store.Absence{SpecialistID: id, Reason: reason}
		a.Start, _ = p.parseWhen(from, 0)
		a.End, _ = p.parseWhen(to, 24*time.Hour-time.Minute) // a date alone: the whole day
		out, err := env.Tenant.AddAbsence(ctx, env.Actor, a)
		if err == nil && out.BookedSessions > 0 {
			fp.Done = fmt.Sprintf(m.BookedThen, out.BookedSessions)
		}
		return err
	}
	return fp
}

func (p *availabilityPage) deletePage() *kit.FormPage {
	env, m := p.env, p.env.M.Availability
	if i := p.table.Cursor; i < len(p.clinic.Closures) {
		c := p.clinic.Closures[i]
		return kit.NewConfirmPage(p.st, m.KeyDelete, fmt.Sprintf(m.DeleteClosure, p.closureText(c)), "",
			func(ctx context.Context) error { return env.Tenant.DeleteClosure(ctx, env.Actor, c.ID) },
			m.Deleted, p.reload)
	}
	a := p.special.Absences[p.table.Cursor-len(p.clinic.Closures)]
	return kit.NewConfirmPage(p.st, m.KeyDelete, fmt.Sprintf(m.DeleteAbsence, p.absenceText(a)), "",
		func(ctx context.Context) error { return env.Tenant.DeleteAbsence(ctx, env.Actor, a.ID) },
		m.Deleted, p.reload)
}
