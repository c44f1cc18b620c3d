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

// Concurrent top-ups (several servers, a CLI run) build exactly what is
// missing, together.
func TestTopUpSparesConcurrent(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	storetest.EmptySparePool(t, db) // the pool counted from zero
	ctx := context.Background()
	var wg sync.WaitGroup
	created := make([]int, 3)
	errs := make([]error, 3)
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			created[i], errs[i] = db.TopUpSpares(ctx, 3)
		}()
	}
	wg.Wait()
	total := 0
	for i := range 3 {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		total += created[i]
	}
	if n, err := db.SpareCount(ctx); err != nil || n != 3 || total != 3 {
		t.Fatalf("pool %d (%v), built %d in total: want 3 and 3", n, err, total)
	}
	// Topped up already: nothing to do; asking for fewer removes nothing.
	for _, want := range []int{3, 1, 0} {
		if n, err := db.TopUpSpares(ctx, want); err != nil || n != 0 {
			t.Fatalf("TopUpSpares(%d) on a pool of 3 built %d (%v)", want, n, err)
		}
	}
	// Spares are not clinics: no listing, routing or operator audit sees them.
	ts, err := db.ListTenants(ctx, store.TenantFilter{Status: "all"})
	if err != nil || len(ts) != 0 {
		t.Fatalf("spares listed as clinics: %v %v", ts, err)
	}
	var audits int
	if err := db.Pool().QueryRow(ctx, `select count(*) from public.operator_audit`).Scan(&audits); err != nil || audits != 0 {
		t.Fatalf("operator audit rows: %d (%v)", audits, err)
	}
	tvs, err := db.TenantVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tv := range tvs {
		if !tv.Spare || !strings.HasPrefix(tv.Schema, "spare_") || tv.Version != db.LatestTenantVersion() {
			t.Errorf("unexpected version entry %+v", tv)
		}
	}
	if len(tvs) != 3 {
		t.Fatalf("TenantVersions lists %d spares, want 3", len(tvs))
	}
}

// A clinic made from a spare is a full clinic under its own names: its
// role works in its schema only, its key routes, its settings are its own.
func TestCreateTenantFromSpare(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	storetest.EmptySparePool(t, db) // the pool counted from zero
	ctx := context.Background()
	if n, err := db.TopUpSpares(ctx, 2); err != nil || n != 2 {
		t.Fatalf("top up: built %d (%v)", n, err)
	}
	key, fp := newKey(t, "ana@laptop")
	long := "l" + strings.Repeat("o", 60) + "ng" // 63 bytes: too long for the role prefix, so the role is named by id
	a, err := db.CreateTenant(ctx, store.CLI, store.NewTenant{
		Schema: long, Name: "Larga", AdminEmail: "ana@larga.test", AdminKey: key,
		Domains: []string{"larga.example.com"}, Timezone: "America/Bogota", Lang: "en",
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := db.CreateTenant(ctx, store.CLI, store.NewTenant{Schema: "clinic-b", Name: "B", AdminEmail: "b@b.test"})
	if err != nil {
		t.Fatal(err)
	}
	if !a.FromSpare || !b.FromSpare {
		t.Fatalf("FromSpare: a %v, b %v", a.FromSpare, b.FromSpare)
	}
	if want := store.RolePrefix(dbName(t, db)) + fmt.Sprintf("id%d", a.Tenant.ID); a.Tenant.Role != want {
		t.Fatalf("long schema's role %q, want %q", a.Tenant.Role, want)
	}
	var roles, keyRoutes int
	var version int
	if err := db.Pool().QueryRow(ctx, `select
		(select count(*) from pg_roles where rolname = any($1)),
		(select count(*) from public.key_routes where fingerprint = $2 and tenant_id = $3),
		(select version from public.schema_versions where schema_name = $4)`,
		[]string{a.Tenant.Role, b.Tenant.Role}, fp, a.Tenant.ID, long).Scan(&roles, &keyRoutes, &version); err != nil {
		t.Fatal(err)
	}
	if roles != 2 || keyRoutes != 1 || version != db.LatestTenantVersion() {
		t.Fatalf("roles %d, key routes %d, version %d", roles, keyRoutes, version)
	}
	ta, err := db.Tenant(ctx, long)
	if err != nil {
		t.Fatal(err)
	}
	if ta.Info.Timezone != "America/Bogota" {
		t.Fatalf("timezone %q", ta.Info.Timezone)
	}
	err = ta.Exec(ctx, func(tx pgx.Tx) error {
		var name, tz, lang string
		if err := tx.QueryRow(ctx, `select display_name, timezone, lang from settings`).Scan(&name, &tz, &lang); err != nil {
			return err
		}
		if name != "Larga" || tz != "America/Bogota" || lang != "en" {
			return fmt.Errorf("settings %q %q %q", name, tz, lang)
		}
		_, err := tx.Exec(ctx, `insert into rooms (name) values ('Sala 1')`)
		return err
	})
	if err != nil {
		t.Fatalf("the clinic's own role in its schema: %v", err)
	}
	// Isolation holds on the renamed role: B's tables are out of A's reach.
	err = ta.Exec(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `select * from "clinic-b".patients`)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Fatalf("A reading B's patients: want permission denied, got %v", err)
	}
	// The admin can log in with the setup code.
	if _, err := ta.LoginSetupCode(ctx, "ana@larga.test", a.SetupCode, "127.0.0.1"); err != nil {
		t.Fatalf("setup code of a clinic from a spare: %v", err)
	}
	// The pool is empty now: the next clinic is built, and still fine.
	c, err := db.CreateTenant(ctx, store.CLI, store.NewTenant{Schema: "clinic-c", Name: "C", AdminEmail: "c@c.test"})
	if err != nil || c.FromSpare {
		t.Fatalf("creation with an empty pool: from spare %v, %v", c != nil && c.FromSpare, err)
	}
}

// Concurrent creations take different spares; those that find the pool
// empty build their schema.
func TestConcurrentCreationsClaimDistinctSpares(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	storetest.EmptySparePool(t, db) // the pool counted from zero
	ctx := context.Background()
	if _, err := db.TopUpSpares(ctx, 2); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	res := make([]*store.Provisioned, 4)
	errs := make([]error, 4)
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := fmt.Sprintf("race-%d", i)
			res[i], errs[i] = db.CreateTenant(ctx, store.CLI, store.NewTenant{Schema: s, Name: s, AdminEmail: "a@" + s + ".test"})
		}()
	}
	wg.Wait()
	fromSpare := 0
	for i := range 4 {
		if errs[i] != nil {
			t.Fatalf("race-%d: %v", i, errs[i])
		}
		if res[i].FromSpare {
			fromSpare++
		}
	}
	if fromSpare != 2 {
		t.Fatalf("%d creations used a spare, want 2", fromSpare)
	}
	var spares, schemas int
	if err := db.Pool().QueryRow(ctx, `select (select count(*) from public.spare_schemas),
		(select count(*) from pg_namespace where nspname like 'race-%' or nspname like 'spare\_%')`).Scan(&spares, &schemas); err != nil {
		t.Fatal(err)
	}
	if spares != 0 || schemas != 4 {
		t.Fatalf("%d spares and %d schemas left, want 0 and 4", spares, schemas)
	}
}

