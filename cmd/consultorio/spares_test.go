package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"consultorio/store"
	"consultorio/store/storetest"
)

func spareCount(t *testing.T, db *store.DB) int {
	t.Helper()
	n, err := db.SpareCount(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// `tenants create` refills the pool it takes from: the first creation builds
// its schema and fills the pool, the next one takes a spare.
func TestTenantsCreateTopsUpSpares(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	storetest.EmptySparePoolAt(t, c.url) // the pool counted from zero
	db := c.db()
	c.fails(2, `--spares: "-1" is not a whole number of at least 0`, "tenants", "create", "clinic-x", "--name", "X", "--admin-email", "a@x.test", "--spares", "-1")
	c.ok("tenants", "create", "clinic-a", "--name", "A", "--admin-email", "a@a.test", "--spares", "0")
	if n := spareCount(t, db); n != 0 {
		t.Fatalf("--spares 0 built %d spares", n)
	}
	c.ok("tenants", "create", "clinic-b", "--name", "B", "--admin-email", "b@b.test")
	if n := spareCount(t, db); n != store.DefaultSpares {
		t.Fatalf("pool of %d after a creation, want %d", n, store.DefaultSpares)
	}
	var spares []string
	rows, err := db.Pool().Query(context.Background(), `select schema_name from public.spare_schemas order by created_at, schema_name`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		spares = append(spares, s)
	}
	out := c.ok("tenants", "create", "clinic-c", "--name", "C", "--admin-email", "c@c.test", "--json")
	if !strings.Contains(out, `"setup_code"`) || strings.Contains(out, "spare") {
		t.Fatalf("json output:\n%s", out)
	}
	// clinic-c took the oldest spare, and the pool is full again.
	var taken int
	if err := db.Pool().QueryRow(context.Background(), `select count(*) from pg_namespace where nspname = $1`, spares[0]).Scan(&taken); err != nil || taken != 0 {
		t.Fatalf("the oldest spare %s is still there (%d, %v)", spares[0], taken, err)
	}
	if n := spareCount(t, db); n != store.DefaultSpares {
		t.Fatalf("pool of %d after the second creation, want %d", n, store.DefaultSpares)
	}
}

// `migrate` migrates the spares with the tenants, reports them apart, and
// tops the pool up.
func TestMigrateMigratesAndTopsUpSpares(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	old := c.db()
	for _, s := range []string{"clinic-a", "clinic-b"} {
		storetest.NewTenant(t, old, s)
	}
	out := c.ok("migrate", "--spares", "0")
	if !strings.Contains(out, "tenants: 2 schemas, 0 migrated, 2 up to date") || !strings.Contains(out, "spare schemas: 0 ready (0 migrated, 0 built, 0 failed)") {
		t.Fatalf("--spares 0:\n%s", out)
	}
	// In Spanish, the same.
	c.vars["LANG"] = "es_ES.UTF-8"
	out = c.ok("migrate")
	if !strings.Contains(out, "clínicas: 2 esquemas, 0 migrados, 2 al día") || !strings.Contains(out, "esquemas de reserva: 2 listos (0 migrados, 2 creados, 0 fallidos)") {
		t.Fatalf("first top-up (es):\n%s", out)
	}
	c.fails(2, "migrate: --spares no puede ser negativo", "migrate", "--spares", "-2")

	// A new release's tenant migration reaches the spares too.
	// (Spanish: one built, singular.)
	c.opts = store.Options{Migrations: extraMigration()}
	out = c.ok("migrate", "--spares", "3")
	next := latestTenantVersion() + 1
	if !strings.Contains(out, fmt.Sprintf("clínicas: 2 esquemas, 2 migrados, 0 al día, 0 fallidos (última versión %d,", next)) ||
		!strings.Contains(out, "esquemas de reserva: 3 listos (2 migrados, 1 creado, 0 fallidos)") {
		t.Fatalf("migration with spares (es):\n%s", out)
	}
	c.vars["LANG"] = ""
	db := c.db()
	tvs, err := db.TenantVersions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(tvs) != 5 {
		t.Fatalf("%d schemas, want 2 clinics and 3 spares", len(tvs))
	}
	for _, tv := range tvs {
		if tv.Version != next {
			t.Errorf("%s (spare %v) at version %d, want %d", tv.Schema, tv.Spare, tv.Version, next)
		}
	}
	sum := decodeJSON[struct {
		Spares *sparesSummary `json:"spares"`
	}](t, c.ok("migrate", "--json", "--spares", "3"))
	if s := sum.Spares; s == nil || s.Total != 3 || s.Ready != 3 || s.Migrated != 0 || s.Built != 0 || len(s.Failed) != 0 {
		t.Fatalf("json spares: %+v", sum.Spares)
	}
	// --schema migrates that one schema and leaves the pool alone.
	if out := c.ok("migrate", "--schema", "clinic-a"); strings.Contains(out, "spare schemas") {
		t.Fatalf("--schema touched the pool:\n%s", out)
	}
}
