package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
)

// Changes of booked sessions (issue 13): an edit in place (specialist,
// room, duration) under the rules of booking; a move or a cancellation of
// one occurrence of a series, of it and the following ones, or of all of
// them; and what becomes of a payment made in advance when its session is
// cancelled.

// Scopes of a move or a cancellation within a series.
const (
	ScopeThis      = "this"      // the session alone
	ScopeFollowing = "following" // the session and the open ones of its series after it
	ScopeAll       = "all"       // every open session of its series
)

// SeriesScopes lists the scopes a move or a cancellation accepts.
func SeriesScopes() []string { return []string{ScopeThis, ScopeFollowing, ScopeAll} }

// What becomes of a payment made in advance when its session is cancelled.
const (
	// PrepaidCredit keeps it for the patient's next session: the next open
	// session of the patient without a payment (one booked already, or the
	// next one booked) takes the payment over.
	PrepaidCredit = "credit"
	// PrepaidRefund gives the money back: the payment becomes unpaid and the
	// payment log says "refunded".
	PrepaidRefund = "refund"
	// PrepaidKeep leaves it with the clinic (a late cancellation, a no-show).
	PrepaidKeep = "keep"
)

// PrepaidReturns lists the answers to "what becomes of the payment?".
func PrepaidReturns() []string { return []string{PrepaidCredit, PrepaidRefund, PrepaidKeep} }

func checkScope(scope string) (string, error) {
	switch scope {
	case "":
		return ScopeThis, nil
	case ScopeThis, ScopeFollowing, ScopeAll:
		return scope, nil
	}
	return "", invalid("scope", ReasonOneOf, strings.Join(SeriesScopes(), ", "))
}

// PrepaidChoiceError: some of the sessions to cancel were paid in advance
// and the request did not say whether the payments return as credit or as
// a refund (or stay with the clinic). Nothing was cancelled. It reads as a
// missing "prepaid" field (errors.As finds a *ValidationError).
type PrepaidChoiceError struct {
	SessionIDs []int64         `json:"session_ids"`
	Total      decimal.Decimal `json:"total"`
}

func (e *PrepaidChoiceError) Error() string {
	return fmt.Sprintf("%d of the sessions were paid in advance (%s): say credit, refund or keep",
		len(e.SessionIDs), e.Total.StringFixed(2))
}

// Code is CodeInvalid: the request lacks an answer.
func (e *PrepaidChoiceError) Code() Code { return CodeInvalid }

// Unwrap is the missing field, for doors that word validation errors.
func (e *PrepaidChoiceError) Unwrap() error { return invalid("prepaid", ReasonRequired) }

const sessionHeadCols = `id, patient_id, specialist_id, room_id, status, starts_at, duration_min,
			objective, activity, materials, paid_in_advance, series_id`

func scanHead(row pgx.Row) (sessionHead, error) {
	var h sessionHead
	err := row.Scan(&h.id, &h.patientID, &h.specialistID, &h.roomID, &h.status, &h.startsAt, &h.durationMin,
		&h.objective, &h.activity, &h.materials, &h.paidInAdvance, &h.seriesID)
	return h, err
}

