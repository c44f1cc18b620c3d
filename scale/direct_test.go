//go:build scale

package scale

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"consultorio/store"
)

// bouncedDB opens the store with its main URL through PgBouncer in
// transaction mode (cache_describe, as TestPgBouncerTransaction… chose)
// and, unless direct is "", the direct URL for the listener, the
// leadership and the owner's work.
func bouncedDB(t *testing.T, bouncer, direct string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), withQuery(t, bouncer, "default_query_exec_mode", "cache_describe"),
		store.Options{Clock: testClock(), DirectURL: direct})
	if err != nil {
		t.Fatalf("open through pgbouncer: %v", err)
	}
	t.Cleanup(db.Close)
	return db
}

// bouncerFor runs PgBouncer in front of the coordinator for every role
// that exists (the owner, the runtime roles, every clinic's: a server
// starting up looks at every clinic) and the clinics' roles given.
func bouncerFor(t *testing.T, clinicRoles ...string) string {
	t.Helper()
	ctx := context.Background()
	coord := owner(t, citusURL(t))
	rows, err := coord.Query(ctx, `select rolname::text from pg_roles where rolname !~ '^pg_'`)
	if err != nil {
		t.Fatal(err)
	}
	roles, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return pgbouncer(t, citusURL(t), append(roles, clinicRoles...), 10)
}

// nextChange waits up to d for a change of the clinic other than a resync.
func nextChange(ch <-chan store.Change, d time.Duration) (store.Change, bool) {
	timeout := time.After(d)
	for {
		select {
		case c := <-ch:
			if c.Entity != store.ChangeResync {
				return c, true
			}
		case <-timeout:
			return store.Change{}, false
		}
	}
}

// Behind PgBouncer in transaction mode, with the direct URL given, a
// booking made through the pooler reaches the listener within 2 s; without
// it (the listener's LISTEN goes through the pooler, which hands the server
// connection to others between transactions) the same booking never
// arrives: the control that shows the first half tests something.
func TestDirectURLKeepsLiveChangesBehindPgBouncer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClinic(t, openDB(t, testClock()), "direct")
	bouncer := bouncerFor(t, c.tn.Info.Role)
	start := time.Date(2026, 11, 23, 9, 0, 0, 0, lima) // a Monday
	for i, tc := range []struct {
		name    string
		direct  string
		arrives bool
	}{
		{"with --direct-database-url", citusURL(t), true},
		{"without (the control)", "", false},
	} {
		db := bouncedDB(t, bouncer, tc.direct)
		tn, err := db.Tenant(ctx, c.schema)
		if err != nil {
			t.Fatal(err)
		}
		l := store.NewListener(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
		lctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); _ = l.Run(lctx) }()
		ch, unsub := l.Subscribe(tn.Info.ID)
		select { // listening: the first resync
		case <-ch:
		case <-time.After(30 * time.Second):
			t.Fatalf("%s: the listener never listened", tc.name)
		}
		booked := time.Now()
		if _, err := tn.BookSession(ctx, store.System, store.Booking{PatientID: c.pat.ID, SpecialistID: c.spec.ID,
			RoomID: c.room.ID, Start: start.Add(time.Duration(i) * time.Hour), DurationMin: 45}); err != nil {
			t.Fatalf("%s: book: %v", tc.name, err)
		}
		change, ok := nextChange(ch, 2*time.Second)
		switch {
		case tc.arrives && !ok:
			t.Errorf("%s: the booking did not reach the listener within 2 s", tc.name)
		case tc.arrives:
			t.Logf("%s: %s reached the listener %v after the booking", tc.name, change.Entity, time.Since(booked).Round(time.Millisecond))
		case ok:
			t.Errorf("%s: a change arrived (%+v): the control does not show what the direct URL is for", tc.name, change)
		}
		unsub()
		stop()
		<-done
	}
}

// Behind PgBouncer with the direct URL, the jobs' leadership is one
// server's at a time and passes to another when its holder lets go
// (through the pooler, the lock would stay on a pooled server connection
// after the holder closed its own).
func TestDirectURLKeepsTheLeadershipBehindPgBouncer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	openDB(t, testClock())
	bouncer := bouncerFor(t)
	a, b := bouncedDB(t, bouncer, citusURL(t)), bouncedDB(t, bouncer, citusURL(t))
	la, err := a.TryLead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if la == nil {
		// Another test's server may lead on this shared cluster; none of
		// the scale tests does, so this is a failure.
		t.Fatal("the first server could not take the free leadership")
	}
	if lb, err := b.TryLead(ctx); err != nil || lb != nil {
		t.Fatalf("the second server took the leadership the first holds: %v, %v", lb != nil, err)
	}
	if !la.Held(ctx) {
		t.Fatal("the leader does not hold its leadership")
	}
	la.Release(ctx)
	var lb *store.Leadership
	for deadline := time.Now().Add(5 * time.Second); lb == nil; {
		if lb, err = b.TryLead(ctx); err != nil {
			t.Fatal(err)
		}
		if lb == nil && time.Now().After(deadline) {
			t.Fatal("the leadership did not pass to the second server after the first let go")
		}
		time.Sleep(100 * time.Millisecond)
	}
	lb.Release(ctx)
}
