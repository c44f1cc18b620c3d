package store_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"consultorio/store"
	"consultorio/store/storetest"
)

// deliveryBound is the product's promise: a change appears on every open
// screen of the clinic within 2 seconds. setupBound covers waits that
// include connecting (first LISTEN, reconnection) on a loaded machine.
const (
	deliveryBound = 2 * time.Second
	setupBound    = 15 * time.Second
)

func startListener(t *testing.T, db *store.DB) *store.Listener {
	t.Helper()
	l := store.NewListener(db, slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug})))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("listener Run: %v", err)
		}
	})
	return l
}

var errRollback = errors.New("roll back")

// publish announces a change of the clinic in a transaction of its own
// (through the pool: another connection than the listener's), committed
// or rolled back.
func publish(t *testing.T, tn *store.Tenant, entity string, id int64, commit bool) {
	t.Helper()
	ctx := context.Background()
	err := tn.Exec(ctx, func(tx pgx.Tx) error {
		if err := store.NotifyChange(ctx, tn, tx, entity, id, "update"); err != nil {
			return err
		}
		if !commit {
			return errRollback
		}
		return nil
	})
	if commit && err != nil || !commit && !errors.Is(err, errRollback) {
		t.Fatalf("publish %s %d: %v", entity, id, err)
	}
}

func next[T any](t *testing.T, what string, ch <-chan T, within time.Duration) T {
	t.Helper()
	timer := time.NewTimer(within)
	defer timer.Stop()
	select {
	case v, ok := <-ch:
		if !ok {
			t.Fatalf("%s: channel closed", what)
		}
		return v
	case <-timer.C:
		t.Fatalf("%s: nothing within %v", what, within)
	}
	panic("unreachable")
}

func wantChange(t *testing.T, what string, ch <-chan store.Change, entity string, id int64) {
	t.Helper()
	if c := next(t, what, ch, deliveryBound); c.Entity != entity || c.ID != id {
		t.Fatalf("%s: got %+v, want %s %d", what, c, entity, id)
	}
}

func wantResync(t *testing.T, what string, ch <-chan store.Change) {
	t.Helper()
	if c := next(t, what, ch, setupBound); c.Entity != store.ChangeResync {
		t.Fatalf("%s: got %+v, want a resync", what, c)
	}
}

