package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// jobsLeaderKey is the advisory lock whose holder runs the installation's
// shared background jobs (notification scan, morose status, spare pool).
const jobsLeaderKey = 7_419_202_613

// Leadership is the right to run the shared background jobs, held by one
// server of the installation at a time: a session-level advisory lock on a
// connection of its own. When that server stops, crashes or loses the
// connection, PostgreSQL releases the lock and another server takes it on
// its next try. The connection must reach PostgreSQL directly (not through
// a pooler in transaction mode, which would hand the session to others).
type Leadership struct{ conn *pgx.Conn }

// TryLead takes the leadership if no server holds it; nil (and no error)
// when another one does.
func (db *DB) TryLead(ctx context.Context) (*Leadership, error) {
	cfg, err := db.runtimeConnConfig()
	if err != nil {
		return nil, fmt.Errorf("lead background jobs: %w", err)
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("lead background jobs: %w", err)
	}
	var got bool
	if err := conn.QueryRow(ctx, "select pg_try_advisory_lock($1)", jobsLeaderKey).Scan(&got); err != nil || !got {
		conn.Close(context.WithoutCancel(ctx))
		if err != nil {
			return nil, fmt.Errorf("lead background jobs: %w", err)
		}
		return nil, nil
	}
	return &Leadership{conn: conn}, nil
}

// Held says whether the leadership is still held: its connection answers
// (the lock lives as long as the session does).
func (l *Leadership) Held(ctx context.Context) bool { return l.conn.Ping(ctx) == nil }

// Release gives the leadership up (closing its connection releases the
// lock).
func (l *Leadership) Release(ctx context.Context) { l.conn.Close(context.WithoutCancel(ctx)) }
