package storetest_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"consultorio/store"
	"consultorio/store/storetest"
)

// A test database starts with TemplateSpares spares, each with a role of
// that database (as TopUpSpares names it there) holding exactly the
// privileges the role of a spare built in it holds; no other role keeps a
// privilege on them. The template's roles are cluster-wide: a clone whose
// spares kept them would rename them away from every other clone when a
// clinic claims one.
func TestClonedSparesHaveRolesOfTheirOwn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storetest.NewDB(t)
	owner := storetest.Owner(t, db)
	type spare struct{ schema, role string }
	spares := func() []spare {
		t.Helper()
		rows, err := owner.Query(ctx, `select schema_name, role_name from public.spare_schemas order by created_at, schema_name`)
		if err != nil {
			t.Fatal(err)
		}
		list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (spare, error) {
			var s spare
			return s, r.Scan(&s.schema, &s.role)
		})
		if err != nil {
			t.Fatal(err)
		}
		return list
	}
	cloned := spares()
	if len(cloned) != storetest.TemplateSpares {
		t.Fatalf("a test database starts with %d spares, want %d", len(cloned), storetest.TemplateSpares)
	}
	if _, err := db.TopUpSpares(ctx, storetest.TemplateSpares+1); err != nil {
		t.Fatal(err)
	}
	all := spares()
	built := slices.DeleteFunc(slices.Clone(all), func(s spare) bool { return slices.Contains(cloned, s) })
	if len(built) != 1 {
		t.Fatalf("built %d spares, want 1", len(built))
	}
	var dbname string
	if err := owner.QueryRow(ctx, `select current_database()`).Scan(&dbname); err != nil {
		t.Fatal(err)
	}
	// Each grantee's privileges on the spare's schema and relations, the
	// spare's own name replaced, so two spares can be compared.
	privileges := func(s spare) []string {
		t.Helper()
		rows, err := owner.Query(ctx, `
			select case when a.grantee = $2::regrole then 'ROLE' else pg_get_userbyid(a.grantee) end, 'schema', a.privilege_type
			from pg_namespace n, aclexplode(n.nspacl) a where n.nspname = $1 and a.grantee <> n.nspowner
			union all
			select case when a.grantee = $2::regrole then 'ROLE' else pg_get_userbyid(a.grantee) end, c.relname, a.privilege_type
			from pg_class c, aclexplode(c.relacl) a where c.relnamespace = $1::regnamespace and a.grantee <> c.relowner
			order by 1, 2, 3`, s.schema, s.role)
		if err != nil {
			t.Fatal(err)
		}
		list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (string, error) {
			var who, obj, priv string
			err := r.Scan(&who, &obj, &priv)
			return who + " " + obj + " " + priv, err
		})
		if err != nil {
			t.Fatal(err)
		}
		return list
	}
	want := privileges(built[0])
	if len(want) == 0 || !strings.HasPrefix(want[0], "ROLE ") {
		t.Fatalf("a built spare's role holds %v", want)
	}
	for _, s := range cloned {
		if s.role != store.RolePrefix(dbname)+s.schema {
			t.Errorf("spare %s has role %s, want %s", s.schema, s.role, store.RolePrefix(dbname)+s.schema)
		}
		if got := privileges(s); !slices.Equal(got, want) {
			t.Errorf("spare %s: privileges\n%v\nwant (as built here)\n%v", s.schema, got, want)
		}
	}
}
