// Package store is the data and rules layer of Consultorio: the database
// connections, the tenant-scoped transactions that keep clinics apart, every
// operation with its rules (roles, limits, status flow, money) and the errors
// the UI shows.
//
// It knows nothing of terminals: the TUI and the scripted SSH commands both
// call it, so they get the same answers.
package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	pgxdecimal "github.com/jackc/pgx-shopspring-decimal"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/jackc/pgx/v5/pgxpool"

	"consultorio/store/clinicpool"
)

// DB is the application's handle on PostgreSQL. It is safe for concurrent use.
//
// It holds no connection as the database's owner: the owner's configuration
// is kept to open one for migrations and provisioning (adminTx), and closed
// after. Shared data goes through pool, as the runtime role; each clinic's
// work through that clinic's own pool, as the clinic's role (see access.go).
type DB struct {
	admin   *pgxpool.Config // the owner's connection settings (DATABASE_URL)
	pool    *pgxpool.Pool   // the runtime role: public tables only
	clinics *clinicpool.Cache[*pgxpool.Pool]
	// secret derives role passwords (rolePassword); set by ensureAccess,
	// which may run after Open (MigratePublic on a new database).
	secret atomic.Pointer[[]byte]
	// accessReady: ensureAccess found every role and grant in place when
	// the store opened (MigratePublic's no-op path relies on it).
	accessReady atomic.Bool
	// rolePrefix makes tenant role names unique per database: roles are
	// cluster-wide, and several databases (tests, staging) may share a cluster.
	rolePrefix     string
	connsPerClinic int32
	now            func() time.Time
	migs           Migrations
	host           hostNames // reserved SSH names (hostnames.go)
	// binaryVersion is the release of the running binary, recorded in the
	// database by MigratePublic (see installation.go).
	binaryVersion string
	passwords     *passwords // bounded argon2id work (logins, password changes)
	box           *secretBox // seals TOTP secrets; nil without Options.SecretKey
	attachmentMax int64      // Options.AttachmentMaxBytes
	// direct is Options.DirectURL's settings (nil: admin's), for the
	// connections that must keep a server session of their own.
	direct  *pgxpool.Config
	observe Observer // Options.Observer, never nil
	// owner is Open's owner connection, kept when Options.OwnerSession
	// asks for it (nil otherwise); ownerMu serialises its use.
	owner   *pgx.Conn
	ownerMu sync.Mutex
}

// Options tunes Open.
type Options struct {
	// MaxConns sizes the pool of shared (public) data.
	MaxConns int32
	// ClinicConns bounds the connections of all clinics together (default
	// 48); ConnsPerClinic those of one clinic (default 3). ClinicConns /
	// ConnsPerClinic clinic pools are open at most; the least recently used
	// idle one is closed to make room.
	ClinicConns    int
	ConnsPerClinic int32
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
	// PasswordCost is the argon2id cost of new password hashes; the zero
	// value means DefaultPasswordCost (OWASP's). Existing hashes verify at
	// the cost they were made with, whatever this is. The test suites set a
	// cheap one, as Django's documentation advises for its own hashers:
	// under the race detector one default hash takes seconds.
	PasswordCost PasswordCost
	// CheckPassword replaces the password check run inside that bound
	// (tests count the checks); nil means CheckPassword.
	CheckPassword func(hash, password string) bool
	// SecretKey (SecretKeySize bytes) seals the second factor's TOTP
	// secrets in the database (sealing.go). The installation keeps it
	// outside the database; without it, enrolling or checking a TOTP code
	// fails (a secret is never stored in clear).
	SecretKey []byte
	// AttachmentMaxBytes is the largest patient file stored; 0 means
	// DefaultAttachmentMaxBytes.
	AttachmentMaxBytes int64
	// DirectURL reaches the same database, as its owner, without a
	// connection pooler in between; "" means the main URL. The live-update
	// listener (LISTEN), the jobs' leadership and the migrations (session
	// advisory locks) need a server session of their own, which a pooler
	// in transaction mode does not keep: behind PgBouncer they connect
	// here. The listener and the leadership log in as the runtime role
	// (the URL's host, port, database and TLS settings); the owner's work
	// (migrations, provisioning) as the URL's user.
	DirectURL string
	// Observer is told about core operations as they run (metrics); nil
	// observes nothing.
	Observer Observer
	// OwnerSession keeps the owner connection Open makes until Close, and
	// runs on it every owner step and the reads of tenant versions and
	// spares: for a short command that works as the owner (migrate), one
	// connection instead of three, each a new backend with cold catalog
	// caches (most of a no-op migrate's time on a loaded machine). Not for
	// servers: it holds the owner's connection for the DB's whole life and
	// serialises the owner's work on it.
	OwnerSession bool
}

