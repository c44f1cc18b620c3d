package pgcluster

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestClusterReachableFromDataDir makes a cluster under a data directory
// whose parent is closed to others (mode 0700, like a home directory): as
// root the cluster must live elsewhere, and the data directory must still
// lead to it (DATA/pg/PG_VERSION readable), and Destroy must leave nothing
// behind, wherever it lived.
func TestClusterReachableFromDataDir(t *testing.T) {
	parent := t.TempDir()
	if err := os.Chmod(parent, 0o700); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(parent, "data")
	c, err := New(data, Options{Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	t.Cleanup(func() { _ = c.Destroy(context.Background()) })
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(data, "pg", "PG_VERSION"))
	if err != nil || strings.TrimSpace(string(b)) == "" {
		t.Fatalf("DATA/pg/PG_VERSION: %v %q", err, b)
	}
	in, err := c.Info()
	if err != nil {
		t.Fatal(err)
	}
	if !in.Running || !in.Initialised || in.SizeBytes < 1<<20 {
		t.Fatalf("info: %+v", in)
	}
	if os.Geteuid() == 0 {
		if !in.Elsewhere || !strings.HasPrefix(in.Dir, ElsewhereRoot+"/") {
			t.Fatalf("as root under a 0700 parent the cluster must live under %s: %+v", ElsewhereRoot, in)
		}
		if target, err := os.Readlink(filepath.Join(data, "pg")); err != nil || target != in.Dir {
			t.Fatalf("DATA/pg must link to %s: %q %v", in.Dir, target, err)
		}
	}
	// A second description of the same data directory finds the same cluster
	// through the link.
	again, err := New(data, Options{Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	if again.Dir() != in.Dir {
		t.Fatalf("found %s, want %s", again.Dir(), in.Dir)
	}

	if err := again.Destroy(ctx); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{in.Dir, filepath.Dir(in.Dir), filepath.Join(data, "pg")} {
		if p == ElsewhereRoot || p == data {
			continue
		}
		if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left behind after Destroy (%v)", p, err)
		}
	}
	if running, _ := c.running(); running {
		t.Error("still running after Destroy")
	}
}

// TestDestroyRefusesNonCluster: a link pointed by hand at a directory that
// is not a cluster is not emptied.
func TestDestroyRefusesNonCluster(t *testing.T) {
	data := t.TempDir()
	other := t.TempDir()
	keep := filepath.Join(other, "precious")
	if err := os.WriteFile(keep, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(other, filepath.Join(data, "pg")); err != nil {
		t.Fatal(err)
	}
	c, err := New(data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Destroy(context.Background()); err == nil || !strings.Contains(err.Error(), "not a PostgreSQL cluster") {
		t.Fatalf("Destroy: %v", err)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Fatalf("the directory's contents were removed: %v", err)
	}
}
