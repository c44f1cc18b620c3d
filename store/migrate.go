package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"consultorio/migrations"
)

// The migration runner is our own, on purpose: tern and goose each own the
// transaction a migration runs in and keep one version table per migrator
// (tern also takes one global advisory lock, which would serialise every
// tenant). Provisioning must run the tenant migrations inside its own
// all-or-nothing transaction, and a no-op run over thousands of tenants must
// read every version in one query, so versions live in one table,
// public.schema_versions, keyed by schema.

const versionsDDL = `CREATE TABLE IF NOT EXISTS public.schema_versions (
    schema_name text PRIMARY KEY,
    version     integer NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
)`

// Migrations are the SQL sets the runner applies: the public schema's and
// every tenant schema's. The default is the set embedded in the binary;
// tests inject extra migrations through Options.Migrations.
type Migrations struct {
	Public []migrations.Migration
	Tenant []migrations.Migration
}

// EmbeddedMigrations returns the migration sets compiled into the binary.
func EmbeddedMigrations() Migrations {
	return Migrations{Public: migrations.Public(), Tenant: migrations.Tenant()}
}

// orDefault fills an empty set with the embedded one.
func (m Migrations) orDefault() Migrations {
	if len(m.Public) == 0 {
		m.Public = migrations.Public()
	}
	if len(m.Tenant) == 0 {
		m.Tenant = migrations.Tenant()
	}
	return m
}

func lastVersion(ms []migrations.Migration) int {
	if len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].Version
}

// Migrations returns the sets this DB applies.
func (db *DB) Migrations() Migrations { return db.migs }

// LatestPublicVersion is the version a fully migrated public schema is at.
func (db *DB) LatestPublicVersion() int { return lastVersion(db.migs.Public) }

// LatestTenantVersion is the version a fully migrated tenant schema is at.
func (db *DB) LatestTenantVersion() int { return lastVersion(db.migs.Tenant) }

// LatestTenantVersion is the version of the embedded tenant set.
func LatestTenantVersion() int { return lastVersion(migrations.Tenant()) }

// migrateLockKey serialises concurrent runs of the public migrations.
const migrateLockKey = 7_419_202_611

// MigratePublic applies pending public migrations, each in its own
// transaction. It returns how many it applied. A run with nothing to do is
// one query (upToDate): no lock, no DDL.
func (db *DB) MigratePublic(ctx context.Context) (int, error) {
	applied := 0
	err := db.withAdminConn(ctx, func(conn *pgx.Conn) error {
		if db.upToDate(ctx, conn) {
			return nil
		}
		if _, err := conn.Exec(ctx, "select pg_advisory_lock($1)", migrateLockKey); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		defer conn.Exec(context.WithoutCancel(ctx), "select pg_advisory_unlock($1)", migrateLockKey) //nolint:errcheck
		if _, err := conn.Exec(ctx, versionsDDL); err != nil {
			return fmt.Errorf("versions table: %w", err)
		}
		var current int
		err := conn.QueryRow(ctx, "select coalesce((select version from public.schema_versions where schema_name = 'public'), 0)").Scan(&current)
		if err != nil {
			return fmt.Errorf("read version: %w", err)
		}
		if err := db.checkNotNewer(ctx, conn, current); err != nil {
			return err
		}
		for _, m := range db.migs.Public {
			if m.Version <= current {
				continue
			}
			err := inPublic(ctx, conn, func(tx pgx.Tx) error {
				if err := execScript(ctx, tx, m.SQL); err != nil {
					return err
				}
				_, err := tx.Exec(ctx, `insert into public.schema_versions (schema_name, version) values ('public', $1)
					on conflict (schema_name) do update set version = excluded.version, updated_at = now()`, m.Version)
				return err
			})
			if err != nil {
				return fmt.Errorf("%s: %w", m.Name, err)
			}
			applied++
		}
		// New tables need the runtime role's grants; a database migrated for
		// the first time needs its roles.
		ready, err := db.ensureAccess(ctx, conn)
		if err != nil {
			return err
		}
		db.accessReady.Store(ready)
		return db.recordBinary(ctx, conn)
	})
	if err != nil {
		return applied, fmt.Errorf("migrate public: %w", err)
	}
	return applied, nil
}

