package server

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/vt"
	gossh "golang.org/x/crypto/ssh"

	"consultorio/store"
	"consultorio/store/storetest"
)

// testServer is a real server on 127.0.0.1:0 with a captured log.
type testServer struct {
	*Server
	addr string
	logs *syncBuffer
	stop context.CancelFunc
	done chan error
}

type serverOption func(*Config, *Server)

// startServer runs a server on a free loopback port until the test ends.
func startServer(t testing.TB, db *store.DB, opts ...serverOption) *testServer {
	t.Helper()
	cfg := Config{Listen: "127.0.0.1:0", HostKeyPath: t.TempDir() + "/ssh_host_ed25519_key",
		// No background jobs unless a test asks (withConfig): they would
		// build spare schemas and scan in every test's database.
		NotifyScanEvery: -1, MoroseEvery: -1, SparesEvery: -1, MailEvery: -1}
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	for _, o := range opts {
		o(&cfg, nil)
	}
	s, err := New(cfg, db, logger)
	if err != nil {
		t.Fatalf("new server: %v", err)
	}
	for _, o := range opts {
		o(nil, s)
	}
	if err := s.Listen(); err != nil {
		t.Fatalf("listen: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ts := &testServer{Server: s, addr: s.Addr().String(), logs: logs, stop: cancel, done: make(chan error, 1)}
	go func() { ts.done <- s.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-ts.done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Errorf("server did not stop within 15 s")
		}
	})
	return ts
}

func withConfig(f func(*Config)) serverOption {
	return func(c *Config, s *Server) {
		if c != nil {
			f(c)
		}
	}
}

func withServer(f func(*Server)) serverOption {
	return func(c *Config, s *Server) {
		if s != nil {
			f(s)
		}
	}
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newKey makes an ed25519 key pair: the signer and its authorized_keys line.
func newKey(t testing.TB) (gossh.Signer, string) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return signer, strings.TrimSpace(string(gossh.MarshalAuthorizedKey(signer.PublicKey())))
}

// clinic is a provisioned tenant with its admin.
type clinic struct {
	tn        *store.Tenant
	admin     *store.User
	setupCode string
}

func newClinic(t testing.TB, db *store.DB, schema string) clinic {
	t.Helper()
	tn, prov := storetest.NewTenant(t, db, schema)
	u, err := tn.UserByEmail(context.Background(), store.System, "admin@"+schema+".test")
	if err != nil {
		t.Fatalf("admin of %s: %v", schema, err)
	}
	return clinic{tn: tn, admin: u, setupCode: prov.SetupCode}
}

// addKey registers a key line for a user of the clinic.
func (c clinic) addKey(t testing.TB, userID int64, line string) {
	t.Helper()
	if _, err := c.tn.AddKey(context.Background(), store.System, userID, line, "test"); err != nil {
		t.Fatalf("add key: %v", err)
	}
}

// keyAuth authenticates with the given signers.
func keyAuth(signers ...gossh.Signer) []gossh.AuthMethod {
	return []gossh.AuthMethod{gossh.PublicKeys(signers...)}
}

// noKeyAuth is a client without keys: keyboard-interactive with no questions.
func noKeyAuth() []gossh.AuthMethod {
	return []gossh.AuthMethod{gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) {
		return nil, nil
	})}
}

func dial(t testing.TB, addr, user string, auth []gossh.AuthMethod) (*gossh.Client, error) {
	t.Helper()
	return gossh.Dial("tcp", addr, &gossh.ClientConfig{
		User: user, Auth: auth, HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second,
	})
}

