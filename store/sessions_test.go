package store_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"consultorio/store"
	"consultorio/store/storetest"
)

// 20 clients book overlapping sessions at once, each in a different room
// (one specialist) or for a different specialist (one room): exactly one
// wins; the 19 others get an *OverlapError naming the winner's session.
func TestConcurrentOverlappingBookings(t *testing.T) {
	t.Parallel()
	for _, resource := range []string{"specialist", "room"} {
		t.Run(resource, func(t *testing.T) {
			f := newAgendaFixture(t, 20)
			const n = 20
			pat := f.patient("Ana", "Quispe", "100")
			specs, rooms := make([]int64, n), make([]int64, n)
			for i := range n {
				switch {
				case i == 0:
					specs[i], rooms[i] = f.specialist("Esp", "0", "percent", "40", true), f.room("Sala 0")
				case resource == "specialist": // one specialist, 20 rooms
					specs[i], rooms[i] = specs[0], f.room(fmt.Sprintf("Sala %d", i))
				default: // one room, 20 specialists
					specs[i], rooms[i] = f.specialist("Esp", fmt.Sprint(i), "percent", "40", true), rooms[0]
				}
			}
			base := agAt(2026, 11, 16, 10, 0)
			var wg sync.WaitGroup
			start := make(chan struct{})
			ids := make([]int64, n)
			errs := make([]error, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					// every start lies within 19 minutes of the others: all pairs overlap
					// one patient for all: their own overlap is a warning,
					// confirmed, so the race is about the specialist or room
					out, err := f.tn.BookSession(f.ctx, f.desk, store.Booking{
						PatientID: pat, SpecialistID: specs[i], RoomID: rooms[i],
						Start: base.Add(time.Duration(i) * time.Minute), DurationMin: 60,
						PatientOverlapOK: true,
					})
					errs[i] = err
					if err == nil {
						ids[i] = out[0].ID
					}
				}()
			}
			close(start)
			wg.Wait()
			var winner int64
			for i := range n {
				if errs[i] == nil {
					if winner != 0 {
						t.Fatalf("two bookings succeeded: #%d and #%d", winner, ids[i])
					}
					winner = ids[i]
				}
			}
			if winner == 0 {
				t.Fatalf("no booking succeeded: %v", errs)
			}
			losers := 0
			for i := range n {
				if errs[i] == nil {
					continue
				}
				losers++
				ov := agOverlap(t, errs[i])
				if ov.SessionID != winner || ov.Resource != resource {
					t.Errorf("client %d: overlap names session #%d (%s), want #%d (%s)", i, ov.SessionID, ov.Resource, winner, resource)
				}
			}
			if losers != n-1 {
				t.Errorf("%d losers, want %d", losers, n-1)
			}
			if got := f.countSessions(); got != 1 {
				t.Errorf("%d sessions saved, want 1", got)
			}
		})
	}
}

