package store_test

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"consultorio/store"
)

// benchClients is the number of concurrent clients (issue 5: 8).
const benchClients = 8

// benchAgenda prepares a clinic with 8 specialists, 8 rooms and a patient;
// booking i goes to specialist and room i%8 at hour i/8 after a base time,
// so no two bookings clash and both benchmarks insert the same data shape.
func benchAgenda(b *testing.B) (*agendaFixture, []int64, []int64, int64) {
	f := newAgendaFixture(b, benchClients+2)
	specs, rooms := make([]int64, benchClients), make([]int64, benchClients)
	for i := range benchClients {
		specs[i] = f.specialist("Esp", fmt.Sprint(i), "percent", "40", true)
		rooms[i] = f.room(fmt.Sprintf("Sala %d", i))
	}
	return f, specs, rooms, f.patient("Ana", "Quispe", "100")
}

func benchSlot(i int64) (int, time.Time) {
	return int(i % benchClients), agAt(2027, 1, 4, 0, 0).Add(time.Duration(i/benchClients) * time.Hour)
}

// setParallelClients makes RunParallel use benchClients goroutines.
func setParallelClients(b *testing.B) {
	b.SetParallelism((benchClients + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
}

// BenchmarkBookSession: BookSession (settings, references, overlap
// pre-check, insert under the exclusion constraints, audit row, notify,
// read-back) from 8 concurrent clients.
func BenchmarkBookSession(b *testing.B) {
	f, specs, rooms, pat := benchAgenda(b)
	var n atomic.Int64
	setParallelClients(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			k, start := benchSlot(n.Add(1) - 1)
			if _, err := f.tn.BookSession(f.ctx, f.desk, store.Booking{PatientID: pat, SpecialistID: specs[k],
				RoomID: rooms[k], Start: start, DurationMin: 60}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkPlainInsert: the same rows with a plain INSERT in the tenant's
// transaction, no pre-check (the exclusion constraints still apply), from
// 8 concurrent clients: the baseline for BenchmarkBookSession.
func BenchmarkPlainInsert(b *testing.B) {
	f, specs, rooms, pat := benchAgenda(b)
	var n atomic.Int64
	setParallelClients(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			k, start := benchSlot(n.Add(1) - 1)
			err := f.tn.Exec(f.ctx, func(tx pgx.Tx) error {
				_, err := tx.Exec(f.ctx, `insert into sessions (patient_id, specialist_id, room_id, starts_at, duration_min, ends_at)
					values ($1, $2, $3, $4, 60, $4::timestamptz + make_interval(mins => 60))`, pat, specs[k], rooms[k], start)
				return err
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}
