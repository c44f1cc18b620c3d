package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// The waiting list (issue 13): a patient waits for a slot — with one
// specialist or any — that starts at or after From and ends by Until. When
// a session that fits is cancelled or moved away, the front desk gets a
// slot_freed notification for each waiting entry it fits, and books it in
// one step (BookFromWaitlist) with the normal booking rules.

// WaitlistEntry is one patient waiting.
type WaitlistEntry struct {
	ID           int64     `json:"id"`
	PatientID    int64     `json:"patient_id"`
	Patient      string    `json:"patient"`
	SpecialistID *int64    `json:"specialist_id"` // nil: any specialist
	Specialist   string    `json:"specialist"`
	From         time.Time `json:"from"`
	Until        time.Time `json:"until"`
	Note         string    `json:"note"`
	CreatedAt    time.Time `json:"created_at"`
}

// WaitlistInput is a new entry; SpecialistID 0 means any specialist.
type WaitlistInput struct {
	PatientID    int64
	SpecialistID int64
	From, Until  time.Time
	Note         string
}

const maxWaitlistNote = 500

const waitlistSelect = `select w.id, w.patient_id, pt.first_name || ' ' || pt.surname, w.specialist_id,
		coalesce(sp.first_name || ' ' || sp.last_name, ''), w.starts_at, w.ends_at, w.note, w.created_at
	from waitlist w
	join patients pt on pt.id = w.patient_id
	left join specialists sp on sp.id = w.specialist_id`

func collectWaitlist(rows pgx.Rows, loc *time.Location) ([]WaitlistEntry, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (WaitlistEntry, error) {
		var e WaitlistEntry
		err := r.Scan(&e.ID, &e.PatientID, &e.Patient, &e.SpecialistID, &e.Specialist, &e.From, &e.Until, &e.Note, &e.CreatedAt)
		e.From, e.Until = e.From.In(loc), e.Until.In(loc)
		return e, err
	})
}

// ListWaitlist lists the entries still waiting (Until not passed), the
// earliest wanted first.
func (t *Tenant) ListWaitlist(ctx context.Context, actor Actor) ([]WaitlistEntry, error) {
	if !actor.MayManageWaitlist() {
		return nil, forbidden("reading the waiting list")
	}
	var out []WaitlistEntry
	err := t.tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, waitlistSelect+` where w.ends_at > $1 order by w.starts_at, w.id`, t.db.now())
		if err != nil {
			return err
		}
		out, err = collectWaitlist(rows, t.Info.Location())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list waiting list: %w", err)
	}
	return out, nil
}

