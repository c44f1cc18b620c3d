package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"consultorio/migrations"
	"consultorio/store"
	"consultorio/store/storetest"
)

// withExtraTenantMigration returns the embedded sets plus one tenant
// migration that adds a table, as a release adding a feature would.
func withExtraTenantMigration() store.Migrations {
	ms := store.EmbeddedMigrations()
	next := ms.Tenant[len(ms.Tenant)-1].Version + 1
	ms.Tenant = append(ms.Tenant, migrations.Migration{
		Version: next,
		Name:    fmt.Sprintf("%04d_test_extra.sql", next),
		SQL:     `CREATE TABLE extra_notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text NOT NULL)`,
	})
	return ms
}

func TestMigrateTenantsAppliesNewMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := storetest.NewURL(t)
	old, err := store.Open(ctx, url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	schemas := []string{"clinic-a", "clinic-b", "clinic-c", "clinic-d", "clinic-e"}
	for _, s := range schemas {
		storetest.NewTenant(t, old, s)
	}
	// clinic-c was tampered with: the new migration's table exists already,
	// so the migration fails there and must not stop the others.
	owner, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close(ctx)
	if _, err := owner.Exec(ctx, `create table "clinic-c".extra_notes (x int)`); err != nil {
		t.Fatal(err)
	}

	db, err := store.Open(ctx, url, store.Options{Migrations: withExtraTenantMigration()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	latest := db.LatestTenantVersion()
	if latest != old.LatestTenantVersion()+1 {
		t.Fatalf("latest version %d, embedded %d", latest, old.LatestTenantVersion())
	}
	tvs, err := db.TenantVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(tvs) != len(schemas) {
		t.Fatalf("versions of %d tenants, want %d", len(tvs), len(schemas))
	}
	results := migrateCountingProgress(t, db, tvs, 4)
	for _, r := range results {
		if r.Schema == "clinic-c" {
			if r.Err == nil || !strings.Contains(r.Err.Error(), "already exists") || r.Applied != 0 {
				t.Errorf("clinic-c: want an 'already exists' failure, got applied=%d err=%v", r.Applied, r.Err)
			}
			continue
		}
		if r.Err != nil || r.Applied != 1 || r.From != latest-1 {
			t.Errorf("%s: applied=%d from=%d err=%v", r.Schema, r.Applied, r.From, r.Err)
		}
	}
	versions := map[string]int{}
	tvs, err = db.TenantVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tv := range tvs {
		versions[tv.Schema] = tv.Version
	}
	for _, s := range schemas {
		want := latest
		if s == "clinic-c" {
			want = latest - 1 // the failed migration rolled back entirely
		}
		if versions[s] != want {
			t.Errorf("%s at version %d, want %d", s, versions[s], want)
		}
	}
	// The new table is usable by the tenant's own role (grants re-applied).
	tn, err := db.Tenant(ctx, "clinic-a")
	if err != nil {
		t.Fatal(err)
	}
	if err := tn.Exec(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `insert into extra_notes (body) values ('hola')`)
		return err
	}); err != nil {
		t.Fatalf("tenant role cannot use the migrated table: %v", err)
	}

	// Idempotent: a second run changes nothing for the migrated ones, and
	// reports the tampered one again.
	again := db.MigrateTenants(ctx, tvs, 4, nil)
	for _, r := range again {
		if r.Schema == "clinic-c" {
			if r.Err == nil {
				t.Errorf("clinic-c: second run succeeded")
			}
		} else if r.Applied != 0 || r.Err != nil {
			t.Errorf("%s: second run applied=%d err=%v", r.Schema, r.Applied, r.Err)
		}
	}

	// Provisioning uses the same set: a new clinic is born at the latest version.
	storetest.NewTenant(t, db, "clinic-new")
	tv, err := db.TenantVersionOf(ctx, "clinic-new")
	if err != nil || tv.Version != latest {
		t.Fatalf("new tenant version %d (%v), want %d", tv.Version, err, latest)
	}
	var n int
	if err := owner.QueryRow(ctx, `select count(*) from "clinic-new".extra_notes`).Scan(&n); err != nil {
		t.Fatalf("new tenant lacks the extra table: %v", err)
	}
}

