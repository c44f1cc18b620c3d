package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"consultorio/store"
	"consultorio/store/storetest"
)

// financeData builds the same small clinic in a tenant; every instant is
// given in Lima. It moves the shared clock for the steps whose date comes
// from "today".
//
//	specialists: A percent 40%, B percent 50%, C fixed 1500.00, D fixed 900.00 inactive
//	patients:    P1 100.00, P2 80.00, P3 150.00
//	S1  A P1 2026-11-05 10:00  completed, paid 100 on 2026-11-05
//	S2  A P2 2026-11-12 10:00  completed, unpaid 80
//	S3  B P3 2026-11-20 15:00  completed, paid 150 on 2026-11-20
//	S4  B P1 2026-11-25 09:00  planned, no payment (price 100)
//	S5  A P3 2026-11-26 11:00  cancelled, no payment
//	S6  A P2 2026-11-18 16:00  paid in advance 80 when booked (clock 2026-11-10),
//	                           rescheduled to 2026-11-19 16:00: one payment, moved
//	S7  B P2 2026-11-30 22:00  completed, paid 80 at 2026-11-30 23:30 Lima = 2026-12-01 04:30 UTC
//	S8  A P1 2026-10-30 10:00  completed, paid 100 on 2026-11-02
//	S9  B P3 2026-12-01 10:00  planned (December)
//	S10 A P3 2026-11-27 10:00  paid 150 in advance on 2026-11-27, cancelled, refunded (unpaid)
//	E1 rent 1200.00 due 2026-11-01 paid;  E2 supplies 250.50 due 2026-11-30
//	E3 internet 99.90 no due date, created 2026-11-15;  E4 insurance 300.00 due 2026-12-05
//	E5 old 50.00 due 2026-10-31;  E6 45.00 no due date, created 2026-11-30 23:45 Lima = 2026-12-01 04:45 UTC
func financeData(t *testing.T, f *agendaFixture) {
	t.Helper()
	ctx, tn, admin := f.ctx, f.tn, f.admin
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	a := f.specialist("Ana", "A", "percent", "40", true)
	b := f.specialist("Beto", "B", "percent", "50", true)
	f.specialist("Carla", "C", "fixed", "1500", true)
	f.specialist("Dario", "D", "fixed", "900", false)
	p1, p2, p3 := f.patient("Pablo", "Uno", "100"), f.patient("Paula", "Dos", "80"), f.patient("Pedro", "Tres", "150")
	r1, r2 := f.room("R1"), f.room("R2")
	book := func(spec, pat, room int64, start time.Time, prepaid bool) int64 {
		t.Helper()
		out, err := tn.BookSession(ctx, admin, store.Booking{PatientID: pat, SpecialistID: spec, RoomID: room, Start: start, PaidInAdvance: prepaid})
		must(err)
		return out[0].ID
	}
	complete := func(id int64) {
		t.Helper()
		_, err := tn.CompleteSession(ctx, admin, id, "ok")
		must(err)
	}
	pay := func(id int64, d *time.Time) {
		t.Helper()
		_, err := tn.MarkPaid(ctx, admin, id, store.PaymentInput{Date: d})
		must(err)
	}
	expense := func(name, amount string, due *time.Time) int64 {
		t.Helper()
		e, err := tn.CreateExpense(ctx, admin, store.ExpenseInput{Name: name, Amount: agDec(amount), DueDate: due})
		must(err)
		return e.ID
	}

	f.clock.Set(agAt(2026, 11, 10, 12, 0))
	s6 := book(a, p2, r1, agAt(2026, 11, 18, 16, 0), true)
	_, err := tn.RescheduleSession(ctx, admin, s6, agAt(2026, 11, 19, 16, 0), 0, false)
	must(err)
	e1 := expense("Alquiler", "1200", agDate(2026, 11, 1))
	expense("Insumos", "250.50", agDate(2026, 11, 30))
	expense("Seguro", "300", agDate(2026, 12, 5))
	expense("Antiguo", "50", agDate(2026, 10, 31))

	f.clock.Set(agAt(2026, 11, 15, 12, 0))
	expense("Internet", "99.90", nil)

	f.clock.Set(agAt(2026, 11, 30, 23, 30))
	s7 := book(b, p2, r2, agAt(2026, 11, 30, 22, 0), false)
	complete(s7)
	pay(s7, nil)

	f.clock.Set(agAt(2026, 11, 30, 23, 45))
	expense("Varios", "45", nil)

	f.clock.Set(agAt(2026, 12, 2, 12, 0))
	s1 := book(a, p1, r1, agAt(2026, 11, 5, 10, 0), false)
	complete(s1)
	pay(s1, agDate(2026, 11, 5))
	complete(book(a, p2, r1, agAt(2026, 11, 12, 10, 0), false))
	s3 := book(b, p3, r2, agAt(2026, 11, 20, 15, 0), false)
	complete(s3)
	pay(s3, agDate(2026, 11, 20))
	s4 := book(b, p1, r2, agAt(2026, 11, 25, 9, 0), false)
	_, err = tn.UpdateSessionPlan(ctx, admin, s4, store.Plan{Objective: "Evaluación"})
	must(err)
	s5 := book(a, p3, r1, agAt(2026, 11, 26, 11, 0), false)
	_, err = tn.CancelSession(ctx, admin, s5, store.CancelPatient, "")
	must(err)
	s8 := book(a, p1, r1, agAt(2026, 10, 30, 10, 0), false)
	complete(s8)
	pay(s8, agDate(2026, 11, 2))
	book(b, p3, r2, agAt(2026, 12, 1, 10, 0), false)
	s10 := book(a, p3, r1, agAt(2026, 11, 27, 10, 0), false)
	pay(s10, agDate(2026, 11, 27))
	_, err = tn.CancelSession(ctx, admin, s10, store.CancelClinic, "")
	must(err)
	_, err = tn.MarkUnpaid(ctx, admin, s10)
	must(err)
	_, _, err = tn.PayExpense(ctx, admin, e1, agDate(2026, 11, 1))
	must(err)
}

