package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"consultorio/store"
)

// TestDeskScreensASCII80x24: the front-desk pages of issue 13 in ASCII
// mode at 80x24 — the patient file's payments tab with a credit held
// (golden), the waiting list's patient search (golden) and the clinic
// settings with the overdue threshold: no character outside ASCII and no
// colour on any of them.
func TestDeskScreensASCII80x24(t *testing.T) {
	t.Parallel()
	f := newASCIIFixture(t)
	ctx := context.Background()
	actor := f.admin.Actor("192.0.2.1:1")
	lima, _ := time.LoadLocation("America/Lima")
	specs, err := f.tn.ListSpecialists(ctx, actor, false)
	if err != nil {
		t.Fatal(err)
	}
	rooms, err := f.tn.ListRooms(ctx, actor, false)
	if err != nil {
		t.Fatal(err)
	}
	page, err := f.tn.ListPatients(ctx, actor, store.PatientQuery{})
	if err != nil || len(page.Patients) == 0 {
		t.Fatalf("patients: %v", err)
	}
	pre, err := f.tn.BookSession(ctx, actor, store.Booking{PatientID: page.Patients[0].ID, SpecialistID: specs[0].ID,
		RoomID: rooms[0].ID, Start: time.Date(2026, 12, 2, 10, 0, 0, 0, lima), DurationMin: 60,
		Payment: &store.PaymentInput{Method: store.MethodCash}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.tn.CancelSessions(ctx, actor, pre[0].ID, store.SessionCancel{Reason: store.CancelPatient, Prepaid: store.PrepaidCredit}); err != nil {
		t.Fatal(err)
	}
	term := f.start(t, true)
	check := func(name, s string) {
		t.Helper()
		if bad := asciiChrome(s); bad != "" {
			t.Errorf("%s: non-ASCII characters %q:\n%s", name, bad, s)
		}
		for y := range 24 {
			for x := range 80 {
				if term.HasColor(x, y) {
					t.Fatalf("%s: colour at %d,%d in ASCII mode:\n%s", name, x, y, s)
				}
			}
		}
	}
	// Settled: everything wanted is shown and nothing loads ("Cargando..."
	// in ASCII mode).
	settledASCII := func(want ...string) string {
		t.Helper()
		return term.WaitUntil(t, "screen shows "+strings.Join(want, ", ")+", loaded", func(s string) bool {
			for _, x := range want {
				if !strings.Contains(s, x) {
					return false
				}
			}
			return !strings.Contains(s, "Cargando")
		})
	}

	term.Key("3")
	settledASCII("[3 Pacientes]", "Garcia")
	term.Key("enter")
	term.WaitFor(t, "[Datos]")
	for range 4 {
		term.Key("right")
	}
	s := settledASCII("[Pagos y saldo]", "Credito a favor: S/ 80.00 (1)", "pagado 01/12/2026 . efec")
	check("patient file, payments", s)
	t.Run("credits", func(t *testing.T) { golden.RequireEqual(t, s) })

	term.Key("9")
	settledASCII("[9 Notificaciones]")
	term.Key("w")
	settledASCII("Lista de espera")
	term.Key("n")
	s = settledASCII("Buscar paciente", "Garcia, Ana")
	check("waiting list, patient search", s)
	t.Run("picker", func(t *testing.T) { golden.RequireEqual(t, s) })
	term.Key("esc")

	term.Key("0")
	settledASCII("[0 Personal]")
	term.Key("s")
	s = settledASCII("Ajustes de la clinica", "Dias para pago vencido:", "7 dias")
	check("clinic settings", s)
}
