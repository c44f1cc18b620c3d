package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"

	"consultorio/store"
	"consultorio/store/storetest"
)

// BenchmarkClinicTx: one small transaction of a clinic whose pool is open
// (warm: what a booking pays) and of a clinic whose pool was evicted (cold:
// a new connection with its SCRAM handshake, what a clinic coming back
// after the LRU closed its pool pays).
//
//	go test ./store/ -run '^$' -bench BenchmarkClinicTx -benchtime 200x
func BenchmarkClinicTx(b *testing.B) {
	db := storetest.NewDBWith(b, store.Options{ClinicConns: 3, ConnsPerClinic: 3})
	ctx := context.Background()
	var tenants []*store.Tenant
	for i := range 4 {
		tn, _ := storetest.NewTenant(b, db, fmt.Sprintf("clinic-%d", i))
		tenants = append(tenants, tn)
	}
	tx := func(tn *store.Tenant) {
		if err := tn.Exec(ctx, func(tx pgx.Tx) error {
			var n int
			return tx.QueryRow(ctx, "select count(*) from users").Scan(&n)
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("warm", func(b *testing.B) {
		for b.Loop() {
			tx(tenants[0])
		}
	})
	// One pool at most: every transaction of the next clinic evicts the
	// previous one's pool and connects anew.
	b.Run("cold", func(b *testing.B) {
		i := 0
		for b.Loop() {
			i++
			tx(tenants[i%len(tenants)])
		}
	})
}
