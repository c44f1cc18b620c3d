package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Availability (issue 13): when sessions may be booked. The clinic works on
// the days and hours of its settings (work_days, work_start–work_end); one
// weekday may have hours of its own (DayHours.Custom); closures shut whole
// days. A specialist with hours of their own is bookable only inside them,
// and never during an absence. Booking, rescheduling and the free-slot
// suggestions all go through the one availability value below, so what is
// refused and what is suggested cannot disagree.

// Resources an OverlapError names besides "specialist" and "room": the
// booking falls outside the availability. These an admin may override with
// a reason (Booking.OverrideReason); a clash with another session never.
const (
	ResourceSpecialist      = "specialist"
	ResourceRoom            = "room"
	ResourceClinicHours     = "clinic_hours"     // outside the clinic's days or hours
	ResourceClosure         = "closure"          // the clinic is closed that day
	ResourceSpecialistHours = "specialist_hours" // outside the specialist's own hours
	ResourceAbsence         = "absence"          // the specialist is away
)

// Unavailable tells whether the conflict is with the availability (which an
// admin may override) rather than with another session.
func (e *OverlapError) Unavailable() bool {
	return e.Resource != ResourceSpecialist && e.Resource != ResourceRoom
}

const maxOverrideReason = 500

// DayHours are the clinic's hours on one ISO weekday (1 = Monday … 7 =
// Sunday). Custom: the day has hours of its own instead of the settings'.
type DayHours struct {
	Weekday int    `json:"weekday"`
	Open    bool   `json:"open"`
	Opens   string `json:"opens"`  // "HH:MM"
	Closes  string `json:"closes"` // "HH:MM"
	Custom  bool   `json:"custom"`
}

// Closure is a span of whole days (first and last included) the clinic is
// closed. BookedSessions, on adding, counts the non-cancelled sessions
// already booked in it (they are kept: someone has to call those patients).
type Closure struct {
	ID             int64     `json:"id"`
	FirstDay       time.Time `json:"first_day"`
	LastDay        time.Time `json:"last_day"`
	Reason         string    `json:"reason"`
	BookedSessions int       `json:"booked_sessions,omitempty"`
}

// TimeRange is a span of one day, "HH:MM" to "HH:MM".
type TimeRange struct {
	Opens  string `json:"opens"`
	Closes string `json:"closes"`
}

// Absence is a span a specialist is away. BookedSessions as for Closure.
type Absence struct {
	ID             int64     `json:"id"`
	SpecialistID   int64     `json:"specialist_id"`
	Start          time.Time `json:"start"`
	End            time.Time `json:"end"`
	Reason         string    `json:"reason"`
	BookedSessions int       `json:"booked_sessions,omitempty"`
}

// ClinicAvailability is the clinic's week and its closures from today on.
type ClinicAvailability struct {
	Week     []DayHours `json:"week"` // 7 days, Monday first
	Closures []Closure  `json:"closures"`
}

// SpecialistAvailability is one specialist's own hours (per ISO weekday, 1…7;
// none at all: the clinic's hours) and absences from today on.
type SpecialistAvailability struct {
	SpecialistID int64               `json:"specialist_id"`
	Hours        map[int][]TimeRange `json:"hours"`
	Absences     []Absence           `json:"absences"`
}

// ---- the rule ----

// minutes of the day, [from, to)
type clockRange struct{ from, to int }

// availability is what the calendar allows one specialist over a window.
type availability struct {
	cfg       agendaConfig
	dayHours  map[int]clockRange // ISO weekday → the day's own hours
	closures  []span             // local midnights
	specHours map[int][]clockRange
	absences  []span
}

func isoWeekday(d time.Weekday) int {
	if d == time.Sunday {
		return 7
	}
	return int(d)
}

func minuteOfDay(t time.Time) int { return t.Hour()*60 + t.Minute() }

