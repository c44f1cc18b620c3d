package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"consultorio/store"
)

// secretKeyFile is the installation's secret key (store.Options.SecretKey,
// which seals the second factor's TOTP secrets), next to the SSH host key.
// It lives outside the database so that a dump or a backup of the database
// alone does not reveal the secrets. Every server of one database needs the
// same file, as it needs the same host key.
const secretKeyFile = "secret.key"

// loadSecretKey reads the key at path, creating it (random, mode 0600) on
// first use. Creation is atomic, and a key another process created first
// wins, so two servers starting together end up with one key.
func loadSecretKey(path string) ([]byte, error) {
	key, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		key, err = createSecretKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("secret key %s: %w", path, err)
	}
	if len(key) != store.SecretKeySize {
		return nil, fmt.Errorf("secret key %s: %d bytes, want %d", path, len(key), store.SecretKeySize)
	}
	return key, nil
}

func createSecretKey(path string) ([]byte, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	key := make([]byte, store.SecretKeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".secret-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name()) //nolint:errcheck // gone after the link
	if _, err := tmp.Write(key); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return os.ReadFile(path)
		}
		return nil, err
	}
	return key, nil
}

// storeOptions are the options every store this CLI opens gets: the
// test's, else the installation's secret key from the data directory.
func (cfg *config) storeOptions() (store.Options, error) {
	opts := cfg.env.storeOpts
	if opts.SecretKey == nil {
		key, err := loadSecretKey(filepath.Join(cfg.dataDir, secretKeyFile))
		if err != nil {
			return opts, err
		}
		opts.SecretKey = key
	}
	return opts, nil
}
