package cmd

import (
	"strings"
	"testing"

	"consultorio/store"
)

// The availability commands and booking outside it, as scripts see them
// (the clock: Friday 2026-11-20).
func TestAvailabilityCommands(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	book := func(u *store.User, start string, extra ...string) []string {
		return append([]string{"sessions", "book", "--patient", id64(f.patA.ID), "--specialist", id64(f.specA.ID),
			"--room", id64(f.room.ID), "--start", start}, extra...)
	}
	// Sunday 07:00: refused, with the next free slots.
	r := f.fails(1, "la clínica no atiende a esa hora", f.desk, book(f.desk, "2026-11-22 07:00")...)
	if !strings.Contains(r.err, "(libre: 23/11/2026 08:00") {
		t.Errorf("no free slots: %q", r.err)
	}
	// Only an admin overrides, and with a reason.
	f.fails(1, "Su rol no permite esta acción", f.desk, book(f.desk, "2026-11-22 07:00", "--override-reason", "viaja")...)
	var s SessionView
	f.okJSON(&s, f.admin, book(f.admin, "2026-11-22 07:00", "--override-reason", "viaja")...)
	if s.StartsAt != "2026-11-22 07:00" {
		t.Errorf("override booking = %+v", s)
	}

	// The clinic's week and closures: the admin's.
	f.fails(1, "Su rol no permite esta acción", f.desk, "availability", "close", "--from", "2026-12-08")
	var cl ClosureView
	f.okJSON(&cl, f.admin, "availability", "close", "--from", "2026-12-08", "--reason", "Inmaculada")
	if cl.ID == 0 || cl.FirstDay != "2026-12-08" || cl.LastDay != "2026-12-08" {
		t.Errorf("closure = %+v", cl)
	}
	f.fails(1, "la clínica está cerrada ese día", f.desk, book(f.desk, "2026-12-08 10:00")...)
	f.ok(f.admin, "availability", "day", "--day", "sat", "--opens", "09:00", "--closes", "13:00")
	f.fails(1, "la clínica no atiende a esa hora", f.desk, book(f.desk, "2026-11-28 14:00")...)
	var week struct {
		Week     []store.DayHours `json:"week"`
		Closures []ClosureView    `json:"closures"`
	}
	f.okJSON(&week, f.desk, "availability", "show")
	if len(week.Week) != 7 || week.Week[5].Opens != "09:00" || !week.Week[5].Custom || week.Week[6].Open ||
		len(week.Closures) != 1 || week.Closures[0].Reason != "Inmaculada" {
		t.Errorf("availability show = %+v", week)
	}
	f.ok(f.admin, "availability", "reopen", id64(cl.ID))
	f.ok(f.desk, book(f.desk, "2026-12-08 10:00")...)

	// A specialist's own hours and absences: the admin's and their own.
	f.fails(1, "Su rol no permite esta acción", f.desk, "availability", "specialist-hours", "--specialist", id64(f.specA.ID), "--day", "mon", "--hours", "09:00-12:00")
	f.ok(f.drA, "availability", "specialist-hours", "--specialist", id64(f.specA.ID), "--day", "mon", "--hours", "09:00-12:00")
	f.fails(1, "el especialista no atiende a esa hora", f.desk, book(f.desk, "2026-11-23 15:00")...)
	var ab AbsenceView
	f.okJSON(&ab, f.drA, "availability", "absence", "add", "--specialist", id64(f.specA.ID), "--from", "2026-11-30 08:00", "--to", "2026-11-30 13:00", "--reason", "Congreso")
	f.fails(1, "el especialista está ausente", f.desk, book(f.desk, "2026-11-30 10:00")...)
	out := f.ok(f.desk, "availability", "show", "--specialist", id64(f.specA.ID))
	if !strings.Contains(out, "09:00-12:00") || !strings.Contains(out, "Congreso") {
		t.Errorf("specialist availability:\n%s", out)
	}
	f.ok(f.drA, "availability", "absence", "delete", id64(ab.ID))
	f.ok(f.desk, book(f.desk, "2026-11-30 10:00")...)

	// Bad values are usage errors.
	f.fails(2, "día de la semana", f.admin, "availability", "day", "--day", "funday", "--closed")
	f.fails(2, "HH:MM-HH:MM", f.admin, "availability", "specialist-hours", "--specialist", id64(f.specA.ID), "--day", "1", "--hours", "nine")
}