// When the clash is only caught by the exclusion constraint (the other
// booking was not committed yet when the pre-check ran), the caller gets
// the same *OverlapError naming the session that won.
func TestBookingRaceCaughtByConstraint(t *testing.T) {
	t.Parallel()
	f := newAgendaFixture(t, 4)
	pat := f.patient("Ana", "Quispe", "100")
	spec := f.specialist("Rosa", "Mena", "percent", "40", true)
	room := f.room("Sala 1")
	start := agAt(2026, 11, 16, 10, 0)

	// A competitor inserts the same slot in a transaction left open.
	tx, err := storetest.Owner(t, f.db).Begin(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(f.ctx) //nolint:errcheck
	var rival int64
	if err := tx.QueryRow(f.ctx, `insert into "clinic-a".sessions (patient_id, specialist_id, room_id, starts_at, duration_min, ends_at)
		values ($1, $2, $3, $4, 60, $4::timestamptz + interval '60 minutes') returning id`, pat, spec, room, start).Scan(&rival); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := f.tn.BookSession(f.ctx, f.desk, store.Booking{PatientID: pat, SpecialistID: spec, RoomID: room,
			Start: start.Add(30 * time.Minute), DurationMin: 60})
		done <- err
	}()
	// Wait until the booking passed its pre-check and blocks on the
	// constraint (a lock it has not been granted), then let the rival commit.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var waiting int
		if err := f.db.Pool().QueryRow(f.ctx, `select count(*) from pg_locks l join pg_stat_activity a on a.pid = l.pid
			where not l.granted and a.datname = current_database()`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("booking returned before the rival committed: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the booking never waited on the rival's row")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := tx.Commit(f.ctx); err != nil {
		t.Fatal(err)
	}
	err = <-done
	ov := agOverlap(t, err)
	if ov.SessionID != rival || ov.Resource != "specialist" || !ov.Start.Equal(start) {
		t.Errorf("overlap = %+v, want session #%d (specialist) at %v", ov, rival, start)
	}
	if got := f.countSessions(); got != 1 {
		t.Errorf("%d sessions, want 1", got)
	}
}

// The status flow of PRODUCT.md §4, one transition per row.
func TestSessionStatusFlow(t *testing.T) {
	t.Parallel()
	f := newAgendaFixture(t, 0)
	storetest.OpenAllHours(t, f.tn) // one session a day, Sundays included
	pat := f.patient("Luis", "Rojas", "120.50")
	spec := f.specialist("Rosa", "Mena", "percent", "40", true)
	room := f.room("Sala 1")
	slot := 0
	newSession := func(t *testing.T, state string) int64 {
		t.Helper()
		slot++
		s := f.book(store.Booking{PatientID: pat, SpecialistID: spec, RoomID: room,
			Start: agAt(2026, 11, 16, 8, 0).AddDate(0, 0, slot), DurationMin: 45})
		var err error
		switch state {
		case "planned+completed":
			if _, err = f.tn.UpdateSessionPlan(f.ctx, f.admin, s.ID, store.Plan{Activity: "Juego"}); err == nil {
				_, err = f.tn.CompleteSession(f.ctx, f.admin, s.ID, "Bien")
			}
		case store.SessionPlanned:
			_, err = f.tn.UpdateSessionPlan(f.ctx, f.admin, s.ID, store.Plan{Objective: "Evaluar"})
		case store.SessionCompleted:
			_, err = f.tn.CompleteSession(f.ctx, f.admin, s.ID, "Bien")
		case store.SessionCancelled:
			_, err = f.tn.CancelSession(f.ctx, f.admin, s.ID, store.CancelPatient, "")
		}
		if err != nil {
			t.Fatal(err)
		}
		return s.ID
	}
	plan := func(p store.Plan) func(int64) error {
		return func(id int64) error { _, err := f.tn.UpdateSessionPlan(f.ctx, f.admin, id, p); return err }
	}
	complete := func(obs string) func(int64) error {
		return func(id int64) error { _, err := f.tn.CompleteSession(f.ctx, f.admin, id, obs); return err }
	}
	cancel := func(reason string) func(int64) error {
		return func(id int64) error { _, err := f.tn.CancelSession(f.ctx, f.admin, id, reason, "llamó"); return err }
	}
	reopen := func(id int64) error { _, err := f.tn.ReopenSession(f.ctx, f.admin, id); return err }
	reschedule := func(id int64) error {
		_, err := f.tn.RescheduleSession(f.ctx, f.admin, id, agAt(2026, 12, 20, 9, 0).Add(time.Duration(id)*time.Hour), 0, false)
		return err
	}
	type check func(error) bool
	ok := func(err error) bool { return err == nil }
	cases := []struct {
		name   string
		from   string
		action func(int64) error
		want   check
		status string
	}{
		{"plan objective", store.SessionUnplanned, plan(store.Plan{Objective: "Evaluar atención"}), ok, store.SessionPlanned},
		{"plan activity", store.SessionUnplanned, plan(store.Plan{Activity: "Juego"}), ok, store.SessionPlanned},
		{"materials alone do not plan", store.SessionUnplanned, plan(store.Plan{Materials: "Cubos"}), ok, store.SessionUnplanned},
		{"blank plan unplans", store.SessionPlanned, plan(store.Plan{Objective: "  ", Activity: ""}), ok, store.SessionUnplanned},
		{"complete unplanned", store.SessionUnplanned, complete("Trabajó bien"), ok, store.SessionCompleted},
		{"complete planned", store.SessionPlanned, complete("Trabajó bien"), ok, store.SessionCompleted},
		{"complete needs observation", store.SessionPlanned, complete("   "), func(err error) bool { return agInvalid(err, "observation") }, store.SessionPlanned},
		{"cancel unplanned", store.SessionUnplanned, cancel(store.CancelNoShow), ok, store.SessionCancelled},
		{"cancel planned", store.SessionPlanned, cancel(store.CancelTherapist), ok, store.SessionCancelled},
		{"cancel needs a known reason", store.SessionPlanned, cancel("bored"), func(err error) bool { return agInvalid(err, "cancel_reason") }, store.SessionPlanned},
		{"rescheduled is not a user reason", store.SessionPlanned, cancel(store.CancelRescheduled), func(err error) bool { return agInvalid(err, "cancel_reason") }, store.SessionPlanned},
		{"completed: no plan", store.SessionCompleted, plan(store.Plan{Objective: "x"}), agStatusErr, store.SessionCompleted},
		{"completed: no second completion", store.SessionCompleted, complete("otra"), agStatusErr, store.SessionCompleted},
		{"completed: no cancel", store.SessionCompleted, cancel(store.CancelPatient), agStatusErr, store.SessionCompleted},
		{"completed: no reschedule", store.SessionCompleted, reschedule, agStatusErr, store.SessionCompleted},
		{"completed: admin reopens to unplanned", store.SessionCompleted, reopen, ok, store.SessionUnplanned},
		{"completed: admin reopens to planned", "planned+completed", reopen, ok, store.SessionPlanned},
		{"cancelled: no plan", store.SessionCancelled, plan(store.Plan{Objective: "x"}), agStatusErr, store.SessionCancelled},
		{"cancelled: no completion", store.SessionCancelled, complete("vino igual"), agStatusErr, store.SessionCancelled},
		{"cancelled: no second cancel", store.SessionCancelled, cancel(store.CancelClinic), agStatusErr, store.SessionCancelled},
		{"cancelled: no reschedule", store.SessionCancelled, reschedule, agStatusErr, store.SessionCancelled},
		{"cancelled: no reopen", store.SessionCancelled, reopen, agStatusErr, store.SessionCancelled},
		{"planned: no reopen", store.SessionPlanned, reopen, agStatusErr, store.SessionPlanned},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			from := c.from
			id := newSession(t, from)
			err := c.action(id)
			if !c.want(err) {
				t.Fatalf("unexpected result: %v", err)
			}
			s, err := f.tn.GetSession(f.ctx, f.admin, id)
			if err != nil {
				t.Fatal(err)
			}
			if s.Status != c.status {
				t.Errorf("status %s, want %s", s.Status, c.status)
			}
		})
	}
}

