//go:build scale

package scale

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"consultorio/store"
)

// schemaNode is the worker that holds a clinic's tables, read from Citus.
func schemaNode(t *testing.T, coord *pgx.Conn, schema string) store.Node {
	t.Helper()
	var n store.Node
	if err := coord.QueryRow(context.Background(), `select distinct sh.nodename::text, sh.nodeport
		from citus_shards sh join citus_schemas s on s.colocation_id = sh.colocation_id
		where s.schema_name = $1::regnamespace`, pgx.Identifier{schema}.Sanitize()).Scan(&n.Host, &n.Port); err != nil {
		t.Fatalf("node of %s: %v", schema, err)
	}
	return n
}

// A clinic moves to the other worker while its staff keep booking: every
// booking acknowledged before, during and after the move is there after it,
// an overlap is refused all along and right after, and new bookings work
// at once on the new node.
func TestCitusMoveClinicWhileBooking(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openDB(t, testClock())
	c := newClinic(t, db, "move")
	coord := owner(t, citusURL(t))

	nodes, err := db.Nodes(ctx)
	if err != nil || len(nodes) < 2 {
		t.Fatalf("nodes = %v, %v; want the cluster's two workers", nodes, err)
	}
	from := schemaNode(t, coord, c.schema)
	to := nodes[0].Node
	if to == from {
		to = nodes[1].Node
	}

	// Slots one hour apart on working days from Monday 2026-11-23 on.
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, lima)
	slot := func(i int) time.Time {
		d := day.AddDate(0, 0, (i/8)/5*7+(i/8)%5)
		return d.Add(time.Duration(9+i%8) * time.Hour)
	}
	first, err := c.book(ctx, slot(0))
	if err != nil {
		t.Fatalf("first booking: %v", err)
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	booked := map[int64]time.Time{first[0].ID: first[0].StartsAt}
	var failures []error
	refused := 0
	wg.Add(2)
	go func() { // the receptionist books slot after slot
		defer wg.Done()
		for i := 1; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			ss, err := c.book(ctx, slot(i))
			mu.Lock()
			if err != nil {
				failures = append(failures, err)
			} else {
				booked[ss[0].ID] = ss[0].StartsAt
			}
			mu.Unlock()
		}
	}()
	go func() { // and another desk keeps trying the first, taken slot
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			_, err := c.book(ctx, slot(0))
			var oe *store.OverlapError
			mu.Lock()
			if errors.As(err, &oe) {
				refused++
			} else {
				failures = append(failures, errors.Join(errors.New("double booking not refused"), err))
			}
			mu.Unlock()
		}
	}()

	time.Sleep(300 * time.Millisecond) // bookings under way before the move
	mv, err := db.MoveTenant(ctx, store.CLI, c.schema, to)
	if err != nil {
		close(stop)
		wg.Wait()
		t.Fatalf("move %s to %s: %v", c.schema, to, err)
	}
	time.Sleep(300 * time.Millisecond) // and after it
	close(stop)
	wg.Wait()
	t.Logf("moved %s from %s to %s (%s); %d bookings made, %d overlaps refused meanwhile", c.schema, mv.From, mv.To, mv.Mode, len(booked), refused)

	if !mv.Moved || mv.From != from || mv.To != to {
		t.Errorf("move = %+v; want moved from %s to %s", mv, from, to)
	}
	if got := schemaNode(t, coord, c.schema); got != to {
		t.Errorf("after the move Citus has %s on %s, want %s", c.schema, got, to)
	}
	for _, err := range failures {
		t.Errorf("during the move: %v", err)
	}
	if len(booked) < 3 || refused == 0 {
		t.Errorf("bookings made %d, overlaps refused %d: the move was not exercised under load", len(booked), refused)
	}
	// No acknowledged booking lost: every one reads back, at its time.
	for id, start := range booked {
		s, err := c.tn.GetSession(ctx, store.System, id)
		if err != nil {
			t.Errorf("session #%d booked during the move: %v", id, err)
			continue
		}
		if !s.StartsAt.Equal(start) {
			t.Errorf("session #%d starts %s, booked for %s", id, s.StartsAt, start)
		}
	}
	var rows int
	if err := coord.QueryRow(ctx, `select count(*) from `+pgx.Identifier{c.schema, "sessions"}.Sanitize()).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != len(booked) {
		t.Errorf("%d sessions in the moved clinic, %d bookings acknowledged", rows, len(booked))
	}
	// Right after: an overlap is refused, a new slot is booked.
	var oe *store.OverlapError
	if _, err := c.book(ctx, slot(0)); !errors.As(err, &oe) {
		t.Errorf("overlap right after the move: %v, want an OverlapError", err)
	}
	if _, err := c.book(ctx, slot(0).AddDate(0, 2, 0)); err != nil {
		t.Errorf("new booking right after the move: %v", err)
	}
	// Moving to where it is changes nothing.
	if again, err := db.MoveTenant(ctx, store.CLI, c.schema, to); err != nil || again.Moved {
		t.Errorf("second move to the same node = %+v, %v; want not moved", again, err)
	}
	// The operator audit log records the move.
	var audited int
	if err := coord.QueryRow(ctx, `select count(*) from public.operator_audit where action = 'tenant.move' and target = $1`,
		c.schema).Scan(&audited); err != nil || audited != 1 {
		t.Errorf("operator audit rows for the move: %d, %v; want 1", audited, err)
	}
}
