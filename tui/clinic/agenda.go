package clinic

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"consultorio/store"
	"consultorio/tui/kit"
	"consultorio/tui/sanitize"
)

// The agenda (PRODUCT.md §5): a day view of time rows × specialists (or
// rooms), a week view of days × hours with counts, and a month overview
// with the count of sessions of each day. It reloads on ChangedMsg (a
// booking made by anyone) and whenever it is shown again.

type agView int

const (
	AgDayView agView = iota
	agWeekView
	agMonthView
)

// newAgendaScreen is ScreenDef.New of ScreenAgenda.
func NewAgendaScreen(env *kit.Env) kit.Screen {
	s := kit.NewStack(env, env.M.Nav.Agenda)
	s.SetRoot(NewAgendaPage(env, s))
	return s
}

type agendaPage struct {
	env *kit.Env
	st  *kit.Stack

	Day        time.Time // the selected day: midnight in the clinic's time zone
	view       agView
	byRoom     bool
	filterSpec int64
	filterRoom int64

	settings    store.Settings
	specialists []store.Specialist
	rooms       []store.Room
	sessions    []store.Session // of the loaded range (one day in the day view)
	from, to    time.Time       // the loaded range
	loaded      bool
	placed      bool // the cursor was put on the current time once
	Seq         int  // results of older loads are dropped

	col, row       int // day view: column and time row; week view: hour row
	colOff, rowOff int
	w, h           int
}

type AgendaLoaded struct {
	seq         int
	settings    store.Settings
	specialists []store.Specialist
	rooms       []store.Room
	from, to    time.Time
	Sessions    []store.Session
	Err         error
}

func NewAgendaPage(env *kit.Env, st *kit.Stack) *agendaPage {
	loc := env.L.Loc
	return &agendaPage{env: env, st: st, Day: agMidnight(env.Now(), loc)}
}

func (p *agendaPage) Title() string   { return p.env.M.Nav.Agenda }
func (p *agendaPage) Capturing() bool { return false }
func (p *agendaPage) Init() tea.Cmd   { return p.reload() }

// rangeOf is the span of days a view shows around day.
func (p *agendaPage) RangeOf(v agView, day time.Time) (time.Time, time.Time) {
	loc := p.env.L.Loc
	switch v {
	case agWeekView:
		from := agWeekStart(day)
		return from, from.AddDate(0, 0, 7)
	case agMonthView:
		from := agWeekStart(agMonthStart(day, loc))
		return from, from.AddDate(0, 0, 42)
	}
	return day, day.AddDate(0, 0, 1)
}

// agWeekStart is the Monday of day's week (same location).
func agWeekStart(day time.Time) time.Time {
	back := (int(day.Weekday()) + 6) % 7
	return time.Date(day.Year(), day.Month(), day.Day()-back, 0, 0, 0, 0, day.Location())
}

// reload fetches the settings, the specialists and rooms (columns, pickers)
// and the sessions of the range the view shows.
func (p *agendaPage) reload() tea.Cmd {
	p.Seq++
	seq, view, day := p.Seq, p.view, p.Day
	from, to := p.RangeOf(view, day)
	filter := store.AgendaFilter{SpecialistID: p.filterSpec, RoomID: p.filterRoom}
	env := p.env
	return env.Do(func(ctx context.Context) tea.Msg {
		return LoadAgenda(ctx, env, seq, view, day, from, to, filter)
	})
}

