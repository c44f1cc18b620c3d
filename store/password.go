package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// ChangeOwnPassword replaces the password of the actor's own account (any
// role) after checking the current one. The new one follows the one password
// policy (ValidatePassword).
//
// A wrong current password counts as a failed login: it is reserved before
// the check, as authenticate does, so an open session left unattended gives
// no more guesses than the login form (MaxFailedLogins, then the account is
// locked for LockoutDuration), and the answer is the login's
// ErrBadCredentials. An account without a password yet (a key-only login)
// sets its first one: whoever holds the session could already register a
// key of their own (AddKey), so asking for a password that does not exist
// would protect nothing. The change is audited ("user.change_password",
// without any secret) and consumes a pending setup code, like SetPassword.
func (t *Tenant) ChangeOwnPassword(ctx context.Context, actor Actor, current, next string) error {
	if !actor.MayChangePasswordOf(actor.UserID) {
		return forbidden("changing a password")
	}
	if err := ValidatePassword(next); err != nil {
		return err
	}
	now := t.db.now()
	var hash *string
	err := t.tx(ctx, func(tx pgx.Tx) error {
		var active, locked bool
		err := tx.QueryRow(ctx, `select active, password_hash, coalesce(locked_until > $2, false)
			from users where id = $1 for update`, actor.UserID, now).Scan(&active, &hash, &locked)
		if errors.Is(err, pgx.ErrNoRows) {
			return &NotFoundError{What: EntityUser, ID: actor.UserID}
		}
		if err != nil {
			return err
		}
		switch {
		case !active:
			return ErrAccountDisabled
		case locked:
			return ErrBadCredentials
		case hash == nil:
			return nil
		}
		// Count this attempt before the secret is checked (see authenticate).
		_, err = tx.Exec(ctx, `update users set
				failed_attempts = case when failed_attempts + 1 >= $2 then 0 else failed_attempts + 1 end,
				locked_until = case when failed_attempts + 1 >= $2 then $3::timestamptz end
			where id = $1`, actor.UserID, MaxFailedLogins, now.Add(LockoutDuration))
		return err
	})
	if err != nil {
		return wrapOp("change password", err)
	}
	if hash != nil {
		ok, err := t.db.passwords.Check(ctx, *hash, current)
		if err != nil {
			return fmt.Errorf("change password: %w", err)
		}
		if !ok {
			return t.recordWrongPassword(ctx, actor)
		}
	}
	newHash, err := t.db.passwords.Hash(ctx, next)
	if err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	err = t.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `update users set password_hash = $2, setup_code_hash = null, setup_expires_at = null,
				failed_attempts = 0, locked_until = null
			where id = $1 and active`, actor.UserID, newHash)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ErrAccountDisabled // deactivated meanwhile
		}
		return audit(ctx, tx, actor, "user.change_password", "user", actor.UserID,
			map[string]any{"first_password": hash == nil})
	})
	return wrapOp("change password", err)
}

// recordWrongPassword audits a wrong current password (the attempt was
// already counted) and returns the login's answer to it.
func (t *Tenant) recordWrongPassword(ctx context.Context, actor Actor) error {
	err := t.tx(ctx, func(tx pgx.Tx) error {
		var lockedNow bool
		if err := tx.QueryRow(ctx, `select coalesce(locked_until > $2, false) from users where id = $1`,
			actor.UserID, t.db.now()).Scan(&lockedNow); err != nil {
			return err
		}
		event := "auth.failed"
		if lockedNow {
			event = "auth.locked"
		}
		return audit(ctx, tx, actor, event, "user", actor.UserID,
			map[string]any{"method": byPassword, "reason": "wrong current password"})
	})
	if err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	return ErrBadCredentials
}