// AddToWaitlist puts a patient on the waiting list (admin and reception).
func (t *Tenant) AddToWaitlist(ctx context.Context, actor Actor, in WaitlistInput) (WaitlistEntry, error) {
	if !actor.MayManageWaitlist() {
		return WaitlistEntry{}, forbidden("changing the waiting list")
	}
	if err := checkTexts(multiLine("notes", in.Note)); err != nil {
		return WaitlistEntry{}, err
	}
	v := validation{}
	cleanField(v, "notes", &in.Note, maxWaitlistNote, false)
	if in.PatientID <= 0 {
		v.add("patient_id", ReasonRequired)
	}
	switch {
	case in.From.IsZero():
		v.add("start", ReasonRequired)
	case in.Until.IsZero():
		v.add("end", ReasonRequired)
	case !in.From.Before(in.Until):
		v.add("end", ReasonEndBeforeStart)
	}
	if err := v.err(); err != nil {
		return WaitlistEntry{}, err
	}
	loc := t.Info.Location()
	in.From, in.Until = in.From.Truncate(time.Minute).In(loc), in.Until.Truncate(time.Minute).In(loc)
	var out WaitlistEntry
	err := t.tx(ctx, func(tx pgx.Tx) error {
		var ok bool
		if err := tx.QueryRow(ctx, `select exists(select 1 from patients where id = $1 and archived_at is null)`,
			in.PatientID).Scan(&ok); err != nil {
			return err
		}
		if !ok {
			return invalid("patient_id", ReasonNoSuch)
		}
		if in.SpecialistID != 0 {
			var active *bool
			if err := tx.QueryRow(ctx, `select (select active from specialists where id = $1)`, in.SpecialistID).Scan(&active); err != nil {
				return err
			}
			switch {
			case active == nil:
				return invalid("specialist_id", ReasonNoSuch)
			case !*active:
				return invalid("specialist_id", ReasonInactive)
			}
		}
		var id int64
		if err := tx.QueryRow(ctx, `insert into waitlist (patient_id, specialist_id, starts_at, ends_at, note, created_by, created_at)
			values ($1, nullif($2::bigint, 0), $3, $4, $5, nullif($6::bigint, 0), $7) returning id`,
			in.PatientID, in.SpecialistID, in.From, in.Until, in.Note, actor.UserID, t.db.now()).Scan(&id); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, waitlistSelect+` where w.id = $1`, id)
		if err != nil {
			return err
		}
		list, err := collectWaitlist(rows, loc)
		if err != nil {
			return err
		}
		out = list[0]
		if err := audit(ctx, tx, actor, "create", "waitlist", id, map[string]any{
			"patient_id": in.PatientID, "specialist_id": in.SpecialistID, "from": in.From, "until": in.Until,
		}); err != nil {
			return err
		}
		return t.notifyChange(ctx, tx, "waitlist", id, "create")
	})
	if err != nil {
		return WaitlistEntry{}, clinicErr("add to waiting list", err)
	}
	return out, nil
}

// RemoveFromWaitlist takes an entry off the waiting list (admin and
// reception). Its slot_freed notifications leave the lists with it.
func (t *Tenant) RemoveFromWaitlist(ctx context.Context, actor Actor, id int64) error {
	if !actor.MayManageWaitlist() {
		return forbidden("changing the waiting list")
	}
	err := t.tx(ctx, func(tx pgx.Tx) error {
		return t.removeWaitlistTx(ctx, tx, actor, id, "delete")
	})
	if err != nil {
		return clinicErr("remove from waiting list", err)
	}
	return nil
}

func (t *Tenant) removeWaitlistTx(ctx context.Context, tx pgx.Tx, actor Actor, id int64, action string) error {
	var patientID int64
	if err := tx.QueryRow(ctx, `delete from waitlist where id = $1 returning patient_id`, id).Scan(&patientID); err != nil {
		return notFound(err, EntityWaitlist, id)
	}
	if _, err := tx.Exec(ctx, `update notifications set resolved_at = $2 where waitlist_id = $1 and resolved_at is null`,
		id, t.db.now()); err != nil {
		return fmt.Errorf("resolve notifications: %w", err)
	}
	if err := audit(ctx, tx, actor, action, "waitlist", id, map[string]any{"patient_id": patientID}); err != nil {
		return err
	}
	return t.notifyChange(ctx, tx, "waitlist", id, action)
}

// WaitlistBooking books a waiting entry into a slot: the slot of the
// session FreedSessionID (the one a slot_freed notification names), or
// the one given by SpecialistID, RoomID, Start and DurationMin (0: the
// clinic's default).
type WaitlistBooking struct {
	EntryID          int64
	FreedSessionID   int64
	SpecialistID     int64
	RoomID           int64
	Start            time.Time
	DurationMin      int
	PatientOverlapOK bool // as Booking.PatientOverlapOK
}