// loadAgenda is the agenda's database work for one view: the settings, the
// specialists and rooms (columns, pickers) and the sessions of the range.
func LoadAgenda(ctx context.Context, env *kit.Env, seq int, view agView, day, from, to time.Time, filter store.AgendaFilter) AgendaLoaded {
	out := AgendaLoaded{seq: seq, from: from, to: to}
	tn, actor := env.Tenant, env.Actor
	if view == AgDayView {
		// The first screen of every session: one transaction.
		var d store.AgendaDay
		d, out.Err = tn.AgendaDayView(ctx, actor, agCivil(day, env.L.Loc), filter)
		out.settings, out.specialists, out.rooms, out.Sessions = d.Settings, d.Specialists, d.Rooms, d.Sessions
		return out
	}
	if out.settings, out.Err = tn.Settings(ctx); out.Err != nil {
		return out
	}
	if out.specialists, out.Err = tn.ListSpecialists(ctx, actor, false); out.Err != nil {
		return out
	}
	if out.rooms, out.Err = tn.ListRooms(ctx, actor, false); out.Err != nil {
		return out
	}
	out.Sessions, out.Err = tn.ListSessions(ctx, actor, store.SessionFilter{From: from, To: to,
		SpecialistID: filter.SpecialistID, RoomID: filter.RoomID, Limit: 5000})
	return out
}

func (p *agendaPage) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case AgendaLoaded:
		if msg.seq != p.Seq {
			return nil
		}
		if msg.Err != nil {
			p.env.Error(msg.Err)
			return nil
		}
		p.settings, p.specialists, p.rooms = msg.settings, msg.specialists, msg.rooms
		p.sessions, p.from, p.to, p.loaded = msg.Sessions, msg.from, msg.to, true
		if !p.placed {
			p.placed = true
			p.placeOnNow()
		}
		p.clamp()
	case tea.WindowSizeMsg:
		p.w, p.h = msg.Width, msg.Height
	case kit.ChangedMsg:
		if msg.Touches("session", "payment") {
			return p.reload()
		}
	case kit.ShownMsg:
		return p.reload()
	case tea.KeyPressMsg:
		return p.key(msg)
	}
	return nil
}

// placeOnNow puts the cursor on the current time when the day is today.
func (p *agendaPage) placeOnNow() {
	now := p.env.Now().In(p.env.L.Loc)
	if !agMidnight(now, p.env.L.Loc).Equal(p.Day) {
		return
	}
	start, slot, n := p.dayRows()
	if r := int(now.Sub(start) / slot); r >= 0 && r < n {
		p.row = r
	}
}

func (p *agendaPage) setDay(d time.Time) tea.Cmd {
	d = agMidnight(d, p.env.L.Loc)
	if d.Equal(p.Day) {
		return nil
	}
	from, to := p.RangeOf(p.view, d)
	p.Day = d
	if p.view != AgDayView && p.loaded && from.Equal(p.from) && to.Equal(p.to) {
		return nil // same range: only the cursor moved
	}
	if p.view == AgDayView {
		p.sessions = nil
	}
	return p.reload()
}

func (p *agendaPage) key(k tea.KeyPressMsg) tea.Cmd {
	switch k.String() {
	case "up", "k":
		if p.view == agMonthView {
			return p.setDay(p.Day.AddDate(0, 0, -7))
		}
		p.row--
	case "down", "j":
		if p.view == agMonthView {
			return p.setDay(p.Day.AddDate(0, 0, 7))
		}
		p.row++
	case "left", "h":
		if p.view == AgDayView {
			p.col--
		} else {
			return p.setDay(p.Day.AddDate(0, 0, -1))
		}
	case "right", "l":
		if p.view == AgDayView {
			p.col++
		} else {
			return p.setDay(p.Day.AddDate(0, 0, 1))
		}
	case ",":
		return p.setDay(p.Day.AddDate(0, 0, -1))
	case ".":
		return p.setDay(p.Day.AddDate(0, 0, 1))
	case "[":
		return p.setDay(p.Day.AddDate(0, 0, -7))
	case "]":
		return p.setDay(p.Day.AddDate(0, 0, 7))
	case "{":
		return p.setDay(p.Day.AddDate(0, -1, 0))
	case "}":
		return p.setDay(p.Day.AddDate(0, 1, 0))
	case "t":
		p.placed = false
		if cmd := p.setDay(p.env.Now()); cmd != nil {
			return cmd
		}
		p.placed = true
		p.placeOnNow()
	case "v":
		p.view = (p.view + 1) % 3
		p.sessions, p.loaded = nil, false
		p.row, p.rowOff = 0, 0
		return p.reload()
	case "r":
		p.byRoom = !p.byRoom
		p.col, p.colOff = 0, 0
	case "f":
		return p.st.Push(p.filterPage())
	case "a":
		return p.st.Push(newAvailabilityPage(p.env, p.st, p.specialists))
	case "n":
		return p.book()
	case "enter":
		return p.enter()
	}
	p.clamp()
	return nil
}