// Spares are migrated like tenants: an outdated spare is never claimed, a
// new tenant migration reaches the pool through MigrateTenants, and a clinic
// made from a migrated spare has it.
func TestSparesAreMigrated(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := storetest.NewURL(t)
	old, err := store.Open(ctx, url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	storetest.NewTenant(t, old, "clinic-a")
	if _, err := old.TopUpSpares(ctx, 2); err != nil {
		t.Fatal(err)
	}

	db, err := store.Open(ctx, url, store.Options{Migrations: withExtraTenantMigration()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	latest := db.LatestTenantVersion()
	if n, err := db.SpareCount(ctx); err != nil || n != 0 {
		t.Fatalf("outdated spares counted as ready: %d (%v)", n, err)
	}
	// Before migrate: the outdated spares are left alone, the clinic is built.
	before, err := db.CreateTenant(ctx, store.CLI, store.NewTenant{Schema: "before", Name: "Before", AdminEmail: "a@before.test"})
	if err != nil || before.FromSpare {
		t.Fatalf("creation over outdated spares: from spare %v, %v", before != nil && before.FromSpare, err)
	}

	tvs, err := db.TenantVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	spares := 0
	for _, tv := range tvs {
		if tv.Spare {
			spares++
			if tv.Version != latest-1 {
				t.Errorf("spare %s at version %d, want %d", tv.Schema, tv.Version, latest-1)
			}
		}
	}
	if spares != 2 || len(tvs) != 4 {
		t.Fatalf("TenantVersions: %d entries, %d spares; want 4 and 2: %+v", len(tvs), spares, tvs)
	}
	for _, r := range db.MigrateTenants(ctx, tvs, 4, nil) {
		if r.Err != nil {
			t.Fatalf("%s: %v", r.Schema, r.Err)
		}
	}
	if n, err := db.SpareCount(ctx); err != nil || n != 2 {
		t.Fatalf("migrated spares ready: %d (%v), want 2", n, err)
	}
	after, err := db.CreateTenant(ctx, store.CLI, store.NewTenant{Schema: "after", Name: "After", AdminEmail: "a@after.test"})
	if err != nil || !after.FromSpare {
		t.Fatalf("creation after migrate: from spare %v, %v", after != nil && after.FromSpare, err)
	}
	tv, err := db.TenantVersionOf(ctx, "after")
	if err != nil || tv.Version != latest || tv.Spare {
		t.Fatalf("after: %+v (%v), want version %d", tv, err, latest)
	}
	tn, err := db.Tenant(ctx, "after")
	if err != nil {
		t.Fatal(err)
	}
	if err := tn.Exec(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `insert into extra_notes (body) values ('hola')`)
		return err
	}); err != nil {
		t.Fatalf("the migrated spare's new table, as the clinic's role: %v", err)
	}
	// The old binary no longer claims the newer spare left in the pool.
	o, err := old.CreateTenant(ctx, store.CLI, store.NewTenant{Schema: "old-bin", Name: "Old", AdminEmail: "a@old.test"})
	if err != nil || o.FromSpare {
		t.Fatalf("old binary over newer spares: from spare %v, %v", o != nil && o.FromSpare, err)
	}
}
