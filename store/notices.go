package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// Event notifications (issue 13). Each is written by the operation that
// causes it, in that operation's transaction: it exists exactly when the
// event committed, and the NOTIFY on the clinic's change channel that goes
// with it brings the unread badge of every open session up to date (the
// shell recounts on any change). The periodic scan (notifications.go) keeps
// the time-based ones.

// notice is one event notification to insert.
type notice struct {
	typ                  string
	userID               int64 // addressed to this user only (0: by role, notificationForRole)
	aboutUserID          int64
	patientID, sessionID int64
	waitlistID           int64
	refKey               string // dedupes: one notice per event and addressee
	data                 NotificationData
}

// addNotice inserts n (once: a second notice with its ref_key is dropped)
// and announces it on the clinic's change channel.
func (t *Tenant) addNotice(ctx context.Context, tx pgx.Tx, n notice) error {
	var id int64
	err := tx.QueryRow(ctx, `insert into notifications (type, title, user_id, about_user_id, patient_id, session_id,
			waitlist_id, data, ref_key, created_at)
		values ($1, '', nullif($2::bigint, 0), nullif($3::bigint, 0), nullif($4::bigint, 0), nullif($5::bigint, 0),
			nullif($6::bigint, 0), $7, $8, $9)
		on conflict (ref_key) do nothing
		returning id`,
		n.typ, n.userID, n.aboutUserID, n.patientID, n.sessionID, n.waitlistID, n.data, n.refKey, t.db.now()).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("add %s notification: %w", n.typ, err)
	}
	return t.notifyChange(ctx, tx, "notification", id, "create")
}

// actorName is how a notice names who did something.
func actorName(a Actor) string {
	if a.Name != "" {
		return a.Name
	}
	return a.Email
}

// sessionFacts are what a notice about a session says of it.
type sessionFacts struct {
	specialistUser *int64 // the specialist's linked user
	patientID      int64
	data           NotificationData
	end            time.Time
}

func loadSessionFacts(ctx context.Context, tx pgx.Tx, id int64) (sessionFacts, error) {
	var f sessionFacts
	var start time.Time
	err := tx.QueryRow(ctx, `select sp.user_id, s.patient_id, pt.first_name || ' ' || pt.surname,
			sp.first_name || ' ' || sp.last_name, s.specialist_id, r.name, s.room_id, s.starts_at, s.duration_min, s.ends_at
		from sessions s
		join patients pt on pt.id = s.patient_id
		join specialists sp on sp.id = s.specialist_id
		join rooms r on r.id = s.room_id
		where s.id = $1`, id).Scan(&f.specialistUser, &f.patientID, &f.data.Patient, &f.data.Specialist,
		&f.data.SpecialistID, &f.data.Room, &f.data.RoomID, &start, &f.data.DurationMin, &f.end)
	if err != nil {
		return sessionFacts{}, notFound(err, EntitySession, id)
	}
	f.data.Start = &start
	return f, nil
}

// noticeSpecialist tells the specialist of session id, through the user
// linked to their record, that someone else booked (count sessions from
// it), cancelled or moved it: typ is NotifySessionBooked,
// NotifySessionCancelled or NotifySessionMoved. For a move, id is the new
// session and oldID the one it replaced. Nothing is written when the
// specialist has no user, when that user did it, or when no user did (the
// system's own work: demo data, imports).
func (t *Tenant) noticeSpecialist(ctx context.Context, tx pgx.Tx, actor Actor, typ string, id, oldID int64, count int, reason string) error {
	if actor.UserID == 0 {
		return nil
	}
	f, err := loadSessionFacts(ctx, tx, id)
	if err != nil {
		return err
	}
	if f.specialistUser == nil || *f.specialistUser == actor.UserID {
		return nil
	}
	d := f.data
	d.By = actorName(actor)
	d.Reason = reason
	if count > 1 {
		d.Count = count
	}
	key := id
	if typ == NotifySessionMoved {
		old, err := loadSessionFacts(ctx, tx, oldID)
		if err != nil {
			return err
		}
		d.NewStart, d.Start = d.Start, old.data.Start
		key = oldID
	}
	return t.addNotice(ctx, tx, notice{typ: typ, userID: *f.specialistUser, patientID: f.patientID, sessionID: id,
		refKey: typ + ":" + strconv.FormatInt(key, 10) + ":" + strconv.FormatInt(*f.specialistUser, 10), data: d})
}

// noticeLocked tells the admins that the account userID was locked by
// failed logins (or second-factor codes), in the transaction that records
// the lock.
func (t *Tenant) noticeLocked(ctx context.Context, tx pgx.Tx, userID int64) error {
	var email string
	var until *time.Time
	if err := tx.QueryRow(ctx, `select email, locked_until from users where id = $1`, userID).Scan(&email, &until); err != nil {
		return notFound(err, EntityUser, userID)
	}
	if until == nil {
		return nil // a right secret raced in and lifted it
	}
	return t.addNotice(ctx, tx, notice{typ: NotifyAccountLocked, aboutUserID: userID,
		refKey: NotifyAccountLocked + ":" + strconv.FormatInt(userID, 10) + ":" + strconv.FormatInt(until.Unix(), 10),
		data:   NotificationData{User: email, Until: until}})
}
