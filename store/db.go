// Package store is the data and rules layer of Consultorio: a pgx pool, the
// tenant-scoped transactions that keep clinics apart, every operation with its
// rules (roles, limits, status flow, money) and the errors the UI shows.
//
// It knows nothing of terminals: the TUI and the scripted SSH commands both
// call it, so they get the same answers.
package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	pgxdecimal "github.com/jackc/pgx-shopspring-decimal"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DB is the application's handle on PostgreSQL. It is safe for concurrent use.
type DB struct {
	pool *pgxpool.Pool
	// rolePrefix makes tenant role names unique per database: roles are
	// cluster-wide, and several databases (tests, staging) may share a cluster.
	rolePrefix string
	now        func() time.Time
	migs       Migrations
	host       hostNames // reserved SSH names (hostnames.go)
	// binaryVersion is the release of the running binary, recorded in the
	// database by MigratePublic (see installation.go).
	binaryVersion string
	passwords     *passwords // bounded argon2id work (logins, password changes)
}

// Options tunes Open.
type Options struct {
	MaxConns int32
	// Clock replaces the real clock (tests of expiry, lockout and
	// scheduling); nil is SystemClock.
	Clock Clock
	// Migrations replaces the embedded migration sets (tests of the runner);
	// an empty set means the embedded one.
	Migrations Migrations
	// HostName is the server's public host name ("consultorio.example.com"):
	// its labels and domains can be no clinic's SSH name (hostnames.go).
	HostName string
	// BinaryVersion is the running binary's release (e.g. "0.2.0"): recorded
	// in the database when it migrates, named when a database is newer.
	BinaryVersion string
	// MaxConcurrentHashes bounds the argon2id computations (19 MiB each)
	// running at once across all logins; 0 means GOMAXPROCS.
	MaxConcurrentHashes int
	// CheckPassword replaces the password check run inside that bound
	// (tests count the checks); nil means CheckPassword.
	CheckPassword func(hash, password string) bool
}

// Open connects to the database at url. It does not migrate.
func Open(ctx context.Context, url string, opts Options) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	// Every backend caches catalog entries of each tenant schema it touches;
	// with thousands of tenants, recycling connections bounds that memory.
	cfg.MaxConnLifetime = 30 * time.Minute
	cfg.MaxConnIdleTime = 5 * time.Minute
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		pgxdecimal.Register(c.TypeMap())
		return nil
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	var dbname string
	if err := pool.QueryRow(ctx, "select current_database()").Scan(&dbname); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	clock := opts.Clock
	if clock == nil {
		clock = SystemClock{}
	}
	db := &DB{pool: pool, rolePrefix: RolePrefix(dbname), now: clock.Now, migs: opts.Migrations.orDefault(),
		host: parseHostNames(opts.HostName), binaryVersion: opts.BinaryVersion,
		passwords: newPasswords(opts.MaxConcurrentHashes, opts.CheckPassword)}
	return db, nil
}

// RolePrefix is the prefix of the tenant role names of database dbname.
func RolePrefix(dbname string) string {
	sum := sha256.Sum256([]byte(dbname))
	return "ct" + hex.EncodeToString(sum[:3]) + "_"
}

// Close closes the pool.
func (db *DB) Close() { db.pool.Close() }

// Pool exposes the pool to tests and to the migration runner's callers.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Now is the store's clock.
func (db *DB) Now() time.Time { return db.now() }

// publicTx runs fn in a transaction on the public schema (operator panel,
// provisioning, routing). search_path is pinned transaction-locally so a
// previous tenant's setting can never apply.
func (db *DB) publicTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return diskFull(pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "select set_config('search_path', 'public', true)"); err != nil {
			return fmt.Errorf("set search_path: %w", err)
		}
		return fn(tx)
	}))
}
