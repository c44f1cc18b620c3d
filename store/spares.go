package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// The spare pool (PRODUCT.md §2). Building a tenant's ~60 relations costs
// 20–45 ms in one transaction and its p95 reaches ~100 ms on an fsync-on
// cluster under load, while renaming an already-built schema and its role
// costs ~2 ms. So complete tenant schemas are built ahead of time, outside
// any request, and CreateTenant claims one and renames it inside its own
// all-or-nothing transaction. A spare is named spare_<hex>, has its own role
// (<role prefix>spare_<hex>), its grants and its public.schema_versions row,
// is listed in public.spare_schemas and is migrated like any tenant
// (TenantVersions lists it), so a claimed spare is as new as a built schema.

// DefaultSpares is the size of the pool the command line and the server keep
// topped up: enough for a burst of creations between two top-ups, cheap to
// keep (a spare is an empty schema).
const DefaultSpares = 2

// sparePrefix names spare schemas; ValidateSchemaName reserves it.
const sparePrefix = "spare_"

// spareLockKey serialises pool top-ups across processes: each one counts
// the pool and builds one spare under it, so concurrent top-ups never
// overshoot.
const spareLockKey = 7_419_202_612

func newSpareName() (string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("spare name: %w", err)
	}
	return sparePrefix + hex.EncodeToString(b), nil
}

// readySparesQuery counts the spares a CreateTenant of this binary can
// claim: those at its latest tenant version. Outdated ones wait for
// `consultorio migrate`; newer ones belong to a newer binary.
const readySparesQuery = `select count(*) from public.spare_schemas s
	join public.schema_versions v on v.schema_name = s.schema_name where v.version = $1`

// SpareCount is how many spares are ready to be claimed (at this binary's
// latest tenant version).
func (db *DB) SpareCount(ctx context.Context) (int, error) {
	var n int
	if err := db.readShared(func(q sharedQuerier) error {
		return q.QueryRow(ctx, readySparesQuery, db.LatestTenantVersion()).Scan(&n)
	}); err != nil {
		return 0, fmt.Errorf("count spare schemas: %w", err)
	}
	return n, nil
}

// TopUpSpares builds spare schemas until want of them are ready, each in its
// own transaction (a failure keeps the ones already built), and returns how
// many it built. Several processes may run it at once: each spare is built
// under a transaction-level advisory lock after counting the pool, so
// together they build exactly what is missing. It is meant to run outside
// requests (after a creation, after migrate, in the server's background).
func (db *DB) TopUpSpares(ctx context.Context, want int) (int, error) {
	latest := db.LatestTenantVersion()
	created := 0
	// A full pool (the usual case for the server's periodic top-up) is seen
	// as the runtime role, without opening an owner connection.
	if n, err := db.SpareCount(ctx); err == nil && n >= want {
		return 0, nil
	}
	// The owner builds schemas and roles: one connection for the whole
	// top-up, closed at its end.
	err := db.withAdminConn(ctx, func(conn *pgx.Conn) error {
		for {
			full, err := db.topUpOne(ctx, conn, want, latest)
			if err != nil || full {
				return err
			}
			created++
		}
	})
	if err != nil {
		return created, fmt.Errorf("top up spare schemas: %w", err)
	}
	return created, nil
}

// topUpOne builds one spare unless want of them are ready; full says the
// pool was full.
func (db *DB) topUpOne(ctx context.Context, conn *pgx.Conn, want, latest int) (bool, error) {
	full := false
	err := inPublic(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "select pg_advisory_xact_lock($1)", spareLockKey); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		// Counted after the lock, so the spares committed by the previous
		// holder are seen.
		var n int
		if err := tx.QueryRow(ctx, readySparesQuery, latest).Scan(&n); err != nil {
			return fmt.Errorf("count: %w", err)
		}
		if n >= want {
			full = true
			return nil
		}
		return db.buildSpare(ctx, tx)
	})
	return full, err
}

