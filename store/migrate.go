package store

import (
	"context"
	"errors"
	"fmt"

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
				return &MigrationError{Version: m.Version, Name: m.Name, Err: err}
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
	var tvs []TenantVersion
	err := db.readShared(func(q sharedQuerier) error {
		rows, err := q.Query(ctx, tenantVersionsQuery+` order by schema_name`)
		if err != nil {
			return err
		}
		tvs, err = pgx.CollectRows(rows, scanTenantVersion)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read tenant versions: %w", err)
	}
	return tvs, nil
}

// TenantVersionOf reads the migration version of one live tenant (or spare).
func (db *DB) TenantVersionOf(ctx context.Context, schema string) (TenantVersion, error) {
	var tv TenantVersion
	err := db.readShared(func(q sharedQuerier) error {
		rows, err := q.Query(ctx, tenantVersionsQuery+` where schema_name = $1`, schema)
		if err != nil {
			return err
		}
		tv, err = pgx.CollectExactlyOneRow(rows, scanTenantVersion)
		return err
	})
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
