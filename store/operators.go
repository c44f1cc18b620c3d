package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Operator is a person who runs the service: logs into the panel
// (`ssh panel@host`), creates and bills clinics. Operators live in the public
// schema and share nothing with clinic staff: an operator's key or password
// never opens a clinic, and a staff member's never opens the panel.
type Operator struct {
	ID          int64      `json:"id"`
	Email       string     `json:"email"`
	Name        string     `json:"name"`
	Active      bool       `json:"active"`
	Lang        string     `json:"lang,omitempty"` // "" = the panel's default
	HasPassword bool       `json:"has_password"`
	LastLoginAt *time.Time `json:"last_login_at"`
	CreatedAt   time.Time  `json:"created_at"`
}

// OperatorKey is an SSH public key registered for an operator.
type OperatorKey struct {
	ID          int64      `json:"id"`
	OperatorID  int64      `json:"operator_id"`
	PublicKey   string     `json:"public_key"`
	Fingerprint string     `json:"fingerprint"`
	Label       string     `json:"label"`
	CreatedAt   time.Time  `json:"created_at"`
	LastUsedAt  *time.Time `json:"last_used_at"`
}

// Actor is the operator acting from remoteAddr, for the operator audit log.
func (o *Operator) Actor(remoteAddr string) OperatorActor {
	return OperatorActor{OperatorID: o.ID, Email: o.Email, RemoteAddr: remoteAddr}
}

const operatorColumns = `o.id, o.email::text, o.name, o.active, coalesce(o.lang, ''),
	o.password_hash is not null, o.last_login_at, o.created_at`

func scanOperator(row pgx.Row) (*Operator, error) {
	var o Operator
	err := row.Scan(&o.ID, &o.Email, &o.Name, &o.Active, &o.Lang, &o.HasPassword, &o.LastLoginAt, &o.CreatedAt)
	if err != nil {
		return nil, err
	}
	return &o, nil
}

func operatorByID(ctx context.Context, tx pgx.Tx, id int64) (*Operator, error) {
	o, err := scanOperator(tx.QueryRow(ctx, `select `+operatorColumns+` from public.operators o where o.id = $1`, id))
	return o, notFound(err, EntityOperator, nil)
}

// operatorAccounts is the operators' account store; login attempts go to the
// operator audit log (without the secret).
func (db *DB) operatorAccounts(remoteAddr string) accountStore {
	return accountStore{
		run:       db.publicTx,
		table:     "public.operators",
		codes:     "public.operator_recovery_codes",
		grants:    "public.operator_command_grants",
		box:       db.box,
		now:       db.now,
		passwords: db.passwords,
		record: func(ctx context.Context, tx pgx.Tx, id int64, email, event string, detail map[string]any) error {
			a := OperatorActor{Email: email, RemoteAddr: remoteAddr}
			if event == "auth.login" {
				a.OperatorID = id
			}
			return operatorAudit(ctx, tx, a, event, "operator:"+email, nil, detail)
		},
	}
}

// CreateOperator adds a panel operator and returns them with a one-time
// setup code (valid SetupCodeTTL; only its hash is stored). publicKeyLine is
// an optional OpenSSH public key.
func (db *DB) CreateOperator(ctx context.Context, actor OperatorActor, email, name, publicKeyLine string) (*Operator, string, error) {
	if err := checkTexts(oneLine("email", email), oneLine("name", name)); err != nil {
		return nil, "", err
	}
	email = normalizeEmail(email)
	name = strings.TrimSpace(name)
	v := validation{}
	if !validEmail(email) || len(email) > maxEmailLen {
		v.add("email", ReasonEmail)
	}
	if name == "" {
		name = email
	}
	if publicKeyLine = strings.TrimSpace(publicKeyLine); publicKeyLine != "" {
		if _, _, _, err := ParsePublicKey(publicKeyLine); err != nil {
			v.add("public_key", ReasonPublicKey)
		}
	}
	if err := v.err(); err != nil {
		return nil, "", err
	}
	code, codeHash, err := NewSetupCode()
	if err != nil {
		return nil, "", err
	}
	var op *Operator
	err = db.publicTx(ctx, func(tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `insert into public.operators (email, name, setup_code_hash, setup_expires_at)
			values ($1, $2, $3, $4) returning id`, email, name, codeHash, db.now().Add(SetupCodeTTL)).Scan(&id)
		if err != nil {
			if pgCode(err) == pgUniqueViolation {
				return conflict("email", ReasonTaken)
			}
			return err
		}
		var keyFP string
		if publicKeyLine != "" {
			k, err := insertOperatorKey(ctx, tx, id, publicKeyLine, "")
			if err != nil {
				return err
			}
			keyFP = k.Fingerprint
		}
		if op, err = operatorByID(ctx, tx, id); err != nil {
			return err
		}
		return operatorAudit(ctx, tx, actor, "operator.create", "operator:"+email, nil,
			map[string]any{"operator": op, "key_fingerprint": keyFP})
	})
	if err != nil {
		return nil, "", wrapOp("create operator", err)
	}
	return op, code, nil
}

func insertOperatorKey(ctx context.Context, tx pgx.Tx, operatorID int64, line, label string) (OperatorKey, error) {
	canonical, fp, comment, err := ParsePublicKey(line)
	if err != nil {
		return OperatorKey{}, err
	}
	if label = strings.TrimSpace(label); label == "" {
		label = comment
	}
	if err := CheckText("label", label, false); err != nil {
		return OperatorKey{}, err
	}
	var k OperatorKey
	err = tx.QueryRow(ctx, `insert into public.operator_keys (operator_id, public_key, fingerprint, label)
		values ($1, $2, $3, $4)
		returning id, operator_id, public_key, fingerprint, label, created_at, last_used_at`, operatorID, canonical, fp, label).
		Scan(&k.ID, &k.OperatorID, &k.PublicKey, &k.Fingerprint, &k.Label, &k.CreatedAt, &k.LastUsedAt)
	if err != nil {
		if pgCode(err) == pgUniqueViolation {
			return OperatorKey{}, conflict("public_key", ReasonTaken)
		}
		return OperatorKey{}, fmt.Errorf("add operator key: %w", err)
	}
	return k, nil
}

