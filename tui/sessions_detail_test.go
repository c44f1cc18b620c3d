package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"consultorio/store"
	"consultorio/tui/clinic"
	"consultorio/tui/kit"
)

// TestSessionComplete: complete from the agenda with an observation (an
// empty one is refused by the form).
func TestSessionComplete(t *testing.T) {
	t.Parallel()
	f := newAgFixture(t)
	s := f.book(0, 1, 0, 9, 0, 60) // María Rojas, 09:00
	term := f.start(t, 80, 24)
	term.WaitFor(t, "○ Ana García")
	term.Key("enter")
	term.WaitFor(t, "Sesión n.º", "sin plan", "c completar")
	term.Key("c")
	term.WaitFor(t, "Observación")
	term.Key("enter")
	term.WaitFor(t, "La observación es obligatoria")
	term.Type("Trabajó atención sostenida.")
	term.Key("enter")
	term.WaitFor(t, "✓ Sesión completada.", "✓ completada", "Trabajó atención sostenida.", "S/ 80.00 pendiente")
	got, err := f.tn.GetSession(f.ctx, f.actor, s.ID)
	if err != nil || got.Status != store.SessionCompleted || got.Observation != "Trabajó atención sostenida." {
		t.Fatalf("stored session: %+v, %v", got, err)
	}
	// Back on the agenda the session is marked completed.
	term.Key("esc")
	term.WaitFor(t, "✓ Ana García")
}

// TestSessionCancel: cancel as no-show with a detail.
func TestSessionCancel(t *testing.T) {
	t.Parallel()
	f := newAgFixture(t)
	s := f.book(0, 1, 0, 9, 0, 60)
	term := f.start(t, 80, 24)
	term.WaitFor(t, "○ Ana García")
	term.Key("enter")
	term.WaitFor(t, "x cancelar")
	term.Key("x")
	term.WaitFor(t, "Motivo", "no asistió")
	for range 3 {
		term.Key("down")
	}
	term.Key("enter")
	term.WaitFor(t, "┃ Detalle")
	term.Type("Avisó tarde")
	term.Key("enter")
	term.WaitFor(t, "✓ Sesión cancelada.", "✗ cancelada", "no asistió — Avisó tarde")
	got, err := f.tn.GetSession(f.ctx, f.actor, s.ID)
	if err != nil || got.Status != store.SessionCancelled || got.CancelReason != store.CancelNoShow || got.CancelDetail != "Avisó tarde" {
		t.Fatalf("stored session: %+v, %v", got, err)
	}
}

// TestSessionMarkPaid: mark paid (default amount, cash, a reference,
// today), then the payment log shows it; mark unpaid reverts it.
func TestSessionMarkPaid(t *testing.T) {
	t.Parallel()
	f := newAgFixture(t)
	s := f.book(0, 1, 0, 9, 0, 60)
	term := f.start(t, 80, 24)
	term.WaitFor(t, "○ Ana García")
	term.Key("enter")
	term.WaitFor(t, "p pagar", "sin pago registrado")
	term.Key("p")
	term.WaitFor(t, "Monto", "Medio de pago", "Referencia")
	term.Key("enter") // amount: the patient's price
	term.WaitFor(t, "┃ Medio de pago")
	term.Key("enter") // cash
	term.WaitFor(t, "┃ Referencia")
	term.Type("op-123")
	term.Key("enter")
	term.WaitFor(t, "┃ Fecha del pago")
	term.Key("enter") // date: today
	term.WaitFor(t, "✓ Pago registrado.", "$ S/ 80.00 pagado el 01/12/2026 (efectivo) · op-123")
	pay, err := f.tn.GetPayment(f.ctx, f.actor, s.ID)
	if err != nil || !pay.Paid || pay.Reference != "op-123" || !pay.Amount.Equal(pay.Amount.Round(2)) || pay.Amount.String() != "80" {
		t.Fatalf("stored payment: %+v, %v", pay, err)
	}
	term.Key("l")
	term.WaitFor(t, "Historial del pago", "pagado     S/ 80.00  efectivo  Admin clinic-a")
	term.Key("u")
	term.WaitFor(t, "¿Marcar como no pagado")
	term.Key("s")
	term.WaitFor(t, "✓ Pago marcado como no pagado.", "S/ 80.00 pendiente", "no pagado  S/ 80.00")
}