// Completion: observation required, completed_at from the clock, an unpaid
// payment at the patient's price; a prepaid session keeps its payment.
func TestCompleteSessionCreatesUnpaidPayment(t *testing.T) {
	t.Parallel()
	f := newAgendaFixture(t, 0)
	pat := f.patient("Luis", "Rojas", "120.50")
	spec := f.specialist("Rosa", "Mena", "percent", "40", true)
	room := f.room("Sala 1")
	s := f.book(store.Booking{PatientID: pat, SpecialistID: spec, RoomID: room, Start: agAt(2026, 11, 10, 9, 0)})
	if s.DurationMin != 60 || !s.EndsAt.Equal(agAt(2026, 11, 10, 10, 0)) {
		t.Errorf("default duration: %d min, ends %v", s.DurationMin, s.EndsAt)
	}
	if _, err := f.tn.CompleteSession(f.ctx, f.admin, s.ID, ""); !agInvalid(err, "observation") {
		t.Fatalf("completion without observation: %v", err)
	}
	if got, _ := f.tn.GetSession(f.ctx, f.admin, s.ID); got.Status != store.SessionUnplanned || got.PaymentID != nil {
		t.Fatalf("refused completion changed the session: %+v", got)
	}
	done, err := f.tn.CompleteSession(f.ctx, f.admin, s.ID, "Logró los objetivos")
	if err != nil {
		t.Fatal(err)
	}
	if done.Status != store.SessionCompleted || done.CompletedAt == nil || !done.CompletedAt.Equal(f.clock.Now()) {
		t.Errorf("completed: %s at %v", done.Status, done.CompletedAt)
	}
	if done.PaymentID == nil || done.Paid || !done.Amount.Equal(agDec("120.50")) {
		t.Fatalf("payment after completion: id %v paid %v amount %v", done.PaymentID, done.Paid, done.Amount)
	}
	p, err := f.tn.GetPayment(f.ctx, f.desk, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p.Paid || p.PaidOn != nil || !p.Amount.Equal(agDec("120.50")) {
		t.Errorf("payment: %+v", p)
	}
	// Reopen and complete again: still one payment.
	if _, err := f.tn.ReopenSession(f.ctx, f.admin, s.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.tn.CompleteSession(f.ctx, f.admin, s.ID, "Corregido"); err != nil {
		t.Fatal(err)
	}
	var n int
	f.scalar(&n, `select count(*) from payments where session_id = $1`, s.ID)
	if n != 1 {
		t.Errorf("%d payments after reopen + complete, want 1", n)
	}
	// Prepaid: completion keeps the paid payment.
	pre, err := f.tn.BookSession(f.ctx, f.desk, store.Booking{PatientID: pat, SpecialistID: spec, RoomID: room,
		Start: agAt(2026, 11, 10, 11, 0), PaidInAdvance: true})
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.tn.CompleteSession(f.ctx, f.admin, pre[0].ID, "Bien")
	if err != nil {
		t.Fatal(err)
	}
	if !c.Paid || *c.PaymentID != *pre[0].PaymentID || !c.Amount.Equal(agDec("120.50")) {
		t.Errorf("prepaid completion: paid %v payment %v amount %v", c.Paid, c.PaymentID, c.Amount)
	}
	// Audit rows for the session's changes.
	entries, err := f.tn.AuditLog(f.ctx, f.admin, store.AuditFilter{Entity: "session", EntityID: s.ID})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action)
	}
	if fmt.Sprint(actions) != "[complete reopen complete create]" {
		t.Errorf("audit actions (newest first) = %v", actions)
	}
}

