package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// The installation row records which binary last migrated the database and
// the highest migrations it knew. It is made by the runner, like
// schema_versions, not by a numbered migration: a binary must be able to
// read it before it trusts anything else about the schema, including on a
// database made by a release that had no such table.
const installationDDL = `CREATE TABLE IF NOT EXISTS public.installation (
    id             boolean PRIMARY KEY DEFAULT true CHECK (id),
    binary_version text NOT NULL,
    public_version integer NOT NULL,
    tenant_version integer NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now()
)`

// Installation is what the database says about the binary that last
// migrated it.
type Installation struct {
	BinaryVersion string // "" when no binary has recorded itself yet
	PublicVersion int    // highest public migration that binary knew
	TenantVersion int    // highest tenant migration that binary knew
}

// DataNewerError: the database was migrated by a newer binary than this one;
// running on it could corrupt data this binary does not understand.
type DataNewerError struct {
	Data   Installation // what the database says
	Binary Installation // this binary
}

func (e *DataNewerError) Error() string {
	data := e.Data.BinaryVersion
	if data == "" {
		data = "a newer version"
	}
	return fmt.Sprintf("the database was migrated by consultorio %s (schema public %d, tenant %d); this is consultorio %s "+
		"(knows up to public %d, tenant %d): run consultorio %s or newer",
		data, e.Data.PublicVersion, e.Data.TenantVersion, e.Binary.BinaryVersion,
		e.Binary.PublicVersion, e.Binary.TenantVersion, data)
}

// ErrDataNewer matches any *DataNewerError with errors.Is.
var ErrDataNewer = &Sentinel{CodeConflict, "database newer than this binary"}

// Code is CodeConflict: the data is in a state this binary must not touch.
func (e *DataNewerError) Code() Code { return CodeConflict }

func (e *DataNewerError) Is(target error) bool { return target == ErrDataNewer }

// binary is this binary's side of the installation record.
func (db *DB) binary() Installation {
	v := db.binaryVersion
	if v == "" {
		v = "(unversioned build)"
	}
	return Installation{BinaryVersion: v, PublicVersion: db.LatestPublicVersion(), TenantVersion: db.LatestTenantVersion()}
}

// Installation reads the installation record (zero when there is none).
func (db *DB) Installation(ctx context.Context) (Installation, error) {
	var in Installation
	err := db.pool.QueryRow(ctx, `select binary_version, public_version, tenant_version from public.installation`).
		Scan(&in.BinaryVersion, &in.PublicVersion, &in.TenantVersion)
	if errors.Is(err, pgx.ErrNoRows) || pgCode(err) == "42P01" {
		return Installation{}, nil
	}
	if err != nil {
		return Installation{}, fmt.Errorf("read installation record: %w", err)
	}
	return in, nil
}

// checkNotNewer refuses a database that a newer binary migrated: its record
// names migrations this binary does not have, or the public schema is past
// this binary's last migration.
func (db *DB) checkNotNewer(ctx context.Context, conn *pgx.Conn, publicNow int) error {
	if _, err := conn.Exec(ctx, installationDDL); err != nil {
		return fmt.Errorf("installation record: %w", err)
	}
	var data Installation
	err := conn.QueryRow(ctx, `select binary_version, public_version, tenant_version from public.installation`).
		Scan(&data.BinaryVersion, &data.PublicVersion, &data.TenantVersion)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("read installation record: %w", err)
	}
	data.PublicVersion = max(data.PublicVersion, publicNow)
	me := db.binary()
	if data.PublicVersion > me.PublicVersion || data.TenantVersion > me.TenantVersion {
		return &DataNewerError{Data: data, Binary: me}
	}
	return nil
}

// recordBinary notes this binary in the installation record (a write only
// when something changed).
func (db *DB) recordBinary(ctx context.Context, conn *pgx.Conn) error {
	me := db.binary()
	_, err := conn.Exec(ctx, `insert into public.installation (binary_version, public_version, tenant_version) values ($1, $2, $3)
		on conflict (id) do update set binary_version = excluded.binary_version, public_version = excluded.public_version,
			tenant_version = excluded.tenant_version, updated_at = now()
		where (installation.binary_version, installation.public_version, installation.tenant_version)
			is distinct from (excluded.binary_version, excluded.public_version, excluded.tenant_version)`,
		me.BinaryVersion, me.PublicVersion, me.TenantVersion)
	if err != nil {
		return fmt.Errorf("record binary version: %w", err)
	}
	return nil
}
