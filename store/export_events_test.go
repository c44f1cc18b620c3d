package store

import (
	"context"
	"slices"

	"github.com/jackc/pgx/v5"
)

// NotifyChange exposes the change announcement the store's operations make
// inside their transactions, for the listener tests.
func NotifyChange(ctx context.Context, t *Tenant, tx pgx.Tx, entity string, id int64, action string) error {
	return t.notifyChange(ctx, tx, entity, id, action)
}

// ListeningChannels is what the listener's connection LISTENs to now.
func ListeningChannels(l *Listener) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for ch := range l.listening {
		out = append(out, ch)
	}
	slices.Sort(out)
	return out
}