// upToDate says whether MigratePublic has nothing to do: the roles were in
// place when the store opened, the public schema is at this binary's last
// migration and the installation record names this binary. One query,
// without the migrations' lock: a database another binary is migrating
// right now is not at this binary's version and record, so such a run
// takes the full path and waits for the lock. Anything unexpected (a
// database without these tables yet) is "no": the full path handles it.
func (db *DB) upToDate(ctx context.Context, conn *pgx.Conn) bool {
	if !db.accessReady.Load() {
		return false
	}
	var public int
	var in Installation
	err := conn.QueryRow(ctx, `select coalesce((select version from public.schema_versions where schema_name = 'public'), 0),
		i.binary_version, i.public_version, i.tenant_version from public.installation i`).
		Scan(&public, &in.BinaryVersion, &in.PublicVersion, &in.TenantVersion)
	return err == nil && public == db.LatestPublicVersion() && in == db.binary()
}

// TenantVersion is a tenant schema and the migration version it is at.
// Spare marks a spare schema of the pool (see TopUpSpares): it is migrated
// like a tenant, so a clinic made from it is born up to date.
type TenantVersion struct {
	Schema  string
	Role    string
	Version int
	Spare   bool
}

const tenantVersionsQuery = `
	select schema_name, role_name, version, spare from (
		select t.schema_name, t.role_name, coalesce(v.version, 0) as version, false as spare
		from public.tenants t left join public.schema_versions v on v.schema_name = t.schema_name
		where t.status <> 'archived'
		union all
		select s.schema_name, s.role_name, coalesce(v.version, 0), true
		from public.spare_schemas s left join public.schema_versions v on v.schema_name = s.schema_name
	) x`

// TenantVersions reads the migration version of every live (not archived)
// tenant, and of every spare schema, in one query: a no-op migrate over
// thousands of tenants is this query and nothing else.
func (db *DB) TenantVersions(ctx context.Context) ([]TenantVersion, error) {
	rows, err := db.pool.Query(ctx, tenantVersionsQuery+` order by schema_name`)
	if err != nil {
		return nil, fmt.Errorf("read tenant versions: %w", err)
	}
	tvs, err := pgx.CollectRows(rows, scanTenantVersion)
	if err != nil {
		return nil, fmt.Errorf("read tenant versions: %w", err)
	}
	return tvs, nil
}

// TenantVersionOf reads the migration version of one live tenant (or spare).
func (db *DB) TenantVersionOf(ctx context.Context, schema string) (TenantVersion, error) {
	rows, err := db.pool.Query(ctx, tenantVersionsQuery+` where schema_name = $1`, schema)
	if err != nil {
		return TenantVersion{}, fmt.Errorf("read version of %s: %w", schema, err)
	}
	tv, err := pgx.CollectExactlyOneRow(rows, scanTenantVersion)
	if errors.Is(err, pgx.ErrNoRows) {
		return TenantVersion{}, ErrNoSuchTenant
	}
	if err != nil {
		return TenantVersion{}, fmt.Errorf("read version of %s: %w", schema, err)
	}
	return tv, nil
}

func scanTenantVersion(r pgx.CollectableRow) (TenantVersion, error) {
	var tv TenantVersion
	err := r.Scan(&tv.Schema, &tv.Role, &tv.Version, &tv.Spare)
	return tv, err
}

// MigrateTenant applies the pending tenant migrations to one schema, each in
// its own transaction, and returns how many it applied. It runs as the
// database's owner, on a connection opened for it.
func (db *DB) MigrateTenant(ctx context.Context, tv TenantVersion) (int, error) {
	applied := 0
	err := db.withAdminConn(ctx, func(conn *pgx.Conn) error {
		var err error
		applied, err = db.migrateTenant(ctx, conn, tv)
		return err
	})
	return applied, err
}

