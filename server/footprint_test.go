//go:build !race

package server

import (
	"bufio"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"consultorio/store/storetest"
)

// Not built with -race: under the race detector the same sessions measured
// 376 KiB of live heap and 20.4 goroutines each (11 and ~70 KiB without),
// so the bounds would measure the detector, not the server.

// What an idle terminal session may hold on the server (issue 16). Before
// the renderer kept its model of the screen packed between frames, every
// session held an 80×24 buffer of 112-byte cells (~210 KiB) on top of
// ~80 KiB of its own; with it, ~80 KiB in all. The bound sits between the
// two, far enough from both that the collector's timing cannot cross it.
const (
	maxIdleSessionHeap = 160 << 10
	// Goroutines of one idle terminal session in this test: the SSH
	// connection's (transport, handshake, key exchange, mux, connection and
	// session request loops), the wish handler's window watcher, the
	// terminal reader's, and Bubble Tea's event, command and render loops.
	// None of ours: live changes reach the program through the listener's
	// callback (forwardChanges), not a goroutine waiting on a channel.
	idleSessionGoroutines = 11
)

// TestIdleSessionFootprint holds terminal sessions open from a child
// process (so only the server's side is counted) and checks the live heap
// and the goroutines each one adds to the server once idle. It fails if the
// renderer's screen model is held unpacked again (heap) or a per-session
// goroutine comes back (count).
func TestIdleSessionFootprint(t *testing.T) {
	const n = 30
	db := storetest.NewDB(t)
	c := newClinic(t, db, "demo")
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	block, _ := gossh.MarshalPrivateKey(priv, "")
	keyFile := filepath.Join(t.TempDir(), "id_ed25519")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	signer, _ := gossh.NewSignerFromKey(priv)
	c.addKey(t, c.admin.ID, string(gossh.MarshalAuthorizedKey(signer.PublicKey())))
	srv := startServer(t, db, withConfig(func(c *Config) { c.MaxPerAddress = 64 }))

	hold := func(n int) (stop func()) {
		child := exec.Command(os.Args[0], "-test.run=^$")
		child.Env = append(os.Environ(), envLoadAddr+"="+srv.addr, envLoadKey+"="+keyFile,
			envLoadN+"="+strconv.Itoa(n), envLoadUser+"=demo", envLoadWait+"="+firstFrameText)
		stdin, _ := child.StdinPipe()
		stdout, _ := child.StdoutPipe()
		child.Stderr = os.Stderr
		if err := child.Start(); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err != nil || strings.TrimSpace(line) != "ready" {
			t.Fatalf("load client: %q %v", line, err)
		}
		waitUntil(t, "sessions open", func() bool { return srv.reg.count() == n })
		return func() {
			stdin.Close()
			_ = child.Wait()
			waitUntil(t, "sessions closed", func() bool { return srv.reg.count() == 0 && srv.conns.Load() == 0 })
		}
	}
	// Warm up what the server starts once: pools, the listener's LISTEN,
	// caches.
	hold(2)()

	gBefore := steadyGoroutines()
	heapBefore := liveHeap()
	stop := hold(n)
	gAfter := steadyGoroutines()
	heapAfter := liveHeap()
	var dump []byte
	if gAfter-gBefore > n*idleSessionGoroutines+n/2 {
		dump = make([]byte, 4<<20)
		dump = dump[:runtime.Stack(dump, true)]
	}
	stop()

	perSession := (int64(heapAfter) - int64(heapBefore)) / n
	t.Logf("per idle session: %d KiB live heap, %.2f goroutines", perSession>>10, float64(gAfter-gBefore)/n)
	if perSession > maxIdleSessionHeap {
		t.Errorf("an idle session holds %d KiB of live heap, want at most %d KiB", perSession>>10, maxIdleSessionHeap>>10)
	}
	// A few goroutines of the server's own (a pool's health check, a
	// timer) may come and go; one more per session is n more.
	if dump != nil {
		t.Errorf("%d sessions added %d goroutines, want %d each:\n%s", n, gAfter-gBefore, idleSessionGoroutines, dump)
	}
}

// steadyGoroutines waits until the goroutine count has not changed for two
// seconds, at most 30: a session's start-up work goes on after its first
// frame (the key login and the open session are recorded alongside it),
// and on a loaded machine a query may keep a goroutine alive for a while.
func steadyGoroutines() int {
	n, since := runtime.NumGoroutine(), time.Now()
	for start := time.Now(); time.Since(start) < 30*time.Second; time.Sleep(50 * time.Millisecond) {
		if m := runtime.NumGoroutine(); m != n {
			n, since = m, time.Now()
		} else if time.Since(since) >= 2*time.Second {
			break
		}
	}
	return n
}

// liveHeap is the heap the last of two full collections found reachable.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}
