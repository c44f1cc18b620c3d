package keyfile_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"consultorio/keyfile"
)

func TestCreatesOnceWithMode0600(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sub", "secret.key")
	calls := 0
	gen := func() ([]byte, error) { calls++; return []byte(fmt.Sprintf("key %d", calls)), nil }
	first, err := keyfile.LoadOrCreate(path, gen)
	if err != nil || string(first) != "key 1" {
		t.Fatalf("first: %q, %v", first, err)
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("mode: %v, %v", info, err)
	}
	again, err := keyfile.LoadOrCreate(path, gen)
	if err != nil || !bytes.Equal(again, first) || calls != 1 {
		t.Fatalf("again: %q, %v (generated %d times)", again, err, calls)
	}
	// Nothing but the file is left in its directory (no temporary files).
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("directory holds %d entries, want 1", len(entries))
	}
}

// TestConcurrentCreatorsShareOneKey: processes starting together each
// generate a key, and all of them end up with the one that was linked first.
func TestConcurrentCreatorsShareOneKey(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "host.key")
	const n = 16
	got := make([][]byte, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			data, err := keyfile.LoadOrCreate(path, func() ([]byte, error) { return []byte(fmt.Sprint("key ", i)), nil })
			if err != nil {
				t.Error(err)
			}
			got[i] = data
		}()
	}
	wg.Wait()
	onDisk, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, g := range got {
		if !bytes.Equal(g, onDisk) {
			t.Errorf("creator %d got %q, the file holds %q", i, g, onDisk)
		}
	}
}

func TestGenerateFailureLeavesNothing(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "secret.key")
	boom := errors.New("no entropy")
	if _, err := keyfile.LoadOrCreate(path, func() ([]byte, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want %v", err, boom)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a failed creation left %s: %v", path, err)
	}
	if _, err := keyfile.LoadOrCreate("", nil); err == nil {
		t.Fatal("empty path accepted")
	}
}
