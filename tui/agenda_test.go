package tui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/shopspring/decimal"

	"consultorio/store"
	"consultorio/store/storetest"
	"consultorio/tui/tuitest"
)

// agFixture is a real clinic (storetest) with a fixed clock, two
// specialists, two rooms and three patients, made with the store's
// operations.
type agFixture struct {
	t        testing.TB
	ctx      context.Context
	tn       *store.Tenant
	admin    *store.User
	actor    store.Actor
	clock    *storetest.Clock
	specs    []store.Specialist
	rooms    []store.Room
	patients []store.Patient
	lima     *time.Location
}

func newAgFixture(t testing.TB) *agFixture {
	t.Helper()
	lima, err := time.LoadLocation("America/Lima")
	if err != nil {
		t.Fatal(err)
	}
	// Tuesday 1 December 2026, 09:30 in Lima.
	clock := storetest.NewClock(time.Date(2026, 12, 1, 9, 30, 0, 0, lima))
	db := storetest.NewDBWith(t, store.Options{Clock: clock})
	tn, _ := storetest.NewTenant(t, db, "clinic-a")
	ctx := context.Background()
	admin, err := tn.UserByEmail(ctx, store.System, "admin@clinic-a.test")
	if err != nil {
		t.Fatal(err)
	}
	f := &agFixture{t: t, ctx: ctx, tn: tn, admin: admin, actor: admin.Actor("192.0.2.1:1"), clock: clock, lima: lima}
	for i, n := range [][2]string{{"Luis", "Soto"}, {"María", "Rojas"}} {
		s, err := tn.CreateSpecialist(ctx, f.actor, store.SpecialistInput{FirstName: n[0], LastName: n[1],
			Document: fmt.Sprintf("4000000%d", i), CompType: store.CompPercent, CompValue: decimal.NewFromInt(40)})
		if err != nil {
			t.Fatal(err)
		}
		f.specs = append(f.specs, s)
	}
	for _, n := range []string{"Sala 1", "Sala 2"} {
		r, err := tn.CreateRoom(ctx, f.actor, store.RoomInput{Name: n, Capacity: 1})
		if err != nil {
			t.Fatal(err)
		}
		f.rooms = append(f.rooms, r)
	}
	for i, n := range [][2]string{{"Ana", "García"}, {"Pedro", "Quispe"}, {"Rosa", "Huamán"}} {
		p, err := tn.CreatePatient(ctx, f.actor, store.PatientInput{FirstName: n[0], Surname: n[1],
			BirthDate: time.Date(1990, 1, 1+i, 0, 0, 0, 0, time.UTC), CostSession: decimal.NewFromInt(80),
			Status: store.PatientActive})
		if err != nil {
			t.Fatal(err)
		}
		f.patients = append(f.patients, p)
	}
	return f
}

// book books one session at hh:mm on 1 December 2026.
func (f *agFixture) book(patient, spec, room int, hh, mm, dur int) store.Session {
	f.t.Helper()
	out, err := f.tn.BookSession(f.ctx, f.actor, store.Booking{PatientID: f.patients[patient].ID,
		SpecialistID: f.specs[spec].ID, RoomID: f.rooms[room].ID,
		Start: time.Date(2026, 12, 1, hh, mm, 0, 0, f.lima), DurationMin: dur})
	if err != nil {
		f.t.Fatal(err)
	}
	return out[0]
}

func (f *agFixture) start(t *testing.T, w, h int) *tuitest.Term {
	t.Helper()
	return tuitest.Start(t, NewClinicApp(context.Background(), ClinicSession{Tenant: f.tn, User: f.admin,
		RemoteAddr: "192.0.2.1:1", Width: w, Height: h, DarkBackground: true}), w, h)
}

