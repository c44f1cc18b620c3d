package server

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"consultorio/server/cmd"
	"consultorio/store"
	"consultorio/store/storetest"
)

// The real OpenSSH client, as a clinic's script would use it.
func TestOpenSSHClientWhoami(t *testing.T) {
	t.Parallel()
	sshBin, err := exec.LookPath("ssh")
	if err != nil {
		t.Fatalf("the OpenSSH client is needed for this test: %v", err)
	}
	db := storetest.NewDB(t)
	dir := t.TempDir()
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	block, err := gossh.MarshalPrivateKey(priv, "demo admin")
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "id_ed25519")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	signer, _ := gossh.NewSignerFromKey(priv)
	if _, err := db.CreateTenant(context.Background(), store.CLI, store.NewTenant{
		Schema: "demo", Name: "Clínica Demo", AdminEmail: "admin@demo.test", AdminName: "Ana Admin",
		AdminKey: string(gossh.MarshalAuthorizedKey(signer.PublicKey())),
	}); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, db)
	_, port, _ := net.SplitHostPort(srv.addr)

	ssh := func(args ...string) (string, string, int) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		base := []string{"-F", "/dev/null", "-p", port, "-i", keyFile, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
			"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR"}
		c := exec.CommandContext(ctx, sshBin, append(base, args...)...)
		var out, errb bytes.Buffer
		c.Stdout, c.Stderr = &out, &errb
		err := c.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("ssh: %v", err)
		}
		return out.String(), errb.String(), code
	}

	out, errOut, code := ssh("demo@127.0.0.1", "whoami")
	if code != 0 || !strings.Contains(out, "admin@demo.test") || !strings.Contains(out, "Clínica Demo") {
		t.Fatalf("ssh demo@127.0.0.1 whoami: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	out, _, code = ssh("demo@127.0.0.1", "whoami", "--json")
	var w cmd.Whoami
	if code != 0 || json.Unmarshal([]byte(out), &w) != nil || w.Role != "admin" || w.Schema != "demo" {
		t.Errorf("whoami --json: exit %d, %q", code, out)
	}
	// The key is registered in one clinic only: it routes any user name.
	if out, errOut, code := ssh("maria@127.0.0.1", "whoami"); code != 0 || !strings.Contains(out, "admin@demo.test") {
		t.Errorf("key routing: exit %d, %q, %q", code, out, errOut)
	}
	if _, errOut, code := ssh("demo@127.0.0.1", "frobnicate"); code != 2 || !strings.Contains(errOut, "comando desconocido") {
		t.Errorf("unknown command: exit %d, %q", code, errOut)
	}
}
