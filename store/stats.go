package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// What an operator's monitoring reads about the store (server metrics).

// Ping checks that the database answers on the shared pool, as the runtime
// role.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// OutboxDepth is how many e-mails wait to be sent (pending or retrying) in
// the outboxes of every clinic that is not archived. It runs one query as
// the owner, which counts each clinic's due rows (the partial index
// outbox_due) on the database server: one round trip whatever the number
// of clinics, but a look at every clinic's outbox, so it is meant for a
// scrape every few seconds at most, not for a request path.
func (db *DB) OutboxDepth(ctx context.Context) (int64, error) {
	var n int64
	err := db.withAdminConn(ctx, func(conn *pgx.Conn) error {
		return conn.QueryRow(ctx, `select coalesce(sum((xpath('/row/n/text()', query_to_xml(format(
			'select count(*) as n from %I.outbox where state in (''pending'', ''retrying'')', schema_name),
			false, true, '')))[1]::text::bigint), 0)::bigint
			from public.tenants where status <> 'archived'`).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("outbox depth: %w", err)
	}
	return n, nil
}