func (db *DB) migrateTenant(ctx context.Context, b interface {
	Begin(context.Context) (pgx.Tx, error)
}, tv TenantVersion) (int, error) {
	applied := 0
	for _, m := range db.migs.Tenant {
		if m.Version <= tv.Version {
			continue
		}
		done := false
		err := pgx.BeginFunc(ctx, b, func(tx pgx.Tx) error {
			// Lock the schema's version row: two concurrent runs apply each
			// migration once, the second one sees the new version and skips.
			current, err := lockTenantVersion(ctx, tx, tv.Schema)
			if err != nil {
				return err
			}
			if current >= m.Version {
				return nil
			}
			// The schema may have been renamed since its version was read (a
			// spare claimed by a new clinic, a clinic archived). Checked under
			// the version lock, and it matters: with the schema gone, the
			// search_path would fall through to public and the migration's
			// tables would land there.
			var exists bool
			if err := tx.QueryRow(ctx, `select exists(select 1 from pg_catalog.pg_namespace where nspname = $1)`,
				tv.Schema).Scan(&exists); err != nil {
				return fmt.Errorf("check schema: %w", err)
			}
			if !exists {
				return fmt.Errorf("schema %q no longer exists (renamed meanwhile; run migrate again)", tv.Schema)
			}
			if err := citusDDL(ctx, tx); err != nil {
				return err
			}
			if err := applyTenantMigrations(ctx, tx, tv.Schema, []migrations.Migration{m}); err != nil {
				return err
			}
			if err := grantTenantRole(ctx, tx, tv.Schema, tv.Role); err != nil {
				return err
			}
			done = true
			return nil
		})
		if err != nil {
			return applied, fmt.Errorf("%s: %w", m.Name, err)
		}
		if done {
			applied++
		}
	}
	return applied, nil
}

// lockTenantVersion reads a schema's version with its row locked, creating
// the row (version 0) if a schema somehow has none.
func lockTenantVersion(ctx context.Context, tx pgx.Tx, schema string) (int, error) {
	const q = `select version from public.schema_versions where schema_name = $1 for update`
	var current int
	err := tx.QueryRow(ctx, q, schema).Scan(&current)
	if errors.Is(err, pgx.ErrNoRows) {
		if _, err := tx.Exec(ctx, `insert into public.schema_versions (schema_name, version) values ($1, 0)
			on conflict (schema_name) do nothing`, schema); err != nil {
			return 0, fmt.Errorf("create version row: %w", err)
		}
		err = tx.QueryRow(ctx, q, schema).Scan(&current)
	}
	if err != nil {
		return 0, fmt.Errorf("read version: %w", err)
	}
	return current, nil
}

// applyTenantMigrations applies migrations, in order, to schema in tx, in
// one round trip (pipeline): for each, the search_path, its statements and
// its version row. An error names the failing migration when there were
// several (a caller applying one names it already).
func applyTenantMigrations(ctx context.Context, tx pgx.Tx, schema string, ms []migrations.Migration) error {
	var p pipeline
	for _, m := range ms {
		label := m.Name
		if len(ms) == 1 {
			label = ""
		}
		p.add(label, "select set_config('search_path', $1, true)", searchPath(schema))
		if err := p.addScript(label, m.SQL); err != nil {
			return err
		}
		p.add(label, `insert into public.schema_versions (schema_name, version) values ($1, $2)
			on conflict (schema_name) do update set version = excluded.version, updated_at = now()`,
			schema, strconv.Itoa(m.Version))
	}
	return p.run(ctx, tx)
}

