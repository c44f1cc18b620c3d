package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"consultorio/server/cmd"
)

// --smtp-ca-file makes the sender trust a relay's private certificate; a
// file without a certificate is a usage error, not a silent fallback to
// the system's roots.
func TestSMTPCAFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	good, bad := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "junk.pem")
	if err := os.WriteFile(good, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := smtpFlags{host: "smtp.example.com", port: 587, security: "starttls", from: "no-reply@example.com"}

	s := base
	s.caFile = good
	cfg, err := s.config()
	if err != nil || cfg.RootCAs == nil {
		t.Fatalf("config with --smtp-ca-file = %+v, %v", cfg, err)
	}
	s.caFile = bad
	if _, err := s.config(); cmd.ExitCode(err) != 2 {
		t.Errorf("--smtp-ca-file without a certificate: %v (exit %d, want 2)", err, cmd.ExitCode(err))
	}
	if cfg, err := base.config(); err != nil || cfg.RootCAs != nil {
		t.Errorf("without --smtp-ca-file: %+v, %v (want the system's roots: nil)", cfg, err)
	}
}