// scopeMembers locks and returns the open sessions a scope covers, in
// order of start; h (locked, open) is always among them. A session without
// a series is a series of one.
func scopeMembers(ctx context.Context, tx pgx.Tx, h sessionHead, scope string) ([]sessionHead, error) {
	if scope == ScopeThis || h.seriesID == nil {
		return []sessionHead{h}, nil
	}
	rows, err := tx.Query(ctx, `select `+sessionHeadCols+` from sessions
		where series_id = $1 and status in ('unplanned', 'planned') and ($2 or starts_at >= $3)
		order by starts_at, id for update`, *h.seriesID, scope == ScopeAll, h.startsAt)
	if err != nil {
		return nil, fmt.Errorf("read series: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (sessionHead, error) { return scanHead(r) })
}

// lockScope locks session id and the open sessions its scope covers, for a
// change (action names it in a StatusError): the session must be open and
// the actor must schedule for every specialist involved. It returns the
// session, the members in order of start and their ids.
func lockScope(ctx context.Context, tx pgx.Tx, actor Actor, id int64, scope, action string) (
	sessionHead, []sessionHead, []int64, error) {
	h, err := lockSession(ctx, tx, id)
	if err != nil {
		return h, nil, nil, err
	}
	if err := mayScheduleFor(actor, h.specialistID); err != nil {
		return h, nil, nil, err
	}
	if h.status == SessionCompleted || h.status == SessionCancelled {
		return h, nil, nil, &StatusError{SessionID: id, Status: h.status, Action: action}
	}
	members, err := scopeMembers(ctx, tx, h, scope)
	if err != nil {
		return h, nil, nil, err
	}
	ids := make([]int64, len(members))
	for i, mem := range members {
		if err := mayScheduleFor(actor, mem.specialistID); err != nil {
			return h, nil, nil, err
		}
		ids[i] = mem.id
	}
	return h, members, ids, nil
}

// checkResources says whether a specialist and a room may be booked (they
// exist and are active); 0 skips one.
func checkResources(ctx context.Context, tx pgx.Tx, specialistID, roomID int64) error {
	var specialistActive, roomActive *bool
	if err := tx.QueryRow(ctx, `select (select active from specialists where id = $1),
			(select active from rooms where id = $2)`, specialistID, roomID).Scan(&specialistActive, &roomActive); err != nil {
		return fmt.Errorf("check specialist and room: %w", err)
	}
	v := validation{}
	for _, r := range []struct {
		field  string
		id     int64
		active *bool
	}{{"specialist_id", specialistID, specialistActive}, {"room_id", roomID, roomActive}} {
		switch {
		case r.id == 0:
		case r.active == nil:
			v.add(r.field, ReasonNoSuch)
		case !*r.active:
			v.add(r.field, ReasonInactive)
		}
	}
	return v.err()
}

// ---- edit ----

// SessionEdit changes a booked session in place; zero fields stay as they
// are. The start stays: moving a session is MoveSessions.
type SessionEdit struct {
	SpecialistID int64
	RoomID       int64
	DurationMin  int
	// OverrideReason and PatientOverlapOK as in Booking: an admin may keep a
	// session outside the availability with a reason (audited); a clash of
	// the patient's own sessions is a warning confirmed with
	// PatientOverlapOK.
	OverrideReason   string
	PatientOverlapOK bool
}

// EditSession changes the specialist, the room or the duration of an open
// session, under the rules of booking: the new specialist or room must be
// free (else *OverlapError with the next free slots for the edited session)
// and available (else the same error, unless an admin overrides it with a
// reason); a longer session must not overlap the patient's others (else
// *PatientBusyError). Audited with what changed; open agendas hear of it.
func (t *Tenant) EditSession(ctx context.Context, actor Actor, id int64, e SessionEdit) (Session, error) {
	if err := checkTexts(oneLine("override_reason", e.OverrideReason)); err != nil {
		return Session{}, err
	}
	v := validation{}
	cleanField(v, "override_reason", &e.OverrideReason, maxOverrideReason, false)
	if e.DurationMin != 0 && (e.DurationMin < minSessionMinutes || e.DurationMin > maxSessionMinutes) {
		v.add("duration_min", ReasonMinutesRange, minSessionMinutes, maxSessionMinutes)
	}
	if err := v.err(); err != nil {
		return Session{}, err
	}
	if e.OverrideReason != "" && !actor.MayOverrideAvailability() {
		return Session{}, forbidden("booking outside the clinic's or the specialist's availability")
	}
	out, err := retryScheduling("edit session", func() (Session, error) { return t.editOnce(ctx, actor, id, e) })
	if err != nil {
		return Session{}, err
	}
	return hidePlan(actor, out), nil
}

func (t *Tenant) editOnce(ctx context.Context, actor Actor, id int64, e SessionEdit) (Session, error) {
	var out Session
	err := t.tx(ctx, func(tx pgx.Tx) error {
		cfg, err := t.loadAgendaConfig(ctx, tx)
		if err != nil {
			return err
		}
		h, err := lockSession(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := mayScheduleFor(actor, h.specialistID); err != nil {
			return err
		}
		if h.status == SessionCompleted || h.status == SessionCancelled {
			return &StatusError{SessionID: id, Status: h.status, Action: "edit"}
		}
		spec, room, dur := h.specialistID, h.roomID, h.durationMin
		if e.SpecialistID != 0 {
			spec = e.SpecialistID
		}
		if e.RoomID != 0 {
			room = e.RoomID
		}
		if e.DurationMin != 0 {
			dur = e.DurationMin
		}
		if spec == h.specialistID && room == h.roomID && dur == h.durationMin {
			out, err = getSessionTx(ctx, tx, id, cfg.loc)
			return err // nothing to change
		}
		if spec != h.specialistID {
			if err := mayScheduleFor(actor, spec); err != nil {
				return err
			}
		}
		changedSpec, changedRoom := int64(0), int64(0)
		if spec != h.specialistID {
			changedSpec = spec
		}
		if room != h.roomID {
			changedRoom = room
		}
		if err := checkResources(ctx, tx, changedSpec, changedRoom); err != nil {
			return err
		}
		start := h.startsAt.In(cfg.loc)
		conflicts, overridden, err := t.checkOccurrences(ctx, tx, cfg, spec, room, []time.Time{start}, dur, id,
			e.OverrideReason != "")
		if err != nil {
			return err
		}
		if len(conflicts) > 0 {
			return &conflictsFound{dates: conflicts, single: true}
		}
		if !e.PatientOverlapOK && dur > h.durationMin {
			busy, err := patientOverlaps(ctx, tx, h.patientID, []time.Time{start}, dur, id, cfg.loc)
			if err != nil {
				return err
			}
			if len(busy) > 0 {
				hidePlanFrom(actor, busy)
				return &PatientBusyError{PatientID: h.patientID, Sessions: busy}
			}
		}
		before, err := getSessionTx(ctx, tx, id, cfg.loc)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `update sessions set specialist_id = $2, room_id = $3, duration_min = $4,
				ends_at = starts_at + make_interval(mins => $4::int), updated_at = now() where id = $1`,
			id, spec, room, dur); err != nil {
			if isRace(err) {
				return fmt.Errorf("%w (%s)", errRaced, pgConstraint(err))
			}
			return fmt.Errorf("edit session: %w", err)
		}
		detail := map[string]any{}
		for _, c := range []struct {
			field    string
			from, to int64
		}{{"specialist_id", h.specialistID, spec}, {"room_id", h.roomID, room}, {"duration_min", int64(h.durationMin), int64(dur)}} {
			if c.from != c.to {
				detail[c.field] = map[string]int64{"from": c.from, "to": c.to}
			}
		}
		if len(overridden) > 0 {
			detail["availability_override"] = map[string]string{"unavailable": overridden[0].Overlap.Resource,
				"reason": e.OverrideReason}
		}
		if err := audit(ctx, tx, actor, "update", "session", id, detail); err != nil {
			return err
		}
		if err := t.notifyChange(ctx, tx, "session", id, "update"); err != nil {
			return err
		}
		if out, err = getSessionTx(ctx, tx, id, cfg.loc); err != nil {
			return err
		}
		// The patient hears of it like of a move, in this transaction:
		// a refused edit queues nothing.
		return t.queueSessionNotice(ctx, tx, MailChange, out, &before)
	})
	return out, err
}

// ---- move ----

// SessionMove moves a session, or several of its series.
type SessionMove struct {
	// Start is the new start of the session chosen. The others of the scope
	// move by the same number of days, to the same time of day (on the
	// clinic's calendar: a DST change keeps the wall-clock time).
	Start    time.Time
	RoomID   int64 // 0: each session keeps its room
	CopyPlan bool  // carry each session's plan over to its new session
	Scope    string
	// OverrideReason: an admin moves into dates outside the availability
	// anyway (audited). A clash with another session is refused all the same.
	OverrideReason string
}

// RescheduleSession moves an open session to newStart (and newRoomID, 0 =
// the same room), same patient, specialist and duration: the new session is
// created and linked (old.rescheduled_to), the old one is cancelled with
// reason "rescheduled". copyPlan carries the plan over. A payment of the
// old session (paid in advance) moves to the new one — never duplicated —
// with a "moved" payment log row. A clash of the new slot returns
// *OverlapError and changes nothing. It is MoveSessions of one session.
func (t *Tenant) RescheduleSession(ctx context.Context, actor Actor, id int64, newStart time.Time, newRoomID int64, copyPlan bool) (Session, error) {
	out, err := t.MoveSessions(ctx, actor, id, SessionMove{Start: newStart, RoomID: newRoomID, CopyPlan: copyPlan, Scope: ScopeThis})
	if err != nil {
		return Session{}, err
	}
	return out[0], nil
}

// MoveSessions moves a session (ScopeThis), it and the following open
// sessions of its series, or all the open sessions of its series, each as a
// reschedule: a new linked session of the same series, the old one
// cancelled "rescheduled", its payment moved. All or nothing: every new
// date is checked first (the old slots count as free); a clash returns
// *OverlapError for one session, *BookingConflicts (every clashing date
// with its free slots) for several, and nothing changes. The new sessions
// are returned in order of start.
func (t *Tenant) MoveSessions(ctx context.Context, actor Actor, id int64, m SessionMove) ([]Session, error) {
	if m.Start.IsZero() {
		return nil, invalid("start", ReasonRequired)
	}
	scope, err := checkScope(m.Scope)
	if err != nil {
		return nil, err
	}
	m.Scope = scope
	if err := checkTexts(oneLine("override_reason", m.OverrideReason)); err != nil {
		return nil, err
	}
	v := validation{}
	cleanField(v, "override_reason", &m.OverrideReason, maxOverrideReason, false)
	if err := v.err(); err != nil {
		return nil, err
	}
	if m.OverrideReason != "" && !actor.MayOverrideAvailability() {
		return nil, forbidden("booking outside the clinic's or the specialist's availability")
	}
	out, err := retryScheduling("reschedule session", func() ([]Session, error) { return t.moveOnce(ctx, actor, id, m) })
	if err != nil {
		return nil, err
	}
	hidePlanFrom(actor, out)
	return out, nil
}

func (t *Tenant) moveOnce(ctx context.Context, actor Actor, id int64, m SessionMove) ([]Session, error) {
	var out []Session
	err := t.tx(ctx, func(tx pgx.Tx) error {
		cfg, err := t.loadAgendaConfig(ctx, tx)
		if err != nil {
			return err
		}
		h, members, ids, err := lockScope(ctx, tx, actor, id, m.Scope, "reschedule")
		if err != nil {
			return err
		}
		if m.RoomID != 0 {
			if err := checkResources(ctx, tx, 0, m.RoomID); err != nil {
				return err
			}
		}
		// The new dates: the chosen session's shift in days, at its new time.
		start := m.Start.Truncate(time.Minute).In(cfg.loc)
		days := int(civilDate(start, cfg.loc).Sub(civilDate(h.startsAt, cfg.loc)).Hours() / 24)
		starts := make([]time.Time, len(members))
		rooms := make([]int64, len(members))
		for i, mem := range members {
			y, mo, d := mem.startsAt.In(cfg.loc).Date()
			starts[i] = time.Date(y, mo, d+days, start.Hour(), start.Minute(), 0, 0, cfg.loc)
			rooms[i] = mem.roomID
			if m.RoomID != 0 {
				rooms[i] = m.RoomID
			}
		}
		for i := 1; i < len(members); i++ { // sorted by start, and so are the new ones
			prevEnd := starts[i-1].Add(time.Duration(members[i-1].durationMin) * time.Minute)
			if starts[i].Before(prevEnd) {
				return invalid("start", ReasonDatesOverlap, starts[i-1], starts[i])
			}
		}
		// The old sessions give up their slots first, so a move by a few
		// minutes fits; a refusal rolls this back.
		if _, err := tx.Exec(ctx, `update sessions set status = 'cancelled', cancel_reason = 'rescheduled',
				updated_at = now() where id = any($1)`, ids); err != nil {
			return fmt.Errorf("cancel old sessions: %w", err)
		}
		var conflicts []DateConflict
		overrides := make([]string, len(members))
		for i, mem := range members {
			c, o, err := t.checkOccurrences(ctx, tx, cfg, mem.specialistID, rooms[i], starts[i:i+1], mem.durationMin, 0,
				m.OverrideReason != "")
			if err != nil {
				return err
			}
			conflicts = append(conflicts, c...)
			if len(o) > 0 {
				overrides[i] = o[0].Overlap.Resource
			}
		}
		if len(conflicts) > 0 {
			return &conflictsFound{dates: conflicts, single: len(members) == 1}
		}
		newIDs := make([]int64, len(members))
		for i, mem := range members {
			mv := occurrenceMove{start: starts[i], roomID: rooms[i], copyPlan: m.CopyPlan, scope: m.Scope}
			if overrides[i] != "" {
				mv.override = map[string]string{"unavailable": overrides[i], "reason": m.OverrideReason}
			}
			if newIDs[i], err = t.moveOccurrence(ctx, tx, cfg, actor, mem, mv); err != nil {
				return err
			}
		}
		rows, err := tx.Query(ctx, sessionSelect+` where s.id = any($1) order by s.starts_at`, newIDs)
		if err != nil {
			return err
		}
		out, err = collectSessions(rows, cfg.loc)
		return err
	})
	return out, err
}

type occurrenceMove struct {
	start    time.Time
	roomID   int64
	copyPlan bool
	scope    string
	override map[string]string // the availability overridden, nil if none
}

// moveOccurrence books the new session of a move and links the old one
// (already cancelled "rescheduled" by the caller) to it: series, payment,
// audit, live change, the patient's notice.
func (t *Tenant) moveOccurrence(ctx context.Context, tx pgx.Tx, cfg agendaConfig, actor Actor, h sessionHead,
	mv occurrenceMove) (int64, error) {
	plan := Plan{}
	if mv.copyPlan {
		plan = Plan{Objective: h.objective, Activity: h.activity, Materials: h.materials}
	}
	newID, err := insertSession(ctx, tx, actor, h.patientID, h.specialistID, mv.roomID, mv.start, h.durationMin,
		plan, derivedStatus(plan.Objective, plan.Activity), h.paidInAdvance)
	if err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, `update sessions set rescheduled_to = $2 where id = $1`, h.id, newID); err != nil {
		return 0, fmt.Errorf("link sessions: %w", err)
	}
	if h.seriesID != nil {
		if _, err := tx.Exec(ctx, `update sessions set series_id = $2 where id = $1`, newID, *h.seriesID); err != nil {
			return 0, fmt.Errorf("link series: %w", err)
		}
	}
	// The payment follows the session it pays for: moved, not copied.
	var payID int64
	var amount decimal.Decimal
	var method *string
	var reference string
	err = tx.QueryRow(ctx, `update payments set session_id = $2, updated_at = now() where session_id = $1
		returning id, amount, method, reference`, h.id, newID).Scan(&payID, &amount, &method, &reference)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return 0, fmt.Errorf("move payment: %w", err)
	default:
		if err := logPayment(ctx, tx, actor, payID, newID, "moved", amount, method, reference); err != nil {
			return 0, err
		}
		if err := audit(ctx, tx, actor, "move", "payment", payID, map[string]any{
			"from_session_id": h.id, "to_session_id": newID, "amount": amount,
		}); err != nil {
			return 0, err
		}
	}
	if err := audit(ctx, tx, actor, "reschedule", "session", h.id, map[string]any{
		"rescheduled_to": newID, "scope": mv.scope, "status": map[string]string{"from": h.status, "to": SessionCancelled},
	}); err != nil {
		return 0, err
	}
	detail := map[string]any{
		"rescheduled_from": h.id, "patient_id": h.patientID, "specialist_id": h.specialistID, "room_id": mv.roomID,
		"starts_at": mv.start, "duration_min": h.durationMin, "copy_plan": mv.copyPlan,
	}
	if mv.override != nil {
		detail["availability_override"] = mv.override
	}
	if err := audit(ctx, tx, actor, "create", "session", newID, detail); err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, `update notifications set resolved_at = now()
			where session_id = $1 and resolved_at is null`, h.id); err != nil {
		return 0, fmt.Errorf("resolve notifications: %w", err)
	}
	if err := t.notifyChange(ctx, tx, "session", h.id, "reschedule"); err != nil {
		return 0, err
	}
	if err := t.notifyChange(ctx, tx, "session", newID, "create"); err != nil {
		return 0, err
	}
	if err := t.noticeSpecialist(ctx, tx, actor, NotifySessionMoved, newID, h.id, 0, ""); err != nil {
		return 0, err
	}
	if err := t.slotFreed(ctx, tx, actor, h.id); err != nil {
		return 0, err
	}
	moved, err := getSessionTx(ctx, tx, newID, cfg.loc)
	if err != nil {
		return 0, err
	}
	old, err := getSessionTx(ctx, tx, h.id, cfg.loc)
	if err != nil {
		return 0, err
	}
	return newID, t.queueSessionNotice(ctx, tx, MailMove, moved, &old)
}

