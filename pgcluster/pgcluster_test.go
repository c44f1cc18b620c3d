package pgcluster

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// TestLifecycle starts a fresh cluster from several goroutines at once, checks
// that it answers, survives a stale postmaster.pid and stops.
func TestLifecycle(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	c, err := New(filepath.Join(dir, "data"), Options{Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	t.Cleanup(func() { _ = c.Destroy(context.Background()) })

	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = c.Start(ctx) }()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("concurrent start: %v", err)
		}
	}
	if out, err := exec.Command("psql", "-X", "-t", "-A", c.URL(), "-c", "select current_database()").CombinedOutput(); err != nil ||
		strings.TrimSpace(string(out)) != DBName {
		t.Fatalf("psql: %v %s", err, out)
	}
	running, pid, _ := c.Status()
	if !running || pid == 0 {
		t.Fatalf("status: running=%v pid=%d", running, pid)
	}

	// Simulate a crash: kill the server hard and leave a postmaster.pid that
	// names a live process which is not PostgreSQL (this test process).
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	pidFile := filepath.Join(c.Dir(), "postmaster.pid")
	stale := []byte(strings.Join([]string{itoa(os.Getpid()), c.Dir(), "0", "5432", ""}, "\n"))
	if err := os.WriteFile(pidFile, stale, 0o600); err != nil {
		t.Fatal(err)
	}
	if running, _, _ := c.Status(); running {
		t.Fatal("a pid of a non-PostgreSQL process must not count as running")
	}
	if err := c.Start(ctx); err != nil {
		t.Fatalf("start after stale pid: %v", err)
	}
	if running, _, _ := c.Status(); !running {
		t.Fatal("not running after restart")
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if running, _, _ := c.Status(); running {
		t.Fatal("still running after stop")
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