// loadAvailability reads what applies to the specialist (0: none) between
// from and to.
func loadAvailability(ctx context.Context, tx pgx.Tx, cfg agendaConfig, specialistID int64, from, to time.Time) (*availability, error) {
	a := &availability{cfg: cfg, dayHours: map[int]clockRange{}, specHours: map[int][]clockRange{}}
	rows, err := tx.Query(ctx, `select 'd', weekday, extract(hour from opens)::int*60 + extract(minute from opens)::int,
			extract(hour from closes)::int*60 + extract(minute from closes)::int from weekday_hours
		union all
		select 's', weekday, extract(hour from opens)::int*60 + extract(minute from opens)::int,
			extract(hour from closes)::int*60 + extract(minute from closes)::int
		from specialist_hours where specialist_id = $1`, specialistID)
	if err != nil {
		return nil, fmt.Errorf("availability: %w", err)
	}
	for rows.Next() {
		var kind string
		var day, o, c int
		if err := rows.Scan(&kind, &day, &o, &c); err != nil {
			rows.Close()
			return nil, fmt.Errorf("availability: %w", err)
		}
		if kind == "d" {
			a.dayHours[day] = clockRange{o, c}
		} else {
			a.specHours[day] = append(a.specHours[day], clockRange{o, c})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("availability: %w", err)
	}
	rows, err = tx.Query(ctx, `select first_day, last_day, null::timestamptz, null::timestamptz from closures
			where last_day >= $2::date and first_day <= $3::date
		union all
		select null, null, starts_at, ends_at from specialist_absences
			where specialist_id = $1 and ends_at > $4 and starts_at < $5`,
		specialistID, civilDate(from, cfg.loc), civilDate(to, cfg.loc), from, to)
	if err != nil {
		return nil, fmt.Errorf("availability: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var fd, ld, s, e *time.Time
		if err := rows.Scan(&fd, &ld, &s, &e); err != nil {
			return nil, fmt.Errorf("availability: %w", err)
		}
		if fd != nil {
			a.closures = append(a.closures, span{
				time.Date(fd.Year(), fd.Month(), fd.Day(), 0, 0, 0, 0, cfg.loc),
				time.Date(ld.Year(), ld.Month(), ld.Day()+1, 0, 0, 0, 0, cfg.loc)})
		} else {
			a.absences = append(a.absences, span{*s, *e})
		}
	}
	return a, rows.Err()
}

// windows are the bookable spans of a local date (minutes of the day):
// the clinic's hours that day, cut to the specialist's own when they have
// some; none on a closed day.
func (a *availability) windows(y int, m time.Month, d int) []clockRange {
	noon := time.Date(y, m, d, 12, 0, 0, 0, a.cfg.loc) // never skipped by DST
	wd := noon.Weekday()
	if !a.cfg.workDays[wd] {
		return nil
	}
	for _, c := range a.closures {
		if !noon.Before(c.start) && noon.Before(c.end) {
			return nil
		}
	}
	clinic, ok := a.dayHours[isoWeekday(wd)]
	if !ok {
		clinic = clockRange{a.cfg.workStart, a.cfg.workEnd}
	}
	if len(a.specHours) == 0 {
		return []clockRange{clinic}
	}
	var out []clockRange
	for _, r := range a.specHours[isoWeekday(wd)] {
		if f, t := max(r.from, clinic.from), min(r.to, clinic.to); f < t {
			out = append(out, clockRange{f, t})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].from < out[j].from })
	return out
}

// check says why a session [start, start+dur) cannot be booked as far as
// availability goes ("" when it can): the most general reason first.
func (a *availability) check(start time.Time, durMin int) string {
	start = start.In(a.cfg.loc)
	end := start.Add(time.Duration(durMin) * time.Minute)
	y, m, d := start.Date()
	noon := time.Date(y, m, d, 12, 0, 0, 0, a.cfg.loc)
	for _, c := range a.closures {
		if !noon.Before(c.start) && noon.Before(c.end) {
			return ResourceClosure
		}
	}
	wd := start.Weekday()
	from := minuteOfDay(start)
	to := from + durMin
	if ey, em, ed := end.Date(); ey != y || em != m || ed != d {
		to = 24*60 + minuteOfDay(end) // past midnight: outside any hours
	}
	if !a.cfg.workDays[wd] {
		return ResourceClinicHours
	}
	clinic, ok := a.dayHours[isoWeekday(wd)]
	if !ok {
		clinic = clockRange{a.cfg.workStart, a.cfg.workEnd}
	}
	if from < clinic.from || to > clinic.to {
		return ResourceClinicHours
	}
	if len(a.specHours) > 0 {
		inside := false
		for _, r := range a.specHours[isoWeekday(wd)] {
			if from >= r.from && to <= r.to {
				inside = true
				break
			}
		}
		if !inside {
			return ResourceSpecialistHours
		}
	}
	for _, ab := range a.absences {
		if start.Before(ab.end) && ab.start.Before(end) {
			return ResourceAbsence
		}
	}
	return ""
}

// ---- permissions ----

// MayManageAvailabilityOf: a specialist's own hours and absences (admin:
// anyone's; a specialist: their own).
func (a Actor) MayManageAvailabilityOf(specialistID int64) bool {
	return a.Role == RoleAdmin || (a.Role == RoleSpecialist && a.isSpecialist(specialistID))
}

// MayOverrideAvailability: booking outside the clinic's or a specialist's
// availability, with a reason that is audited (admin).
func (a Actor) MayOverrideAvailability() bool { return a.Role == RoleAdmin }

// ---- reading ----

func parseClock(v validation, field, s string) (int, string) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		v.add(field, ReasonTimeOfDay)
		return 0, ""
	}
	return t.Hour()*60 + t.Minute(), t.Format("15:04")
}

