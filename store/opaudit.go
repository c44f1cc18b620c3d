package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// OperatorAuditEntry is one row of the operator audit log: who (operator or
// "cli"/"scheduler"), when, from where, what, on what, before → after.
type OperatorAuditEntry struct {
	ID         int64           `json:"id"`
	OperatorID *int64          `json:"operator_id"`
	Actor      string          `json:"actor"`
	Action     string          `json:"action"`
	Target     string          `json:"target"`
	Before     json.RawMessage `json:"before"` // nil when there was nothing before (creation)
	After      json.RawMessage `json:"after"`  // nil when nothing is left (purge)
	RemoteAddr string          `json:"remote_addr"`
	CreatedAt  time.Time       `json:"created_at"`
}

// OperatorAuditFilter narrows OperatorAuditLog; zero values do not filter.
type OperatorAuditFilter struct {
	Actor  string // operator e-mail, "cli" or "scheduler" (case-insensitive)
	Action string // exact action ("invoice.paid"), or a prefix ending in "." ("invoice.")
	Target string // exact target: a client's schema, "operator:<e-mail>", "period:2026-03", "panel_settings"
	Since  time.Time
	Until  time.Time // exclusive
	// BeforeID pages backwards: only entries older than this id (the last
	// id of the previous page).
	BeforeID int64
	Limit    int // default DefaultAuditLimit, at most MaxAuditLimit
}

// Page sizes of OperatorAuditLog.
const (
	DefaultAuditLimit = 100
	MaxAuditLimit     = 1000
)

// OperatorAuditLog lists the operator audit log, newest first (by id, the
// order rows were written in).
func (db *DB) OperatorAuditLog(ctx context.Context, f OperatorAuditFilter) ([]OperatorAuditEntry, error) {
	if f.Limit < 0 || f.BeforeID < 0 {
		return nil, invalid("limit", ReasonNegative)
	}
	if f.Limit == 0 {
		f.Limit = DefaultAuditLimit
	}
	f.Limit = min(f.Limit, MaxAuditLimit)
	action, prefix := strings.TrimSpace(f.Action), false
	if strings.HasSuffix(action, ".") {
		prefix = true
	}
	var since, until *time.Time
	if !f.Since.IsZero() {
		since = &f.Since
	}
	if !f.Until.IsZero() {
		until = &f.Until
	}
	rows, err := db.pool.Query(ctx, `select id, operator_id, actor, action, target, before, after, remote_addr, created_at
		from public.operator_audit
		where ($1 = '' or lower(actor) = lower($1))
		  and ($2 = '' or (case when $3 then starts_with(action, $2) else action = $2 end))
		  and ($4 = '' or target = $4)
		  and ($5::timestamptz is null or created_at >= $5)
		  and ($6::timestamptz is null or created_at < $6)
		  and ($7 = 0 or id < $7)
		order by id desc limit $8`,
		strings.TrimSpace(f.Actor), action, prefix, strings.TrimSpace(f.Target), since, until, f.BeforeID, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("operator audit log: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (OperatorAuditEntry, error) {
		var e OperatorAuditEntry
		var before, after []byte
		err := r.Scan(&e.ID, &e.OperatorID, &e.Actor, &e.Action, &e.Target, &before, &after, &e.RemoteAddr, &e.CreatedAt)
		if before != nil {
			e.Before = json.RawMessage(before)
		}
		if after != nil {
			e.After = json.RawMessage(after)
		}
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("operator audit log: %w", err)
	}
	return out, nil
}
