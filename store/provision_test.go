package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"consultorio/store"
	"consultorio/store/storetest"
)

func TestValidateSchemaName(t *testing.T) {
	t.Parallel()
	refused := map[string][]any{
		"public":                     {store.ReasonSchemaReserved, "public"},
		"panel":                      {store.ReasonSchemaReserved, "panel"},
		"pg_x":                       {store.ReasonSchemaReserved, "pg_"},
		"a--b":                       {store.ReasonSchemaComment},
		"Upper":                      {store.ReasonSchemaStart},
		"1abc":                       {store.ReasonSchemaStart},
		strings.Repeat("a", 64):      {store.ReasonTooLong, 63},
		`x"; drop schema public; --`: {store.ReasonSchemaChars},
		"ab":                         {store.ReasonTooShort, 3},
		"information_schema":         {store.ReasonSchemaReserved, "information_schema"},
		"spare_0a1b2c":               {store.ReasonSchemaReserved, "spare_"},
		"archived_7":                 {store.ReasonSchemaReserved, "archived_"},
	}
	for name, why := range refused {
		err := store.ValidateSchemaName(name)
		var ve *store.ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("%q: want a validation error, got %v", name, err)
			continue
		}
		if got := ve.Fields["schema"]; got.Reason != why[0] || fmt.Sprint(got.Args) != fmt.Sprint(why[1:]) {
			t.Errorf("%q: reason %v, want %v", name, got, why)
		}
	}
	for _, ok := range []string{"consultorio-medico", "demo", "clinica_2", strings.Repeat("a", 63)} {
		if err := store.ValidateSchemaName(ok); err != nil {
			t.Errorf("%q: refused: %v", ok, err)
		}
	}
}

func TestCreateTenant(t *testing.T) {
	t.Parallel()
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
	if err := storetest.Owner(t, db).QueryRow(ctx, `select setup_code_hash from "consultorio-medico".users where email = 'ana@example.com'`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stored, p.SetupCode) || !store.CheckSetupCode(stored, p.SetupCode) {
		t.Fatalf("stored setup code hash %q does not check against the code", stored)
	}
}

// A failure at any step of provisioning leaves no tenant row, schema, role
// or domain behind; on the spare path it also leaves the claimed spare in
// the pool, untouched.
func TestCreateTenantIsAtomic(t *testing.T) {
	t.Parallel()
	for _, withSpare := range []bool{false, true} {
		t.Run(map[bool]string{false: "built", true: "spare"}[withSpare], func(t *testing.T) {
			db := storetest.NewDB(t)
			storetest.EmptySparePool(t, db) // built: no spare; spare: exactly one
			ctx := context.Background()
			var spare string
			if withSpare {
				if _, err := db.TopUpSpares(ctx, 1); err != nil {
					t.Fatal(err)
				}
				spare = onlySpare(t, db)
			}
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
				if withSpare {
					// The claim rolled back: the same spare, schema, role
					// and version row, ready again.
					if got := onlySpare(t, db); got != spare {
						t.Fatalf("step %s: pool holds %q, want %q", step, got, spare)
					}
					checkSpareIntact(t, db, spare)
				}
			}
			// And then it works, from the spare when there is one.
			p, err := db.CreateTenant(ctx, store.CLI, store.NewTenant{Schema: "atomic", Name: "Atomic", AdminEmail: "a@atomic.test"})
			if err != nil {
				t.Fatal(err)
			}
			if p.FromSpare != withSpare {
				t.Fatalf("FromSpare = %v, want %v", p.FromSpare, withSpare)
			}
			if withSpare {
				if n, err := db.SpareCount(ctx); err != nil || n != 0 {
					t.Fatalf("spares left after the claim: %d (%v)", n, err)
				}
				var left int
				if err := db.Pool().QueryRow(ctx, `select (select count(*) from pg_namespace where nspname = $1) +
					(select count(*) from public.schema_versions where schema_name = $1)`, spare).Scan(&left); err != nil || left != 0 {
					t.Fatalf("the claimed spare's name is still in use (%d, %v)", left, err)
				}
			}
		})
	}
}

// onlySpare returns the name of the one spare in the pool.
func onlySpare(t *testing.T, db *store.DB) string {
	t.Helper()
	var name string
	if err := db.Pool().QueryRow(context.Background(), `select schema_name from public.spare_schemas`).Scan(&name); err != nil {
		t.Fatalf("the pool does not hold exactly one spare: %v", err)
	}
	return name
}

// checkSpareIntact checks a spare's schema, role and version row exist under
// its own names, at the latest version.
func checkSpareIntact(t *testing.T, db *store.DB, spare string) {
	t.Helper()
	var schemas, roles, version int
	err := db.Pool().QueryRow(context.Background(), `select
		(select count(*) from pg_namespace where nspname = $1),
		(select count(*) from pg_roles r join public.spare_schemas s on s.role_name = r.rolname where s.schema_name = $1),
		(select version from public.schema_versions where schema_name = $1)`, spare).Scan(&schemas, &roles, &version)
	if err != nil {
		t.Fatalf("spare %s: %v", spare, err)
	}
	if schemas != 1 || roles != 1 || version != db.LatestTenantVersion() {
		t.Fatalf("spare %s: %d schema, %d role, version %d", spare, schemas, roles, version)
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
