// Package storetest gives tests a fresh, migrated database on a real
// PostgreSQL: DATABASE_URL when it is set, otherwise the same private
// cluster mechanism the product uses (pgcluster), in a test data directory
// shared by the packages of one test run. Each test gets its own database,
// cloned from a template that holds the migrated public schema and
// TemplateSpares spare clinic schemas. A missing PostgreSQL fails the test:
// it never skips.
package storetest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"consultorio/migrations"
	"consultorio/pgcluster"
	"consultorio/store"
)

var (
	serverOnce sync.Once
	serverURL  string
	serverErr  error
)

// ServerURL is the URL of the PostgreSQL server tests use (its default
// database). It starts the private test cluster if needed.
func ServerURL(t testing.TB) string {
	t.Helper()
	serverOnce.Do(func() {
		if u := os.Getenv("DATABASE_URL"); u != "" {
			serverURL = u
			return
		}
		var c *pgcluster.Cluster
		if c, serverErr = startCluster(); serverErr == nil {
			serverURL = c.URL()
		}
	})
	if serverErr != nil {
		t.Fatalf("test PostgreSQL: %v", serverErr)
	}
	return serverURL
}

// clusterDir is the data directory of the private test cluster.
func clusterDir() string {
	if dir := os.Getenv("CONSULTORIO_TEST_DATA"); dir != "" {
		return dir
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("consultorio-test-%d", os.Getuid()))
}

func startCluster() (*pgcluster.Cluster, error) {
	c, err := pgcluster.New(clusterDir(), pgcluster.Options{Fast: true})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return c, c.Start(ctx)
}

// PrivateCluster starts the private test cluster (also when DATABASE_URL
// is set) and returns its data directory, for tests of what the product
// does with its own cluster (consultorio db psql).
func PrivateCluster(t testing.TB) string {
	t.Helper()
	if _, err := startCluster(); err != nil {
		t.Fatalf("test PostgreSQL: %v", err)
	}
	return clusterDir()
}

// withDatabase returns u with its database replaced by name.
func withDatabase(t testing.TB, u, name string) string {
	t.Helper()
	parsed, err := url.Parse(u)
	if err != nil || (parsed.Scheme != "postgres" && parsed.Scheme != "postgresql") {
		t.Fatalf("DATABASE_URL must be a postgres:// URL for tests (got %q)", u)
	}
	parsed.Path = "/" + name
	return parsed.String()
}

// TemplateSpares is how many spare clinic schemas (store.TopUpSpares) the
// template database holds, so every test database starts with that many:
// building a clinic's ~60 relations costs PostgreSQL ~50 ms, which most of
// the ~500 clinics the race-detector tests make then save (CreateTenant
// claims a spare and renames it), against ~11 ms for the statement that
// gives both cloned spares their roles (rebindSpares).
// Tests about the pool itself start from an empty one (EmptySparePool).
const TemplateSpares = 2

func templateName() string {
	h := sha256.New()
	for _, m := range migrations.Public() {
		h.Write([]byte(m.Name))
		h.Write([]byte(m.SQL))
	}
	// The spares are built by the tenant migrations.
	for _, m := range migrations.Tenant() {
		h.Write([]byte(m.Name))
		h.Write([]byte(m.SQL))
	}
	fmt.Fprintf(h, "spares %d", TemplateSpares)
	return "consultorio_tmpl_" + hex.EncodeToString(h.Sum(nil)[:6])
}

var templateOnce sync.Map // template name → *sync.Once

// ensureTemplate creates the migrated template database once per cluster;
// concurrent test processes serialise on an advisory lock.
func ensureTemplate(t testing.TB, conn *pgx.Conn, base string) string {
	t.Helper()
	name := templateName()
	onceV, _ := templateOnce.LoadOrStore(name, new(sync.Once))
	var err error
	onceV.(*sync.Once).Do(func() {
		ctx := context.Background()
		if _, err = conn.Exec(ctx, "select pg_advisory_lock(74190)"); err != nil {
			return
		}
		defer conn.Exec(ctx, "select pg_advisory_unlock(74190)") //nolint:errcheck
		var exists bool
		if err = conn.QueryRow(ctx, "select exists(select 1 from pg_database where datname = $1)", name).Scan(&exists); err != nil || exists {
			return
		}
		building := name + "_build"
		_, _ = conn.Exec(ctx, "drop database if exists "+pgx.Identifier{building}.Sanitize())
		if _, err = conn.Exec(ctx, "create database "+pgx.Identifier{building}.Sanitize()); err != nil {
			return
		}
		var db *store.DB
		if db, err = store.Open(ctx, withDatabase(t, base, building), store.Options{MaxConns: 2}); err != nil {
			return
		}
		if _, err = db.MigratePublic(ctx); err == nil {
			_, err = db.TopUpSpares(ctx, TemplateSpares)
		}
		db.Close()
		if err != nil {
			return
		}
		_, err = conn.Exec(ctx, fmt.Sprintf("alter database %s rename to %s", pgx.Identifier{building}.Sanitize(), pgx.Identifier{name}.Sanitize()))
	})
	if err != nil {
		templateOnce.Delete(name)
		t.Fatalf("template database: %v", err)
	}
	return name
}

