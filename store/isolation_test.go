package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"consultorio/store/storetest"
)

// A raw query for another clinic's table, inside a tenant transaction, is
// refused by PostgreSQL itself: the tenant role has no rights on that schema.
func TestRawCrossTenantQueryIsDenied(t *testing.T) {
	db := storetest.NewDB(t)
	a, _ := storetest.NewTenant(t, db, "clinic-a")
	storetest.NewTenant(t, db, "clinic-b")
	ctx := context.Background()
	for _, q := range []string{
		`select * from "clinic-b".patients`,
		`select * from "clinic-b".users`,
		`select * from public.tenants`,
		`select * from public.operators`,
	} {
		err := a.Exec(ctx, func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, q)
			if err != nil {
				return err
			}
			rows.Close()
			return rows.Err()
		})
		if err == nil || !strings.Contains(err.Error(), "permission denied") {
			t.Errorf("%s: want permission denied, got %v", q, err)
		}
	}
	// Its own tables work, unqualified.
	err := a.Exec(ctx, func(tx pgx.Tx) error {
		var n int
		return tx.QueryRow(ctx, "select count(*) from users").Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
}
