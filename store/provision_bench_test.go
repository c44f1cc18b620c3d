package store_test

import (
	"context"
	"fmt"
	"testing"

	"consultorio/store"
	"consultorio/store/storetest"
)

// BenchmarkCreateTenant measures provisioning one clinic (schema, tables,
// role, grants, admin user) in one transaction.
func BenchmarkCreateTenant(b *testing.B) {
	db := storetest.NewDB(b)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		i++
		if _, err := db.CreateTenant(ctx, store.CLI, store.NewTenant{
			Schema: fmt.Sprintf("bench-%d", i), Name: "Bench", AdminEmail: "a@bench.test",
		}); err != nil {
			b.Fatal(err)
		}
	}
}
