package server

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	charmlog "charm.land/log/v2"
	gossh "golang.org/x/crypto/ssh"

	"consultorio/store/storetest"
)

// Benchmarks (numbers for docs/BENCHMARKS.md):
//
//	go test ./server/ -run '^$' -bench . -benchtime 1x
//
// They run the real server in-process against the test PostgreSQL. The 500
// idle sessions come from a child process (this test binary, see TestMain),
// so the server's heap and CPU are measured without the clients'. With
// CONSULTORIO_BENCH_HEAPPROFILE=FILE the idle benchmark writes the heap
// profile of the 500 sessions to FILE and a CPU profile of the idle window to
// FILE.cpu (go tool pprof).

const (
	envLoadAddr = "CONSULTORIO_SSHLOAD_ADDR"
	envLoadKey  = "CONSULTORIO_SSHLOAD_KEY"
	envLoadN    = "CONSULTORIO_SSHLOAD_N"
	envLoadUser = "CONSULTORIO_SSHLOAD_USER"
	envLoadWait = "CONSULTORIO_SSHLOAD_WAITFOR"
)

func TestMain(m *testing.M) {
	if addr := os.Getenv(envLoadAddr); addr != "" {
		n, _ := strconv.Atoi(os.Getenv(envLoadN))
		if err := holdSessions(addr, os.Getenv(envLoadKey), os.Getenv(envLoadUser), os.Getenv(envLoadWait), n); err != nil {
			fmt.Fprintln(os.Stderr, "load client:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	// The wish middleware reports every client that hangs up as an error
	// through charm's default logger; the tests do that a lot.
	charmlog.SetDefault(charmlog.New(io.Discard))
	os.Exit(m.Run())
}

// holdSessions opens n terminal sessions (one connection each, 20 at a
// time), waits for each first frame, prints "ready" and holds them until
// stdin closes.
func holdSessions(addr, keyFile, user, waitFor string, n int) error {
	pemBytes, err := os.ReadFile(keyFile)
	if err != nil {
		return err
	}
	signer, err := gossh.ParsePrivateKey(pemBytes)
	if err != nil {
		return err
	}
	var (
		mu       sync.Mutex
		clients  []*gossh.Client
		firstErr error
	)
	sem := make(chan struct{}, 20)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{User: user, Auth: keyAuth(signer),
				HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 30 * time.Second})
			if err == nil {
				err = firstFrame(c, waitFor, true)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = err
			}
			if c != nil {
				clients = append(clients, c)
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
	for _, c := range clients {
		c.Close()
	}
	return nil
}

// firstFrame opens a terminal session and reads until the screen output
// contains text; with keep, the session stays open (its output drained).
func firstFrame(c *gossh.Client, text string, keep bool) error {
	sess, err := c.NewSession()
	if err != nil {
		return err
	}
	if err := sess.RequestPty("xterm-256color", 24, 80, gossh.TerminalModes{}); err != nil {
		return err
	}
	stdout, err := sess.StdoutPipe()
	if err != nil {
		return err
	}
	if err := sess.Shell(); err != nil {
		return err
	}
	var got bytes.Buffer
	buf := make([]byte, 8192)
	for !bytes.Contains(got.Bytes(), []byte(text)) {
		n, err := stdout.Read(buf)
		if err != nil {
			return fmt.Errorf("first frame: %w (got %q)", err, got.String())
		}
		got.Write(buf[:n])
	}
	if keep {
		go func() { _, _ = io.Copy(io.Discard, stdout) }()
	} else {
		sess.Close()
	}
	return nil
}

// benchClinic is a clinic whose admin logs in by key.
func benchClinic(b *testing.B, fps int) (*testServer, gossh.Signer, clinic) {
	db := storetest.NewDB(b)
	c := newClinic(b, db, "demo")
	key, line := newKey(b)
	c.addKey(b, c.admin.ID, line)
	// The load client opens 20 connections at a time from one address.
	srv := startServer(b, db, withConfig(func(c *Config) { c.FPS = fps; c.MaxPerAddress = 64 }))
	return srv, key, c
}

func percentiles(d []time.Duration) (p50, p99 time.Duration) {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	at := func(p float64) time.Duration { return d[min(len(d)-1, int(p*float64(len(d))))] }
	return at(0.50), at(0.99)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// fpsVariants: the frame rate caps how often a changing screen is redrawn;
// since the renderer flushes on change (third_party/bubbletea), the first
// frame and an idle session no longer depend on it.
var fpsVariants = []int{15, 30, 60}

// firstFrameText is in the header of the admin's first screen.
const firstFrameText = "Administrador"

// Connect → first frame on screen: 200 connections, 10 at a time.
func BenchmarkConnectFirstFrame(b *testing.B) {
	for _, fps := range fpsVariants {
		b.Run(fmt.Sprintf("fps=%d", fps), func(b *testing.B) { benchConnectFirstFrame(b, fps) })
	}
}

func benchConnectFirstFrame(b *testing.B, fps int) {
	srv, key, _ := benchClinic(b, fps)
	const total, parallel = 200, 10
	for b.Loop() {
		lat := make([]time.Duration, total)
		jobs := make(chan int)
		var wg sync.WaitGroup
		for w := 0; w < parallel; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range jobs {
					start := time.Now()
					c, err := dial(b, srv.addr, "demo", keyAuth(key))
					if err != nil {
						b.Error(err)
						continue
					}
					if err := firstFrame(c, firstFrameText, false); err != nil {
						b.Error(err)
					}
					lat[i] = time.Since(start)
					c.Close()
				}
			}()
		}
		for i := 0; i < total; i++ {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
		p50, p99 := percentiles(lat)
		b.ReportMetric(ms(p50), "p50-ms")
		b.ReportMetric(ms(p99), "p99-ms")
	}
}

// Scripted whoami round trip: connect, authenticate, run, exit (what
// `ssh demo@host whoami` costs), sequentially.
func BenchmarkScriptedWhoami(b *testing.B) {
	srv, key, _ := benchClinic(b, 0)
	var lat []time.Duration
	for b.Loop() {
		start := time.Now()
		c, err := dial(b, srv.addr, "demo", keyAuth(key))
		if err != nil {
			b.Fatal(err)
		}
		if out, _, code := run(b, c, "whoami --json"); code != 0 || !strings.Contains(out, "admin@demo.test") {
			b.Fatalf("whoami: %d %q", code, out)
		}
		c.Close()
		lat = append(lat, time.Since(start))
	}
	p50, p99 := percentiles(lat)
	b.ReportMetric(ms(p50), "p50-ms")
	b.ReportMetric(ms(p99), "p99-ms")
}

// 500 idle TUI sessions held open by a child process: the server's heap per
// session and its CPU while nobody types.
func Benchmark500IdleSessions(b *testing.B) {
	for _, fps := range fpsVariants {
		b.Run(fmt.Sprintf("fps=%d", fps), func(b *testing.B) { bench500IdleSessions(b, fps) })
	}
}

func bench500IdleSessions(b *testing.B, fps int) {
	const n = 500
	srv, _, cl := benchClinic(b, fps)
	// The child needs the private key: make one and register it.
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	block, _ := gossh.MarshalPrivateKey(priv, "")
	keyFile := filepath.Join(b.TempDir(), "id_ed25519")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(block), 0o600); err != nil {
		b.Fatal(err)
	}
	signer, _ := gossh.NewSignerFromKey(priv)
	cl.addKey(b, cl.admin.ID, string(gossh.MarshalAuthorizedKey(signer.PublicKey())))

	for b.Loop() {
		heapBefore, gBefore := settledHeap()
		child := exec.Command(os.Args[0], "-test.run=^$")
		child.Env = append(os.Environ(), envLoadAddr+"="+srv.addr, envLoadKey+"="+keyFile,
			envLoadN+"="+strconv.Itoa(n), envLoadUser+"=demo", envLoadWait+"="+firstFrameText)
		stdin, _ := child.StdinPipe()
		stdout, _ := child.StdoutPipe()
		child.Stderr = os.Stderr
		start := time.Now()
		if err := child.Start(); err != nil {
			b.Fatal(err)
		}
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err != nil || strings.TrimSpace(line) != "ready" {
			b.Fatalf("load client: %q %v", line, err)
		}
		opened := time.Since(start)
		if got := srv.reg.count(); got != n {
			b.Fatalf("live sessions = %d, want %d", got, n)
		}
		time.Sleep(2 * time.Second) // let start-up work finish
		heapAfter, gAfter := settledHeap()
		if f := os.Getenv("CONSULTORIO_BENCH_HEAPPROFILE"); f != "" {
			if out, err := os.Create(f); err == nil {
				_ = pprof.WriteHeapProfile(out)
				out.Close()
			}
			if out, err := os.Create(f + ".cpu"); err == nil {
				_ = pprof.StartCPUProfile(out)
				defer func() { pprof.StopCPUProfile(); out.Close() }()
			}
		}

		const window = 10 * time.Second
		cpuBefore := cpuTime()
		time.Sleep(window)
		cpu := cpuTime() - cpuBefore

		stdin.Close()
		_ = child.Wait()
		waitUntil(b, "sessions closed", func() bool { return srv.reg.count() == 0 })

		b.ReportMetric(float64(heapAfter-heapBefore)/n/1024, "heap-KiB/session")
		b.ReportMetric(float64(gAfter-gBefore)/n, "goroutines/session")
		b.ReportMetric(100*cpu.Seconds()/window.Seconds(), "idle-cpu-%")
		b.ReportMetric(opened.Seconds(), "open-500-s")
	}
}

// settledHeap is the live heap after a full collection, and the goroutine
// count.
func settledHeap() (uint64, int) {
	var ms runtime.MemStats
	for i := 0; i < 2; i++ {
		runtime.GC()
	}
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse, runtime.NumGoroutine()
}

// cpuTime is the CPU (user + system) this process used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