func clockString(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// ClinicAvailability returns the clinic's week and its closures from today
// on. Anyone logged in may read it (the agenda needs it).
func (t *Tenant) ClinicAvailability(ctx context.Context, actor Actor) (ClinicAvailability, error) {
	if !actor.Role.Valid() {
		return ClinicAvailability{}, forbidden("reading the clinic's hours")
	}
	var out ClinicAvailability
	err := t.tx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = t.readClinicAvailability(ctx, tx)
		return err
	})
	if err != nil {
		return ClinicAvailability{}, fmt.Errorf("clinic availability: %w", err)
	}
	return out, nil
}

func (t *Tenant) readClinicAvailability(ctx context.Context, tx pgx.Tx) (ClinicAvailability, error) {
	var out ClinicAvailability
	cfg, err := t.loadAgendaConfig(ctx, tx)
	if err != nil {
		return out, err
	}
	now := t.db.now()
	a, err := loadAvailability(ctx, tx, cfg, 0, now, now)
	if err != nil {
		return out, err
	}
	for iso := 1; iso <= 7; iso++ {
		h := DayHours{Weekday: iso, Open: cfg.workDays[time.Weekday(iso%7)]}
		r, custom := a.dayHours[iso]
		if !custom {
			r = clockRange{cfg.workStart, cfg.workEnd}
		}
		h.Custom, h.Opens, h.Closes = custom, clockString(r.from), clockString(r.to)
		out.Week = append(out.Week, h)
	}
	rows, err := tx.Query(ctx, `select id, first_day, last_day, reason from closures
		where last_day >= $1 order by first_day, id`, civilDate(now, cfg.loc))
	if err != nil {
		return out, err
	}
	out.Closures, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Closure, error) {
		var c Closure
		err := r.Scan(&c.ID, &c.FirstDay, &c.LastDay, &c.Reason)
		return c, err
	})
	return out, err
}

