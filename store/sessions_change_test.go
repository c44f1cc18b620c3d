package store_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"consultorio/store"
)

// An edit to a busy specialist or room is refused like a booking: the
// clash and the next free slots for the edited session, nothing changed.
// To a free specialist it goes through, audited; a longer session that
// would overlap the patient's other session is a warning; outside the
// specialist's hours only an admin with a reason gets through.
func TestEditSession(t *testing.T) {
	t.Parallel()
	f := newAgendaFixture(t, 0)
	pat := f.patient("Luis", "Rojas", "90")
	other := f.patient("Eva", "Paz", "90")
	ana := f.specialist("Ana", "Torres", "percent", "40", true)
	bea := f.specialist("Bea", "Salas", "percent", "40", true)
	ciro := f.specialist("Ciro", "Vega", "percent", "40", true)
	room1, room2 := f.room("Sala 1"), f.room("Sala 2")
	day := agAt(2026, 11, 16, 10, 0) // a Monday
	s := f.book(store.Booking{PatientID: pat, SpecialistID: ana, RoomID: room1, Start: day, DurationMin: 60})
	blocker := f.book(store.Booking{PatientID: other, SpecialistID: bea, RoomID: room2, Start: day.Add(30 * time.Minute)})

	// To Bea, busy 10:30–11:30: refused with Bea's next free hour (11:30).
	_, err := f.tn.EditSession(f.ctx, f.desk, s.ID, store.SessionEdit{SpecialistID: bea})
	ov := agOverlap(t, err)
	if ov.SessionID != blocker.ID || ov.Resource != "specialist" {
		t.Errorf("overlap %+v, want Bea's session #%d", ov, blocker.ID)
	}
	if len(ov.FreeSlots) == 0 || !ov.FreeSlots[0].Equal(day.Add(90*time.Minute)) {
		t.Errorf("free slots %v, want first %v", ov.FreeSlots, day.Add(90*time.Minute))
	}
	// To room 2, taken by the blocker: the room is named.
	if ov := agOverlap(t, func() error {
		_, err := f.tn.EditSession(f.ctx, f.desk, s.ID, store.SessionEdit{RoomID: room2})
		return err
	}()); ov.Resource != "room" || ov.SessionID != blocker.ID {
		t.Errorf("room overlap %+v", ov)
	}
	if got, _ := f.tn.GetSession(f.ctx, f.admin, s.ID); got.SpecialistID != ana || got.RoomID != room1 {
		t.Fatalf("a refused edit changed the session: %+v", got)
	}

	// To Ciro, free: done in place (same id, start, patient), audited.
	got, err := f.tn.EditSession(f.ctx, f.desk, s.ID, store.SessionEdit{SpecialistID: ciro, DurationMin: 45})
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != s.ID || got.SpecialistID != ciro || got.SpecialistName != "Ciro Vega" || got.DurationMin != 45 ||
		!got.StartsAt.Equal(day) || !got.EndsAt.Equal(day.Add(45*time.Minute)) || got.Status != store.SessionUnplanned {
		t.Errorf("edited: %+v", got)
	}
	var audited int
	f.scalar(&audited, `select count(*) from audit_log where entity = 'session' and entity_id = $1 and action = 'update'
		and detail->'specialist_id'->>'to' = $2 and detail->'duration_min'->>'from' = '60'`, s.ID, fmt.Sprint(ciro))
	if audited != 1 {
		t.Errorf("%d audit rows for the edit, want 1", audited)
	}
	// Ana's slot is free again: the blocker's patient can be booked there.
	f.book(store.Booking{PatientID: other, SpecialistID: ana, RoomID: room2, Start: day.Add(-time.Hour), DurationMin: 60})

	// Longer, over the patient's own session with Bea at 11:00: a warning.
	own := f.book(store.Booking{PatientID: pat, SpecialistID: bea, RoomID: f.room("Sala 3"), Start: day.Add(90 * time.Minute),
		DurationMin: 30})
	_, err = f.tn.EditSession(f.ctx, f.desk, s.ID, store.SessionEdit{DurationMin: 120})
	var pb *store.PatientBusyError
	if !errors.As(err, &pb) || pb.Sessions[0].ID != own.ID {
		t.Fatalf("want *PatientBusyError naming #%d, got %v", own.ID, err)
	}
	if _, err := f.tn.EditSession(f.ctx, f.desk, s.ID, store.SessionEdit{DurationMin: 120, PatientOverlapOK: true}); err != nil {
		t.Fatalf("confirmed overlap: %v", err)
	}

	// Ana works only 14:00–18:00 on Mondays: moving the session to her is
	// outside her hours; reception cannot override, an admin can, audited.
	if _, err := f.tn.SetSpecialistHours(f.ctx, f.admin, ana, 1, []store.TimeRange{{Opens: "14:00", Closes: "18:00"}}); err != nil {
		t.Fatal(err)
	}
	s2 := f.book(store.Booking{PatientID: other, SpecialistID: ciro, RoomID: room2, Start: agAt(2026, 11, 23, 9, 0)})
	_, err = f.tn.EditSession(f.ctx, f.desk, s2.ID, store.SessionEdit{SpecialistID: ana})
	if ov := agOverlap(t, err); ov.Resource != store.ResourceSpecialistHours {
		t.Errorf("outside hours: %+v", ov)
	}
	if _, err := f.tn.EditSession(f.ctx, f.desk, s2.ID, store.SessionEdit{SpecialistID: ana, OverrideReason: "urgente"}); !agForbidden(err) {
		t.Errorf("reception override: %v", err)
	}
	if got, err := f.tn.EditSession(f.ctx, f.admin, s2.ID, store.SessionEdit{SpecialistID: ana, OverrideReason: "urgente"}); err != nil || got.SpecialistID != ana {
		t.Fatalf("admin override: %+v %v", got, err)
	}
	f.scalar(&audited, `select count(*) from audit_log where entity_id = $1 and action = 'update'
		and detail->'availability_override'->>'reason' = 'urgente'`, s2.ID)
	if audited != 1 {
		t.Errorf("override not audited")
	}

	// A specialist edits only their own, and not to another specialist; a
	// final session cannot be edited.
	drCiro := f.user("ciro@x.test", "Ciro", store.RoleSpecialist, ciro)
	if _, err := f.tn.EditSession(f.ctx, drCiro, s.ID, store.SessionEdit{SpecialistID: bea}); !agForbidden(err) {
		t.Errorf("specialist hands the session over: %v", err)
	}
	if _, err := f.tn.CancelSession(f.ctx, f.desk, s.ID, store.CancelPatient, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.tn.EditSession(f.ctx, f.desk, s.ID, store.SessionEdit{DurationMin: 30}); !agStatusErr(err) {
		t.Errorf("edit of a cancelled session: %v", err)
	}
	if _, err := f.tn.EditSession(f.ctx, f.desk, s2.ID, store.SessionEdit{DurationMin: 2}); !agInvalid(err, "duration_min") {
		t.Errorf("2 minutes: %v", err)
	}
}

// weekly books a weekly series of n sessions for the patient at start.
func (f *agendaFixture) weekly(pat, spec, room int64, start time.Time, n int) []store.Session {
	f.t.Helper()
	out, err := f.tn.BookSession(f.ctx, f.admin, store.Booking{PatientID: pat, SpecialistID: spec, RoomID: room,
		Start: start, DurationMin: 60, Repeat: store.Repeat{WeeklyCount: n}})
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

// openStarts is the starts of the patient's open sessions, in order.
func (f *agendaFixture) openStarts(pat int64) []string {
	f.t.Helper()
	ss, err := f.tn.ListSessions(f.ctx, f.admin, store.SessionFilter{PatientID: pat})
	if err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for _, s := range ss {
		if !s.Final() {
			out = append(out, s.StartsAt.Format("01-02 15:04"))
		}
	}
	return out
}

// A series moves one occurrence, it and the following ones, or all, each
// as a reschedule in the same series; a clash on any date refuses the whole
// move with every clashing date and changes nothing.
func TestMoveSeriesScopes(t *testing.T) {
	t.Parallel()
	f := newAgendaFixture(t, 0)
	pat := f.patient("Luis", "Rojas", "90")
	other := f.patient("Eva", "Paz", "90")
	spec := f.specialist("Rosa", "Mena", "percent", "40", true)
	room := f.room("Sala 1")
	series := f.weekly(pat, spec, room, agAt(2026, 11, 16, 10, 0), 4) // Mondays 16, 23, 30 Nov, 7 Dec
	sid := series[0].ID
	for _, s := range series {
		if s.SeriesID == nil || *s.SeriesID != sid {
			t.Fatalf("series link: %+v", s)
		}
	}
	// this: the second one to Tuesday 11:00; the others stay.
	moved, err := f.tn.MoveSessions(f.ctx, f.desk, series[1].ID, store.SessionMove{Start: agAt(2026, 11, 24, 11, 0), Scope: store.ScopeThis})
	if err != nil {
		t.Fatal(err)
	}
	if len(moved) != 1 || moved[0].SeriesID == nil || *moved[0].SeriesID != sid || *moved[0].RescheduledFrom != series[1].ID {
		t.Fatalf("moved one: %+v", moved)
	}
	if got, want := fmt.Sprint(f.openStarts(pat)), "[11-16 10:00 11-24 11:00 11-30 10:00 12-07 10:00]"; got != want {
		t.Errorf("after this: %s, want %s", got, want)
	}
	// following, from the moved one (Tuesday 24) to Wednesday 25 at 09:00:
	// it and the next two move one day later, to 09:00; the first stays.
	moved, err = f.tn.MoveSessions(f.ctx, f.desk, moved[0].ID, store.SessionMove{Start: agAt(2026, 11, 25, 9, 0), Scope: store.ScopeFollowing})
	if err != nil {
		t.Fatal(err)
	}
	after := "[11-16 10:00 11-25 09:00 12-01 09:00 12-08 09:00]"
	if got := fmt.Sprint(f.openStarts(pat)); got != after || len(moved) != 3 {
		t.Errorf("after following: %s, want %s (%d moved)", got, after, len(moved))
	}
	// all, one day earlier: Monday 16 becomes Sunday 15, when the clinic is
	// closed: the whole move is refused, naming that date; nothing changes.
	_, err = f.tn.MoveSessions(f.ctx, f.desk, series[0].ID, store.SessionMove{Start: agAt(2026, 11, 15, 10, 0), Scope: store.ScopeAll})
	var bc *store.BookingConflicts
	if !errors.As(err, &bc) || len(bc.Dates) != 1 || bc.Dates[0].Overlap.Resource != store.ResourceClinicHours ||
		!bc.Dates[0].Start.Equal(agAt(2026, 11, 15, 10, 0)) {
		t.Fatalf("move onto a Sunday: want 1 conflict on 15 Nov, got %v", err)
	}
	if got := fmt.Sprint(f.openStarts(pat)); got != after {
		t.Errorf("refused move changed the series: %s", got)
	}

	// all, to 08:00: a blocker on 1 Dec 08:00 clashes with one date; every
	// other date was free, yet nothing moves; the conflict has free slots.
	blocker := f.book(store.Booking{PatientID: other, SpecialistID: spec, RoomID: room, Start: agAt(2026, 12, 1, 8, 0)})
	ids := f.openIDs(pat)
	_, err = f.tn.MoveSessions(f.ctx, f.desk, ids[1], store.SessionMove{Start: agAt(2026, 11, 25, 8, 0), Scope: store.ScopeAll})
	if !errors.As(err, &bc) {
		t.Fatalf("want *BookingConflicts, got %v", err)
	}
	if len(bc.Dates) != 1 || bc.Dates[0].Overlap.SessionID != blocker.ID || !bc.Dates[0].Start.Equal(agAt(2026, 12, 1, 8, 0)) ||
		len(bc.Dates[0].FreeSlots) == 0 {
		t.Errorf("conflicts: %+v", bc.Dates)
	}
	if got := f.openIDs(pat); fmt.Sprint(got) != fmt.Sprint(ids) {
		t.Errorf("refused move changed sessions: %v -> %v", ids, got)
	}
	// To 12:00 all four move; the old ones are cancelled "rescheduled".
	moved, err = f.tn.MoveSessions(f.ctx, f.desk, ids[1], store.SessionMove{Start: agAt(2026, 11, 25, 12, 0), Scope: store.ScopeAll})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(f.openStarts(pat)), "[11-16 12:00 11-25 12:00 12-01 12:00 12-08 12:00]"; got != want || len(moved) != 4 {
		t.Errorf("after all: %s, want %s (%d moved)", got, want, len(moved))
	}
	for _, id := range ids {
		if s, _ := f.tn.GetSession(f.ctx, f.admin, id); s.Status != store.SessionCancelled || s.CancelReason != store.CancelRescheduled {
			t.Errorf("old #%d: %s %s", id, s.Status, s.CancelReason)
		}
	}
	if _, err := f.tn.MoveSessions(f.ctx, f.desk, ids[0], store.SessionMove{Start: agAt(2026, 11, 23, 12, 0), Scope: "some"}); !agInvalid(err, "scope") {
		t.Errorf("bad scope: %v", err)
	}
}

// openIDs is the ids of the patient's open sessions, in order of start.
func (f *agendaFixture) openIDs(pat int64) []int64 {
	f.t.Helper()
	ss, err := f.tn.ListSessions(f.ctx, f.admin, store.SessionFilter{PatientID: pat})
	if err != nil {
		f.t.Fatal(err)
	}
	var out []int64
	for _, s := range ss {
		if !s.Final() {
			out = append(out, s.ID)
		}
	}
	return out
}

// Cancelling this / this and following / all of a series cancels exactly
// those open sessions; a completed one stays as it is.
func TestCancelSeriesScopes(t *testing.T) {
	t.Parallel()
	f := newAgendaFixture(t, 0)
	pat := f.patient("Luis", "Rojas", "90")
	spec := f.specialist("Rosa", "Mena", "percent", "40", true)
	room := f.room("Sala 1")
	a := f.weekly(pat, spec, room, agAt(2026, 11, 16, 10, 0), 5)
	out, err := f.tn.CancelSessions(f.ctx, f.desk, a[3].ID, store.SessionCancel{Reason: store.CancelPatient, Scope: store.ScopeFollowing})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 || out[0].ID != a[3].ID || out[1].ID != a[4].ID || out[1].Status != store.SessionCancelled {
		t.Errorf("following: %+v", out)
	}
	if _, err := f.tn.CancelSessions(f.ctx, f.desk, a[1].ID, store.SessionCancel{Reason: store.CancelClinic}); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(f.openIDs(pat)); got != fmt.Sprint([]int64{a[0].ID, a[2].ID}) {
		t.Errorf("after following and this: %s", got)
	}
	// all, from the last open one: the earlier open one goes too; a
	// completed one of the series stays completed.
	b := f.weekly(pat, spec, room, agAt(2026, 12, 21, 15, 0), 3)
	if _, err := f.tn.CompleteSession(f.ctx, f.admin, b[0].ID, "bien"); err != nil {
		t.Fatal(err)
	}
	out, err = f.tn.CancelSessions(f.ctx, f.desk, b[2].ID, store.SessionCancel{Reason: store.CancelTherapist, Scope: store.ScopeAll})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 || out[0].ID != b[1].ID || out[1].ID != b[2].ID {
		t.Errorf("all: %+v", out)
	}
	if s, _ := f.tn.GetSession(f.ctx, f.admin, b[0].ID); s.Status != store.SessionCompleted {
		t.Errorf("completed one of the series: %s", s.Status)
	}
	var audited int
	f.scalar(&audited, `select count(*) from audit_log where entity = 'session' and action = 'cancel' and detail->>'scope' = 'all'`)
	if audited != 2 {
		t.Errorf("%d cancel audit rows with scope all, want 2", audited)
	}
	if _, err := f.tn.CancelSessions(f.ctx, f.desk, b[1].ID, store.SessionCancel{Reason: store.CancelPatient}); !agStatusErr(err) {
		t.Errorf("cancel twice: %v", err)
	}
}

// Booking paid in advance records how; cancelling it asks what becomes of
// the payment: credit moves it to the patient's next session (booked
// already, or the next one booked), refund records it as refunded.
func TestCancelPrepaidCreditOrRefund(t *testing.T) {
	t.Parallel()
	f := newAgendaFixture(t, 0)
	pat := f.patient("Luis", "Rojas", "90")
	spec := f.specialist("Rosa", "Mena", "percent", "40", true)
	room := f.room("Sala 1")
	pre, err := f.tn.BookSession(f.ctx, f.desk, store.Booking{PatientID: pat, SpecialistID: spec, RoomID: room,
		Start: agAt(2026, 11, 16, 10, 0), Payment: &store.PaymentInput{Method: store.MethodTransfer, Reference: "OP-7"}})
	if err != nil {
		t.Fatal(err)
	}
	s1 := pre[0]
	if !s1.Paid || !s1.PaidInAdvance {
		t.Fatalf("prepaid booking: %+v", s1)
	}
	// No answer: refused as a missing field, nothing cancelled.
	_, err = f.tn.CancelSessions(f.ctx, f.desk, s1.ID, store.SessionCancel{Reason: store.CancelPatient})
	var pc *store.PrepaidChoiceError
	if !errors.As(err, &pc) || len(pc.SessionIDs) != 1 || !pc.Total.Equal(agDec("90")) || !agInvalid(err, "prepaid") {
		t.Fatalf("want *PrepaidChoiceError, got %v", err)
	}
	if s, _ := f.tn.GetSession(f.ctx, f.admin, s1.ID); s.Final() {
		t.Fatalf("cancelled without an answer")
	}
	// A specialist may cancel but not decide a refund.
	dr := f.user("rosa@x.test", "Rosa", store.RoleSpecialist, spec)
	if _, err := f.tn.CancelSessions(f.ctx, dr, s1.ID, store.SessionCancel{Reason: store.CancelPatient, Prepaid: store.PrepaidRefund}); !agForbidden(err) {
		t.Errorf("specialist refund: %v", err)
	}

	// Credit, with no other session booked: held; the payment stays paid.
	if _, err := f.tn.CancelSessions(f.ctx, f.desk, s1.ID, store.SessionCancel{Reason: store.CancelPatient, Prepaid: store.PrepaidCredit}); err != nil {
		t.Fatal(err)
	}
	credits, err := f.tn.PatientCredits(f.ctx, f.desk, pat, false)
	if err != nil || len(credits) != 1 || credits[0].FromSessionID != s1.ID || !credits[0].Amount.Equal(agDec("90")) ||
		credits[0].PaymentID != *s1.PaymentID || credits[0].UsedSessionID != nil {
		t.Fatalf("open credits: %+v %v", credits, err)
	}
	if !credits[0].CreatedAt.Equal(f.clock.Now()) { // the store's clock, not the database's
		t.Errorf("credit created at %v, the clock says %v", credits[0].CreatedAt, f.clock.Now())
	}
	if _, err := f.tn.PatientCredits(f.ctx, dr, pat, true); !agForbidden(err) {
		t.Errorf("a specialist reads credits: %v", err)
	}
	if was, _ := f.tn.GetSession(f.ctx, f.admin, s1.ID); !was.Paid || was.Status != store.SessionCancelled {
		t.Errorf("the credited payment: %+v", was)
	}
	// The next booking takes it over: paid in advance, the same payment.
	s2 := f.book(store.Booking{PatientID: pat, SpecialistID: spec, RoomID: room, Start: agAt(2026, 11, 23, 10, 0)})
	if !s2.Paid || !s2.PaidInAdvance || s2.PaymentID == nil || *s2.PaymentID != *s1.PaymentID {
		t.Errorf("next session after the credit: %+v", s2)
	}
	credits, err = f.tn.PatientCredits(f.ctx, f.desk, pat, true)
	if err != nil || len(credits) != 1 || credits[0].UsedSessionID == nil || *credits[0].UsedSessionID != s2.ID ||
		credits[0].UsedAt == nil || !credits[0].UsedAt.Equal(f.clock.Now()) {
		t.Errorf("used credit: %+v %v", credits, err)
	}
	if open, _ := f.tn.PatientCredits(f.ctx, f.desk, pat, false); len(open) != 0 {
		t.Errorf("the credit is still open: %+v", open)
	}
	log, err := f.tn.PaymentLog(f.ctx, f.desk, s2.ID)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range log {
		actions = append(actions, e.Action+"@"+fmt.Sprint(e.SessionID == s2.ID))
	}
	if got := fmt.Sprint(actions); got != "[paid@false credited@false moved@true]" {
		t.Errorf("payment log: %s", got)
	}

	// Credit with a session booked already: it takes the payment now.
	s3 := f.book(store.Booking{PatientID: pat, SpecialistID: spec, RoomID: room, Start: agAt(2026, 11, 30, 10, 0)})
	if s3.PaymentID != nil {
		t.Fatalf("s3 has a payment: %+v", s3)
	}
	if _, err := f.tn.CancelSessions(f.ctx, f.desk, s2.ID, store.SessionCancel{Reason: store.CancelTherapist, Prepaid: store.PrepaidCredit}); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.tn.GetSession(f.ctx, f.admin, s3.ID); !got.Paid || got.PaymentID == nil || *got.PaymentID != *s1.PaymentID {
		t.Errorf("booked session after the credit: %+v", got)
	}

	// Refund: the payment becomes unpaid, logged "refunded"; no credit.
	if _, err := f.tn.CancelSessions(f.ctx, f.desk, s3.ID, store.SessionCancel{Reason: store.CancelPatient, Prepaid: store.PrepaidRefund}); err != nil {
		t.Fatal(err)
	}
	p, err := f.tn.GetSession(f.ctx, f.admin, s3.ID)
	if err != nil || p.Paid || p.PaymentID == nil {
		t.Fatalf("refunded: %+v %v", p, err)
	}
	log, _ = f.tn.PaymentLog(f.ctx, f.desk, s3.ID)
	if last := log[len(log)-1]; last.Action != "refunded" || !last.Amount.Equal(agDec("90")) || last.Method != store.MethodTransfer {
		t.Errorf("last log row: %+v", last)
	}
	if open, _ := f.tn.PatientCredits(f.ctx, f.desk, pat, false); len(open) != 0 {
		t.Errorf("a refund left credits: %+v", open)
	}
	// Keep: the payment stays paid on the cancelled session.
	s4 := f.book(store.Booking{PatientID: pat, SpecialistID: spec, RoomID: room, Start: agAt(2026, 12, 7, 10, 0), PaidInAdvance: true})
	if _, err := f.tn.CancelSessions(f.ctx, f.desk, s4.ID, store.SessionCancel{Reason: store.CancelNoShow, Prepaid: store.PrepaidKeep}); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.tn.GetSession(f.ctx, f.admin, s4.ID); !got.Paid || got.Status != store.SessionCancelled {
		t.Errorf("kept: %+v", got)
	}
}

// The session list filters by patient and by room.
func TestListSessionsByPatientAndRoom(t *testing.T) {
	t.Parallel()
	f := newAgendaFixture(t, 0)
	luis, eva := f.patient("Luis", "Rojas", "90"), f.patient("Eva", "Paz", "90")
	spec1, spec2 := f.specialist("Rosa", "Mena", "percent", "40", true), f.specialist("Ana", "Torres", "fixed", "1000", true)
	room1, room2 := f.room("Sala 1"), f.room("Sala 2")
	day := agAt(2026, 11, 16, 10, 0)
	a := f.book(store.Booking{PatientID: luis, SpecialistID: spec1, RoomID: room1, Start: day})
	b := f.book(store.Booking{PatientID: eva, SpecialistID: spec2, RoomID: room2, Start: day})
	c := f.book(store.Booking{PatientID: luis, SpecialistID: spec2, RoomID: room2, Start: day.Add(2 * time.Hour)})
	for _, tc := range []struct {
		f    store.SessionFilter
		want []int64
	}{
		{store.SessionFilter{PatientID: luis}, []int64{a.ID, c.ID}},
		{store.SessionFilter{PatientID: eva}, []int64{b.ID}},
		{store.SessionFilter{RoomID: room2}, []int64{b.ID, c.ID}},
		{store.SessionFilter{RoomID: room1}, []int64{a.ID}},
		{store.SessionFilter{PatientID: luis, RoomID: room2}, []int64{c.ID}},
		{store.SessionFilter{}, []int64{a.ID, b.ID, c.ID}},
	} {
		ss, err := f.tn.ListSessions(f.ctx, f.desk, tc.f)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, s := range ss {
			got = append(got, s.ID)
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%+v: %v, want %v", tc.f, got, tc.want)
		}
	}
}

// Two desks hand two sessions at the same hour to the same free specialist
// at once: exactly one edit wins; the other gets the *OverlapError naming
// the winner (the exclusion constraint guards what the pre-check cannot).
func TestConcurrentEditsIntoOneSlot(t *testing.T) {
	t.Parallel()
	f := newAgendaFixture(t, 0)
	day := agAt(2026, 11, 16, 10, 0)
	free := f.specialist("Ciro", "Vega", "percent", "40", true)
	const n = 6
	ids := make([]int64, n)
	for i := range n {
		ids[i] = f.book(store.Booking{PatientID: f.patient("P", fmt.Sprint(i), "90"),
			SpecialistID: f.specialist("Esp", fmt.Sprint(i), "percent", "40", true),
			RoomID:       f.room(fmt.Sprintf("Sala %d", i)), Start: day.Add(time.Duration(i) * time.Minute)}).ID
	}
	errs := make([]error, n)
	start := make(chan struct{})
	done := make(chan int)
	for i := range n {
		go func() {
			<-start
			_, errs[i] = f.tn.EditSession(f.ctx, f.desk, ids[i], store.SessionEdit{SpecialistID: free})
			done <- i
		}()
	}
	close(start)
	for range n {
		<-done
	}
	var winner int64
	for i, err := range errs {
		if err == nil {
			if winner != 0 {
				t.Fatalf("two edits won: #%d and #%d", winner, ids[i])
			}
			winner = ids[i]
		}
	}
	if winner == 0 {
		t.Fatalf("no edit won: %v", errs)
	}
	for i, err := range errs {
		if err != nil {
			if ov := agOverlap(t, err); ov.SessionID != winner || ov.Resource != "specialist" {
				t.Errorf("edit of #%d: overlap %+v, want winner #%d", ids[i], ov, winner)
			}
		}
	}
	var withFree int
	f.scalar(&withFree, `select count(*) from sessions where specialist_id = $1`, free)
	if withFree != 1 {
		t.Errorf("%d sessions with the free specialist, want 1", withFree)
	}
}
