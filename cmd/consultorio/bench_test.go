package main

import (
	"context"
	"strings"
	"testing"

	"consultorio/store/storetest"
)

func TestBenchCommands(t *testing.T) {
	c := newCLI(t)
	out := c.ok("bench", "provision", "--count", "3")
	if !strings.Contains(out, "provisioned 3 clinics") || !strings.Contains(out, "per clinic: median") {
		t.Fatalf("provision:\n%s", out)
	}
	out = c.ok("bench", "migrate", "--repeat", "2", "--jobs", "2")
	if !strings.Contains(out, "3 clinics\n") || !strings.Contains(out, "no-op migrate") ||
		!strings.Contains(out, "tenants: 3 schemas, 3 migrated, 0 up to date, 0 failed (latest version 2") {
		t.Fatalf("migrate:\n%s", out)
	}
	if out := c.ok("bench", "clean"); !strings.Contains(out, "dropped 3 bench clinics") {
		t.Fatalf("clean:\n%s", out)
	}
	var n int
	if err := c.db().Pool().QueryRow(context.Background(), `select (select count(*) from public.tenants) +
		(select count(*) from pg_namespace where nspname like 'bench-%') +
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
