package store_test

import (
	"errors"
	"testing"
	"time"

	"consultorio/store"
)

// Notifications fed by events (issue 13): each test makes the event through
// the store's own operation and reads the lists of the users it concerns.

type noticeFixture struct {
	*agendaFixture
	specA, specB int64       // specialist records
	docA, docB   store.Actor // their users
	room1, room2 int64
	ana, ben     int64 // patients
}

func newNoticeFixture(t *testing.T) *noticeFixture {
	t.Helper()
	f := &noticeFixture{agendaFixture: newAgendaFixture(t, 0)}
	f.specA = f.specialist("Rosa", "Mena", "fixed", "2500", true)
	f.specB = f.specialist("Juan", "Soto", "fixed", "2500", true)
	f.docA = f.user("rosa@clinic-a.test", "Rosa Mena", store.RoleSpecialist, f.specA)
	f.docB = f.user("juan@clinic-a.test", "Juan Soto", store.RoleSpecialist, f.specB)
	f.room1, f.room2 = f.room("Sala 1"), f.room("Sala 2")
	f.ana, f.ben = f.patient("Ana", "Pérez", "80"), f.patient("Ben", "Ruiz", "80")
	return f
}

// list is the actor's notification list (read ones too).
func (f *noticeFixture) list(a store.Actor) []store.Notification {
	f.t.Helper()
	out, err := f.tn.ListNotifications(f.ctx, a, store.NotificationFilter{})
	if err != nil {
		f.t.Fatalf("notifications of %s: %v", a.Email, err)
	}
	return out
}

// ofType keeps the notifications of one type.
func ofType(list []store.Notification, typ string) []store.Notification {
	var out []store.Notification
	for _, n := range list {
		if n.Type == typ {
			out = append(out, n)
		}
	}
	return out
}

