package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// audit appends a row to the tenant's audit log inside the transaction of the
// change (or view) it records, so a rolled-back change leaves no row and a
// committed one always has its row. detail may be nil.
func audit(ctx context.Context, tx pgx.Tx, actor Actor, action, entity string, entityID int64, detail any) error {
	var d []byte
	if detail != nil {
		var err error
		if d, err = json.Marshal(detail); err != nil {
			return fmt.Errorf("audit: %w", err)
		}
	}
	var uid *int64
	if actor.UserID != 0 {
		uid = &actor.UserID
	}
	var eid *int64
	if entityID != 0 {
		eid = &entityID
	}
	if _, err := tx.Exec(ctx, `insert into audit_log (user_id, user_email, action, entity, entity_id, detail, remote_addr)
		values ($1, $2, $3, $4, $5, $6, $7)`, uid, actor.Email, action, entity, eid, d, actor.RemoteAddr); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// auditMany appends one row per entity id, in one statement (bulk reads:
// each record read still has its own row).
func auditMany(ctx context.Context, tx pgx.Tx, actor Actor, action, entity string, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	var uid *int64
	if actor.UserID != 0 {
		uid = &actor.UserID
	}
	if _, err := tx.Exec(ctx, `insert into audit_log (user_id, user_email, action, entity, entity_id, remote_addr)
		select $1, $2, $3, $4, id, $6 from unnest($5::bigint[]) as id`,
		uid, actor.Email, action, entity, ids, actor.RemoteAddr); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// AuditEntry is one row of a clinic's audit log.
type AuditEntry struct {
	ID         int64           `json:"id"`
	UserID     *int64          `json:"user_id"`
	UserEmail  string          `json:"user_email"`
	Action     string          `json:"action"`
	Entity     string          `json:"entity"`
	EntityID   *int64          `json:"entity_id"`
	Detail     json.RawMessage `json:"detail"`
	RemoteAddr string          `json:"remote_addr"`
	CreatedAt  time.Time       `json:"created_at"`
}

// AuditFilter narrows an audit log listing; zero fields do not filter.
type AuditFilter struct {
	UserEmail string
	Entity    string
	EntityID  int64
	Action    string
	Since     time.Time
	Until     time.Time
	BeforeID  int64 // keyset paging: rows with a smaller id
	Limit     int   // default 100
}

// AuditLog lists audit rows, newest first. Only an admin may read it.
func (t *Tenant) AuditLog(ctx context.Context, actor Actor, f AuditFilter) ([]AuditEntry, error) {
	if !actor.MayReadAudit() {
		return nil, forbidden("reading the audit log")
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	var out []AuditEntry
	err := t.tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `select id, user_id, user_email, action, entity, entity_id, detail, remote_addr, created_at
			from audit_log
			where ($1 = '' or user_email = $1) and ($2 = '' or entity = $2) and ($3 = 0 or entity_id = $3)
			  and ($4 = '' or action = $4) and ($5::timestamptz is null or created_at >= $5)
			  and ($6::timestamptz is null or created_at < $6) and ($7 = 0 or id < $7)
			order by id desc limit $8`,
			f.UserEmail, f.Entity, f.EntityID, f.Action, nullTime(f.Since), nullTime(f.Until), f.BeforeID, f.Limit)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (AuditEntry, error) {
			var e AuditEntry
			err := r.Scan(&e.ID, &e.UserID, &e.UserEmail, &e.Action, &e.Entity, &e.EntityID, &e.Detail, &e.RemoteAddr, &e.CreatedAt)
			return e, err
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	return out, nil
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
