package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// Login rules (PRODUCT.md §3), shared by clinic staff and panel operators.
const (
	// MaxFailedLogins consecutive failures lock an account ...
	MaxFailedLogins = 5
	// ... for LockoutDuration. While locked even the right secret is refused.
	LockoutDuration = 15 * time.Minute
)

// Login errors. ErrBadCredentials is the one answer for a wrong secret, an
// unknown e-mail and a locked account alike, so an attacker cannot tell which
// addresses exist or which accounts they have locked (issue 12, F8). The
// other two are only given to someone who typed the right secret.
var (
	ErrBadCredentials   = &Sentinel{CodeBadCredentials, "wrong e-mail, password or code"}
	ErrAccountDisabled  = &Sentinel{CodeDisabled, "this account is disabled"}
	ErrSetupCodeExpired = &Sentinel{CodeExpired, "this setup code has expired"}
)

// dummySetupHash matches no code (no SHA-256 is all zeros in practice).
const dummySetupHash = "sha256$0000000000000000000000000000000000000000000000000000000000000000"

// maxEmailLen bounds what we look up and record (RFC 5321's path limit).
const maxEmailLen = 254

func normalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// secretKind is how a login proves itself; also recorded in the audit rows.
type secretKind string

const (
	byPassword  secretKind = "password"
	bySetupCode secretKind = "setup_code"
)

// accountStore is where accounts live: a clinic's users table (inside the
// tenant's transactions) or public.operators. Both tables have the same
// credential columns, so one implementation enforces the rules for both.
type accountStore struct {
	run   func(context.Context, func(pgx.Tx) error) error
	table string // a constant of ours, never user input
	// codes and grants are the tables of the accounts' recovery codes and
	// command grants (second factor).
	codes, grants string
	box           *secretBox // seals the TOTP secrets (sealing.go)
	now           func() time.Time
	passwords     *passwords
	// record writes an audit row about a login attempt inside tx. id is 0
	// when the e-mail matched no account.
	record func(ctx context.Context, tx pgx.Tx, id int64, email, event string, detail map[string]any) error
}

type account struct {
	id           int64
	active       bool
	passwordHash *string
	codeHash     *string
	codeExpires  *time.Time
	lockedUntil  *time.Time // set when this attempt's reservation locked the account
}

// checkSecret verifies secret against the account (nil: unknown e-mail or
// locked account, checked against a dummy so it costs the same). expired
// reports the right setup code past its expiry.
func (s accountStore) checkSecret(ctx context.Context, kind secretKind, acc *account, secret string, now time.Time) (ok, expired bool, err error) {
	switch kind {
	case byPassword:
		hash := s.passwords.dummy
		if acc != nil && acc.passwordHash != nil {
			hash = *acc.passwordHash
		}
		match, err := s.passwords.Check(ctx, hash, secret)
		return match && acc != nil && acc.passwordHash != nil, false, err
	case bySetupCode:
		hash := dummySetupHash
		if acc != nil && acc.codeHash != nil {
			hash = *acc.codeHash
		}
		match := CheckSetupCode(hash, secret) && acc != nil && acc.codeHash != nil
		if match && (acc.codeExpires == nil || !acc.codeExpires.After(now)) {
			return false, true, nil
		}
		return match, false, nil
	}
	return false, false, nil
}

