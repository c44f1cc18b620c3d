package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
)

// Session statuses (PRODUCT.md §4). unplanned ⇄ planned is derived from the
// plan; completed and cancelled are final (an admin may reopen a completed one).
const (
	SessionUnplanned = "unplanned"
	SessionPlanned   = "planned"
	SessionCompleted = "completed"
	SessionCancelled = "cancelled"
)

// Cancel reasons. CancelRescheduled is set only by RescheduleSession; the
// others are what a user chooses when cancelling.
const (
	CancelPatient     = "patient"
	CancelTherapist   = "therapist"
	CancelClinic      = "clinic"
	CancelNoShow      = "no_show"
	CancelOther       = "other"
	CancelRescheduled = "rescheduled"
)

// CancelReasons lists the reasons a user may give when cancelling.
func CancelReasons() []string {
	return []string{CancelPatient, CancelTherapist, CancelClinic, CancelNoShow, CancelOther}
}

func validCancelReason(r string) bool {
	for _, ok := range CancelReasons() {
		if r == ok {
			return true
		}
	}
	return false
}

// Limits on what one booking or text may hold, so a typo cannot create a
// thousand sessions or a megabyte note.
const (
	maxOccurrences    = 60
	maxPlanText       = 4000
	maxObservation    = 20000
	maxCancelDetail   = 1000
	freeSlotStep      = 15 // minutes between candidate starts
	freeSlotHorizon   = 31 // days searched for free slots
	defaultFreeSlots  = 3
	bookingRetries    = 5
	minSessionMinutes = 5
	maxSessionMinutes = 720
)