// TestAgendaDayGolden80x24: the day view with sessions of two specialists,
// a cancelled one, a completed one, a session off the hour.
func TestAgendaDayGolden80x24(t *testing.T) {
	t.Parallel()
	f := newAgFixture(t)
	f.book(0, 0, 0, 9, 0, 60)
	s := f.book(1, 0, 0, 10, 0, 90)
	f.book(2, 1, 1, 10, 15, 45)
	c := f.book(0, 1, 1, 12, 0, 60)
	if _, err := f.tn.CancelSession(f.ctx, f.actor, c.ID, store.CancelNoShow, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.tn.CompleteSession(f.ctx, f.actor, s.ID, "Bien"); err != nil {
		t.Fatal(err)
	}
	term := f.start(t, 80, 24)
	screen := term.WaitFor(t, "martes 1 de diciembre de 2026", "Luis Soto", "María Rojas", "Pedro Quispe", "Rosa Huamán")
	golden.RequireEqual(t, screen)
}

// TestAgendaBookingConflict: booking over an existing session from the
// form shows the clash and the next free slots; nothing is saved; a free
// time then books.
func TestAgendaBookingConflict(t *testing.T) {
	t.Parallel()
	f := newAgFixture(t)
	busy := f.book(0, 0, 0, 10, 0, 60)
	term := f.start(t, 80, 24)
	term.WaitFor(t, "Luis Soto", "Ana García")
	// The cursor starts at the current time (09:00 row); down to 10:00, book.
	term.Key("down")
	term.Key("n")
	term.WaitFor(t, "Buscar paciente", "Quispe, Pedro")
	term.Type("quis")
	term.WaitUntil(t, "only Quispe listed", func(s string) bool {
		return strings.Contains(s, "Quispe, Pedro") && !strings.Contains(s, "García, Ana")
	})
	term.Key("enter")
	term.WaitFor(t, "Pedro Quispe", "Especialista", "10:00")
	for range 4 { // specialist, room, date, time
		term.Key("enter")
	}
	term.WaitFor(t, "Duración")
	for range 4 { // duration, paid in advance, weekly, extra dates
		term.Key("enter")
	}
	screen := term.WaitFor(t, "Nada se guardó", "libres:")
	want := fmt.Sprintf("01/12/2026 10:00: la sala ya tiene la sesión n.º %d (10:00–11:00)", busy.ID)
	if !strings.Contains(screen, want) {
		t.Fatalf("the clash is not shown as %q:\n%s", want, screen)
	}
	if !strings.Contains(screen, "libres: 01/12/2026 11:00, 01/12/2026 12:00, 01/12/2026 13:00") {
		t.Fatalf("the free slots are not shown:\n%s", screen)
	}
	list, err := f.tn.Agenda(f.ctx, f.actor, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), store.AgendaFilter{})
	if err != nil || len(list) != 1 {
		t.Fatalf("agenda after the clash: %d sessions, %v", len(list), err)
	}
}