// Reschedule of a prepaid session: one payment, now on the new session, a
// "moved" log row; the old session cancelled/rescheduled and linked. A clash
// of the new slot changes nothing.
func TestReschedulePrepaidSession(t *testing.T) {
	t.Parallel()
	f := newAgendaFixture(t, 0)
	pat := f.patient("Luis", "Rojas", "90")
	other := f.patient("Eva", "Paz", "90")
	spec := f.specialist("Rosa", "Mena", "percent", "40", true)
	room1, room2 := f.room("Sala 1"), f.room("Sala 2")
	booked, err := f.tn.BookSession(f.ctx, f.desk, store.Booking{PatientID: pat, SpecialistID: spec, RoomID: room1,
		Start: agAt(2026, 11, 17, 10, 0), DurationMin: 50, Objective: "Lectura", Activity: "Cuentos",
		Payment: &store.PaymentInput{Method: store.MethodCard, Reference: "VISA-1"}})
	if err != nil {
		t.Fatal(err)
	}
	old := booked[0]
	if !old.PaidInAdvance || !old.Paid || !old.Amount.Equal(agDec("90")) || old.Status != store.SessionPlanned {
		t.Fatalf("prepaid booking: %+v", old)
	}
	blocker := f.book(store.Booking{PatientID: other, SpecialistID: spec, RoomID: room2, Start: agAt(2026, 11, 18, 10, 0)})

	// Into the blocker's slot: refused, nothing changes.
	_, err = f.tn.RescheduleSession(f.ctx, f.desk, old.ID, agAt(2026, 11, 18, 10, 30), room1, true)
	if ov := agOverlap(t, err); ov.SessionID != blocker.ID || ov.Resource != "specialist" {
		t.Fatalf("overlap %+v, want blocker #%d", ov, blocker.ID)
	}
	if s, _ := f.tn.GetSession(f.ctx, f.admin, old.ID); s.Status != store.SessionPlanned || s.RescheduledTo != nil || !s.Paid {
		t.Fatalf("refused reschedule changed the session: %+v", s)
	}

	// 20 minutes later in another room: overlaps only its own old slot.
	moved, err := f.tn.RescheduleSession(f.ctx, f.desk, old.ID, agAt(2026, 11, 17, 10, 20), room2, true)
	if err != nil {
		t.Fatal(err)
	}
	if moved.RescheduledFrom == nil || *moved.RescheduledFrom != old.ID || moved.RoomID != room2 ||
		moved.DurationMin != 50 || moved.Status != store.SessionPlanned ||
		!moved.PaidInAdvance || !moved.Paid || *moved.PaymentID != *old.PaymentID {
		t.Errorf("new session: %+v", moved)
	}
	// The plan was copied (reception, who moved it, does not see plans).
	if full, err := f.tn.GetSession(f.ctx, f.admin, moved.ID); err != nil || full.Objective != "Lectura" || !moved.PlanHidden {
		t.Errorf("copied plan: %+v %v (reception's view hidden: %v)", full, err, moved.PlanHidden)
	}
	was, err := f.tn.GetSession(f.ctx, f.admin, old.ID)
	if err != nil {
		t.Fatal(err)
	}
	if was.Status != store.SessionCancelled || was.CancelReason != store.CancelRescheduled ||
		was.RescheduledTo == nil || *was.RescheduledTo != moved.ID || was.PaymentID != nil {
		t.Errorf("old session: %+v", was)
	}
	var n int
	var on int64
	f.scalar(&n, `select count(*) from payments`)
	f.scalar(&on, `select session_id from payments`)
	if n != 1 || on != moved.ID {
		t.Errorf("%d payments, on session #%d; want 1 on #%d", n, on, moved.ID)
	}
	for _, sid := range []int64{moved.ID, old.ID} {
		log, err := f.tn.PaymentLog(f.ctx, f.desk, sid)
		if err != nil {
			t.Fatal(err)
		}
		if len(log) != 2 || log[0].Action != "paid" || log[0].SessionID != old.ID || log[0].Method != "card" ||
			log[1].Action != "moved" || log[1].SessionID != moved.ID || !log[1].Amount.Equal(agDec("90")) {
			t.Errorf("log of #%d: %+v", sid, log)
		}
	}
	// Without copyPlan the new session starts unplanned.
	s2 := f.book(store.Booking{PatientID: pat, SpecialistID: spec, RoomID: room1, Start: agAt(2026, 11, 19, 10, 0), Objective: "x"})
	m2, err := f.tn.RescheduleSession(f.ctx, f.desk, s2.ID, agAt(2026, 11, 20, 10, 0), 0, false)
	if err != nil {
		t.Fatal(err)
	}
	if m2.Objective != "" || m2.Status != store.SessionUnplanned || m2.RoomID != room1 || m2.PaymentID != nil || m2.PaidInAdvance {
		t.Errorf("reschedule without plan: %+v", m2)
	}
}

