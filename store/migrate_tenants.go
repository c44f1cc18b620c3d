package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"consultorio/migrations"
)

// Tenant migrations run in batches: one transaction migrates up to
// migrateBatchSize schemas. Per schema, a transaction of its own cost a
// WAL flush at commit (synchronous_commit stays on) and some seven round
// trips (begin, lock, existence check, Citus check, the migration,
// grants listed and granted, commit); with 10,000 clinics that alone was
// most of a one-statement migration. A batch costs about as many round
// trips as one schema did, and one flush.
//
// What a schema gets is unchanged: all its pending migrations or none (a
// batch is one transaction), applied once however many runs race (the
// version rows are locked, in one order, before anything is read), never
// into a schema renamed meanwhile (checked under those locks), and its
// role granted every relation a migration made. A batch that fails is
// rolled back and its schemas are migrated again one per transaction, so
// one bad schema fails alone and is reported with its own error. A batch
// does not wait long for a clinic busy with a long transaction (see
// migrateBatch's bounded): that clinic is migrated last, alone.
//
// On Citus each schema is a distributed schema on some worker node; the
// batches there are of one schema, as tested (make test-scale): a
// transaction spanning many distributed schemas is a distributed
// transaction over many nodes, which is not what this was measured with.
const migrateBatchSize = 50

// batchLockTimeout bounds a batch's wait for a lock on a clinic's table.
const batchLockTimeout = "2s"

type beginner interface {
	Begin(context.Context) (pgx.Tx, error)
}

// MigrateTenant applies the pending tenant migrations to one schema, all in
// one transaction, and returns how many it applied. It runs as the
// database's owner, on a connection opened for it.
func (db *DB) MigrateTenant(ctx context.Context, tv TenantVersion) (int, error) {
	var r TenantMigrationResult
	err := db.withAdminConn(ctx, func(conn *pgx.Conn) error {
		rs, err := db.migrateBatch(ctx, conn, []TenantVersion{tv}, false)
		r = rs[0]
		if err != nil {
			return err
		}
		return r.Err
	})
	return r.Applied, err
}

// migrateBatch migrates tvs in one transaction. A schema that cannot be
// migrated for a reason of its own found before any DDL (renamed or gone
// since its version was read) gets its Err and the others go on; any other
// error fails the whole transaction and is returned, with every Applied 0.
//
// With bounded, a wait for a lock on a clinic's table longer than
// batchLockTimeout fails the batch: a clinic busy with a long transaction
// would otherwise hold up the whole batch, which holds the locks it took on
// the other clinics' tables meanwhile.
func (db *DB) migrateBatch(ctx context.Context, b beginner, tvs []TenantVersion, bounded bool) ([]TenantMigrationResult, error) {
	results := make([]TenantMigrationResult, len(tvs))
	for i, tv := range tvs {
		results[i] = TenantMigrationResult{Schema: tv.Schema, From: tv.Version}
	}
	err := pgx.BeginFunc(ctx, b, func(tx pgx.Tx) error {
		found, citus, err := lockTenantVersions(ctx, tx, tvs)
		if err != nil {
			return err
		}
		var p pipeline
		if citus {
			p.add("", `select set_config('citus.enable_schema_based_sharding', 'on', true),
				set_config('citus.enable_unsafe_triggers', 'on', true)`)
		}
		if bounded {
			p.add("", "select set_config('lock_timeout', $1, true)", batchLockTimeout)
		}
		var migrated []TenantVersion
		for i, tv := range tvs {
			current, ok := found[tv.Schema]
			if !ok {
				// With the schema gone, the search_path would fall through to
				// public and the migration's tables would land there.
				results[i].Err = fmt.Errorf("schema %q no longer exists (renamed meanwhile; run migrate again)", tv.Schema)
				continue
			}
			var pending []migrations.Migration
			for _, m := range db.migs.Tenant {
				if m.Version > current {
					pending = append(pending, m)
				}
			}
			if len(pending) == 0 {
				continue // another run migrated it meanwhile
			}
			if err := addTenantMigrations(&p, tv.Schema, pending); err != nil {
				return err
			}
			results[i].Applied = len(pending)
			migrated = append(migrated, tv)
		}
		if err := p.run(ctx, tx); err != nil {
			return migrationFailed(db.migs.Tenant, err)
		}
		return grantWhereMissing(ctx, tx, migrated)
	})
	if err != nil {
		for i := range results {
			results[i].Applied = 0
		}
		return results, err
	}
	return results, nil
}

