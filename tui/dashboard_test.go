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
	"consultorio/store/storetest"
	"consultorio/tui/i18n"
	"consultorio/tui/kit"
	"consultorio/tui/panel"
)

// dashboardData: three clients billed June–November 2026. Clínica del Sol
// (350) pays every invoice on the 5th; Mente Sana (180) stops paying in
// October (morose); Evil (99) never pays and is suspended by hand.
//
// By hand: total 3 = 1 active + 1 morose + 1 suspended; projected income
// S/ 350.00 (active fees); morose fees S/ 180.00; overdue debt = Mente Sana
// October and November (2 × 180) + Evil's six (6 × 99) = S/ 954.00 in 8
// invoices of 2 clients. Chart: invoiced 629 a month from June; collected
// 530 (350 + 180) June–September, 350 in October and November.
func dashboardData(t *testing.T, f *panelFixture) {
	t.Helper()
	ctx := context.Background()
	f.client(t, "clinica-sol", "Clínica del Sol", "350")
	f.client(t, "mente-sana", "Mente Sana", "180")
	evil := f.client(t, "evil", "Evil Corp", "99")
	// A name saved before the input check existed (issue 12) still draws harmlessly.
	storetest.SetRawPublic(t, f.db, "tenants", "name", evil.Tenant.ID, "Evil\x1b[2J Corp")
	for m := time.June; m <= time.November; m++ {
		inv, err := f.db.GenerateInvoices(ctx, store.CLI, time.Date(2026, m, 1, 0, 0, 0, 0, time.UTC))
		if err != nil || len(inv) != 3 {
			t.Fatalf("generate %s: %d, %v", m, len(inv), err)
		}
		for _, i := range inv {
			if i.Schema == "clinica-sol" || (i.Schema == "mente-sana" && m <= time.September) {
				if _, err := f.db.MarkInvoicePaid(ctx, store.CLI, i.ID, store.InvoicePayment{
					PaidAt: time.Date(2026, m, 5, 0, 0, 0, 0, time.UTC), Method: "transfer"}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if _, err := f.db.SuspendTenant(ctx, store.CLI, "evil"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.UpdateMoroseStatus(ctx, store.CLI, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	f.pinActivity(t, "clinica-sol", "mente-sana", "evil")
}

func TestDashboardGolden80x24(t *testing.T) {
	t.Parallel()
	f := newPanelFixture(t)
	dashboardData(t, f)
	term := f.start(t)
	term.WaitFor(t, "[1 Clientes]")
	term.Key("4")
	// Settled: a golden snapshot must not catch the spinner of a reload.
	s := admSettled(t, term, "[4 Tablero]", "Clientes 3: 1 activos · 1 morosos · 1 suspendidos (0 archivados)",
		"Ingreso mensual proyectado: S/ 350.00", "Cuotas de morosos: S/ 180.00",
		"Deuda vencida: S/ 954.00 (8 facturas, 2 clientes)", "Evil␛[2J Corp", "máx. S/ 629.00", "nov26")
	golden.RequireEqual(t, s)
}

// TestDashboardChart checks the bars against the data: the largest value
// fills every row, half of it half the rows, a tiny one still one row, and a
// month with nothing draws nothing.
func TestDashboardChart(t *testing.T) {
	t.Parallel()
	l := i18n.NewLocale(i18n.EN, "PEN", time.UTC)
	months := []store.InvoiceMonth{
		{Month: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Invoiced: decimal.RequireFromString("100"), Collected: decimal.RequireFromString("50")},
		{Month: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), Invoiced: decimal.RequireFromString("0"), Collected: decimal.RequireFromString("0")},
		{Month: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Invoiced: decimal.RequireFromString("1"), Collected: decimal.RequireFromString("100")},
	}
	got := strings.Join(panel.ChartView(l, months, 4), "\n")
	want := strings.Join([]string{
		" Last 12 months · ## invoiced · == collected · max S/ 100.00",
		" ##            ==",
		" ##            ==",
		" ##==          ==",
		" ##==        ##==",
		" Jan26 Feb26 Mar26",
	}, "\n")
	if got != want {
		t.Fatalf("chart:\n%s\nwant:\n%s", got, want)
	}
}

// BenchmarkDashboard10k: the dashboard screen with 10,000 clients — the
// store's Dashboard (load) and the screen's View (render) at 80x24.
//
//	go test ./tui/ -run '^$' -bench Dashboard10k -benchtime 20x
func BenchmarkDashboard10k(b *testing.B) {
	db := storetest.NewDB(b)
	ctx := context.Background()
	owner := storetest.Owner(b, db)
	if _, err := owner.Exec(ctx, `insert into public.tenants
		(schema_name, role_name, name, admin_email, status, suspended_by_hand, monthly_fee)
		select 'client-' || g, 'bench_' || g, 'Client ' || g, 'admin@client' || g || '.test',
		       case when g % 20 = 0 then 'suspended' when g % 20 = 10 then 'morose' else 'active' end,
		       g % 20 = 0, 50 + g % 200
		from generate_series(1, 10000) g`); err != nil {
		b.Fatal(err)
	}
	if _, err := owner.Exec(ctx, `insert into public.invoices (tenant_id, period, amount, due_date, paid_at, method)
		select t.id, m::date, t.monthly_fee, m::date + 9,
		       case when (t.id + extract(month from m)::int) % 7 = 0 then null else m::date + 5 end,
		       case when (t.id + extract(month from m)::int) % 7 = 0 then null else 'transfer' end
		from public.tenants t, generate_series('2025-07-01'::date, '2026-06-01'::date, interval '1 month') m`); err != nil {
		b.Fatal(err)
	}
	// Five real clinics on top by fee: their usage is read from their schemas.
	for i := range 5 {
		if _, err := db.CreateTenant(ctx, store.CLI, store.NewTenant{Schema: fmt.Sprintf("top-%d", i), Name: "Top",
			AdminEmail: "a@top.test", MonthlyFee: decimal.RequireFromString(fmt.Sprint(10_000 + i))}); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := owner.Exec(ctx, `vacuum analyze public.tenants, public.invoices`); err != nil {
		b.Fatal(err)
	}
	a := newApp(ctx, 80, 24, true, false, i18n.NewLocale(i18n.ES, panelCurrency, time.UTC))
	env := &kit.Env{Ctx: ctx, L: a.loc, M: a.loc.M, DB: db, Host: host{a}, ID: kit.ScreenDashboard}
	d := panel.NewDashboard(env)
	now := time.Date(2026, 6, 20, 15, 0, 0, 0, time.UTC)
	w, h := a.bodySize()
	b.Run("load+render", func(b *testing.B) {
		for b.Loop() {
			r, err := db.Dashboard(ctx, now)
			if err != nil {
				b.Fatal(err)
			}
			d.Set(r)
			if v := d.View(w, h); !strings.Contains(v, "Clientes 10005") {
				b.Fatalf("view:\n%s", v)
			}
		}
	})
	b.Run("render", func(b *testing.B) {
		for b.Loop() {
			_ = d.View(w, h)
		}
	})
}

// TestDashboardEnglish: an operator who reads English gets the panel in
// English, money still in soles.
func TestDashboardEnglish(t *testing.T) {
	t.Parallel()
	f := newPanelFixture(t)
	f.op.Lang = "en"
	term := f.start(t)
	term.WaitFor(t, "[1 Clients]")
	term.Key("4")
	term.WaitFor(t, "[4 Dashboard]", "Clients 0: 0 active", "Projected monthly income: S/ 0.00",
		"No clients yet.", "Last 12 months · ## invoiced · == collected", "Nov26", "r reload")
}
