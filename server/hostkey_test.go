package server

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"consultorio/store/storetest"
)

// The host key is created once, private, and the same on every start.
func TestHostKeyIsPersistent(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "data", "ssh_host_ed25519_key")
	first, err := loadHostKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if first.PublicKey().Type() != "ssh-ed25519" {
		t.Errorf("host key type %s", first.PublicKey().Type())
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("host key mode %v, want 0600", st.Mode().Perm())
	}
	again, err := loadHostKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.PublicKey().Marshal(), again.PublicKey().Marshal()) {
		t.Errorf("host key changed between starts")
	}
	if _, err := loadHostKey(""); err == nil {
		t.Errorf("empty path accepted")
	}
}

// wish.NewServer writes a key to the working directory when no host key is
// set by its options: New must never leave one there.
func TestNewWritesNoKeyToTheWorkingDirectory(t *testing.T) {
	db := storetest.NewDB(t)
	dir := t.TempDir()
	t.Chdir(dir)
	if _, err := New(Config{Listen: "127.0.0.1:0", HostKeyPath: filepath.Join(t.TempDir(), "hk")}, db, nil); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("New wrote %s to the working directory", e.Name())
	}
}
