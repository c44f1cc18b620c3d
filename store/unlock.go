package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// UnlockUser lifts a staff user's login lockout (admins only): the failed
// attempts are forgotten and the user can log in again at once. Nothing else
// changes: password, keys and any setup code stay as they are.
func (t *Tenant) UnlockUser(ctx context.Context, actor Actor, id int64) (*User, error) {
	if !actor.MayUnlockUsers() {
		return nil, forbidden("unlocking staff users")
	}
	var u *User
	err := t.tx(ctx, func(tx pgx.Tx) error {
		var wasLocked bool
		if err := tx.QueryRow(ctx, `select locked_until is not null and locked_until > $2
			from users where id = $1 for update`, id, t.db.now()).Scan(&wasLocked); err != nil {
			return notFound(err, EntityUser, id)
		}
		if _, err := tx.Exec(ctx, `update users set failed_attempts = 0, locked_until = null where id = $1`, id); err != nil {
			return err
		}
		var err error
		if u, err = userByID(ctx, tx, id); err != nil {
			return err
		}
		if err := audit(ctx, tx, actor, "user.unlock", "user", id, map[string]any{"was_locked": wasLocked}); err != nil {
			return err
		}
		// Open staff lists drop the lock marker at once.
		return t.notifyChange(ctx, tx, "user", id, "unlock")
	})
	if err != nil {
		return nil, wrapOp("unlock user", err)
	}
	return u, nil
}
