package store_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"consultorio/store"
)

// The clock is Tuesday 2026-11-10 12:00 Lima; the default week is Monday to
// Saturday 08:00–20:00.

// Before availability existed, 07:00 on a Sunday was booked without a word.
// Now every kind of unavailability is refused with its reason and the next
// free slots, computed with the same rule.
func TestBookingOutsideAvailabilityIsRefused(t *testing.T) {
	t.Parallel()
	f := newAgendaFixture(t, 0)
	pat := f.patient("Lara", "Quispe", "80")
	spec := f.specialist("Rosa", "Mena", "percent", "40", true)
	other := f.specialist("Ana", "Soto", "fixed", "1000", true)
	room := f.room("Sala 1")
	book := func(specID int64, start time.Time, dur int) error {
		_, err := f.tn.BookSession(f.ctx, f.desk, store.Booking{PatientID: pat, SpecialistID: specID, RoomID: room,
			Start: start, DurationMin: dur})
		return err
	}
	// Saturday 09:00–13:00 only; 2026-11-17 (Tuesday) a holiday.
	if _, err := f.tn.SetDayHours(f.ctx, f.admin, store.DayHours{Weekday: 6, Open: true, Opens: "09:00", Closes: "13:00"}); err != nil {
		t.Fatal(err)
	}
	cl, err := f.tn.AddClosure(f.ctx, f.admin, store.Closure{FirstDay: time.Date(2026, 11, 17, 0, 0, 0, 0, time.UTC), Reason: "Feriado"})
	if err != nil {
		t.Fatal(err)
	}
	// Rosa works Mondays 09:00–12:00 and Wednesdays 15:00–19:00 only, and is
	// away Wednesday 18 from 15:00 to 17:00.
	if _, err := f.tn.SetSpecialistHours(f.ctx, f.admin, spec, 1, []store.TimeRange{{Opens: "09:00", Closes: "12:00"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.tn.SetSpecialistHours(f.ctx, f.admin, spec, 3, []store.TimeRange{{Opens: "15:00", Closes: "19:00"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.tn.AddAbsence(f.ctx, f.admin, store.Absence{SpecialistID: spec, Start: agAt(2026, 11, 18, 15, 0),
		End: agAt(2026, 11, 18, 17, 0), Reason: "Congreso"}); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name     string
		spec     int64
		start    time.Time
		dur      int
		resource string
		free     []time.Time
	}{
		{"sunday 07:00", other, agAt(2026, 11, 15, 7, 0), 60, store.ResourceClinicHours,
			[]time.Time{agAt(2026, 11, 16, 8, 0), agAt(2026, 11, 16, 9, 0), agAt(2026, 11, 16, 10, 0)}},
		{"weekday before opening", other, agAt(2026, 11, 16, 7, 30), 60, store.ResourceClinicHours, nil},
		{"runs past closing", other, agAt(2026, 11, 16, 19, 30), 60, store.ResourceClinicHours, nil},
		{"saturday afternoon", other, agAt(2026, 11, 14, 14, 0), 60, store.ResourceClinicHours, nil},
		{"holiday", other, agAt(2026, 11, 17, 10, 0), 60, store.ResourceClosure,
			[]time.Time{agAt(2026, 11, 18, 8, 0), agAt(2026, 11, 18, 9, 0), agAt(2026, 11, 18, 10, 0)}},
		{"outside the specialist's hours", spec, agAt(2026, 11, 16, 14, 0), 60, store.ResourceSpecialistHours,
			// Monday is over for Rosa; Tuesday is a holiday; Wednesday she is away until 17:00
			[]time.Time{agAt(2026, 11, 18, 17, 0), agAt(2026, 11, 18, 18, 0), agAt(2026, 11, 23, 9, 0)}},
		{"specialist absent", spec, agAt(2026, 11, 18, 15, 30), 60, store.ResourceAbsence, nil},
	}
	for i, c := range cases {
		err := book(c.spec, c.start, c.dur)
		ov := agOverlap(t, err)
		if ov.Resource != c.resource || !ov.Unavailable() || ov.SessionID != 0 {
			t.Errorf("%s: resource %q (unavailable %v, session %d), want %q", c.name, ov.Resource, ov.Unavailable(), ov.SessionID, c.resource)
		}
		if len(ov.FreeSlots) == 0 {
			t.Errorf("%s: no free slots suggested", c.name)
		}
		if c.free != nil && fmt.Sprint(ov.FreeSlots) != fmt.Sprint(c.free) {
			t.Errorf("%s: free slots %v, want %v", c.name, ov.FreeSlots, c.free)
		}
		c.free = ov.FreeSlots
		cases[i] = c
	}
	if f.countSessions() != 0 {
		t.Errorf("%d sessions saved", f.countSessions())
	}
	// the first suggestion of each case can really be booked
	booked := map[string]bool{}
	for _, c := range cases {
		if len(c.free) == 0 {
			continue
		}
		k := fmt.Sprint(c.spec, c.free[0])
		if booked[k] {
			continue
		}
		booked[k] = true
		if err := book(c.spec, c.free[0], c.dur); err != nil {
			t.Errorf("%s: suggested %v cannot be booked: %v", c.name, c.free[0], err)
		}
	}
	// Inside every rule it books; reopening the holiday makes it bookable.
	if err := book(other, agAt(2026, 11, 14, 12, 0), 60); err != nil {
		t.Errorf("saturday 12:00: %v", err)
	}
	if err := f.tn.DeleteClosure(f.ctx, f.admin, cl.ID); err != nil {
		t.Fatal(err)
	}
	if err := book(other, agAt(2026, 11, 17, 15, 0), 60); err != nil {
		t.Errorf("after reopening the holiday: %v", err)
	}
}

// A weekly series that crosses a holiday names that date and saves nothing.
func TestSeriesAcrossAClosureNamesTheDate(t *testing.T) {
	t.Parallel()
	f := newAgendaFixture(t, 0)
	pat := f.patient("Lara", "Quispe", "80")
	spec := f.specialist("Rosa", "Mena", "percent", "40", true)
	room := f.room("Sala 1")
	if _, err := f.tn.AddClosure(f.ctx, f.admin, store.Closure{FirstDay: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC),
		LastDay: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), Reason: "Vacaciones"}); err != nil {
		t.Fatal(err)
	}
	_, err := f.tn.BookSession(f.ctx, f.desk, store.Booking{PatientID: pat, SpecialistID: spec, RoomID: room,
		Start: agAt(2026, 11, 16, 10, 0), Repeat: store.Repeat{WeeklyCount: 3}})
	var bc *store.BookingConflicts
	if !errors.As(err, &bc) || len(bc.Dates) != 1 || !bc.Dates[0].Start.Equal(agAt(2026, 11, 23, 10, 0)) ||
		bc.Dates[0].Overlap.Resource != store.ResourceClosure {
		t.Fatalf("want the 23rd as a closure conflict, got %v", err)
	}
	if n := f.countSessions(); n != 0 {
		t.Errorf("%d sessions saved", n)
	}
}

// Only an admin may book outside the availability, with a reason that the
// audit log keeps; no override books over another session.
func TestAvailabilityOverrideIsAdminOnlyAndAudited(t *testing.T) {
	t.Parallel()
	f := newAgendaFixture(t, 0)
	pat := f.patient("Lara", "Quispe", "80")
	spec := f.specialist("Rosa", "Mena", "percent", "40", true)
	room := f.room("Sala 1")
	sunday := store.Booking{PatientID: pat, SpecialistID: spec, RoomID: room, Start: agAt(2026, 11, 15, 7, 0),
		OverrideReason: "Paciente viaja el lunes"}
	if _, err := f.tn.BookSession(f.ctx, f.desk, sunday); !agForbidden(err) {
		t.Fatalf("reception override: want forbidden, got %v", err)
	}
	if _, err := f.tn.CheckBooking(f.ctx, f.desk, sunday); !agForbidden(err) {
		t.Fatalf("reception check with override: want forbidden, got %v", err)
	}
	if c, err := f.tn.CheckBooking(f.ctx, f.admin, sunday); err != nil || len(c) != 0 {
		t.Fatalf("admin check with override: %v %v", c, err)
	}
	s := f.book(sunday)
	var detail []byte
	f.scalar(&detail, `select detail from audit_log where entity = 'session' and entity_id = $1 and action = 'create'`, s.ID)
	var d struct {
		Override map[string]string `json:"availability_override"`
	}
	if err := json.Unmarshal(detail, &d); err != nil {
		t.Fatal(err)
	}
	if d.Override["reason"] != "Paciente viaja el lunes" || d.Override["unavailable"] != store.ResourceClinicHours {
		t.Errorf("audit detail %s", detail)
	}
	// An ordinary booking inside the hours carries no override in the log.
	plain := f.book(store.Booking{PatientID: pat, SpecialistID: spec, RoomID: room, Start: agAt(2026, 11, 16, 10, 0),
		OverrideReason: "sin necesidad"})
	f.scalar(&detail, `select detail from audit_log where entity = 'session' and entity_id = $1 and action = 'create'`, plain.ID)
	d.Override = nil
	if json.Unmarshal(detail, &d); d.Override != nil {
		t.Errorf("override logged for a booking that did not need it: %s", detail)
	}
	// Over another session: refused even with an override.
	sunday.Start = agAt(2026, 11, 15, 7, 30)
	_, err := f.tn.BookSession(f.ctx, f.admin, sunday)
	if ov := agOverlap(t, err); ov.Resource != store.ResourceSpecialist || ov.SessionID != s.ID {
		t.Errorf("override over a session: %+v", ov)
	}
}

// Who may change availability: the clinic's week and closures are the
// admin's; a specialist's hours and absences the admin's and their own.
func TestAvailabilityPermissions(t *testing.T) {
	t.Parallel()
	f := newAgendaFixture(t, 0)
	rosa := f.specialist("Rosa", "Mena", "percent", "40", true)
	ana := f.specialist("Ana", "Soto", "fixed", "1000", true)
	rosaUser := f.user("rosa@x.test", "Rosa", store.RoleSpecialist, rosa)
	day := store.DayHours{Weekday: 7, Open: true, Opens: "09:00", Closes: "12:00"}
	closure := store.Closure{FirstDay: time.Date(2026, 12, 25, 0, 0, 0, 0, time.UTC)}
	absence := func(id int64) store.Absence {
		return store.Absence{SpecialistID: id, Start: agAt(2026, 12, 1, 8, 0), End: agAt(2026, 12, 1, 12, 0)}
	}
	for _, a := range []store.Actor{f.desk, rosaUser} {
		if _, err := f.tn.SetDayHours(f.ctx, a, day); !agForbidden(err) {
			t.Errorf("%s sets clinic hours: %v", a.Role, err)
		}
		if _, err := f.tn.AddClosure(f.ctx, a, closure); !agForbidden(err) {
			t.Errorf("%s adds a closure: %v", a.Role, err)
		}
		if _, err := f.tn.AddAbsence(f.ctx, a, absence(ana)); !agForbidden(err) {
			t.Errorf("%s records Ana's absence: %v", a.Role, err)
		}
		if _, err := f.tn.SetSpecialistHours(f.ctx, a, ana, 1, nil); !agForbidden(err) {
			t.Errorf("%s sets Ana's hours: %v", a.Role, err)
		}
	}
	own, err := f.tn.AddAbsence(f.ctx, rosaUser, absence(rosa))
	if err != nil {
		t.Fatalf("Rosa records her own absence: %v", err)
	}
	anas, err := f.tn.AddAbsence(f.ctx, f.admin, absence(ana))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.tn.DeleteAbsence(f.ctx, rosaUser, anas.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Rosa deletes Ana's absence: %v", err)
	}
	if err := f.tn.DeleteAbsence(f.ctx, f.desk, own.ID); !agForbidden(err) {
		t.Errorf("reception deletes Rosa's absence: %v", err)
	}
	if err := f.tn.DeleteAbsence(f.ctx, rosaUser, own.ID); err != nil {
		t.Errorf("Rosa deletes her own absence: %v", err)
	}
	// Everybody reads the clinic's week; Sunday opened by the admin shows.
	if _, err := f.tn.SetDayHours(f.ctx, f.admin, day); err != nil {
		t.Fatal(err)
	}
	av, err := f.tn.ClinicAvailability(f.ctx, f.desk)
	if err != nil {
		t.Fatal(err)
	}
	if got := av.Week[6]; !got.Open || !got.Custom || got.Opens != "09:00" || got.Closes != "12:00" {
		t.Errorf("sunday %+v", got)
	}
	if got := av.Week[0]; !got.Open || got.Custom || got.Opens != "08:00" || got.Closes != "20:00" {
		t.Errorf("monday %+v", got)
	}
	// Bad input is a validation error naming the field.
	if _, err := f.tn.SetDayHours(f.ctx, f.admin, store.DayHours{Weekday: 1, Open: true, Opens: "12:00", Closes: "09:00"}); !agInvalid(err, "closes") {
		t.Errorf("closes before opens: %v", err)
	}
	if _, err := f.tn.SetSpecialistHours(f.ctx, f.admin, rosa, 1, []store.TimeRange{{"09:00", "12:00"}, {"11:00", "13:00"}}); !agInvalid(err, "opens") {
		t.Errorf("overlapping ranges: %v", err)
	}
	if _, err := f.tn.AddClosure(f.ctx, f.admin, store.Closure{FirstDay: closure.FirstDay, LastDay: closure.FirstDay.AddDate(0, 0, -1)}); !agInvalid(err, "last_day") {
		t.Errorf("closure ending before it starts: %v", err)
	}
}

// A closure or absence added over sessions already booked keeps them and
// says how many there are.
func TestClosureCountsBookedSessions(t *testing.T) {
	t.Parallel()
	f := newAgendaFixture(t, 0)
	pat := f.patient("Lara", "Quispe", "80")
	spec := f.specialist("Rosa", "Mena", "percent", "40", true)
	room := f.room("Sala 1")
	f.book(store.Booking{PatientID: pat, SpecialistID: spec, RoomID: room, Start: agAt(2026, 12, 8, 10, 0)})
	f.book(store.Booking{PatientID: pat, SpecialistID: spec, RoomID: room, Start: agAt(2026, 12, 8, 15, 0)})
	c, err := f.tn.AddClosure(f.ctx, f.admin, store.Closure{FirstDay: time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC), Reason: "Inmaculada"})
	if err != nil || c.BookedSessions != 2 {
		t.Fatalf("closure: %+v %v", c, err)
	}
	a, err := f.tn.AddAbsence(f.ctx, f.admin, store.Absence{SpecialistID: spec, Start: agAt(2026, 12, 8, 14, 0), End: agAt(2026, 12, 8, 18, 0)})
	if err != nil || a.BookedSessions != 1 {
		t.Fatalf("absence: %+v %v", a, err)
	}
	if f.countSessions() != 2 {
		t.Errorf("sessions were touched")
	}
}

// A patient booked twice at the same time (with two specialists) is a
// warning: refused until the booking says it is fine, then booked.
func TestPatientDoubleBookingWarns(t *testing.T) {
	t.Parallel()
	f := newAgendaFixture(t, 0)
	pat := f.patient("Lara", "Quispe", "80")
	rosa := f.specialist("Rosa", "Mena", "percent", "40", true)
	ana := f.specialist("Ana", "Soto", "fixed", "1000", true)
	r1, r2 := f.room("Sala 1"), f.room("Sala 2")
	first := f.book(store.Booking{PatientID: pat, SpecialistID: rosa, RoomID: r1, Start: agAt(2026, 11, 16, 10, 0)})
	second := store.Booking{PatientID: pat, SpecialistID: ana, RoomID: r2, Start: agAt(2026, 11, 16, 10, 30), DurationMin: 30}
	_, err := f.tn.BookSession(f.ctx, f.desk, second)
	var pb *store.PatientBusyError
	if !errors.As(err, &pb) || len(pb.Sessions) != 1 || pb.Sessions[0].ID != first.ID || pb.Sessions[0].SpecialistName != "Rosa Mena" {
		t.Fatalf("want the patient's clash, got %v", err)
	}
	if f.countSessions() != 1 {
		t.Fatal("the warning saved the booking")
	}
	// Right after the first one ends: no warning.
	if _, err := f.tn.BookSession(f.ctx, f.desk, store.Booking{PatientID: pat, SpecialistID: ana, RoomID: r2,
		Start: agAt(2026, 11, 16, 11, 0)}); err != nil {
		t.Fatalf("back to back: %v", err)
	}
	// Confirmed, the overlap books.
	second.PatientOverlapOK = true
	if _, err := f.tn.BookSession(f.ctx, f.desk, second); err != nil {
		t.Fatalf("confirmed: %v", err)
	}
}