type financeWant struct {
	collected, pendingUnpaid, pendingUnbilled, pending   string
	expenses, expensesPaid                               string
	payrollFixed, payrollPercent, payroll, balance       string
	percentA, percentB                                   string // payroll lines of A and B
	chartIncome, chartExpenses, chartPrevExpenses, first string
}

func checkFinance(t *testing.T, f *agendaFixture, month time.Time, w financeWant) {
	t.Helper()
	r, err := f.tn.Finance(f.ctx, f.admin, month)
	if err != nil {
		t.Fatal(err)
	}
	agWantDec(t, "collected", r.Collected, agDec(w.collected))
	agWantDec(t, "pending unpaid", r.PendingUnpaid, agDec(w.pendingUnpaid))
	agWantDec(t, "pending unbilled", r.PendingUnbilled, agDec(w.pendingUnbilled))
	agWantDec(t, "pending", r.Pending, agDec(w.pending))
	agWantDec(t, "expenses", r.Expenses, agDec(w.expenses))
	agWantDec(t, "expenses paid", r.ExpensesPaid, agDec(w.expensesPaid))
	agWantDec(t, "payroll fixed", r.PayrollFixed, agDec(w.payrollFixed))
	agWantDec(t, "payroll percent", r.PayrollPercent, agDec(w.payrollPercent))
	agWantDec(t, "payroll", r.Payroll, agDec(w.payroll))
	agWantDec(t, "balance", r.Balance, agDec(w.balance))
	lines := map[string]store.PayrollLine{}
	for _, l := range r.PayrollLines {
		lines[l.Name] = l
	}
	if _, ok := lines["Dario D"]; ok || len(lines) != 3 {
		t.Errorf("payroll lines (the inactive fixed specialist must not be paid): %+v", r.PayrollLines)
	}
	agWantDec(t, "payroll A", lines["Ana A"].Amount, agDec(w.percentA))
	agWantDec(t, "payroll B", lines["Beto B"].Amount, agDec(w.percentB))
	agWantDec(t, "payroll C", lines["Carla C"].Amount, agDec("1500"))
	if len(r.Chart) != 12 {
		t.Fatalf("chart has %d months", len(r.Chart))
	}
	last, prev := r.Chart[11], r.Chart[10]
	if !last.Month.Equal(r.Month) || r.Chart[0].Month.Format("2006-01") != w.first {
		t.Errorf("chart months %v … %v, report month %v", r.Chart[0].Month, last.Month, r.Month)
	}
	agWantDec(t, "chart income", last.Income, agDec(w.chartIncome))
	agWantDec(t, "chart expenses", last.Expenses, agDec(w.chartExpenses))
	agWantDec(t, "chart previous month's expenses", prev.Expenses, agDec(w.chartPrevExpenses))
	for _, m := range r.Chart[:10] {
		if !m.Income.IsZero() || !m.Expenses.IsZero() {
			t.Errorf("chart %s: %s / %s, want zero", m.Month.Format("2006-01"), m.Income, m.Expenses)
		}
	}
	var next []string
	for _, e := range r.NextExpenses {
		next = append(next, e.Name)
	}
	if fmt.Sprint(next) != "[Antiguo Insumos Seguro Internet Varios]" {
		t.Errorf("next unpaid expenses: %v", next)
	}
	// The payments list of the month agrees with the dashboard.
	l, err := f.tn.ListPayments(f.ctx, f.admin, store.PaymentFilter{Month: month})
	if err != nil {
		t.Fatal(err)
	}
	agWantDec(t, "payments list: total paid", l.TotalPaid, r.Collected)
	agWantDec(t, "payments list: total unpaid", l.TotalUnpaid, r.PendingUnpaid)
}

