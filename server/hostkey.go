package server

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"os"

	gossh "golang.org/x/crypto/ssh"

	"consultorio/keyfile"
)

// loadHostKey reads the ed25519 host key at path, creating it on first use.
// The key must survive restarts (clients pin it) and be shared by every
// server behind a load balancer, so it lives in the data directory rather than
// being generated in memory; keyfile makes its creation atomic (a crash never
// leaves a half-written key that would change on the next start) and lets
// the first of two servers starting together win.
func loadHostKey(path string) (gossh.Signer, error) {
	if path == "" {
		return nil, errors.New("host key path is empty")
	}
	data, err := keyfile.LoadOrCreate(path, newHostKey)
	if err != nil {
		return nil, fmt.Errorf("host key: %w", err)
	}
	signer, err := gossh.ParsePrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	if _, err := os.Stat(path + ".pub"); errors.Is(err, os.ErrNotExist) {
		pub := gossh.MarshalAuthorizedKey(signer.PublicKey())
		_ = os.WriteFile(path+".pub", pub, 0o644) // informational only
	}
	return signer, nil
}

// newHostKey makes a new ed25519 private key in OpenSSH's PEM form.
func newHostKey() ([]byte, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	block, err := gossh.MarshalPrivateKey(priv, "consultorio host key")
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(block), nil
}