// authenticate checks email + secret with the lockout rules and, on success,
// runs success in the transaction that records the login.
//
// Every attempt is counted before its secret is checked: one statement
// reserves it (failed_attempts + 1, and the lock when that reaches
// MaxFailedLogins) on an account that is not locked, and returns the
// credentials only then. So however many attempts run in parallel, at most
// MaxFailedLogins secrets are checked against an account before it locks;
// the rest are refused without a look at the real hash. A right secret
// resets the counter and lifts the lock. The argon2 check runs between two
// short transactions, so a burst of attempts does not pin connections for
// the hash's duration, and inside db.passwords' bound, so it does not take
// the server's memory either.
//
// Unknown e-mails and locked accounts get the dummy hash check and the same
// ErrBadCredentials as a wrong secret; only the audit log tells them apart.
func (s accountStore) authenticate(ctx context.Context, email, secret string, kind secretKind, success func(pgx.Tx, int64) error) error {
	email = normalizeEmail(email)
	now := s.now()
	var acc *account
	var knownID int64 // an account that exists but is locked
	if email != "" && len(email) <= maxEmailLen && CheckText("email", email, false) == nil {
		err := s.run(ctx, func(tx pgx.Tx) error {
			var a account
			err := tx.QueryRow(ctx, `update `+s.table+` set
					failed_attempts = case when failed_attempts + 1 >= $3 then 0 else failed_attempts + 1 end,
					locked_until = case when failed_attempts + 1 >= $3 then $4::timestamptz end
				where email = $1 and (locked_until is null or locked_until <= $2)
				returning id, active, password_hash, setup_code_hash, setup_expires_at, locked_until`,
				email, now, MaxFailedLogins, now.Add(LockoutDuration)).
				Scan(&a.id, &a.active, &a.passwordHash, &a.codeHash, &a.codeExpires, &a.lockedUntil)
			if errors.Is(err, pgx.ErrNoRows) {
				// Unknown or locked: the same answer; which one is for the log.
				err = tx.QueryRow(ctx, `select id from `+s.table+` where email = $1`, email).Scan(&knownID)
				if errors.Is(err, pgx.ErrNoRows) {
					return nil
				}
				return err
			}
			if err != nil {
				return err
			}
			acc = &a
			return nil
		})
		if err != nil {
			return fmt.Errorf("login: %w", err)
		}
	}
	ok, expired, err := s.checkSecret(ctx, kind, acc, secret, now)
	if err != nil {
		return fmt.Errorf("login: %w", err)
	}
	if len(email) > maxEmailLen {
		email = email[:maxEmailLen]
	}
	if CheckText("email", email, false) != nil {
		email = strconv.QuoteToASCII(email) // recorded inert, as typed
	}
	var result error
	err = s.run(ctx, func(tx pgx.Tx) error {
		if acc == nil {
			result = ErrBadCredentials
			reason := "unknown e-mail"
			if knownID != 0 {
				reason = "account locked"
			}
			return s.record(ctx, tx, knownID, email, "auth.failed", map[string]any{"method": kind, "reason": reason})
		}
		if !ok && !expired {
			result = ErrBadCredentials
			event := "auth.failed"
			if acc.lockedUntil != nil {
				event = "auth.locked" // this attempt was the last one allowed
			}
			return s.record(ctx, tx, acc.id, email, event, map[string]any{"method": kind, "reason": "wrong " + string(kind)})
		}
		// The right secret: whoever typed it knows it, so the counter
		// and any lock (set by this attempt or by guesses that raced with
		// it) have nothing left to protect.
		var active bool
		err := tx.QueryRow(ctx, `update `+s.table+` set failed_attempts = 0, locked_until = null,
				last_login_at = case when active and $2 then $3 else last_login_at end
			where id = $1 returning active`, acc.id, ok, now).Scan(&active)
		if err != nil {
			return notFound(err, EntityUser, acc.id)
		}
		switch {
		case expired:
			result = ErrSetupCodeExpired
			return s.record(ctx, tx, acc.id, email, "auth.failed", map[string]any{"method": kind, "reason": "setup code expired"})
		case !active:
			result = ErrAccountDisabled
			return s.record(ctx, tx, acc.id, email, "auth.failed", map[string]any{"method": kind, "reason": "account disabled"})
		}
		if err := s.record(ctx, tx, acc.id, email, "auth.login", map[string]any{"method": kind}); err != nil {
			return err
		}
		return success(tx, acc.id)
	})
	if err != nil {
		return fmt.Errorf("login: %w", err)
	}
	return result
}

// accounts is the tenant's account store; login attempts go to the clinic's
// audit log (without the secret), so its admin sees who tried what from where.
func (t *Tenant) accounts(remoteAddr string) accountStore {
	return accountStore{
		run:       t.tx,
		table:     "users",
		codes:     "recovery_codes",
		grants:    "command_grants",
		box:       t.db.box,
		now:       t.db.now,
		passwords: t.db.passwords,
		record: func(ctx context.Context, tx pgx.Tx, id int64, email, event string, detail map[string]any) error {
			a := Actor{Email: email, RemoteAddr: remoteAddr}
			if event == "auth.login" {
				a.UserID = id
			}
			if event == "auth.locked" && id != 0 {
				// The admins hear of it in the transaction that records it.
				if err := t.noticeLocked(ctx, tx, id); err != nil {
					return err
				}
			}
			return audit(ctx, tx, a, event, "user", id, detail)
		},
	}
}

