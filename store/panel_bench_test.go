package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"consultorio/store"
	"consultorio/store/storetest"
)

// Operator panel benchmarks (issue 6): the dashboard and a month's invoice
// run with 10,000 clients. Invoices and the dashboard's totals only need
// public rows, so the clients are inserted with one INSERT … SELECT
// generate_series; usage, which reads clinic schemas, is measured on real
// provisioned clinics (BenchmarkTenantUsage).
//
//	go test ./store/ -run '^$' -bench 'Dashboard10k|GenerateInvoices10k|UpdateMoroseStatus10k|TenantUsage' -benchtime 20x

const pnBenchClients = 10_000

// insertClients inserts n public client rows: 1 in 20 suspended, 1 in 20
// more morose, the rest active, fees from 50 to 249.
func pnInsertClients(b *testing.B, db *store.DB, n int) {
	b.Helper()
	if _, err := storetest.Owner(b, db).Exec(context.Background(), `insert into public.tenants
		(schema_name, role_name, name, admin_email, status, suspended_by_hand, monthly_fee)
		select 'client-' || g, 'bench_' || g, 'Client ' || g, 'admin@client' || g || '.test',
		       case when g % 20 = 0 then 'suspended' when g % 20 = 10 then 'morose' else 'active' end,
		       g % 20 = 0, 50 + g % 200
		from generate_series(1, $1::int) g`, n); err != nil {
		b.Fatal(err)
	}
}

