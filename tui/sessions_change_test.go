package tui

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"consultorio/store"
	"consultorio/tui/tuitest"
)

// TestSessionEditGolden80x24: "m" on a session opens the edit form; a
// specialist who is busy then is refused with the clash and the next free
// slot above the form (golden); a shorter duration is saved.
func TestSessionEditGolden80x24(t *testing.T) {
	t.Parallel()
	f := newAgFixture(t)
	s := f.book(1, 1, 1, 9, 0, 60)      // Pedro Quispe with María Rojas (the first column), 09:00
	other := f.book(0, 0, 0, 9, 30, 60) // Ana García with Luis Soto, 09:30
	term := f.start(t, 80, 24)
	term.WaitFor(t, "○ Pedro Quispe", "○ 09:30 Ana García")
	term.Key("enter")
	term.WaitFor(t, "Sesión n.º", "x cancelar")
	term.Key("m")
	term.WaitFor(t, "Editar la sesión n.º", "┃ Especialista", "Luis Soto")
	term.Key("down") // Luis Soto, busy with Ana then
	term.Key("enter")
	term.WaitFor(t, "┃ Sala")
	term.Key("enter")
	term.WaitFor(t, "┃ Duración (minutos)")
	term.Key("enter")
	screen := settled(t, term, "Se cruza con la sesión n.º "+strconv.FormatInt(other.ID, 10), "libre:")
	golden.RequireEqual(t, screen)
	if got, _ := f.tn.GetSession(f.ctx, f.actor, s.ID); got.SpecialistID != f.specs[1].ID {
		t.Fatalf("a refused edit changed the session: %+v", got)
	}
	term.Key("esc")
	term.WaitFor(t, "x cancelar")
	term.Key("m")
	term.WaitFor(t, "┃ Especialista")
	term.Key("enter")
	term.WaitFor(t, "┃ Sala")
	term.Key("enter")
	term.WaitFor(t, "┃ Duración (minutos)")
	term.Key("backspace")
	term.Key("backspace")
	term.Type("30")
	term.Key("enter")
	term.WaitFor(t, "✓ Sesión actualizada", "09:00–09:30")
	if got, _ := f.tn.GetSession(f.ctx, f.actor, s.ID); got.DurationMin != 30 || got.SpecialistID != f.specs[1].ID {
		t.Errorf("edited session: %+v", got)
	}
}

// TestSessionCancelSeriesPrepaidGolden80x24: cancelling a session of a
// series paid in advance asks which sessions (golden at 80x24) and what
// becomes of the payment; "this and following" + refund is stored.
func TestSessionCancelSeriesPrepaidGolden80x24(t *testing.T) {
	t.Parallel()
	f := newAgFixture(t)
	series, err := f.tn.BookSession(f.ctx, f.actor, store.Booking{PatientID: f.patients[0].ID,
		SpecialistID: f.specs[1].ID, RoomID: f.rooms[0].ID, Start: time.Date(2026, 12, 1, 9, 0, 0, 0, f.lima),
		DurationMin: 60, Repeat: store.Repeat{WeeklyCount: 3}, Payment: &store.PaymentInput{Method: store.MethodCard}})
	if err != nil {
		t.Fatal(err)
	}
	term := f.start(t, 80, 24)
	term.WaitFor(t, "○$ Ana García")
	term.Key("enter")
	term.WaitFor(t, "Parte de la serie n.º", "x cancelar")
	term.Key("x")
	term.WaitFor(t, "┃ Motivo")
	term.Key("enter") // the patient
	term.WaitFor(t, "┃ Detalle")
	term.Key("enter")
	screen := settled(t, term, "┃ Esta sesión es parte de una serie", "A esta y las siguientes")
	golden.RequireEqual(t, screen)
	term.Key("down") // this and following
	term.Key("enter")
	term.WaitFor(t, "┃ Se pagó por adelantado", "Se devuelve al paciente")
	term.Key("down") // refund
	term.Key("enter")
	term.WaitFor(t, "✓ Sesión cancelada.")
	for _, s := range series {
		got, err := f.tn.GetSession(f.ctx, f.actor, s.ID)
		if err != nil || got.Status != store.SessionCancelled || got.Paid {
			t.Errorf("session #%d: %+v %v", s.ID, got, err)
		}
		log, _ := f.tn.PaymentLog(f.ctx, f.actor, s.ID)
		if len(log) == 0 || log[len(log)-1].Action != "refunded" {
			t.Errorf("payment log of #%d: %+v", s.ID, log)
		}
	}
}