func TestFinance(t *testing.T) {
	t.Parallel()
	c := storetest.NewClock(time.Time{})
	db := storetest.NewDBWith(t, store.Options{Clock: c})
	tnLima, _ := storetest.NewTenant(t, db, "clinic-lima")
	if _, err := db.CreateTenant(context.Background(), store.CLI, store.NewTenant{Schema: "clinic-utc", Name: "UTC",
		AdminEmail: "admin@clinic-utc.test", Timezone: "UTC"}); err != nil {
		t.Fatal(err)
	}
	tnUTC, err := db.Tenant(context.Background(), "clinic-utc")
	if err != nil {
		t.Fatal(err)
	}
	limaF, utcF := agFixtureFor(t, db, tnLima, c), agFixtureFor(t, db, tnUTC, c)
	storetest.OpenAllHours(t, tnLima) // month boundaries: sessions late at night
	storetest.OpenAllHours(t, tnUTC)
	financeData(t, limaF)
	financeData(t, utcF)
	nov, dec := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

	t.Run("november in Lima", func(t *testing.T) {
		checkFinance(t, limaF, nov, financeWant{
			// S1 100 + S3 150 + S6 80 (prepaid, counted once) + S7 80 (23:30 Lima) + S8 100 (October session paid 11-02)
			collected: "510.00",
			// S2 80; S10's refunded payment is of a cancelled session
			pendingUnpaid: "80.00",
			// S4 100; S5 cancelled, S6's old session cancelled, S9 in December
			pendingUnbilled: "100.00",
			pending:         "180.00", // 80 + 100
			// E1 1200 + E2 250.50 + E3 99.90 + E6 45 (created 11-30 23:45 Lima)
			expenses:     "1595.40",
			expensesPaid: "1200.00",
			payrollFixed: "1500.00", // C; D is inactive
			// A: 40% × (100 + 80 + 100) = 112.00; B: 50% × (150 + 80) = 115.00
			percentA: "112.00", percentB: "115.00",
			payrollPercent: "227.00",
			payroll:        "1727.00",  // 1500 + 227
			balance:        "-2812.40", // 510 − (1595.40 + 1727)
			chartIncome:    "510.00", chartExpenses: "1595.40",
			chartPrevExpenses: "50.00", // E5, October
			first:             "2025-12",
		})
	})
	t.Run("november in UTC", func(t *testing.T) {
		checkFinance(t, utcF, nov, financeWant{
			collected:       "430.00", // 510 − S7's 80, paid on 2026-12-01 in UTC
			pendingUnpaid:   "80.00",
			pendingUnbilled: "100.00",
			pending:         "180.00",
			expenses:        "1550.40", // 1595.40 − E6's 45, created on 2026-12-01 in UTC
			expensesPaid:    "1200.00",
			payrollFixed:    "1500.00",
			// A: 40% × 280 = 112.00; B: 50% × 150 = 75.00
			percentA: "112.00", percentB: "75.00",
			payrollPercent: "187.00",
			payroll:        "1687.00",
			balance:        "-2807.40", // 430 − (1550.40 + 1687)
			chartIncome:    "430.00", chartExpenses: "1550.40",
			chartPrevExpenses: "50.00",
			first:             "2025-12",
		})
	})
	t.Run("december in Lima", func(t *testing.T) {
		r, err := limaF.tn.Finance(limaF.ctx, limaF.admin, dec)
		if err != nil {
			t.Fatal(err)
		}
		agWantDec(t, "collected", r.Collected, agDec("0"))
		agWantDec(t, "pending", r.Pending, agDec("150"))      // S9 unbilled
		agWantDec(t, "expenses", r.Expenses, agDec("300"))    // E4
		agWantDec(t, "payroll", r.Payroll, agDec("1500"))     // C only
		agWantDec(t, "balance", r.Balance, agDec("-1800.00")) // 0 − (300 + 1500)
	})
	t.Run("december in UTC", func(t *testing.T) {
		r, err := utcF.tn.Finance(utcF.ctx, utcF.admin, dec)
		if err != nil {
			t.Fatal(err)
		}
		agWantDec(t, "collected", r.Collected, agDec("80"))   // S7
		agWantDec(t, "pending", r.Pending, agDec("150"))      // S9 unbilled (S7 is paid)
		agWantDec(t, "expenses", r.Expenses, agDec("345"))    // E4 300 + E6 45
		agWantDec(t, "payroll", r.Payroll, agDec("1540"))     // 1500 + 50% × 80
		agWantDec(t, "balance", r.Balance, agDec("-1805.00")) // 80 − (345 + 1540)
		if r.Month.Location().String() != "UTC" || r.Month.Day() != 1 {
			t.Errorf("report month %v", r.Month)
		}
	})
}
