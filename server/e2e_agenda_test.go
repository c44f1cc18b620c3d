package server

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"consultorio/store"
	"consultorio/store/storetest"
)

// End to end over SSH with a PTY at 80x24 and the real clinic TUI (issue 5,
// "Must show": an overlapping booking from the form shows the clash and the
// suggested free slots). The model-level twin is tui.TestAgendaBookingConflict;
// this one goes through the server: key login, the PTY, the vt emulator.

func TestE2EAgendaBookingClashShowsFreeSlots(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := storetest.NewClock(time.Now())
	db := storetest.NewDBWith(t, store.Options{Clock: clock})
	c := newClinic(t, db, "clinic-a")
	tn, admin := c.tn, c.admin.Actor("test")

	// Working hours from the settings: 08:00–13:00, Monday to Friday, an
	// hour by default. The free slots must respect them.
	set, err := tn.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	set.WorkStart, set.WorkEnd, set.WorkDays, set.DefaultDuration = "08:00", "13:00", []int{1, 2, 3, 4, 5}, 60
	if _, err := tn.UpdateSettings(ctx, admin, set); err != nil {
		t.Fatalf("settings: %v", err)
	}
	loc := tn.Info.Location()
	// Today is Tuesday 1 December 2026, 09:30 at the clinic; tomorrow is a
	// working Wednesday, the day after a working Thursday.
	clock.Set(time.Date(2026, 12, 1, 9, 30, 0, 0, loc))
	at := func(day, hh, mm int) time.Time { return time.Date(2026, 12, day, hh, mm, 0, 0, loc) }

	spec, err := tn.CreateSpecialist(ctx, admin, store.SpecialistInput{FirstName: "Luis", LastName: "Soto",
		Specialty: "Terapia", Document: "40000001"})
	if err != nil {
		t.Fatal(err)
	}
	room, err := tn.CreateRoom(ctx, admin, store.RoomInput{Name: "Sala 1", Capacity: 1})
	if err != nil {
		t.Fatal(err)
	}
	var patients []store.Patient
	for i, n := range [][2]string{{"Ana", "García"}, {"Pedro", "Quispe"}} {
		p, err := tn.CreatePatient(ctx, admin, store.PatientInput{FirstName: n[0], Surname: n[1],
			BirthDate: time.Date(1990, 1, 1+i, 0, 0, 0, 0, time.UTC), CostSession: decimal.NewFromInt(80),
			Status: store.PatientActive})
		if err != nil {
			t.Fatal(err)
		}
		patients = append(patients, p)
	}
	ana, pedro := patients[0], patients[1]
	reception, _, err := tn.CreateUser(ctx, admin, store.NewUser{Email: "rosa@clinic-a.test",
		Name: "Rosa Recepción", Role: store.RoleReception})
	if err != nil {
		t.Fatal(err)
	}
	recepKey, line := newKey(t)
	c.addKey(t, reception.ID, line)

	// Tomorrow 10:00–11:00: Ana with Luis Soto in Sala 1.
	booked, err := tn.BookSession(ctx, admin, store.Booking{PatientID: ana.ID, SpecialistID: spec.ID,
		RoomID: room.ID, Start: at(2, 10, 0), DurationMin: 60})
	if err != nil || len(booked) != 1 {
		t.Fatalf("book the existing session: %v, %v", booked, err)
	}
	busy := booked[0]
	sessionsOn := func(day int) []store.Session {
		t.Helper()
		list, err := tn.ListSessions(ctx, admin, store.SessionFilter{From: at(day, 0, 0), To: at(day+1, 0, 0)})
		if err != nil {
			t.Fatal(err)
		}
		return list
	}

	srv := startServer(t, db)
	tm := openTerm(t, mustDial(t, srv.addr, "clinic-a", keyAuth(recepKey)), 80, 24)
	tm.waitFor("Rosa Recepción · Recepción", "[1 Agenda]")
	tm.idle("martes 1 de diciembre de 2026", "Luis Soto", "0 ses.")
	// Tomorrow: the day view shows Ana's session.
	tm.typeText(".")
	tm.idle("miércoles 2 de diciembre de 2026", "Ana García", "1 ses.")

	// A booking from the form for Pedro: find him by part of the surname.
	tm.typeText("n")
	tm.idle("Buscar paciente", "García, Ana", "Quispe, Pedro")
	tm.typeText("quis")
	tm.until("only Quispe listed", func(s string) bool {
		return strings.Contains(s, "Quispe, Pedro") && !strings.Contains(s, "García, Ana") && !strings.Contains(s, "Cargando")
	})
	tm.typeText(keyEnter)
	tm.waitFor("Paciente: Pedro Quispe")
	tm.focused("Especialista")
	// The only specialist and room are preselected; the date is the
	// agenda's (tomorrow); the time is typed: 10:30, inside Ana's hour.
	fillTime := func(clock string) {
		tm.typeText(keyEnter)
		tm.focused("Sala")
		tm.typeText(keyEnter)
		tm.focused("Fecha")
		tm.waitFor("02/12/2026")
		tm.typeText(keyEnter)
		tm.focused("Hora")
		tm.typeText("\x05\x15") // ctrl+e, ctrl+u: empty the field
		tm.typeText(clock)
		tm.waitFor("> " + clock)
		tm.typeText(keyEnter)
		// Second page: default duration, not prepaid, no repetition,
		// no extra dates; the enter on the last one submits.
		tm.focused("Duración")
		tm.typeText(keyEnter)
		tm.focused("¿Pagada por adelantado?")
		tm.typeText(keyEnter)
		tm.focused("Repetir semanalmente")
		tm.typeText(keyEnter)
		tm.focused("Fechas adicionales")
		tm.typeText(keyEnter)
	}
	fillTime("10:30")

	// The clash names Ana's session, its hours and the resource (the
	// specialist is reported first when both clash); the free slots follow
	// the working hours (13:00 closes: the third one is Thursday 08:00).
	scr := tm.idle("Nada se guardó: 1 fecha(s) con cruce.", "libres:")
	clash := fmt.Sprintf("02/12/2026 10:30: el especialista ya tiene la sesión n.º %d (10:00–11:00)", busy.ID)
	if !strings.Contains(scr, clash) {
		t.Fatalf("the clash is not shown as %q:\n%s", clash, scr)
	}
	free := "libres: 02/12/2026 11:00, 02/12/2026 12:00, 03/12/2026 08:00"
	if !strings.Contains(scr, free) {
		t.Fatalf("the free slots are not shown as %q:\n%s", free, scr)
	}
	if list := sessionsOn(2); len(list) != 1 || list[0].ID != busy.ID {
		t.Fatalf("the clashing booking saved something: %+v", list)
	}

	// The form stays, with its values: take the first free slot.
	tm.focused("Especialista")
	tm.waitFor("Paciente: Pedro Quispe")
	fillTime("11:00")
	tm.idle("✓ 1 sesión(es) agendada(s).", "Pedro Quispe", "Ana García", "2 ses.")

	list := sessionsOn(2)
	if len(list) != 2 {
		t.Fatalf("after booking the free slot: %d sessions that day: %+v", len(list), list)
	}
	var got *store.Session
	for i := range list {
		if list[i].PatientID == pedro.ID {
			got = &list[i]
		}
	}
	if got == nil || !got.StartsAt.Equal(at(2, 11, 0)) || got.SpecialistID != spec.ID || got.RoomID != room.ID {
		t.Fatalf("Pedro's session: %+v (sessions %+v)", got, list)
	}
}