// TestSessionMoveSeries: moving a session of a series asks which ones;
// "all" moves the three to the new time.
func TestSessionMoveSeries(t *testing.T) {
	t.Parallel()
	f := newAgFixture(t)
	if _, err := f.tn.BookSession(f.ctx, f.actor, store.Booking{PatientID: f.patients[0].ID,
		SpecialistID: f.specs[1].ID, RoomID: f.rooms[0].ID, Start: time.Date(2026, 12, 1, 9, 0, 0, 0, f.lima),
		DurationMin: 60, Repeat: store.Repeat{WeeklyCount: 3}}); err != nil {
		t.Fatal(err)
	}
	term := f.start(t, 80, 24)
	term.WaitFor(t, "○ Ana García")
	term.Key("enter")
	term.WaitFor(t, "r reprogramar")
	term.Key("r")
	term.WaitFor(t, "┃ Nueva fecha")
	term.Key("enter")
	term.WaitFor(t, "┃ Nueva hora")
	for range 5 {
		term.Key("backspace")
	}
	term.Type("15:00")
	for _, next := range []string{"┃ Sala", "┃ ¿Copiar"} {
		term.Key("enter")
		term.WaitFor(t, next)
	}
	term.Key("enter")
	term.WaitFor(t, "┃ Esta sesión es parte de una serie")
	term.Key("down")
	term.Key("down") // all
	term.Key("enter")
	term.WaitFor(t, "✓")
	list, err := f.tn.ListSessions(f.ctx, f.actor, store.SessionFilter{PatientID: f.patients[0].ID, Status: store.SessionUnplanned})
	if err != nil {
		t.Fatal(err)
	}
	var starts []string
	for _, s := range list {
		starts = append(starts, s.StartsAt.Format("01-02 15:04"))
	}
	if got := strings.Join(starts, " "); got != "12-01 15:00 12-08 15:00 12-15 15:00" {
		t.Errorf("open sessions after moving all: %s", got)
	}
}

// TestSessionsListFilterPatientAndRoom: "p" narrows the sessions list to
// the patient of the chosen row (and back); the filter form narrows it to
// a room.
func TestSessionsListFilterPatientAndRoom(t *testing.T) {
	t.Parallel()
	f := newAgFixture(t)
	f.book(0, 0, 0, 9, 0, 60)  // Ana García, Sala 1
	f.book(1, 1, 1, 10, 0, 60) // Pedro Quispe, Sala 2
	f.book(0, 1, 1, 12, 0, 60) // Ana García, Sala 2
	term := f.start(t, 80, 24)
	term.WaitFor(t, "María Rojas")
	term.Key("2")
	term.WaitFor(t, "sesiones: 3")
	term.Key("p") // the cursor is on the session going on now: Ana's at 09:00
	term.WaitUntil(t, "one patient's sessions", func(s string) bool {
		return strings.Contains(s, "sesiones: 2") && strings.Contains(s, "· Ana García") && !strings.Contains(s, "Pedro")
	})
	term.Key("p")
	term.WaitFor(t, "sesiones: 3")
	term.Key("f")
	term.WaitFor(t, "┃ Desde")
	for _, next := range []string{"Hasta", "Estado", "Especialista", "┃ Sala"} {
		term.Key("enter")
		term.WaitFor(t, next)
	}
	term.Key("down")
	term.Key("down") // Sala 2
	term.Key("enter")
	term.WaitUntil(t, "Sala 2's sessions", func(s string) bool {
		return strings.Contains(s, "sesiones: 2") && strings.Contains(s, "· Sala 2")
	})
}

