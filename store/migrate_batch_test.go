package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"consultorio/migrations"
	"consultorio/store"
	"consultorio/store/storetest"
)

// Tests of the batched tenant migrations: with one worker, every schema
// of these tests is migrated in one transaction first.

// batchFixture makes schemas with the embedded migrations and returns an
// owner connection and a store that knows ms.
func batchFixture(t *testing.T, schemas []string, ms store.Migrations) (*store.DB, *pgx.Conn) {
	t.Helper()
	ctx := context.Background()
	url := storetest.NewURL(t)
	old, err := store.Open(ctx, url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(old.Close)
	for _, s := range schemas {
		storetest.NewTenant(t, old, s)
	}
	owner, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { owner.Close(ctx) })
	db, err := store.Open(ctx, url, store.Options{Migrations: ms})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db, owner
}

func versionsOf(t *testing.T, db *store.DB) map[string]int {
	t.Helper()
	tvs, err := db.TenantVersions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	v := map[string]int{}
	for _, tv := range tvs {
		v[tv.Schema] = tv.Version
	}
	return v
}

// A schema whose migration fails in a batch fails alone: the batch is
// rolled back and its schemas migrated one by one, each with its own
// outcome.
func TestMigrateBatchFailureIsolatesTheSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	schemas := []string{"batch-a", "batch-b", "batch-c", "batch-d", "batch-e"}
	db, owner := batchFixture(t, schemas, withExtraTenantMigration())
	if _, err := owner.Exec(ctx, `create table "batch-d".extra_notes (x int)`); err != nil {
		t.Fatal(err)
	}
	tvs, err := db.TenantVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	latest := db.LatestTenantVersion()
	results := migrateCountingProgress(t, db, tvs, 1)
	for _, r := range results {
		if r.Schema == "batch-d" {
			if r.Err == nil || !strings.Contains(r.Err.Error(), "already exists") || r.Applied != 0 {
				t.Errorf("batch-d: want its own 'already exists' failure, got applied=%d err=%v", r.Applied, r.Err)
			}
		} else if r.Err != nil || r.Applied != 1 {
			t.Errorf("%s: applied=%d err=%v; want 1 applied", r.Schema, r.Applied, r.Err)
		}
	}
	v := versionsOf(t, db)
	for _, s := range schemas {
		want := latest
		if s == "batch-d" {
			want = latest - 1
		}
		if v[s] != want {
			t.Errorf("%s at version %d, want %d", s, v[s], want)
		}
	}
}

// Two runs whose batches overlap in opposite orders apply each migration
// once, without a deadlock failing either (the version rows are locked in
// one order).
func TestMigrateBatchesOfConcurrentRunsApplyOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	schemas := []string{"once-a", "once-b", "once-c", "once-d", "once-e", "once-f"}
	db, _ := batchFixture(t, schemas, withExtraTenantMigration())
	tvs, err := db.TenantVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	reversed := slices.Clone(tvs)
	slices.Reverse(reversed)
	migrateAtOnceAppliesOnce(t, db, 1, tvs, reversed)
}

// The tables a batch's migration makes are granted to each clinic's role,
// also when a migration replaces a table by another of the same name (the
// number of relations does not change, the grants must).
func TestMigrateBatchGrantsNewRelations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	schemas := []string{"grant-a", "grant-b", "grant-c"}
	ms := withExtraTenantMigration()
	db, owner := batchFixture(t, schemas, ms)
	insert := func(db *store.DB, schema string) error {
		tn, err := db.Tenant(ctx, schema)
		if err != nil {
			return err
		}
		return tn.Exec(ctx, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `insert into extra_notes (body) values ('hola')`)
			return err
		})
	}
	tvs, err := db.TenantVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range db.MigrateTenants(ctx, tvs, 1, nil) {
		if r.Err != nil || r.Applied != 1 {
			t.Fatalf("%s: applied=%d err=%v", r.Schema, r.Applied, r.Err)
		}
	}
	for _, s := range schemas {
		if err := insert(db, s); err != nil {
			t.Errorf("%s: the clinic's role cannot use the new table: %v", s, err)
		}
	}

	next := ms.Tenant[len(ms.Tenant)-1].Version + 1
	ms.Tenant = append(ms.Tenant, migrations.Migration{Version: next, Name: fmt.Sprintf("%04d_test_replace.sql", next),
		SQL: `DROP TABLE extra_notes;
CREATE TABLE extra_notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text NOT NULL, at date)`})
	url := owner.Config().ConnString()
	newer, err := store.Open(ctx, url, store.Options{Migrations: ms})
	if err != nil {
		t.Fatal(err)
	}
	defer newer.Close()
	tvs, err = newer.TenantVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range newer.MigrateTenants(ctx, tvs, 1, nil) {
		if r.Err != nil || r.Applied != 1 {
			t.Fatalf("%s: applied=%d err=%v", r.Schema, r.Applied, r.Err)
		}
	}
	for _, s := range schemas {
		if err := insert(newer, s); err != nil {
			t.Errorf("%s: the clinic's role cannot use the replaced table: %v", s, err)
		}
	}
	// The audit log stays append-only after a batch's grants.
	tn, err := newer.Tenant(ctx, "grant-b")
	if err != nil {
		t.Fatal(err)
	}
	err = tn.Exec(ctx, func(tx pgx.Tx) error { _, err := tx.Exec(ctx, `delete from audit_log`); return err })
	if err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Errorf("delete from audit_log after migrating: %v, want permission denied", err)
	}
}

