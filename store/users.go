package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// User is a staff member of a clinic (a login). Secrets (password and setup
// code hashes) never leave the store; HasPassword says whether one is set.
type User struct {
	ID           int64      `json:"id"`
	Email        string     `json:"email"`
	Name         string     `json:"name"`
	Role         Role       `json:"role"`
	Active       bool       `json:"active"`
	Lang         string     `json:"lang,omitempty"`          // "" = the clinic's language
	SpecialistID int64      `json:"specialist_id,omitempty"` // specialists.user_id link, 0 if none
	HasPassword  bool       `json:"has_password"`
	LastLoginAt  *time.Time `json:"last_login_at"`
	CreatedAt    time.Time  `json:"created_at"`
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
	u.password_hash is not null, u.last_login_at, u.created_at`

func scanUser(row pgx.Row) (*User, error) {
	var u User
	var role string
	if err := row.Scan(&u.ID, &u.Email, &u.Name, &role, &u.Active, &u.Lang, &u.SpecialistID,
		&u.HasPassword, &u.LastLoginAt, &u.CreatedAt); err != nil {
		return nil, err
	}
	u.Role = Role(role)
	return &u, nil
}

// userByID reads one user inside a tenant transaction.
func userByID(ctx context.Context, tx pgx.Tx, id int64) (*User, error) {
	u, err := scanUser(tx.QueryRow(ctx, `select `+userColumns+` from users u where u.id = $1`, id))
	return u, notFound(err, "user")
}

// wrapOp adds context to unexpected errors but returns the store's own
// user-facing errors (validation, forbidden, conflict, limit, locked, not
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
		lk *LockedError
	)
	if errors.As(err, &ve) || errors.As(err, &fe) || errors.As(err, &ce) || errors.As(err, &le) || errors.As(err, &lk) ||
		errors.Is(err, ErrNotFound) || errors.Is(err, ErrBadCredentials) || errors.Is(err, ErrAccountDisabled) ||
		errors.Is(err, ErrSetupCodeExpired) || errors.Is(err, ErrTenantSuspended) || errors.Is(err, ErrNoSuchTenant) {
		return err
	}
	return fmt.Errorf("%s: %w", op, err)
}