func (p *agendaPage) enter() tea.Cmd {
	switch p.view {
	case agWeekView:
		hour0, _ := p.weekHours()
		p.view = AgDayView
		p.sessions, p.loaded = nil, false
		start, slot, _ := p.dayRows()
		at := time.Date(p.Day.Year(), p.Day.Month(), p.Day.Day(), hour0+p.row, 0, 0, 0, p.Day.Location())
		p.row = max(int(at.Sub(start)/slot), 0)
		return p.reload()
	case agMonthView:
		p.view = AgDayView
		p.sessions, p.loaded = nil, false
		p.row, p.placed = 0, false
		return p.reload()
	}
	if s := p.sessionAtCursor(); s != nil {
		return p.st.Push(newSessionPage(p.env, p.st, s.ID))
	}
	return p.book()
}

// book opens the booking form at the cursor's slot and column.
func (p *agendaPage) book() tea.Cmd {
	if len(p.specialists) == 0 || len(p.rooms) == 0 {
		p.env.Info(p.env.M.Agenda.NoColumns)
		return nil
	}
	var pre bookingDefaults
	if p.view == AgDayView {
		start, slot, _ := p.dayRows()
		pre.start = start.Add(time.Duration(p.row) * slot)
		if cols := p.columns(); p.col < len(cols) {
			if p.byRoom {
				pre.roomID = cols[p.col].id
			} else {
				pre.specialistID = cols[p.col].id
			}
		}
	} else {
		ws, _ := p.settings.WorkHours()
		pre.start = p.Day.Add(ws)
	}
	if pre.specialistID == 0 {
		pre.specialistID = p.filterSpec
	}
	if pre.roomID == 0 {
		pre.roomID = p.filterRoom
	}
	return p.st.Push(newBookingPage(p.env, p.st, p.specialists, p.rooms, pre, func() tea.Cmd { return p.reload() }))
}

// filterPage picks the specialist (or room, in the rooms layout) to show.
func (p *agendaPage) filterPage() *kit.FormPage {
	m := p.env.M
	choice := p.filterSpec
	opts := []huh.Option[int64]{huh.NewOption(m.Agenda.FilterAll, int64(0))}
	if p.byRoom {
		choice = p.filterRoom
		for _, r := range p.rooms {
			opts = append(opts, huh.NewOption(sanitize.Line(r.Name), r.ID))
		}
	} else {
		for _, s := range p.specialists {
			opts = append(opts, huh.NewOption(sanitize.Line(s.FullName()), s.ID))
		}
	}
	byRoom := p.byRoom
	return &kit.FormPage{Stack: p.st, Name: m.Agenda.Filtering,
		Build: func() *huh.Form {
			return kit.NewForm(m, huh.NewGroup(huh.NewSelect[int64]().Title(m.Agenda.Filtering).
				Options(opts...).Value(&choice)))
		},
		Save: func(context.Context) error { return nil },
		AfterSave: func() tea.Cmd {
			if byRoom {
				p.filterRoom = choice
			} else {
				p.filterSpec = choice
			}
			p.col, p.colOff = 0, 0
			return p.reload()
		},
	}
}

// ---- layout ----

// agColumn is one column of the day view: a specialist or a room.
type agColumn struct {
	id   int64
	name string
}