// Observer watches core operations for metrics. Its methods must be
// cheap and safe for concurrent use.
type Observer interface {
	// BookingStarted is called as a booking starts; the function it
	// returns is called when the booking is over, with its error (nil: booked).
	BookingStarted() func(error)
}

// noObserver observes nothing.
type noObserver struct{}

func (noObserver) BookingStarted() func(error) { return func(error) {} }

// Defaults of Options.
const (
	DefaultClinicConns    = 48
	DefaultConnsPerClinic = 3
)

// clinicIdle closes a clinic's pool, and each of its connections, after this
// long unused.
const clinicIdle = 2 * time.Minute

// Open prepares the store for the database at url, whose user owns it (in
// the private cluster, its superuser). It connects as the owner only to
// read the database's name and make sure the runtime and clinic roles can
// log in (when the public schema is migrated; MigratePublic does it
// otherwise), then closes that connection. It does not migrate.
func Open(ctx context.Context, url string, opts Options) (*DB, error) {
	box, err := newSecretBox(opts.SecretKey)
	if err != nil {
		return nil, err
	}
	pw, err := newPasswords(opts.MaxConcurrentHashes, opts.CheckPassword, opts.PasswordCost)
	if err != nil {
		return nil, err
	}
	admin, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	clock := opts.Clock
	if clock == nil {
		clock = SystemClock{}
	}
	db := &DB{admin: admin, now: clock.Now, migs: opts.Migrations.orDefault(), connsPerClinic: opts.ConnsPerClinic,
		host: parseHostNames(opts.HostName), binaryVersion: opts.BinaryVersion,
		passwords: pw, box: box, attachmentMax: opts.AttachmentMaxBytes}
	if db.connsPerClinic <= 0 {
		db.connsPerClinic = DefaultConnsPerClinic
	}
	db.observe = opts.Observer
	if db.observe == nil {
		db.observe = noObserver{}
	}
	if opts.DirectURL != "" {
		if db.direct, err = pgxpool.ParseConfig(opts.DirectURL); err != nil {
			return nil, fmt.Errorf("parse direct database url: %w", err)
		}
	}
	clinicConns := opts.ClinicConns
	if clinicConns <= 0 {
		clinicConns = DefaultClinicConns
	}
	initOwner := func(conn *pgx.Conn) error {
		var dbname string
		if err := conn.QueryRow(ctx, "select current_database()").Scan(&dbname); err != nil {
			return err
		}
		db.rolePrefix = RolePrefix(dbname)
		ready, err := db.ensureAccess(ctx, conn)
		db.accessReady.Store(ready)
		return err
	}
	if opts.OwnerSession {
		var conn *pgx.Conn
		if conn, err = db.connectOwner(ctx); err == nil {
			if err = initOwner(conn); err != nil {
				conn.Close(context.WithoutCancel(ctx))
			} else {
				db.owner = conn
			}
		}
	} else {
		err = db.withAdminConn(ctx, initOwner)
	}
	if err != nil {
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	cfg := db.loginConfig(db.runtimeRole())
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	// Connections are made on first use: before the first migration the
	// runtime role does not exist yet.
	if db.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	db.clinics = clinicpool.New(clinicpool.Config[*pgxpool.Pool]{
		MaxPools:    max(1, clinicConns/int(db.connsPerClinic)),
		IdleTimeout: clinicIdle,
		Open:        db.openClinicPool,
		// Idle pools are a matter of real time, not of the business clock:
		// the demo loader and tests move that clock by days, which closed
		// and reopened a clinic's pool (a new SCRAM login) on every jump.
		Now: time.Now,
	})
	return db, nil
}

// loginConfig is the owner's settings with another role and its derived
// password: same server, same database, same TLS.
func (db *DB) loginConfig(role string) *pgxpool.Config {
	cfg := db.admin.Copy()
	cfg.ConnConfig.User = role
	cfg.ConnConfig.Password = ""
	cfg.BeforeConnect = func(_ context.Context, cc *pgx.ConnConfig) error {
		secret := db.secret.Load()
		if secret == nil {
			return errNoRoles
		}
		cc.Password = rolePassword(*secret, role)
		return nil
	}
	// Every backend caches catalog entries of each tenant schema it touches;
	// with thousands of tenants, recycling connections bounds that memory.
	cfg.MaxConnLifetime = 30 * time.Minute
	cfg.MaxConnIdleTime = 5 * time.Minute
	// A session that ends (the user closes the terminal) cancels the
	// context of its work in flight. pgx's default answer, a deadline on
	// the socket, breaks the connection, and the next session pays for a
	// new one: fork, login, a cold catalog cache (30-130 ms before its
	// first frame, docs/BENCHMARKS.md). Instead a statement still running
	// after cancelDelay is cancelled the way psql does it, on the server,
	// which keeps the connection; most finish before that.
	cfg.ConnConfig.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: pc, CancelRequestDelay: cancelDelay, DeadlineDelay: cancelDeadline}
	}
	cfg.AfterConnect = registerTypes
	return cfg
}

