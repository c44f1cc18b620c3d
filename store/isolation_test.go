package store_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"consultorio/store"
	"consultorio/store/storetest"
)

// A raw query for another clinic's table, inside a tenant transaction, is
// refused by PostgreSQL itself: the tenant role has no rights on that schema.
func TestRawCrossTenantQueryIsDenied(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	a, _ := storetest.NewTenant(t, db, "clinic-a")
	storetest.NewTenant(t, db, "clinic-b")
	ctx := context.Background()
	for _, q := range []string{
		`select * from "clinic-b".patients`,
		`select * from "clinic-b".users`,
		`select * from public.tenants`,
		`select * from public.operators`,
	} {
		err := a.Exec(ctx, func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, q)
			if err != nil {
				return err
			}
			rows.Close()
			return rows.Err()
		})
		if err == nil || !strings.Contains(err.Error(), "permission denied") {
			t.Errorf("%s: want permission denied, got %v", q, err)
		}
	}
	// Its own tables work, unqualified.
	err := a.Exec(ctx, func(tx pgx.Tx) error {
		var n int
		return tx.QueryRow(ctx, "select count(*) from users").Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Interleaved work of two clinics on a pool of two connections: every
// transaction sees its own schema and role, never the other's, whichever
// connection it lands on and whatever ran there before.
func TestInterleavedTenantsOnSmallPool(t *testing.T) {
	t.Parallel()
	db := storetest.NewDBWith(t, store.Options{MaxConns: 2})
	a, _ := storetest.NewTenant(t, db, "clinic-a")
	b, _ := storetest.NewTenant(t, db, "clinic-b")
	ctx := context.Background()

	check := func(tn *store.Tenant) error {
		return tn.Exec(ctx, func(tx pgx.Tx) error {
			var path, role, email string
			if err := tx.QueryRow(ctx, "select current_setting('search_path'), current_user, (select email::text from users limit 1)").
				Scan(&path, &role, &email); err != nil {
				return err
			}
			if !strings.Contains(path, `"`+tn.Info.Schema+`"`) || role != tn.Info.Role || email != "admin@"+tn.Info.Schema+".test" {
				return fmt.Errorf("%s saw search_path=%s role=%s admin=%s", tn.Info.Schema, path, role, email)
			}
			return nil
		})
	}
	var wg sync.WaitGroup
	errs := make(chan error, 400)
	for i := range 200 {
		tn := a
		if i%2 == 1 {
			tn = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := check(tn); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Outside any tenant transaction, a pooled connection is back to the
	// session defaults: nothing leaked.
	var path, role string
	if err := db.Pool().QueryRow(ctx, "select current_setting('search_path'), current_user").Scan(&path, &role); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(path, "clinic") || role == a.Info.Role || role == b.Info.Role {
		t.Fatalf("pool connection leaked tenant state: search_path=%s role=%s", path, role)
	}
}

// isDenied tells whether err is PostgreSQL's insufficient_privilege.
func isDenied(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "42501"
}

// runAll runs the statements in order in one transaction and returns the
// first error.
func runAll(ctx context.Context, tx pgx.Tx, stmts ...string) error {
	for _, q := range stmts {
		rows, err := tx.Query(ctx, q)
		if err != nil {
			return err
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// A clinic's connection is that clinic's login role: inside its
// transaction, RESET ROLE, SET ROLE and SET SESSION AUTHORIZATION cannot
// turn it into another clinic (or the owner, or the runtime role), so
// another clinic's tables stay out of reach whatever the statement. The
// runtime role of shared data reaches no clinic at all.
func TestClinicConnectionCannotBecomeAnotherClinic(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	a, _ := storetest.NewTenant(t, db, "clinic-a")
	b, _ := storetest.NewTenant(t, db, "clinic-b")
	ctx := context.Background()
	var owner string
	if err := storetest.Owner(t, db).QueryRow(ctx, `select datdba::regrole::text from pg_database
		where datname = current_database()`).Scan(&owner); err != nil {
		t.Fatal(err)
	}
	var runtime string
	if err := db.Pool().QueryRow(ctx, "select session_user").Scan(&runtime); err != nil {
		t.Fatal(err)
	}
	readB := `select count(*) from "clinic-b".patients`
	bRole := pgx.Identifier{b.Info.Role}.Sanitize()
	attempts := [][]string{
		{readB},
		{"RESET ROLE", readB},
		{"SET ROLE NONE", readB},
		{"SET LOCAL ROLE " + bRole, readB},
		{"SET ROLE " + bRole, readB},
		{"select set_config('role', '" + b.Info.Role + "', false)", readB},
		{"SET SESSION AUTHORIZATION " + bRole, readB},
		{"SET ROLE " + pgx.Identifier{owner}.Sanitize(), readB},
		{"SET ROLE " + pgx.Identifier{runtime}.Sanitize(), "select count(*) from public.operators"},
		{"RESET ROLE", `select count(*) from public.tenants`},
		{"RESET SESSION AUTHORIZATION", readB},
	}
	for _, stmts := range attempts {
		err := a.Exec(ctx, func(tx pgx.Tx) error { return runAll(ctx, tx, stmts...) })
		if !isDenied(err) {
			t.Errorf("as clinic-a, %q: want permission denied, got %v", stmts, err)
		}
	}
	// The runtime role of shared data: no clinic schema, no clinic role.
	for _, stmts := range [][]string{
		{`select count(*) from "clinic-a".users`},
		{"SET ROLE " + pgx.Identifier{a.Info.Role}.Sanitize(), `select count(*) from "clinic-a".users`},
		{"RESET ROLE", `select count(*) from "clinic-b".patients`},
		{`select count(*) from public.role_secret`},
	} {
		err := pgx.BeginFunc(ctx, db.Pool(), func(tx pgx.Tx) error { return runAll(ctx, tx, stmts...) })
		if !isDenied(err) {
			t.Errorf("as the runtime role, %q: want permission denied, got %v", stmts, err)
		}
	}
	// The attempts broke nothing: clinic-a still works on its own tables.
	if err := a.Exec(ctx, func(tx pgx.Tx) error { return runAll(ctx, tx, "select count(*) from users") }); err != nil {
		t.Fatal(err)
	}
}

// Nothing that runs at runtime can run a program or read the server's
// files: COPY … PROGRAM, COPY from a file, pg_read_file and lo_import all
// need superuser or the pg_*_server_* roles.
func TestServerProgramsAndFilesAreRefusedAtRuntime(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	a, _ := storetest.NewTenant(t, db, "clinic-a")
	ctx := context.Background()
	for _, q := range []string{
		`COPY patients FROM PROGRAM 'id'`,
		`COPY (select 1) TO PROGRAM 'cat > /dev/null'`,
		`COPY patients FROM '/etc/passwd'`,
		`COPY (select 1) TO '/tmp/consultorio-copy-test'`,
		`select pg_read_file('/etc/passwd')`,
		`select lo_import('/etc/passwd')`,
	} {
		err := a.Exec(ctx, func(tx pgx.Tx) error { return runAll(ctx, tx, "RESET ROLE", q) })
		if !isDenied(err) {
			t.Errorf("as clinic-a, %s: want permission denied, got %v", q, err)
		}
	}
	for _, q := range []string{
		`COPY public.operators FROM PROGRAM 'id'`,
		`COPY (select 1) TO PROGRAM 'cat > /dev/null'`,
		`select pg_read_file('/etc/passwd')`,
	} {
		err := pgx.BeginFunc(ctx, db.Pool(), func(tx pgx.Tx) error { return runAll(ctx, tx, "RESET ROLE", q) })
		if !isDenied(err) {
			t.Errorf("as the runtime role, %s: want permission denied, got %v", q, err)
		}
	}
}

// The roles the runtime really connects as (asked of the connections
// themselves), and every clinic role of the database: none is superuser or
// may create roles or databases, none is a member of any role, each reaches
// at most one clinic schema (a clinic role its own, the runtime role none).
func TestRuntimeRolesReachAtMostOneClinic(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	ctx := context.Background()
	var tenants []*store.Tenant
	for _, s := range []string{"clinic-a", "clinic-b", "clinic-c"} {
		tn, _ := storetest.NewTenant(t, db, s)
		tenants = append(tenants, tn)
	}
	if _, err := db.TopUpSpares(ctx, 1); err != nil {
		t.Fatal(err)
	}
	owner := storetest.Owner(t, db)
	type used struct{ role, schema string } // schema "" for the runtime role
	var roles []used
	var runtime string
	if err := db.Pool().QueryRow(ctx, "select session_user").Scan(&runtime); err != nil {
		t.Fatal(err)
	}
	roles = append(roles, used{runtime, ""})
	for _, tn := range tenants {
		var r string
		if err := tn.Exec(ctx, func(tx pgx.Tx) error { return tx.QueryRow(ctx, "select session_user").Scan(&r) }); err != nil {
			t.Fatal(err)
		}
		if r != tn.Info.Role {
			t.Errorf("clinic %s connects as %s, want its role %s", tn.Info.Schema, r, tn.Info.Role)
		}
		roles = append(roles, used{r, tn.Info.Schema})
	}
	// Every clinic role of the database, also of clinics not used above.
	rows, err := owner.Query(ctx, `select role_name, schema_name from public.tenants
		union all select role_name, schema_name from public.spare_schemas`)
	if err != nil {
		t.Fatal(err)
	}
	all, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (used, error) {
		var u used
		return u, r.Scan(&u.role, &u.schema)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 4 {
		t.Fatalf("want 3 clinics and a spare, found %v", all)
	}
	for _, u := range append(roles, all...) {
		var super, createRole, createDB, replication, bypass bool
		var memberOf int
		var reach []string
		err := owner.QueryRow(ctx, `select r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolreplication, r.rolbypassrls,
				(select count(*) from pg_auth_members m where m.member = r.oid),
				array(select s from (select schema_name from public.tenants union all select schema_name from public.spare_schemas) x(s)
					where exists(select 1 from pg_namespace where nspname = s)
					  and has_schema_privilege(r.oid, s, 'USAGE') order by 1)
			from pg_roles r where r.rolname = $1`, u.role).
			Scan(&super, &createRole, &createDB, &replication, &bypass, &memberOf, &reach)
		if err != nil {
			t.Fatalf("role %s: %v", u.role, err)
		}
		if super || createRole || createDB || replication || bypass {
			t.Errorf("role %s: superuser=%v createrole=%v createdb=%v replication=%v bypassrls=%v",
				u.role, super, createRole, createDB, replication, bypass)
		}
		if memberOf != 0 {
			t.Errorf("role %s is a member of %d roles", u.role, memberOf)
		}
		want := []string{}
		if u.schema != "" {
			want = []string{u.schema}
		}
		if fmt.Sprint(reach) != fmt.Sprint(want) {
			t.Errorf("role %s reaches clinic schemas %v, want %v", u.role, reach, want)
		}
	}
}

// Many clinics working at once never hold more connections than the bound:
// counted by PostgreSQL itself (pg_stat_activity), while every transaction
// still lands on its own clinic.
func TestClinicConnectionsStayUnderTheCap(t *testing.T) {
	t.Parallel()
	const clinicConns, perClinic = 4, 2
	db := storetest.NewDBWith(t, store.Options{ClinicConns: clinicConns, ConnsPerClinic: perClinic})
	ctx := context.Background()
	var tenants []*store.Tenant
	for i := range 10 {
		tn, _ := storetest.NewTenant(t, db, fmt.Sprintf("clinic-%02d", i))
		tenants = append(tenants, tn)
	}
	roles := make([]string, len(tenants))
	for i, tn := range tenants {
		roles[i] = tn.Info.Role
	}
	owner := storetest.Owner(t, db)
	var peak, samples atomic.Int64
	stop := make(chan struct{})
	sampled := make(chan error, 1)
	go func() {
		var err error
		defer func() { sampled <- err }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			var n int64
			if err = owner.QueryRow(ctx, `select count(*) from pg_stat_activity
				where datname = current_database() and usename = any($1)`, roles).Scan(&n); err != nil {
				return
			}
			samples.Add(1)
			if n > peak.Load() {
				peak.Store(n)
			}
			time.Sleep(time.Millisecond)
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for w := range 16 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 7))
			for range 15 {
				tn := tenants[r.IntN(len(tenants))]
				err := tn.Exec(ctx, func(tx pgx.Tx) error {
					var who, email string
					if err := tx.QueryRow(ctx, `select session_user, (select email::text from users limit 1), pg_sleep(0.002)`).
						Scan(&who, &email, nil); err != nil {
						return err
					}
					if who != tn.Info.Role || email != "admin@"+tn.Info.Schema+".test" {
						return fmt.Errorf("%s ran as %s and saw %s", tn.Info.Schema, who, email)
					}
					return nil
				})
				if err != nil {
					errs <- err
					return
				}
				if n := db.OpenClinicPools(); n > clinicConns/perClinic {
					errs <- fmt.Errorf("%d clinic pools open, bound %d", n, clinicConns/perClinic)
					return
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	if err := <-sampled; err != nil {
		t.Fatal(err)
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if samples.Load() == 0 || peak.Load() == 0 {
		t.Fatalf("the sampler saw nothing (%d samples, peak %d)", samples.Load(), peak.Load())
	}
	if p := peak.Load(); p > clinicConns {
		t.Fatalf("peak %d clinic connections, cap %d", p, clinicConns)
	}
}

// A clinic's pool is kept between transactions: 60 transactions of one
// clinic (sequential and concurrent) run on at most ConnsPerClinic
// backends, so a booking never opens a connection of its own.
func TestClinicPoolReusesConnections(t *testing.T) {
	t.Parallel()
	db := storetest.NewDBWith(t, store.Options{ConnsPerClinic: 2})
	a, _ := storetest.NewTenant(t, db, "clinic-a")
	ctx := context.Background()
	var mu sync.Mutex
	pids := map[int32]bool{}
	run := func() error {
		return a.Exec(ctx, func(tx pgx.Tx) error {
			var pid int32
			if err := tx.QueryRow(ctx, "select pg_backend_pid()").Scan(&pid); err != nil {
				return err
			}
			mu.Lock()
			pids[pid] = true
			mu.Unlock()
			return nil
		})
	}
	for range 30 {
		if err := run(); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for range 30 {
		wg.Go(func() {
			if err := run(); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if len(pids) == 0 || len(pids) > 2 {
		t.Fatalf("60 transactions used %d backends, want 1 or 2", len(pids))
	}
}

// Moving the business clock (the demo loader dates what it records; tests
// jump days) does not close a clinic's pool: idle pools are counted in real
// time. Before, every jump past the idle timeout reopened the pool, a new
// SCRAM login per transaction.
func TestClinicPoolIgnoresTheBusinessClock(t *testing.T) {
	t.Parallel()
	clock := storetest.NewClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	db := storetest.NewDBWith(t, store.Options{ConnsPerClinic: 1, Clock: clock})
	a, _ := storetest.NewTenant(t, db, "clinic-a")
	ctx := context.Background()
	pid := func() int32 {
		t.Helper()
		var pid int32
		if err := a.Exec(ctx, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, "select pg_backend_pid()").Scan(&pid)
		}); err != nil {
			t.Fatal(err)
		}
		return pid
	}
	first := pid()
	for range 3 {
		clock.Advance(72 * time.Hour)
		if got := pid(); got != first {
			t.Fatalf("after moving the clock by 3 days the clinic ran on backend %d, before on %d: its pool was reopened", got, first)
		}
	}
}