var (
	adminOnce sync.Once
	adminPool *pgxpool.Pool
	adminErr  error
)

// admin is one pool on the server's default database for the test process:
// creating a test's database and dropping it were two connections of their
// own, ~860 backends started and ended in a make test.
func admin(t testing.TB) *pgxpool.Pool {
	t.Helper()
	base := ServerURL(t)
	adminOnce.Do(func() {
		cfg, err := pgxpool.ParseConfig(base)
		if err != nil {
			adminErr = err
			return
		}
		cfg.MaxConns = 4
		adminPool, adminErr = pgxpool.NewWithConfig(context.Background(), cfg)
	})
	if adminErr != nil {
		t.Fatalf("connect to test PostgreSQL: %v", adminErr)
	}
	return adminPool
}

// NewURL creates a fresh migrated database for the test and returns its URL;
// the database is dropped when the test ends.
func NewURL(t testing.TB) string {
	t.Helper()
	base := ServerURL(t)
	ctx := context.Background()
	pool := admin(t)
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatalf("connect to test PostgreSQL: %v", err)
	}
	defer conn.Release()
	tmpl := ensureTemplate(t, conn.Conn(), base)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "test_" + strings.ToLower(sanitize(t.Name())) + "_" + hex.EncodeToString(b)
	if len(name) > 63 {
		name = name[len(name)-63:]
		name = "t" + name[1:]
	}
	// FILE_COPY copies the template's files; the default (WAL_LOG, since
	// PostgreSQL 15) writes each of its ~1,500 pages (12 MB, two spare
	// clinics included) to the WAL: a creation and a drop took 26-28 ms of
	// PostgreSQL's processor time against 13-14 (two rounds of 30 each).
	if _, err := conn.Exec(ctx, fmt.Sprintf("create database %s template %s strategy file_copy", pgx.Identifier{name}.Sanitize(), pgx.Identifier{tmpl}.Sanitize())); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		if _, err := pool.Exec(ctx, "drop database if exists "+pgx.Identifier{name}.Sanitize()+" with (force)"); err != nil {
			t.Logf("drop test database: %v", err)
			return
		}
		// Tenant roles are cluster-wide: drop the ones of this database.
		rows, err := pool.Query(ctx, "select rolname from pg_roles where starts_with(rolname, $1)", store.RolePrefix(name))
		if err != nil {
			t.Logf("list test roles: %v", err)
			return
		}
		roles, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Logf("list test roles: %v", err)
			return
		}
		for _, r := range roles {
			if _, err := pool.Exec(ctx, "drop role if exists "+pgx.Identifier{r}.Sanitize()); err != nil {
				t.Logf("drop test role %s: %v", r, err)
			}
		}
	})
	u := withDatabase(t, base, name)
	rebindSpares(t, u, name)
	return u
}