// SpecialistAvailabilityOf returns a specialist's own hours and absences
// from today on. Whoever may see the specialist's sessions may read it.
func (t *Tenant) SpecialistAvailabilityOf(ctx context.Context, actor Actor, specialistID int64) (SpecialistAvailability, error) {
	if !actor.MaySeeSessionsOf(specialistID) {
		return SpecialistAvailability{}, forbidden("reading another specialist's availability")
	}
	out := SpecialistAvailability{SpecialistID: specialistID, Hours: map[int][]TimeRange{}}
	err := t.tx(ctx, func(tx pgx.Tx) error {
		if err := specialistExists(ctx, tx, specialistID); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `select weekday, to_char(opens, 'HH24:MI'), to_char(closes, 'HH24:MI')
			from specialist_hours where specialist_id = $1 order by weekday, opens`, specialistID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var d int
			var r TimeRange
			if err := rows.Scan(&d, &r.Opens, &r.Closes); err != nil {
				rows.Close()
				return err
			}
			out.Hours[d] = append(out.Hours[d], r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `select id, specialist_id, starts_at, ends_at, reason from specialist_absences
			where specialist_id = $1 and ends_at > $2 order by starts_at, id`, specialistID, t.db.now())
		if err != nil {
			return err
		}
		loc := t.Info.Location()
		out.Absences, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Absence, error) {
			var a Absence
			err := r.Scan(&a.ID, &a.SpecialistID, &a.Start, &a.End, &a.Reason)
			a.Start, a.End = a.Start.In(loc), a.End.In(loc)
			return a, err
		})
		return err
	})
	if err != nil {
		return SpecialistAvailability{}, clinicErr("specialist availability", notFound(err, EntitySpecialist, specialistID))
	}
	return out, nil
}

func specialistExists(ctx context.Context, tx pgx.Tx, id int64) error {
	var ok bool
	if err := tx.QueryRow(ctx, `select exists(select 1 from specialists where id = $1)`, id).Scan(&ok); err != nil {
		return err
	}
	if !ok {
		return &NotFoundError{What: EntitySpecialist, ID: id}
	}
	return nil
}

// ---- changing ----

// SetDayHours changes one weekday of the clinic's week (admin): open or
// closed, and its hours. Hours equal to the settings' default are stored as
// the default (the day follows later changes of the default).
func (t *Tenant) SetDayHours(ctx context.Context, actor Actor, h DayHours) (DayHours, error) {
	if !actor.MayManageClinic() {
		return DayHours{}, forbidden("changing the clinic's hours")
	}
	v := validation{}
	if h.Weekday < 1 || h.Weekday > 7 {
		v.add("weekday", ReasonWeekday)
	}
	var o, c int
	if h.Open {
		o, h.Opens = parseClock(v, "opens", h.Opens)
		c, h.Closes = parseClock(v, "closes", h.Closes)
		if len(v) == 0 && o >= c {
			v.add("closes", ReasonEndBeforeStart)
		}
	}
	if err := v.err(); err != nil {
		return DayHours{}, err
	}
	var out DayHours
	err := t.tx(ctx, func(tx pgx.Tx) error {
		if err := lockClinic(ctx, tx); err != nil {
			return err
		}
		before, err := t.readClinicAvailability(ctx, tx)
		if err != nil {
			return err
		}
		cfg, err := t.loadAgendaConfig(ctx, tx)
		if err != nil {
			return err
		}
		if h.Open {
			_, err = tx.Exec(ctx, `update settings set work_days = (select array_agg(distinct d order by d)
				from unnest(array_append(work_days, $1::smallint)) d)`, h.Weekday)
		} else {
			_, err = tx.Exec(ctx, `update settings set work_days = array_remove(work_days, $1::smallint)`, h.Weekday)
		}
		if err != nil {
			return err
		}
		if !h.Open || (o == cfg.workStart && c == cfg.workEnd) {
			_, err = tx.Exec(ctx, `delete from weekday_hours where weekday = $1`, h.Weekday)
		} else {
			_, err = tx.Exec(ctx, `insert into weekday_hours (weekday, opens, closes) values ($1, $2::time, $3::time)
				on conflict (weekday) do update set opens = excluded.opens, closes = excluded.closes`,
				h.Weekday, h.Opens, h.Closes)
		}
		if err != nil {
			return err
		}
		after, err := t.readClinicAvailability(ctx, tx)
		if err != nil {
			return err
		}
		out = after.Week[h.Weekday-1]
		return audit(ctx, tx, actor, "update", "clinic_hours", int64(h.Weekday), map[string]any{
			"before": before.Week[h.Weekday-1], "after": out})
	})
	if err != nil {
		return DayHours{}, clinicErr("set clinic hours", err)
	}
	return out, nil
}