// lockTenantVersions locks the version rows of tvs, in schema name order
// (so concurrent runs, whatever their batches, cannot deadlock), and
// returns the version of each schema that still exists under its name, and
// whether the database is a Citus coordinator; one round trip. A schema
// without a version row (version 0) gets one first. A schema renamed since
// its version was read has lost its row to the new name (claiming a spare,
// archiving), and one dropped or renamed by hand fails the pg_namespace
// check, which runs after the locks are held, on a fresh snapshot.
func lockTenantVersions(ctx context.Context, tx pgx.Tx, tvs []TenantVersion) (map[string]int, bool, error) {
	names := make([]string, len(tvs))
	var unversioned []string
	for i, tv := range tvs {
		names[i] = tv.Schema
		if tv.Version == 0 {
			unversioned = append(unversioned, tv.Schema)
		}
	}
	var batch pgx.Batch
	if len(unversioned) > 0 {
		batch.Queue(`insert into public.schema_versions (schema_name, version) select unnest($1::text[]), 0
			on conflict (schema_name) do nothing`, unversioned)
	}
	locked := map[string]int{}
	batch.Queue(`select schema_name, version from public.schema_versions where schema_name = any($1::text[])
		order by schema_name for update`, names).Query(func(rows pgx.Rows) error {
		var s string
		var v int
		_, err := pgx.ForEachRow(rows, []any{&s, &v}, func() error { locked[s] = v; return nil })
		return err
	})
	found := map[string]int{}
	batch.Queue(`select nspname::text from pg_catalog.pg_namespace where nspname = any($1::name[])`, names).
		Query(func(rows pgx.Rows) error {
			var s string
			_, err := pgx.ForEachRow(rows, []any{&s}, func() error {
				if v, ok := locked[s]; ok {
					found[s] = v
				}
				return nil
			})
			return err
		})
	var citus bool
	batch.Queue(`select exists(select 1 from pg_catalog.pg_extension where extname = 'citus')`).QueryRow(func(r pgx.Row) error {
		return r.Scan(&citus)
	})
	if err := tx.SendBatch(ctx, &batch).Close(); err != nil {
		return nil, false, fmt.Errorf("lock versions: %w", err)
	}
	return found, citus, nil
}

// applyTenantMigrations applies migrations, in order, to schema in tx, in
// one round trip (pipeline).
func applyTenantMigrations(ctx context.Context, tx pgx.Tx, schema string, ms []migrations.Migration) error {
	var p pipeline
	if err := addTenantMigrations(&p, schema, ms); err != nil {
		return err
	}
	return p.run(ctx, tx)
}

// addTenantMigrations queues migrations for schema: for each, the
// search_path, its statements and its version row. An error names the
// failing migration, and the schema too when there were several.
func addTenantMigrations(p *pipeline, schema string, ms []migrations.Migration) error {
	for _, m := range ms {
		label := m.Name
		p.add(label, "select set_config('search_path', $1, true)", searchPath(schema))
		if err := p.addScript(label, m.SQL); err != nil {
			return err
		}
		p.add(label, `insert into public.schema_versions (schema_name, version) values ($1, $2)
			on conflict (schema_name) do update set version = excluded.version, updated_at = now()`,
			schema, strconv.Itoa(m.Version))
	}
	return nil
}

// grantWhereMissing runs grantTenantRoles for the schemas of tvs that have a
// relation no grant to their role covers (its ACL has no SELECT, for a
// sequence no USAGE, for the role: a relation a migration made or
// replaced), or whose role lacks usage of the schema; one query when there
// is none. A migration that only alters what exists (a column, an index, a
// constraint) leaves the grants as they are. The ACL is read as it is
// (aclexplode): has_table_privilege per relation cost three times as much,
// ~12 ms per schema at 1,000 clinics under load.
func grantWhereMissing(ctx context.Context, tx pgx.Tx, tvs []TenantVersion) error {
	if len(tvs) == 0 {
		return nil
	}
	schemas, roles := make([]string, len(tvs)), make([]string, len(tvs))
	for i, tv := range tvs {
		schemas[i], roles[i] = tv.Schema, tv.Role
	}
	rows, err := tx.Query(ctx, `
		select s.schema_name, s.role_name
		from unnest($1::text[], $2::text[]) as s(schema_name, role_name)
		join pg_catalog.pg_namespace n on n.nspname = s.schema_name::name
		left join pg_catalog.pg_roles r on r.rolname = s.role_name::name
		where r.oid is null or not has_schema_privilege(r.oid, n.oid, 'USAGE')
		   or exists(select 1 from pg_catalog.pg_depend d join pg_catalog.pg_class c on c.oid = d.objid
			where d.refclassid = 'pg_catalog.pg_namespace'::regclass and d.refobjid = n.oid
			  and d.classid = 'pg_catalog.pg_class'::regclass and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
			  and not exists(select 1 from aclexplode(c.relacl) a where a.grantee = r.oid
				and a.privilege_type = case when c.relkind = 'S' then 'USAGE' else 'SELECT' end))`, schemas, roles)
	if err != nil {
		return fmt.Errorf("grant tenant roles: check: %w", err)
	}
	missing, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (schemaRole, error) {
		var sr schemaRole
		err := r.Scan(&sr.schema, &sr.role)
		return sr, err
	})
	if err != nil {
		return fmt.Errorf("grant tenant roles: check: %w", err)
	}
	return grantTenantRoles(ctx, tx, missing)
}

