package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// User is a staff member of a clinic (a login). Secrets (password and setup
// code hashes) never leave the store; HasPassword says whether one is set.
type User struct {
	ID           int64  `json:"id"`
	Email        string `json:"email"`
	Name         string `json:"name"`
	Role         Role   `json:"role"`
	Active       bool   `json:"active"`
	Lang         string `json:"lang,omitempty"`          // "" = the clinic's language
	SpecialistID int64  `json:"specialist_id,omitempty"` // specialists.user_id link, 0 if none
	HasPassword  bool   `json:"has_password"`
	// ASCII: the user's own preference for ASCII mode (no colour, no
	// Unicode chrome) in the TUI.
	ASCII       bool       `json:"ascii"`
	LastLoginAt *time.Time `json:"last_login_at"`
	CreatedAt   time.Time  `json:"created_at"`
	// LockedUntil is when the lockout after too many failed logins ends;
	// nil when the account is not locked now (UnlockUser lifts it).
	LockedUntil *time.Time `json:"locked_until"`
}

// Locked tells whether the account is locked out now (too many failed
// logins): the store leaves LockedUntil set only while the lock lasts.
func (u User) Locked() bool { return u.LockedUntil != nil }

// settleLock clears a lockout that has ended by now (the column keeps the
// last lock's end; only the store's clock says whether it still holds).
func (u *User) settleLock(now time.Time) *User {
	if u != nil && u.LockedUntil != nil && !u.LockedUntil.After(now) {
		u.LockedUntil = nil
	}
	return u
}

// Actor is the user acting from remoteAddr: what every tenant operation
// takes to decide what is allowed and to fill the audit log.
func (u *User) Actor(remoteAddr string) Actor {
	return Actor{
		UserID:       u.ID,
		Email:        u.Email,
		Name:         u.Name,
		Role:         u.Role,
		SpecialistID: u.SpecialistID,
		RemoteAddr:   remoteAddr,
	}
}

// userColumns selects a User from "users u" inside a tenant transaction.
const userColumns = `u.id, u.email::text, u.name, u.role, u.active, coalesce(u.lang, ''),
	coalesce((select s.id from specialists s where s.user_id = u.id), 0),
	u.password_hash is not null, u.last_login_at, u.created_at, u.locked_until, u.ascii`

// scanUser reads userColumns, then into more the columns a query adds after
// them.
func scanUser(row pgx.Row, more ...any) (*User, error) {
	var u User
	var role string
	if err := row.Scan(append([]any{&u.ID, &u.Email, &u.Name, &role, &u.Active, &u.Lang, &u.SpecialistID,
		&u.HasPassword, &u.LastLoginAt, &u.CreatedAt, &u.LockedUntil, &u.ASCII}, more...)...); err != nil {
		return nil, err
	}
	u.Role = Role(role)
	return &u, nil
}

// userByID reads one user inside a tenant transaction.
func userByID(ctx context.Context, tx pgx.Tx, id int64) (*User, error) {
	u, err := scanUser(tx.QueryRow(ctx, `select `+userColumns+` from users u where u.id = $1`, id))
	return u, notFound(err, EntityUser, id)
}

// wrapOp adds context to unexpected errors but returns the store's own
// user-facing errors (validation, unsafe text, forbidden, conflict, limit, not
// found, login errors) unchanged, so the UI can show their text as it is.
func wrapOp(op string, err error) error {
	if err == nil {
		return nil
	}
	var (
		ve *ValidationError
		fe *ForbiddenError
		ce *ConflictError
		le *LimitError
		te *TextError
		lk *LockedError
	)
	if errors.As(err, &ve) || errors.As(err, &fe) || errors.As(err, &ce) || errors.As(err, &le) || errors.As(err, &te) ||
		errors.As(err, &lk) ||
		errors.Is(err, ErrNotFound) || errors.Is(err, ErrBadCredentials) || errors.Is(err, ErrAccountDisabled) ||
		errors.Is(err, ErrSetupCodeExpired) || errors.Is(err, ErrTenantSuspended) || errors.Is(err, ErrNoSuchTenant) {
		return err
	}
	return fmt.Errorf("%s: %w", op, err)
}