// rebindSparesSQL gives each spare of a cloned database a role of its own.
// A spare's role is cluster-wide, and the clone's spares still name the
// template's: claiming one renames its role (store.adoptSpare), which would
// take it from the template and every other clone. So each spare gets a new
// role named as store.TopUpSpares names it in this database (prefix, then
// the schema), holding exactly the privileges the template's role holds on
// the spare's schema and relations, and the template's role loses them here.
// A DO block takes no parameters: the clone's role prefix comes in the
// session setting storetest.role_prefix.
const rebindSparesSQL = `do $$
declare
	prefix text := current_setting('storetest.role_prefix');
	sp record;
	rel record;
	fresh text;
begin
	for sp in select schema_name, role_name from public.spare_schemas loop
		fresh := prefix || sp.schema_name;
		execute format('create role %I nologin noinherit', fresh);
		execute format('grant %I to current_user', fresh);
		for rel in
			select 'schema' as kind, quote_ident(n.nspname) as obj, string_agg(a.privilege_type, ', ') as privs
			from pg_catalog.pg_namespace n, aclexplode(n.nspacl) a
			where n.nspname = sp.schema_name and a.grantee = sp.role_name::regrole
			group by 1, 2
			union all
			select case c.relkind when 'S' then 'sequence' else 'table' end, c.oid::regclass::text, string_agg(a.privilege_type, ', ')
			from pg_catalog.pg_class c, aclexplode(c.relacl) a
			where c.relnamespace = sp.schema_name::regnamespace and a.grantee = sp.role_name::regrole
			group by 1, 2
		loop
			execute format('grant %s on %s %s to %I', rel.privs, rel.kind, rel.obj, fresh);
			execute format('revoke all on %s %s from %I', rel.kind, rel.obj, sp.role_name);
		end loop;
		update public.spare_schemas set role_name = fresh where schema_name = sp.schema_name;
	end loop;
end $$`

// connect opens one connection to the test database at u, as its owner.
func connect(t testing.TB, u string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), u)
	if err != nil {
		t.Fatalf("connect to test database: %v", err)
	}
	return conn
}

// rebindSpares runs rebindSparesSQL in the test database u (named name).
func rebindSpares(t testing.TB, u, name string) {
	t.Helper()
	ctx := context.Background()
	conn := connect(t, u)
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "select set_config('storetest.role_prefix', $1, false)", store.RolePrefix(name)); err != nil {
		t.Fatalf("give the test database's spare schemas their roles: %v", err)
	}
	if _, err := conn.Exec(ctx, rebindSparesSQL); err != nil {
		t.Fatalf("give the test database's spare schemas their roles: %v", err)
	}
}

// EmptySparePool removes the spare schemas a test database starts with
// (TemplateSpares), for tests of the pool and of building a clinic's
// schema: their schemas, version rows, pool rows and roles.
func EmptySparePool(t testing.TB, db *store.DB) {
	t.Helper()
	EmptySparePoolAt(t, ownerURL(t, db))
}

