package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"consultorio/store"
	"consultorio/tui/kit"
)

// TestSessionsAndPaymentsLists: the sessions list shows the month's
// sessions with status and payment; the payments list shows the month's
// payments with the totals the store computes, and filters unpaid ones.
func TestSessionsAndPaymentsLists(t *testing.T) {
	t.Parallel()
	f := newAgFixture(t)
	a := f.book(0, 0, 0, 9, 0, 60)
	b := f.book(1, 1, 1, 10, 0, 60)
	if _, err := f.tn.CompleteSession(f.ctx, f.actor, a.ID, "ok"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.tn.CompleteSession(f.ctx, f.actor, b.ID, "ok"); err != nil {
		t.Fatal(err)
	}
	amt := decimal.NewFromInt(70)
	if _, err := f.tn.MarkPaid(f.ctx, f.actor, a.ID, store.PaymentInput{Amount: &amt, Method: store.MethodCard}); err != nil {
		t.Fatal(err)
	}
	term := f.start(t, 80, 24)
	term.WaitFor(t, "María Rojas")
	term.Key("2")
	term.WaitFor(t, "Sesiones · desde el 01/11/2026", "sesiones: 2",
		"01/12/2026 09:00", "Ana García", "✓$ completada", "$ 70.00", "Pedro Quispe")
	term.Key("6")
	term.WaitFor(t, "Pagos · diciembre 2026", "Cobrado: S/ 70.00", "Pendiente: S/ 80.00", "$ pagado", "01/12/2026")
	term.Key("u")
	term.WaitFor(t, "solo pendientes")
	term.WaitUntil(t, "only the unpaid one", func(s string) bool {
		return strings.Contains(s, "Pedro Quispe") && !strings.Contains(s, "Ana García")
	})
	// p marks it paid from the list.
	term.Key("p")
	term.WaitFor(t, "┃ Monto")
	for _, step := range []string{"┃ Medio de pago", "┃ Referencia", "┃ Fecha del pago"} {
		term.Key("enter")
		term.WaitFor(t, step)
	}
	term.Key("enter")
	term.WaitFor(t, "✓ Pago registrado.", "Pendiente: S/ 0.00")
	pay, err := f.tn.GetPayment(f.ctx, f.actor, b.ID)
	if err != nil || !pay.Paid || pay.PaidOn == nil || !pay.PaidOn.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("stored payment: %+v, %v", pay, err)
	}
	// Marked unpaid at another desk: the list follows the announced change.
	if _, err := f.tn.MarkUnpaid(f.ctx, f.actor, b.ID); err != nil {
		t.Fatal(err)
	}
	term.Send(kit.ChangedMsg{Entity: "payment"})
	term.WaitFor(t, "Pendiente: S/ 80.00", "Pedro Quispe")
}

// TestExpensesPayRecurring: create an expense from the form, pay it (date
// defaults to today), accept next month's copy.
func TestExpensesPayRecurring(t *testing.T) {
	t.Parallel()
	f := newAgFixture(t)
	due := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	if _, err := f.tn.CreateExpense(f.ctx, f.actor, store.ExpenseInput{Name: "Alquiler", Amount: decimal.NewFromInt(1500),
		Fixed: true, Recurring: true, DueDate: &due}); err != nil {
		t.Fatal(err)
	}
	term := f.start(t, 80, 24)
	term.WaitFor(t, "María Rojas")
	term.Key("7")
	term.WaitFor(t, "Gastos · diciembre 2026", "Alquiler", "S/ 1,500.00", "fijo, mensual", "pendiente",
		"Total S/ 1,500.00 · pagado S/ 0.00 · pendiente S/ 1,500.00")
	// A new one through the form.
	term.Key("n")
	term.WaitFor(t, "┃ Concepto")
	term.Type("Luz")
	term.Key("enter")
	term.WaitFor(t, "┃ Monto")
	term.Type("120.50")
	term.Key("enter")
	term.WaitFor(t, "┃ Vencimiento")
	term.Type("10/12/2026")
	for _, step := range []string{"┃ ¿Gasto fijo?", "┃ ¿Mensual", "┃ Notas"} {
		term.Key("enter")
		term.WaitFor(t, step)
	}
	term.Key("enter")
	term.WaitFor(t, "✓ Gasto guardado.", "Luz", "S/ 120.50", "Total S/ 1,620.50")
	// Pay the rent (first row).
	term.Key("home")
	term.Key("p")
	term.WaitFor(t, "Alquiler · S/ 1,500.00", "┃ Fecha de pago")
	term.Key("enter")
	term.WaitFor(t, "«Alquiler» es mensual: ¿crear el del próximo mes (vence 05/01/2027")
	term.Key("s")
	term.WaitFor(t, "✓ Gasto del próximo mes creado (vence 05/01/2027).", "$ pagado 01/12/2026")
	list, err := f.tn.ListExpenses(f.ctx, f.actor, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || len(list) != 1 || list[0].Name != "Alquiler" || list[0].Paid {
		t.Fatalf("next month's expenses: %+v, %v", list, err)
	}
}

// TestSessionsFilter: the filter form narrows the list by status and
// specialist.
func TestSessionsFilter(t *testing.T) {
	t.Parallel()
	f := newAgFixture(t)
	a := f.book(0, 0, 0, 9, 0, 60) // Luis
	f.book(1, 1, 1, 10, 0, 60)     // María
	f.book(2, 0, 0, 11, 0, 60)     // Luis
	if _, err := f.tn.CompleteSession(f.ctx, f.actor, a.ID, "ok"); err != nil {
		t.Fatal(err)
	}
	term := f.start(t, 80, 24)
	term.WaitFor(t, "María Rojas")
	term.Key("2")
	term.WaitFor(t, "sesiones: 3")
	term.Key("f")
	term.WaitFor(t, "┃ Desde")
	for _, step := range []string{"┃ Hasta", "┃ Estado"} {
		term.Key("enter")
		term.WaitFor(t, step)
	}
	term.Key("down") // sin plan
	term.Key("enter")
	term.WaitFor(t, "┃ Especialista")
	term.Key("down") // María Rojas (by last name)
	term.Key("down") // Luis Soto
	term.Key("enter")
	term.WaitFor(t, "┃ Sala")
	term.Key("enter") // every room
	screen := term.WaitFor(t, "sin plan · Luis Soto", "sesiones: 1", "Rosa Huamán")
	if strings.Contains(screen, "Ana García") || strings.Contains(screen, "Pedro Quispe") {
		t.Fatalf("the filter lets other sessions through:\n%s", screen)
	}
}

// TestAgendaEnglish: the screens speak the user's language.
func TestAgendaEnglish(t *testing.T) {
	t.Parallel()
	f := newAgFixture(t)
	f.book(0, 0, 0, 9, 0, 60)
	lang := "en"
	u, err := f.tn.UpdateUser(f.ctx, f.actor, f.admin.ID, store.UserUpdate{Lang: &lang})
	if err != nil {
		t.Fatal(err)
	}
	f.admin = u
	term := f.start(t, 80, 24)
	term.WaitFor(t, "Tuesday, December 1, 2026 · by specialist", "○ Ana García", "enter open")
	term.Key("8")
	term.WaitFor(t, "Finance · December 2026", "Collected income", "Income vs expenses (12 months)", "█ income  ░ expenses")
}
