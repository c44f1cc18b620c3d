package cmd

import (
	"strconv"
	"strings"
	"testing"

	"consultorio/store"
)

func id64(id int64) string { return strconv.FormatInt(id, 10) }

// book books a session for the fixture's patient A with specialist A in
// room 1 and returns it.
func (f *fixture) book(start string, extra ...string) SessionView {
	f.t.Helper()
	var s SessionView
	f.okJSON(&s, f.desk, append([]string{"sessions", "book", "--patient", id64(f.patA.ID), "--specialist", id64(f.specA.ID),
		"--room", id64(f.room.ID), "--start", start}, extra...)...)
	return s
}

func TestSessionsBookAndAgenda(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.book("2026-12-01 10:00")
	if s.ID == 0 || s.StartsAt != "2026-12-01 10:00" || s.EndsAt != "2026-12-01 11:00" || s.DurationMin != 60 ||
		s.Status != "unplanned" || s.PatientID != f.patA.ID || s.PatientName != "Lucía Mendoza" ||
		s.SpecialistName != "Ana Torres" || s.RoomName != "Consultorio 1" || s.PaymentID != nil || s.Amount != nil {
		t.Errorf("sessions book = %+v", s)
	}
	// The same specialist, overlapping, in another room: exit 1 naming the
	// session it clashes with, and the next free slots.
	r := f.fails(1, "Se cruza con la sesión n.º "+id64(s.ID)+" (01/12/2026 10:00–11:00) del mismo especialista", f.desk,
		"sessions", "book", "--patient", id64(f.patB.ID), "--specialist", id64(f.specA.ID), "--room", id64(f.room2.ID),
		"--start", "2026-12-01 10:30", "--duration", "45")
	if !strings.Contains(r.err, "(libre: 01/12/2026 11:00, ") {
		t.Errorf("overlap without free slots: %q", r.err)
	}
	// The same room with another specialist.
	f.fails(1, "Se cruza con la sesión n.º "+id64(s.ID)+" (01/12/2026 10:00–11:00) del mismo consultorio", f.desk, "sessions", "book", "--patient", id64(f.patB.ID),
		"--specialist", id64(f.specB.ID), "--room", id64(f.room.ID), "--start", "2026-12-01 09:30")
	// A specialist books only their own sessions.
	f.fails(1, "Su rol no permite esta acción.", f.drA, "sessions", "book",
		"--patient", id64(f.patB.ID), "--specialist", id64(f.specB.ID), "--room", id64(f.room2.ID), "--start", "2026-12-02 10:00")

	// Paid in advance: the payment exists, paid.
	pre := f.book("2026-12-01 15:00", "--duration", "30", "--paid-in-advance")
	if !pre.PaidInAdvance || !pre.Paid || deref(pre.Amount) != "80.00" || pre.EndsAt != "2026-12-01 15:30" {
		t.Errorf("paid in advance = %+v", pre)
	}
	// A weekly series prints an array; a clash in a series names each date.
	var series []SessionView
	f.okJSON(&series, f.desk, "sessions", "book", "--patient", id64(f.patB.ID), "--specialist", id64(f.specB.ID),
		"--room", id64(f.room2.ID), "--start", "2026-12-01 10:00", "--weekly", "3")
	if len(series) != 3 || series[2].StartsAt != "2026-12-15 10:00" {
		t.Errorf("weekly series = %+v", series)
	}
	f.fails(1, "2 fechas se cruzan, no se reservó nada: 01/12/2026 10:00: Se cruza con la sesión n.º ", f.desk, "sessions", "book", "--patient", id64(f.patB.ID),
		"--specialist", id64(f.specB.ID), "--room", id64(f.room2.ID), "--start", "2026-11-24 10:00", "--weekly", "3")

	var day []SessionView
	f.okJSON(&day, f.desk, "agenda", "--date", "2026-12-01")
	if len(day) != 3 || day[0].ID != s.ID || day[2].ID != pre.ID {
		t.Fatalf("agenda = %+v", day)
	}
	f.okJSON(&day, f.desk, "agenda", "--date", "2026-12-01", "--room", id64(f.room2.ID))
	if len(day) != 1 || day[0].SpecialistID != f.specB.ID {
		t.Errorf("agenda --room = %+v", day)
	}
	f.okJSON(&day, f.desk, "agenda", "--date", "2026-12-01", "--specialist", id64(f.specA.ID))
	if len(day) != 2 {
		t.Errorf("agenda --specialist = %+v", day)
	}
	// A specialist's agenda has only their sessions, whatever the filter.
	f.okJSON(&day, f.drB, "agenda", "--date", "2026-12-01")
	if len(day) != 1 || day[0].SpecialistID != f.specB.ID {
		t.Errorf("specialist B's agenda = %+v", day)
	}
	// Today (the clock: 2026-11-20) is the default.
	f.okJSON(&day, f.desk, "agenda")
	if len(day) != 0 {
		t.Errorf("today's agenda = %+v", day)
	}
	text := f.ok(f.desk, "agenda", "--date", "2026-12-01")
	// Human output speaks the user's language (the clinic's, Spanish, by
	// default): weekday and month names, empty states.
	if !strings.Contains(text, "Agenda del martes 1 de diciembre de 2026") || !strings.Contains(text, "10:00-11:00") ||
		!strings.Contains(text, "sin plan") || !strings.Contains(text, "pagado 80.00") {
		t.Errorf("agenda text:\n%s", text)
	}
	if text := f.ok(f.desk, "agenda"); !strings.Contains(text, "Agenda del viernes 20 de noviembre de 2026") ||
		!strings.Contains(text, "No hay sesiones.") {
		t.Errorf("empty agenda text:\n%s", text)
	}
	en := "en"
	if _, err := f.tn.UpdateUser(f.ctx, store.System, f.desk.ID, store.UserUpdate{Lang: &en}); err != nil {
		t.Fatal(err)
	}
	desk := f.reload(f.desk)
	if text := f.ok(desk, "agenda", "--date", "2026-12-01"); !strings.Contains(text, "Agenda for Tuesday, December 1, 2026") {
		t.Errorf("agenda text in English:\n%s", text)
	}
	if text := f.ok(desk, "agenda"); !strings.Contains(text, "No sessions.") {
		t.Errorf("empty agenda text in English:\n%s", text)
	}
	if text := f.ok(desk, "sessions", "list", "--from", "2027-01-01"); !strings.Contains(text, "No sessions.") {
		t.Errorf("empty session list in English:\n%s", text)
	}
}