func pnVacuum(b *testing.B, db *store.DB) {
	b.Helper()
	// What autovacuum does on a live database: statistics and the
	// visibility map (index-only scans).
	if _, err := storetest.Owner(b, db).Exec(context.Background(), `vacuum analyze public.tenants, public.invoices`); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkDashboard10k: 10,000 clients, 12 months of invoices (120,000;
// about 1 in 7 unpaid), 5 real clinics at the top by fee (their usage is
// read from their schemas).
func BenchmarkDashboard10k(b *testing.B) {
	db := storetest.NewDB(b)
	ctx := context.Background()
	pnInsertClients(b, db, pnBenchClients)
	if _, err := db.Pool().Exec(ctx, `insert into public.invoices (tenant_id, period, amount, due_date, paid_at, method)
		select t.id, m::date, t.monthly_fee, m::date + 9,
		       case when (t.id + extract(month from m)::int) % 7 = 0 then null else m::date + 5 end,
		       case when (t.id + extract(month from m)::int) % 7 = 0 then null else 'transfer' end
		from public.tenants t, generate_series('2025-07-01'::date, '2026-06-01'::date, interval '1 month') m`); err != nil {
		b.Fatal(err)
	}
	for i := range 5 {
		if _, err := db.CreateTenant(ctx, store.CLI, store.NewTenant{Schema: fmt.Sprintf("top-%d", i), Name: "Top",
			AdminEmail: "a@top.test", MonthlyFee: pnDec(fmt.Sprint(10_000 + i))}); err != nil {
			b.Fatal(err)
		}
	}
	pnVacuum(b, db)
	now := time.Date(2026, 6, 20, 15, 0, 0, 0, time.UTC)
	check := func(r store.DashboardReport) {
		if r.Clients.Total != pnBenchClients+5 || len(r.TopByFee) != 5 || r.TopByFee[0].Usage.ActiveStaff != 1 || len(r.Chart) != 12 {
			b.Fatalf("dashboard: %+v", r)
		}
	}
	b.Run("warm", func(b *testing.B) {
		for b.Loop() {
			r, err := db.Dashboard(ctx, now)
			if err != nil {
				b.Fatal(err)
			}
			check(r)
		}
	})
	// A fresh connection each time: connect, and the clinics' catalog
	// entries are not cached by the backend yet (the pool recycles idle
	// connections after 5 minutes).
	b.Run("new-connection", func(b *testing.B) {
		for b.Loop() {
			db.Pool().Reset()
			r, err := db.Dashboard(ctx, now)
			if err != nil {
				b.Fatal(err)
			}
			check(r)
		}
	})
}

// BenchmarkGenerateInvoices10k: one op = a new month's invoices for 10,000
// clients (9,500 billed: suspended ones are not); "again" = the idempotent
// re-run of a month already generated.
func BenchmarkGenerateInvoices10k(b *testing.B) {
	db := storetest.NewDB(b)
	ctx := context.Background()
	pnInsertClients(b, db, pnBenchClients)
	pnVacuum(b, db)
	const billed = pnBenchClients - pnBenchClients/20
	month := pnDay(2026, 1, 1)
	b.Run("new-month", func(b *testing.B) {
		for b.Loop() {
			created, err := db.GenerateInvoices(ctx, store.CLI, month)
			if err != nil || len(created) != billed {
				b.Fatalf("created %d, %v", len(created), err)
			}
			month = month.AddDate(0, 1, 0)
		}
	})
	b.Run("again", func(b *testing.B) {
		for b.Loop() {
			created, err := db.GenerateInvoices(ctx, store.CLI, pnDay(2026, 1, 1))
			if err != nil || len(created) != 0 {
				b.Fatalf("created %d, %v", len(created), err)
			}
		}
	})
}

// BenchmarkUpdateMoroseStatus10k: 10,000 clients with one month's invoices,
// 1 in 10 unpaid. Ops alternate between a day when those are 16 days late
// (≈ 900 clients become morose) and a day when, after a fee waiver, none is
// (they all come back): every op changes ≈ 900 clients, with their audit rows
// and notifications.
func BenchmarkUpdateMoroseStatus10k(b *testing.B) {
	db := storetest.NewDB(b)
	ctx := context.Background()
	pnInsertClients(b, db, pnBenchClients)
	if _, err := db.Pool().Exec(ctx, `update public.tenants set status = 'active' where status = 'morose'`); err != nil {
		b.Fatal(err)
	}
	if _, err := db.GenerateInvoices(ctx, store.CLI, pnDay(2026, 3, 1)); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Pool().Exec(ctx, `update public.invoices set paid_at = '2026-03-05', method = 'cash' where id % 10 <> 0`); err != nil {
		b.Fatal(err)
	}
	pnVacuum(b, db)
	late := time.Date(2026, 3, 26, 15, 0, 0, 0, time.UTC)
	i := 0
	for b.Loop() {
		if i%2 == 1 { // waive: move the days setting so nothing is late enough
			if _, err := db.SetMoroseAfterDays(ctx, store.CLI, 30); err != nil {
				b.Fatal(err)
			}
		} else if _, err := db.SetMoroseAfterDays(ctx, store.CLI, 15); err != nil {
			b.Fatal(err)
		}
		changed, err := db.UpdateMoroseStatus(ctx, store.Scheduler, late)
		if err != nil || len(changed) < 800 {
			b.Fatalf("changed %d, %v", len(changed), err)
		}
		i++
	}
}

// BenchmarkTenantUsage reads the usage of a page of real clinics (each with a
// few patients, sessions and audit entries) in one UNION ALL statement.
func BenchmarkTenantUsage(b *testing.B) {
	db := storetest.NewDB(b)
	ctx := context.Background()
	const n = 200
	schemas := make([]string, n)
	for i := range n {
		schemas[i] = fmt.Sprintf("usage-%03d", i)
		if _, err := db.CreateTenant(ctx, store.CLI, store.NewTenant{Schema: schemas[i], Name: "U",
			AdminEmail: "a@u.test"}); err != nil {
			b.Fatal(err)
		}
		tn, err := db.Tenant(ctx, schemas[i])
		if err != nil {
			b.Fatal(err)
		}
		if err := tn.Exec(ctx, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `
				insert into specialists (first_name, last_name, document) values ('S', 'P', '1');
				insert into rooms (name) values ('R');
				insert into patients (first_name, surname, birth_date) select 'P', 'N' || g, '2000-01-01' from generate_series(1, 50) g;
				insert into sessions (patient_id, specialist_id, room_id, starts_at, duration_min, ends_at)
				select p.id, s.id, r.id, '2026-06-01 14:00Z'::timestamptz + p.id * interval '1 hour', 60,
				       '2026-06-01 15:00Z'::timestamptz + p.id * interval '1 hour'
				from patients p, specialists s, rooms r;
				insert into audit_log (action, entity) select 'view', 'patient' from generate_series(1, 20);`)
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
	now := time.Date(2026, 6, 20, 15, 0, 0, 0, time.UTC)
	for _, page := range []int{5, 20, 50, 200} {
		b.Run(fmt.Sprintf("%d-clients", page), func(b *testing.B) {
			for b.Loop() {
				us, err := db.TenantUsage(ctx, now, schemas[:page])
				if err != nil || len(us) != page || us[0].Patients != 50 || us[0].SessionsThisMonth != 50 {
					b.Fatalf("usage: %d, %v", len(us), err)
				}
			}
		})
		b.Run(fmt.Sprintf("%d-clients-new-connection", page), func(b *testing.B) {
			for b.Loop() {
				db.Pool().Reset()
				if _, err := db.TenantUsage(ctx, now, schemas[:page]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