// columns of the day view: the active specialists (a specialist sees only
// their own), or the rooms; plus any that has a session that day although
// it is inactive now, so no session is hidden.
func (p *agendaPage) columns() []agColumn {
	var cols []agColumn
	seen := map[int64]bool{}
	add := func(id int64, name string) {
		if !seen[id] {
			seen[id] = true
			cols = append(cols, agColumn{id, sanitize.Line(name)})
		}
	}
	if p.byRoom {
		for _, r := range p.rooms {
			if p.filterRoom == 0 || r.ID == p.filterRoom {
				add(r.ID, r.Name)
			}
		}
		for _, s := range p.sessions {
			add(s.RoomID, s.RoomName)
		}
		return cols
	}
	for _, s := range p.specialists {
		if (p.filterSpec == 0 || s.ID == p.filterSpec) && p.env.Actor.MaySeeSessionsOf(s.ID) {
			add(s.ID, s.FullName())
		}
	}
	for _, s := range p.sessions {
		add(s.SpecialistID, s.SpecialistName)
	}
	return cols
}

// dayRows: the first row's start, the row length and the number of rows
// of the day view: the working hours, stretched to any session outside them.
// Rows are 30 minutes, or 60 when the clinic's sessions last an hour or
// more and half-hour rows would not fit.
func (p *agendaPage) dayRows() (time.Time, time.Duration, int) {
	ws, we := p.settings.WorkHours()
	if we <= ws {
		ws, we = 8*time.Hour, 20*time.Hour
	}
	slot := 30 * time.Minute
	d := p.Day
	at := func(off time.Duration) time.Time {
		return time.Date(d.Year(), d.Month(), d.Day(), 0, int(off/time.Minute), 0, 0, d.Location())
	}
	start, end := at(ws.Truncate(slot)), at(we)
	if p.view == AgDayView {
		for _, s := range p.sessions {
			if s.StartsAt.Before(start) {
				start = at(time.Duration(s.StartsAt.In(d.Location()).Hour()) * time.Hour)
			}
			if s.EndsAt.After(end) {
				end = s.EndsAt
			}
		}
	}
	n := int((end.Sub(start) + slot - 1) / slot)
	// Sessions of an hour or more read best in hour rows when half-hour
	// rows would not fit the window.
	if p.settings.DefaultDuration >= 60 && n > agGridRows(p.h) {
		slot = time.Hour
		start = at(ws.Truncate(slot))
		for _, s := range p.sessions {
			if p.view == AgDayView && s.StartsAt.Before(start) {
				start = at(time.Duration(s.StartsAt.In(d.Location()).Hour()) * time.Hour)
			}
		}
		n = int((end.Sub(start) + slot - 1) / slot)
	}
	return start, slot, max(n, 1)
}

// weekHours: the first hour and the number of hour rows of the week view.
func (p *agendaPage) weekHours() (int, int) {
	ws, we := p.settings.WorkHours()
	if we <= ws {
		ws, we = 8*time.Hour, 20*time.Hour
	}
	h0, h1 := int(ws/time.Hour), int((we+time.Hour-1)/time.Hour)
	for _, s := range p.sessions {
		st, en := s.StartsAt.In(p.env.L.Loc), s.EndsAt.In(p.env.L.Loc)
		h0 = min(h0, st.Hour())
		if en.Day() == st.Day() {
			h1 = max(h1, en.Hour()+min(en.Minute(), 1))
		}
	}
	return h0, max(h1-h0, 1)
}

// colsFit: how many day-view columns fit in w cells, and their width.
func agColsFit(w, n int) (int, int) {
	avail := w - 6 - 2 // time column, scroll marker
	fit := max(avail/20, 1)
	fit = min(fit, n)
	if fit == 0 {
		return 0, 0
	}
	return fit, min(avail/fit, 36)
}

// bodyRows is how many grid rows the day view shows in height h.
func agGridRows(h int) int { return max(h-4, 1) }

