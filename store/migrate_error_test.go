package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"consultorio/migrations"
	"consultorio/store"
)

// A schema that fails to migrate says which migration failed as data
// (store.MigrationError), the one whose statement PostgreSQL refused among
// several pending, with PostgreSQL's error inside it for the log: the
// doors word the failure from the version, never from the text.
func TestMigrationErrorNamesTheFailingMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ms := store.EmbeddedMigrations()
	first := ms.Tenant[len(ms.Tenant)-1].Version + 1
	for i, sql := range []string{
		`CREATE TABLE extra_one (id bigint)`,
		`CREATE TABLE extra_two (id bigint)`,
		`CREATE TABLE extra_three (id bigint)`,
	} {
		v := first + i
		ms.Tenant = append(ms.Tenant, migrations.Migration{Version: v, Name: fmt.Sprintf("%04d_test_extra_%d.sql", v, i), SQL: sql})
	}
	// err-b fails at the second of its three pending migrations, err-c at
	// the first; err-a applies all three.
	db, owner := batchFixture(t, []string{"err-a", "err-b", "err-c"}, ms)
	for _, sql := range []string{`create table "err-b".extra_two (x int)`, `create table "err-c".extra_one (x int)`} {
		if _, err := owner.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	tvs, err := db.TenantVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"err-a": 0, "err-b": first + 1, "err-c": first}
	for _, r := range db.MigrateTenants(ctx, tvs, 1, nil) {
		var me *store.MigrationError
		var pe *pgconn.PgError
		switch w := want[r.Schema]; {
		case w == 0:
			if r.Err != nil || r.Applied != 3 {
				t.Errorf("%s: applied %d, err %v; want 3 applied", r.Schema, r.Applied, r.Err)
			}
		case !errors.As(r.Err, &me):
			t.Errorf("%s: err %v (%T), want a *store.MigrationError", r.Schema, r.Err, r.Err)
		case me.Version != w || me.Name != ms.Tenant[len(ms.Tenant)-3+w-first].Name:
			t.Errorf("%s: failed migration %d %q, want %d", r.Schema, me.Version, me.Name, w)
		case !errors.As(r.Err, &pe) || pe.Code != "42P07": // duplicate_table
			t.Errorf("%s: PostgreSQL's error is not inside for the log: %v", r.Schema, r.Err)
		}
	}
}