// TestAgendaRefreshesOnChange: a booking made elsewhere shows up when the
// server announces the change; an open session page follows its changes.
func TestAgendaRefreshesOnChange(t *testing.T) {
	t.Parallel()
	f := newAgFixture(t)
	term := f.start(t, 80, 24)
	term.WaitFor(t, "María Rojas", "0 ses.")
	s := f.book(2, 0, 1, 11, 0, 60) // by someone else
	term.Send(kit.ChangedMsg{Entity: "session"})
	term.WaitFor(t, "○ Rosa Huamán", "1 ses.")
	term.Key("right")
	term.Key("down")
	term.Key("down")
	term.Key("enter")
	term.WaitFor(t, "Sesión n.º", "sin plan")
	if _, err := f.tn.CompleteSession(f.ctx, f.actor, s.ID, "Hecho en otra terminal"); err != nil {
		t.Fatal(err)
	}
	term.Send(kit.ChangedMsg{Entity: "session"})
	screen := term.WaitFor(t, "✓ completada", "Hecho en otra terminal")
	if strings.Contains(screen, "c completar") {
		t.Fatalf("a completed session still offers completing:\n%s", screen)
	}
}

// TestSessionReschedule: moving a session onto a busy slot shows the clash
// and the free slots and changes nothing; a free time creates the linked
// session and cancels the old one as rescheduled.
func TestSessionReschedule(t *testing.T) {
	t.Parallel()
	f := newAgFixture(t)
	a := f.book(0, 0, 0, 9, 0, 60)  // Luis, Sala 1
	b := f.book(1, 0, 1, 11, 0, 60) // Luis, Sala 2
	term := f.start(t, 80, 24)
	term.WaitFor(t, "○ Ana García")
	term.Key("right")
	term.Key("enter")
	term.WaitFor(t, "r reprogramar")
	term.Key("r")
	term.WaitFor(t, "┃ Nueva fecha")
	term.Key("enter")
	term.WaitFor(t, "┃ Nueva hora")
	for range 5 {
		term.Key("backspace")
	}
	term.Type("11:00")
	term.Key("enter")
	term.WaitFor(t, "┃ Sala")
	term.Key("enter")
	term.WaitFor(t, "┃ ¿Copiar el plan")
	term.Key("enter")
	screen := term.WaitFor(t, "Nada se guardó", "libres:")
	if want := fmt.Sprintf("01/12/2026 11:00: el especialista ya tiene la sesión n.º %d (11:00–12:00)", b.ID); !strings.Contains(screen, want) {
		t.Fatalf("the clash is not shown (%q):\n%s", want, screen)
	}
	if !strings.Contains(screen, "libres: 01/12/2026 12:00, 01/12/2026 13:00, 01/12/2026 14:00") {
		t.Fatalf("the free slots are not shown:\n%s", screen)
	}
	if got, _ := f.tn.GetSession(f.ctx, f.actor, a.ID); got.Status == store.SessionCancelled {
		t.Fatal("a refused reschedule cancelled the session")
	}
	// The form keeps what was typed: change the time to 12:00.
	term.WaitFor(t, "┃ Nueva fecha")
	term.Key("enter")
	term.WaitFor(t, "┃ Nueva hora")
	for range 5 {
		term.Key("backspace")
	}
	term.Type("12:00")
	for _, step := range []string{"┃ Sala", "┃ ¿Copiar el plan"} {
		term.Key("enter")
		term.WaitFor(t, step)
	}
	term.Key("enter")
	term.WaitFor(t, "✓ Sesión reprogramada al 01/12/2026 12:00.", "✗ cancelada", "Reprogramada a la sesión n.º", "reprogramada")
	old, err := f.tn.GetSession(f.ctx, f.actor, a.ID)
	if err != nil || old.RescheduledTo == nil || old.CancelReason != store.CancelRescheduled {
		t.Fatalf("old session: %+v, %v", old, err)
	}
	moved, err := f.tn.GetSession(f.ctx, f.actor, *old.RescheduledTo)
	if err != nil || !moved.StartsAt.Equal(time.Date(2026, 12, 1, 12, 0, 0, 0, f.lima)) {
		t.Fatalf("new session: %+v, %v", moved, err)
	}
}