// Session is an appointment, with the names of who and where, the link of a
// reschedule in both directions, and a summary of its payment.
type Session struct {
	ID              int64     `json:"id"`
	PatientID       int64     `json:"patient_id"`
	PatientName     string    `json:"patient_name"`
	SpecialistID    int64     `json:"specialist_id"`
	SpecialistName  string    `json:"specialist_name"`
	RoomID          int64     `json:"room_id"`
	RoomName        string    `json:"room_name"`
	StartsAt        time.Time `json:"starts_at"` // in the clinic's time zone
	EndsAt          time.Time `json:"ends_at"`
	DurationMin     int       `json:"duration_min"`
	Objective       string    `json:"objective"`
	Activity        string    `json:"activity"`
	Materials       string    `json:"materials"`
	Observation     string    `json:"observation"`
	Status          string    `json:"status"`
	CancelReason    string    `json:"cancel_reason"` // "" unless cancelled
	CancelDetail    string    `json:"cancel_detail"`
	RescheduledTo   *int64    `json:"rescheduled_to"`
	RescheduledFrom *int64    `json:"rescheduled_from"`
	// SeriesID is shared by the sessions booked together (a weekly series or
	// extra dates): the id of the first one. nil: a session of its own.
	SeriesID      *int64     `json:"series_id"`
	CompletedAt   *time.Time `json:"completed_at"`
	PaidInAdvance bool       `json:"paid_in_advance"`
	CreatedBy     *int64     `json:"created_by"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	// Payment summary: PaymentID and Amount are nil when the session has no
	// payment yet.
	PaymentID *int64           `json:"payment_id"`
	Paid      bool             `json:"paid"`
	Amount    *decimal.Decimal `json:"amount"`
	// PlanHidden: the plan and result fields were left out for the
	// caller's role (reception).
	PlanHidden bool `json:"plan_hidden,omitempty"`
}

// hidePlan blanks a session's plan and result for reception: the roles
// matrix (PRODUCT.md §4) gives reception no access to objective, activity,
// materials and observation — they are clinical notes.
func hidePlan(actor Actor, s Session) Session {
	if !actor.MaySeePlans() {
		s.Objective, s.Activity, s.Materials, s.Observation = "", "", "", ""
		s.PlanHidden = true
	}
	return s
}

// hidePlanFrom applies hidePlan to every session of a list.
func hidePlanFrom(actor Actor, ss []Session) {
	for i := range ss {
		ss[i] = hidePlan(actor, ss[i])
	}
}

// Final tells whether the session can no longer change (completed or cancelled).
func (s Session) Final() bool { return s.Status == SessionCompleted || s.Status == SessionCancelled }

// Plan is what a specialist prepares for a session.
type Plan struct {
	Objective string
	Activity  string
	Materials string
}

// derivedStatus is the status of an open session: planned as soon as it has
// an objective or an activity.
func derivedStatus(objective, activity string) string {
	if strings.TrimSpace(objective) != "" || strings.TrimSpace(activity) != "" {
		return SessionPlanned
	}
	return SessionUnplanned
}

// checkTexts is the input check of the plan's texts (several lines each).
func (p Plan) checkTexts() error {
	return checkTexts(multiLine("objective", p.Objective), multiLine("activity", p.Activity),
		multiLine("materials", p.Materials))
}

func (p *Plan) normalize(v validation) {
	p.Objective = strings.TrimSpace(p.Objective)
	p.Activity = strings.TrimSpace(p.Activity)
	p.Materials = strings.TrimSpace(p.Materials)
	for field, s := range map[string]string{"objective": p.Objective, "activity": p.Activity, "materials": p.Materials} {
		if len(s) > maxPlanText {
			v.add(field, ReasonTooLong, maxPlanText)
		}
	}
}

// Repeat asks for more occurrences of a booking.
type Repeat struct {
	// WeeklyCount is the total number of weekly occurrences, the first one
	// included (0 or 1: no weekly repeat). Weeks follow the clinic's calendar,
	// so the wall-clock time stays the same across a DST change.
	WeeklyCount int
	// ExtraDates are further start times (date and time) of the same session.
	ExtraDates []time.Time
}

// Booking asks for one session, or a series of them with Repeat.
type Booking struct {
	PatientID    int64
	SpecialistID int64
	RoomID       int64
	Start        time.Time
	DurationMin  int // 0: the clinic's default duration
	// PaidInAdvance records a paid payment for each session booked
	// (amount, method and date from Payment, or their defaults).
	PaidInAdvance bool
	Payment       *PaymentInput // non-nil implies PaidInAdvance
	Repeat        Repeat
	Objective     string
	Activity      string
	Materials     string
	// OverrideReason books dates outside the availability (clinic hours,
	// closures, the specialist's hours or absences) anyway; admin only, and
	// written to the audit log with each date it let through. A clash with
	// another session is refused all the same.
	OverrideReason string
	// PatientOverlapOK books even though the patient already has a session
	// at that time (with another specialist): otherwise that is refused with
	// *PatientBusyError, a warning the user confirms.
	PatientOverlapOK bool
}

// PatientBusyError warns that the patient already has non-cancelled
// sessions overlapping the booking (one per clashing date). Nothing was
// saved; booking again with PatientOverlapOK goes ahead.
type PatientBusyError struct {
	PatientID int64
	Sessions  []Session // id, start, end, specialist and room of each clash
}

func (e *PatientBusyError) Error() string {
	s := e.Sessions[0]
	return fmt.Sprintf("the patient already has session #%d from %s to %s with %s", s.ID,
		s.StartsAt.Format("2006-01-02 15:04"), s.EndsAt.Format("15:04"), s.SpecialistName)
}

// Code is CodeConflict.
func (e *PatientBusyError) Code() Code { return CodeConflict }

// patientOverlaps returns the patient's non-cancelled sessions that overlap
// any of the starts (same duration).
func patientOverlaps(ctx context.Context, tx pgx.Tx, patientID int64, starts []time.Time, durMin int, excludeID int64,
	loc *time.Location) ([]Session, error) {
	rows, err := tx.Query(ctx, sessionSelect+`
		where s.patient_id = $1 and s.status <> 'cancelled' and s.id <> $4
		  and exists (select 1 from unnest($2::timestamptz[]) o(st)
		              where tstzrange(s.starts_at, s.ends_at) && tstzrange(o.st, o.st + make_interval(mins => $3::int)))
		order by s.starts_at`, patientID, starts, durMin, excludeID)
	if err != nil {
		return nil, fmt.Errorf("check the patient's sessions: %w", err)
	}
	return collectSessions(rows, loc)
}

// DateConflict is one date of a booking that cannot be saved: the session it
// clashes with and the next free slots for that specialist and room.
type DateConflict struct {
	Start     time.Time     `json:"start"`
	Overlap   *OverlapError `json:"overlap"`
	FreeSlots []time.Time   `json:"free_slots"`
}

// BookingConflicts is returned when some dates of a repeated booking clash:
// nothing was saved. errors.As(err, &*OverlapError) finds the first clash.
type BookingConflicts struct {
	Dates []DateConflict
}

func (e *BookingConflicts) Error() string {
	var b strings.Builder
	if len(e.Dates) == 1 {
		b.WriteString("1 date conflicts, nothing was booked: ")
	} else {
		fmt.Fprintf(&b, "%d dates conflict, nothing was booked: ", len(e.Dates))
	}
	for i, d := range e.Dates {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s: %s", d.Start.Format("2006-01-02 15:04"), d.Overlap.Error())
		if len(d.FreeSlots) > 0 {
			b.WriteString(" (free: ")
			for j, s := range d.FreeSlots {
				if j > 0 {
					b.WriteString(", ")
				}
				b.WriteString(s.Format("2006-01-02 15:04"))
			}
			b.WriteString(")")
		}
	}
	return b.String()
}

// Code is CodeConflict.
func (e *BookingConflicts) Code() Code { return CodeConflict }

// Unwrap exposes every clash to errors.As.
func (e *BookingConflicts) Unwrap() []error {
	out := make([]error, len(e.Dates))
	for i, d := range e.Dates {
		out[i] = d.Overlap
	}
	return out
}

// StatusError: the session's status does not allow the action (a completed or
// cancelled session is final; only a completed one can be reopened).
type StatusError struct {
	SessionID int64
	Status    string
	Action    string
}

// Code is CodeConflict.
func (e *StatusError) Code() Code { return CodeConflict }

func (e *StatusError) Error() string {
	return fmt.Sprintf("session #%d is %s: cannot %s it", e.SessionID, e.Status, e.Action)
}

// SessionFilter narrows ListSessions; zero fields do not filter.
type SessionFilter struct {
	From         time.Time // sessions starting at or after
	To           time.Time // sessions starting before
	Status       string
	SpecialistID int64
	RoomID       int64
	PatientID    int64
	Limit        int // default DefaultSessionsLimit, at most MaxSessionsLimit
}

// AgendaFilter narrows Agenda; zero fields do not filter.
type AgendaFilter struct {
	SpecialistID int64
	RoomID       int64
}

// ---- roles ----

// mayScheduleFor is MayBook as the error an operation returns.
func mayScheduleFor(actor Actor, specialistID int64) error {
	switch {
	case actor.MayBook(specialistID):
		return nil
	case actor.Role == RoleSpecialist:
		return forbidden("scheduling another specialist's sessions")
	}
	return forbidden("scheduling sessions")
}

// mayRecordFor is MayRecord as the error an operation returns.
func mayRecordFor(actor Actor, specialistID int64) error {
	switch {
	case actor.MayRecord(specialistID):
		return nil
	case actor.Role == RoleSpecialist:
		return forbidden("recording another specialist's sessions")
	}
	return forbidden("recording session plans and results")
}

// specialistScope is the specialist a listing must be limited to: the
// actor's own for a specialist (-1 when they have no specialist record, which
// matches nothing), 0 (no limit) otherwise.
func specialistScope(actor Actor) int64 {
	if actor.Role == RoleSpecialist {
		if actor.SpecialistID == 0 {
			return -1
		}
		return actor.SpecialistID
	}
	if !actor.Role.Valid() {
		return -1
	}
	return 0
}

// ---- clinic calendar ----

// agendaConfig is what scheduling needs from the clinic settings.
type agendaConfig struct {
	loc             *time.Location
	defaultDuration int
	workStart       int // minutes after local midnight
	workEnd         int
	workDays        [7]bool // indexed by time.Weekday
}

func (t *Tenant) loadAgendaConfig(ctx context.Context, tx pgx.Tx) (agendaConfig, error) {
	c := agendaConfig{loc: t.Info.Location()}
	var days []int16
	err := tx.QueryRow(ctx, `select default_duration,
			extract(hour from work_start)::int * 60 + extract(minute from work_start)::int,
			extract(hour from work_end)::int * 60 + extract(minute from work_end)::int,
			work_days
		from settings`).Scan(&c.defaultDuration, &c.workStart, &c.workEnd, &days)
	if err != nil {
		return c, fmt.Errorf("clinic settings: %w", err)
	}
	for _, d := range days {
		if d >= 1 && d <= 7 {
			c.workDays[time.Weekday(d%7)] = true // ISO 7 (Sunday) is Go's 0
		}
	}
	return c, nil
}

// civilDate is the calendar date of ts in loc, as a UTC midnight (the form
// pgx uses for SQL dates).
func civilDate(ts time.Time, loc *time.Location) time.Time {
	y, m, d := ts.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// asDate takes the calendar date of a caller's value as written (its own
// Year/Month/Day), whatever its location.
func asDate(v time.Time) time.Time {
	y, m, d := v.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// dayBounds is [local midnight of the date as written, next local midnight).
func dayBounds(day time.Time, loc *time.Location) (time.Time, time.Time) {
	y, m, d := day.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc), time.Date(y, m, d+1, 0, 0, 0, 0, loc)
}

// monthBounds is [first local midnight of the month as written, the next one).
func monthBounds(month time.Time, loc *time.Location) (time.Time, time.Time) {
	y, m, _ := month.Date()
	return time.Date(y, m, 1, 0, 0, 0, 0, loc), time.Date(y, m+1, 1, 0, 0, 0, 0, loc)
}

// ---- reading ----

const sessionSelect = `select s.id, s.patient_id, p.first_name || ' ' || p.surname, s.specialist_id,
		sp.first_name || ' ' || sp.last_name, s.room_id, r.name, s.starts_at, s.ends_at, s.duration_min,
		s.objective, s.activity, s.materials, s.observation, s.status, coalesce(s.cancel_reason, ''),
		s.cancel_detail, s.rescheduled_to, (select o.id from sessions o where o.rescheduled_to = s.id limit 1),
		s.completed_at, s.paid_in_advance, s.created_by, s.created_at, s.updated_at, s.series_id,
		pay.id, coalesce(pay.paid, false), pay.amount
	from sessions s
	join patients p on p.id = s.patient_id
	join specialists sp on sp.id = s.specialist_id
	join rooms r on r.id = s.room_id
	left join payments pay on pay.session_id = s.id`

func scanSession(row pgx.Row, loc *time.Location) (Session, error) {
	var s Session
	err := row.Scan(&s.ID, &s.PatientID, &s.PatientName, &s.SpecialistID, &s.SpecialistName, &s.RoomID,
		&s.RoomName, &s.StartsAt, &s.EndsAt, &s.DurationMin, &s.Objective, &s.Activity, &s.Materials,
		&s.Observation, &s.Status, &s.CancelReason, &s.CancelDetail, &s.RescheduledTo, &s.RescheduledFrom,
		&s.CompletedAt, &s.PaidInAdvance, &s.CreatedBy, &s.CreatedAt, &s.UpdatedAt, &s.SeriesID,
		&s.PaymentID, &s.Paid, &s.Amount)
	if err != nil {
		return s, err
	}
	s.StartsAt, s.EndsAt = s.StartsAt.In(loc), s.EndsAt.In(loc)
	if s.CompletedAt != nil {
		c := s.CompletedAt.In(loc)
		s.CompletedAt = &c
	}
	return s, nil
}

func collectSessions(rows pgx.Rows, loc *time.Location) ([]Session, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Session, error) { return scanSession(r, loc) })
}

func getSessionTx(ctx context.Context, tx pgx.Tx, id int64, loc *time.Location) (Session, error) {
	s, err := scanSession(tx.QueryRow(ctx, sessionSelect+` where s.id = $1`, id), loc)
	if err != nil {
		return s, notFound(err, EntitySession, id)
	}
	return s, nil
}

// sessionHead is the part of a session the rules look at, read with the row
// locked so two changes of one session (or of its payment) run one after
// the other.
type sessionHead struct {
	id, patientID, specialistID, roomID int64
	status                              string
	startsAt                            time.Time
	durationMin                         int
	objective, activity, materials      string
	paidInAdvance                       bool
	seriesID                            *int64
}

func lockSession(ctx context.Context, tx pgx.Tx, id int64) (sessionHead, error) {
	var h sessionHead
	err := tx.QueryRow(ctx, `select id, patient_id, specialist_id, room_id, status, starts_at, duration_min,
			objective, activity, materials, paid_in_advance, series_id
		from sessions where id = $1 for update`, id).
		Scan(&h.id, &h.patientID, &h.specialistID, &h.roomID, &h.status, &h.startsAt, &h.durationMin,
			&h.objective, &h.activity, &h.materials, &h.paidInAdvance, &h.seriesID)
	if err != nil {
		return h, notFound(err, EntitySession, id)
	}
	return h, nil
}

// GetSession returns one session. A specialist sees only their own
// (another's is reported as not found).
func (t *Tenant) GetSession(ctx context.Context, actor Actor, id int64) (Session, error) {
	var s Session
	err := t.tx(ctx, func(tx pgx.Tx) error {
		var err error
		s, err = getSessionTx(ctx, tx, id, t.Info.Location())
		return err
	})
	if err != nil {
		return Session{}, fmt.Errorf("get session: %w", err)
	}
	if !actor.MaySeeSessionsOf(s.SpecialistID) {
		return Session{}, &NotFoundError{What: EntitySession, ID: id}
	}
	return hidePlan(actor, s), nil
}

// ListSessions lists sessions ordered by start. A specialist gets only their
// own, whatever the filter says.
func (t *Tenant) ListSessions(ctx context.Context, actor Actor, f SessionFilter) ([]Session, error) {
	if f.Status != "" && f.Status != SessionUnplanned && f.Status != SessionPlanned &&
		f.Status != SessionCompleted && f.Status != SessionCancelled {
		return nil, invalid("status", ReasonOneOf, "unplanned, planned, completed, cancelled")
	}
	if f.Limit <= 0 {
		f.Limit = DefaultSessionsLimit
	}
	f.Limit = min(f.Limit, MaxSessionsLimit)
	loc := t.Info.Location()
	var out []Session
	err := t.tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, sessionSelect+`
			where ($1::timestamptz is null or s.starts_at >= $1) and ($2::timestamptz is null or s.starts_at < $2)
			  and ($3 = '' or s.status = $3) and ($4 = 0 or s.specialist_id = $4)
			  and ($5 = 0 or s.room_id = $5) and ($6 = 0 or s.patient_id = $6)
			  and ($7 = 0 or s.specialist_id = $7)
			order by s.starts_at, s.id limit $8`,
			nullTime(f.From), nullTime(f.To), f.Status, f.SpecialistID, f.RoomID, f.PatientID,
			specialistScope(actor), f.Limit)
		if err != nil {
			return err
		}
		out, err = collectSessions(rows, loc)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	hidePlanFrom(actor, out)
	return out, nil
}

// Agenda returns the sessions of one day of the clinic's calendar (the date
// of day as written, e.g. time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) is
// 1 December in the clinic), cancelled ones included, ordered by start. A
// specialist sees only their own.
func (t *Tenant) Agenda(ctx context.Context, actor Actor, day time.Time, f AgendaFilter) ([]Session, error) {
	var out []Session
	err := t.tx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = t.agenda(ctx, tx, actor, day, f)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("agenda: %w", err)
	}
	return out, nil
}

func (t *Tenant) agenda(ctx context.Context, tx pgx.Tx, actor Actor, day time.Time, f AgendaFilter) ([]Session, error) {
	loc := t.Info.Location()
	from, to := dayBounds(day, loc)
	rows, err := tx.Query(ctx, sessionSelect+`
		where s.starts_at >= $1 and s.starts_at < $2
		  and ($3 = 0 or s.specialist_id = $3) and ($4 = 0 or s.room_id = $4)
		  and ($5 = 0 or s.specialist_id = $5)
		order by s.starts_at, s.id`, from, to, f.SpecialistID, f.RoomID, specialistScope(actor))
	if err != nil {
		return nil, err
	}
	out, err := collectSessions(rows, loc)
	if err != nil {
		return nil, err
	}
	hidePlanFrom(actor, out)
	return out, nil
}

// AgendaDay is what the agenda's day view shows: the settings, the active
// specialists and rooms (its columns and pickers) and the day's sessions.
type AgendaDay struct {
	Settings    Settings
	Specialists []Specialist
	Rooms       []Room
	Sessions    []Session
}

// AgendaDayView reads the agenda's day view (Settings, ListSpecialists and
// ListRooms of the active ones, Agenda) in one transaction: the first
// screen of a session holds one connection of its clinic's few once, not
// four times in a row.
func (t *Tenant) AgendaDayView(ctx context.Context, actor Actor, day time.Time, f AgendaFilter) (AgendaDay, error) {
	if !actor.Role.Valid() {
		return AgendaDay{}, forbidden("listing specialists")
	}
	var out AgendaDay
	err := t.tx(ctx, func(tx pgx.Tx) error {
		var err error
		if out.Settings, err = readSettings(ctx, tx); err != nil {
			return err
		}
		if out.Specialists, err = listSpecialists(ctx, tx, actor, false); err != nil {
			return err
		}
		if out.Rooms, err = listRooms(ctx, tx, false); err != nil {
			return err
		}
		out.Sessions, err = t.agenda(ctx, tx, actor, day, f)
		return err
	})
	if err != nil {
		return AgendaDay{}, fmt.Errorf("agenda: %w", err)
	}
	return out, nil
}

// ---- conflicts and free slots ----

type span struct{ start, end time.Time }

// findOverlaps returns, for each start (same duration), the first
// non-cancelled session of the specialist or the room that overlaps it (the
// specialist's first), or nil. One round trip for the whole series; the
// queries use the exclusion constraints' gist indexes.
func findOverlaps(ctx context.Context, tx pgx.Tx, specialistID, roomID int64, starts []time.Time, durMin int,
	excludeID int64, loc *time.Location) ([]*OverlapError, error) {
	out := make([]*OverlapError, len(starts))
	rows, err := tx.Query(ctx, `select o.i, c.id, c.starts_at, c.ends_at, c.resource
		from unnest($3::timestamptz[]) with ordinality as o(st, i)
		cross join lateral (
			select s.id, s.starts_at, s.ends_at,
			       case when s.specialist_id = $1 then 'specialist' else 'room' end as resource
			from sessions s
			where s.status <> 'cancelled' and s.id <> $5
			  and (s.specialist_id = $1 or s.room_id = $2)
			  and tstzrange(s.starts_at, s.ends_at) && tstzrange(o.st, o.st + make_interval(mins => $4::int))
			order by (s.specialist_id = $1) desc, s.starts_at limit 1) c`,
		specialistID, roomID, starts, durMin, excludeID)
	if err != nil {
		return nil, fmt.Errorf("check overlaps: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var i int
		var ov OverlapError
		if err := rows.Scan(&i, &ov.SessionID, &ov.Start, &ov.End, &ov.Resource); err != nil {
			return nil, fmt.Errorf("check overlaps: %w", err)
		}
		ov.Start, ov.End = ov.Start.In(loc), ov.End.In(loc)
		out[i-1] = &ov
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("check overlaps: %w", err)
	}
	return out, nil
}

// checkOccurrences is the pre-save check of a series: every clashing date
// with its clash and the next free slots (which also avoid the other dates of
// the same series), carried by the OverlapError itself too. A date outside
// the availability (clinic hours, closure, the specialist's hours or
// absence) is a conflict as well, unless override is set: then it comes back
// in overridden instead, for the audit log. A clash with another session is
// reported first: no override can book over it.
func (t *Tenant) checkOccurrences(ctx context.Context, tx pgx.Tx, cfg agendaConfig, specialistID, roomID int64,
	starts []time.Time, durMin int, excludeID int64, override bool) (conflicts, overridden []DateConflict, err error) {
	overlaps, err := findOverlaps(ctx, tx, specialistID, roomID, starts, durMin, excludeID, cfg.loc)
	if err != nil {
		return nil, nil, err
	}
	d := time.Duration(durMin) * time.Minute
	av, err := loadAvailability(ctx, tx, cfg, specialistID, starts[0], starts[len(starts)-1].Add(d))
	if err != nil {
		return nil, nil, err
	}
	for i, ov := range overlaps {
		if ov == nil {
			if why := av.check(starts[i], durMin); why != "" {
				ov = &OverlapError{Resource: why, Start: starts[i].In(cfg.loc), End: starts[i].Add(d).In(cfg.loc)}
				if override {
					overridden = append(overridden, DateConflict{Start: ov.Start, Overlap: ov})
					continue
				}
			}
		}
		if ov == nil {
			continue
		}
		others := make([]span, 0, len(starts)-1)
		for j, st := range starts {
			if j != i {
				others = append(others, span{st, st.Add(d)})
			}
		}
		slots, err := t.freeSlots(ctx, tx, cfg, specialistID, roomID, starts[i], durMin, defaultFreeSlots, excludeID, others)
		if err != nil {
			return nil, nil, err
		}
		ov.FreeSlots = slots
		conflicts = append(conflicts, DateConflict{Start: starts[i].In(cfg.loc), Overlap: ov, FreeSlots: slots})
	}
	return conflicts, overridden, nil
}

// freeSlots finds up to n starts at or after `after` (and not in the past)
// where a session of durMin minutes fits inside the availability of a day
// (the clinic's hours, cut to the specialist's own; no closed days) and
// overlaps neither the specialist's nor the room's sessions, the
// specialist's absences, nor the extra spans. Candidates lie on a 15-minute
// grid from the start of each bookable window; each suggestion starts after
// the previous one ends, so all of them could be booked.
func (t *Tenant) freeSlots(ctx context.Context, tx pgx.Tx, cfg agendaConfig, specialistID, roomID int64,
	after time.Time, durMin, n int, excludeID int64, extra []span) ([]time.Time, error) {
	if now := t.db.now(); after.Before(now) {
		after = now
	}
	after = after.In(cfg.loc)
	until := after.AddDate(0, 0, freeSlotHorizon+1)
	rows, err := tx.Query(ctx, `select starts_at, ends_at from sessions
		where status <> 'cancelled' and id <> $3 and (specialist_id = $1 or room_id = $2)
		  and tstzrange(starts_at, ends_at) && tstzrange($4, $5)
		order by starts_at`, specialistID, roomID, excludeID, after, until)
	if err != nil {
		return nil, fmt.Errorf("free slots: %w", err)
	}
	busy, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (span, error) {
		var s span
		err := r.Scan(&s.start, &s.end)
		return s, err
	})
	if err != nil {
		return nil, fmt.Errorf("free slots: %w", err)
	}
	av, err := loadAvailability(ctx, tx, cfg, specialistID, after, until)
	if err != nil {
		return nil, fmt.Errorf("free slots: %w", err)
	}
	busy = append(busy, extra...)
	busy = append(busy, av.absences...)
	sort.Slice(busy, func(i, j int) bool { return busy[i].start.Before(busy[j].start) })
	clashes := func(s, e time.Time) bool {
		for _, b := range busy {
			if !b.start.Before(e) {
				return false // sorted: every later span starts after e
			}
			if s.Before(b.end) {
				return true
			}
		}
		return false
	}
	d := time.Duration(durMin) * time.Minute
	y, m, day := after.Date()
	var out []time.Time
	for i := 0; i <= freeSlotHorizon && len(out) < n; i++ {
		for _, w := range av.windows(y, m, day+i) {
			for min := w.from; min+durMin <= w.to && len(out) < n; min += freeSlotStep {
				s := time.Date(y, m, day+i, min/60, min%60, 0, 0, cfg.loc)
				if s.Before(after) {
					continue
				}
				if e := s.Add(d); !clashes(s, e) {
					out = append(out, s)
					after = e
				}
			}
		}
	}
	return out, nil
}

// NextFreeSlots suggests up to n (default 3) starts at or after `after` where
// a session of durationMin minutes (0: the clinic's default) fits: inside the
// working hours and days of the clinic settings, in the clinic's time zone,
// with both the specialist and the room free. Either id may be 0 to ignore
// that resource. Times are in the clinic's time zone.
func (t *Tenant) NextFreeSlots(ctx context.Context, specialistID, roomID int64, after time.Time, durationMin, n int) ([]time.Time, error) {
	if specialistID == 0 && roomID == 0 {
		return nil, invalid("specialist_id", ReasonSpecialistOrRoom)
	}
	if n <= 0 {
		n = defaultFreeSlots
	}
	n = min(n, 50)
	var out []time.Time
	err := t.tx(ctx, func(tx pgx.Tx) error {
		cfg, err := t.loadAgendaConfig(ctx, tx)
		if err != nil {
			return err
		}
		if durationMin == 0 {
			durationMin = cfg.defaultDuration
		}
		if durationMin < minSessionMinutes || durationMin > maxSessionMinutes {
			return invalid("duration_min", ReasonMinutesRange, minSessionMinutes, maxSessionMinutes)
		}
		out, err = t.freeSlots(ctx, tx, cfg, specialistID, roomID, after, durationMin, n, 0, nil)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("next free slots: %w", err)
	}
	return out, nil
}

// ---- booking ----

// preparedBooking is a validated booking: its dates in order, its duration,
// status and the patient's price.
type preparedBooking struct {
	starts  []time.Time
	durMin  int
	status  string
	price   decimal.Decimal
	prepaid bool
	payment PaymentInput
}

// prepareBooking validates a booking inside tx: input, references (patient
// not archived, specialist and room active), the dates of the series.
func (t *Tenant) prepareBooking(ctx context.Context, tx pgx.Tx, cfg agendaConfig, b *Booking) (preparedBooking, error) {
	v := validation{}
	p := preparedBooking{durMin: b.DurationMin, prepaid: b.PaidInAdvance || b.Payment != nil}
	if b.Payment != nil {
		p.payment = *b.Payment
	}
	if p.durMin == 0 {
		p.durMin = cfg.defaultDuration
	}
	if p.durMin < minSessionMinutes || p.durMin > maxSessionMinutes {
		v.add("duration_min", ReasonMinutesRange, minSessionMinutes, maxSessionMinutes)
	}
	plan := Plan{Objective: b.Objective, Activity: b.Activity, Materials: b.Materials}
	if err := plan.checkTexts(); err != nil {
		return p, err
	}
	if err := checkTexts(oneLine("override_reason", b.OverrideReason)); err != nil {
		return p, err
	}
	cleanField(v, "override_reason", &b.OverrideReason, maxOverrideReason, false)
	plan.normalize(v)
	b.Objective, b.Activity, b.Materials = plan.Objective, plan.Activity, plan.Materials
	p.status = derivedStatus(plan.Objective, plan.Activity)
	if b.Start.IsZero() {
		v.add("start", ReasonRequired)
	}
	if b.Repeat.WeeklyCount < 0 {
		v.add("weekly_count", ReasonNegative)
	}
	if b.Repeat.WeeklyCount+len(b.Repeat.ExtraDates) > maxOccurrences {
		v.add("weekly_count", ReasonMaxSessions, maxOccurrences)
	}
	var cost *decimal.Decimal
	var specialistActive, roomActive *bool
	if err := tx.QueryRow(ctx, `select
			(select cost_session from patients where id = $1 and archived_at is null),
			(select active from specialists where id = $2),
			(select active from rooms where id = $3)`, b.PatientID, b.SpecialistID, b.RoomID).
		Scan(&cost, &specialistActive, &roomActive); err != nil {
		return p, fmt.Errorf("check booking references: %w", err)
	}
	if cost == nil {
		v.add("patient_id", ReasonNoSuch)
	} else {
		p.price = *cost
	}
	switch {
	case specialistActive == nil:
		v.add("specialist_id", ReasonNoSuch)
	case !*specialistActive:
		v.add("specialist_id", ReasonInactive)
	}
	switch {
	case roomActive == nil:
		v.add("room_id", ReasonNoSuch)
	case !*roomActive:
		v.add("room_id", ReasonInactive)
	}
	if p.prepaid {
		if _, _, _, err := p.payment.resolve(p.price, t.db.now(), cfg.loc); err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) {
				return p, err
			}
			for f, fe := range ve.Fields {
				v.add(f, fe.Reason, fe.Args...)
			}
		}
	}
	if err := v.err(); err != nil {
		return p, err
	}
	// The series: the first date, weekly repeats on the clinic's calendar,
	// extra dates; sorted, duplicates dropped.
	start := b.Start.Truncate(time.Minute).In(cfg.loc)
	starts := []time.Time{start}
	for i := 1; i < b.Repeat.WeeklyCount; i++ {
		starts = append(starts, start.AddDate(0, 0, 7*i))
	}
	for _, x := range b.Repeat.ExtraDates {
		starts = append(starts, x.Truncate(time.Minute).In(cfg.loc))
	}
	sort.Slice(starts, func(i, j int) bool { return starts[i].Before(starts[j]) })
	d := time.Duration(p.durMin) * time.Minute
	for i := 0; i < len(starts); i++ {
		if i > 0 && starts[i].Equal(starts[i-1]) {
			starts = append(starts[:i], starts[i+1:]...)
			i--
			continue
		}
		if i > 0 && starts[i].Before(starts[i-1].Add(d)) {
			return p, invalid("extra_dates", ReasonDatesOverlap, starts[i-1], starts[i])
		}
	}
	p.starts = starts
	return p, nil
}

// conflictsFound carries the pre-check's result out of the transaction.
type conflictsFound struct {
	dates  []DateConflict
	single bool // the booking had one date
}

func (e *conflictsFound) Error() string { return "booking conflicts" }

// publicError is the error a caller sees for a clash: the overlap itself
// for a single date, the list of clashing dates for a series.
func (e *conflictsFound) publicError() error {
	if e.single && len(e.dates) == 1 {
		return e.dates[0].Overlap
	}
	return &BookingConflicts{Dates: e.dates}
}

// errRaced: the database's exclusion constraint (or a deadlock between two
// bookings checking it) stopped an insert that passed the pre-check: another
// booking won the race. The caller retries from scratch, so the pre-check in
// the fresh transaction sees the winner and reports it.
var errRaced = errors.New("booking raced with another one")

func isRace(err error) bool {
	switch pgCode(err) {
	case pgExclusionViolation, "40P01", "40001": // exclusion, deadlock, serialization
		return true
	}
	return false
}

// CheckBooking runs the pre-save check of a booking (one date or a series)
// without saving anything: the dates that clash, each with the next free
// slots. No conflicts: nil, nil. Invalid input: a *ValidationError.
func (t *Tenant) CheckBooking(ctx context.Context, actor Actor, b Booking) ([]DateConflict, error) {
	if err := mayScheduleFor(actor, b.SpecialistID); err != nil {
		return nil, err
	}
	if strings.TrimSpace(b.OverrideReason) != "" && !actor.MayOverrideAvailability() {
		return nil, forbidden("booking outside the clinic's or the specialist's availability")
	}
	var out []DateConflict
	err := t.tx(ctx, func(tx pgx.Tx) error {
		cfg, err := t.loadAgendaConfig(ctx, tx)
		if err != nil {
			return err
		}
		p, err := t.prepareBooking(ctx, tx, cfg, &b)
		if err != nil {
			return err
		}
		out, _, err = t.checkOccurrences(ctx, tx, cfg, b.SpecialistID, b.RoomID, p.starts, p.durMin, 0,
			b.OverrideReason != "")
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("check booking: %w", err)
	}
	return out, nil
}

// BookSession books a session, or a series (Repeat), all or nothing. Every
// date is checked before anything is saved: a clash returns *OverlapError
// for a single date, *BookingConflicts (every clashing date with free slots)
// for a series. The exclusion constraints are the final guard: when a
// concurrent booking wins the race, the booking is retried from scratch and
// reports the winner the same way.
func (t *Tenant) BookSession(ctx context.Context, actor Actor, b Booking) (_ []Session, err error) {
	done := t.db.observe.BookingStarted()
	defer func() { done(err) }()
	if err := mayScheduleFor(actor, b.SpecialistID); err != nil {
		return nil, err
	}
	if (b.PaidInAdvance || b.Payment != nil) && !actor.MayWritePayments() {
		return nil, forbidden("recording payments")
	}
	if strings.TrimSpace(b.OverrideReason) != "" && !actor.MayOverrideAvailability() {
		return nil, forbidden("booking outside the clinic's or the specialist's availability")
	}
	out, err := retryScheduling("book session", func() ([]Session, error) { return t.bookOnce(ctx, actor, b, nil) })
	if err != nil {
		return nil, err
	}
	hidePlanFrom(actor, out)
	return out, nil
}

// retryScheduling runs once — one transaction that books or moves sessions
// — again while it lost a race with another booking (bookingRetries times
// at most). The conflicts it found become the public error, with the free
// slots as data; any other error is wrapped with op.
func retryScheduling[T any](op string, once func() (T, error)) (T, error) {
	for attempt := 1; ; attempt++ {
		out, err := once()
		if errors.Is(err, errRaced) && attempt < bookingRetries {
			continue
		}
		var cf *conflictsFound
		if errors.As(err, &cf) {
			return out, cf.publicError()
		}
		if err != nil {
			return out, fmt.Errorf("%s: %w", op, err)
		}
		return out, nil
	}
}

// bookOnce books b in one transaction; then, if not nil, runs last in it
// (BookFromWaitlist takes the entry off the list there).
func (t *Tenant) bookOnce(ctx context.Context, actor Actor, b Booking, then func(pgx.Tx, []Session) error) ([]Session, error) {
	var out []Session
	err := t.tx(ctx, func(tx pgx.Tx) error {
		cfg, err := t.loadAgendaConfig(ctx, tx)
		if err != nil {
			return err
		}
		p, err := t.prepareBooking(ctx, tx, cfg, &b)
		if err != nil {
			return err
		}
		conflicts, overridden, err := t.checkOccurrences(ctx, tx, cfg, b.SpecialistID, b.RoomID, p.starts, p.durMin, 0,
			b.OverrideReason != "")
		if err != nil {
			return err
		}
		if len(conflicts) > 0 {
			return &conflictsFound{dates: conflicts, single: len(p.starts) == 1}
		}
		if !b.PatientOverlapOK {
			busy, err := patientOverlaps(ctx, tx, b.PatientID, p.starts, p.durMin, 0, cfg.loc)
			if err != nil {
				return err
			}
			if len(busy) > 0 {
				hidePlanFrom(actor, busy)
				return &PatientBusyError{PatientID: b.PatientID, Sessions: busy}
			}
		}
		overrides := map[time.Time]string{}
		for _, o := range overridden {
			overrides[o.Start.UTC()] = o.Overlap.Resource
		}
		ids := make([]int64, 0, len(p.starts))
		for _, st := range p.starts {
			id, err := insertSession(ctx, tx, actor, b.PatientID, b.SpecialistID, b.RoomID, st, p.durMin,
				Plan{b.Objective, b.Activity, b.Materials}, p.status, p.prepaid)
			if err != nil {
				return err
			}
			detail := map[string]any{
				"patient_id": b.PatientID, "specialist_id": b.SpecialistID, "room_id": b.RoomID,
				"starts_at": st, "duration_min": p.durMin, "paid_in_advance": p.prepaid,
			}
			if why, ok := overrides[st.UTC()]; ok {
				detail["availability_override"] = map[string]string{"unavailable": why, "reason": b.OverrideReason}
			}
			if err := audit(ctx, tx, actor, "create", "session", id, detail); err != nil {
				return err
			}
			if p.prepaid {
				if _, err := t.markPaidTx(ctx, tx, actor, id, p.price, p.payment, cfg.loc); err != nil {
					return err
				}
			}
			if err := t.notifyChange(ctx, tx, "session", id, "create"); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		if len(ids) > 1 {
			// One series: moved or cancelled together later (this one, this
			// and following, all).
			if _, err := tx.Exec(ctx, `update sessions set series_id = $1 where id = any($2)`, ids[0], ids); err != nil {
				return fmt.Errorf("link series: %w", err)
			}
		}
		// A credit the patient holds (a prepaid session cancelled as credit)
		// pays for their next session.
		if err := t.applyCredits(ctx, tx, actor, b.PatientID); err != nil {
			return err
		}
		if err := t.noticeSpecialist(ctx, tx, actor, NotifySessionBooked, ids[0], 0, len(ids), ""); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, sessionSelect+` where s.id = any($1) order by s.starts_at`, ids)
		if err != nil {
			return err
		}
		if out, err = collectSessions(rows, cfg.loc); err != nil || then == nil {
			return err
		}
		return then(tx, out)
	})
	return out, err
}

// insertSession inserts one session row; an exclusion violation (or a
// deadlock between two racing inserts) becomes errRaced.
func insertSession(ctx context.Context, tx pgx.Tx, actor Actor, patientID, specialistID, roomID int64,
	start time.Time, durMin int, plan Plan, status string, paidInAdvance bool) (int64, error) {
	var createdBy *int64
	if actor.UserID != 0 {
		createdBy = &actor.UserID
	}
	var id int64
	err := tx.QueryRow(ctx, `insert into sessions (patient_id, specialist_id, room_id, starts_at, duration_min, ends_at,
			objective, activity, materials, status, paid_in_advance, created_by)
		values ($1, $2, $3, $4, $5, $4::timestamptz + make_interval(mins => $5::int), $6, $7, $8, $9, $10, $11)
		returning id`,
		patientID, specialistID, roomID, start, durMin, plan.Objective, plan.Activity, plan.Materials, status,
		paidInAdvance, createdBy).Scan(&id)
	if err != nil {
		if isRace(err) {
			return 0, fmt.Errorf("%w (%s)", errRaced, pgConstraint(err))
		}
		return 0, fmt.Errorf("insert session: %w", err)
	}
	return id, nil
}

// ---- changes of one session ----

// UpdateSessionPlan records the plan of an open session; its status follows
// (planned when the objective or the activity is non-blank, else unplanned).
func (t *Tenant) UpdateSessionPlan(ctx context.Context, actor Actor, id int64, plan Plan) (Session, error) {
	if err := plan.checkTexts(); err != nil {
		return Session{}, err
	}
	v := validation{}
	plan.normalize(v)
	if err := v.err(); err != nil {
		return Session{}, err
	}
	var out Session
	err := t.tx(ctx, func(tx pgx.Tx) error {
		h, err := lockSession(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := mayRecordFor(actor, h.specialistID); err != nil {
			return err
		}
		if h.status == SessionCompleted || h.status == SessionCancelled {
			return &StatusError{SessionID: id, Status: h.status, Action: "plan"}
		}
		status := derivedStatus(plan.Objective, plan.Activity)
		if _, err := tx.Exec(ctx, `update sessions set objective = $2, activity = $3, materials = $4, status = $5,
				updated_at = now() where id = $1`, id, plan.Objective, plan.Activity, plan.Materials, status); err != nil {
			return fmt.Errorf("update plan: %w", err)
		}
		if err := audit(ctx, tx, actor, "update", "session", id, map[string]any{
			"objective": plan.Objective, "activity": plan.Activity, "materials": plan.Materials,
			"status": map[string]string{"from": h.status, "to": status},
		}); err != nil {
			return err
		}
		if err := t.notifyChange(ctx, tx, "session", id, "update"); err != nil {
			return err
		}
		out, err = getSessionTx(ctx, tx, id, t.Info.Location())
		return err
	})
	if err != nil {
		return Session{}, fmt.Errorf("plan session: %w", err)
	}
	return out, nil
}

// CompleteSession records the result of an open session and closes it. The
// observation is required. The session's payment is created unpaid at the
// patient's session price, unless it already has one (paid in advance).
func (t *Tenant) CompleteSession(ctx context.Context, actor Actor, id int64, observation string) (Session, error) {
	if err := CheckText("observation", observation, true); err != nil {
		return Session{}, err
	}
	observation = strings.TrimSpace(observation)
	switch {
	case observation == "":
		return Session{}, invalid("observation", ReasonObservationRequired)
	case len(observation) > maxObservation:
		return Session{}, invalid("observation", ReasonTooLong, maxObservation)
	}
	var out Session
	err := t.tx(ctx, func(tx pgx.Tx) error {
		h, err := lockSession(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := mayRecordFor(actor, h.specialistID); err != nil {
			return err
		}
		if h.status == SessionCompleted || h.status == SessionCancelled {
			return &StatusError{SessionID: id, Status: h.status, Action: "complete"}
		}
		if _, err := tx.Exec(ctx, `update sessions set status = 'completed', observation = $2, completed_at = $3,
				updated_at = now() where id = $1`, id, observation, t.db.now()); err != nil {
			return fmt.Errorf("complete: %w", err)
		}
		if err := audit(ctx, tx, actor, "complete", "session", id, map[string]any{
			"observation": observation, "status": map[string]string{"from": h.status, "to": SessionCompleted},
		}); err != nil {
			return err
		}
		var payID int64
		var amount decimal.Decimal
		err = tx.QueryRow(ctx, `insert into payments (session_id, amount)
			select s.id, p.cost_session from sessions s join patients p on p.id = s.patient_id where s.id = $1
			on conflict (session_id) do nothing
			returning id, amount`, id).Scan(&payID, &amount)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			// it has one already (paid in advance, or kept across a reopen)
		case err != nil:
			return fmt.Errorf("create payment: %w", err)
		default:
			if err := logPayment(ctx, tx, actor, payID, id, "created", amount, nil, ""); err != nil {
				return err
			}
			if err := audit(ctx, tx, actor, "create", "payment", payID, map[string]any{
				"session_id": id, "amount": amount, "paid": false,
			}); err != nil {
				return err
			}
		}
		if err := t.notifyChange(ctx, tx, "session", id, "complete"); err != nil {
			return err
		}
		out, err = getSessionTx(ctx, tx, id, t.Info.Location())
		return err
	})
	if err != nil {
		return Session{}, fmt.Errorf("complete session: %w", err)
	}
	return out, nil
}

// ReopenSession takes a completed session back to planned or unplanned so
// its result can be corrected. Admin only; logged. Its payment stays.
func (t *Tenant) ReopenSession(ctx context.Context, actor Actor, id int64) (Session, error) {
	if !actor.MayReopen() {
		return Session{}, forbidden("reopening a completed session")
	}
	var out Session
	err := t.tx(ctx, func(tx pgx.Tx) error {
		h, err := lockSession(ctx, tx, id)
		if err != nil {
			return err
		}
		if h.status != SessionCompleted {
			return &StatusError{SessionID: id, Status: h.status, Action: "reopen"}
		}
		status := derivedStatus(h.objective, h.activity)
		if _, err := tx.Exec(ctx, `update sessions set status = $2, completed_at = null, updated_at = now()
				where id = $1`, id, status); err != nil {
			return fmt.Errorf("reopen: %w", err)
		}
		if err := audit(ctx, tx, actor, "reopen", "session", id, map[string]any{
			"status": map[string]string{"from": SessionCompleted, "to": status},
		}); err != nil {
			return err
		}
		if err := t.notifyChange(ctx, tx, "session", id, "reopen"); err != nil {
			return err
		}
		out, err = getSessionTx(ctx, tx, id, t.Info.Location())
		return err
	})
	if err != nil {
		return Session{}, fmt.Errorf("reopen session: %w", err)
	}
	return out, nil
}
