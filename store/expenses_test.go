package store_test

import (
	"errors"
	"testing"
	"time"

	"consultorio/store"
)

func TestExpenses(t *testing.T) {
	t.Parallel()
	f := newAgendaFixture(t, 0)
	// 1 March 2026 04:00 UTC is still 28 February in Lima.
	f.clock.Set(time.Date(2026, 3, 1, 4, 0, 0, 0, time.UTC))

	if _, err := f.tn.CreateExpense(f.ctx, f.desk, store.ExpenseInput{Name: "Luz", Amount: agDec("10")}); !agForbidden(err) {
		t.Errorf("reception creating an expense: %v", err)
	}
	if _, err := f.tn.CreateExpense(f.ctx, f.admin, store.ExpenseInput{Name: " ", Amount: agDec("0")}); !agInvalid(err, "amount") || !agInvalid(err, "name") {
		t.Errorf("blank name and zero amount: %v", err)
	}
	rent, err := f.tn.CreateExpense(f.ctx, f.admin, store.ExpenseInput{Name: "Alquiler", Amount: agDec("1200"),
		Fixed: true, Recurring: true, DueDate: agDate(2026, 1, 31)})
	if err != nil {
		t.Fatal(err)
	}
	paid, next, err := f.tn.PayExpense(f.ctx, f.admin, rent.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !paid.Paid || paid.PaidAt.Format(time.DateOnly) != "2026-02-28" {
		t.Errorf("paid_at defaults to today in Lima: %v", paid.PaidAt)
	}
	// The proposal: a month after 31 January is the last day of February.
	if next == nil || next.ID != 0 || next.DueDate.Format(time.DateOnly) != "2026-02-28" || *next.PreviousID != rent.ID ||
		!next.Amount.Equal(agDec("1200")) || !next.Recurring || !next.Fixed {
		t.Fatalf("next proposal: %+v", next)
	}
	all, _ := f.tn.ListExpenses(f.ctx, f.admin, time.Time{})
	if len(all) != 1 {
		t.Fatalf("the proposal was saved: %d expenses", len(all))
	}
	saved, err := f.tn.CreateNextRecurring(f.ctx, f.admin, rent.ID)
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.tn.CreateNextRecurring(f.ctx, f.admin, rent.ID)
	if err != nil {
		t.Fatal(err)
	}
	if saved.ID == 0 || again.ID != saved.ID || saved.Paid || *saved.PreviousID != rent.ID || saved.DueDate.Format(time.DateOnly) != "2026-02-28" {
		t.Errorf("next saved %+v, again %+v", saved, again)
	}
	if _, next, err = f.tn.PayExpense(f.ctx, f.admin, rent.ID, agDate(2026, 2, 1)); err != nil || next != nil {
		t.Errorf("paying again once the copy exists offers nothing: %+v %v", next, err)
	}
	if r, _ := f.tn.GetExpense(f.ctx, f.admin, rent.ID); r.NextID == nil || *r.NextID != saved.ID || r.PaidAt.Format(time.DateOnly) != "2026-02-01" {
		t.Errorf("rent after: %+v", r)
	}
	if _, _, err := f.tn.PayExpense(f.ctx, f.admin, saved.ID, agDate(2026, 3, 1)); !agInvalid(err, "paid_at") {
		t.Errorf("paying in the future (1 March is tomorrow in Lima): %v", err)
	}
	if _, _, err := f.tn.PayExpense(f.ctx, f.admin, 99999, nil); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("paying a missing expense: %v", err)
	}

	// No due date: it belongs to the month it was created in (Lima).
	ink, err := f.tn.CreateExpense(f.ctx, f.admin, store.ExpenseInput{Name: "Tinta", Amount: agDec("35.90")})
	if err != nil {
		t.Fatal(err)
	}
	if _, next, err := f.tn.PayExpense(f.ctx, f.admin, ink.ID, nil); err != nil || next != nil {
		t.Errorf("a one-off expense offers no next: %v %v", next, err)
	}
	if _, err := f.tn.CreateNextRecurring(f.ctx, f.admin, ink.ID); !agInvalid(err, "recurring") {
		t.Errorf("next of a one-off expense: %v", err)
	}
	feb, err := f.tn.ListExpenses(f.ctx, f.admin, time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if len(feb) != 2 || feb[0].ID != saved.ID || feb[1].ID != ink.ID {
		t.Errorf("february: %+v", feb)
	}
	upd, err := f.tn.UpdateExpense(f.ctx, f.admin, ink.ID, store.ExpenseInput{Name: "Tinta y papel", Amount: agDec("42.50"), DueDate: agDate(2026, 3, 10), Notes: "librería"})
	if err != nil {
		t.Fatal(err)
	}
	if upd.Name != "Tinta y papel" || !upd.Amount.Equal(agDec("42.50")) || upd.DueDate.Format(time.DateOnly) != "2026-03-10" || !upd.Paid {
		t.Errorf("updated: %+v", upd)
	}
	mar, _ := f.tn.ListExpenses(f.ctx, f.admin, time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC))
	if len(mar) != 1 || mar[0].ID != ink.ID {
		t.Errorf("march after moving the due date: %+v", mar)
	}
}