// grantTenantRole gives the tenant role what the application needs on its
// schema, and nothing on any other. The audit log is append-only for it.
// Run after every migration, so new tables are covered.
//
// The relations are listed through pg_depend's index on the namespace, and
// granted by name: "GRANT ... ON ALL TABLES IN SCHEMA" scans the whole of
// pg_class, which with 1,000 tenants (~60,000 relations) took 35 ms per
// tenant, growing with every clinic added.
func grantTenantRole(ctx context.Context, tx pgx.Tx, schema, role string) error {
	rows, err := tx.Query(ctx, `
		select c.relname::text, c.relkind = 'S'
		from pg_catalog.pg_depend d join pg_catalog.pg_class c on c.oid = d.objid
		where d.refclassid = 'pg_catalog.pg_namespace'::regclass and d.refobjid = $1::regnamespace
		  and d.classid = 'pg_catalog.pg_class'::regclass and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
		order by 1`, pgx.Identifier{schema}.Sanitize())
	if err != nil {
		return fmt.Errorf("grant tenant role: list relations: %w", err)
	}
	var tables, seqs []string
	var name string
	var isSeq, hasAudit, hasHead bool
	if _, err := pgx.ForEachRow(rows, []any{&name, &isSeq}, func() error {
		qualified := pgx.Identifier{schema, name}.Sanitize()
		if isSeq {
			seqs = append(seqs, qualified)
		} else {
			tables = append(tables, qualified)
			hasAudit = hasAudit || name == "audit_log"
			hasHead = hasHead || name == "audit_chain_head"
		}
		return nil
	}); err != nil {
		return fmt.Errorf("grant tenant role: list relations: %w", err)
	}
	s, r := pgx.Identifier{schema}.Sanitize(), pgx.Identifier{role}.Sanitize()
	var sql strings.Builder
	fmt.Fprintf(&sql, "GRANT USAGE ON SCHEMA %s TO %s;\n", s, r)
	if len(tables) > 0 {
		fmt.Fprintf(&sql, "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE %s TO %s;\n", strings.Join(tables, ", "), r)
	}
	if len(seqs) > 0 {
		fmt.Fprintf(&sql, "GRANT USAGE, SELECT ON SEQUENCE %s TO %s;\n", strings.Join(seqs, ", "), r)
	}
	if hasAudit {
		fmt.Fprintf(&sql, "REVOKE UPDATE, DELETE, TRUNCATE ON %s.audit_log FROM %s;\n", s, r)
	}
	if hasHead {
		// The chain head moves only through the audit trigger (as owner).
		fmt.Fprintf(&sql, "REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON %s.audit_chain_head FROM %s;\n", s, r)
	}
	if err := execScript(ctx, tx, sql.String()); err != nil {
		return fmt.Errorf("grant tenant role: %w", err)
	}
	return nil
}

func searchPath(schema string) string {
	return pgx.Identifier{schema}.Sanitize() + ", public"
}

// TenantMigrationResult is the outcome of migrating one tenant: Applied
// migrations from version From, or Err. Applied == 0 and Err == nil means the
// schema was up to date.
type TenantMigrationResult struct {
	Schema  string
	From    int
	Applied int
	Err     error
}

// MigrateTenants migrates the given tenants with up to jobs workers. Tenants
// already at the latest version are not touched (not even a query). A
// failing tenant does not stop the others; progress (may be nil) is called
// after each tenant, from one goroutine at a time. Results are in the order
// of tenants.
func (db *DB) MigrateTenants(ctx context.Context, tenants []TenantVersion, jobs int, progress func(done, total int, r TenantMigrationResult)) []TenantMigrationResult {
	jobs = max(1, min(jobs, len(tenants)))
	latest := db.LatestTenantVersion()
	results := make([]TenantMigrationResult, len(tenants))
	pending := 0
	for _, tv := range tenants {
		if tv.Version < latest {
			pending++
		}
	}
	var admin *pgxpool.Pool
	run := func() {
		work := make(chan int)
		var mu sync.Mutex
		done := 0
		var wg sync.WaitGroup
		for range jobs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range work {
					tv := tenants[i]
					r := TenantMigrationResult{Schema: tv.Schema, From: tv.Version}
					if tv.Version < latest {
						if err := ctx.Err(); err != nil {
							r.Err = err
						} else {
							r.Applied, r.Err = db.migrateTenant(ctx, admin, tv)
						}
					}
					results[i] = r
					mu.Lock()
					done++
					if progress != nil {
						progress(done, len(tenants), r)
					}
					mu.Unlock()
				}
			}()
		}
		for i := range tenants {
			work <- i
		}
		close(work)
		wg.Wait()
	}
	if pending == 0 {
		run()
		return results
	}
	// One owner pool for the whole run, closed at its end.
	err := db.withAdminPool(ctx, jobs, func(p *pgxpool.Pool) error {
		admin = p
		run()
		return nil
	})
	if err != nil {
		for i, tv := range tenants {
			if tv.Version < latest {
				results[i] = TenantMigrationResult{Schema: tv.Schema, From: tv.Version, Err: err}
			}
		}
	}
	return results
}