// OperatorByKey returns the active operator owning the key with this SHA256
// fingerprint; ErrNotFound otherwise (staff keys are never found here). It
// only reads: OperatorKeyLogin records the login.
func (db *DB) OperatorByKey(ctx context.Context, fingerprint string) (*Operator, error) {
	var op *Operator
	err := db.publicTx(ctx, func(tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `select o.id from public.operator_keys k join public.operators o on o.id = k.operator_id
			where k.fingerprint = $1 and o.active`, fingerprint).Scan(&id)
		if err != nil {
			return notFound(err, EntityOperatorKey, nil)
		}
		op, err = operatorByID(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, wrapOp("operator login by key", err)
	}
	return op, nil
}

// OperatorKeyLogin records that the operator logged in with the key with
// this fingerprint: the key's last use and the operator's last login.
func (db *DB) OperatorKeyLogin(ctx context.Context, operatorID int64, fingerprint string) error {
	now := db.now()
	err := db.publicTx(ctx, func(tx pgx.Tx) error {
		return operatorKeys.recordUse(ctx, tx, operatorID, fingerprint, now)
	})
	return wrapOp("record operator key login", err)
}

// OperatorByEmail returns the operator with this e-mail (active or not);
// ErrNotFound otherwise. For the server, which learns who logged in through
// the login form by e-mail.
func (db *DB) OperatorByEmail(ctx context.Context, email string) (*Operator, error) {
	var op *Operator
	err := db.publicTx(ctx, func(tx pgx.Tx) (err error) {
		op, err = scanOperator(tx.QueryRow(ctx, `select `+operatorColumns+` from public.operators o where o.email = $1`,
			normalizeEmail(email)))
		return notFound(err, EntityOperator, email)
	})
	return op, wrapOp("operator by e-mail", err)
}

// OperatorLoginPassword logs an operator in with the same rules as staff
// (lockout, same error for an unknown e-mail).
func (db *DB) OperatorLoginPassword(ctx context.Context, email, password, remoteAddr string) (*Operator, error) {
	return db.operatorLogin(ctx, email, password, byPassword, remoteAddr)
}

// OperatorLoginSetupCode logs an operator in with their one-time setup code;
// the caller then makes them choose a password (SetOperatorPassword).
func (db *DB) OperatorLoginSetupCode(ctx context.Context, email, code, remoteAddr string) (*Operator, error) {
	return db.operatorLogin(ctx, email, code, bySetupCode, remoteAddr)
}

func (db *DB) operatorLogin(ctx context.Context, email, secret string, kind secretKind, remoteAddr string) (*Operator, error) {
	var op *Operator
	err := db.operatorAccounts(remoteAddr).authenticate(ctx, email, secret, kind, func(tx pgx.Tx, id int64) (err error) {
		op, err = operatorByID(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return op, nil
}

// SetOperatorPassword sets an active operator's password (ValidatePassword,
// argon2id) and consumes any setup code.
func (db *DB) SetOperatorPassword(ctx context.Context, operatorID int64, password string) error {
	if err := ValidatePassword(password); err != nil {
		return err
	}
	hash, err := db.passwords.Hash(ctx, password)
	if err != nil {
		return err
	}
	err = db.publicTx(ctx, func(tx pgx.Tx) error {
		var email string
		err := tx.QueryRow(ctx, `update public.operators set password_hash = $2, setup_code_hash = null,
				setup_expires_at = null, failed_attempts = 0, locked_until = null
			where id = $1 and active returning email::text`, operatorID, hash).Scan(&email)
		if err != nil {
			return notFound(err, EntityOperator, nil)
		}
		return operatorAudit(ctx, tx, OperatorActor{OperatorID: operatorID, Email: email},
			"operator.set_password", "operator:"+email, nil, nil)
	})
	return wrapOp("set operator password", err)
}

// AddOperatorKey registers an OpenSSH public key for an active operator.
// Operators all run the service, so any of them (or the CLI) may do it.
func (db *DB) AddOperatorKey(ctx context.Context, actor OperatorActor, operatorID int64, publicKeyLine, label string) (OperatorKey, error) {
	if len([]rune(strings.TrimSpace(label))) > 100 {
		return OperatorKey{}, invalid("label", ReasonTooLong, 100)
	}
	var k OperatorKey
	err := db.publicTx(ctx, func(tx pgx.Tx) error {
		var email string
		var active bool
		if err := tx.QueryRow(ctx, `select email::text, active from public.operators where id = $1`, operatorID).
			Scan(&email, &active); err != nil {
			return notFound(err, EntityOperator, nil)
		}
		if !active {
			return invalid("operator", ReasonInactive)
		}
		var err error
		if k, err = insertOperatorKey(ctx, tx, operatorID, publicKeyLine, label); err != nil {
			return err
		}
		return operatorAudit(ctx, tx, actor, "operator.key_add", "operator:"+email, nil,
			map[string]any{"key_id": k.ID, "fingerprint": k.Fingerprint, "label": k.Label})
	})
	if err != nil {
		return OperatorKey{}, wrapOp("add operator key", err)
	}
	return k, nil
}
