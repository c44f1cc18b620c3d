package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"consultorio/store"
)

// TestNotificationsScreen (80x24): the admin's notifications, unread first
// and marked ● (readable without colour): a freed slot that fits a waiting
// patient and a locked account. r marks one read (it moves below the
// unread, the badge follows), R all; enter on the freed slot opens the
// waiting list on that entry, where b books the patient into the slot in
// one step after a yes.
func TestNotificationsScreen(t *testing.T) {
	t.Parallel()
	f := newAgFixture(t)
	desk, _, err := f.tn.CreateUser(f.ctx, store.System, store.NewUser{Email: "rosa@clinic-a.test", Name: "Rosa Quispe", Role: store.RoleReception})
	if err != nil {
		t.Fatal(err)
	}
	s := f.book(0, 0, 0, 10, 0, 60) // Ana García with Luis Soto in Sala 1, 1 Dec 10:00
	if _, err := f.tn.AddToWaitlist(f.ctx, desk.Actor("192.0.2.2:1"), store.WaitlistInput{PatientID: f.patients[1].ID,
		From: s.StartsAt.Add(-2 * 3600e9), Until: s.StartsAt.Add(8 * 3600e9), Note: "mañanas"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.tn.CancelSession(f.ctx, desk.Actor("192.0.2.2:1"), s.ID, store.CancelPatient, ""); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(60e9)
	for range store.MaxFailedLogins {
		if _, err := f.tn.LoginPassword(f.ctx, desk.Email, "not the password", "192.0.2.9:1"); err == nil {
			t.Fatal("logged in")
		}
	}

	term := f.start(t, 80, 24)
	term.WaitFor(t, "[1 Agenda]", "● 2 sin leer")
	term.Key("9")
	screen := admSettled(t, term, "[9 Notificaciones]", "Cuenta bloqueada: rosa@clinic-a.test", "Horario libre para Pedro Quispe")
	golden.RequireEqual(t, screen)
	term.Key("?")
	term.WaitFor(t, "enter abrir", "R     todo leído", "w     lista de espera")
	term.Key("?")
	admSettled(t, term, "Fecha", "Aviso", "Demasiados intentos fallidos")

	// The lock notice (the newest, first) read: it goes below the unread one.
	admSelectRow(t, term, "● 01/12/2026 09:31 Cuenta bloqueada")
	term.Key("r")
	s2 := admSettled(t, term, "✓ Aviso marcado como leído.", "● 1 sin leer")
	if i, j := strings.Index(s2, "Horario libre para"), strings.Index(s2, "Cuenta bloqueada"); i < 0 || j < i {
		t.Fatalf("read one not below the unread one:\n%s", s2)
	}
	if n, err := f.tn.UnreadCount(f.ctx, f.actor); err != nil || n != 1 {
		t.Fatalf("unread %d, %v", n, err)
	}

	// enter on the freed slot: the waiting list, on Pedro's entry.
	admSelectRow(t, term, "● 01/12/2026 09:30 Horario libre")
	term.Key("enter")
	admSettled(t, term, "Notificaciones › Lista de espera", "Pedro Quispe", "cualquiera", "01/12/2026 10:00", "0 sin leer")
	term.Key("b")
	term.WaitFor(t, "¿Reservar a Pedro Quispe el 01/12/2026 10:00 con Luis Soto en Sala 1?")
	term.Key("left") // huh's confirm starts on "No"
	term.Key("enter")
	admSettled(t, term, "✓ Sesión reservada; el paciente salió de la lista de espera.", "No hay pacientes en lista de espera.")
	day, err := f.tn.Agenda(f.ctx, f.actor, s.StartsAt, store.AgendaFilter{})
	if err != nil {
		t.Fatal(err)
	}
	booked := false
	for _, x := range day {
		booked = booked || (x.PatientID == f.patients[1].ID && x.StartsAt.Equal(s.StartsAt) && x.Status != store.SessionCancelled)
	}
	if !booked {
		t.Fatalf("Pedro not booked: %+v", day)
	}

	// Back on the list, R marks the rest read.
	term.Key("esc")
	term.Key("R")
	admSettled(t, term, "avisos marcados como leídos", "0 sin leer")
}

// TestWaitlistPageAddRemove (80x24): w opens the waiting list from the
// notifications screen; n asks for the patient by search, not by number:
// part of a phone written without its spaces finds the one patient, part
// of a name lists the matches to pick from with ↑↓ and enter. The entry is
// for any specialist; x removes it after a yes. The store sees both.
func TestWaitlistPageAddRemove(t *testing.T) {
	t.Parallel()
	f := newAgFixture(t)
	if _, err := f.tn.CreatePatient(f.ctx, f.actor, store.PatientInput{FirstName: "Lucía", Surname: "Rosales",
		BirthDate: time.Date(1985, 3, 4, 0, 0, 0, 0, time.UTC), Phone: "987 654 321", Status: store.PatientActive}); err != nil {
		t.Fatal(err)
	}
	term := f.start(t, 80, 24)
	term.WaitFor(t, "[1 Agenda]")
	term.Key("9")
	admSettled(t, term, "[9 Notificaciones]", "No hay avisos.")
	term.Key("w")
	admSettled(t, term, "Notificaciones › Lista de espera", "No hay pacientes en lista de espera.")
	term.Key("n")
	term.WaitFor(t, "Lista de espera › Agregar a la lista de espera", "Buscar paciente", "Huamán, Rosa", "Rosales, Lucía")
	term.Type("87654")
	screen := admSettled(t, term, "> 87654", "Rosales, Lucía", "987 654 321")
	if strings.Contains(screen, "Huamán") {
		t.Fatalf("the phone search still lists Rosa Huamán:\n%s", screen)
	}
	for range 5 {
		term.Key("backspace")
	}
	term.Type("ros")
	admSettled(t, term, "> ros", "Huamán, Rosa", "Rosales, Lucía")
	admSelectRow(t, term, "Huamán, Rosa")
	term.Key("enter")
	focused(t, term, "Especialista")
	term.WaitFor(t, "Paciente: Rosa Huamán")
	term.Key("enter") // specialist: any (the first option)
	admFill(t, term, "Desde (AAAA-MM-DD HH:MM)", "2026-12-02 08:00")
	admFill(t, term, "Hasta (AAAA-MM-DD HH:MM)", "2026-12-02 13:00")
	admFill(t, term, "Nota", "solo mañanas")
	admSettled(t, term, "✓ Agregado a la lista de espera.", "Rosa Huamán", "cualquiera", "02/12/2026 08:00", "02/12/2026 13:00")
	list, err := f.tn.ListWaitlist(f.ctx, f.actor)
	if err != nil || len(list) != 1 || list[0].PatientID != f.patients[2].ID || list[0].SpecialistID != nil || list[0].Note != "solo mañanas" {
		t.Fatalf("waiting list: %+v, %v", list, err)
	}
	term.Key("x")
	term.WaitFor(t, "¿Quitar a Rosa Huamán de la lista de espera?")
	term.Key("left")
	term.Key("enter")
	admSettled(t, term, "✓ Quitado de la lista de espera.", "No hay pacientes en lista de espera.")
	if list, err := f.tn.ListWaitlist(f.ctx, f.actor); err != nil || len(list) != 0 {
		t.Fatalf("after remove: %+v, %v", list, err)
	}
}
