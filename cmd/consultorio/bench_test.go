package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"consultorio/store/storetest"
)

func TestBenchCommands(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	out := c.ok("bench", "provision", "--count", "3", "--jobs", "2")
	if !strings.Contains(out, "provisioned 3 clinics") || !strings.Contains(out, "--jobs 2") || !strings.Contains(out, "per clinic: median") {
		t.Fatalf("provision:\n%s", out)
	}
	out = c.ok("bench", "catalog", "--touch", "3")
	for _, want := range []string{"3 clinics, 0 spare schemas", "database size", "per clinic)", "pg_class rows",
		"backend private memory: new", "after 3 clinics", "per further clinic"} {
		if !strings.Contains(out, want) {
			t.Fatalf("catalog: no %q in\n%s", want, out)
		}
	}
	// No-op only: the database stays at the embedded version.
	out = c.ok("bench", "migrate", "--repeat", "2", "--statement", "")
	if !strings.Contains(out, "no-op migrate") || strings.Contains(out, "one-statement migration") {
		t.Fatalf("migrate --statement '':\n%s", out)
	}
	if out := c.ok("migrate", "--json", "--spares", "0"); !strings.Contains(out, fmt.Sprintf(`"latest_version": %d`, latestTenantVersion())) ||
		!strings.Contains(out, `"migrated": []`) {
		t.Fatalf("migrate after a no-op-only bench:\n%s", out)
	}
	out = c.ok("bench", "migrate", "--repeat", "2", "--jobs", "2")
	if !strings.Contains(out, "3 clinics\n") || !strings.Contains(out, "no-op migrate") ||
		!strings.Contains(out, fmt.Sprintf("tenants: 3 schemas, 3 migrated, 0 up to date, 0 failed (latest version %d", latestTenantVersion()+1)) {
		t.Fatalf("migrate:\n%s", out)
	}
	if out := c.ok("bench", "clean"); !strings.Contains(out, "dropped 3 bench clinics") {
		t.Fatalf("clean:\n%s", out)
	}
	// With a pool: every creation takes a spare; clean drops the pool too.
	out = c.ok("bench", "provision", "--count", "2", "--spares", "2")
	if !strings.Contains(out, "provisioned 2 clinics") || !strings.Contains(out, "from a spare: 2 of 2 (pool of 2") ||
		!strings.Contains(out, "pool top-ups (the first one builds 2): median") {
		t.Fatalf("provision --spares 2:\n%s", out)
	}
	if out := c.ok("bench", "clean"); !strings.Contains(out, "dropped 4 bench clinics and spare schemas") {
		t.Fatalf("clean with spares:\n%s", out)
	}
	var n int
	if err := c.db().Pool().QueryRow(context.Background(), `select (select count(*) from public.tenants) +
		(select count(*) from pg_namespace where nspname like 'bench-%' or nspname like 'spare\_%') +
		(select count(*) from public.spare_schemas) + (select count(*) from public.schema_versions where schema_name <> 'public') +
		(select count(*) from pg_roles where rolname like 'ct' || left(encode(sha256(current_database()::bytea), 'hex'), 6) || '_spare\_%') +
		(select count(*) from pg_roles where rolname like 'ct' || left(encode(sha256(current_database()::bytea), 'hex'), 6) || '_bench-%')`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("clean left %d objects", n)
	}
	// Never on a database with real clinics.
	storetest.NewTenant(t, c.db(), "clinica-real")
	c.fails(1, `holds clinic "clinica-real"`, "bench", "provision", "--count", "1")
}
