package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Change announces that a record of a clinic changed, so every open agenda,
// list and badge of that clinic can refresh — also on other server
// instances and after scripted commands, because it travels through
// PostgreSQL (NOTIFY on the clinic's channel), not through server memory.
type Change struct {
	Entity string `json:"entity"` // session, payment, expense
	ID     int64  `json:"id"`
	Action string `json:"action"` // create, update, complete, cancel, reschedule, reopen, paid, unpaid, ...
}

// ChangeChannel is the channel to LISTEN on for this clinic's changes (the
// payload is a JSON Change). Named by the tenant id: schema names may be too
// long for a channel name.
func (t *Tenant) ChangeChannel() string { return fmt.Sprintf("consultorio_changes_%d", t.Info.ID) }

// notifyChange queues the notification in the change's transaction:
// PostgreSQL delivers it only if the transaction commits.
func (t *Tenant) notifyChange(ctx context.Context, tx pgx.Tx, entity string, id int64, action string) error {
	payload, err := json.Marshal(Change{Entity: entity, ID: id, Action: action})
	if err != nil {
		return fmt.Errorf("notify change: %w", err)
	}
	if _, err := tx.Exec(ctx, "select pg_notify($1, $2)", t.ChangeChannel(), string(payload)); err != nil {
		return fmt.Errorf("notify change: %w", err)
	}
	return nil
}
