package server

import (
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"

	"consultorio/server/cmd"
	"consultorio/store"
	"consultorio/store/storetest"
)

// The real OpenSSH client, as a clinic's script would use it.
func TestOpenSSHClientWhoami(t *testing.T) {
	t.Parallel()
	sshBin := openSSHBin(t, "ssh")
	db := storetest.NewDB(t)
	keyFile, pub := clientKeyFile(t, t.TempDir(), "id_ed25519")
	if _, err := db.CreateTenant(context.Background(), store.CLI, store.NewTenant{
		Schema: "demo", Name: "Clínica Demo", AdminEmail: "admin@demo.test", AdminName: "Ana Admin",
		AdminKey: pub,
	}); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, db)
	_, port, _ := net.SplitHostPort(srv.addr)

	ssh := func(args ...string) (string, string, int) {
		out, errOut, code := runOpenSSH(t, sshBin, port, keyFile, args...)
		return string(out), errOut, code
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
