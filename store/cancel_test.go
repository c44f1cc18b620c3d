package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"consultorio/store"
	"consultorio/store/storetest"
)

// A session that ends cancels its work in flight. The clinic's connection
// survives that, whether the cancellation comes while a statement runs or
// between two statements of a transaction: the next session finds it open
// instead of paying for a new one (a new backend: fork, login, cold
// catalog). With pgx's defaults both cases closed it.
func TestCancelledWorkKeepsTheConnection(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	tn, _ := storetest.NewTenant(t, db, "cancelkeeps")
	bg := context.Background()

	backend := func() int32 {
		t.Helper()
		var pid int32
		if err := tn.Exec(bg, func(tx pgx.Tx) error {
			return tx.QueryRow(bg, "select pg_backend_pid()").Scan(&pid)
		}); err != nil {
			t.Fatal(err)
		}
		return pid
	}
	made := func() int64 {
		t.Helper()
		n, err := store.ClinicConnsMade(bg, tn)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	pid, conns := backend(), made()

	cases := []struct {
		name string
		work func(ctx context.Context, cancel context.CancelFunc, tx pgx.Tx) error
	}{
		{"while a statement runs", func(ctx context.Context, cancel context.CancelFunc, tx pgx.Tx) error {
			time.AfterFunc(50*time.Millisecond, cancel)
			_, err := tx.Exec(ctx, "select pg_sleep(2)")
			return err
		}},
		{"between two statements", func(ctx context.Context, cancel context.CancelFunc, tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, "select 1"); err != nil {
				return err
			}
			cancel()
			_, err := tx.Exec(ctx, "select 2")
			return err
		}},
	}
	for _, c := range cases {
		ctx, cancel := context.WithCancel(bg)
		err := tn.Exec(ctx, func(tx pgx.Tx) error { return c.work(ctx, cancel, tx) })
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("%s: the cancelled work returned %v, want context.Canceled", c.name, err)
		}
		if got := backend(); got != pid {
			t.Errorf("%s: the clinic's next transaction ran on backend %d, not %d: the connection was lost", c.name, got, pid)
			pid = got
		}
		if n := made(); n != conns {
			t.Errorf("%s: the clinic's pool opened %d connections, had %d", c.name, n, conns)
			conns = n
		}
	}

	// Work for a context already done does not begin.
	ctx, cancel := context.WithCancel(bg)
	cancel()
	err := tn.Exec(ctx, func(tx pgx.Tx) error {
		t.Error("a transaction began for a cancelled context")
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("work for a cancelled context: %v, want context.Canceled", err)
	}
}