// Roles: specialists act on their own sessions only, reception schedules
// but does not record results, payments are read-only for specialists.
func TestSessionRoles(t *testing.T) {
	t.Parallel()
	f := newAgendaFixture(t, 0)
	pat := f.patient("Luis", "Rojas", "90")
	rosa := f.specialist("Rosa", "Mena", "percent", "40", true)
	juan := f.specialist("Juan", "Soto", "fixed", "1000", true)
	room := f.room("Sala 1")
	rosaU := f.user("rosa@clinic-a.test", "Rosa", store.RoleSpecialist, rosa)

	_, err := f.tn.BookSession(f.ctx, rosaU, store.Booking{PatientID: pat, SpecialistID: juan, RoomID: room, Start: agAt(2026, 11, 16, 9, 0)})
	if !agForbidden(err) {
		t.Errorf("specialist booking for another specialist: %v", err)
	}
	_, err = f.tn.BookSession(f.ctx, rosaU, store.Booking{PatientID: pat, SpecialistID: rosa, RoomID: room, Start: agAt(2026, 11, 16, 9, 0), PaidInAdvance: true})
	if !agForbidden(err) {
		t.Errorf("specialist recording a prepayment: %v", err)
	}
	own, err := f.tn.BookSession(f.ctx, rosaU, store.Booking{PatientID: pat, SpecialistID: rosa, RoomID: room, Start: agAt(2026, 11, 16, 9, 0)})
	if err != nil {
		t.Fatalf("specialist booking for self: %v", err)
	}
	theirs := f.book(store.Booking{PatientID: pat, SpecialistID: juan, RoomID: room, Start: agAt(2026, 11, 16, 11, 0)})

	if _, err := f.tn.CompleteSession(f.ctx, f.desk, own[0].ID, "Bien"); !agForbidden(err) {
		t.Errorf("reception completing: %v", err)
	}
	if _, err := f.tn.UpdateSessionPlan(f.ctx, f.desk, own[0].ID, store.Plan{Objective: "x"}); !agForbidden(err) {
		t.Errorf("reception planning: %v", err)
	}
	if _, err := f.tn.CompleteSession(f.ctx, rosaU, theirs.ID, "Bien"); !agForbidden(err) {
		t.Errorf("specialist completing another's session: %v", err)
	}
	if _, err := f.tn.CancelSession(f.ctx, rosaU, theirs.ID, store.CancelPatient, ""); !agForbidden(err) {
		t.Errorf("specialist cancelling another's session: %v", err)
	}
	if _, err := f.tn.ReopenSession(f.ctx, f.desk, theirs.ID); !agForbidden(err) {
		t.Errorf("reception reopening: %v", err)
	}
	if _, err := f.tn.GetSession(f.ctx, rosaU, theirs.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("specialist reading another's session: %v", err)
	}
	if _, err := f.tn.CompleteSession(f.ctx, rosaU, own[0].ID, "Bien"); err != nil {
		t.Errorf("specialist completing own: %v", err)
	}
	if _, err := f.tn.MarkPaid(f.ctx, rosaU, own[0].ID, store.PaymentInput{}); !agForbidden(err) {
		t.Errorf("specialist marking paid: %v", err)
	}
	if _, err := f.tn.MarkUnpaid(f.ctx, rosaU, own[0].ID); !agForbidden(err) {
		t.Errorf("specialist marking unpaid: %v", err)
	}
	if _, err := f.tn.PaymentLog(f.ctx, rosaU, own[0].ID); err != nil {
		t.Errorf("specialist reading own payment log: %v", err)
	}
	if _, err := f.tn.PaymentLog(f.ctx, rosaU, theirs.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("specialist reading another's payment log: %v", err)
	}
	if _, err := f.tn.CompleteSession(f.ctx, f.admin, theirs.ID, "Bien"); err != nil {
		t.Fatal(err)
	}
	list, err := f.tn.ListSessions(f.ctx, rosaU, store.SessionFilter{SpecialistID: juan})
	if err != nil || len(list) != 0 {
		t.Errorf("specialist listing another's sessions: %d, %v", len(list), err)
	}
	list, err = f.tn.ListSessions(f.ctx, rosaU, store.SessionFilter{})
	if err != nil || len(list) != 1 || list[0].ID != own[0].ID {
		t.Errorf("specialist listing: %v, %v", list, err)
	}
	pays, err := f.tn.ListPayments(f.ctx, rosaU, store.PaymentFilter{})
	if err != nil || len(pays.Payments) != 1 || pays.Payments[0].SessionID != own[0].ID {
		t.Errorf("specialist payments: %+v, %v", pays, err)
	}
	day, err := f.tn.Agenda(f.ctx, rosaU, time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC), store.AgendaFilter{})
	if err != nil || len(day) != 1 {
		t.Errorf("specialist agenda: %d sessions, %v", len(day), err)
	}
	if _, err := f.tn.Finance(f.ctx, f.desk, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)); !agForbidden(err) {
		t.Errorf("reception reading finance: %v", err)
	}
	if _, err := f.tn.ListExpenses(f.ctx, rosaU, time.Time{}); !agForbidden(err) {
		t.Errorf("specialist reading expenses: %v", err)
	}
	// A specialist user without a specialist record sees nothing.
	orphan := f.user("x@clinic-a.test", "X", store.RoleSpecialist, 0)
	if list, err := f.tn.ListSessions(f.ctx, orphan, store.SessionFilter{}); err != nil || len(list) != 0 {
		t.Errorf("orphan specialist listing: %d, %v", len(list), err)
	}
}