type schemaRole struct{ schema, role string }

// grantTenantRole gives the tenant role what the application needs on its
// schema, and nothing on any other. The audit log is append-only for it.
func grantTenantRole(ctx context.Context, tx pgx.Tx, schema, role string) error {
	return grantTenantRoles(ctx, tx, []schemaRole{{schema, role}})
}

// grantTenantRoles runs grantTenantRole's grants for several schemas in two
// round trips: one listing their relations, one granting.
//
// The relations are listed through pg_depend's index on the namespace, and
// granted by name: "GRANT ... ON ALL TABLES IN SCHEMA" scans the whole of
// pg_class, which with 1,000 tenants (~60,000 relations) took 35 ms per
// tenant, growing with every clinic added.
func grantTenantRoles(ctx context.Context, tx pgx.Tx, srs []schemaRole) error {
	if len(srs) == 0 {
		return nil
	}
	schemas := make([]string, len(srs))
	for i, sr := range srs {
		schemas[i] = sr.schema
	}
	rows, err := tx.Query(ctx, `
		select n.nspname::text, c.relname::text, c.relkind = 'S'
		from pg_catalog.pg_namespace n
		join pg_catalog.pg_depend d on d.refclassid = 'pg_catalog.pg_namespace'::regclass and d.refobjid = n.oid
		  and d.classid = 'pg_catalog.pg_class'::regclass
		join pg_catalog.pg_class c on c.oid = d.objid and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
		where n.nspname = any($1::name[])
		order by 1, 2`, schemas)
	if err != nil {
		return fmt.Errorf("grant tenant role: list relations: %w", err)
	}
	type relations struct {
		tables, seqs      []string
		hasAudit, hasHead bool
	}
	rels := map[string]*relations{}
	var schema, name string
	var isSeq bool
	if _, err := pgx.ForEachRow(rows, []any{&schema, &name, &isSeq}, func() error {
		r := rels[schema]
		if r == nil {
			r = &relations{}
			rels[schema] = r
		}
		qualified := pgx.Identifier{schema, name}.Sanitize()
		if isSeq {
			r.seqs = append(r.seqs, qualified)
		} else {
			r.tables = append(r.tables, qualified)
			r.hasAudit = r.hasAudit || name == "audit_log"
			r.hasHead = r.hasHead || name == "audit_chain_head"
		}
		return nil
	}); err != nil {
		return fmt.Errorf("grant tenant role: list relations: %w", err)
	}
	var sql strings.Builder
	for _, sr := range srs {
		r := rels[sr.schema]
		if r == nil {
			r = &relations{}
		}
		s, role := pgx.Identifier{sr.schema}.Sanitize(), pgx.Identifier{sr.role}.Sanitize()
		fmt.Fprintf(&sql, "GRANT USAGE ON SCHEMA %s TO %s;\n", s, role)
		if len(r.tables) > 0 {
			fmt.Fprintf(&sql, "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE %s TO %s;\n", strings.Join(r.tables, ", "), role)
		}
		if len(r.seqs) > 0 {
			fmt.Fprintf(&sql, "GRANT USAGE, SELECT ON SEQUENCE %s TO %s;\n", strings.Join(r.seqs, ", "), role)
		}
		if r.hasAudit {
			fmt.Fprintf(&sql, "REVOKE UPDATE, DELETE, TRUNCATE ON %s.audit_log FROM %s;\n", s, role)
		}
		if r.hasHead {
			// The chain head moves only through the audit trigger (as owner).
			fmt.Fprintf(&sql, "REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON %s.audit_chain_head FROM %s;\n", s, role)
		}
	}
	if err := execScript(ctx, tx, sql.String()); err != nil {
		return fmt.Errorf("grant tenant role: %w", err)
	}
	return nil
}