// waitFor polls cond (state that settles asynchronously).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(setupBound)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not reached within %v", what, setupBound)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestListenerDelivers(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	a, _ := storetest.NewTenant(t, db, "clinic-a")
	b, _ := storetest.NewTenant(t, db, "clinic-b")
	ctx := context.Background()
	if a.ChangeChannel() != store.ChangeChannel(a.Info.ID) {
		t.Fatalf("channel names disagree: %q vs %q", a.ChangeChannel(), store.ChangeChannel(a.Info.ID))
	}
	l := startListener(t, db)
	a1, cancelA1 := l.Subscribe(a.Info.ID)
	a2, cancelA2 := l.Subscribe(a.Info.ID)
	bs, cancelB := l.Subscribe(b.Info.ID)
	defer cancelB()
	wantResync(t, "a1 live", a1)
	wantResync(t, "a2 live", a2)
	wantResync(t, "b live", bs)

	// Run is running (the resyncs say so): a second one refuses.
	second, cancelSecond := context.WithTimeout(ctx, setupBound)
	defer cancelSecond()
	if err := l.Run(second); err == nil {
		t.Fatal("a second Run on the same listener started")
	}

	// Notifications arrive in commit order, so the first thing A's
	// subscribers see after these three is A's committed change: B's change
	// never reached them and the rolled-back one was never sent.
	publish(t, b, "session", 7, true)
	publish(t, a, "session", 8, false)
	publish(t, a, "payment", 9, true)
	wantChange(t, "a1", a1, "payment", 9)
	wantChange(t, "a2", a2, "payment", 9)
	wantChange(t, "b", bs, "session", 7)

	// A notification scan that changes something tells the badges.
	if err := a.Exec(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `insert into expenses (name, amount, due_date) values ('Rent', 100, current_date)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.ScanNotifications(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	wantChange(t, "a1 after the scan", a1, "notification", 0)
	wantChange(t, "a2 after the scan", a2, "notification", 0)

	// A late subscriber of a listened clinic is live at once.
	a3, cancelA3 := l.Subscribe(a.Info.ID)
	wantResync(t, "a3 live", a3)

	// Unsubscribing closes the channel; the others go on.
	cancelA1()
	cancelA1() // harmless twice
	if _, ok := <-a1; ok {
		t.Fatal("a1 still open after cancel")
	}
	publish(t, a, "session", 10, true)
	wantChange(t, "a2 after a1 left", a2, "session", 10)
	wantChange(t, "a3 after a1 left", a3, "session", 10)

	// When the last subscriber of A leaves, A's channel is unlistened.
	cancelA2()
	cancelA3()
	waitFor(t, "A unlistened", func() bool {
		return slices.Equal(store.ListeningChannels(l), []string{store.ChangeChannel(b.Info.ID)})
	})
	publish(t, b, "session", 11, true)
	wantChange(t, "b still served", bs, "session", 11)
}

// listenerPID finds the listener's backend in this test's database.
func listenerPID(t *testing.T, db *store.DB) int {
	t.Helper()
	var pids []int
	waitFor(t, "one listening backend", func() bool {
		rows, err := db.Pool().Query(context.Background(), `select pid from pg_stat_activity
			where datname = current_database() and application_name = 'consultorio-listener'`)
		if err != nil {
			t.Fatal(err)
		}
		pids, err = pgx.CollectRows(rows, pgx.RowTo[int])
		if err != nil {
			t.Fatal(err)
		}
		return len(pids) == 1
	})
	return pids[0]
}

func TestListenerReconnects(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	a, _ := storetest.NewTenant(t, db, "clinic-a")
	storetest.NewTenant(t, db, "clinic-b")
	ctx := context.Background()
	l := startListener(t, db)
	ch, cancel := l.Subscribe(a.Info.ID)
	defer cancel()
	st, cancelSt := l.SubscribeTenantStatus()
	defer cancelSt()
	wantResync(t, "live", ch)
	if s := next(t, "status live", st, setupBound); s != "" {
		t.Fatalf("first status: %q, want the recheck-all signal", s)
	}

	for round := range 2 {
		pid := listenerPID(t, db)
		var ok bool
		if err := db.Pool().QueryRow(ctx, "select pg_terminate_backend($1)", pid).Scan(&ok); err != nil || !ok {
			t.Fatalf("terminate the listener's backend: %v, %v", ok, err)
		}
		// Reconnected and listening again: everybody is told to reload.
		wantResync(t, fmt.Sprintf("round %d: resync after reconnecting", round), ch)
		if s := next(t, "status after reconnecting", st, setupBound); s != "" {
			t.Fatalf("status after reconnecting: %q, want the recheck-all signal", s)
		}
		if again := listenerPID(t, db); again == pid {
			t.Fatalf("same backend %d after termination", pid)
		}
		publish(t, a, "session", int64(round+1), true)
		wantChange(t, "after reconnecting", ch, "session", int64(round+1))
	}

	// The status channel rides on the same connection.
	if _, err := db.SuspendTenant(ctx, store.CLI, "clinic-b"); err != nil {
		t.Fatal(err)
	}
	if s := next(t, "status", st, deliveryBound); s != "clinic-b" {
		t.Fatalf("status: %q, want clinic-b", s)
	}
}

func TestListenerSlowSubscriber(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	a, _ := storetest.NewTenant(t, db, "clinic-a")
	l := startListener(t, db)
	slow, cancelSlow := l.Subscribe(a.Info.ID)
	defer cancelSlow()
	fast, cancelFast := l.Subscribe(a.Info.ID)
	defer cancelFast()
	wantResync(t, "slow live", slow)
	wantResync(t, "fast live", fast)

	const n = 100 // several times a subscriber's buffer
	got := make(chan []int64, 1)
	go func() {
		var ids []int64
		for c := range fast {
			if c.Entity == "session" {
				ids = append(ids, c.ID)
			}
			if c.ID == n {
				break
			}
		}
		got <- ids
	}()
	for i := int64(1); i <= n; i++ {
		publish(t, a, "session", i, true)
	}
	// The fast one receives the last change although the slow one reads
	// nothing; what it got is in order.
	ids := next(t, "fast subscriber", got, setupBound)
	if !slices.IsSorted(ids) || ids[len(ids)-1] != n {
		t.Fatalf("fast subscriber got %v", ids)
	}
	// The slow one's backlog coalesced into a resync and still ends with the
	// latest change.
	var backlog []string
	for {
		c := next(t, "slow subscriber's backlog", slow, deliveryBound)
		backlog = append(backlog, fmt.Sprintf("%s:%d", c.Entity, c.ID))
		if c.ID == n {
			break
		}
	}
	if !slices.Contains(backlog, store.ChangeResync+":0") || len(backlog) > cap(slow) {
		t.Fatalf("slow subscriber's backlog (%d): %v", len(backlog), backlog)
	}
}

func TestListenerStopsCleanly(t *testing.T) {
	db := storetest.NewDB(t)
	a, _ := storetest.NewTenant(t, db, "clinic-a")
	// The clinic's pool (and its health check goroutine) belongs to the
	// store, not to the listener: open it before counting.
	if err := a.Exec(context.Background(), func(pgx.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()

	l := store.NewListener(db, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	ch, unsub := l.Subscribe(a.Info.ID)
	st, unsubSt := l.SubscribeTenantStatus()
	wantResync(t, "live", ch)
	next(t, "status live", st, setupBound)
	publish(t, a, "session", 1, true)
	wantChange(t, "change", ch, "session", 1)

	cancel()
	if err := next(t, "Run's return", done, setupBound); err != nil {
		t.Fatalf("Run after cancel: %v", err)
	}
	unsub()
	unsubSt()
	for deadline := time.Now().Add(setupBound); runtime.NumGoroutine() > before; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			var sb strings.Builder
			_ = pprof.Lookup("goroutine").WriteTo(&sb, 1)
			t.Fatalf("%d goroutines left, %d before the listener:\n%s", runtime.NumGoroutine(), before, sb.String())
		}
	}
	// The listener's backend is gone too.
	waitFor(t, "listener's backend closed", func() bool {
		var n int
		if err := db.Pool().QueryRow(context.Background(), `select count(*) from pg_stat_activity
			where datname = current_database() and application_name = 'consultorio-listener'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 0
	})
}