// checkOpen refuses staff logins to a clinic that is suspended or gone. It
// reads the status afresh: the handle's Info may predate an operator's
// suspension.
func (t *Tenant) checkOpen(ctx context.Context) error {
	var status string
	err := t.db.pool.QueryRow(ctx, `select status from public.tenants where id = $1`, t.Info.ID).Scan(&status)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNoSuchTenant
	}
	if err != nil {
		return fmt.Errorf("clinic status: %w", err)
	}
	switch status {
	case TenantSuspended:
		return ErrTenantSuspended
	case TenantArchived:
		return ErrNoSuchTenant
	}
	return nil
}

// UserByKey returns the active staff user owning the key with this SHA256
// fingerprint (as gossh.FingerprintSHA256 prints it). A key of another
// clinic, of an operator or of a deactivated user is ErrNotFound. The
// lockout does not apply: a key cannot be guessed, and an attacker guessing
// the password must not lock the owner out of key login.
//
// It only reads, so it waits for no disk flush: the login itself is recorded
// by KeyLogin, which a terminal session runs alongside its first frame.
func (t *Tenant) UserByKey(ctx context.Context, fingerprint string) (*User, error) {
	if err := t.checkOpen(ctx); err != nil {
		return nil, err
	}
	id, err := t.IdentifyKey(ctx, fingerprint)
	return id.User, err
}

// KeyIdentity is who a key identifies in a clinic, with what the clinic's
// policy asks of them before a terminal session opens.
type KeyIdentity struct {
	User *User
	// SecondFactor: the clinic's policy requires a second factor of the
	// user's role (a security key may still satisfy it alone).
	SecondFactor bool
}

// IdentifyKey is UserByKey for a session that has just resolved the clinic
// (ResolveTenant: its status is known), with the second-factor policy of
// the user's role: what a terminal session must know before its first
// frame, in one round trip to the database (a pipeline of the schema
// setting and one query, in one implicit transaction), so that frame waits
// for no more. It only reads.
func (t *Tenant) IdentifyKey(ctx context.Context, fingerprint string) (KeyIdentity, error) {
	pool, release, err := t.db.clinics.Acquire(ctx, t.Info.Role)
	if err != nil {
		return KeyIdentity{}, diskFull(fmt.Errorf("connect as clinic %s: %w", t.Info.Schema, err))
	}
	defer release()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return KeyIdentity{}, diskFull(fmt.Errorf("connect as clinic %s: %w", t.Info.Schema, err))
	}
	defer conn.Release()
	// Unnamed statements, not the connection's prepared ones: a statement
	// is prepared before any of the batch runs, and this one can only be
	// parsed once the schema is set. The schema setting is
	// transaction-local, as in tx: one Sync ends the batch's one implicit
	// transaction.
	var b pgconn.Batch
	b.ExecParams("select set_config('search_path', $1, true)", [][]byte{[]byte(searchPath(t.Info.Schema))}, nil, nil, nil)
	b.ExecParams(`select `+userColumns+`, st.second_factor
		from user_keys k join users u on u.id = k.user_id cross join settings st
		where k.fingerprint = $1 and u.active`, [][]byte{[]byte(fingerprint)}, nil, nil, nil)
	res, err := conn.Conn().PgConn().ExecBatch(ctx, &b).ReadAll()
	if err == nil && len(res) != 2 {
		err = fmt.Errorf("%d results of 2 statements", len(res))
	}
	if err != nil {
		return KeyIdentity{}, wrapOp("login by key", diskFull(err))
	}
	var (
		id     KeyIdentity
		policy SecondFactorPolicy
	)
	id.User, err = scanUser(resultRow{m: conn.Conn().TypeMap(), r: res[1]}, &policy)
	if err != nil {
		return KeyIdentity{}, wrapOp("login by key", notFound(err, EntityKey, nil))
	}
	id.SecondFactor = policy.Requires(id.User.Role)
	return id, nil
}

// resultRow is the first row of a statement's result read at the protocol
// level (pgconn), as a pgx.Row.
type resultRow struct {
	m *pgtype.Map
	r *pgconn.Result
}