// NewUser describes a staff user to create.
type NewUser struct {
	Email string
	Name  string
	Role  Role
	Lang  string // "" = the clinic's language; "es" or "en"
}

// UserUpdate changes a staff user; nil fields stay as they are. Lang "" goes
// back to the clinic's language.
type UserUpdate struct {
	Name *string
	Role *Role
	Lang *string
	// ASCII sets the user's ASCII-mode preference (a user may set their
	// own, like their name and language).
	ASCII *bool
}

// maxNameLen bounds names shown on 80-column screens and stored in logs.
const maxNameLen = 200

// validName checks a person's name: required, bounded, and free of control
// characters (the TUI sanitizes output too, but nothing that could steer a
// terminal should be stored in the first place).
func validName(v validation, field, name string) {
	switch {
	case name == "":
		v.add(field, ReasonRequired)
	case len([]rune(name)) > maxNameLen:
		v.add(field, ReasonTooLong, maxNameLen)
	}
}

func validLang(v validation, lang string) {
	if lang != "" && lang != "es" && lang != "en" {
		v.add("lang", ReasonLang)
	}
}

// lockStaff serialises the changes that count users (plan limit, last
// admin) by locking the clinic's single settings row: two concurrent
// creations cannot both see room for one more.
func lockStaff(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `select 1 from settings for update`); err != nil {
		return fmt.Errorf("lock staff: %w", err)
	}
	return nil
}

// checkUsersLimit returns a *LimitError when the plan's users limit leaves
// no room for one more active user. Call with the staff lock held.
func (t *Tenant) checkUsersLimit(ctx context.Context, tx pgx.Tx) error {
	if t.Info.UsersLimit == nil {
		return nil
	}
	var n int
	if err := tx.QueryRow(ctx, `select count(*) from users where active`).Scan(&n); err != nil {
		return fmt.Errorf("count users: %w", err)
	}
	if n >= *t.Info.UsersLimit {
		return &LimitError{What: "users", Limit: *t.Info.UsersLimit, Count: n}
	}
	return nil
}

// keepsAnAdmin refuses a change that would leave the clinic without an
// active admin (nobody could then manage staff). Call with the staff lock
// held; exceptID is the user losing admin rights.
func keepsAnAdmin(ctx context.Context, tx pgx.Tx, exceptID int64, field string) error {
	var n int
	if err := tx.QueryRow(ctx, `select count(*) from users where active and role = 'admin' and id <> $1`, exceptID).Scan(&n); err != nil {
		return fmt.Errorf("count admins: %w", err)
	}
	if n == 0 {
		return conflict(field, ReasonLastAdmin)
	}
	return nil
}

// CreateUser adds a staff user (admins only) and returns them with their
// one-time setup code (valid SetupCodeTTL, only its hash is stored). The
// plan's users limit counts active users and is enforced race-free.
func (t *Tenant) CreateUser(ctx context.Context, actor Actor, nu NewUser) (*User, string, error) {
	if !actor.MayManageClinic() {
		return nil, "", forbidden("creating staff users")
	}
	if err := checkTexts(oneLine("email", nu.Email), oneLine("name", nu.Name), oneLine("lang", nu.Lang)); err != nil {
		return nil, "", err
	}
	nu.Email = normalizeEmail(nu.Email)
	nu.Name = strings.TrimSpace(nu.Name)
	nu.Lang = strings.TrimSpace(nu.Lang)
	v := validation{}
	if !validEmail(nu.Email) || len(nu.Email) > maxEmailLen {
		v.add("email", ReasonEmail)
	}
	validName(v, "name", nu.Name)
	if !nu.Role.Valid() {
		v.add("role", ReasonOneOf, "admin, specialist, reception")
	}
	validLang(v, nu.Lang)
	if err := v.err(); err != nil {
		return nil, "", err
	}
	code, codeHash, err := NewSetupCode()
	if err != nil {
		return nil, "", err
	}
	var u *User
	err = t.tx(ctx, func(tx pgx.Tx) error {
		if err := lockStaff(ctx, tx); err != nil {
			return err
		}
		if err := t.checkUsersLimit(ctx, tx); err != nil {
			return err
		}
		var id int64
		err := tx.QueryRow(ctx, `insert into users (email, name, role, lang, setup_code_hash, setup_expires_at)
			values ($1, $2, $3, nullif($4, ''), $5, $6) returning id`,
			nu.Email, nu.Name, string(nu.Role), nu.Lang, codeHash, t.db.now().Add(SetupCodeTTL)).Scan(&id)
		if err != nil {
			if pgCode(err) == pgUniqueViolation {
				return conflict("email", ReasonTaken)
			}
			return err
		}
		if u, err = userByID(ctx, tx, id); err != nil {
			return err
		}
		if err := t.queueInvitation(ctx, tx, u, code, t.db.now().Add(SetupCodeTTL)); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "user.create", "user", id, map[string]any{"email": u.Email, "name": u.Name, "role": u.Role})
	})
	if err != nil {
		return nil, "", wrapOp("create user", err)
	}
	return u, code, nil
}

