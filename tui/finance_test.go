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
	"consultorio/tui/tuitest"
)

// TestFinanceGolden80x24: the dashboard of December 2026 on a small data
// set whose figures are computed by hand in the comments, with the
// 12-month chart.
func TestFinanceGolden80x24(t *testing.T) {
	t.Parallel()
	f := newAgFixture(t)
	ctx, actor := f.ctx, f.actor
	a := f.book(0, 0, 0, 9, 0, 60)  // Luis: completed, paid 70 on 1 Dec
	b := f.book(1, 1, 1, 10, 0, 60) // María: completed, unpaid 80
	f.book(2, 0, 0, 11, 0, 60)      // Luis: open, no payment: 80 unbilled
	nov, err := f.tn.BookSession(ctx, actor, store.Booking{PatientID: f.patients[0].ID, SpecialistID: f.specs[0].ID,
		RoomID: f.rooms[0].ID, Start: time.Date(2026, 11, 10, 10, 0, 0, 0, f.lima)})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []store.Session{a, b, nov[0]} {
		if _, err := f.tn.CompleteSession(ctx, actor, s.ID, "ok"); err != nil {
			t.Fatal(err)
		}
	}
	seventy := decimal.NewFromInt(70)
	if _, err := f.tn.MarkPaid(ctx, actor, a.ID, store.PaymentInput{Amount: &seventy}); err != nil {
		t.Fatal(err)
	}
	novDate := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
	if _, err := f.tn.MarkPaid(ctx, actor, nov[0].ID, store.PaymentInput{Date: &novDate}); err != nil { // 80 in November
		t.Fatal(err)
	}
	exp := func(name, amount string, due time.Time, paid bool) {
		e, err := f.tn.CreateExpense(ctx, actor, store.ExpenseInput{Name: name, Amount: decimal.RequireFromString(amount), DueDate: &due})
		if err != nil {
			t.Fatal(err)
		}
		if paid {
			if _, _, err := f.tn.PayExpense(ctx, actor, e.ID, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	exp("Alquiler", "1500", time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC), true)
	exp("Luz", "120.50", time.Date(2026, 12, 20, 0, 0, 0, 0, time.UTC), false)
	exp("Alquiler octubre", "1500", time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC), true)

	term := f.start(t, 80, 24)
	term.WaitFor(t, "María Rojas")
	term.Key("8")
	screen := term.WaitFor(t, "Finanzas · diciembre 2026", "Balance", "Planilla por especialista")
	// By hand: collected 70; pending 80 unpaid + 80 unbilled = 160;
	// expenses 1,620.50 (1,500 paid); payroll 40% of Luis's 70 = 28;
	// balance 70 − (1,620.50 + 28) = −1,578.50.
	for _, want := range []string{
		"Ingresos cobrados              S/ 70.00", "Ingresos pendientes           S/ 160.00",
		"pagos no cobrados            S/ 80.00", "sesiones sin pago            S/ 80.00",
		"Gastos del mes              S/ 1,620.50", "ya pagados                S/ 1,500.00",
		"Planilla                       S/ 28.00", "porcentajes                  S/ 28.00",
		"Balance                    -S/ 1,578.50", "máx. S/ 1,620.50",
	} {
		if !strings.Contains(screen, want) {
			t.Errorf("the dashboard lacks %q", want)
		}
	}
	golden.RequireEqual(t, screen)
	// The previous month: November's 80 collected.
	term.Key(",")
	term.WaitFor(t, "Finanzas · noviembre 2026", "Ingresos cobrados              S/ 80.00")
}

// TestFinanceScrolls80x24: with more unpaid expenses than fit under the
// chart at 80x24, the dashboard offers scrolling keys and end reaches the
// last of them (it used to be cut off), with and without ASCII mode.
func TestFinanceScrolls80x24(t *testing.T) {
	t.Parallel()
	f := newAgFixture(t)
	for i := 1; i <= 8; i++ {
		due := time.Date(2026, 12, 9+i, 0, 0, 0, 0, time.UTC)
		if _, err := f.tn.CreateExpense(f.ctx, f.actor, store.ExpenseInput{Name: fmt.Sprintf("Gasto %d", i),
			Amount: decimal.NewFromInt(int64(10 * i)), DueDate: &due}); err != nil {
			t.Fatal(err)
		}
	}
	for _, ascii := range []bool{false, true} {
		term := tuitest.Start(t, NewClinicApp(context.Background(), ClinicSession{Tenant: f.tn, User: f.admin,
			RemoteAddr: "192.0.2.1:1", Width: 80, Height: 24, DarkBackground: true, ASCII: ascii}), 80, 24)
		term.Key("8")
		s := term.WaitFor(t, "Gasto 1", "desplazar")
		if strings.Contains(s, "Gasto 8") {
			t.Fatalf("ascii=%v: the fixture should not fit at 80x24:\n%s", ascii, s)
		}
		term.Key("end")
		s = term.WaitFor(t, "Gasto 8")
		if !strings.Contains(s, "S/ 80.00") {
			t.Errorf("ascii=%v: the last expense's amount is not shown:\n%s", ascii, s)
		}
		term.Key("home")
		term.WaitFor(t, "Ingresos cobrados")
		term.WaitGone(t, "Gasto 8")
	}
}
