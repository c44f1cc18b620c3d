package store_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"consultorio/store"
	"consultorio/store/storetest"
)

// BenchmarkAuditChainBooking measures what the audit chain's head lock
// costs bookings: every booking writes an audit row, and the chain's
// trigger locks the clinic's head row from that insert to the commit, so
// one clinic's bookings commit one at a time. 8 clients book, either all
// in one clinic or each in its own (8 clinics of one database), with the
// chain's trigger enabled and disabled (the rows are then unchained: the
// baseline; the chain columns' NOT NULL is dropped with it). Reported as
// bookings/s.
func BenchmarkAuditChainBooking(b *testing.B) {
	for _, clinics := range []int{1, benchClients} {
		for _, chain := range []bool{true, false} {
			name := fmt.Sprintf("clinics=%d/chain=%v", clinics, chain)
			b.Run(name, func(b *testing.B) { benchChainBooking(b, clinics, chain) })
		}
	}
}

func benchChainBooking(b *testing.B, clinics int, chain bool) {
	ctx := context.Background()
	c := storetest.NewClock(time.Date(2026, 11, 10, 12, 0, 0, 0, agLima))
	// Each client its own connection, in one clinic or in eight.
	db := storetest.NewDBWith(b, store.Options{MaxConns: benchClients + 2, Clock: c,
		ConnsPerClinic: benchClients, ClinicConns: benchClients * benchClients})
	type clinic struct {
		f     *agendaFixture
		specs []int64
		rooms []int64
		pat   int64
		n     atomic.Int64
	}
	cs := make([]*clinic, clinics)
	for i := range cs {
		tn, _ := storetest.NewTenant(b, db, fmt.Sprintf("chain-%d", i))
		f := agFixtureFor(b, db, tn, c)
		cl := &clinic{f: f, pat: f.patient("Ana", "Quispe", "100")}
		for k := range benchClients {
			cl.specs = append(cl.specs, f.specialist("Esp", fmt.Sprint(k), "percent", "40", true))
			cl.rooms = append(cl.rooms, f.room(fmt.Sprintf("Sala %d", k)))
		}
		if !chain {
			q := fmt.Sprintf(`alter table %q.audit_log disable trigger audit_log_chain,
				alter column chain_seq drop not null, alter column hash drop not null`, tn.Info.Schema)
			if _, err := storetest.Owner(b, db).Exec(ctx, q); err != nil {
				b.Fatal(err)
			}
		}
		cs[i] = cl
	}
	var client atomic.Int64
	setParallelClients(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		cl := cs[int(client.Add(1)-1)%clinics]
		for pb.Next() {
			k, start := benchSlot(cl.n.Add(1) - 1)
			if _, err := cl.f.tn.BookSession(ctx, cl.f.desk, store.Booking{PatientID: cl.pat, SpecialistID: cl.specs[k],
				RoomID: cl.rooms[k], Start: start, DurationMin: 60}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "bookings/s")
}