// clamp keeps the cursor inside the grid and visible.
func (p *agendaPage) clamp() {
	switch p.view {
	case AgDayView:
		cols := p.columns()
		p.col = max(min(p.col, len(cols)-1), 0)
		_, _, n := p.dayRows()
		p.row = max(min(p.row, n-1), 0)
		fit, _ := agColsFit(p.w, len(cols))
		if p.col < p.colOff {
			p.colOff = p.col
		}
		if fit > 0 && p.col >= p.colOff+fit {
			p.colOff = p.col - fit + 1
		}
		p.colOff = max(min(p.colOff, len(cols)-fit), 0)
		vis := agGridRows(p.h)
		if p.row < p.rowOff {
			p.rowOff = p.row
		}
		if p.row >= p.rowOff+vis {
			p.rowOff = p.row - vis + 1
		}
		p.rowOff = max(min(p.rowOff, n-vis), 0)
	case agWeekView:
		_, n := p.weekHours()
		p.row = max(min(p.row, n-1), 0)
		vis := max(p.h-5, 1)
		if p.row < p.rowOff {
			p.rowOff = p.row
		}
		if p.row >= p.rowOff+vis {
			p.rowOff = p.row - vis + 1
		}
		p.rowOff = max(min(p.rowOff, n-vis), 0)
	}
}

// sessionAtCursor is the session shown in the cursor's cell (the open one
// when a cancelled one shares the slot).
func (p *agendaPage) sessionAtCursor() *store.Session {
	cols := p.columns()
	if p.view != AgDayView || p.col >= len(cols) {
		return nil
	}
	grid := p.grid(cols)
	if cell := grid[[2]int{p.col, p.row}]; len(cell) > 0 {
		return &cell[0].s
	}
	return nil
}

// agPlaced is a session in one cell of the day grid.
type agPlaced struct {
	s     store.Session
	first bool // the row where it starts (else a continuation)
}

// grid places the day's sessions in cells {column, row}: open sessions
// first in each cell, cancelled ones only in their first row.
func (p *agendaPage) grid(cols []agColumn) map[[2]int][]agPlaced {
	idx := make(map[int64]int, len(cols))
	for i, c := range cols {
		idx[c.id] = i
	}
	start, slot, n := p.dayRows()
	out := map[[2]int][]agPlaced{}
	for _, s := range p.sessions {
		key := s.SpecialistID
		if p.byRoom {
			key = s.RoomID
		}
		c, ok := idx[key]
		if !ok {
			continue
		}
		r0 := int(s.StartsAt.Sub(start) / slot)
		r1 := int((s.EndsAt.Sub(start)+slot-1)/slot) - 1
		if s.Status == store.SessionCancelled {
			r1 = r0
		}
		for r := max(r0, 0); r <= min(r1, n-1); r++ {
			k := [2]int{c, r}
			pl := agPlaced{s: s, first: r == r0}
			if s.Status == store.SessionCancelled {
				out[k] = append(out[k], pl)
			} else {
				// open sessions before cancelled ones, in start order
				i := 0
				for i < len(out[k]) && out[k][i].s.Status != store.SessionCancelled {
					i++
				}
				out[k] = append(out[k][:i], append([]agPlaced{pl}, out[k][i:]...)...)
			}
		}
	}
	return out
}

// ---- views ----

func (p *agendaPage) View(w, h int) string {
	if !p.loaded && p.sessions == nil && len(p.specialists) == 0 {
		return " " + p.env.Styles().Title.Render(p.title())
	}
	switch p.view {
	case agWeekView:
		return p.weekView(w, h)
	case agMonthView:
		return p.monthView(w, h)
	}
	return p.dayView(w, h)
}

func (p *agendaPage) title() string {
	m := p.env.M
	switch p.view {
	case agWeekView:
		from, _ := p.RangeOf(agWeekView, p.Day)
		return fmt.Sprintf(m.Agenda.WeekOf, p.env.L.Date(from))
	case agMonthView:
		return p.env.L.MonthYear(p.Day)
	}
	return p.env.L.LongDate(p.Day)
}

