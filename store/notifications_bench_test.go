package store_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"consultorio/store"
	"consultorio/store/storetest"
)

// benchClinicData gives a clinic a little of everything the scan looks at:
// two sessions tomorrow, an unpaid payment of a session completed ten days
// ago, an expense due in two days and one overdue (now: 2 Nov 2026 09:00
// Lima). Five notifications per clinic on the first scan.
const benchClinicData = `
insert into specialists (first_name, last_name, document) values ('Luis', 'Rojas', 'D1');
insert into rooms (name) values ('Sala 1'), ('Sala 2');
insert into patients (first_name, surname, birth_date) values ('Ana', 'Pérez', '1990-01-01');
insert into sessions (patient_id, specialist_id, room_id, starts_at, duration_min, ends_at)
select 1, 1, r, t, 60, t + interval '60 minutes'
from (values (1, timestamptz '2026-11-03 10:00-05'), (2, '2026-11-03 12:00-05'), (1, '2026-10-23 10:00-05')) v(r, t);
update sessions set status = 'completed', observation = 'ok', completed_at = ends_at where starts_at < '2026-11-01';
insert into payments (session_id, amount) select id, 80 from sessions where status = 'completed';
insert into expenses (name, amount, due_date) values ('Rent', 1200, '2026-11-04'), ('Phone', 60, '2026-10-30');
`

// BenchmarkScanAllNotifications: the scheduler's pass over every clinic
// (target: under 5 s for 1,000 clinics). CONSULTORIO_BENCH_CLINICS sets the
// number of clinics (default 1000; provisioning takes ~60 ms each). Each
// iteration is a steady-state pass (nothing new to create); the first pass,
// which creates 5 notifications per clinic on connections that have not
// seen the clinics' tables yet, is reported as first-pass-s.
func BenchmarkScanAllNotifications(b *testing.B) {
	clinics := 1000
	if v := os.Getenv("CONSULTORIO_BENCH_CLINICS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("CONSULTORIO_BENCH_CLINICS=%q: want a positive number", v)
		}
		clinics = n
	}
	db := storetest.NewDB(b)
	ctx := context.Background()

	work := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var setupErr error
	for range 4 {
		wg.Go(func() {
			for i := range work {
				err := func() error {
					p, err := db.CreateTenant(ctx, store.CLI, store.NewTenant{
						Schema: fmt.Sprintf("bench-%04d", i), Name: "Bench", AdminEmail: "a@bench.test",
					})
					if err != nil {
						return err
					}
					tn, err := db.Tenant(ctx, p.Tenant.Schema)
					if err != nil {
						return err
					}
					return tn.Exec(ctx, func(tx pgx.Tx) error {
						_, err := tx.Exec(ctx, benchClinicData)
						return err
					})
				}()
				if err != nil {
					mu.Lock()
					setupErr = fmt.Errorf("clinic %d: %w", i, err)
					mu.Unlock()
				}
			}
		})
	}
	for i := range clinics {
		work <- i
	}
	close(work)
	wg.Wait()
	if setupErr != nil {
		b.Fatal(setupErr)
	}

	jobs := int(db.Pool().Config().MaxConns)
	now := time.Date(2026, 11, 2, 14, 0, 0, 0, time.UTC)
	start := time.Now()
	sum, err := db.ScanAllNotifications(ctx, now, jobs)
	first := time.Since(start)
	if err != nil || sum.Clinics != clinics || sum.Created != 5*clinics || len(sum.Failed) != 0 {
		b.Fatalf("first pass: %+v, %v", sum, err)
	}
	b.Logf("%d clinics, %d workers: first pass %v (%d created)", clinics, jobs, first, sum.Created)

	for b.Loop() {
		sum, err := db.ScanAllNotifications(ctx, now, jobs)
		if err != nil || sum.Created != 0 || len(sum.Failed) != 0 {
			b.Fatalf("steady pass: %+v, %v", sum, err)
		}
	}
	b.ReportMetric(float64(clinics), "clinics")
	b.ReportMetric(first.Seconds(), "first-pass-s")
}