// BookFromWaitlist books the entry's patient into the slot in one step
// (admin and reception) and takes the entry off the list, in one
// transaction: the booking follows every rule of BookSession (availability,
// the specialist's and the room's sessions, the patient's own), and a
// refusal leaves the entry waiting.
func (t *Tenant) BookFromWaitlist(ctx context.Context, actor Actor, in WaitlistBooking) (Session, error) {
	if !actor.MayManageWaitlist() {
		return Session{}, forbidden("booking from the waiting list")
	}
	var b Booking
	err := t.tx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `select patient_id from waitlist where id = $1`, in.EntryID).Scan(&b.PatientID); err != nil {
			return notFound(err, EntityWaitlist, in.EntryID)
		}
		if in.FreedSessionID == 0 {
			b.SpecialistID, b.RoomID, b.Start, b.DurationMin = in.SpecialistID, in.RoomID, in.Start, in.DurationMin
			return nil
		}
		err := tx.QueryRow(ctx, `select specialist_id, room_id, starts_at, duration_min from sessions where id = $1`,
			in.FreedSessionID).Scan(&b.SpecialistID, &b.RoomID, &b.Start, &b.DurationMin)
		return notFound(err, EntitySession, in.FreedSessionID)
	})
	if err != nil {
		return Session{}, clinicErr("book from waiting list", err)
	}
	b.PatientOverlapOK = in.PatientOverlapOK
	if err := mayScheduleFor(actor, b.SpecialistID); err != nil {
		return Session{}, err
	}
	// The entry goes in the booking's transaction: if another desk booked
	// it meanwhile, this booking is rolled back.
	then := func(tx pgx.Tx, _ []Session) error {
		return t.removeWaitlistTx(ctx, tx, actor, in.EntryID, "book")
	}
	out, err := retryScheduling("book from waiting list", func() ([]Session, error) { return t.bookOnce(ctx, actor, b, then) })
	if err != nil {
		return Session{}, err
	}
	return hidePlan(actor, out[0]), nil
}

// slotFreedSQL offers the slot of the session @id (just cancelled, or
// moved away) to every waiting entry it fits: the entry's specialist (or
// any), a slot inside its range, another patient, a slot still ahead and
// still free of the specialist's and the room's other sessions (a session
// moved by a few minutes keeps most of it). One notification per entry and
// freed session.
const slotFreedSQL = `
insert into notifications (type, title, patient_id, session_id, waitlist_id, data, ref_key, created_at)
select 'slot_freed', '', w.patient_id, s.id, w.id,
	jsonb_build_object('patient', pt.first_name || ' ' || pt.surname,
		'specialist', sp.first_name || ' ' || sp.last_name, 'specialist_id', s.specialist_id,
		'room', r.name, 'room_id', s.room_id, 'starts_at', s.starts_at, 'duration_min', s.duration_min,
		'note', w.note, 'by', @by::text),
	'slot_freed:' || w.id || ':' || s.id, @now::timestamptz
from sessions s
join specialists sp on sp.id = s.specialist_id
join rooms r on r.id = s.room_id
join waitlist w on (w.specialist_id is null or w.specialist_id = s.specialist_id)
	and w.starts_at <= s.starts_at and w.ends_at >= s.ends_at and w.patient_id <> s.patient_id
join patients pt on pt.id = w.patient_id
where s.id = @id::bigint and s.starts_at > @now::timestamptz
  and not exists (select 1 from sessions x where x.status <> 'cancelled'
	and (x.specialist_id = s.specialist_id or x.room_id = s.room_id)
	and tstzrange(x.starts_at, x.ends_at) && tstzrange(s.starts_at, s.ends_at))
on conflict (ref_key) do nothing`

// slotFreed runs slotFreedSQL in the transaction that freed the slot and
// announces the new notifications.
func (t *Tenant) slotFreed(ctx context.Context, tx pgx.Tx, actor Actor, sessionID int64) error {
	tag, err := tx.Exec(ctx, slotFreedSQL, pgx.NamedArgs{"id": sessionID, "now": t.db.now(), "by": actorName(actor)})
	if err != nil {
		return fmt.Errorf("offer freed slot: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return nil
	}
	return t.notifyChange(ctx, tx, "notification", sessionID, "slot_freed")
}