// ---- cancel ----

// SessionCancel cancels a session, or several of its series.
type SessionCancel struct {
	Reason string // patient, therapist, clinic, no_show, other
	Detail string
	Scope  string // this (default), following, all
	// Prepaid says what becomes of the payments made in advance for the
	// sessions cancelled: PrepaidCredit, PrepaidRefund or PrepaidKeep.
	// Required when one of them was paid in advance.
	Prepaid string
}

// CancelSession cancels one open session; a payment made in advance stays
// with the clinic (PrepaidKeep). Doors that ask what becomes of it call
// CancelSessions.
func (t *Tenant) CancelSession(ctx context.Context, actor Actor, id int64, reason, detail string) (Session, error) {
	out, err := t.CancelSessions(ctx, actor, id, SessionCancel{Reason: reason, Detail: detail, Scope: ScopeThis,
		Prepaid: PrepaidKeep})
	if err != nil {
		return Session{}, err
	}
	return out[0], nil
}

// CancelSessions cancels an open session, it and the following open
// sessions of its series, or all of them, with a reason and an optional
// detail; final. When some were paid in advance, c.Prepaid must say what
// becomes of the payments (else *PrepaidChoiceError, nothing cancelled):
// credit (kept for the patient's next session without a payment, which
// takes the payment over now if it is booked already), refund (the payment
// becomes unpaid, logged "refunded") or keep. All audited; the sessions
// cancelled are returned in order of start.
func (t *Tenant) CancelSessions(ctx context.Context, actor Actor, id int64, c SessionCancel) ([]Session, error) {
	if err := checkTexts(oneLine("cancel_reason", c.Reason), multiLine("cancel_detail", c.Detail),
		oneLine("prepaid", c.Prepaid)); err != nil {
		return nil, err
	}
	c.Reason, c.Detail, c.Prepaid = strings.TrimSpace(c.Reason), strings.TrimSpace(c.Detail), strings.TrimSpace(c.Prepaid)
	v := validation{}
	if !validCancelReason(c.Reason) {
		v.add("cancel_reason", ReasonOneOf, strings.Join(CancelReasons(), ", "))
	}
	if len(c.Detail) > maxCancelDetail {
		v.add("cancel_detail", ReasonTooLong, maxCancelDetail)
	}
	switch c.Prepaid {
	case "", PrepaidCredit, PrepaidRefund, PrepaidKeep:
	default:
		v.add("prepaid", ReasonOneOf, strings.Join(PrepaidReturns(), ", "))
	}
	scope, err := checkScope(c.Scope)
	if err != nil {
		return nil, err
	}
	c.Scope = scope
	if err := v.err(); err != nil {
		return nil, err
	}
	loc := t.Info.Location()
	var out []Session
	err = t.tx(ctx, func(tx pgx.Tx) error {
		_, members, ids, err := lockScope(ctx, tx, actor, id, c.Scope, "cancel")
		if err != nil {
			return err
		}
		prepaid, err := paidPayments(ctx, tx, ids)
		if err != nil {
			return err
		}
		if len(prepaid) > 0 {
			if c.Prepaid == "" {
				e := &PrepaidChoiceError{}
				for _, p := range prepaid {
					e.SessionIDs = append(e.SessionIDs, p.sessionID)
					e.Total = e.Total.Add(p.amount)
				}
				return e
			}
			if c.Prepaid != PrepaidKeep && !actor.MayWritePayments() {
				return forbidden("recording payments")
			}
		}
		for _, mem := range members {
			if _, err := tx.Exec(ctx, `update sessions set status = 'cancelled', cancel_reason = $2, cancel_detail = $3,
					updated_at = now() where id = $1`, mem.id, c.Reason, c.Detail); err != nil {
				return fmt.Errorf("cancel: %w", err)
			}
			detail := map[string]any{
				"cancel_reason": c.Reason, "cancel_detail": c.Detail, "scope": c.Scope,
				"status": map[string]string{"from": mem.status, "to": SessionCancelled},
			}
			if _, ok := prepaid[mem.id]; ok {
				detail["prepaid"] = c.Prepaid
			}
			if err := audit(ctx, tx, actor, "cancel", "session", mem.id, detail); err != nil {
				return err
			}
			// Reminders about a cancelled session are moot.
			if _, err := tx.Exec(ctx, `update notifications set resolved_at = now()
					where session_id = $1 and resolved_at is null`, mem.id); err != nil {
				return fmt.Errorf("resolve notifications: %w", err)
			}
			if err := t.notifyChange(ctx, tx, "session", mem.id, "cancel"); err != nil {
				return err
			}
			if err := t.noticeSpecialist(ctx, tx, actor, NotifySessionCancelled, mem.id, 0, 0, c.Reason); err != nil {
				return err
			}
			if err := t.slotFreed(ctx, tx, actor, mem.id); err != nil {
				return err
			}
		}
		credited := map[int64]bool{} // patients
		for _, mem := range members {
			p, ok := prepaid[mem.id]
			if !ok {
				continue
			}
			switch c.Prepaid {
			case PrepaidRefund:
				err = refundTx(ctx, tx, actor, p)
			case PrepaidCredit:
				err = creditTx(ctx, tx, actor, mem.patientID, p, t.db.now())
				credited[mem.patientID] = true
			}
			if err != nil {
				return err
			}
			if err := t.notifyChange(ctx, tx, "payment", p.id, c.Prepaid); err != nil {
				return err
			}
		}
		for pat := range credited {
			if err := t.applyCredits(ctx, tx, actor, pat); err != nil {
				return err
			}
		}
		rows, err := tx.Query(ctx, sessionSelect+` where s.id = any($1) order by s.starts_at`, ids)
		if err != nil {
			return err
		}
		if out, err = collectSessions(rows, loc); err != nil {
			return err
		}
		for _, s := range out {
			if err := t.queueSessionNotice(ctx, tx, MailCancellation, s, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cancel session: %w", err)
	}
	hidePlanFrom(actor, out)
	return out, nil
}

// heldPayment is a paid payment of a session about to be cancelled.
type heldPayment struct {
	id, sessionID int64
	amount        decimal.Decimal
	method        *string
	reference     string
}

// paidPayments locks the paid payments of the sessions, by session.
func paidPayments(ctx context.Context, tx pgx.Tx, sessionIDs []int64) (map[int64]heldPayment, error) {
	rows, err := tx.Query(ctx, `select id, session_id, amount, method, reference from payments
		where session_id = any($1) and paid order by session_id for update`, sessionIDs)
	if err != nil {
		return nil, fmt.Errorf("read payments: %w", err)
	}
	out := map[int64]heldPayment{}
	var p heldPayment
	if _, err := pgx.ForEachRow(rows, []any{&p.id, &p.sessionID, &p.amount, &p.method, &p.reference}, func() error {
		out[p.sessionID] = p
		return nil
	}); err != nil {
		return nil, fmt.Errorf("read payments: %w", err)
	}
	return out, nil
}

// refundTx gives a payment made in advance back: unpaid again (an unpaid
// payment of a cancelled session is owed by nobody), logged "refunded".
func refundTx(ctx context.Context, tx pgx.Tx, actor Actor, p heldPayment) error {
	if _, err := tx.Exec(ctx, `update payments set paid = false, paid_on = null, updated_at = now() where id = $1`,
		p.id); err != nil {
		return fmt.Errorf("refund: %w", err)
	}
	if err := logPayment(ctx, tx, actor, p.id, p.sessionID, "refunded", p.amount, p.method, p.reference); err != nil {
		return err
	}
	return audit(ctx, tx, actor, "refund", "payment", p.id, map[string]any{
		"session_id": p.sessionID, "amount": p.amount, "method": p.method,
	})
}

// creditTx keeps a payment made in advance as the patient's credit.
func creditTx(ctx context.Context, tx pgx.Tx, actor Actor, patientID int64, p heldPayment, now time.Time) error {
	var by *int64
	if actor.UserID != 0 {
		by = &actor.UserID
	}
	var creditID int64
	if err := tx.QueryRow(ctx, `insert into patient_credits (patient_id, payment_id, from_session_id, amount, created_by, created_at)
		values ($1, $2, $3, $4, $5, $6) returning id`, patientID, p.id, p.sessionID, p.amount, by, now).Scan(&creditID); err != nil {
		return fmt.Errorf("credit: %w", err)
	}
	if err := logPayment(ctx, tx, actor, p.id, p.sessionID, "credited", p.amount, p.method, p.reference); err != nil {
		return err
	}
	return audit(ctx, tx, actor, "credit", "payment", p.id, map[string]any{
		"session_id": p.sessionID, "amount": p.amount, "credit_id": creditID, "patient_id": patientID,
	})
}

// applyCredits hands the patient's open credits, oldest first, to their
// next open sessions (from now on) that have no payment, earliest first:
// the payment moves to the session, which becomes paid in advance.
func (t *Tenant) applyCredits(ctx context.Context, tx pgx.Tx, actor Actor, patientID int64) error {
	type credit struct{ id, paymentID, fromSessionID int64 }
	rows, err := tx.Query(ctx, `select id, payment_id, from_session_id from patient_credits
		where patient_id = $1 and used_at is null order by created_at, id for update`, patientID)
	if err != nil {
		return fmt.Errorf("read credits: %w", err)
	}
	credits, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (credit, error) {
		var c credit
		err := r.Scan(&c.id, &c.paymentID, &c.fromSessionID)
		return c, err
	})
	if err != nil || len(credits) == 0 {
		return err
	}
	rows, err = tx.Query(ctx, `select s.id from sessions s
		where s.patient_id = $1 and s.status in ('unplanned', 'planned') and s.starts_at >= $2
		  and not exists (select 1 from payments p where p.session_id = s.id)
		order by s.starts_at, s.id limit $3 for update of s`, patientID, t.db.now(), len(credits))
	if err != nil {
		return fmt.Errorf("sessions for credits: %w", err)
	}
	targets, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("sessions for credits: %w", err)
	}
	for i, target := range targets {
		c := credits[i]
		var amount decimal.Decimal
		var method *string
		var reference string
		if err := tx.QueryRow(ctx, `update payments set session_id = $2, updated_at = now() where id = $1
			returning amount, method, reference`, c.paymentID, target).Scan(&amount, &method, &reference); err != nil {
			return fmt.Errorf("use credit: %w", err)
		}
		if _, err := tx.Exec(ctx, `update sessions set paid_in_advance = true, updated_at = now() where id = $1`,
			target); err != nil {
			return fmt.Errorf("use credit: %w", err)
		}
		if _, err := tx.Exec(ctx, `update patient_credits set used_session_id = $2, used_at = $3 where id = $1`,
			c.id, target, t.db.now()); err != nil {
			return fmt.Errorf("use credit: %w", err)
		}
		if err := logPayment(ctx, tx, actor, c.paymentID, target, "moved", amount, method, reference); err != nil {
			return err
		}
		if err := audit(ctx, tx, actor, "move", "payment", c.paymentID, map[string]any{
			"from_session_id": c.fromSessionID, "to_session_id": target, "amount": amount, "credit_id": c.id,
		}); err != nil {
			return err
		}
		if err := t.notifyChange(ctx, tx, "session", target, "update"); err != nil {
			return err
		}
	}
	return nil
}

// Credit is a payment made in advance for a session cancelled as credit,
// held for the patient's next session (UsedSessionID, once one took it).
type Credit struct {
	ID            int64           `json:"id"`
	PatientID     int64           `json:"patient_id"`
	PaymentID     int64           `json:"payment_id"`
	FromSessionID int64           `json:"from_session_id"`
	Amount        decimal.Decimal `json:"amount"`
	CreatedAt     time.Time       `json:"created_at"`
	UsedSessionID *int64          `json:"used_session_id"`
	UsedAt        *time.Time      `json:"used_at"`
}

// PatientCredits lists a patient's credits, open ones first (oldest
// first), then the used ones (latest first); all = false: the open ones
// only. Admin and reception (who decide them when cancelling).
func (t *Tenant) PatientCredits(ctx context.Context, actor Actor, patientID int64, all bool) ([]Credit, error) {
	if !actor.MayWritePayments() {
		return nil, forbidden("reading payments")
	}
	var out []Credit
	err := t.tx(ctx, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `select exists(select 1 from patients where id = $1)`, patientID).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return &NotFoundError{What: EntityPatient, ID: patientID}
		}
		rows, err := tx.Query(ctx, `select id, patient_id, payment_id, from_session_id, amount, created_at,
				used_session_id, used_at
			from patient_credits where patient_id = $1 and ($2 or used_at is null)
			order by used_at is not null, case when used_at is null then created_at end, used_at desc, id`,
			patientID, all)
		if err != nil {
			return err
		}
		loc := t.Info.Location()
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Credit, error) {
			var c Credit
			err := r.Scan(&c.ID, &c.PatientID, &c.PaymentID, &c.FromSessionID, &c.Amount, &c.CreatedAt,
				&c.UsedSessionID, &c.UsedAt)
			c.CreatedAt = c.CreatedAt.In(loc)
			if c.UsedAt != nil {
				u := c.UsedAt.In(loc)
				c.UsedAt = &u
			}
			return c, err
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("patient credits: %w", err)
	}
	return out, nil
}