// heading: "title · layout · filter" and a count on the right.
func (p *agendaPage) heading(w int, count int) string {
	st, m := p.env.Styles(), p.env.M
	layout := m.Agenda.BySpecialist
	if p.byRoom {
		layout = m.Agenda.ByRoom
	}
	// The title tells the view (a date, "Semana del …", a month).
	var parts []string
	if p.view == AgDayView {
		parts = append(parts, layout)
		if !p.settings.WorksOn(p.Day.Weekday()) && len(p.settings.WorkDays) > 0 {
			parts = append(parts, m.Agenda.NotWorkingDay)
		}
	}
	if name := p.filterName(); name != "" {
		parts = append(parts, fmt.Sprintf(m.Agenda.Filter, name))
	}
	left := " " + st.Title.Render(p.title())
	if len(parts) > 0 {
		left += st.Muted.Render(" · " + strings.Join(parts, " · "))
	}
	right := fmt.Sprintf(m.Agenda.Count, count) + " "
	return kit.Cell(left, max(w-len([]rune(right))-1, 0), false) + " " + right
}

func (p *agendaPage) filterName() string {
	var names []string
	if p.filterSpec != 0 {
		for _, s := range p.specialists {
			if s.ID == p.filterSpec {
				names = append(names, sanitize.Line(s.FullName()))
			}
		}
	}
	if p.filterRoom != 0 {
		for _, r := range p.rooms {
			if r.ID == p.filterRoom {
				names = append(names, sanitize.Line(r.Name))
			}
		}
	}
	return strings.Join(names, ", ")
}

// openCount counts the non-cancelled sessions of a list.
func agOpenCount(ss []store.Session) int {
	n := 0
	for _, s := range ss {
		if s.Status != store.SessionCancelled {
			n++
		}
	}
	return n
}

func (p *agendaPage) dayView(w, h int) string {
	st, m := p.env.Styles(), p.env.M
	cols := p.columns()
	lines := []string{p.heading(w, agOpenCount(p.sessions))}
	if len(cols) == 0 {
		return strings.Join(append(lines, "", " "+st.Muted.Render(m.Agenda.NoColumns)), "\n")
	}
	fit, cw := agColsFit(w, len(cols))
	start, slot, n := p.dayRows()
	grid := p.grid(cols)

	var hdr strings.Builder
	if p.colOff > 0 {
		hdr.WriteString(st.Key.Render(m.Shell.MoreLeft) + "     ")
	} else {
		hdr.WriteString("      ")
	}
	for c := p.colOff; c < p.colOff+fit; c++ {
		hdr.WriteString("│" + st.Subtitle.Render(kit.Cell(cols[c].name, cw-1, false)))
	}
	if p.colOff+fit < len(cols) {
		hdr.WriteString(" " + st.Key.Render(m.Shell.MoreRight))
	}
	lines = append(lines, hdr.String(), "──────"+strings.Repeat("┼"+strings.Repeat("─", cw-1), fit))

	vis := agGridRows(h)
	for r := p.rowOff; r < min(p.rowOff+vis, n); r++ {
		at := start.Add(time.Duration(r) * slot)
		var b strings.Builder
		b.WriteString(st.Muted.Render(at.Format("15:04")) + " ")
		for c := p.colOff; c < p.colOff+fit; c++ {
			// The selected cell is marked in the rule before it, a
			// reversed "›" (">" in ASCII mode, like kit.Table's marker),
			// not drawn in reverse video: a cursor move then rewrites two
			// cells of the terminal, not two whole names (issue 16: bytes
			// per cursor move), and nothing beside the marker changes.
			sep := "│"
			if c == p.col && r == p.row {
				sep = st.Selected.Render(agCursor)
			}
			b.WriteString(sep + kit.Cell(p.cellText(grid[[2]int{c, r}], at), cw-1, false))
		}
		lines = append(lines, b.String())
	}
	for len(lines) < h-1 {
		lines = append(lines, "")
	}
	lines = append(lines, " "+st.Muted.Render(m.Agenda.Legend))
	return strings.Join(lines, "\n")
}