// AddClosure shuts the clinic from FirstDay to LastDay (admin). Sessions
// already booked then are kept and counted in the result.
func (t *Tenant) AddClosure(ctx context.Context, actor Actor, c Closure) (Closure, error) {
	if !actor.MayManageClinic() {
		return Closure{}, forbidden("closing the clinic")
	}
	if err := checkTexts(oneLine("reason", c.Reason)); err != nil {
		return Closure{}, err
	}
	v := validation{}
	cleanField(v, "reason", &c.Reason, 200, false)
	if c.FirstDay.IsZero() {
		v.add("first_day", ReasonRequired)
	}
	if c.LastDay.IsZero() {
		c.LastDay = c.FirstDay
	}
	c.FirstDay, c.LastDay = asDate(c.FirstDay), asDate(c.LastDay)
	if c.LastDay.Before(c.FirstDay) {
		v.add("last_day", ReasonEndBeforeStart)
	} else if c.LastDay.Sub(c.FirstDay) > 366*24*time.Hour {
		v.add("last_day", ReasonMaxDays, 366)
	}
	if err := v.err(); err != nil {
		return Closure{}, err
	}
	loc := t.Info.Location()
	err := t.tx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `insert into closures (first_day, last_day, reason, created_by)
			values ($1, $2, $3, nullif($4, 0)) returning id`, c.FirstDay, c.LastDay, c.Reason, actor.UserID).
			Scan(&c.ID); err != nil {
			return err
		}
		from, _ := dayBounds(c.FirstDay, loc)
		_, to := dayBounds(c.LastDay, loc)
		if err := tx.QueryRow(ctx, `select count(*) from sessions where status <> 'cancelled'
			and starts_at < $2 and ends_at > $1`, from, to).Scan(&c.BookedSessions); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "create", "closure", c.ID, c)
	})
	if err != nil {
		return Closure{}, clinicErr("add closure", err)
	}
	return c, nil
}

// DeleteClosure reopens the days of a closure (admin).
func (t *Tenant) DeleteClosure(ctx context.Context, actor Actor, id int64) error {
	if !actor.MayManageClinic() {
		return forbidden("reopening the clinic")
	}
	err := t.tx(ctx, func(tx pgx.Tx) error {
		var c Closure
		err := tx.QueryRow(ctx, `delete from closures where id = $1 returning id, first_day, last_day, reason`, id).
			Scan(&c.ID, &c.FirstDay, &c.LastDay, &c.Reason)
		if err != nil {
			return notFound(err, EntityClosure, id)
		}
		return audit(ctx, tx, actor, "delete", "closure", id, c)
	})
	return clinicErr("delete closure", err)
}

// SetSpecialistHours replaces a specialist's own hours on one ISO weekday
// (admin, or the specialist). No ranges on any day: the specialist follows
// the clinic's hours; ranges on some days only: the other days they are not
// bookable.
func (t *Tenant) SetSpecialistHours(ctx context.Context, actor Actor, specialistID int64, weekday int, ranges []TimeRange) (SpecialistAvailability, error) {
	if !actor.MayManageAvailabilityOf(specialistID) {
		return SpecialistAvailability{}, forbidden("changing another specialist's hours")
	}
	v := validation{}
	if weekday < 1 || weekday > 7 {
		v.add("weekday", ReasonWeekday)
	}
	parsed := make([]clockRange, len(ranges))
	for i := range ranges {
		parsed[i].from, ranges[i].Opens = parseClock(v, "opens", ranges[i].Opens)
		parsed[i].to, ranges[i].Closes = parseClock(v, "closes", ranges[i].Closes)
	}
	if len(v) == 0 {
		order := slices.Clone(parsed)
		sort.Slice(order, func(i, j int) bool { return order[i].from < order[j].from })
		for i, r := range order {
			if r.from >= r.to {
				v.add("closes", ReasonEndBeforeStart)
			} else if i > 0 && r.from < order[i-1].to {
				v.add("opens", ReasonRangesOverlap)
			}
		}
	}
	if err := v.err(); err != nil {
		return SpecialistAvailability{}, err
	}
	err := t.tx(ctx, func(tx pgx.Tx) error {
		if err := specialistExists(ctx, tx, specialistID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `delete from specialist_hours where specialist_id = $1 and weekday = $2`,
			specialistID, weekday); err != nil {
			return err
		}
		for _, r := range ranges {
			if _, err := tx.Exec(ctx, `insert into specialist_hours (specialist_id, weekday, opens, closes)
				values ($1, $2, $3::time, $4::time)`, specialistID, weekday, r.Opens, r.Closes); err != nil {
				return err
			}
		}
		return audit(ctx, tx, actor, "update", "specialist_hours", specialistID, map[string]any{
			"weekday": weekday, "ranges": ranges})
	})
	if err != nil {
		return SpecialistAvailability{}, clinicErr("set specialist hours", err)
	}
	return t.SpecialistAvailabilityOf(ctx, actor, specialistID)
}

