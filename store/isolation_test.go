package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"consultorio/store"
	"consultorio/store/storetest"
)

// A raw query for another clinic's table, inside a tenant transaction, is
// refused by PostgreSQL itself: the tenant role has no rights on that schema.
func TestRawCrossTenantQueryIsDenied(t *testing.T) {
	t.Parallel()
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

// Interleaved work of two clinics on a pool of two connections: every
// transaction sees its own schema and role, never the other's, whichever
// connection it lands on and whatever ran there before.
func TestInterleavedTenantsOnSmallPool(t *testing.T) {
	t.Parallel()
	db := storetest.NewDBWith(t, store.Options{MaxConns: 2})
	a, _ := storetest.NewTenant(t, db, "clinic-a")
	b, _ := storetest.NewTenant(t, db, "clinic-b")
	ctx := context.Background()

	check := func(tn *store.Tenant) error {
		return tn.Exec(ctx, func(tx pgx.Tx) error {
			var path, role, email string
			if err := tx.QueryRow(ctx, "select current_setting('search_path'), current_user, (select email::text from users limit 1)").
				Scan(&path, &role, &email); err != nil {
				return err
			}
			if !strings.Contains(path, `"`+tn.Info.Schema+`"`) || role != tn.Info.Role || email != "admin@"+tn.Info.Schema+".test" {
				return fmt.Errorf("%s saw search_path=%s role=%s admin=%s", tn.Info.Schema, path, role, email)
			}
			return nil
		})
	}
	var wg sync.WaitGroup
	errs := make(chan error, 400)
	for i := range 200 {
		tn := a
		if i%2 == 1 {
			tn = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := check(tn); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Outside any tenant transaction, a pooled connection is back to the
	// session defaults: nothing leaked.
	var path, role string
	if err := db.Pool().QueryRow(ctx, "select current_setting('search_path'), current_user").Scan(&path, &role); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(path, "clinic") || strings.HasPrefix(role, "ct") {
		t.Fatalf("pool connection leaked tenant state: search_path=%s role=%s", path, role)
	}
}