func searchPath(schema string) string {
	return pgx.Identifier{schema}.Sanitize() + ", public"
}

// MigrationError is a migration that PostgreSQL refused: which one (for
// the operator's words) and PostgreSQL's error (for the log). A schema that
// fails to migrate stays at the version it had.
type MigrationError struct {
	Version int
	Name    string // its file
	Err     error
}

func (e *MigrationError) Error() string { return e.Name + ": " + e.Err.Error() }

func (e *MigrationError) Unwrap() error { return e.Err }

// migrationFailed names the migration of ms whose statement failed in a
// pipeline (its label is the migration's file); err as it is if none did.
func migrationFailed(ms []migrations.Migration, err error) error {
	var se *stepError
	if errors.As(err, &se) {
		for _, m := range ms {
			if m.Name == se.label {
				return &MigrationError{Version: m.Version, Name: m.Name, Err: se.err}
			}
		}
	}
	return err
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

// MigrateTenants migrates the given tenants with up to jobs workers, in
// batches (migrateBatchSize). Tenants already at the latest version are not
// touched (not even a query). A failing tenant does not stop the others;
// progress (may be nil) is called once for each tenant, from one goroutine
// at a time. Results are in the order of tenants.
func (db *DB) MigrateTenants(ctx context.Context, tenants []TenantVersion, jobs int, progress func(done, total int, r TenantMigrationResult)) []TenantMigrationResult {
	latest := db.LatestTenantVersion()
	results := make([]TenantMigrationResult, len(tenants))
	var pending []int
	for i, tv := range tenants {
		results[i] = TenantMigrationResult{Schema: tv.Schema, From: tv.Version}
		if tv.Version < latest {
			pending = append(pending, i)
		}
	}
	var mu sync.Mutex
	done := 0
	report := func(idx ...int) {
		mu.Lock()
		defer mu.Unlock()
		for _, i := range idx {
			done++
			if progress != nil {
				progress(done, len(tenants), results[i])
			}
		}
	}
	for i, tv := range tenants {
		if tv.Version >= latest {
			report(i)
		}
	}
	if len(pending) == 0 {
		return results
	}
	jobs = max(1, min(jobs, len(pending)))
	// One owner pool for the whole run, closed at its end.
	err := db.withAdminPool(ctx, jobs, func(admin *pgxpool.Pool) error {
		citus, err := citusInstalled(ctx, admin)
		if err != nil {
			return err
		}
		size := 1
		if !citus {
			// Small runs still spread over every worker.
			size = max(1, min(migrateBatchSize, (len(pending)+jobs-1)/jobs))
		}
		work := make(chan []int)
		var wg sync.WaitGroup
		for range jobs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for idx := range work {
					db.migrateIndexed(ctx, admin, tenants, results, idx)
					report(idx...)
				}
			}()
		}
		for batch := range slices.Chunk(pending, size) {
			work <- batch
		}
		close(work)
		wg.Wait()
		return nil
	})
	if err != nil {
		for _, i := range pending {
			results[i].Applied, results[i].Err = 0, err
		}
		report(pending...)
	}
	return results
}

// migrateIndexed migrates tenants[idx...] as one batch into results; if the
// batch fails, each of its schemas again in a transaction of its own.
func (db *DB) migrateIndexed(ctx context.Context, admin *pgxpool.Pool, tenants []TenantVersion, results []TenantMigrationResult, idx []int) {
	if err := ctx.Err(); err != nil {
		for _, i := range idx {
			results[i].Err = err
		}
		return
	}
	tvs := make([]TenantVersion, len(idx))
	for k, i := range idx {
		tvs[k] = tenants[i]
	}
	rs, err := db.migrateBatch(ctx, admin, tvs, true)
	var busy []int
	switch {
	case err != nil && len(tvs) == 1 && pgCode(err) == "55P03": // lock_not_available
		busy = []int{0}
	case err != nil && len(tvs) == 1:
		rs[0].Err = err
	case err != nil:
		// One by one, a busy clinic skipped at first, then waited for.
		for k, tv := range tvs {
			one, err := db.migrateBatch(ctx, admin, []TenantVersion{tv}, true)
			rs[k] = one[0]
			if pgCode(err) == "55P03" { // lock_not_available
				busy = append(busy, k)
			} else if err != nil {
				rs[k].Err = err
			}
		}
	}
	for _, k := range busy {
		one, err := db.migrateBatch(ctx, admin, []TenantVersion{tvs[k]}, false)
		rs[k] = one[0]
		if err != nil {
			rs[k].Err = err
		}
	}
	for k, i := range idx {
		results[i] = rs[k]
	}
}
