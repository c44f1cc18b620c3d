package server

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// The tests that drive the real OpenSSH client (ssh, sftp, scp) share
// these: the binary, a key file it can use, its options, and one run.

// openSSHBin is the path of an OpenSSH client binary. Without it the test
// fails: `make test` installs it (scripts/ensure-deps.sh).
func openSSHBin(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("the OpenSSH %s client is needed for this test: %v", name, err)
	}
	return p
}

// clientKeyFile writes a new ed25519 private key where OpenSSH reads it
// (dir/name, mode 0600) and returns the file and the public key as an
// authorized_keys line.
func clientKeyFile(t testing.TB, dir, name string) (file, authorized string) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := gossh.MarshalPrivateKey(priv, name)
	if err != nil {
		t.Fatal(err)
	}
	file = filepath.Join(dir, name)
	if err := os.WriteFile(file, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return file, strings.TrimSpace(string(gossh.MarshalAuthorizedKey(signer.PublicKey())))
}

// openSSHOpts are the options every client gets: no user configuration,
// this key only, no prompt, no known-hosts file, errors only.
func openSSHOpts(keyFile string) []string {
	return []string{"-F", "/dev/null", "-i", keyFile, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR"}
}

// runOpenSSH runs the ssh client on port with keyFile and args (30 s at
// most) and returns its stdout, stderr and exit status.
func runOpenSSH(t testing.TB, sshBin, port, keyFile string, args ...string) ([]byte, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := exec.CommandContext(ctx, sshBin, append(append(openSSHOpts(keyFile), "-p", port), args...)...)
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	err := c.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return out.Bytes(), errb.String(), ee.ExitCode()
	case err != nil:
		t.Fatalf("ssh: %v", err)
	}
	return out.Bytes(), errb.String(), 0
}
