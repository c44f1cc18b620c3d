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
	checkAuth(t, c)
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

// checkAuth: every role but the owner needs its SCRAM password (no trust),
// and the owner's map names the OS account running the tests.
func checkAuth(t *testing.T, c *Cluster) {
	t.Helper()
	psql := func(url, password string, sql string) (string, error) {
		cmd := exec.Command("psql", "-X", "-w", "-t", "-A", url, "-c", sql)
		cmd.Env = append(os.Environ(), "PGPASSWORD="+password)
		if password == "" {
			cmd.Env = append(os.Environ(), "PGPASSWORD=")
		}
		out, err := cmd.CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	if out, err := psql(c.URL(), "", `create role probe login password 'probe-password-1'`); err != nil {
		t.Fatalf("owner creates a role: %v %s", err, out)
	}
	probe := strings.Replace(c.URL(), "//"+Superuser+"@", "//probe@", 1)
	if out, err := psql(probe, "", "select 1"); err == nil || !strings.Contains(out, "password") {
		t.Fatalf("a role connected without its password (trust?): %v %s", err, out)
	}
	if out, err := psql(probe, "wrong-password", "select 1"); err == nil || !strings.Contains(out, "password authentication failed") {
		t.Fatalf("a wrong password was accepted: %v %s", err, out)
	}
	if out, err := psql(probe, "probe-password-1", "select current_user"); err != nil || out != "probe" {
		t.Fatalf("the right password was refused: %v %s", err, out)
	}
	hba, err := os.ReadFile(filepath.Join(c.Dir(), "pg_hba.conf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(hba), "\n") {
		if f := strings.Fields(line); len(f) > 0 && !strings.HasPrefix(f[0], "#") && f[len(f)-1] == "trust" {
			t.Fatalf("pg_hba.conf trusts someone: %q", line)
		}
	}
}
