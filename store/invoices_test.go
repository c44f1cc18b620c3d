package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"consultorio/store"
	"consultorio/store/storetest"
)

var pnLima = func() *time.Location {
	loc, err := time.LoadLocation("America/Lima")
	if err != nil {
		panic(err)
	}
	return loc
}()

func pnDay(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func pnDec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// newClient provisions a real clinic with a monthly fee.
func pnNewClient(t *testing.T, db *store.DB, schema, fee string) store.TenantInfo {
	t.Helper()
	p, err := db.CreateTenant(context.Background(), store.CLI, store.NewTenant{
		Schema: schema, Name: "Clínica " + schema, AdminEmail: "admin@" + schema + ".test", MonthlyFee: pnDec(fee),
	})
	if err != nil {
		t.Fatalf("create %s: %v", schema, err)
	}
	return p.Tenant
}

func pnStatus(t *testing.T, db *store.DB, schema string) string {
	t.Helper()
	ti, err := db.GetTenant(context.Background(), schema)
	if err != nil {
		t.Fatal(err)
	}
	return ti.Status
}

// auditLog returns the operator audit entries matching f (newest first).
func pnAuditLog(t *testing.T, db *store.DB, f store.OperatorAuditFilter) []store.OperatorAuditEntry {
	t.Helper()
	es, err := db.OperatorAuditLog(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// jsonField decodes one field of an audit entry's before/after.
func pnJSONField(t *testing.T, raw json.RawMessage, field string) any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("audit json %s: %v", raw, err)
	}
	return m[field]
}

func TestGenerateInvoicesOncePerActiveClient(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	ctx := context.Background()
	alfa := pnNewClient(t, db, "alfa", "100.00")
	pnNewClient(t, db, "beta", "250.50")
	pnNewClient(t, db, "gamma", "80")   // made morose below: still billed
	pnNewClient(t, db, "delta", "90")   // suspended: not billed
	pnNewClient(t, db, "epsilon", "70") // archived: not billed
	pnNewClient(t, db, "zeta", "0")     // nothing to bill
	if _, err := db.Pool().Exec(ctx, `update public.tenants set status = 'morose' where schema_name = 'gamma'`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SuspendTenant(ctx, panelOp, "delta"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ArchiveTenant(ctx, panelOp, "epsilon"); err != nil {
		t.Fatal(err)
	}

	// Any day of the month names it.
	created, err := db.GenerateInvoices(ctx, panelOp, time.Date(2026, 3, 17, 23, 0, 0, 0, pnLima))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, inv := range created {
		if !inv.Period.Equal(pnDay(2026, 3, 1)) || !inv.DueDate.Equal(pnDay(2026, 3, 10)) || inv.Paid() || inv.Method != "" {
			t.Errorf("invoice %+v: want period 2026-03-01, due 2026-03-10, unpaid", inv)
		}
		got[inv.Schema] = inv.Amount.StringFixed(2)
	}
	want := map[string]string{"alfa": "100.00", "beta": "250.50", "gamma": "80.00"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("first run created %v, want %v", got, want)
	}

	// A fee change afterwards does not change the invoice already issued.
	if _, err := db.UpdateTenant(ctx, panelOp, "alfa", store.TenantUpdate{MonthlyFee: ptr(pnDec("120"))}); err != nil {
		t.Fatal(err)
	}
	// Second run: nothing new, the amounts stay.
	again, err := db.GenerateInvoices(ctx, panelOp, pnDay(2026, 3, 1))
	if err != nil || len(again) != 0 {
		t.Fatalf("second run created %d invoices (%v), want 0", len(again), err)
	}
	list, err := db.ListInvoices(ctx, store.InvoiceFilter{Period: pnDay(2026, 3, 31)})
	if err != nil {
		t.Fatal(err)
	}
	got = map[string]string{}
	for _, inv := range list {
		got[inv.Schema] = inv.Amount.StringFixed(2)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after two runs the period has %v, want %v", got, want)
	}
	// Next month bills the new fee.
	april, err := db.GenerateInvoices(ctx, panelOp, pnDay(2026, 4, 1))
	if err != nil || len(april) != 3 {
		t.Fatalf("april: %d, %v", len(april), err)
	}
	for _, inv := range april {
		if inv.Schema == "alfa" && (inv.Amount.StringFixed(2) != "120.00" || inv.TenantID != alfa.ID) {
			t.Fatalf("alfa april invoice: %+v", inv)
		}
	}
	// Filters.
	alfaInv, err := db.ListInvoices(ctx, store.InvoiceFilter{Schema: "alfa"})
	if err != nil || len(alfaInv) != 2 || !alfaInv[0].Period.Equal(pnDay(2026, 4, 1)) {
		t.Fatalf("alfa's invoices, newest first: %+v, %v", alfaInv, err)
	}
	if _, err := db.ListInvoices(ctx, store.InvoiceFilter{Schema: "nope"}); !errors.Is(err, store.ErrNoSuchTenant) {
		t.Fatalf("unknown client: %v", err)
	}
	if _, err := db.GenerateInvoices(ctx, panelOp, time.Time{}); !isValidation(err, "period") {
		t.Fatalf("zero month: %v", err)
	}

	// One audit row per run, with what it created.
	runs := pnAuditLog(t, db, store.OperatorAuditFilter{Action: "invoice.generate", Target: "period:2026-03"})
	if len(runs) != 2 || pnJSONField(t, runs[1].After, "created") != 3.0 || pnJSONField(t, runs[0].After, "created") != 0.0 ||
		pnJSONField(t, runs[1].After, "total") != "430.5" || runs[1].Actor != panelOp.Email || runs[1].RemoteAddr != panelOp.RemoteAddr {
		t.Fatalf("generation audit rows: %+v", runs)
	}
	if n := len(pnAuditLog(t, db, store.OperatorAuditFilter{Action: "invoice.generate", Target: "period:2026-04"})); n != 1 {
		t.Fatalf("april generation audit rows: %d", n)
	}
}

func TestMoroseTransitionOverSimulatedClock(t *testing.T) {
	t.Parallel()
	clock := storetest.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, pnLima))
	db := storetest.NewDBWith(t, store.Options{Clock: clock})
	ctx := context.Background()
	pnNewClient(t, db, "alfa", "100")
	pnNewClient(t, db, "sus", "50")
	pnNewClient(t, db, "paid-up", "70")
	// Operator suspends "sus" by hand before anything is due.
	if _, err := db.SuspendTenant(ctx, panelOp, "sus"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ActivateTenant(ctx, panelOp, "sus"); err != nil { // billed while active...
		t.Fatal(err)
	}
	march, err := db.GenerateInvoices(ctx, panelOp, pnDay(2026, 3, 1))
	if err != nil || len(march) != 3 {
		t.Fatalf("generate: %d, %v", len(march), err)
	}
	if _, err := db.SuspendTenant(ctx, panelOp, "sus"); err != nil { // ...then suspended by hand
		t.Fatal(err)
	}
	inv := map[string]store.Invoice{}
	for _, i := range march {
		inv[i.Schema] = i
	}
	// paid-up pays on time.
	if _, err := db.MarkInvoicePaid(ctx, panelOp, inv["paid-up"].ID, store.InvoicePayment{Method: "transfer", Reference: "OP-1"}); err != nil {
		t.Fatal(err)
	}

	listener, err := db.Pool().Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer listener.Release()
	if _, err := listener.Exec(ctx, "listen "+store.TenantStatusChannel); err != nil {
		t.Fatal(err)
	}
	waitNotify := func(want string) {
		t.Helper()
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		n, err := listener.Conn().WaitForNotification(wctx)
		if err != nil || n.Payload != want {
			t.Fatalf("notification: want %s, got %+v, %v", want, n, err)
		}
	}
	update := func(now time.Time, want ...string) {
		t.Helper()
		clock.Set(now)
		changed, err := db.UpdateMoroseStatus(ctx, store.Scheduler, now)
		if err != nil {
			t.Fatal(err)
		}
		if want == nil {
			want = []string{}
		}
		if changed == nil {
			changed = []string{}
		}
		if !slices.Equal(changed, want) {
			t.Fatalf("at %s changed %v, want %v", now, changed, want)
		}
	}

	// Due 2026-03-10 (Lima). +15 days = 03-25: still active, all day long.
	update(time.Date(2026, 3, 25, 23, 59, 0, 0, pnLima))
	// 03-26 04:00 UTC is still 03-25 in Lima: the client's own zone counts.
	update(time.Date(2026, 3, 26, 4, 0, 0, 0, time.UTC))
	if pnStatus(t, db, "alfa") != store.TenantActive {
		t.Fatal("alfa must still be active 15 days after due")
	}
	// +16 days: morose. The suspended client is not touched; paid-up paid.
	update(time.Date(2026, 3, 26, 0, 1, 0, 0, pnLima), "alfa")
	waitNotify("alfa")
	if pnStatus(t, db, "alfa") != store.TenantMorose || pnStatus(t, db, "sus") != store.TenantSuspended ||
		pnStatus(t, db, "paid-up") != store.TenantActive {
		t.Fatal("after 16 days: want alfa morose, sus suspended, paid-up active")
	}
	// Running again changes nothing.
	update(time.Date(2026, 3, 27, 9, 0, 0, 0, pnLima))

	// The list shows the debt.
	overdue, err := db.ListInvoices(ctx, store.InvoiceFilter{Overdue: true})
	if err != nil || len(overdue) != 2 || overdue[0].Schema != "alfa" || overdue[0].DaysOverdue != 17 || !overdue[0].Overdue {
		t.Fatalf("overdue list at 03-27: %+v, %v", overdue, err)
	}

	// Paying brings alfa back at once, in the same transaction.
	paid, err := db.MarkInvoicePaid(ctx, panelOp, inv["alfa"].ID, store.InvoicePayment{})
	if err != nil || paid.PaidAt == nil || !paid.PaidAt.Equal(pnDay(2026, 3, 27)) || paid.Method != "other" || paid.Overdue {
		t.Fatalf("pay alfa: %+v, %v", paid, err)
	}
	waitNotify("alfa")
	if pnStatus(t, db, "alfa") != store.TenantActive {
		t.Fatal("paying the overdue invoice must make alfa active")
	}
	// A bounced transfer: unpaid again → morose again at once.
	if _, err := db.MarkInvoiceUnpaid(ctx, panelOp, inv["alfa"].ID); err != nil {
		t.Fatal(err)
	}
	waitNotify("alfa")
	if pnStatus(t, db, "alfa") != store.TenantMorose {
		t.Fatal("unpaying an invoice 17 days overdue must make alfa morose")
	}

	// Two overdue invoices: paying one is not enough.
	clock.Set(time.Date(2026, 4, 1, 9, 0, 0, 0, pnLima))
	if _, err := db.GenerateInvoices(ctx, panelOp, pnDay(2026, 4, 1)); err != nil {
		t.Fatal(err)
	}
	update(time.Date(2026, 4, 27, 9, 0, 0, 0, pnLima), "paid-up") // paid-up's April invoice is 17 days late
	aprilAlfa, err := db.ListInvoices(ctx, store.InvoiceFilter{Schema: "alfa", Period: pnDay(2026, 4, 1)})
	if err != nil || len(aprilAlfa) != 1 {
		t.Fatalf("alfa april: %v, %v", aprilAlfa, err)
	}
	if _, err := db.MarkInvoicePaid(ctx, panelOp, inv["alfa"].ID, store.InvoicePayment{PaidAt: pnDay(2026, 4, 20), Method: "cash"}); err != nil {
		t.Fatal(err)
	}
	if pnStatus(t, db, "alfa") != store.TenantMorose {
		t.Fatal("alfa still owes April: must stay morose")
	}
	if _, err := db.MarkInvoicePaid(ctx, panelOp, aprilAlfa[0].ID, store.InvoicePayment{Method: "card"}); err != nil {
		t.Fatal(err)
	}
	if pnStatus(t, db, "alfa") != store.TenantActive {
		t.Fatal("alfa paid everything: must be active")
	}

	// The client suspended by hand stays suspended whatever is paid or not
	// (it was not billed for April: suspended clients are not).
	if _, err := db.MarkInvoicePaid(ctx, panelOp, inv["sus"].ID, store.InvoicePayment{Method: "transfer"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.MarkInvoiceUnpaid(ctx, panelOp, inv["sus"].ID); err != nil {
		t.Fatal(err)
	}
	update(time.Date(2026, 4, 28, 9, 0, 0, 0, pnLima))
	if pnStatus(t, db, "sus") != store.TenantSuspended {
		t.Fatal("a client suspended by hand must stay suspended")
	}
	// Only the operator lifts it; then the unpaid March invoice counts.
	if _, err := db.ActivateTenant(ctx, panelOp, "sus"); err != nil {
		t.Fatal(err)
	}
	update(time.Date(2026, 4, 28, 10, 0, 0, 0, pnLima), "sus")

	// Mistakes are refused.
	if _, err := db.MarkInvoicePaid(ctx, panelOp, aprilAlfa[0].ID, store.InvoicePayment{}); !isConflict(err, "paid_at") {
		t.Fatalf("pay twice: %v", err)
	}
	if _, err := db.MarkInvoiceUnpaid(ctx, panelOp, inv["sus"].ID); !isConflict(err, "paid_at") {
		t.Fatalf("unpay an unpaid invoice: %v", err)
	}
	if _, err := db.MarkInvoicePaid(ctx, panelOp, inv["sus"].ID, store.InvoicePayment{PaidAt: pnDay(2026, 4, 29)}); !isValidation(err, "paid_at") {
		t.Fatalf("paid tomorrow: %v", err)
	}
	if _, err := db.MarkInvoicePaid(ctx, panelOp, inv["sus"].ID, store.InvoicePayment{Method: "bitcoin"}); !isValidation(err, "method") {
		t.Fatalf("bad method: %v", err)
	}
	if _, err := db.MarkInvoicePaid(ctx, panelOp, inv["sus"].ID, store.InvoicePayment{Reference: "a\x1b[2J"}); !isTextError(err, "reference") {
		t.Fatalf("escape in the reference: %v", err)
	}
	if _, err := db.MarkInvoicePaid(ctx, panelOp, 999999, store.InvoicePayment{}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown invoice: %v", err)
	}

	// Every change has its operator audit row.
	morose := pnAuditLog(t, db, store.OperatorAuditFilter{Action: "tenant.morose", Target: "alfa"})
	if len(morose) != 2 || morose[1].Actor != store.Scheduler.Email || morose[0].Actor != panelOp.Email ||
		pnJSONField(t, morose[1].Before, "status") != "active" || pnJSONField(t, morose[1].After, "status") != "morose" ||
		fmt.Sprint(pnJSONField(t, morose[1].After, "overdue_invoices")) != fmt.Sprintf("[%d]", inv["alfa"].ID) ||
		pnJSONField(t, morose[1].After, "morose_after_days") != 15.0 {
		t.Fatalf("alfa's morose audit rows: %+v", morose)
	}
	cleared := pnAuditLog(t, db, store.OperatorAuditFilter{Action: "tenant.morose_cleared", Target: "alfa"})
	if len(cleared) != 2 || pnJSONField(t, cleared[0].Before, "status") != "morose" || pnJSONField(t, cleared[0].After, "status") != "active" {
		t.Fatalf("alfa's morose_cleared audit rows: %+v", cleared)
	}
	if n := len(pnAuditLog(t, db, store.OperatorAuditFilter{Action: "invoice.paid", Target: "alfa"})); n != 3 {
		t.Fatalf("alfa invoice.paid rows: %d", n)
	}
	unpaid := pnAuditLog(t, db, store.OperatorAuditFilter{Action: "invoice.unpaid", Target: "alfa"})
	if len(unpaid) != 1 || pnJSONField(t, unpaid[0].Before, "paid_at") == nil || pnJSONField(t, unpaid[0].After, "paid_at") != nil {
		t.Fatalf("alfa invoice.unpaid rows: %+v", unpaid)
	}
	if n := len(pnAuditLog(t, db, store.OperatorAuditFilter{Action: "invoice.", Target: "sus"})); n != 2 {
		t.Fatalf("sus invoice rows: %d", n)
	}
	if n := len(pnAuditLog(t, db, store.OperatorAuditFilter{Action: "tenant.morose", Target: "sus"})); n != 1 {
		t.Fatalf("sus morose rows: %d", n)
	}
	if n := len(pnAuditLog(t, db, store.OperatorAuditFilter{Action: "tenant.morose", Target: "paid-up"})); n != 1 {
		t.Fatalf("paid-up morose rows: %d", n)
	}
	// Refused changes leave no row: 3 paid + 1 unpaid for alfa, 1 + 1 for
	// sus, 1 paid for paid-up, and the 2 generation runs = 9.
	if n := len(pnAuditLog(t, db, store.OperatorAuditFilter{Action: "invoice."})); n != 9 {
		t.Fatalf("invoice audit rows: %d, want 9", n)
	}
}

func TestMoroseAfterDaysSetting(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	ctx := context.Background()
	s, err := db.PanelSettings(ctx)
	if err != nil || s.MoroseAfterDays != 15 {
		t.Fatalf("default: %+v, %v", s, err)
	}
	pnNewClient(t, db, "alfa", "100")
	if _, err := db.GenerateInvoices(ctx, panelOp, pnDay(2026, 3, 1)); err != nil {
		t.Fatal(err)
	}
	if s, err = db.SetMoroseAfterDays(ctx, panelOp, 20); err != nil || s.MoroseAfterDays != 20 {
		t.Fatalf("set: %+v, %v", s, err)
	}
	// Due 03-10: +20 = 03-30 is still fine, 03-31 is not.
	if changed, err := db.UpdateMoroseStatus(ctx, store.Scheduler, time.Date(2026, 3, 30, 12, 0, 0, 0, pnLima)); err != nil || len(changed) != 0 {
		t.Fatalf("at +20 days: %v, %v", changed, err)
	}
	if changed, err := db.UpdateMoroseStatus(ctx, store.Scheduler, time.Date(2026, 3, 31, 12, 0, 0, 0, pnLima)); err != nil || !slices.Equal(changed, []string{"alfa"}) {
		t.Fatalf("at +21 days: %v, %v", changed, err)
	}
	for _, bad := range []int{-1, store.MaxMoroseAfterDays + 1} {
		if _, err := db.SetMoroseAfterDays(ctx, panelOp, bad); !isValidation(err, "morose_after_days") {
			t.Fatalf("set %d: %v", bad, err)
		}
	}
	rows := pnAuditLog(t, db, store.OperatorAuditFilter{Target: "panel_settings"})
	if len(rows) != 1 || rows[0].Action != "settings.update" || pnJSONField(t, rows[0].Before, "morose_after_days") != 15.0 ||
		pnJSONField(t, rows[0].After, "morose_after_days") != 20.0 {
		t.Fatalf("settings audit rows: %+v", rows)
	}
}
