package server

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"consultorio/store/storetest"
)

// cycle connects, runs a command, opens a terminal session until its first
// frame, and disconnects abruptly (the client just closes).
func cycle(t testing.TB, addr string, key gossh.Signer) {
	t.Helper()
	c, err := dial(t, addr, "clinic-a", keyAuth(key))
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	if out, errOut, code := run(t, c, "whoami"); code != 0 || !strings.Contains(out, "admin@clinic-a.test") {
		t.Fatalf("whoami: %d %q %q", code, out, errOut)
	}
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", 24, 80, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	stdout, _ := sess.StdoutPipe()
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	buf := make([]byte, 4096)
	for !strings.Contains(got.String(), "Administrador") {
		n, err := stdout.Read(buf)
		if err != nil {
			t.Fatalf("first frame: %v (got %q)", err, got.String())
		}
		got.Write(buf[:n])
	}
}

func TestNoGoroutineLeakAfterDisconnects(t *testing.T) {
	db := storetest.NewDB(t)
	a := newClinic(t, db, "clinic-a")
	key, line := newKey(t)
	a.addKey(t, a.admin.ID, line)
	srv := startServer(t, db)

	cycle(t, srv.addr, key) // warm up pools and lazily started goroutines
	waitUntil(t, "warm-up session gone", func() bool { return srv.reg.count() == 0 && srv.conns.Load() == 0 })
	before := settledGoroutines()

	for i := 0; i < 100; i++ {
		cycle(t, srv.addr, key)
	}
	waitUntil(t, "sessions gone", func() bool { return srv.reg.count() == 0 && srv.conns.Load() == 0 })
	after := settledGoroutines()
	t.Logf("goroutines: %d before, %d after 100 cycles", before, after)
	if after > before+5 {
		buf := make([]byte, 1<<20)
		n := runtime.Stack(buf, true)
		t.Fatalf("goroutines grew from %d to %d after 100 connect/disconnect cycles:\n%s", before, after, buf[:n])
	}
}

// settledGoroutines waits for the goroutine count to stop falling.
func settledGoroutines() int {
	n := runtime.NumGoroutine()
	for i := 0; i < 100; i++ {
		time.Sleep(50 * time.Millisecond)
		m := runtime.NumGoroutine()
		if m >= n && i >= 4 {
			return m
		}
		n = min(n, m)
	}
	return n
}