func (f *noticeFixture) unread(a store.Actor) int {
	f.t.Helper()
	n, err := f.tn.UnreadCount(f.ctx, a)
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

func TestNoticeBookedOnSomeoneElsesAgenda(t *testing.T) {
	t.Parallel()
	f := newNoticeFixture(t)
	day := agAt(2026, 11, 12, 9, 0) // Thursday

	// Rosa books on her own agenda: nobody is told.
	if _, err := f.tn.BookSession(f.ctx, f.docA, store.Booking{PatientID: f.ana, SpecialistID: f.specA, RoomID: f.room1, Start: day}); err != nil {
		t.Fatal(err)
	}
	if n := f.unread(f.docA); n != 0 {
		t.Fatalf("own booking: %d unread for Rosa", n)
	}

	// The desk books a weekly series of 3 on Rosa's agenda: one notice, to
	// Rosa only, linking the first session.
	out, err := f.tn.BookSession(f.ctx, f.desk, store.Booking{PatientID: f.ben, SpecialistID: f.specA, RoomID: f.room2,
		Start: day.Add(2 * time.Hour), Repeat: store.Repeat{WeeklyCount: 3}})
	if err != nil {
		t.Fatal(err)
	}
	got := ofType(f.list(f.docA), store.NotifySessionBooked)
	if len(got) != 1 {
		t.Fatalf("Rosa's booked notices: %+v", got)
	}
	n := got[0]
	if n.Read || n.Link != (store.NotificationLink{Kind: store.EntitySession, ID: out[0].ID}) ||
		n.Data.Patient != "Ben Ruiz" || n.Data.By != "Desk" || n.Data.Count != 3 || n.Data.Room != "Sala 2" ||
		n.Data.Start == nil || !n.Data.Start.Equal(out[0].StartsAt) {
		t.Fatalf("notice: %+v", n)
	}
	if f.unread(f.docA) != 1 {
		t.Fatalf("Rosa's badge: %d", f.unread(f.docA))
	}
	for _, other := range []store.Actor{f.docB, f.desk, f.admin} {
		if len(ofType(f.list(other), store.NotifySessionBooked)) != 0 {
			t.Errorf("%s sees Rosa's notice", other.Email)
		}
	}
	// Someone else cannot mark it read; Rosa can.
	if err := f.tn.MarkNotificationRead(f.ctx, f.docB, n.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Juan marks Rosa's notice: %v", err)
	}
	if err := f.tn.MarkNotificationRead(f.ctx, f.docA, n.ID); err != nil || f.unread(f.docA) != 0 {
		t.Fatalf("mark read: %v, unread %d", err, f.unread(f.docA))
	}

	// A refused booking (a clash) notifies nobody: the notice is in the
	// booking's transaction.
	if _, err := f.tn.BookSession(f.ctx, f.desk, store.Booking{PatientID: f.ana, SpecialistID: f.specA, RoomID: f.room1,
		Start: day.Add(2 * time.Hour)}); err == nil {
		t.Fatal("clash booked")
	}
	if len(ofType(f.list(f.docA), store.NotifySessionBooked)) != 1 {
		t.Fatal("a refused booking left a notice")
	}
}

func TestNoticeCancelledAndMoved(t *testing.T) {
	t.Parallel()
	f := newNoticeFixture(t)
	day := agAt(2026, 11, 12, 9, 0)
	s1 := f.book(store.Booking{PatientID: f.ana, SpecialistID: f.specA, RoomID: f.room1, Start: day})
	s2 := f.book(store.Booking{PatientID: f.ben, SpecialistID: f.specA, RoomID: f.room1, Start: day.Add(2 * time.Hour)})
	own := f.book(store.Booking{PatientID: f.ben, SpecialistID: f.specA, RoomID: f.room1, Start: day.Add(4 * time.Hour)})
	if _, err := f.tn.MarkAllNotificationsRead(f.ctx, f.docA); err != nil {
		t.Fatal(err)
	}

	if _, err := f.tn.CancelSession(f.ctx, f.desk, s1.ID, "patient", ""); err != nil {
		t.Fatal(err)
	}
	moved, err := f.tn.RescheduleSession(f.ctx, f.admin, s2.ID, day.AddDate(0, 0, 1), 0, false)
	if err != nil {
		t.Fatal(err)
	}
	// Rosa cancelling her own session tells nobody.
	if _, err := f.tn.CancelSession(f.ctx, f.docA, own.ID, "therapist", ""); err != nil {
		t.Fatal(err)
	}

	list := f.list(f.docA)
	c := ofType(list, store.NotifySessionCancelled)
	if len(c) != 1 || c[0].Link.ID != s1.ID || c[0].Data.Reason != "patient" || c[0].Data.By != "Desk" || c[0].Read {
		t.Fatalf("cancelled notices: %+v", c)
	}
	m := ofType(list, store.NotifySessionMoved)
	if len(m) != 1 || m[0].Link != (store.NotificationLink{Kind: store.EntitySession, ID: moved.ID}) ||
		m[0].Data.Start == nil || !m[0].Data.Start.Equal(day.Add(2*time.Hour)) ||
		m[0].Data.NewStart == nil || !m[0].Data.NewStart.Equal(day.AddDate(0, 0, 1)) {
		t.Fatalf("moved notices: %+v", m)
	}
	if n := f.unread(f.docA); n != 2 {
		t.Fatalf("Rosa's badge: %d, want 2", n)
	}
	if len(f.list(f.docB)) != 0 {
		t.Fatalf("Juan: %+v", f.list(f.docB))
	}

	// Unread first: after reading the cancellation, the move comes first
	// although it is the same age or newer.
	if err := f.tn.MarkNotificationRead(f.ctx, f.docA, c[0].ID); err != nil {
		t.Fatal(err)
	}
	list = f.list(f.docA)
	if len(list) < 2 || list[0].Read || !list[len(list)-1].Read {
		t.Fatalf("order: %+v", list)
	}
}

func TestNoticeAccountLockedForAdmins(t *testing.T) {
	t.Parallel()
	f := newNoticeFixture(t)
	for i := 0; i < store.MaxFailedLogins; i++ {
		if _, err := f.tn.LoginPassword(f.ctx, f.docB.Email, "wrong password!", "10.0.0.9:1"); err == nil {
			t.Fatal("logged in")
		}
		want := 0
		if i == store.MaxFailedLogins-1 {
			want = 1 // the attempt that locks it
		}
		if got := len(ofType(f.list(f.admin), store.NotifyAccountLocked)); got != want {
			t.Fatalf("after %d failures the admin has %d lock notices, want %d", i+1, got, want)
		}
	}
	n := ofType(f.list(f.admin), store.NotifyAccountLocked)[0]
	if n.Link != (store.NotificationLink{Kind: store.EntityUser, ID: f.docB.UserID}) || n.Data.User != f.docB.Email ||
		n.Data.Until == nil || !n.Data.Until.Equal(f.clock.Now().Add(store.LockoutDuration)) {
		t.Fatalf("lock notice: %+v", n)
	}
	// Attempts while locked do not repeat it; reception and the user do not see it.
	if _, err := f.tn.LoginPassword(f.ctx, f.docB.Email, "wrong password!", "10.0.0.9:1"); err == nil {
		t.Fatal("logged in")
	}
	if len(ofType(f.list(f.admin), store.NotifyAccountLocked)) != 1 {
		t.Fatal("a refused attempt while locked notified again")
	}
	for _, a := range []store.Actor{f.desk, f.docB} {
		if len(ofType(f.list(a), store.NotifyAccountLocked)) != 0 {
			t.Errorf("%s sees the lock notice", a.Email)
		}
	}
}

// The periodic scan resolves what it checks, never the event notices; it
// expires those after NoticeKeepDays.
func TestScanKeepsEventNotices(t *testing.T) {
	t.Parallel()
	f := newNoticeFixture(t)
	if _, err := f.tn.BookSession(f.ctx, f.desk, store.Booking{PatientID: f.ana, SpecialistID: f.specA, RoomID: f.room1,
		Start: agAt(2026, 11, 20, 9, 0)}); err != nil {
		t.Fatal(err)
	}
	now := f.clock.Now()
	if _, _, err := f.tn.ScanNotifications(f.ctx, now); err != nil {
		t.Fatal(err)
	}
	if len(ofType(f.list(f.docA), store.NotifySessionBooked)) != 1 {
		t.Fatal("the scan resolved an event notice")
	}
	if _, _, err := f.tn.ScanNotifications(f.ctx, now.AddDate(0, 0, store.NoticeKeepDays+1)); err != nil {
		t.Fatal(err)
	}
	if got := ofType(f.list(f.docA), store.NotifySessionBooked); len(got) != 0 {
		t.Fatalf("kept past %d days: %+v", store.NoticeKeepDays, got)
	}
}

// The overdue threshold is the clinic's setting: default 7 days, settable
// within 1..90, and the scan follows it.
func TestPaymentOverdueDaysSetting(t *testing.T) {
	t.Parallel()
	f := newNoticeFixture(t)
	s, err := f.tn.Settings(f.ctx)
	if err != nil || s.PaymentOverdueDays != store.DefaultPaymentOverdueDays {
		t.Fatalf("default: %d, %v", s.PaymentOverdueDays, err)
	}
	for _, bad := range []int{-1, store.MaxPaymentOverdueDays + 1} {
		in := s
		in.PaymentOverdueDays = bad
		if _, err := f.tn.UpdateSettings(f.ctx, f.admin, in); !agInvalid(err, "overdue_days") {
			t.Errorf("%d days: %v", bad, err)
		}
	}
	// The exported rule forms check a typed value with: 0 is no value there.
	for days, ok := range map[int]bool{0: false, -1: false, 1: true, 90: true, 91: false} {
		if err := store.CheckPaymentOverdueDays(days); (err == nil) != ok || (err != nil && !agInvalid(err, "overdue_days")) {
			t.Errorf("CheckPaymentOverdueDays(%d): %v", days, err)
		}
	}
	// A session completed on Monday 2 November, unpaid.
	sess := f.insert(`insert into sessions (patient_id, specialist_id, room_id, starts_at, duration_min, ends_at, status,
			observation, completed_at)
		values ($1, $2, $3, $4, 60, $4::timestamptz + interval '1 hour', 'completed', 'ok', $4::timestamptz + interval '1 hour')
		returning id`, f.ana, f.specA, f.room1, agAt(2026, 11, 2, 10, 0))
	f.insert(`insert into payments (session_id, amount) values ($1, 80) returning id`, sess)
	overdue := func(at time.Time) bool {
		if _, _, err := f.tn.ScanNotifications(f.ctx, at); err != nil {
			t.Fatal(err)
		}
		return len(ofType(f.list(f.desk), store.NotifyPaymentOverdue)) == 1
	}
	// Default: overdue from 9 November (day 7), not on the 8th.
	if overdue(agAt(2026, 11, 8, 23, 0)) {
		t.Fatal("overdue on day 6 with the default")
	}
	s.PaymentOverdueDays = 10
	if got, err := f.tn.UpdateSettings(f.ctx, f.admin, s); err != nil || got.PaymentOverdueDays != 10 {
		t.Fatalf("set 10: %+v, %v", got, err)
	}
	if overdue(agAt(2026, 11, 11, 23, 0)) {
		t.Fatal("overdue on day 9 with 10 days")
	}
	if !overdue(agAt(2026, 11, 12, 0, 1)) {
		t.Fatal("not overdue on day 10 with 10 days")
	}
	// 0 keeps the stored value (a form that does not show the field).
	s.PaymentOverdueDays = 0
	if got, err := f.tn.UpdateSettings(f.ctx, f.admin, s); err != nil || got.PaymentOverdueDays != 10 {
		t.Fatalf("0 kept: %+v, %v", got, err)
	}
	// Reception reads the setting but may not change it.
	s.PaymentOverdueDays = 3
	if _, err := f.tn.UpdateSettings(f.ctx, f.desk, s); !agForbidden(err) {
		t.Fatalf("reception changes it: %v", err)
	}
}

func TestWaitlistEntries(t *testing.T) {
	t.Parallel()
	f := newNoticeFixture(t)
	from, until := agAt(2026, 11, 12, 8, 0), agAt(2026, 11, 14, 20, 0)
	e, err := f.tn.AddToWaitlist(f.ctx, f.desk, store.WaitlistInput{PatientID: f.ben, SpecialistID: f.specA,
		From: from, Until: until, Note: " mañanas "})
	if err != nil {
		t.Fatal(err)
	}
	if e.Patient != "Ben Ruiz" || e.Specialist != "Rosa Mena" || e.Note != "mañanas" || !e.From.Equal(from) {
		t.Fatalf("entry: %+v", e)
	}
	for _, c := range []struct {
		in    store.WaitlistInput
		field string
	}{
		{store.WaitlistInput{SpecialistID: f.specA, From: from, Until: until}, "patient_id"},
		{store.WaitlistInput{PatientID: f.ana, From: until, Until: from}, "end"},
		{store.WaitlistInput{PatientID: f.ana, Until: until}, "start"},
		{store.WaitlistInput{PatientID: 99999, From: from, Until: until}, "patient_id"},
		{store.WaitlistInput{PatientID: f.ana, SpecialistID: 99999, From: from, Until: until}, "specialist_id"},
	} {
		if _, err := f.tn.AddToWaitlist(f.ctx, f.desk, c.in); !agInvalid(err, c.field) {
			t.Errorf("%+v: want invalid %s, got %v", c.in, c.field, err)
		}
	}
	if _, err := f.tn.AddToWaitlist(f.ctx, f.docA, store.WaitlistInput{PatientID: f.ana, From: from, Until: until}); !agForbidden(err) {
		t.Errorf("a specialist adds: %v", err)
	}
	if _, err := f.tn.ListWaitlist(f.ctx, f.docA); !agForbidden(err) {
		t.Errorf("a specialist lists: %v", err)
	}
	list, err := f.tn.ListWaitlist(f.ctx, f.admin)
	if err != nil || len(list) != 1 || list[0].ID != e.ID {
		t.Fatalf("list: %+v, %v", list, err)
	}
	if err := f.tn.RemoveFromWaitlist(f.ctx, f.desk, e.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.tn.RemoveFromWaitlist(f.ctx, f.desk, e.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("removed twice: %v", err)
	}
	if list, _ := f.tn.ListWaitlist(f.ctx, f.admin); len(list) != 0 {
		t.Fatalf("after remove: %+v", list)
	}
}

// A cancelled session whose slot fits a waiting entry tells the front desk,
// who books it in one step; a slot that does not fit tells nobody.
func TestWaitlistSlotFreedOnCancel(t *testing.T) {
	t.Parallel()
	f := newNoticeFixture(t)
	slot := agAt(2026, 11, 12, 10, 0)
	taken := f.book(store.Booking{PatientID: f.ana, SpecialistID: f.specA, RoomID: f.room1, Start: slot})
	other := f.book(store.Booking{PatientID: f.patient("Dora", "Paz", "80"), SpecialistID: f.specB, RoomID: f.room2, Start: slot})
	late := f.book(store.Booking{PatientID: f.ana, SpecialistID: f.specA, RoomID: f.room1, Start: agAt(2026, 11, 20, 10, 0)})
	// Ben waits for Rosa on the 12th; Carla for anyone that week.
	carla := f.patient("Carla", "Vega", "80")
	ben, err := f.tn.AddToWaitlist(f.ctx, f.desk, store.WaitlistInput{PatientID: f.ben, SpecialistID: f.specA,
		From: agAt(2026, 11, 12, 8, 0), Until: agAt(2026, 11, 12, 20, 0)})
	if err != nil {
		t.Fatal(err)
	}
	anyone, err := f.tn.AddToWaitlist(f.ctx, f.desk, store.WaitlistInput{PatientID: carla,
		From: agAt(2026, 11, 9, 8, 0), Until: agAt(2026, 11, 14, 20, 0), Note: "tardes"})
	if err != nil {
		t.Fatal(err)
	}

	// Juan's session is cancelled: only Carla (any specialist) fits.
	if _, err := f.tn.CancelSession(f.ctx, f.docB, other.ID, "therapist", ""); err != nil {
		t.Fatal(err)
	}
	freed := ofType(f.list(f.desk), store.NotifySlotFreed)
	if len(freed) != 1 || *freed[0].WaitlistID != anyone.ID || freed[0].Link != (store.NotificationLink{Kind: store.EntityWaitlist, ID: anyone.ID}) ||
		freed[0].Data.Patient != "Carla Vega" || freed[0].Data.Specialist != "Juan Soto" || freed[0].Data.Note != "tardes" ||
		!freed[0].Data.Start.Equal(slot) || freed[0].Data.DurationMin != 60 {
		t.Fatalf("after Juan's cancellation: %+v", freed)
	}
	// The 20th is outside every range: nobody is told.
	if _, err := f.tn.CancelSession(f.ctx, f.desk, late.ID, "patient", ""); err != nil {
		t.Fatal(err)
	}
	// Rosa's slot on the 12th fits both entries.
	if _, err := f.tn.CancelSession(f.ctx, f.desk, taken.ID, "patient", ""); err != nil {
		t.Fatal(err)
	}
	freed = ofType(f.list(f.admin), store.NotifySlotFreed)
	if len(freed) != 3 {
		t.Fatalf("admin's freed slots: %+v", freed)
	}
	if got := ofType(f.list(f.docA), store.NotifySlotFreed); len(got) != 0 {
		t.Fatalf("a specialist sees freed slots: %+v", got)
	}

	// Book Ben into Rosa's freed slot in one step.
	s, err := f.tn.BookFromWaitlist(f.ctx, f.desk, store.WaitlistBooking{EntryID: ben.ID, FreedSessionID: taken.ID})
	if err != nil {
		t.Fatal(err)
	}
	if s.PatientID != f.ben || s.SpecialistID != f.specA || s.RoomID != f.room1 || !s.StartsAt.Equal(slot) {
		t.Fatalf("booked: %+v", s)
	}
	if list, _ := f.tn.ListWaitlist(f.ctx, f.desk); len(list) != 1 || list[0].ID != anyone.ID {
		t.Fatalf("waiting after booking: %+v", list)
	}
	// Ben's notice is gone with his entry, and Carla's offer of the same
	// slot is gone too (it is taken); Carla's offer of Juan's slot stays.
	freed = ofType(f.list(f.desk), store.NotifySlotFreed)
	if len(freed) != 1 || freed[0].SessionID == nil || *freed[0].SessionID != other.ID {
		t.Fatalf("freed slots after booking: %+v", freed)
	}

	// Carla into Rosa's slot: taken now, refused with the clash, and her
	// entry keeps waiting.
	_, err = f.tn.BookFromWaitlist(f.ctx, f.desk, store.WaitlistBooking{EntryID: anyone.ID, FreedSessionID: taken.ID})
	if ov := agOverlap(t, err); ov.SessionID != s.ID {
		t.Fatalf("clash names session %d, want %d", ov.SessionID, s.ID)
	}
	if list, _ := f.tn.ListWaitlist(f.ctx, f.desk); len(list) != 1 {
		t.Fatalf("entry gone after a refused booking: %+v", list)
	}
	// Specialists may not book from the list; a removed entry cannot be booked.
	if _, err := f.tn.BookFromWaitlist(f.ctx, f.docB, store.WaitlistBooking{EntryID: anyone.ID, FreedSessionID: other.ID}); !agForbidden(err) {
		t.Fatalf("specialist books from the list: %v", err)
	}
	if _, err := f.tn.BookFromWaitlist(f.ctx, f.desk, store.WaitlistBooking{EntryID: ben.ID, FreedSessionID: other.ID}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("booked a removed entry: %v", err)
	}
	// An explicit slot works the same way.
	s2, err := f.tn.BookFromWaitlist(f.ctx, f.admin, store.WaitlistBooking{EntryID: anyone.ID, SpecialistID: f.specB,
		RoomID: f.room2, Start: slot, DurationMin: 45})
	if err != nil || s2.PatientID != carla || s2.DurationMin != 45 {
		t.Fatalf("explicit slot: %+v, %v", s2, err)
	}
	if got := ofType(f.list(f.desk), store.NotifySlotFreed); len(got) != 0 {
		t.Fatalf("freed slots left: %+v", got)
	}
}

// A session moved away frees its slot too; moved by a few minutes it keeps
// most of it, and nobody is told.
func TestWaitlistSlotFreedOnMove(t *testing.T) {
	t.Parallel()
	f := newNoticeFixture(t)
	slot := agAt(2026, 11, 12, 10, 0)
	s := f.book(store.Booking{PatientID: f.ana, SpecialistID: f.specA, RoomID: f.room1, Start: slot})
	entry, err := f.tn.AddToWaitlist(f.ctx, f.desk, store.WaitlistInput{PatientID: f.ben,
		From: agAt(2026, 11, 12, 8, 0), Until: agAt(2026, 11, 12, 20, 0)})
	if err != nil {
		t.Fatal(err)
	}
	nudged, err := f.tn.RescheduleSession(f.ctx, f.desk, s.ID, slot.Add(15*time.Minute), 0, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := ofType(f.list(f.desk), store.NotifySlotFreed); len(got) != 0 {
		t.Fatalf("a 15-minute nudge offered the slot: %+v", got)
	}
	if _, err := f.tn.RescheduleSession(f.ctx, f.desk, nudged.ID, agAt(2026, 11, 13, 10, 0), 0, false); err != nil {
		t.Fatal(err)
	}
	freed := ofType(f.list(f.desk), store.NotifySlotFreed)
	if len(freed) != 1 || *freed[0].WaitlistID != entry.ID || !freed[0].Data.Start.Equal(slot.Add(15*time.Minute)) {
		t.Fatalf("after the move away: %+v", freed)
	}
	// The slot is in the past once the clock passes it: no longer offered
	// after the scan.
	f.clock.Set(agAt(2026, 11, 12, 10, 30))
	if _, _, err := f.tn.ScanNotifications(f.ctx, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if got := ofType(f.list(f.desk), store.NotifySlotFreed); len(got) != 0 {
		t.Fatalf("a past slot still offered: %+v", got)
	}
	var open int
	f.scalar(&open, `select count(*) from notifications where type = 'slot_freed' and resolved_at is null`)
	if open != 0 {
		t.Fatalf("%d past freed slots left open", open)
	}
}

// Two desks book the same waiting entry at once, into two different free
// slots: exactly one booking is made, the other is refused (the entry is
// gone) and leaves nothing behind.
func TestWaitlistBookOnceUnderRace(t *testing.T) {
	t.Parallel()
	f := newNoticeFixture(t)
	entry, err := f.tn.AddToWaitlist(f.ctx, f.desk, store.WaitlistInput{PatientID: f.ben,
		From: agAt(2026, 11, 12, 8, 0), Until: agAt(2026, 11, 12, 20, 0)})
	if err != nil {
		t.Fatal(err)
	}
	desk2 := f.user("desk2@clinic-a.test", "Desk 2", store.RoleReception, 0)
	errs := make(chan error, 2)
	for i, a := range []store.Actor{f.desk, desk2} {
		go func() {
			_, err := f.tn.BookFromWaitlist(f.ctx, a, store.WaitlistBooking{EntryID: entry.ID, SpecialistID: f.specA,
				RoomID: f.room1, Start: agAt(2026, 11, 12, 9+2*i, 0)})
			errs <- err
		}()
	}
	var ok, notFound int
	for range 2 {
		switch err := <-errs; {
		case err == nil:
			ok++
		case errors.Is(err, store.ErrNotFound):
			notFound++
		default:
			t.Errorf("unexpected: %v", err)
		}
	}
	if ok != 1 || notFound != 1 {
		t.Fatalf("%d booked, %d not found", ok, notFound)
	}
	if n := f.countSessions(); n != 1 {
		t.Fatalf("%d sessions booked", n)
	}
}