// How a cancelled statement is stopped (loginConfig): a cancel request to
// the server once it has run cancelDelay past the cancellation; the
// socket's deadline, which loses the connection, only if the server has not
// answered cancelDeadline after it.
const (
	cancelDelay    = 100 * time.Millisecond
	cancelDeadline = 5 * time.Second
)

// beginFunc runs fn in a transaction of b, as pgx.BeginFunc does, except
// that BEGIN, COMMIT and ROLLBACK do not heed ctx's cancellation: pgx
// closes a connection whose ROLLBACK was cancelled, so a session ending in
// the middle of a transaction would cost the pool that connection. The
// statements fn runs still stop with ctx, and a transaction is not begun
// for a ctx already done.
func beginFunc(ctx context.Context, b interface {
	Begin(context.Context) (pgx.Tx, error)
}, fn func(pgx.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := pgx.BeginFunc(context.WithoutCancel(ctx), b, fn)
	if err != nil && ctx.Err() != nil {
		// The work stopped because ctx ended, whatever the error says (a
		// statement cancelled on the server fails with SQLSTATE 57014):
		// callers see the cancellation, the log keeps both.
		return fmt.Errorf("%w (%w)", ctx.Err(), err)
	}
	return err
}

// errNoRoles: the database predates login roles and was not migrated.
var errNoRoles = errors.New("the database has no login roles yet: run consultorio migrate")

// runtimeConnConfig is the runtime role's settings for a connection of its
// own, outside the pool, that keeps its server session (the listener, the
// leadership): through Options.DirectURL when given.
func (db *DB) runtimeConnConfig() (*pgx.ConnConfig, error) {
	cfg := db.pool.Config().ConnConfig
	if db.direct != nil {
		user := cfg.User
		cfg = db.direct.ConnConfig.Copy()
		cfg.User = user
	}
	secret := db.secret.Load()
	if secret == nil {
		return nil, errNoRoles
	}
	cfg.Password = rolePassword(*secret, cfg.User)
	// These connections wait (for notifications, for the leadership) and
	// are woken by cancelling the wait's context: it must return at once,
	// which pgx's default, a deadline on the socket, does without closing
	// a connection that is only waiting. The pools' cancel request would
	// leave the wait running until cancelDeadline.
	cfg.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.DeadlineContextWatcherHandler{Conn: pc.Conn()}
	}
	return cfg, nil
}

// openClinicPool makes the pool of one clinic's role. It connects lazily,
// on the first transaction.
func (db *DB) openClinicPool(ctx context.Context, role string) (*pgxpool.Pool, error) {
	cfg := db.loginConfig(role)
	cfg.MaxConns = db.connsPerClinic
	cfg.MinConns = 0
	cfg.MaxConnIdleTime = clinicIdle
	cfg.BeforeClose = endBackend
	return pgxpool.NewWithConfig(ctx, cfg)
}

// endBackendWait bounds how long closing a clinic connection waits for
// PostgreSQL to end its backend.
const endBackendWait = time.Second

// endBackend ends a clinic connection the pool is closing and waits until
// PostgreSQL has ended its backend: it asks the server to terminate and
// reads until the server closes the socket, which it does only after the
// backend has left pg_stat_activity. The pools' bound (clinicpool) counts
// a pool until its Close returns, so with this it also holds as PostgreSQL
// counts connections, not only as the store does: a backend still ending
// would otherwise be listed beside its successor for a moment. A busy or
// broken connection is left to the pool's own close.
func endBackend(c *pgx.Conn) {
	pc := c.PgConn()
	if pc.IsClosed() || pc.IsBusy() {
		return
	}
	pc.Frontend().Send(&pgproto3.Terminate{})
	if err := pc.Frontend().Flush(); err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), endBackendWait)
	defer cancel()
	_, _ = pc.ReceiveMessage(ctx) // io.EOF once the server has closed the connection
}

