package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"consultorio/pgcluster"
	"consultorio/store"
	"consultorio/store/storetest"
)

// TestAcknowledgedBookingsSurviveCrash books sessions from several clients on
// a private cluster started with the product's settings (not the shared,
// fsync-less test cluster), kills every PostgreSQL process with SIGKILL in
// the middle of the load, restarts the cluster and looks for every booking
// that BookSession reported as saved. With synchronous_commit = off a commit
// is acknowledged before its WAL leaves PostgreSQL's memory, and the crash
// loses the last ones (issue 12, F3).
func TestAcknowledgedBookingsSurviveCrash(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := chaosCluster(t)
	db, err := store.Open(ctx, c.URL(), store.Options{MaxConns: 12})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.MigratePublic(ctx); err != nil {
		t.Fatal(err)
	}
	tn, _ := storetest.NewTenant(t, db, "chaos")
	f := agFixtureFor(t, db, tn, storetest.NewClock(time.Date(2026, 11, 10, 12, 0, 0, 0, agLima)))
	pat := f.patient("Ana", "Quispe", "100")
	spec, room := f.specialist("Esp", "Uno", "percent", "40", true), f.room("Sala 1")

	// Every client books its own hours (client i, booking n: hour
	// n*clients+i from the base), so no booking clashes with another and
	// every failure is the crash.
	const clients = 8
	base := agAt(2027, 1, 4, 0, 0)
	var (
		mu    sync.Mutex
		acked []int64
		kill  = make(chan struct{})
		wg    sync.WaitGroup
		total atomic.Int64
	)
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-kill:
					return
				default:
				}
				out, err := tn.BookSession(ctx, f.admin, store.Booking{PatientID: pat, SpecialistID: spec, RoomID: room,
					Start: base.Add(time.Duration(n*clients+i) * time.Hour), DurationMin: 60,
					OverrideReason: "one booking an hour, round the clock"})
				if err != nil {
					select {
					case <-kill: // the database is gone: not acknowledged
						return
					default:
						t.Errorf("booking before the crash: %v", err)
						return
					}
				}
				mu.Lock()
				acked = append(acked, out[0].ID)
				mu.Unlock()
				total.Add(1)
			}
		}()
	}
	// A few seconds of load, then the crash while bookings are in flight.
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) && !t.Failed() {
		time.Sleep(50 * time.Millisecond)
	}
	if total.Load() == 0 {
		t.Fatal("no booking was acknowledged before the crash")
	}
	close(kill)
	crash(t, c)
	wg.Wait()
	db.Close()

	if err := c.Start(ctx); err != nil {
		t.Fatalf("restart after the crash: %v", err)
	}
	db2, err := store.Open(ctx, c.URL(), store.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	tn2, err := db2.Tenant(ctx, "chaos")
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	var found int
	if err := tn2.Exec(ctx, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `select count(*) from sessions where id = any($1)`, acked).Scan(&found)
	}); err != nil {
		t.Fatal(err)
	}
	lost := len(acked) - found
	t.Logf("acknowledged=%d lost=%d", len(acked), lost)
	if lost != 0 {
		t.Fatalf("acknowledged=%d lost=%d: bookings reported as saved are gone after the crash", len(acked), lost)
	}
}

// chaosCluster starts a private cluster of this test alone, with the
// product's settings (fsync on), and removes it at the end.
func chaosCluster(t *testing.T) *pgcluster.Cluster {
	t.Helper()
	// Under /tmp itself (open to others), so that as root the postgres
	// user can reach it and the socket path stays short.
	dir, err := os.MkdirTemp("", "consultorio-chaos-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	c, err := pgcluster.New(dir, pgcluster.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Stop(context.Background()); err != nil {
			t.Logf("stop the chaos cluster: %v", err)
		}
		_ = os.RemoveAll(dir)
		if d := filepath.Dir(c.Dir()); strings.HasPrefix(d, "/var/lib/consultorio/") {
			_ = os.RemoveAll(d)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return c
}

// crash kills the postmaster and all its children with SIGKILL, as a
// crash of the database's machine would: nothing gets to flush. Each server
// process runs in a session of its own, so they are found by parent: the
// postmaster is stopped first (it forks no more), then its children, and
// then all of them are killed.
func crash(t *testing.T, c *pgcluster.Cluster) {
	t.Helper()
	running, pid, _ := c.Status()
	if !running {
		t.Fatal("the chaos cluster is not running")
	}
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatalf("stop the postmaster: %v", err)
	}
	procs := append(childrenOf(t, pid), pid)
	for _, p := range procs {
		_ = syscall.Kill(p, syscall.SIGSTOP)
	}
	for _, p := range procs {
		if err := syscall.Kill(p, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			t.Fatalf("kill %d: %v", p, err)
		}
	}
	// Gone from the process table (reaped, not a zombie still holding the
	// socket's lock file) before the restart.
	for deadline := time.Now().Add(10 * time.Second); ; {
		alive := 0
		for _, p := range procs {
			if syscall.Kill(p, 0) == nil {
				alive++
			}
		}
		if alive == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d database processes survived SIGKILL", alive)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// childrenOf lists the processes whose parent is pid (from /proc).
func childrenOf(t *testing.T, pid int) []int {
	t.Helper()
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // ended meanwhile
		}
		// "pid (comm) state ppid ...": comm may hold spaces, so split after ")".
		_, rest, ok := strings.Cut(string(b), ") ")
		fields := strings.Fields(rest)
		if !ok || len(fields) < 2 {
			continue
		}
		if ppid, _ := strconv.Atoi(fields[1]); ppid == pid {
			p, _ := strconv.Atoi(filepath.Base(filepath.Dir(f)))
			out = append(out, p)
		}
	}
	return out
}
