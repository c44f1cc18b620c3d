package main

import (
	"crypto/rand"
	"fmt"
	"path/filepath"

	"consultorio/keyfile"
	"consultorio/store"
)

// secretKeyFile is the installation's secret key (store.Options.SecretKey,
// which seals the second factor's TOTP secrets), next to the SSH host key.
// It lives outside the database so that a dump or a backup of the database
// alone does not reveal the secrets. Every server of one database needs the
// same file, as it needs the same host key.
const secretKeyFile = "secret.key"

// loadSecretKey reads the key at path, creating it (random, mode 0600) on
// first use; a key another process created first wins, so two servers
// starting together end up with one key.
func loadSecretKey(path string) ([]byte, error) {
	key, err := keyfile.LoadOrCreate(path, func() ([]byte, error) {
		key := make([]byte, store.SecretKeySize)
		_, err := rand.Read(key)
		return key, err
	})
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	if len(key) != store.SecretKeySize {
		return nil, fmt.Errorf("secret key %s: %d bytes, want %d", path, len(key), store.SecretKeySize)
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