// agCursor marks the selected cell of the day grid, in the place of the
// rule before it.
const agCursor = "›"

// cellText is what a cell of the day grid says.
func (p *agendaPage) cellText(cell []agPlaced, rowStart time.Time) string {
	if len(cell) == 0 {
		return ""
	}
	st := p.env.Styles()
	pl := cell[0]
	name := sanitize.Line(pl.s.PatientName)
	var text string
	if pl.first {
		text = agMark(pl.s) + " "
		if !pl.s.StartsAt.Equal(rowStart) {
			text += p.env.L.Time(pl.s.StartsAt) + " "
		}
		text += name
		if p.byRoom {
			// the room layout says who, too
			if first, _, ok := strings.Cut(sanitize.Line(pl.s.SpecialistName), " "); ok {
				text += " · " + first
			}
		}
	} else {
		text = st.Muted.Render("┆ " + name)
	}
	if len(cell) > 1 {
		text += " +" + strconv.Itoa(len(cell)-1)
	}
	return text
}

func (p *agendaPage) weekView(w, h int) string {
	st, m := p.env.Styles(), p.env.M
	from, _ := p.RangeOf(agWeekView, p.Day)
	h0, n := p.weekHours()
	counts := map[[2]int]int{}
	totals := [7]int{}
	for _, s := range p.sessions {
		if s.Status == store.SessionCancelled {
			continue
		}
		t := s.StartsAt.In(p.env.L.Loc)
		d := int(agMidnight(t, p.env.L.Loc).Sub(from).Hours()+12) / 24
		if d < 0 || d > 6 {
			continue
		}
		counts[[2]int{d, t.Hour() - h0}]++
		totals[d]++
	}
	cw := max((w-6)/7, 4)
	lines := []string{p.heading(w, agOpenCount(p.sessions))}
	var hdr strings.Builder
	hdr.WriteString("      ")
	for d := 0; d < 7; d++ {
		day := from.AddDate(0, 0, d)
		label := fmt.Sprintf("%s %d", m.Dates.WeekdaysAbbr[day.Weekday()], day.Day())
		hdr.WriteString("│" + st.Subtitle.Render(kit.Cell(label, cw-1, false)))
	}
	lines = append(lines, hdr.String(), "──────"+strings.Repeat("┼"+strings.Repeat("─", cw-1), 7))
	cur := int(p.Day.Sub(from).Hours()+12) / 24
	vis := max(h-5, 1)
	for r := p.rowOff; r < min(p.rowOff+vis, n); r++ {
		var b strings.Builder
		b.WriteString(st.Muted.Render(fmt.Sprintf("%02d:00", h0+r)) + " ")
		for d := 0; d < 7; d++ {
			text := "·"
			if c := counts[[2]int{d, r}]; c > 0 {
				text = strconv.Itoa(c)
			}
			cell := kit.Cell(" "+text, cw-1, false)
			if d == cur && r == p.row {
				cell = st.Selected.Render(cell)
			}
			b.WriteString("│" + cell)
		}
		lines = append(lines, b.String())
	}
	var tot strings.Builder
	tot.WriteString(st.Label.Render(kit.Cell(m.Agenda.Total, 6, false)))
	for d := 0; d < 7; d++ {
		tot.WriteString("│" + st.Label.Render(kit.Cell(" "+strconv.Itoa(totals[d]), cw-1, false)))
	}
	lines = append(lines, "──────"+strings.Repeat("┼"+strings.Repeat("─", cw-1), 7), tot.String())
	return strings.Join(lines, "\n")
}

