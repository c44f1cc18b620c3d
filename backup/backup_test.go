package backup

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestReadBackupLabel(t *testing.T) {
	p := filepath.Join(t.TempDir(), "backup_label")
	label := "START WAL LOCATION: 0/3000028 (file 000000010000000000000003)\nCHECKPOINT LOCATION: 0/3000060\n" +
		"BACKUP METHOD: streamed\nBACKUP FROM: primary\nSTART TIME: 2026-12-05 01:45:43 UTC\nLABEL: x\nSTART TIMELINE: 1\n"
	if err := os.WriteFile(p, []byte(label), 0o600); err != nil {
		t.Fatal(err)
	}
	wal, started, err := readBackupLabel(p)
	if err != nil {
		t.Fatal(err)
	}
	if wal != "0/3000028" || !started.Equal(time.Date(2026, 12, 5, 1, 45, 43, 0, time.UTC)) {
		t.Fatalf("got %q %v", wal, started)
	}
	if err := os.WriteFile(p, []byte("START WAL LOCATION: 0/3000028\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := readBackupLabel(p); err == nil {
		t.Fatal("a label without START TIME must be refused")
	}
}

// TestRestoreRefusesBadBackups: no manifest, another format, a newer
// format, a damaged host key, an existing data directory, a point in time
// before the backup or without an archive: each refused before anything is
// made.
func TestRestoreRefusesBadBackups(t *testing.T) {
	ctx := t.Context()
	src := t.TempDir()
	data := filepath.Join(t.TempDir(), "data")
	if _, _, err := Restore(ctx, src, RestoreOptions{DataDir: data}); err == nil || !strings.Contains(err.Error(), "no manifest.json") {
		t.Fatalf("no manifest: %v", err)
	}
	m := Manifest{Format: "other", FormatVersion: 1}
	write := func() {
		t.Helper()
		if err := writeManifest(src, m); err != nil {
			t.Fatal(err)
		}
	}
	write()
	if _, _, err := Restore(ctx, src, RestoreOptions{DataDir: data}); err == nil || !strings.Contains(err.Error(), "not a Consultorio backup") {
		t.Fatalf("other format: %v", err)
	}
	m = Manifest{Format: Format, FormatVersion: FormatVersion + 1, BinaryVersion: "9.0.0"}
	write()
	if _, _, err := Restore(ctx, src, RestoreOptions{DataDir: data}); err == nil || !strings.Contains(err.Error(), "9.0.0") {
		t.Fatalf("newer format: %v", err)
	}

	files := filepath.Join(src, "files")
	if err := os.MkdirAll(files, 0o700); err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(t.TempDir(), "ssh_host_ed25519_key")
	if err := os.WriteFile(key, []byte("key"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := copyHashed(key, filepath.Join(files, "ssh_host_ed25519_key"))
	if err != nil {
		t.Fatal(err)
	}
	finished := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	m = Manifest{Format: Format, FormatVersion: FormatVersion, Files: []File{f}, FinishedAt: finished, Source: "private"}
	write()
	if err := os.WriteFile(filepath.Join(files, "ssh_host_ed25519_key"), []byte("kez"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Restore(ctx, src, RestoreOptions{DataDir: data}); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("damaged key: %v", err)
	}
	if _, _, err := Restore(ctx, src, RestoreOptions{DataDir: data, To: finished.Add(time.Hour)}); !errors.Is(err, ErrNoArchive) {
		t.Fatalf("--to without archive: %v", err)
	}
	if _, _, err := Restore(ctx, src, RestoreOptions{DataDir: data, To: finished.Add(-time.Minute), WALArchive: "/x"}); !errors.Is(err, ErrTargetTooEarly) {
		t.Fatalf("--to before the backup: %v", err)
	}
	if err := os.MkdirAll(data, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "x"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Restore(ctx, src, RestoreOptions{DataDir: data}); !errors.Is(err, ErrExists) {
		t.Fatalf("existing data directory: %v", err)
	}
	if _, err := os.Stat(filepath.Join(data, "x")); err != nil {
		t.Fatalf("a refused restore touched the existing data directory: %v", err)
	}
}
