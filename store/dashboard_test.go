package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"consultorio/store"
	"consultorio/store/storetest"
)

// rawClient inserts a client's public row only (no schema): enough for
// invoices and the dashboard's totals, and fast.
func pnRawClient(t *testing.T, db *store.DB, schema, pnStatus, fee string) {
	t.Helper()
	if _, err := storetest.Owner(t, db).Exec(context.Background(), `insert into public.tenants
		(schema_name, role_name, name, admin_email, status, suspended_by_hand, monthly_fee, archived_at)
		values ($1, 'raw_' || $1, 'Clínica ' || $1, 'admin@' || $1 || '.test', $2, $2 = 'suspended', $3,
		        case when $2 = 'archived' then now() end)`, schema, pnStatus, fee); err != nil {
		t.Fatal(err)
	}
}

// rawInvoice inserts an invoice as it stands (paidAt "" = unpaid).
func pnRawInvoice(t *testing.T, db *store.DB, schema, period, amount, due, paidAt string) {
	t.Helper()
	var paid *string
	if paidAt != "" {
		paid = &paidAt
	}
	if _, err := db.Pool().Exec(context.Background(), `insert into public.invoices (tenant_id, period, amount, due_date, paid_at, method)
		select id, $2::date, $3::numeric, $4::date, $5::date, case when $5 is not null then 'transfer' end
		from public.tenants where schema_name = $1`, schema, period, amount, due, paid); err != nil {
		t.Fatal(err)
	}
}