func (r resultRow) Scan(dest ...any) error {
	if len(r.r.Rows) == 0 {
		return pgx.ErrNoRows
	}
	return pgx.ScanRow(r.m, r.r.FieldDescriptions, r.r.Rows[0], dest...)
}

// KeyLogin records that the user logged in with the key with this
// fingerprint: the key's last use and the user's last login.
func (t *Tenant) KeyLogin(ctx context.Context, userID int64, fingerprint string) error {
	now := t.db.now()
	err := t.tx(ctx, func(tx pgx.Tx) error {
		return staffKeys.recordUse(ctx, tx, userID, fingerprint, now)
	})
	return wrapOp("record key login", err)
}

// LoginPassword logs a staff user in with e-mail and password, applying the
// lockout. Errors: ErrBadCredentials (also for an unknown e-mail),
// ErrAccountDisabled, ErrTenantSuspended.
func (t *Tenant) LoginPassword(ctx context.Context, email, password, remoteAddr string) (*User, error) {
	return t.login(ctx, email, password, byPassword, remoteAddr)
}

// LoginSetupCode logs a staff user in with e-mail and their one-time setup
// code (valid SetupCodeTTL). The caller must then make the user choose a
// password (SetPassword), which consumes the code. Errors as LoginPassword,
// plus ErrSetupCodeExpired.
func (t *Tenant) LoginSetupCode(ctx context.Context, email, code, remoteAddr string) (*User, error) {
	return t.login(ctx, email, code, bySetupCode, remoteAddr)
}

func (t *Tenant) login(ctx context.Context, email, secret string, kind secretKind, remoteAddr string) (*User, error) {
	if err := t.checkOpen(ctx); err != nil {
		return nil, err
	}
	var u *User
	err := t.accounts(remoteAddr).authenticate(ctx, email, secret, kind, func(tx pgx.Tx, id int64) (err error) {
		u, err = userByID(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// SetPassword sets an active user's password (after ValidatePassword) as an
// argon2id hash and consumes any setup code. The caller has authenticated
// the user (setup-code login, or the user changing their own password).
func (t *Tenant) SetPassword(ctx context.Context, userID int64, password string) error {
	if err := ValidatePassword(password); err != nil {
		return err
	}
	hash, err := t.db.passwords.Hash(ctx, password)
	if err != nil {
		return err
	}
	err = t.tx(ctx, func(tx pgx.Tx) error {
		var email string
		err := tx.QueryRow(ctx, `update users set password_hash = $2, setup_code_hash = null, setup_expires_at = null,
				failed_attempts = 0, locked_until = null
			where id = $1 and active returning email::text`, userID, hash).Scan(&email)
		if err != nil {
			return notFound(err, EntityUser, nil)
		}
		return audit(ctx, tx, Actor{UserID: userID, Email: email}, "user.set_password", "user", userID, nil)
	})
	if err != nil {
		return wrapOp("set password", err)
	}
	return nil
}

// AddKey registers an OpenSSH public key for an active staff user. The user
// themself or an admin may do it.
func (t *Tenant) AddKey(ctx context.Context, actor Actor, userID int64, publicKeyLine, label string) (UserKey, error) {
	if !actor.MayManageKeysOf(userID) {
		return UserKey{}, forbidden("registering keys of other staff users")
	}
	label = strings.TrimSpace(label)
	if len([]rune(label)) > 100 {
		return UserKey{}, invalid("label", ReasonTooLong, 100)
	}
	var k UserKey
	err := t.tx(ctx, func(tx pgx.Tx) error {
		var active bool
		// Lock the user row so a concurrent deactivation (which drops the
		// user's key routes) cannot interleave with the new route.
		if err := tx.QueryRow(ctx, `select active from users where id = $1 for update`, userID).Scan(&active); err != nil {
			return notFound(err, EntityUser, nil)
		}
		if !active {
			return invalid("user", ReasonInactive)
		}
		var err error
		if k, err = addUserKey(ctx, tx, userID, publicKeyLine, label); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "user_key.add", "user", userID,
			map[string]any{"key_id": k.ID, "fingerprint": k.Fingerprint, "label": k.Label})
	})
	if err != nil {
		return UserKey{}, wrapOp("add key", err)
	}
	return k, nil
}
