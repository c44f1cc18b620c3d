package tui

import (
	"strings"
	"testing"
	"time"

	"consultorio/store"
)

// TestAvailabilityPage80x24: from the agenda, "a" shows the clinic's week;
// an admin adds a holiday through the form (the store has it, the page
// lists it), gives María Rojas hours of his own and removes the holiday.
func TestAvailabilityPage80x24(t *testing.T) {
	t.Parallel()
	f := newAgFixture(t)
	term := f.start(t, 80, 24)
	term.WaitFor(t, "Luis Soto")
	term.Key("a")
	admSettled(t, term, "Disponibilidad", "Horario de la clínica", "lun 08:00–20:00", "dom cerrado",
		"Especialista: ‹ › María Rojas", "Horario: el de la clínica", "Sin cierres próximos.", "Sin ausencias próximas.",
		"c cierre")

	term.Key("c")
	admFill(t, term, "Desde", "08/12/2026")
	admFill(t, term, "Hasta", "")
	admFill(t, term, "Motivo", "Inmaculada")
	admSettled(t, term, "› Cierre    08/12/2026       08/12/2026       Inmaculada", "Disponibilidad guardada")
	av, err := f.tn.ClinicAvailability(f.ctx, f.actor)
	if err != nil || len(av.Closures) != 1 || av.Closures[0].Reason != "Inmaculada" {
		t.Fatalf("closures in the store: %+v %v", av.Closures, err)
	}

	term.Key("h")
	focused(t, term, "Día de la semana")
	term.Key("enter") // Monday
	admFill(t, term, "Horas", "09:00-13:00")
	admSettled(t, term, "Horario: lun 09:00–13:00")

	term.Key("d")
	term.WaitFor(t, "¿Quitar el cierre 08/12/2026  Inmaculada?")
	term.Key("left") // yes
	term.Key("enter")
	admSettled(t, term, "Sin cierres próximos.", "Eliminado")
	if lines := strings.Split(term.Screen(), "\n"); len(lines) > 24 {
		t.Errorf("%d lines at 80x24", len(lines))
	}
}

// TestAgendaBookingOutsideHours: booking Sunday 07:00 from the form is
// refused with the reason and the next free slots; only then does an admin
// get the override, and with a reason the booking goes through.
func TestAgendaBookingOutsideHours(t *testing.T) {
	t.Parallel()
	f := newAgFixture(t)
	term := f.start(t, 80, 24)
	term.WaitFor(t, "Luis Soto")
	term.Key("n")
	term.WaitFor(t, "Buscar paciente", "García, Ana")
	term.Key("enter")
	term.WaitFor(t, "Ana García", "Especialista")
	term.Key("enter") // specialist
	term.Key("enter") // room
	focused(t, term, "Fecha")
	term.Key("ctrl+u")
	admFill(t, term, "Fecha", "06/12/2026")
	focused(t, term, "Hora")
	term.Key("ctrl+u")
	admFill(t, term, "Hora", "07:00")
	term.WaitFor(t, "Duración")
	for range 4 { // duration, paid in advance, weekly, extra dates
		term.Key("enter")
	}
	screen := admSettled(t, term, "06/12/2026 07:00: la clínica no atiende a esa hora", "libres: 07/12/2026 08:00")
	if strings.Contains(screen, "Reservar igualmente") {
		t.Fatalf("the override shows before the form is walked again:\n%s", screen)
	}
	for range 4 { // specialist, room, date, time
		term.Key("enter")
	}
	term.WaitFor(t, "Duración")
	for range 4 {
		term.Key("enter")
	}
	admFill(t, term, "Reservar igualmente", "Paciente viaja el lunes")
	admSettled(t, term, "1 sesión(es) agendada(s).")
	list, err := f.tn.Agenda(f.ctx, f.actor, time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC), store.AgendaFilter{})
	if err != nil || len(list) != 1 || list[0].StartsAt.Hour() != 7 {
		t.Fatalf("sunday agenda: %+v %v", list, err)
	}
}

// TestAgendaBookingPatientBusy: booking a patient who already has a session
// then (with another specialist) warns, naming it; confirmed, it books.
func TestAgendaBookingPatientBusy(t *testing.T) {
	t.Parallel()
	f := newAgFixture(t)
	busy := f.book(0, 1, 1, 10, 0, 60) // Ana García with María Rojas, Sala 2
	term := f.start(t, 80, 24)
	term.WaitFor(t, "○ Ana García")
	term.Key("right") // Luis Soto's column
	term.Key("down")  // 10:00
	term.Key("n")
	term.WaitFor(t, "Buscar paciente", "García, Ana")
	term.Key("enter")
	term.WaitFor(t, "Ana García", "Especialista")
	for range 4 {
		term.Key("enter")
	}
	term.WaitFor(t, "Duración")
	for range 4 {
		term.Key("enter")
	}
	screen := admSettled(t, term, "El paciente ya tiene la sesión n.º")
	if !strings.Contains(screen, "(01/12/2026 10:00–11:00) con María") {
		t.Fatalf("the warning does not name the session:\n%s", screen)
	}
	for range 4 {
		term.Key("enter")
	}
	term.WaitFor(t, "Duración")
	for range 4 {
		term.Key("enter")
	}
	focused(t, term, "¿Agendar igualmente")
	term.Key("left") // yes
	term.Key("enter")
	admSettled(t, term, "1 sesión(es) agendada(s).")
	list, err := f.tn.ListSessions(f.ctx, f.actor, store.SessionFilter{PatientID: f.patients[0].ID})
	if err != nil || len(list) != 2 || list[0].ID != busy.ID || list[1].SpecialistID != f.specs[0].ID {
		t.Fatalf("the patient's sessions: %+v %v", list, err)
	}
}