// TestSessionReopen: an admin reopens a completed session (confirmation).
func TestSessionReopen(t *testing.T) {
	t.Parallel()
	f := newAgFixture(t)
	s := f.book(0, 1, 0, 9, 0, 60)
	if _, err := f.tn.CompleteSession(f.ctx, f.actor, s.ID, "ok"); err != nil {
		t.Fatal(err)
	}
	term := f.start(t, 80, 24)
	term.WaitFor(t, "✓ Ana García")
	term.Key("enter")
	term.WaitFor(t, "o reabrir", "✓ completada")
	term.Key("o")
	term.WaitFor(t, "¿Reabrir la sesión completada")
	term.Key("s")
	term.WaitFor(t, "✓ Sesión reabierta.", "○ sin plan", "c completar")
	if got, err := f.tn.GetSession(f.ctx, f.actor, s.ID); err != nil || got.Status != store.SessionUnplanned {
		t.Fatalf("reopened session: %+v, %v", got, err)
	}
}

// TestBookingErrorShownAsConflicts: the error BookSession itself returns
// for a clash (the check inside its transaction, backed by the exclusion
// constraint) becomes the same per-date conflict with free slots the form
// shows for the pre-check; other errors pass through.
func TestBookingErrorShownAsConflicts(t *testing.T) {
	t.Parallel()
	f := newAgFixture(t)
	busy := f.book(0, 0, 0, 10, 0, 60)
	b := store.Booking{PatientID: f.patients[1].ID, SpecialistID: f.specs[0].ID, RoomID: f.rooms[1].ID,
		Start: time.Date(2026, 12, 1, 10, 30, 0, 0, f.lima), DurationMin: 60}
	_, err := f.tn.BookSession(f.ctx, f.actor, b)
	conflicts, rest := clinic.AgConflictsOf(b.Start, err)
	if rest != nil || len(conflicts) != 1 {
		t.Fatalf("conflicts %+v, error %v (from %v)", conflicts, rest, err)
	}
	c := conflicts[0]
	if c.Overlap == nil || c.Overlap.SessionID != busy.ID || !c.Start.Equal(b.Start) || len(c.FreeSlots) != 3 ||
		!c.FreeSlots[0].Equal(time.Date(2026, 12, 1, 11, 0, 0, 0, f.lima)) {
		t.Fatalf("conflict: %+v", c)
	}
	other := &store.ValidationError{Fields: map[string]store.FieldError{"start": {Reason: store.ReasonRequired}}}
	if cs, rest := clinic.AgConflictsOf(b.Start, other); cs != nil || rest != other {
		t.Fatalf("a validation error became %+v, %v", cs, rest)
	}
}

// TestSessionMarkPaidTwiceRefused: two desks take the same payment; the
// second, whose screen still showed it unpaid, is told it is already paid
// and nothing is logged twice.
func TestSessionMarkPaidTwiceRefused(t *testing.T) {
	t.Parallel()
	f := newAgFixture(t)
	s := f.book(0, 1, 0, 9, 0, 60)
	term := f.start(t, 80, 24)
	term.WaitFor(t, "○ Ana García")
	term.Key("enter")
	term.WaitFor(t, "p pagar", "sin pago registrado")
	if _, err := f.tn.MarkPaid(f.ctx, f.actor, s.ID, store.PaymentInput{}); err != nil { // the other desk
		t.Fatal(err)
	}
	term.Key("p")
	term.WaitFor(t, "┃ Monto")
	for range 4 { // amount, method, reference, date
		term.Key("enter")
	}
	term.WaitFor(t, "ya está pagada", "márcala primero como no pagada")
	log, err := f.tn.PaymentLog(f.ctx, f.actor, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	paid := 0
	for _, e := range log {
		if e.Action == "paid" {
			paid++
		}
	}
	if paid != 1 {
		t.Fatalf("%d 'paid' rows in the payment log, want 1: %+v", paid, log)
	}
}
