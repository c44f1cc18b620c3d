package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"consultorio/store"
	"consultorio/store/storetest"
)

func TestValidateSchemaName(t *testing.T) {
	refused := map[string]string{
		"public":                     "reserved",
		"panel":                      "reserved",
		"pg_x":                       "pg_",
		"a--b":                       "--",
		"Upper":                      "lowercase",
		"1abc":                       "start with a lowercase letter",
		strings.Repeat("a", 64):      "63 bytes",
		`x"; drop schema public; --`: "may only contain",
		"ab":                         "at least 3",
		"information_schema":         "reserved",
	}
	for name, why := range refused {
		err := store.ValidateSchemaName(name)
		var ve *store.ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("%q: want a validation error, got %v", name, err)
			continue
		}
		if !strings.Contains(ve.Fields["schema"], why) {
			t.Errorf("%q: reason %q does not say %q", name, ve.Fields["schema"], why)
		}
	}
	for _, ok := range []string{"consultorio-medico", "demo", "clinica_2", strings.Repeat("a", 63)} {
		if err := store.ValidateSchemaName(ok); err != nil {
			t.Errorf("%q: refused: %v", ok, err)
		}
	}
}

func TestCreateTenant(t *testing.T) {
	db := storetest.NewDB(t)
	ctx := context.Background()
	p, err := db.CreateTenant(ctx, store.CLI, store.NewTenant{
		Schema: "consultorio-medico", Name: "Consultorio Médico", AdminEmail: "Ana@Example.com",
		Domains: []string{"consultorio-medico.example.com"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if p.SetupCode == "" || p.Tenant.Status != "active" || p.Tenant.SpecialistsLimit != 4 {
		t.Fatalf("unexpected result: %+v", p)
	}
	if got := p.Tenant.Domains; len(got) != 1 || got[0] != "consultorio-medico.example.com" {
		t.Fatalf("domains: %v", got)
	}
	// Routing by schema, domain and first label.
	for _, name := range []string{"consultorio-medico", "consultorio-medico.example.com", "CONSULTORIO-MEDICO.example.com"} {
		tn, err := db.ResolveTenant(ctx, name)
		if err != nil || tn.Info.ID != p.Tenant.ID {
			t.Errorf("resolve %q: %v", name, err)
		}
	}
	if _, err := db.ResolveTenant(ctx, "nope"); !errors.Is(err, store.ErrNoSuchTenant) {
		t.Errorf("unknown name: %v", err)
	}
	// The same schema twice is a conflict, and changes nothing.
	_, err = db.CreateTenant(ctx, store.CLI, store.NewTenant{Schema: "consultorio-medico", Name: "x", AdminEmail: "b@example.com"})
	var ce *store.ConflictError
	if !errors.As(err, &ce) || ce.Field != "schema" {
		t.Fatalf("duplicate schema: %v", err)
	}
	// Only the hash of the setup code is stored.
	var stored string
	if err := db.Pool().QueryRow(ctx, `select setup_code_hash from "consultorio-medico".users where email = 'ana@example.com'`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stored, p.SetupCode) || !store.CheckSetupCode(stored, p.SetupCode) {
		t.Fatalf("stored setup code hash %q does not check against the code", stored)
	}
}

// A failure at any step of provisioning leaves no tenant row, schema, role
// or domain behind.
func TestCreateTenantIsAtomic(t *testing.T) {
	db := storetest.NewDB(t)
	ctx := context.Background()
	for _, step := range []string{"tenant", "schema", "tables", "admin", "domains"} {
		boom := errors.New("injected failure")
		_, err := store.CreateTenantWithHook(ctx, db, store.NewTenant{
			Schema: "atomic", Name: "Atomic", AdminEmail: "a@atomic.test", Domains: []string{"atomic.test"},
		}, func(s string) error {
			if s == step {
				return boom
			}
			return nil
		})
		if !errors.Is(err, boom) {
			t.Fatalf("step %s: want the injected error, got %v", step, err)
		}
		var n int
		err = db.Pool().QueryRow(ctx, `select
			(select count(*) from public.tenants) + (select count(*) from public.domains) +
			(select count(*) from pg_namespace where nspname = 'atomic') +
			(select count(*) from pg_roles where rolname = $1) +
			(select count(*) from public.schema_versions where schema_name = 'atomic') +
			(select count(*) from public.operator_audit)`, store.RolePrefix(dbName(t, db))+"atomic").Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("failure after step %s left %d objects behind", step, n)
		}
	}
	// And then it works.
	if _, err := db.CreateTenant(ctx, store.CLI, store.NewTenant{Schema: "atomic", Name: "Atomic", AdminEmail: "a@atomic.test"}); err != nil {
		t.Fatal(err)
	}
}

func dbName(t *testing.T, db *store.DB) string {
	t.Helper()
	var name string
	if err := db.Pool().QueryRow(context.Background(), "select current_database()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	return name
}
