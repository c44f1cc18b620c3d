package store

import (
	"context"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"

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

// migrateLockKey serialises concurrent runs of the public migrations.
const migrateLockKey = 7_419_202_611

// MigratePublic applies pending public migrations, each in its own
// transaction. It returns how many it applied.
func (db *DB) MigratePublic(ctx context.Context) (int, error) {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return 0, fmt.Errorf("migrate public: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "select pg_advisory_lock($1)", migrateLockKey); err != nil {
		return 0, fmt.Errorf("migrate public: lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "select pg_advisory_unlock($1)", migrateLockKey) //nolint:errcheck
	if _, err := conn.Exec(ctx, versionsDDL); err != nil {
		return 0, fmt.Errorf("migrate public: versions table: %w", err)
	}
	var current int
	err = conn.QueryRow(ctx, "select coalesce((select version from public.schema_versions where schema_name = 'public'), 0)").Scan(&current)
	if err != nil {
		return 0, fmt.Errorf("migrate public: read version: %w", err)
	}
	applied := 0
	for _, m := range migrations.Public() {
		if m.Version <= current {
			continue
		}
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, "select set_config('search_path', 'public', true)"); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `insert into public.schema_versions (schema_name, version) values ('public', $1)
				on conflict (schema_name) do update set version = excluded.version, updated_at = now()`, m.Version)
			return err
		})
		if err != nil {
			return applied, fmt.Errorf("migrate public: %s: %w", m.Name, err)
		}
		applied++
	}
	return applied, nil
}

// TenantVersion is a tenant schema and the migration version it is at.
type TenantVersion struct {
	Schema  string
	Role    string
	Version int
}

// TenantVersions reads the migration version of every live (not archived)
// tenant in one query.
func (db *DB) TenantVersions(ctx context.Context) ([]TenantVersion, error) {
	rows, err := db.pool.Query(ctx, `
		select t.schema_name, t.role_name, coalesce(v.version, 0)
		from public.tenants t left join public.schema_versions v on v.schema_name = t.schema_name
		where t.status <> 'archived'
		order by t.schema_name`)
	if err != nil {
		return nil, fmt.Errorf("read tenant versions: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (TenantVersion, error) {
		var tv TenantVersion
		err := r.Scan(&tv.Schema, &tv.Role, &tv.Version)
		return tv, err
	})
}

// LatestTenantVersion is the version a fully migrated tenant schema is at.
func LatestTenantVersion() int {
	ms := migrations.Tenant()
	return ms[len(ms)-1].Version
}

// MigrateTenant applies the pending tenant migrations to one schema, each in
// its own transaction, and returns how many it applied.
func (db *DB) MigrateTenant(ctx context.Context, tv TenantVersion) (int, error) {
	applied := 0
	for _, m := range migrations.Tenant() {
		if m.Version <= tv.Version {
			continue
		}
		done := false
		err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
			var current int
			// Lock the schema's version row: two concurrent runs apply each
			// migration once.
			err := tx.QueryRow(ctx, `select version from public.schema_versions where schema_name = $1 for update`, tv.Schema).Scan(&current)
			if err != nil {
				return fmt.Errorf("read version: %w", err)
			}
			if current >= m.Version {
				return nil
			}
			if err := applyTenantMigration(ctx, tx, tv.Schema, m); err != nil {
				return err
			}
			if err := grantTenantRole(ctx, tx, tv.Schema, tv.Role); err != nil {
				return err
			}
			done = true
			return nil
		})
		if err != nil {
			return applied, fmt.Errorf("migrate %s: %s: %w", tv.Schema, m.Name, err)
		}
		if done {
			applied++
		}
	}
	return applied, nil
}

func applyTenantMigration(ctx context.Context, tx pgx.Tx, schema string, m migrations.Migration) error {
	if _, err := tx.Exec(ctx, "select set_config('search_path', $1, true)", searchPath(schema)); err != nil {
		return fmt.Errorf("set search_path: %w", err)
	}
	if _, err := tx.Exec(ctx, m.SQL); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `insert into public.schema_versions (schema_name, version) values ($1, $2)
		on conflict (schema_name) do update set version = excluded.version, updated_at = now()`, schema, m.Version)
	return err
}

// grantTenantRole gives the tenant role what the application needs on its
// schema, and nothing on any other. The audit log is append-only for it.
// Run after every migration, so new tables are covered.
func grantTenantRole(ctx context.Context, tx pgx.Tx, schema, role string) error {
	s, r := pgx.Identifier{schema}.Sanitize(), pgx.Identifier{role}.Sanitize()
	sql := fmt.Sprintf(`
		GRANT USAGE ON SCHEMA %[1]s TO %[2]s;
		GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %[1]s TO %[2]s;
		GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %[1]s TO %[2]s;
		REVOKE UPDATE, DELETE, TRUNCATE ON %[1]s.audit_log FROM %[2]s;`, s, r)
	if _, err := tx.Exec(ctx, sql); err != nil {
		return fmt.Errorf("grant tenant role: %w", err)
	}
	return nil
}

func searchPath(schema string) string {
	return pgx.Identifier{schema}.Sanitize() + ", public"
}

// TenantMigrationResult is the outcome of migrating one tenant.
type TenantMigrationResult struct {
	Schema  string
	Applied int
	Err     error
}

// MigrateTenants migrates the given tenants with up to jobs workers. A
// failing tenant does not stop the others; progress (may be nil) is called
// after each tenant, from one goroutine at a time.
func (db *DB) MigrateTenants(ctx context.Context, tenants []TenantVersion, jobs int, progress func(done, total int, r TenantMigrationResult)) []TenantMigrationResult {
	if jobs < 1 {
		jobs = 1
	}
	latest := LatestTenantVersion()
	results := make([]TenantMigrationResult, len(tenants))
	work := make(chan int)
	var mu sync.Mutex
	done := 0
	var wg sync.WaitGroup
	for range min(jobs, max(len(tenants), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				tv := tenants[i]
				r := TenantMigrationResult{Schema: tv.Schema}
				if tv.Version < latest {
					r.Applied, r.Err = db.MigrateTenant(ctx, tv)
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
	return results
}