func TestSessionsLifecycleAndPayments(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.book("2026-11-18 10:00")
	id := id64(s.ID)

	// Plan: only the flags given change; the status follows.
	var got SessionView
	f.okJSON(&got, f.drA, "sessions", "plan", id, "--objective", "reducir ansiedad")
	if got.Status != "planned" || got.Objective != "reducir ansiedad" {
		t.Errorf("plan = %+v", got)
	}
	f.okJSON(&got, f.drA, "sessions", "plan", id, "--materials", "fichas")
	if got.Objective != "reducir ansiedad" || got.Materials != "fichas" {
		t.Errorf("second plan kept = %+v", got)
	}
	f.fails(1, "Su rol no permite esta acción.", f.desk, "sessions", "plan", id, "--activity", "x")
	f.fails(1, "Su rol no permite esta acción.", f.drB, "sessions", "complete", id,
		"--observation", "x")

	// Complete: the payment is created unpaid at the patient's price.
	f.okJSON(&got, f.drA, "sessions", "complete", id, "--observation", "buena evolución")
	if got.Status != "completed" || got.Observation != "buena evolución" || got.CompletedAt == nil ||
		got.PaymentID == nil || got.Paid || deref(got.Amount) != "80.00" {
		t.Errorf("complete = %+v", got)
	}
	f.fails(1, "La sesión n.º "+id+" está completada: no se puede cancelar.", f.desk, "sessions", "cancel", id, "--reason", "patient")

	// Mark paid, unpaid, and the log of both.
	var p PaymentView
	f.okJSON(&p, f.desk, "payments", "mark-paid", id, "--amount", "75", "--method", "transfer", "--reference", "OP-1",
		"--date", "2026-11-19")
	if !p.Paid || p.Amount != "75.00" || p.Method != "transfer" || p.Reference != "OP-1" || deref(p.PaidOn) != "2026-11-19" ||
		p.SessionID != s.ID || p.SessionStart != "2026-11-18 10:00" || p.SessionStatus != "completed" {
		t.Errorf("mark-paid = %+v", p)
	}
	f.fails(1, "Su rol no permite esta acción.", f.drA, "payments", "mark-paid", id)
	f.fails(1, "Fecha de pago: no puede estar en el futuro", f.desk, "payments", "mark-paid", id, "--date", "2026-12-01")
	f.fails(2, `--method: "bitcoin" no es uno de cash, card, transfer, other`, f.desk, "payments", "mark-paid", id, "--method", "bitcoin")
	f.okJSON(&p, f.desk, "payments", "mark-unpaid", id)
	if p.Paid || p.PaidOn != nil {
		t.Errorf("mark-unpaid = %+v", p)
	}
	f.okJSON(&p, f.admin, "payments", "mark-paid", id)
	if !p.Paid || p.Amount != "75.00" || p.Method != "cash" || deref(p.PaidOn) != "2026-11-20" {
		t.Errorf("mark-paid with defaults = %+v", p)
	}
	var log []PaymentLogView
	f.okJSON(&log, f.drA, "payments", "log", id)
	if len(log) != 4 || log[0].Action != "created" || log[1].Action != "paid" || log[1].Amount != "75.00" ||
		log[1].UserName != "Rosa Recepción" || log[2].Action != "unpaid" || log[3].Action != "paid" {
		t.Errorf("payment log = %+v", log)
	}
	f.fails(1, "No se encontró: sesión "+id+".", f.drB, "payments", "log", id)

	// Cancel and reschedule other sessions.
	c := f.book("2026-11-25 10:00")
	f.fails(2, `--reason: "boredom" no es uno de patient, therapist`, f.desk, "sessions", "cancel", id64(c.ID), "--reason", "boredom")
	f.okJSON(&got, f.desk, "sessions", "cancel", id64(c.ID), "--reason", "no_show", "--detail", "no vino")
	if got.Status != "cancelled" || got.CancelReason != "no_show" || got.CancelDetail != "no vino" {
		t.Errorf("cancel = %+v", got)
	}
	r := f.book("2026-11-26 10:00", "--paid-in-advance")
	f.ok(f.drA, "sessions", "plan", id64(r.ID), "--activity", "juego")
	var moved SessionView
	f.okJSON(&moved, f.desk, "sessions", "reschedule", id64(r.ID), "--start", "2026-11-27 16:00", "--room", id64(f.room2.ID),
		"--copy-plan")
	if moved.ID == r.ID || moved.StartsAt != "2026-11-27 16:00" || moved.RoomID != f.room2.ID || moved.Activity != "" ||
		moved.RescheduledFrom == nil || *moved.RescheduledFrom != r.ID || !moved.Paid {
		t.Errorf("reschedule = %+v (reception sees no plan)", moved)
	}
	var copied SessionView
	f.okJSON(&copied, f.drA, "sessions", "show", id64(moved.ID))
	if copied.Activity != "juego" {
		t.Errorf("the specialist sees the copied plan: %+v", copied)
	}
	f.okJSON(&got, f.desk, "sessions", "show", id64(r.ID))
	if got.Status != "cancelled" || got.CancelReason != "rescheduled" || got.RescheduledTo == nil || *got.RescheduledTo != moved.ID {
		t.Errorf("rescheduled session = %+v", got)
	}
	other := f.book("2026-11-28 10:00")
	f.fails(1, "Se cruza con la sesión n.º "+id64(moved.ID)+" (", f.desk, "sessions", "reschedule", id64(other.ID),
		"--start", "2026-11-27 16:30")
	text := f.ok(f.desk, "sessions", "show", id64(moved.ID))
	if !strings.Contains(text, "reprogramada desde:") || !strings.Contains(text, "#"+id64(r.ID)) {
		t.Errorf("show text:\n%s", text)
	}

	// Lists.
	var list []SessionView
	f.okJSON(&list, f.desk, "sessions", "list")
	if len(list) != 5 {
		t.Errorf("sessions list = %d sessions", len(list))
	}
	f.okJSON(&list, f.desk, "sessions", "list", "--status", "cancelled")
	if len(list) != 2 {
		t.Errorf("cancelled = %+v", list)
	}
	f.okJSON(&list, f.desk, "sessions", "list", "--from", "2026-11-25", "--to", "2026-11-26")
	if len(list) != 2 || list[0].ID != c.ID || list[1].ID != r.ID {
		t.Errorf("--from/--to (inclusive) = %+v", list)
	}
	f.okJSON(&list, f.drB, "sessions", "list")
	if len(list) != 0 {
		t.Errorf("specialist B sees %d of A's sessions", len(list))
	}
	f.fails(2, `--status: "done" no es uno de unplanned, planned, completed, cancelled`, f.desk, "sessions", "list", "--status", "done")

	var pl PaymentListView
	f.okJSON(&pl, f.desk, "payments", "list", "--month", "2026-11")
	if len(pl.Payments) != 2 || pl.TotalPaid != "155.00" || pl.TotalUnpaid != "0.00" {
		t.Errorf("payments list = %+v", pl)
	}
	f.ok(f.desk, "payments", "mark-unpaid", id)
	f.okJSON(&pl, f.desk, "payments", "list", "--month", "2026-11", "--unpaid")
	if len(pl.Payments) != 1 || pl.Payments[0].SessionID != s.ID || pl.TotalUnpaid != "75.00" {
		t.Errorf("payments list --unpaid = %+v", pl)
	}
	text = f.ok(f.desk, "payments", "list")
	if !strings.Contains(text, "total pagado:") || !strings.Contains(text, "Lucía Mendoza") {
		t.Errorf("payments text:\n%s", text)
	}
	// Reopen is the admin's.
	f.fails(1, "Su rol no permite esta acción.", f.desk, "sessions", "reopen", id)
	f.okJSON(&got, f.admin, "sessions", "reopen", id)
	if got.Status != "planned" {
		t.Errorf("reopen = %+v", got)
	}
}