// Weekly × 4 whose 3rd date clashes: nothing is saved and the error lists
// that date, the clashing session and free slots.
func TestRepeatBookingWithConflict(t *testing.T) {
	t.Parallel()
	f := newAgendaFixture(t, 0)
	pat := f.patient("Luis", "Rojas", "90")
	other := f.patient("Eva", "Paz", "90")
	spec := f.specialist("Rosa", "Mena", "percent", "40", true)
	room1, room2 := f.room("Sala 1"), f.room("Sala 2")
	first := agAt(2026, 11, 16, 10, 0) // a Monday
	third := first.AddDate(0, 0, 14)
	blocker := f.book(store.Booking{PatientID: other, SpecialistID: spec, RoomID: room2, Start: third.Add(-30 * time.Minute)})

	b := store.Booking{PatientID: pat, SpecialistID: spec, RoomID: room1, Start: first, DurationMin: 60,
		Repeat: store.Repeat{WeeklyCount: 4}}
	check, err := f.tn.CheckBooking(f.ctx, f.desk, b)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.tn.BookSession(f.ctx, f.desk, b)
	var bc *store.BookingConflicts
	if !errors.As(err, &bc) {
		t.Fatalf("want *BookingConflicts, got %T %v", err, err)
	}
	for _, got := range [][]store.DateConflict{check, bc.Dates} {
		if len(got) != 1 {
			t.Fatalf("conflicts: %+v", got)
		}
		c := got[0]
		if !c.Start.Equal(third) || c.Overlap.SessionID != blocker.ID || c.Overlap.Resource != "specialist" {
			t.Errorf("conflict %+v, want %v with #%d", c, third, blocker.ID)
		}
		// blocker 09:30–10:30: the first free hour is 10:30, then 11:30, 12:30
		want := []time.Time{third.Add(30 * time.Minute), third.Add(90 * time.Minute), third.Add(150 * time.Minute)}
		if fmt.Sprint(c.FreeSlots) != fmt.Sprint(want) {
			t.Errorf("free slots %v, want %v", c.FreeSlots, want)
		}
	}
	if ov := agOverlap(t, err); ov.SessionID != blocker.ID {
		t.Errorf("errors.As overlap: %+v", ov)
	}
	if n := f.countSessions(); n != 1 {
		t.Errorf("%d sessions saved, want only the blocker", n)
	}
	// Moved to 11:00 the series fits: four sessions a week apart.
	b.Start = first.Add(time.Hour)
	out, err := f.tn.BookSession(f.ctx, f.desk, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 4 || !out[3].StartsAt.Equal(first.Add(time.Hour).AddDate(0, 0, 21)) {
		t.Errorf("series: %d sessions, last at %v", len(out), out[len(out)-1].StartsAt)
	}
	// Extra dates that overlap each other are refused before anything else.
	b.Start = first.AddDate(0, 1, 0)
	b.Repeat = store.Repeat{ExtraDates: []time.Time{b.Start.Add(30 * time.Minute)}}
	if _, err := f.tn.BookSession(f.ctx, f.desk, b); !agInvalid(err, "extra_dates") {
		t.Errorf("overlapping extra dates: %v", err)
	}
}

// Free slots respect working days and hours (clinic time zone) and both
// the specialist's and the room's sessions.
func TestNextFreeSlots(t *testing.T) {
	t.Parallel()
	f := newAgendaFixture(t, 0)
	pat := f.patient("Luis", "Rojas", "90")
	spec, spec2 := f.specialist("Rosa", "Mena", "percent", "40", true), f.specialist("Juan", "Soto", "percent", "40", true)
	room, room2 := f.room("Sala 1"), f.room("Sala 2")
	monday := agAt(2026, 11, 23, 0, 0)
	f.book(store.Booking{PatientID: pat, SpecialistID: spec, RoomID: room2, Start: monday.Add(8 * time.Hour)}) // specialist 08–09
	f.book(store.Booking{PatientID: pat, SpecialistID: spec2, RoomID: room, Start: monday.Add(9 * time.Hour)}) // room 09–10
	// Saturday 19:30: an hour does not fit before 20:00; Sunday is closed.
	got, err := f.tn.NextFreeSlots(f.ctx, spec, room, agAt(2026, 11, 21, 19, 30), 60, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := []time.Time{monday.Add(10 * time.Hour), monday.Add(11 * time.Hour), monday.Add(12 * time.Hour)}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("free slots %v, want %v", got, want)
	}
	// Shorter hours from the settings.
	f.exec(func(tx pgx.Tx) error {
		_, err := tx.Exec(f.ctx, `update settings set work_start = '14:00', work_end = '16:00', work_days = '{1}'`)
		return err
	})
	got, err = f.tn.NextFreeSlots(f.ctx, spec, room, monday, 45, 4)
	if err != nil {
		t.Fatal(err)
	}
	nextMonday := monday.AddDate(0, 0, 7)
	want = []time.Time{monday.Add(14 * time.Hour), monday.Add(14*time.Hour + 45*time.Minute),
		nextMonday.Add(14 * time.Hour), nextMonday.Add(14*time.Hour + 45*time.Minute)}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("free slots %v, want %v", got, want)
	}
}