func TestDashboardFigures(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	ctx := context.Background()
	// Two real clinics (usage is read from their schemas), the rest public
	// rows only.
	pnNewClient(t, db, "alfa", "500.00")
	pnNewClient(t, db, "beta", "300.00")
	pnRawClient(t, db, "gamma", "morose", "200.00")
	pnRawClient(t, db, "delta", "suspended", "150.00")
	pnRawClient(t, db, "eps", "active", "100.00")
	pnRawClient(t, db, "zeta", "active", "0")
	pnRawClient(t, db, "eta", "archived", "1000.00")
	pnRawClient(t, db, "theta", "morose", "120.00")

	// now: 2026-06-15 12:00 UTC = 07:00 in Lima (every client's zone): "today" is 06-15.
	now := time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)
	pnRawInvoice(t, db, "alfa", "2026-05-01", "500", "2026-05-10", "2026-05-08")  // collected in May
	pnRawInvoice(t, db, "alfa", "2026-06-01", "500", "2026-06-10", "")            // debt
	pnRawInvoice(t, db, "gamma", "2026-04-01", "200", "2026-04-10", "")           // debt
	pnRawInvoice(t, db, "gamma", "2026-05-01", "200", "2026-05-10", "2026-06-02") // collected in June
	pnRawInvoice(t, db, "gamma", "2026-06-01", "200", "2026-06-10", "")           // debt
	pnRawInvoice(t, db, "beta", "2026-06-01", "300", "2026-06-20", "")            // not due yet
	pnRawInvoice(t, db, "delta", "2026-06-01", "150", "2026-06-10", "")           // debt (suspended still owes)
	pnRawInvoice(t, db, "eta", "2026-06-01", "1000", "2026-06-10", "")            // archived: not debt, but invoiced
	pnRawInvoice(t, db, "theta", "2026-06-01", "120", "2026-06-15", "")           // due today: not past due
	pnRawInvoice(t, db, "eps", "2025-06-01", "100", "2025-06-10", "2025-06-10")   // before the chart
	pnRawInvoice(t, db, "eps", "2025-07-01", "100", "2025-07-10", "2025-08-01")   // invoiced July, collected August

	// alfa's usage: patients (one archived), sessions around the month's
	// edges in Lima, staff (one inactive), last login and audit entry.
	alfa, err := db.Tenant(ctx, "alfa")
	if err != nil {
		t.Fatal(err)
	}
	if err := alfa.Exec(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
			update users set last_login_at = '2026-06-14 10:00Z';
			insert into users (email, name, role, active) values
				('r@alfa.test', 'Recepción', 'reception', true), ('old@alfa.test', 'Ex', 'specialist', false);
			insert into specialists (first_name, last_name, document) values ('Sara', 'Paz', '111');
			insert into rooms (name) values ('Sala 1');
			insert into patients (first_name, surname, birth_date) values ('Ana', 'Uno', '2000-01-01'), ('Beto', 'Dos', '2001-01-01');
			insert into patients (first_name, surname, birth_date, archived_at) values ('Ciro', 'Tres', '2002-01-01', now());
			insert into sessions (patient_id, specialist_id, room_id, starts_at, duration_min, ends_at, status, cancel_reason)
			select p.id, s.id, r.id, v.starts::timestamptz, 60, v.starts::timestamptz + interval '60 minutes', v.status, v.reason
			from (values ('2026-06-01 03:00Z', 'unplanned', null),  -- 05-31 22:00 in Lima: last month
			             ('2026-06-10 15:00Z', 'unplanned', null),  -- this month
			             ('2026-06-11 15:00Z', 'cancelled', 'patient'), -- cancelled: not counted
			             ('2026-07-01 04:00Z', 'unplanned', null)   -- 06-30 23:00 in Lima: this month
			     ) v(starts, status, reason),
			     (select min(id) id from patients) p, specialists s, rooms r;
			insert into audit_log (user_email, action, entity, created_at) values ('admin@alfa.test', 'view', 'patient', '2026-06-15 09:00Z');`)
		return err
	}); err != nil {
		t.Fatal(err)
	}

	r, err := db.Dashboard(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	// Clients: alfa, beta, gamma, delta, eps, zeta, theta = 7 (eta is
	// archived); active: alfa, beta, eps, zeta = 4; morose: gamma, theta = 2;
	// suspended: delta = 1.
	if got := fmt.Sprintf("%+v", r.Clients); got != "{Total:7 Active:4 Morose:2 Suspended:1 Archived:1}" {
		t.Errorf("clients: %s", got)
	}
	// Projected income: active fees 500 + 300 + 100 + 0 = 900.
	if r.ProjectedIncome.StringFixed(2) != "900.00" {
		t.Errorf("projected income: %s", r.ProjectedIncome)
	}
	// Debt: unpaid and past due, archived excluded: alfa June 500 + gamma
	// April 200 + gamma June 200 + delta June 150 = 1050 in 4 invoices of 3
	// clients (beta's is due 06-20, theta's today, eta is archived).
	if r.Debt.StringFixed(2) != "1050.00" || r.DebtInvoices != 4 || r.DebtClients != 3 {
		t.Errorf("debt: %s in %d invoices of %d clients", r.Debt, r.DebtInvoices, r.DebtClients)
	}
	// The old panel's debt: morose fees 200 + 120 = 320.
	if r.MoroseFees.StringFixed(2) != "320.00" {
		t.Errorf("morose fees: %s", r.MoroseFees)
	}
	// Top 5 by fee among non-archived: alfa 500, beta 300, gamma 200, delta 150, theta 120.
	var top []string
	for _, c := range r.TopByFee {
		top = append(top, c.Schema+":"+c.MonthlyFee.StringFixed(2)+":"+c.Status)
	}
	if got := strings.Join(top, " "); got != "alfa:500.00:active beta:300.00:active gamma:200.00:morose delta:150.00:suspended theta:120.00:morose" {
		t.Errorf("top by fee: %s", got)
	}
	// alfa: 2 patients (Ciro archived); sessions in June in Lima: 06-10 and
	// 06-30 23:00 = 2 (05-31 22:00 is May, 06-11 cancelled); staff: admin +
	// reception = 2; last activity: the audit entry at 06-15 09:00 (later
	// than the 06-14 login).
	u := r.TopByFee[0].Usage
	if u.Schema != "alfa" || u.Patients != 2 || u.SessionsThisMonth != 2 || u.ActiveStaff != 2 || u.LastActivity == nil ||
		!u.LastActivity.Equal(time.Date(2026, 6, 15, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("alfa usage: %+v", u)
	}
	if u := r.TopByFee[1].Usage; u.Schema != "beta" || u.Patients != 0 || u.SessionsThisMonth != 0 || u.ActiveStaff != 1 {
		t.Errorf("beta usage: %+v", u)
	}
	// Raw clients have no schema: no usage, no error.
	if u := r.TopByFee[2].Usage; u.Schema != "" {
		t.Errorf("gamma usage: %+v", u)
	}
	// Chart: 2025-07 … 2026-06.
	//   2025-07: invoiced eps 100; 2025-08: collected eps 100;
	//   2026-04: invoiced gamma 200;
	//   2026-05: invoiced alfa 500 + gamma 200 = 700, collected alfa 500;
	//   2026-06: invoiced 500 + 200 + 300 + 150 + 1000 + 120 = 2270, collected gamma 200.
	want := map[string]string{"2025-07": "100.00/0.00", "2025-08": "0.00/100.00", "2026-04": "200.00/0.00",
		"2026-05": "700.00/500.00", "2026-06": "2270.00/200.00"}
	if len(r.Chart) != 12 || !r.Chart[0].Month.Equal(pnDay(2025, 7, 1)) || !r.Chart[11].Month.Equal(pnDay(2026, 6, 1)) {
		t.Fatalf("chart months: %+v", r.Chart)
	}
	for _, m := range r.Chart {
		w, ok := want[m.Month.Format("2006-01")]
		if !ok {
			w = "0.00/0.00"
		}
		if got := m.Invoiced.StringFixed(2) + "/" + m.Collected.StringFixed(2); got != w {
			t.Errorf("chart %s: %s, want %s", m.Month.Format("2006-01"), got, w)
		}
	}

	// TenantUsage: input order, unknown and schema-less clients left out.
	us, err := db.TenantUsage(ctx, now, []string{"beta", "nope", "gamma", "alfa", "beta"})
	if err != nil || len(us) != 2 || us[0].Schema != "beta" || us[1].Schema != "alfa" || us[1].Patients != 2 {
		t.Fatalf("usage page: %+v, %v", us, err)
	}
	// Archived clients are left out too.
	if _, err := db.ArchiveTenant(ctx, panelOp, "beta"); err != nil {
		t.Fatal(err)
	}
	if us, err := db.TenantUsage(ctx, now, []string{"beta", "alfa"}); err != nil || len(us) != 1 || us[0].Schema != "alfa" {
		t.Fatalf("usage after archiving beta: %+v, %v", us, err)
	}
}

func TestOperatorAuditLogBrowsing(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	ctx := context.Background()
	start := time.Now().Add(-time.Minute)
	other := store.OperatorActor{OperatorID: 0, Email: "pablo@service.test", RemoteAddr: "10.1.1.1:5000"}
	pnNewClient(t, db, "alfa", "100") // tenant.create by cli
	for i, fee := range []string{"110", "120", "130"} {
		actor := panelOp
		if i == 1 {
			actor = other
		}
		if _, err := db.UpdateTenant(ctx, actor, "alfa", store.TenantUpdate{MonthlyFee: ptr(pnDec(fee))}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.SuspendTenant(ctx, other, "alfa"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SetMoroseAfterDays(ctx, panelOp, 10); err != nil {
		t.Fatal(err)
	}

	all := pnAuditLog(t, db, store.OperatorAuditFilter{})
	var actions []string
	for i, e := range all {
		actions = append(actions, e.Action)
		if i > 0 && e.ID >= all[i-1].ID {
			t.Fatal("not newest first")
		}
	}
	if got := strings.Join(actions, " "); got != "settings.update tenant.suspend tenant.update tenant.update tenant.update tenant.create" {
		t.Fatalf("log: %s", got)
	}
	e := all[1]
	if e.Actor != "pablo@service.test" || e.RemoteAddr != "10.1.1.1:5000" || e.Target != "alfa" || e.OperatorID != nil ||
		pnJSONField(t, e.Before, "status") != "active" || pnJSONField(t, e.After, "status") != "suspended" || e.CreatedAt.Before(start) {
		t.Fatalf("suspend entry: %+v", e)
	}
	if all[5].Before != nil || all[5].Actor != "cli" {
		t.Fatalf("create entry has no before: %+v", all[5])
	}

	count := func(f store.OperatorAuditFilter) int { t.Helper(); return len(pnAuditLog(t, db, f)) }
	for name, c := range map[string]struct {
		f    store.OperatorAuditFilter
		want int
	}{
		"actor":           {store.OperatorAuditFilter{Actor: "PABLO@service.test"}, 2},
		"action":          {store.OperatorAuditFilter{Action: "tenant.update"}, 3},
		"action prefix":   {store.OperatorAuditFilter{Action: "tenant."}, 5},
		"no loose prefix": {store.OperatorAuditFilter{Action: "tenant"}, 0},
		"target":          {store.OperatorAuditFilter{Target: "alfa"}, 5},
		"actor+action":    {store.OperatorAuditFilter{Actor: "olga@service.test", Action: "tenant.update"}, 2},
		"since":           {store.OperatorAuditFilter{Since: start}, 6},
		"until":           {store.OperatorAuditFilter{Until: start}, 0},
		"future":          {store.OperatorAuditFilter{Since: time.Now().Add(time.Hour)}, 0},
		"limit":           {store.OperatorAuditFilter{Limit: 2}, 2},
	} {
		if got := count(c.f); got != c.want {
			t.Errorf("%s: %d entries, want %d", name, got, c.want)
		}
	}
	// Keyset paging: pages of 4 then the rest, no overlap.
	p1 := pnAuditLog(t, db, store.OperatorAuditFilter{Limit: 4})
	p2 := pnAuditLog(t, db, store.OperatorAuditFilter{Limit: 4, BeforeID: p1[3].ID})
	if len(p1) != 4 || len(p2) != 2 || p2[0].ID != all[4].ID || p2[1].ID != all[5].ID {
		t.Fatalf("paging: %d + %d", len(p1), len(p2))
	}
	if _, err := db.OperatorAuditLog(ctx, store.OperatorAuditFilter{Limit: -1}); !isValidation(err, "limit") {
		t.Fatalf("negative limit: %v", err)
	}
}

// checkInvoiceMonths compares the chart's summary table with the same
// figures computed from the invoices themselves.
func pnCheckInvoiceMonths(t *testing.T, db *store.DB, when string) {
	t.Helper()
	var diff string
	if err := db.Pool().QueryRow(context.Background(), `
		with truth as (
			select k as month, sum(inv) as invoiced, sum(col) as collected from (
				select period as k, amount as inv, 0 as col from public.invoices
				union all
				select date_trunc('month', paid_at)::date, 0, amount from public.invoices where paid_at is not null) d
			group by k),
		kept as (select * from public.invoice_months where invoiced <> 0 or collected <> 0)
		select coalesce(string_agg(coalesce(a.month, b.month)::text, ','), '')
		from truth a full join kept b on a.month = b.month
		where a.invoiced is distinct from b.invoiced or a.collected is distinct from b.collected`).Scan(&diff); err != nil {
		t.Fatal(err)
	}
	if diff != "" {
		t.Fatalf("%s: invoice_months differs from the invoices in %s", when, diff)
	}
}

func TestInvoiceMonthsFollowInvoices(t *testing.T) {
	t.Parallel()
	clock := storetest.NewClock(time.Date(2026, 5, 2, 9, 0, 0, 0, pnLima))
	db := storetest.NewDBWith(t, store.Options{Clock: clock})
	ctx := context.Background()
	pnNewClient(t, db, "alfa", "100")
	pnNewClient(t, db, "beta", "40.50")
	pnRawClient(t, db, "gamma", "active", "70")
	for _, m := range []time.Month{2, 3, 4} {
		if _, err := db.GenerateInvoices(ctx, panelOp, pnDay(2026, m, 1)); err != nil {
			t.Fatal(err)
		}
	}
	pnCheckInvoiceMonths(t, db, "generated")
	list, err := db.ListInvoices(ctx, store.InvoiceFilter{})
	if err != nil || len(list) != 9 {
		t.Fatalf("invoices: %d, %v", len(list), err)
	}
	for i, inv := range list {
		if _, err := db.MarkInvoicePaid(ctx, panelOp, inv.ID, store.InvoicePayment{PaidAt: pnDay(2026, time.Month(1+i%4), 28)}); err != nil {
			t.Fatal(err)
		}
	}
	pnCheckInvoiceMonths(t, db, "paid")
	for _, inv := range list[:4] {
		if _, err := db.MarkInvoiceUnpaid(ctx, panelOp, inv.ID); err != nil {
			t.Fatal(err)
		}
	}
	pnCheckInvoiceMonths(t, db, "unpaid")
	if _, err := db.ArchiveTenant(ctx, panelOp, "alfa"); err != nil {
		t.Fatal(err)
	}
	if purged, err := db.PurgeArchivedTenants(ctx, panelOp, 0); err != nil || len(purged) != 1 {
		t.Fatalf("purge: %v, %v", purged, err)
	}
	pnCheckInvoiceMonths(t, db, "purged")
	r, err := db.Dashboard(ctx, clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	// Left: beta 40.50 and gamma 70 for February, March and April (the
	// chart ends with May, the clock's month).
	for _, m := range r.Chart[len(r.Chart)-4 : len(r.Chart)-1] {
		if m.Invoiced.StringFixed(2) != "110.50" {
			t.Fatalf("chart %s invoiced %s, want 110.50", m.Month.Format("2006-01"), m.Invoiced)
		}
	}
}
