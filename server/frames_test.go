package server

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"

	uv "github.com/charmbracelet/ultraviolet"
	gossh "golang.org/x/crypto/ssh"

	"consultorio/store/storetest"
)

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

	gBefore := settledGoroutines()
	heapBefore := liveHeap()
	stop := hold(n)
	gAfter := settledGoroutines()
	heapAfter := liveHeap()
	stop()

	perSession := (int64(heapAfter) - int64(heapBefore)) / n
	t.Logf("per idle session: %d KiB live heap, %.2f goroutines", perSession>>10, float64(gAfter-gBefore)/n)
	if perSession > maxIdleSessionHeap {
		t.Errorf("an idle session holds %d KiB of live heap, want at most %d KiB", perSession>>10, maxIdleSessionHeap>>10)
	}
	// A few goroutines of the server's own (a pool's health check, a
	// timer) may come and go; one more per session is n more.
	if extra := gAfter - gBefore - n*idleSessionGoroutines; extra > n/2 {
		buf := make([]byte, 1<<20)
		t.Errorf("%d sessions added %d goroutines, want %d each:\n%s", n, gAfter-gBefore, idleSessionGoroutines,
			buf[:runtime.Stack(buf, true)])
	}
}

// liveHeap is the heap the last of two full collections found reachable.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// TestReleasedScreenModelRendersTheSameBytes: a renderer that packs its
// model of the screen after every frame (TerminalRenderer.Release, the
// third_party patch the idle footprint relies on) writes to the terminal
// exactly what one that keeps the model does, frame after frame: styles,
// colours of several kinds, hyperlinks, wide and combined characters,
// lines that scroll.
func TestReleasedScreenModelRendersTheSameBytes(t *testing.T) {
	t.Parallel()
	const w, h = 80, 24
	env := []string{"TERM=xterm-256color"}
	newRenderer := func(out *bytes.Buffer) *uv.TerminalRenderer {
		r := uv.NewTerminalRenderer(out, env)
		r.SetFullscreen(true)
		r.SetRelativeCursor(false)
		r.SetScrollOptim(true)
		r.EnterAltScreen()
		return r
	}
	var keptOut, packedOut bytes.Buffer
	kept, packed := newRenderer(&keptOut), newRenderer(&packedOut)

	lines := []string{
		"\x1b[1;38;5;33mAgenda\x1b[0m  sábado 5 de diciembre   \x1b[7m Recepción \x1b[0m",
		"\x1b[38;2;200;30;30m│ 09:00 │\x1b[0m María José Núñez  \x1b[4:3m\x1b[58;5;2msala 2\x1b[0m",
		"\x1b]8;;https://example.com/a\x1b\\enlace\x1b]8;;\x1b\\ y 日本語 ñandú e\u0301 👩‍⚕️ fin",
		"\x1b[48;5;236m" + strings.Repeat("─", 78) + "\x1b[0m",
		"\x1b[31mrojo\x1b[32mverde\x1b[34mazul\x1b[0m \x1b[2;3mtenue\x1b[0m \x1b[9mtachado\x1b[0m",
	}
	frame := func(i int) *uv.RenderBuffer {
		b := uv.NewScreenBuffer(w, h)
		var sb strings.Builder
		for y := 0; y < h; y++ {
			if y > 0 {
				sb.WriteString("\n")
			}
			// Frames shift their lines by one (scrolling), change one
			// line now and then, and go blank at the bottom.
			switch k := (y + i) % (len(lines) + 3); {
			case k < len(lines):
				sb.WriteString(lines[k])
			case k == len(lines):
				fmt.Fprintf(&sb, "fila %d del cuadro %d", y, i)
			}
		}
		uv.NewStyledString(sb.String()).Draw(b, b.Bounds())
		return b.RenderBuffer
	}
	for i := range 12 {
		kept.Render(frame(i))
		packed.Render(frame(i))
		packed.Release()
		if err := kept.Flush(); err != nil {
			t.Fatal(err)
		}
		if err := packed.Flush(); err != nil {
			t.Fatal(err)
		}
		if keptOut.Len() == 0 {
			t.Fatalf("frame %d wrote nothing", i)
		}
		if keptOut.String() != packedOut.String() {
			t.Fatalf("frame %d: released model wrote\n%q\nkept model wrote\n%q", i, packedOut.String(), keptOut.String())
		}
		keptOut.Reset()
		packedOut.Reset()
	}
	// The same frame again: nothing to write either way.
	kept.Render(frame(11))
	packed.Render(frame(11))
	_ = kept.Flush()
	_ = packed.Flush()
	if keptOut.String() != packedOut.String() {
		t.Fatalf("unchanged frame: released model wrote %q, kept model %q", packedOut.String(), keptOut.String())
	}
}