// The agenda is one day of the clinic's calendar: a session at 23:30 Lima
// (04:30 UTC next day) belongs to the day it has in Lima.
func TestAgendaDayInClinicTimeZone(t *testing.T) {
	t.Parallel()
	f := newAgendaFixture(t, 0)
	storetest.OpenAllHours(t, f.tn) // sessions around midnight
	pat := f.patient("Luis", "Rojas", "90")
	spec := f.specialist("Rosa", "Mena", "percent", "40", true)
	room, room2 := f.room("Sala 1"), f.room("Sala 2")
	late := f.book(store.Booking{PatientID: pat, SpecialistID: spec, RoomID: room, Start: agAt(2026, 11, 30, 23, 0), DurationMin: 30})
	early := f.book(store.Booking{PatientID: pat, SpecialistID: spec, RoomID: room2, Start: agAt(2026, 11, 30, 8, 0)})
	cancelled := f.book(store.Booking{PatientID: pat, SpecialistID: spec, RoomID: room, Start: agAt(2026, 11, 30, 12, 0)})
	if _, err := f.tn.CancelSession(f.ctx, f.desk, cancelled.ID, store.CancelClinic, "corte de luz"); err != nil {
		t.Fatal(err)
	}
	f.book(store.Booking{PatientID: pat, SpecialistID: spec, RoomID: room, Start: agAt(2026, 12, 1, 0, 30)})
	day, err := f.tn.Agenda(f.ctx, f.desk, time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), store.AgendaFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, s := range day {
		ids = append(ids, s.ID)
	}
	if fmt.Sprint(ids) != fmt.Sprint([]int64{early.ID, cancelled.ID, late.ID}) {
		t.Errorf("agenda ids %v, want %v", ids, []int64{early.ID, cancelled.ID, late.ID})
	}
	if day[2].StartsAt.Location().String() != "America/Lima" || day[2].PatientName != "Luis Rojas" || day[2].RoomName != "Sala 1" {
		t.Errorf("session as shown: %+v", day[2])
	}
	byRoom, err := f.tn.Agenda(f.ctx, f.desk, time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), store.AgendaFilter{RoomID: room2})
	if err != nil || len(byRoom) != 1 || byRoom[0].ID != early.ID {
		t.Errorf("agenda by room: %v, %v", byRoom, err)
	}
	list, err := f.tn.ListSessions(f.ctx, f.desk, store.SessionFilter{Status: store.SessionCancelled})
	if err != nil || len(list) != 1 || list[0].CancelDetail != "corte de luz" {
		t.Errorf("cancelled list: %v, %v", list, err)
	}
}