// AddAbsence records a span a specialist is away (admin, or the
// specialist). Sessions already booked then are kept and counted.
func (t *Tenant) AddAbsence(ctx context.Context, actor Actor, a Absence) (Absence, error) {
	if !actor.MayManageAvailabilityOf(a.SpecialistID) {
		return Absence{}, forbidden("recording another specialist's absence")
	}
	if err := checkTexts(oneLine("reason", a.Reason)); err != nil {
		return Absence{}, err
	}
	v := validation{}
	cleanField(v, "reason", &a.Reason, 200, false)
	switch {
	case a.Start.IsZero():
		v.add("start", ReasonRequired)
	case a.End.IsZero():
		v.add("end", ReasonRequired)
	case !a.Start.Before(a.End):
		v.add("end", ReasonEndBeforeStart)
	}
	if err := v.err(); err != nil {
		return Absence{}, err
	}
	loc := t.Info.Location()
	a.Start, a.End = a.Start.Truncate(time.Minute).In(loc), a.End.Truncate(time.Minute).In(loc)
	err := t.tx(ctx, func(tx pgx.Tx) error {
		if err := specialistExists(ctx, tx, a.SpecialistID); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `insert into specialist_absences (specialist_id, starts_at, ends_at, reason, created_by)
			values ($1, $2, $3, $4, nullif($5, 0)) returning id`, a.SpecialistID, a.Start, a.End, a.Reason, actor.UserID).
			Scan(&a.ID); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `select count(*) from sessions where status <> 'cancelled'
			and specialist_id = $1 and starts_at < $3 and ends_at > $2`, a.SpecialistID, a.Start, a.End).
			Scan(&a.BookedSessions); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "create", "specialist_absence", a.ID, a)
	})
	if err != nil {
		return Absence{}, clinicErr("add absence", err)
	}
	return a, nil
}

// DeleteAbsence removes an absence (admin, or the specialist it belongs to).
func (t *Tenant) DeleteAbsence(ctx context.Context, actor Actor, id int64) error {
	err := t.tx(ctx, func(tx pgx.Tx) error {
		var a Absence
		err := tx.QueryRow(ctx, `select id, specialist_id, starts_at, ends_at, reason from specialist_absences
			where id = $1 for update`, id).Scan(&a.ID, &a.SpecialistID, &a.Start, &a.End, &a.Reason)
		if err != nil {
			return notFound(err, EntityAbsence, id)
		}
		if !actor.MayManageAvailabilityOf(a.SpecialistID) {
			if !actor.MaySeeSessionsOf(a.SpecialistID) {
				return &NotFoundError{What: EntityAbsence, ID: id}
			}
			return forbidden("removing another specialist's absence")
		}
		if _, err := tx.Exec(ctx, `delete from specialist_absences where id = $1`, id); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "delete", "specialist_absence", id, a)
	})
	if errors.Is(err, ErrNotFound) {
		return err
	}
	return clinicErr("delete absence", err)
}
