package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"consultorio/migrations"
	"consultorio/store"
	"consultorio/store/storetest"
)

type migrateJSON struct {
	Public *struct {
		Applied int `json:"applied"`
		Version int `json:"version"`
	} `json:"public"`
	Tenants *struct {
		LatestVersion int      `json:"latest_version"`
		Total         int      `json:"total"`
		Migrated      []string `json:"migrated"`
		UpToDate      int      `json:"up_to_date"`
		Failed        []struct {
			Schema string `json:"schema"`
			Error  string `json:"error"`
		} `json:"failed"`
	} `json:"tenants"`
}

func TestMigrateIsIdempotent(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	db := c.db()
	for _, s := range []string{"clinic-a", "clinic-b", "clinic-c"} {
		storetest.NewTenant(t, db, s)
	}
	// The summary in the operator's language, numbers and plurals read as
	// each language does; --json is the same English in both.
	for _, tc := range []struct{ lang, shared, tenants string }{
		{"C", "shared schema: up to date (version %d)", "tenants: 3 schemas, 0 migrated, 3 up to date, 0 failed (latest version %d,"},
		{"es_PE.UTF-8", "esquema compartido: al día (versión %d)", "clínicas: 3 esquemas, 0 migrados, 3 al día, 0 fallidos (última versión %d,"},
	} {
		c.vars["LANG"] = tc.lang
		out := c.ok("migrate")
		if !strings.Contains(out, fmt.Sprintf(tc.shared, db.LatestPublicVersion())) ||
			!strings.Contains(out, fmt.Sprintf(tc.tenants, latestTenantVersion())) {
			t.Fatalf("LANG=%s: unexpected summary:\n%s", tc.lang, out)
		}
		js := c.ok("migrate", "--json")
		sum := decodeJSON[migrateJSON](t, js)
		if sum.Public == nil || sum.Public.Applied != 0 || sum.Tenants == nil || sum.Tenants.Total != 3 ||
			sum.Tenants.UpToDate != 3 || len(sum.Tenants.Migrated) != 0 || len(sum.Tenants.Failed) != 0 {
			t.Fatalf("LANG=%s: json summary: %+v", tc.lang, sum)
		}
		for _, key := range []string{`"public"`, `"applied"`, `"tenants"`, `"latest_version"`, `"up_to_date"`, `"migrated"`, `"failed"`, `"spares"`, `"ready"`} {
			if !strings.Contains(js, key) {
				t.Errorf("LANG=%s: migrate --json lacks the key %s:\n%s", tc.lang, key, js)
			}
		}
	}
	c.vars["LANG"] = ""
	// --shared alone does not look at tenants; --tenants alone not at public.
	if out := c.ok("migrate", "--shared"); strings.Contains(out, "tenants:") {
		t.Fatalf("--shared touched tenants:\n%s", out)
	}
	if out := c.ok("migrate", "--tenants"); strings.Contains(out, "shared schema") {
		t.Fatalf("--tenants touched the shared schema:\n%s", out)
	}
	c.fails(1, "Not found: clinic nope.", "migrate", "--schema", "nope")
}

// latestTenantVersion is the version of the newest embedded tenant migration.
func latestTenantVersion() int {
	ms := store.EmbeddedMigrations()
	return ms.Tenant[len(ms.Tenant)-1].Version
}

// extraMigration is a new release's tenant migration, for the tests.
func extraMigration() store.Migrations {
	ms := store.EmbeddedMigrations()
	next := ms.Tenant[len(ms.Tenant)-1].Version + 1
	ms.Tenant = append(ms.Tenant, migrations.Migration{
		Version: next, Name: fmt.Sprintf("%04d_test_referrals.sql", next),
		SQL: `CREATE TABLE referrals (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, source text NOT NULL);
		      ALTER TABLE patients ADD COLUMN referral_id bigint REFERENCES referrals(id);`,
	})
	return ms
}

func TestMigrateNewTenantMigrationWithJobs(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	old := c.db()
	schemas := []string{"clinic-a", "clinic-b", "clinic-c", "clinic-d", "clinic-e", "clinic-f"}
	for _, s := range schemas {
		storetest.NewTenant(t, old, s)
	}
	// clinic-d was altered by hand: the new migration cannot apply there.
	if _, err := c.owner().Exec(context.Background(), `alter table "clinic-d".patients add column referral_id text`); err != nil {
		t.Fatal(err)
	}

	c.opts = store.Options{Migrations: extraMigration()}
	r := c.run("migrate", "--jobs", "4")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (one tenant failed)\n%s%s", r.code, r.stdout, r.stderr)
	}
	next := latestTenantVersion() + 1
	if !strings.Contains(r.stdout, fmt.Sprintf("tenants: 6 schemas, 5 migrated, 0 up to date, 1 failed (latest version %d,", next)) ||
		!strings.Contains(r.stdout, fmt.Sprintf(`failed: clinic-d (version %d): migration %d: see the log, ref `, next-1, next)) {
		t.Fatalf("summary:\n%s", r.stdout)
	}
	if strings.TrimSpace(r.stderr) != "1 of 6 tenants failed to migrate" {
		t.Fatalf("stderr: %q", r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, "\r") {
		t.Fatal("progress wrote carriage returns to a non-terminal")
	}
	db := c.db()
	tvs, err := db.TenantVersions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, tv := range tvs {
		want := next
		if tv.Schema == "clinic-d" {
			want = next - 1
		}
		if tv.Version != want {
			t.Errorf("%s at version %d, want %d", tv.Schema, tv.Version, want)
		}
	}

	// Repaired by hand, the next run migrates only it.
	if _, err := c.owner().Exec(context.Background(), `alter table "clinic-d".patients drop column referral_id`); err != nil {
		t.Fatal(err)
	}
	sum := decodeJSON[migrateJSON](t, c.ok("migrate", "--jobs", "4", "--json"))
	if got := sum.Tenants; got.UpToDate != 5 || len(got.Migrated) != 1 || got.Migrated[0] != "clinic-d" || len(got.Failed) != 0 {
		t.Fatalf("second run: %+v", got)
	}
	out := c.ok("migrate", "--schema", "clinic-a")
	if !strings.Contains(out, "tenants: 1 schema, 0 migrated, 1 up to date, 0 failed") || strings.Contains(out, "shared schema") {
		t.Fatalf("--schema run:\n%s", out)
	}
	// One schema in Spanish: singular where Spanish has it.
	c.vars["LANG"] = "es_ES.UTF-8"
	out = c.ok("migrate", "--schema", "clinic-a")
	if !strings.Contains(out, "clínicas: 1 esquema, 0 migrados, 1 al día, 0 fallidos") || strings.Contains(out, "esquema compartido") {
		t.Fatalf("--schema run (es):\n%s", out)
	}
}