// A schema renamed after its version was read fails alone, and its
// migration lands nowhere: not in the public schema, which the search
// path would fall through to.
func TestMigrateBatchCatchesARenamedSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	schemas := []string{"gone-a", "gone-b", "gone-c"}
	db, owner := batchFixture(t, schemas, withExtraTenantMigration())
	tvs, err := db.TenantVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Exec(ctx, `alter schema "gone-b" rename to "gone-b-by-hand"`); err != nil {
		t.Fatal(err)
	}
	for _, r := range db.MigrateTenants(ctx, tvs, 1, nil) {
		if r.Schema == "gone-b" {
			if r.Err == nil || !strings.Contains(r.Err.Error(), "no longer exists") || r.Applied != 0 {
				t.Errorf("gone-b: applied=%d err=%v; want 'no longer exists'", r.Applied, r.Err)
			}
		} else if r.Err != nil || r.Applied != 1 {
			t.Errorf("%s: applied=%d err=%v; want 1 applied", r.Schema, r.Applied, r.Err)
		}
	}
	var inPublic bool
	if err := owner.QueryRow(ctx, `select to_regclass('public.extra_notes') is not null`).Scan(&inPublic); err != nil {
		t.Fatal(err)
	}
	if inPublic {
		t.Error("the renamed schema's migration created public.extra_notes")
	}
}

// With Options.OwnerSession, what a no-op migrate does (open, the shared
// schema, every tenant's version, the spares) runs on one connection:
// PostgreSQL counts one session made for all of it.
func TestOwnerSessionIsOneConnection(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := storetest.NewURL(t)
	first, err := store.Open(ctx, url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := first.MigratePublic(ctx); err != nil { // records this binary: the next run is a no-op
		t.Fatal(err)
	}
	storetest.NewTenant(t, first, "session-a")
	first.Close()

	observer, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer observer.Close(ctx)
	// The observer's own session is counted once its statistics are
	// flushed: force that before the first reading.
	if _, err := observer.Exec(ctx, `select pg_stat_force_next_flush()`); err != nil {
		t.Fatal(err)
	}
	if _, err := observer.Exec(ctx, `select 1`); err != nil {
		t.Fatal(err)
	}
	// sessions made to this database, and backends of it other than the
	// observer's
	read := func() (sessions, others int64) {
		t.Helper()
		if _, err := observer.Exec(ctx, `select pg_stat_clear_snapshot()`); err != nil {
			t.Fatal(err)
		}
		if err := observer.QueryRow(ctx, `select (select sessions from pg_stat_database where datname = current_database()),
			(select count(*) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid())`).
			Scan(&sessions, &others); err != nil {
			t.Fatal(err)
		}
		return sessions, others
	}
	// Once a backend has left pg_stat_activity its session is counted
	// (its statistics are flushed before), so wait for the clinic's
	// creation to be gone.
	idle := func() int64 {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			sessions, others := read()
			if others == 0 {
				return sessions
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d backends still open", others)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	before := idle()

	db, err := store.Open(ctx, url, store.Options{OwnerSession: true})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := db.MigratePublic(ctx); err != nil || n != 0 {
		t.Fatalf("no-op migrate public: %d, %v", n, err)
	}
	tvs, err := db.TenantVersions(ctx)
	if err != nil || !slices.ContainsFunc(tvs, func(tv store.TenantVersion) bool { return tv.Schema == "session-a" }) {
		t.Fatalf("tenant versions: %v, %v", tvs, err)
	}
	if _, err := db.SpareCount(ctx); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if made := idle() - before; made != 1 {
		t.Fatalf("%d sessions made for a no-op migrate's steps, want 1", made)
	}
}

// A clinic whose table is held by a long transaction does not hold up the
// other clinics of its batch: they are migrated while it waits.
func TestMigrateBatchDoesNotWaitForABusyClinic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	schemas := []string{"busy-a", "busy-b", "busy-c"}
	ms := store.EmbeddedMigrations()
	next := ms.Tenant[len(ms.Tenant)-1].Version + 1
	ms.Tenant = append(ms.Tenant, migrations.Migration{Version: next, Name: fmt.Sprintf("%04d_test_column.sql", next),
		SQL: `ALTER TABLE patients ADD COLUMN referral_source text NOT NULL DEFAULT ''`})
	db, owner := batchFixture(t, schemas, ms)
	tvs, err := db.TenantVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	busy, err := owner.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Rollback(ctx) //nolint:errcheck
	if _, err := busy.Exec(ctx, `select count(*) from "busy-b".patients`); err != nil {
		t.Fatal(err)
	}
	out := make(chan []store.TenantMigrationResult, 1)
	go func() { out <- db.MigrateTenants(ctx, tvs, 1, nil) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		v := versionsOf(t, db)
		if v["busy-a"] == next && v["busy-c"] == next {
			if v["busy-b"] == next {
				t.Fatal("busy-b was migrated while its table was in use")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the other clinics waited for busy-b: versions %v", v)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := busy.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	for _, r := range <-out {
		if r.Err != nil || r.Applied != 1 {
			t.Errorf("%s: applied=%d err=%v", r.Schema, r.Applied, r.Err)
		}
	}
}