// buildSpare builds one spare schema and adds it to the pool, in tx.
func (db *DB) buildSpare(ctx context.Context, tx pgx.Tx) error {
	name, err := newSpareName()
	if err != nil {
		return err
	}
	role := db.rolePrefix + name
	if err := db.buildTenantSchema(ctx, tx, name, role, nil); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `insert into public.spare_schemas (schema_name, role_name) values ($1, $2)`,
		name, role); err != nil {
		return fmt.Errorf("add spare: %w", err)
	}
	return nil
}

// buildTenantSchema creates a tenant's role and schema, applies every tenant
// migration (which writes its schema_versions row) and grants the role its
// schema; step (may be nil) runs after the schema exists and after the
// tables. The raw CREATE error is returned so the caller can name conflicts.
func (db *DB) buildTenantSchema(ctx context.Context, tx pgx.Tx, schema, role string, step func(string) error) error {
	s, r := pgx.Identifier{schema}.Sanitize(), pgx.Identifier{role}.Sanitize()
	if err := citusDDL(ctx, tx); err != nil {
		return err
	}
	if err := execScript(ctx, tx, fmt.Sprintf(`CREATE ROLE %[1]s NOLOGIN NOINHERIT; GRANT %[1]s TO CURRENT_USER; CREATE SCHEMA %[2]s`, r, s)); err != nil {
		return &createSchemaError{err: err}
	}
	if step != nil {
		if err := step("schema"); err != nil {
			return err
		}
	}
	if err := applyTenantMigrations(ctx, tx, schema, db.migs.Tenant); err != nil {
		return fmt.Errorf("tenant migration %w", err)
	}
	if err := grantTenantRole(ctx, tx, schema, role); err != nil {
		return err
	}
	if step != nil {
		return step("tables")
	}
	return nil
}

// createSchemaError is a failed CREATE ROLE / CREATE SCHEMA.
type createSchemaError struct{ err error }

func (e *createSchemaError) Error() string { return "create schema and role: " + e.err.Error() }
func (e *createSchemaError) Unwrap() error { return e.err }

// claimedSpare is a spare taken from the pool inside a provisioning
// transaction.
type claimedSpare struct{ schema, role string }

// claimSpare takes the oldest ready spare out of the pool, or returns nil
// when there is none. The pool row and the spare's version row are locked
// with SKIP LOCKED: concurrent creations take different spares, and a spare
// being migrated right now is left alone. If the provisioning transaction
// rolls back, the spare is back in the pool untouched.
func (db *DB) claimSpare(ctx context.Context, tx pgx.Tx) (*claimedSpare, error) {
	var c claimedSpare
	err := tx.QueryRow(ctx, `delete from public.spare_schemas s where s.schema_name = (
			select sp.schema_name from public.spare_schemas sp
			join public.schema_versions v on v.schema_name = sp.schema_name
			where v.version = $1
			order by sp.created_at, sp.schema_name limit 1
			for update of sp, v skip locked)
		returning s.schema_name, s.role_name`, db.LatestTenantVersion()).Scan(&c.schema, &c.role)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("claim spare schema: %w", err)
	}
	return &c, nil
}

// adoptSpare gives a claimed spare the tenant's schema and role names and
// moves its version row along.
func adoptSpare(ctx context.Context, tx pgx.Tx, sp *claimedSpare, schema, role string) error {
	if err := execScript(ctx, tx, fmt.Sprintf(`ALTER SCHEMA %s RENAME TO %s; ALTER ROLE %s RENAME TO %s`,
		pgx.Identifier{sp.schema}.Sanitize(), pgx.Identifier{schema}.Sanitize(),
		pgx.Identifier{sp.role}.Sanitize(), pgx.Identifier{role}.Sanitize())); err != nil {
		return &createSchemaError{err: err}
	}
	// A version row left under the new name by a schema that no longer
	// exists (the rename above proved it does not) must not block the move.
	if _, err := tx.Exec(ctx, `delete from public.schema_versions where schema_name = $1`, schema); err != nil {
		return fmt.Errorf("move schema version: %w", err)
	}
	if _, err := tx.Exec(ctx, `update public.schema_versions set schema_name = $2, updated_at = now() where schema_name = $1`,
		sp.schema, schema); err != nil {
		return fmt.Errorf("move schema version: %w", err)
	}
	return nil
}