// TestPatientFileBookAndOpen: the patient file's upcoming tab lists the
// sessions in a kit.Table, the selected one marked (">" in ASCII mode); enter opens one; n books a new one for the
// patient (the form starts past the patient search).
func TestPatientFileBookAndOpen(t *testing.T) {
	t.Parallel()
	f := newAgFixture(t)
	f.book(0, 0, 0, 11, 0, 60) // Ana García
	second := f.book(0, 1, 1, 15, 0, 60)
	// ASCII mode: the selected row is marked with ">" (the test terminal
	// has no reverse video to look at).
	term := tuitest.Start(t, NewClinicApp(context.Background(), ClinicSession{Tenant: f.tn, User: f.admin,
		RemoteAddr: "192.0.2.1:1", Width: 80, Height: 24, DarkBackground: true, ASCII: true}), 80, 24)
	term.WaitFor(t, "María Rojas")
	term.Key("3")
	settled(t, term, "García", "Huamán", "Quispe") // by surname: García first, under the cursor
	term.Key("enter")
	term.WaitFor(t, "[Datos]")
	term.Key("right")
	term.Key("right")
	term.WaitUntil(t, "the upcoming tab with 11:00 selected", func(s string) bool {
		return strings.Contains(s, "[Proximas sesiones]") && strings.Contains(selectedLine(s), "01/12/2026 11:00")
	})
	term.Key("down")
	term.WaitUntil(t, "15:00 selected", func(s string) bool { return strings.Contains(selectedLine(s), "01/12/2026 15:00") })
	term.Key("enter")
	term.WaitFor(t, "Sesion n.o "+strconv.FormatInt(second.ID, 10))
	term.Key("esc")
	term.WaitFor(t, "[Proximas")
	term.Key("n")
	term.WaitFor(t, "Paciente: Ana García", "| Especialista")
}

// TestPatientFileCredits (80x24): a session paid in advance and cancelled
// as credit shows in the patient file's payments tab as the credit held
// (total, the session it came from, how it is used); booking from the file
// (n) uses it: the new session is paid in advance with that payment and the
// tab no longer shows a credit.
func TestPatientFileCredits(t *testing.T) {
	t.Parallel()
	f := newAgFixture(t)
	pre, err := f.tn.BookSession(f.ctx, f.actor, store.Booking{PatientID: f.patients[0].ID, SpecialistID: f.specs[0].ID,
		RoomID: f.rooms[0].ID, Start: time.Date(2026, 12, 1, 11, 0, 0, 0, f.lima), DurationMin: 60,
		Payment: &store.PaymentInput{Method: store.MethodCash}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.tn.CancelSessions(f.ctx, f.actor, pre[0].ID, store.SessionCancel{Reason: store.CancelPatient, Prepaid: store.PrepaidCredit}); err != nil {
		t.Fatal(err)
	}
	term := f.start(t, 80, 24)
	term.WaitFor(t, "María Rojas")
	term.Key("3")
	settled(t, term, "García", "Huamán", "Quispe")
	term.Key("enter")
	term.WaitFor(t, "[Datos]")
	for range 4 {
		term.Key("right")
	}
	term.WaitFor(t, "[Pagos y saldo]", "Crédito a favor: S/ 80.00 (1)",
		"de la sesión n.º "+strconv.FormatInt(pre[0].ID, 10), "Paga la próxima sesión que se agende (n).")

	term.Key("n")
	term.WaitFor(t, "Paciente: Ana García", "┃ Especialista")
	term.Key("enter") // specialist
	term.Key("enter") // room
	term.Key("enter") // date: today
	focused(t, term, "Hora")
	term.Key("ctrl+u")
	admFill(t, term, "Hora", "16:00")
	term.WaitFor(t, "┃ Duración")
	term.Key("enter")
	term.WaitFor(t, "┃ ¿Pagada por adelantado?")
	term.Key("enter") // no: the credit pays it
	term.WaitFor(t, "┃ Repetir semanalmente")
	term.Key("enter")
	term.WaitFor(t, "┃ Fechas adicionales")
	term.Key("enter")
	term.WaitFor(t, "✓ 1 sesión(es) agendada(s).", "[Pagos y saldo]")
	screen := settled(t, term, "[Pagos y saldo]")
	if strings.Contains(screen, "Crédito a favor") {
		t.Fatalf("the credit is still shown after booking:\n%s", screen)
	}
	list, err := f.tn.ListSessions(f.ctx, f.actor, store.SessionFilter{PatientID: f.patients[0].ID, Status: store.SessionUnplanned})
	if err != nil || len(list) != 1 || !list[0].StartsAt.Equal(time.Date(2026, 12, 1, 16, 0, 0, 0, f.lima)) ||
		!list[0].Paid || list[0].PaymentID == nil || *list[0].PaymentID != *pre[0].PaymentID {
		t.Fatalf("the booked session did not take the credit: %+v, %v", list, err)
	}
}