func (p *agendaPage) monthView(w, h int) string {
	st, m := p.env.Styles(), p.env.M
	loc := p.env.L.Loc
	from, _ := p.RangeOf(agMonthView, p.Day)
	counts := map[int]int{}
	for _, s := range p.sessions {
		if s.Status == store.SessionCancelled {
			continue
		}
		d := int(agMidnight(s.StartsAt, loc).Sub(from).Hours()+12) / 24
		counts[d]++
	}
	month := p.Day.Month()
	cw := max((w-2)/7, 6)
	lines := []string{p.heading(w, agOpenCount(p.sessionsOfMonth())), ""}
	var hdr strings.Builder
	hdr.WriteString(" ")
	for d := 0; d < 7; d++ {
		hdr.WriteString(st.Subtitle.Render(kit.Cell(" "+m.Dates.WeekdaysAbbr[(d+1)%7], cw, false)))
	}
	lines = append(lines, hdr.String())
	perWeek := 2
	if h >= 4+6*3 {
		perWeek = 3
	}
	for wk := 0; wk < 6; wk++ {
		first := from.AddDate(0, 0, wk*7)
		if wk > 0 && first.Month() != month {
			break
		}
		var dayLine, countLine strings.Builder
		dayLine.WriteString(" ")
		countLine.WriteString(" ")
		for d := 0; d < 7; d++ {
			idx := wk*7 + d
			day := from.AddDate(0, 0, idx)
			num := kit.Cell(fmt.Sprintf(" %2d", day.Day()), cw, false)
			cnt := kit.Cell("", cw, false)
			if c := counts[idx]; c > 0 {
				cnt = kit.Cell("  "+fmt.Sprintf(m.Agenda.Count, c), cw, false)
			}
			switch {
			case day.Equal(p.Day):
				num, cnt = st.Selected.Render(num), st.Selected.Render(cnt)
			case day.Month() != month:
				num, cnt = st.Muted.Render(num), st.Muted.Render(cnt)
			}
			dayLine.WriteString(num)
			countLine.WriteString(cnt)
		}
		lines = append(lines, dayLine.String(), countLine.String())
		if perWeek == 3 {
			lines = append(lines, "")
		}
	}
	return strings.Join(lines, "\n")
}

// sessionsOfMonth: the loaded sessions inside the selected month.
func (p *agendaPage) sessionsOfMonth() []store.Session {
	var out []store.Session
	for _, s := range p.sessions {
		t := s.StartsAt.In(p.env.L.Loc)
		if t.Month() == p.Day.Month() && t.Year() == p.Day.Year() {
			out = append(out, s)
		}
	}
	return out
}

// ---- keys ----

func (p *agendaPage) Keys() []key.Binding {
	a := p.env.M.Agenda
	keys := []key.Binding{}
	switch p.view {
	case AgDayView:
		keys = append(keys, kit.Key(a.KeyOpen, "enter"), kit.Key(a.KeyBook, "n"),
			kit.KeyShown("↑↓", a.KeyMove, "up", "down"), kit.KeyShown("←→", a.KeyColumn, "left", "right"),
			kit.KeyShown(",.", a.KeyDay, ",", "."))
	case agWeekView:
		keys = append(keys, kit.Key(a.ViewDay, "enter"), kit.Key(a.KeyBook, "n"),
			kit.KeyShown("←→", a.KeyDay, "left", "right"), kit.KeyShown("↑↓", a.KeyMove, "up", "down"))
	case agMonthView:
		keys = append(keys, kit.Key(a.ViewDay, "enter"), kit.Key(a.KeyBook, "n"),
			kit.KeyShown("←→↑↓", a.KeyDay, "left", "right", "up", "down"))
	}
	keys = append(keys, kit.KeyShown("[]", a.KeyWeek, "[", "]"), kit.KeyShown("{}", a.KeyMonth, "{", "}"),
		kit.Key(a.KeyToday, "t"), kit.Key(a.KeyView, "v"))
	if p.view == AgDayView {
		keys = append(keys, kit.Key(a.KeyRooms, "r"))
	}
	return append(keys, kit.Key(a.KeyFilter, "f"), kit.Key(p.env.M.Availability.Title, "a"))
}