// ListUsers lists the clinic's staff users, active first, by name. Admins
// and reception may read them.
func (t *Tenant) ListUsers(ctx context.Context, actor Actor) ([]User, error) {
	if !actor.MaySeeClinicSetup() {
		return nil, forbidden("listing staff users")
	}
	var out []User
	now := t.db.now()
	err := t.tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `select `+userColumns+` from users u order by u.active desc, lower(u.name), u.id`)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (User, error) {
			u, err := scanUser(r)
			if err != nil {
				return User{}, err
			}
			return *u.settleLock(now), nil
		})
		return err
	})
	if err != nil {
		return nil, wrapOp("list users", err)
	}
	return out, nil
}

// GetUser returns one staff user. Admins and reception may read anyone;
// everybody may read themself.
func (t *Tenant) GetUser(ctx context.Context, actor Actor, id int64) (*User, error) {
	if !actor.MaySeeClinicSetup() && actor.UserID != id {
		return nil, forbidden("reading staff users")
	}
	var u *User
	err := t.tx(ctx, func(tx pgx.Tx) (err error) {
		u, err = userByID(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, wrapOp("get user", err)
	}
	return u.settleLock(t.db.now()), nil
}

// UserByEmail returns the staff user with that e-mail (case-insensitive),
// with GetUser's permissions.
func (t *Tenant) UserByEmail(ctx context.Context, actor Actor, email string) (*User, error) {
	email = normalizeEmail(email)
	if !actor.MaySeeClinicSetup() && !strings.EqualFold(actor.Email, email) {
		return nil, forbidden("reading staff users")
	}
	var u *User
	err := t.tx(ctx, func(tx pgx.Tx) (err error) {
		u, err = scanUser(tx.QueryRow(ctx, `select `+userColumns+` from users u where u.email = $1`, email))
		return notFound(err, EntityUser, email)
	})
	if err != nil {
		return nil, wrapOp("user by e-mail", err)
	}
	return u.settleLock(t.db.now()), nil
}

// UpdateUser changes a staff user's name, role or language. Admins may
// change anyone (but never leave the clinic without an active admin); a user
// may change their own name and language.
func (t *Tenant) UpdateUser(ctx context.Context, actor Actor, id int64, up UserUpdate) (*User, error) {
	self := actor.UserID == id
	if !actor.MayManageClinic() && (!self || up.Role != nil) {
		return nil, forbidden("changing staff users")
	}
	if err := checkTexts(oneLine("name", deref(up.Name)), oneLine("lang", deref(up.Lang))); err != nil {
		return nil, err
	}
	v := validation{}
	if up.Name != nil {
		n := strings.TrimSpace(*up.Name)
		up.Name = &n
		validName(v, "name", n)
	}
	if up.Role != nil && !up.Role.Valid() {
		v.add("role", ReasonOneOf, "admin, specialist, reception")
	}
	if up.Lang != nil {
		l := strings.TrimSpace(*up.Lang)
		up.Lang = &l
		validLang(v, l)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	var u *User
	err := t.tx(ctx, func(tx pgx.Tx) error {
		if up.Role != nil {
			if err := lockStaff(ctx, tx); err != nil {
				return err
			}
		}
		before, err := scanUser(tx.QueryRow(ctx, `select `+userColumns+` from users u where u.id = $1 for update`, id))
		if err != nil {
			return notFound(err, EntityUser, id)
		}
		if up.Role != nil && before.Role == RoleAdmin && *up.Role != RoleAdmin && before.Active {
			if err := keepsAnAdmin(ctx, tx, id, "role"); err != nil {
				return err
			}
		}
		var role *string
		if up.Role != nil {
			r := string(*up.Role)
			role = &r
		}
		if _, err := tx.Exec(ctx, `update users set name = coalesce($2, name), role = coalesce($3, role),
				lang = case when $4::text is null then lang else nullif($4, '') end,
				ascii = coalesce($5, ascii)
			where id = $1`, id, up.Name, role, up.Lang, up.ASCII); err != nil {
			return err
		}
		if u, err = userByID(ctx, tx, id); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "user.update", "user", id, map[string]any{
			"before": map[string]any{"name": before.Name, "role": before.Role, "lang": before.Lang, "ascii": before.ASCII},
			"after":  map[string]any{"name": u.Name, "role": u.Role, "lang": u.Lang, "ascii": u.ASCII},
		})
	})
	if err != nil {
		return nil, wrapOp("update user", err)
	}
	return u.settleLock(t.db.now()), nil
}

// DeactivateUser stops a staff user from logging in (admins only; history
// stays). Their keys stop routing connections to the clinic. An admin cannot
// deactivate themself, and the last active admin cannot be deactivated.
func (t *Tenant) DeactivateUser(ctx context.Context, actor Actor, id int64) error {
	if !actor.MayManageClinic() {
		return forbidden("deactivating staff users")
	}
	if actor.UserID == id {
		return invalid("user", ReasonSelf)
	}
	return wrapOp("deactivate user", t.setActive(ctx, actor, id, false))
}

// ActivateUser lets a deactivated staff user log in again (admins only),
// within the plan's users limit.
func (t *Tenant) ActivateUser(ctx context.Context, actor Actor, id int64) error {
	if !actor.MayManageClinic() {
		return forbidden("activating staff users")
	}
	return wrapOp("activate user", t.setActive(ctx, actor, id, true))
}

func (t *Tenant) setActive(ctx context.Context, actor Actor, id int64, active bool) error {
	return t.tx(ctx, func(tx pgx.Tx) error {
		if err := lockStaff(ctx, tx); err != nil {
			return err
		}
		var was bool
		var role string
		if err := tx.QueryRow(ctx, `select active, role from users where id = $1 for update`, id).Scan(&was, &role); err != nil {
			return notFound(err, EntityUser, id)
		}
		if was == active {
			return nil
		}
		if active {
			if err := t.checkUsersLimit(ctx, tx); err != nil {
				return err
			}
		} else if role == string(RoleAdmin) {
			if err := keepsAnAdmin(ctx, tx, id, "active"); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `update users set active = $2 where id = $1`, id, active); err != nil {
			return err
		}
		// The key-routing index only lists keys that can log in.
		route := "public.remove_key_route"
		action := "user.deactivate"
		if active {
			route, action = "public.add_key_route", "user.activate"
		}
		if _, err := tx.Exec(ctx, `select `+route+`(fingerprint) from user_keys where user_id = $1`, id); err != nil {
			return fmt.Errorf("key routes: %w", err)
		}
		// The user's live sessions end (the servers recheck the clinic's
		// sessions on its status channel).
		if !active {
			if err := notifyStatus(ctx, tx, t.Info.Schema); err != nil {
				return err
			}
		}
		return audit(ctx, tx, actor, action, "user", id, nil)
	})
}

// NewUserSetupCode gives an active staff user a new one-time setup code
// (admins only), e.g. for a forgotten password: the old code stops working,
// the password keeps working until the user sets a new one, and a lockout is
// lifted.
func (t *Tenant) NewUserSetupCode(ctx context.Context, actor Actor, userID int64) (string, error) {
	if !actor.MayManageClinic() {
		return "", forbidden("issuing setup codes")
	}
	code, codeHash, err := NewSetupCode()
	if err != nil {
		return "", err
	}
	err = t.tx(ctx, func(tx pgx.Tx) error {
		var active bool
		if err := tx.QueryRow(ctx, `select active from users where id = $1 for update`, userID).Scan(&active); err != nil {
			return notFound(err, EntityUser, userID)
		}
		if !active {
			return invalid("user", ReasonInactive)
		}
		if _, err := tx.Exec(ctx, `update users set setup_code_hash = $2, setup_expires_at = $3,
				failed_attempts = 0, locked_until = null where id = $1`,
			userID, codeHash, t.db.now().Add(SetupCodeTTL)); err != nil {
			return err
		}
		u, err := userByID(ctx, tx, userID)
		if err != nil {
			return err
		}
		if err := t.queueInvitation(ctx, tx, u, code, t.db.now().Add(SetupCodeTTL)); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "user.setup_code", "user", userID, nil)
	})
	if err != nil {
		return "", wrapOp("new setup code", err)
	}
	return code, nil
}

// ListKeys lists a staff user's SSH keys: their own, or anyone's for admins
// and reception.
func (t *Tenant) ListKeys(ctx context.Context, actor Actor, userID int64) ([]UserKey, error) {
	if !actor.MaySeeClinicSetup() && actor.UserID != userID {
		return nil, forbidden("listing keys of other staff users")
	}
	var out []UserKey
	err := t.tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `select id, user_id, public_key, fingerprint, label, created_at, last_used_at
			from user_keys where user_id = $1 order by id`, userID)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (UserKey, error) {
			var k UserKey
			err := r.Scan(&k.ID, &k.UserID, &k.PublicKey, &k.Fingerprint, &k.Label, &k.CreatedAt, &k.LastUsedAt)
			return k, err
		})
		return err
	})
	if err != nil {
		return nil, wrapOp("list keys", err)
	}
	return out, nil
}