// Reception books and moves sessions but never reads their plan and result
// (PRODUCT.md §4: no access to objective, activity, materials, observation).
func TestReceptionDoesNotSeeSessionPlanAndResult(t *testing.T) {
	t.Parallel()
	f := newAgendaFixture(t, 0)
	spec, room, pat := f.specialist("Luis", "Soto", "percent", "40", true), f.room("Sala 1"), f.patient("Ana", "García", "80")
	s := f.book(store.Booking{PatientID: pat, SpecialistID: spec, RoomID: room, Start: agAt(2026, 11, 10, 9, 0)})
	if _, err := f.tn.UpdateSessionPlan(f.ctx, f.admin, s.ID, store.Plan{Objective: "Trabajar ansiedad", Activity: "Respiración", Materials: "Hoja"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.tn.CompleteSession(f.ctx, f.admin, s.ID, "Mejoró el ánimo"); err != nil {
		t.Fatal(err)
	}
	got, err := f.tn.GetSession(f.ctx, f.desk, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	list, err := f.tn.ListSessions(f.ctx, f.desk, store.SessionFilter{})
	if err != nil || len(list) != 1 {
		t.Fatalf("list: %v %d", err, len(list))
	}
	day, err := f.tn.Agenda(f.ctx, f.desk, time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC), store.AgendaFilter{})
	if err != nil || len(day) != 1 {
		t.Fatalf("agenda: %v %d", err, len(day))
	}
	for _, seen := range []store.Session{got, list[0], day[0]} {
		if seen.Objective != "" || seen.Activity != "" || seen.Materials != "" || seen.Observation != "" || !seen.PlanHidden {
			t.Errorf("reception saw the plan/result: %+v", seen)
		}
		if seen.Status != store.SessionCompleted {
			t.Errorf("status %q: reception still sees where the session stands", seen.Status)
		}
	}
	admin, err := f.tn.GetSession(f.ctx, f.admin, s.ID)
	if err != nil || admin.Observation != "Mejoró el ánimo" || admin.Objective != "Trabajar ansiedad" || admin.PlanHidden {
		t.Fatalf("admin must see the plan and result: %+v %v", admin, err)
	}
}

// The free slots a clash carries are the store's own answer, computed with
// the rules of its check: booking every one of them succeeds — for a
// specialist's clash and for a room's — and a reschedule's suggestions leave
// the session being moved out (its own slot is free for it).
func TestOverlapFreeSlotsAreBookable(t *testing.T) {
	t.Parallel()
	f := newAgendaFixture(t, 0)
	pat := f.patient("Luis", "Rojas", "90")
	spec, spec2, spec3 := f.specialist("Rosa", "Mena", "percent", "40", true),
		f.specialist("Juan", "Soto", "percent", "40", true), f.specialist("Ana", "Paz", "fixed", "900", true)
	room, room2 := f.room("Sala 1"), f.room("Sala 2")
	monday := agAt(2026, 11, 23, 0, 0)
	f.book(store.Booking{PatientID: pat, SpecialistID: spec, RoomID: room2, Start: monday.Add(10 * time.Hour)}) // spec 10–11
	f.book(store.Booking{PatientID: pat, SpecialistID: spec2, RoomID: room, Start: monday.Add(11 * time.Hour)}) // room 11–12
	f.book(store.Booking{PatientID: pat, SpecialistID: spec, RoomID: room2, Start: monday.Add(13 * time.Hour)}) // spec 13–14
	f.book(store.Booking{PatientID: pat, SpecialistID: spec2, RoomID: room, Start: monday.Add(14 * time.Hour)}) // room 14–15
	for _, tc := range []struct {
		name     string
		spec     int64
		start    time.Time
		resource string
	}{
		{"specialist", spec, monday.Add(10*time.Hour + 30*time.Minute), "specialist"},
		{"room", spec3, monday.Add(11*time.Hour + 15*time.Minute), "room"},
	} {
		// One patient for every session: their own overlaps are a warning
		// (PatientBusyError), confirmed here; the slots are about the
		// specialist and the room.
		b := store.Booking{PatientID: pat, SpecialistID: tc.spec, RoomID: room, Start: tc.start, PatientOverlapOK: true}
		_, err := f.tn.BookSession(f.ctx, f.desk, b)
		ov := agOverlap(t, err)
		if ov.Resource != tc.resource || len(ov.FreeSlots) != 3 {
			t.Fatalf("%s clash: %+v", tc.name, ov)
		}
		for _, slot := range ov.FreeSlots {
			if slot.Location().String() != "America/Lima" {
				t.Errorf("%s: free slot %v is not in the clinic's time zone", tc.name, slot)
			}
			b.Start = slot
			if _, err := f.tn.BookSession(f.ctx, f.desk, b); err != nil {
				t.Errorf("%s clash offered %v, booking it: %v", tc.name, slot, err)
			}
		}
	}
	// Reschedule: the session at 16:00 moved onto the 15:30 clash is offered
	// its own 16:00 first (a screen asking for "free slots" afresh would not).
	day := monday.AddDate(0, 0, 1)
	f.book(store.Booking{PatientID: pat, SpecialistID: spec2, RoomID: room2, Start: day.Add(15 * time.Hour)})
	moving := f.book(store.Booking{PatientID: pat, SpecialistID: spec2, RoomID: room2, Start: day.Add(16 * time.Hour)})
	_, err := f.tn.RescheduleSession(f.ctx, f.desk, moving.ID, day.Add(15*time.Hour+30*time.Minute), 0, false)
	ov := agOverlap(t, err)
	if len(ov.FreeSlots) == 0 || !ov.FreeSlots[0].Equal(day.Add(16*time.Hour)) {
		t.Fatalf("reschedule clash offers %v, want its own 16:00 first", ov.FreeSlots)
	}
	if _, err := f.tn.RescheduleSession(f.ctx, f.desk, moving.ID, ov.FreeSlots[0], 0, false); err != nil {
		t.Fatalf("reschedule clash offered %v, moving there: %v", ov.FreeSlots[0], err)
	}
	for _, slot := range ov.FreeSlots[1:] {
		b := store.Booking{PatientID: pat, SpecialistID: spec2, RoomID: room2, Start: slot}
		if _, err := f.tn.BookSession(f.ctx, f.desk, b); err != nil {
			t.Errorf("reschedule clash offered %v, booking it: %v", slot, err)
		}
	}
}