// RolePrefix is the prefix of the tenant role names of database dbname.
func RolePrefix(dbname string) string {
	sum := sha256.Sum256([]byte(dbname))
	return "ct" + hex.EncodeToString(sum[:3]) + "_"
}

// Close closes every connection.
func (db *DB) Close() {
	db.clinics.Close()
	db.pool.Close()
	if db.owner != nil {
		db.ownerMu.Lock()
		db.owner.Close(context.Background())
		db.ownerMu.Unlock()
	}
}

// Pool is the runtime role's pool (shared data only), for tests and the
// listener.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// OpenClinicPools is how many clinic pools are open now (tests, metrics).
func (db *DB) OpenClinicPools() int { return db.clinics.Open() }

// Now is the store's clock.
func (db *DB) Now() time.Time { return db.now() }

// publicTx runs fn in a transaction on the public schema, as the runtime
// role (operator panel, routing). search_path is pinned transaction-locally.
func (db *DB) publicTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return diskFull(inPublic(ctx, db.pool, fn))
}

func inPublic(ctx context.Context, b interface {
	Begin(context.Context) (pgx.Tx, error)
}, fn func(pgx.Tx) error) error {
	return beginFunc(ctx, b, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "select set_config('search_path', 'public', true)"); err != nil {
			return fmt.Errorf("set search_path: %w", err)
		}
		return fn(tx)
	})
}

// ownerConfig is the settings of the owner's own connections: the direct
// URL when there is one (migrations hold a session advisory lock).
func (db *DB) ownerConfig() *pgxpool.Config {
	if db.direct != nil {
		return db.direct
	}
	return db.admin
}

// withAdminConn runs fn on a connection as the database's owner, opened for
// it and closed after: no owner connection outlives the job that needs it
// (but for Options.OwnerSession's, which fn then gets). fn must not call
// back into the DB for another owner step or shared read.
func (db *DB) withAdminConn(ctx context.Context, fn func(*pgx.Conn) error) error {
	if db.owner != nil {
		db.ownerMu.Lock()
		defer db.ownerMu.Unlock()
		return fn(db.owner)
	}
	conn, err := db.connectOwner(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	return fn(conn)
}

func (db *DB) connectOwner(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, db.ownerConfig().ConnConfig.Copy())
	if err != nil {
		return nil, fmt.Errorf("connect as owner: %w", err)
	}
	_ = registerTypes(ctx, conn)
	return conn, nil
}

// registerTypes teaches a new connection the types the store reads beyond
// pgx's own (numeric as decimal.Decimal, the Money type's base): every pool's
// AfterConnect, and each owner connection opened alone.
func registerTypes(_ context.Context, c *pgx.Conn) error {
	pgxdecimal.Register(c.TypeMap())
	return nil
}

// sharedQuerier is what a shared read needs of a pool or a connection.
type sharedQuerier interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
	QueryRow(context.Context, string, ...any) pgx.Row
}

// readShared runs fn with the runtime role's pool, or with the owner
// session's connection (Options.OwnerSession).
func (db *DB) readShared(fn func(sharedQuerier) error) error {
	if db.owner != nil {
		db.ownerMu.Lock()
		defer db.ownerMu.Unlock()
		return fn(db.owner)
	}
	return fn(db.pool)
}

// adminTx runs fn in a transaction on the public schema as the database's
// owner (provisioning, archiving, purging, the spare pool), on a connection
// opened for it.
func (db *DB) adminTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return db.withAdminConn(ctx, func(conn *pgx.Conn) error { return inPublic(ctx, conn, fn) })
}

// withAdminPool runs fn with a pool of up to n owner connections (parallel
// migrations), closed after.
func (db *DB) withAdminPool(ctx context.Context, n int, fn func(*pgxpool.Pool) error) error {
	cfg := db.ownerConfig().Copy()
	cfg.MaxConns = int32(max(1, n))
	cfg.AfterConnect = registerTypes
	p, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("connect as owner: %w", err)
	}
	defer p.Close()
	return fn(p)
}