// Two runs racing over the same tenants apply each migration exactly once.
func TestMigrateTenantsConcurrentRuns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := storetest.NewURL(t)
	old, err := store.Open(ctx, url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	for i := range 4 {
		storetest.NewTenant(t, old, fmt.Sprintf("race-%d", i))
	}
	db, err := store.Open(ctx, url, store.Options{Migrations: withExtraTenantMigration()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tvs, err := db.TenantVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	migrateAtOnceAppliesOnce(t, db, 2, tvs, tvs)
}

func TestTenantVersionOfUnknown(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	if _, err := db.TenantVersionOf(context.Background(), "nope"); err != store.ErrNoSuchTenant {
		t.Fatalf("unknown schema: %v", err)
	}
}

// The tenant role's grants: full use of its tables and sequences, but the
// audit log is append-only.
func TestTenantRoleGrants(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	ctx := context.Background()
	tn, _ := storetest.NewTenant(t, db, "grants")
	run := func(sql string) error {
		return tn.Exec(ctx, func(tx pgx.Tx) error { _, err := tx.Exec(ctx, sql); return err })
	}
	for _, ok := range []string{
		`insert into rooms (name) values ('Sala 1')`,
		`update rooms set capacity = 2`,
		`delete from rooms`,
		`insert into audit_log (action, entity) values ('view', 'patient')`,
		`select count(*) from audit_log`,
	} {
		if err := run(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, denied := range []string{
		`update audit_log set action = 'x'`,
		`delete from audit_log`,
		`truncate audit_log`,
	} {
		if err := run(denied); err == nil || !strings.Contains(err.Error(), "permission denied") {
			t.Errorf("%s: want permission denied, got %v", denied, err)
		}
	}
}

// A no-op MigratePublic is one read: it neither takes the migrations' lock
// nor runs DDL, so it returns while another run holds that lock. A run with
// something to do still waits for the lock and applies it then, and a
// database a newer binary migrated is still refused by the no-op path.
func TestNoOpMigratePublicIsOneRead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := storetest.NewURL(t)
	db, err := store.Open(ctx, url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.MigratePublic(ctx); err != nil { // records this binary
		t.Fatal(err)
	}
	owner, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close(ctx)
	const migrateLock = 7_419_202_611 // store's migrateLockKey
	if _, err := owner.Exec(ctx, "select pg_advisory_lock($1)", migrateLock); err != nil {
		t.Fatal(err)
	}
	quick, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if n, err := db.MigratePublic(quick); err != nil || n != 0 {
		t.Fatalf("no-op migrate while the lock is held: %d applied, %v", n, err)
	}

	ms := store.EmbeddedMigrations()
	next := ms.Public[len(ms.Public)-1].Version + 1
	ms.Public = append(ms.Public, migrations.Migration{Version: next, Name: fmt.Sprintf("%04d_test_extra.sql", next),
		SQL: `CREATE TABLE public.extra_public (id int)`})
	newer, err := store.Open(ctx, url, store.Options{Migrations: ms})
	if err != nil {
		t.Fatal(err)
	}
	defer newer.Close()
	short, cancel2 := context.WithTimeout(ctx, 2*time.Second)
	defer cancel2()
	if _, err := newer.MigratePublic(short); err == nil {
		t.Fatal("a pending migration was applied while another run held the lock")
	}
	if _, err := owner.Exec(ctx, "select pg_advisory_unlock($1)", migrateLock); err != nil {
		t.Fatal(err)
	}
	if n, err := newer.MigratePublic(ctx); err != nil || n != 1 {
		t.Fatalf("pending migration after the lock was released: %d applied, %v", n, err)
	}
	if _, err := db.MigratePublic(ctx); !errors.Is(err, store.ErrDataNewer) {
		t.Fatalf("no-op migrate of the older binary on a newer database: %v, want ErrDataNewer", err)
	}
}

// migrateCountingProgress runs MigrateTenants with jobs workers and checks
// that progress is reported once per tenant, counting up to the total.
func migrateCountingProgress(t *testing.T, db *store.DB, tvs []store.TenantVersion, jobs int) []store.TenantMigrationResult {
	t.Helper()
	calls := 0
	results := db.MigrateTenants(context.Background(), tvs, jobs, func(done, total int, r store.TenantMigrationResult) {
		calls++
		if done != calls || total != len(tvs) {
			t.Errorf("progress %d/%d at call %d", done, total, calls)
		}
	})
	if calls != len(tvs) {
		t.Errorf("progress called %d times, want %d", calls, len(tvs))
	}
	return results
}

// migrateAtOnceAppliesOnce runs MigrateTenants over a and b at the same
// time, jobs workers each, and checks that together they applied the
// pending migration once to every schema, with no error.
func migrateAtOnceAppliesOnce(t *testing.T, db *store.DB, jobs int, a, b []store.TenantVersion) {
	t.Helper()
	out := make(chan []store.TenantMigrationResult, 2)
	for _, list := range [][]store.TenantVersion{a, b} {
		go func() { out <- db.MigrateTenants(context.Background(), list, jobs, nil) }()
	}
	applied := map[string]int{}
	for range 2 {
		for _, r := range <-out {
			if r.Err != nil {
				t.Errorf("%s: %v", r.Schema, r.Err)
			}
			applied[r.Schema] += r.Applied
		}
	}
	for _, tv := range a {
		if applied[tv.Schema] != 1 {
			t.Errorf("%s: applied %d times in total, want 1", tv.Schema, applied[tv.Schema])
		}
	}
}