// TestAgendaBookingWeeklyConflict: a weekly series (3 dates) with one
// clashing date lists only that date, with its free slots; nothing is
// saved until the series is changed (here: 2 weeks), then both are booked.
func TestAgendaBookingWeeklyConflict(t *testing.T) {
	t.Parallel()
	f := newAgFixture(t)
	busy, err := f.tn.BookSession(f.ctx, f.actor, store.Booking{PatientID: f.patients[2].ID, SpecialistID: f.specs[0].ID,
		RoomID: f.rooms[0].ID, Start: time.Date(2026, 12, 15, 10, 0, 0, 0, f.lima)})
	if err != nil {
		t.Fatal(err)
	}
	term := f.start(t, 80, 24)
	term.WaitFor(t, "María Rojas", "0 ses.")
	term.Key("down") // 10:00, María Rojas; her default room is Sala 1
	term.Key("n")
	term.WaitFor(t, "García, Ana")
	term.Key("enter")
	term.WaitFor(t, "Paciente: Ana García")
	for range 4 {
		term.Key("enter")
	}
	term.WaitFor(t, "┃ Duración")
	term.Key("enter")
	term.WaitFor(t, "┃ ¿Pagada por adelantado?")
	term.Key("enter")
	term.WaitFor(t, "┃ Repetir semanalmente")
	term.Key("backspace")
	term.Type("3")
	term.Key("enter")
	term.WaitFor(t, "┃ Fechas adicionales")
	term.Key("enter")
	screen := term.WaitFor(t, "Nada se guardó: 1 fecha(s) con cruce.")
	want := fmt.Sprintf("15/12/2026 10:00: la sala ya tiene la sesión n.º %d (10:00–11:00)", busy[0].ID)
	if !strings.Contains(screen, want) || !strings.Contains(screen, "libres: 15/12/2026 11:00") {
		t.Fatalf("the clashing date is not listed as %q with its free slots:\n%s", want, screen)
	}
	if strings.Contains(screen, "01/12/2026 10:00:") || strings.Contains(screen, "08/12/2026 10:00:") {
		t.Fatalf("free dates are listed as clashes:\n%s", screen)
	}
	// Two weeks only: both free, booked.
	term.WaitFor(t, "┃ Especialista")
	for range 4 {
		term.Key("enter")
	}
	term.WaitFor(t, "┃ Duración")
	term.Key("enter")
	term.WaitFor(t, "┃ ¿Pagada por adelantado?")
	term.Key("enter")
	term.WaitFor(t, "┃ Repetir semanalmente")
	term.Key("backspace")
	term.Type("2")
	term.Key("enter")
	term.WaitFor(t, "┃ Fechas adicionales")
	term.Key("enter")
	term.WaitFor(t, "✓ 2 sesión(es) agendada(s).", "○ Ana García")
	list, err := f.tn.ListSessions(f.ctx, f.actor, store.SessionFilter{PatientID: f.patients[0].ID})
	if err != nil || len(list) != 2 || !list[1].StartsAt.Equal(time.Date(2026, 12, 8, 10, 0, 0, 0, f.lima)) {
		t.Fatalf("booked: %+v, %v", list, err)
	}
}

// TestAgendaBookingPaidInAdvance: a booking paid in advance records its
// payment (the patient's price, today) and the agenda marks it paid.
func TestAgendaBookingPaidInAdvance(t *testing.T) {
	t.Parallel()
	f := newAgFixture(t)
	term := f.start(t, 80, 24)
	term.WaitFor(t, "María Rojas", "0 ses.")
	term.Key("n")
	term.WaitFor(t, "García, Ana")
	term.Key("enter")
	term.WaitFor(t, "Paciente: Ana García")
	for range 4 {
		term.Key("enter")
	}
	term.WaitFor(t, "┃ Duración")
	term.Key("enter")
	term.WaitFor(t, "┃ ¿Pagada por adelantado?")
	term.Key("s")
	term.WaitFor(t, "┃ Repetir semanalmente")
	term.Key("enter")
	term.WaitFor(t, "┃ Fechas adicionales")
	term.Key("enter")
	// Paid in advance: how (issue 13).
	term.WaitFor(t, "┃ ¿Cómo se pagó?")
	term.Key("down") // card
	term.Key("enter")
	term.WaitFor(t, "┃ Referencia")
	term.Type("V-9")
	term.Key("enter")
	term.WaitFor(t, "✓ 1 sesión(es) agendada(s).", "○$ Ana García")
	list, err := f.tn.ListSessions(f.ctx, f.actor, store.SessionFilter{PatientID: f.patients[0].ID})
	if err != nil || len(list) != 1 || !list[0].PaidInAdvance || !list[0].Paid || list[0].Amount.String() != "80" {
		t.Fatalf("booked: %+v, %v", list, err)
	}
	if log, err := f.tn.PaymentLog(f.ctx, f.actor, list[0].ID); err != nil || len(log) != 1 || log[0].Method != store.MethodCard ||
		log[0].Reference != "V-9" {
		t.Errorf("how it was paid: %+v %v", log, err)
	}
}