// RevokeKey removes a key (its owner or an admin) and its route, so it no
// longer logs in or routes connections to the clinic.
func (t *Tenant) RevokeKey(ctx context.Context, actor Actor, keyID int64) error {
	err := t.tx(ctx, func(tx pgx.Tx) error {
		var userID int64
		var fp, label string
		if err := tx.QueryRow(ctx, `select user_id, fingerprint, label from user_keys where id = $1 for update`, keyID).
			Scan(&userID, &fp, &label); err != nil {
			return notFound(err, EntityKey, nil)
		}
		if !actor.MayManageKeysOf(userID) {
			return forbidden("revoking keys of other staff users")
		}
		if _, err := tx.Exec(ctx, `delete from user_keys where id = $1`, keyID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `select public.remove_key_route($1)`, fp); err != nil {
			return fmt.Errorf("remove key route: %w", err)
		}
		return audit(ctx, tx, actor, "user_key.revoke", "user", userID,
			map[string]any{"key_id": keyID, "fingerprint": fp, "label": label})
	})
	return wrapOp("revoke key", err)
}

// LinkableUsers lists the staff users the specialist with id specialistID
// (0: one being created) may be linked to, by name: active users with the
// specialist role that no other specialist is linked to, plus the user
// already linked to this one whatever they now are, so an edit shows the
// current link. It is what a specialist form offers; CreateSpecialist and
// UpdateSpecialist still refuse a user linked elsewhere (ReasonLinked), as
// the list can be stale by the time the form is saved. Admins and reception
// may read it, as they read staff users.
func (t *Tenant) LinkableUsers(ctx context.Context, actor Actor, specialistID int64) ([]User, error) {
	if !actor.MaySeeClinicSetup() {
		return nil, forbidden("listing staff users")
	}
	var out []User
	now := t.db.now()
	err := t.tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `select `+userColumns+` from users u
			where (u.active and u.role = 'specialist' and not exists (select 1 from specialists s where s.user_id = u.id))
			   or exists (select 1 from specialists s where s.user_id = u.id and s.id = $1)
			order by lower(u.name), u.id`, specialistID)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (User, error) {
			u, err := scanUser(r)
			if err != nil {
				return User{}, err
			}
			return *u.settleLock(now), nil
		})
		return err
	})
	if err != nil {
		return nil, wrapOp("list linkable users", err)
	}
	return out, nil
}

// SetOwnASCII sets the acting user's own ASCII-mode preference (issue 13):
// the TUI then draws without colour or Unicode chrome, whatever terminal
// type the client announces. Every user may set their own.
func (t *Tenant) SetOwnASCII(ctx context.Context, actor Actor, on bool) (*User, error) {
	return t.UpdateUser(ctx, actor, actor.UserID, UserUpdate{ASCII: &on})
}