// EmptySparePoolAt is EmptySparePool for the test database at u (NewURL).
func EmptySparePoolAt(t testing.TB, u string) {
	t.Helper()
	ctx := context.Background()
	owner := connect(t, u)
	defer owner.Close(ctx)
	rows, err := owner.Query(ctx, "select schema_name, role_name from public.spare_schemas")
	if err != nil {
		t.Fatalf("list spare schemas: %v", err)
	}
	type spare struct{ schema, role string }
	spares, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (spare, error) {
		var s spare
		return s, r.Scan(&s.schema, &s.role)
	})
	if err != nil {
		t.Fatalf("list spare schemas: %v", err)
	}
	for _, s := range spares {
		schema, role := pgx.Identifier{s.schema}.Sanitize(), pgx.Identifier{s.role}.Sanitize()
		err := pgx.BeginFunc(ctx, owner, func(tx pgx.Tx) error {
			for _, q := range []struct {
				sql  string
				args []any
			}{
				{"drop schema " + schema + " cascade", nil},
				{"delete from public.schema_versions where schema_name = $1", []any{s.schema}},
				{"delete from public.spare_schemas where schema_name = $1", []any{s.schema}},
				{"drop owned by " + role, nil},
				{"drop role " + role, nil},
			} {
				if _, err := tx.Exec(ctx, q.sql, q.args...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("remove spare schema %s: %v", s.schema, err)
		}
	}
}

func sanitize(s string) string {
	var b strings.Builder
	for _, r := range s {
		if (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	if b.Len() > 30 {
		return b.String()[:30]
	}
	return b.String()
}

// SecretKey is the installation secret key of test stores (NewDBWith uses
// it unless the options name another).
var SecretKey = []byte("consultorio test secret key 32by")

// NewDB opens a store on a fresh migrated database (closed at cleanup).
func NewDB(t testing.TB) *store.DB {
	return NewDBWith(t, store.Options{})
}

// PasswordCost is the argon2id cost of the passwords tests hash: 64 KiB,
// one pass. The default (19 MiB, 2 passes) takes 2–10 s a hash under the
// race detector on this project's machines, and logins, staff creation and
// password changes hash in hundreds of tests. What the cost itself does is
// tested in package store with the default.
func PasswordCost() store.PasswordCost {
	return store.PasswordCost{MemoryKiB: 64, Passes: 1}
}

// NewDBWith is NewDB with store options (a fake clock, a small pool); a zero
// PasswordCost means PasswordCost().
func NewDBWith(t testing.TB, opts store.Options) *store.DB {
	t.Helper()
	if opts.SecretKey == nil {
		opts.SecretKey = SecretKey
	}
	if opts.PasswordCost == (store.PasswordCost{}) {
		opts.PasswordCost = PasswordCost()
	}
	u := NewURL(t)
	db, err := store.Open(context.Background(), u, opts)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(db.Close)
	ownerURLs.Store(db, u)
	t.Cleanup(func() { ownerURLs.Delete(db) })
	return db
}

// ownerURLs maps a test's store to its database's URL (the owner's).
var ownerURLs sync.Map

// Owner is a pool on the test database as its owner, for fixtures and checks
// that the store's runtime roles may not do (read a clinic's tables from
// outside, DDL, VACUUM). Closed at cleanup.
func Owner(t testing.TB, db *store.DB) *pgxpool.Pool {
	t.Helper()
	p, err := pgxpool.New(context.Background(), ownerURL(t, db))
	if err != nil {
		t.Fatalf("owner pool: %v", err)
	}
	t.Cleanup(p.Close)
	return p
}

// ownerURL is the URL of db's database (a store made by NewDB).
func ownerURL(t testing.TB, db *store.DB) string {
	t.Helper()
	u, ok := ownerURLs.Load(db)
	if !ok {
		t.Fatal("storetest: the store was not made by storetest.NewDB")
	}
	return u.(string)
}

// NewTenant provisions a clinic with the given schema name and returns its
// handle and the provisioning result (admin setup code).
func NewTenant(t testing.TB, db *store.DB, schema string) (*store.Tenant, *store.Provisioned) {
	t.Helper()
	ctx := context.Background()
	p, err := db.CreateTenant(ctx, store.CLI, store.NewTenant{
		Schema: schema, Name: "Clínica " + schema, AdminEmail: "admin@" + schema + ".test", AdminName: "Admin " + schema,
	})
	if err != nil {
		t.Fatalf("create tenant %s: %v", schema, err)
	}
	tn, err := db.Tenant(ctx, schema)
	if err != nil {
		t.Fatalf("load tenant %s: %v", schema, err)
	}
	// A fixture clinic starts with an empty outbox: the admin's invitation
	// (store.CreateTenant queues it; TestFirstAdminInvitation* follow it)
	// would otherwise be one more message every other test steps over.
	if err := tn.Exec(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `delete from outbox where kind = 'invitation'`)
		return err
	}); err != nil {
		t.Fatalf("empty the outbox of %s: %v", schema, err)
	}
	return tn, p
}

// SetRaw writes value into one column of one row (by id) of a clinic's
// table directly, past the store's input check. Text saved before that check
// existed can still hold escapes and bidi controls; tests of the output
// sanitising use this to store it.
func SetRaw(t testing.TB, tn *store.Tenant, table, column string, id int64, value string) {
	t.Helper()
	ctx := context.Background()
	err := tn.Exec(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, fmt.Sprintf("update %s set %s = $2 where id = $1",
			pgx.Identifier{table}.Sanitize(), pgx.Identifier{column}.Sanitize()), id, value)
		return err
	})
	if err != nil {
		t.Fatalf("set %s.%s of #%d: %v", table, column, id, err)
	}
}

// SetRawPublic is SetRaw for a table of the public schema (clients' names).
func SetRawPublic(t testing.TB, db *store.DB, table, column string, id int64, value string) {
	t.Helper()
	_, err := Owner(t, db).Exec(context.Background(), fmt.Sprintf("update %s set %s = $2 where id = $1",
		pgx.Identifier{"public", table}.Sanitize(), pgx.Identifier{column}.Sanitize()), id, value)
	if err != nil {
		t.Fatalf("set public.%s.%s of #%d: %v", table, column, id, err)
	}
}

// OpenAllHours opens the clinic every day from 00:00 to 23:59, through the
// store's own SetDayHours. Tests about something else than availability
// (time zones, day boundaries, many bookings on consecutive days) use it so
// their dates need not fall inside the default working week.
func OpenAllHours(t testing.TB, tn *store.Tenant) {
	t.Helper()
	for d := 1; d <= 7; d++ {
		if _, err := tn.SetDayHours(context.Background(), store.System,
			store.DayHours{Weekday: d, Open: true, Opens: "00:00", Closes: "23:59"}); err != nil {
			t.Fatalf("open all hours: %v", err)
		}
	}
}