func mustDial(t testing.TB, addr, user string, auth []gossh.AuthMethod) *gossh.Client {
	t.Helper()
	c, err := dial(t, addr, user, auth)
	if err != nil {
		t.Fatalf("dial %s@%s: %v", user, addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// run runs a command without a PTY and returns stdout, stderr and the exit
// status.
func run(t testing.TB, c *gossh.Client, command string) (string, string, int) {
	t.Helper()
	return runEnv(t, c, nil, command)
}

// runEnv is run with environment variables sent first (as OpenSSH sends
// LANG and LC_*).
func runEnv(t testing.TB, c *gossh.Client, env map[string]string, command string) (string, string, int) {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatalf("new session: %v", err)
	}
	defer sess.Close()
	for k, v := range env {
		if err := sess.Setenv(k, v); err != nil {
			t.Fatalf("setenv %s: %v", k, err)
		}
	}
	var out, errb bytes.Buffer
	sess.Stdout, sess.Stderr = &out, &errb
	err = sess.Run(command)
	code := 0
	var ee *gossh.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitStatus()
	case err != nil:
		t.Fatalf("run %q: %v (stderr %q)", command, err, errb.String())
	}
	return out.String(), errb.String(), code
}

// term is a PTY session whose output drives a virtual terminal.
type term struct {
	t     testing.TB
	sess  *gossh.Session
	stdin io.WriteCloser

	mu  sync.Mutex
	emu *vt.Emulator
	raw bytes.Buffer
	// shown is the screen's text as of the last write (screen reads it
	// again only after one): waits poll it every 20 ms, and reading the
	// emulator costs most of a millisecond under the race detector.
	shown      string
	shownValid bool

	done chan error // the session's end (Wait)
}

// openTerm starts an interactive xterm-256color session of w×h cells.
func openTerm(t testing.TB, c *gossh.Client, w, h int) *term {
	t.Helper()
	return openTermWith(t, c, w, h, "xterm-256color", nil)
}

// openTermWith starts an interactive session with a terminal type and
// environment variables.
func openTermWith(t testing.TB, c *gossh.Client, w, h int, termType string, env map[string]string) *term {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatalf("new session: %v", err)
	}
	for k, v := range env {
		if err := sess.Setenv(k, v); err != nil {
			t.Fatalf("setenv %s: %v", k, err)
		}
	}
	tm := &term{t: t, sess: sess, emu: vt.NewEmulator(w, h), done: make(chan error, 1)}
	if err := sess.RequestPty(termType, h, w, gossh.TerminalModes{}); err != nil {
		t.Fatalf("pty: %v", err)
	}
	stdin, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	tm.stdin = stdin
	stdout, err := sess.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	sess.Stderr = tm
	// The emulator answers the program's queries (colours, modes) through
	// its read side: pass them on as the user's terminal would.
	go func() { _, _ = io.Copy(stdin, tm.emu) }()
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		_, _ = io.Copy(tm, stdout)
	}()
	if err := sess.Shell(); err != nil {
		t.Fatalf("shell: %v", err)
	}
	go func() {
		err := sess.Wait()
		<-copied
		tm.done <- err
	}()
	t.Cleanup(func() {
		sess.Close()
		// Ends the goroutine passing answers on (Emulator.Close would race
		// with its Read).
		tm.emu.InputPipe().(*io.PipeWriter).Close()
	})
	return tm
}

func (tm *term) Write(p []byte) (int, error) {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	tm.raw.Write(p)
	tm.shownValid = false
	return tm.emu.Write(p)
}

// screen is the text on the virtual screen.
func (tm *term) screen() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	if !tm.shownValid {
		tm.shown, tm.shownValid = tm.emu.String(), true
	}
	return tm.shown
}

func (tm *term) altScreen() bool {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.emu.IsAltScreen()
}

func (tm *term) output() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.raw.String()
}

// waitFor polls the screen until it shows every text.
func (tm *term) waitFor(texts ...string) {
	tm.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		scr := tm.screen()
		ok := true
		for _, s := range texts {
			if !strings.Contains(scr, s) {
				ok = false
				break
			}
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("screen never showed %q; it shows:\n%s", texts, scr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// resize changes the window, as a terminal does when the user resizes it.
func (tm *term) resize(w, h int) {
	tm.t.Helper()
	tm.mu.Lock()
	tm.emu.Resize(w, h)
	tm.shownValid = false
	tm.mu.Unlock()
	if _, err := tm.sess.SendRequest("window-change", false, gossh.Marshal(struct{ W, H, PW, PH uint32 }{uint32(w), uint32(h), 0, 0})); err != nil {
		tm.t.Fatalf("window-change: %v", err)
	}
}

// typeText sends keys as the user types them.
func (tm *term) typeText(s string) {
	tm.t.Helper()
	if _, err := tm.stdin.Write([]byte(s)); err != nil {
		tm.t.Fatalf("type: %v", err)
	}
}

// wait waits for the session to end and returns its exit status.
func (tm *term) wait() int {
	tm.t.Helper()
	select {
	case err := <-tm.done:
		var ee *gossh.ExitError
		if errors.As(err, &ee) {
			return ee.ExitStatus()
		}
		if err != nil {
			var missing *gossh.ExitMissingError
			if errors.As(err, &missing) {
				return -1
			}
			tm.t.Fatalf("session: %v", err)
		}
		return 0
	case <-time.After(15 * time.Second):
		tm.t.Fatalf("session did not end; screen:\n%s\nraw tail: %q", tm.screen(), tail(tm.output(), 1500))
		return -1
	}
}

// freePort returns a loopback address nobody listens on.
func freePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitUntil polls cond for up to 10 s.
func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// exitCode is the remote exit status in a session's Wait error.
func exitCode(t testing.TB, err error) int {
	t.Helper()
	var ee *gossh.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitStatus()
	}
	t.Fatalf("session: %v", err)
	return -1
}