// A callback subscriber sees what a channel subscriber sees (a resync once
// listened to, then the clinic's committed changes) and nothing after it
// unsubscribed.
func TestListenerSubscribeFunc(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	a, _ := storetest.NewTenant(t, db, "clinic-a")
	l := startListener(t, db)
	got := make(chan store.Change, 16)
	var mu sync.Mutex
	ended := false
	unsubscribe := l.SubscribeFunc(a.Info.ID, func(c store.Change) {
		mu.Lock()
		defer mu.Unlock()
		if ended {
			t.Errorf("called after unsubscribing with %+v", c)
		}
		got <- c
	})
	wantResync(t, "callback live", got)
	publish(t, a, "session", 8, false)
	publish(t, a, "payment", 9, true)
	wantChange(t, "callback", got, "payment", 9)

	// A channel subscriber of the same clinic tells when a later change
	// has been dispatched.
	ch, cancel := l.Subscribe(a.Info.ID)
	defer cancel()
	wantResync(t, "channel live", ch)
	unsubscribe()
	mu.Lock()
	ended = true
	mu.Unlock()
	unsubscribe() // twice is safe
	publish(t, a, "session", 10, true)
	wantChange(t, "channel", ch, "session", 10)
	if len(got) != 0 {
		t.Fatalf("callback got %+v after unsubscribing", <-got)
	}
}
