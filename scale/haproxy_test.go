//go:build scale

package scale

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/vt"
	gossh "golang.org/x/crypto/ssh"

	"consultorio/store"
	"consultorio/store/storetest"
)

// The addresses of the HAProxy test, all on loopback: clients connect from
// clientIP, HAProxy connects to the servers from proxyIP (the only address
// the servers trust to send a PROXY header), and the test itself reaches a
// server directly from 127.0.0.1 (plain SSH).
const (
	clientIP = "127.0.0.2"
	proxyIP  = "127.0.0.3"
)

// buildBinary builds the consultorio command once per test run.
var buildBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "consultorio-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "consultorio")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/consultorio")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// serveProc is one `consultorio serve` process.
type serveProc struct {
	name string
	addr string
	cmd  *exec.Cmd
	log  *lockedBuffer
	done chan struct{}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startServe runs `consultorio serve` on a free loopback port with the data
// directory given (host key and secret key: shared by every server of the
// test), the main URL and the direct URL, trusting PROXY headers from
// proxyIP only; it returns once the server listens.
func startServe(t *testing.T, name, data, mainURL, directURL string) *serveProc {
	t.Helper()
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", "--data", data, "--database-url", mainURL, "--direct-database-url", directURL,
		"--listen", "127.0.0.1:0", "--trusted-proxy", proxyIP, "--host-name", "consultorio.test")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	p := &serveProc{name: name, cmd: cmd, log: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stderr = p.log
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { _ = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("server %s log:\n%s", name, tail(p.log.String(), 40))
		}
	})
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "Consultorio is listening on "); ok {
				addrc <- a
			}
		}
	}()
	select {
	case p.addr = <-addrc:
	case <-p.done:
		t.Fatalf("server %s exited:\n%s", name, p.log.String())
	case <-time.After(2 * time.Minute):
		t.Fatalf("server %s did not listen within 2 min:\n%s", name, p.log.String())
	}
	return p
}

// leads says whether the server's log says it runs the shared jobs.
func (p *serveProc) leads() bool {
	return strings.Contains(p.log.String(), "this server runs the shared background jobs")
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// freePortOn is a free TCP port on the loopback address ip.
func freePortOn(t *testing.T, ip string) int {
	t.Helper()
	l, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// haproxy runs HAProxy (the Debian package's binary, our own configuration)
// in TCP mode in front of the servers: round robin, PROXY protocol v2 to
// each, from proxyIP, health checked every 300 ms, and a connection that
// fails to reach a server is redispatched to another. It returns the
// frontend's address.
func haproxy(t *testing.T, servers ...*serveProc) string {
	t.Helper()
	bin, err := exec.LookPath("haproxy")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/haproxy"); serr != nil {
			t.Fatalf("haproxy not installed (make test-scale installs the Debian package): %v", err)
		}
		bin = "/usr/sbin/haproxy"
	}
	front := net.JoinHostPort("127.0.0.1", strconv.Itoa(freePortOn(t, "127.0.0.1")))
	var cfg strings.Builder
	fmt.Fprintf(&cfg, `global
    maxconn 256
defaults
    mode tcp
    timeout connect 2s
    timeout client 10m
    timeout server 10m
    retries 3
    option redispatch
frontend ssh
    bind %s
    default_backend consultorio
backend consultorio
    balance roundrobin
`, front)
	for _, s := range servers {
		fmt.Fprintf(&cfg, "    server %s %s send-proxy-v2 source %s check check-send-proxy inter 300ms fall 1 rise 2\n", s.name, s.addr, proxyIP)
	}
	path := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(path, []byte(cfg.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-db", "-f", path)
	log := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start haproxy: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("haproxy log:\n%s\nconfig:\n%s", tail(log.String(), 30), cfg.String())
		}
	})
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := net.Dial("tcp", front)
		if err == nil {
			c.Close()
			return front
		}
		if time.Now().After(deadline) {
			t.Fatalf("haproxy did not listen on %s: %v\n%s", front, err, log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// sshFrom connects to addr from the local address ip as user, with the
// key; hostKey receives the server's host key.
func sshFrom(ip, addr, user string, key gossh.Signer, hostKey *gossh.PublicKey) (*gossh.Client, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	cfg := &gossh.ClientConfig{User: user, Auth: []gossh.AuthMethod{gossh.PublicKeys(key)}, Timeout: 20 * time.Second,
		HostKeyCallback: func(_ string, _ net.Addr, k gossh.PublicKey) error {
			if hostKey != nil {
				*hostKey = k
			}
			return nil
		}}
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	cc, chans, reqs, err := gossh.NewClientConn(conn, addr, cfg)
	if err != nil {
		conn.Close()
		return nil, err
	}
	_ = conn.SetDeadline(time.Time{})
	return gossh.NewClient(cc, chans, reqs), nil
}

// run runs a scripted command; its stdout, stderr and exit status.
func run(c *gossh.Client, command string) (string, string, error) {
	s, err := c.NewSession()
	if err != nil {
		return "", "", err
	}
	defer s.Close()
	var out, errOut bytes.Buffer
	s.Stdout, s.Stderr = &out, &errOut
	err = s.Run(command)
	return out.String(), errOut.String(), err
}

// term is a terminal session read through a virtual screen.
type term struct {
	t   *testing.T
	mu  sync.Mutex
	emu *vt.Emulator
}

func (tm *term) Write(p []byte) (int, error) {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.emu.Write(p)
}

func (tm *term) screen() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.emu.String()
}

func openTerm(t *testing.T, c *gossh.Client) *term {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	tm := &term{t: t, emu: vt.NewEmulator(120, 50)}
	if err := sess.RequestPty("xterm-256color", 50, 120, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	stdin, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := sess.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = io.Copy(stdin, tm.emu) }()
	go func() { _, _ = io.Copy(tm, stdout) }()
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sess.Close()
		tm.emu.InputPipe().(*io.PipeWriter).Close()
	})
	return tm
}

// waitWithin polls the screen until it shows every text, for at most d.
func (tm *term) waitWithin(d time.Duration, texts ...string) {
	tm.t.Helper()
	deadline := time.Now().Add(d)
	for {
		scr := tm.screen()
		ok := true
		for _, s := range texts {
			ok = ok && strings.Contains(scr, s)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("screen did not show %q within %v; it shows:\n%s", texts, d, scr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func newKey(t *testing.T) (gossh.Signer, string) {
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

// Two `consultorio serve` processes sharing one data directory (one host
// key) behind HAProxy with PROXY protocol v2, their data through PgBouncer
// in transaction mode and their LISTEN and leader lock on the direct URL:
//   - both present the same host key;
//   - a session through HAProxy is recorded with the client's own address,
//     not HAProxy's;
//   - a booking made on one server appears within 2 s on an agenda open
//     on the other;
//   - one of them leads the shared jobs; killed, new connections through
//     HAProxy are served by the other at once, and the other takes the
//     leadership over.
//
// Not parallel: the servers take the jobs' leadership of the cluster's one
// database, and the test asserts deadlines.
func TestTwoServersBehindHAProxy(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, testClock())
	c := newClinic(t, db, "hap")
	storetest.OpenAllHours(t, c.tn)
	admin, err := c.tn.UserByEmail(ctx, store.System, "admin@"+c.schema+".test")
	if err != nil {
		t.Fatal(err)
	}
	key, line := newKey(t)
	if _, err := c.tn.AddKey(ctx, store.System, admin.ID, line, "test"); err != nil {
		t.Fatal(err)
	}
	mainURL := withQuery(t, bouncerFor(t, c.tn.Info.Role), "default_query_exec_mode", "cache_describe")
	data := t.TempDir()
	a := startServe(t, "a", data, mainURL, citusURL(t))
	b := startServe(t, "b", data, mainURL, citusURL(t))
	front := haproxy(t, a, b)

	// One host key.
	var ka, kb gossh.PublicKey
	for _, x := range []struct {
		p *serveProc
		k *gossh.PublicKey
	}{{a, &ka}, {b, &kb}} {
		cl, err := sshFrom("127.0.0.1", x.p.addr, c.schema, key, x.k)
		if err != nil {
			t.Fatalf("ssh to %s directly: %v", x.p.name, err)
		}
		cl.Close()
	}
	if !bytes.Equal(ka.Marshal(), kb.Marshal()) {
		t.Fatal("the two servers present different host keys")
	}

	// The client's own address in the open-session record.
	viaProxy, err := sshFrom(clientIP, front, c.schema, key, nil)
	if err != nil {
		t.Fatalf("ssh through haproxy: %v", err)
	}
	defer viaProxy.Close()
	openTerm(t, viaProxy).waitWithin(30*time.Second, "[1 Agenda]")
	var remotes []string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		logins, err := c.tn.Logins(ctx, admin.Actor("test"), 0)
		if err != nil {
			t.Fatal(err)
		}
		remotes = remotes[:0]
		for _, l := range logins {
			remotes = append(remotes, l.RemoteAddr)
		}
		if len(remotes) == 1 || time.Now().After(deadline) {
			break
		}
	}
	if len(remotes) != 1 || !strings.HasPrefix(remotes[0], clientIP+":") {
		t.Errorf("open sessions recorded from %q, want one from the client's %s (haproxy connects from %s)", remotes, clientIP, proxyIP)
	}

	// A booking on a reaches an agenda open on b.
	onB, err := sshFrom("127.0.0.1", b.addr, c.schema, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer onB.Close()
	agenda := openTerm(t, onB)
	agenda.waitWithin(30*time.Second, "[1 Agenda]", "Torres", "0 ses.")
	onA, err := sshFrom("127.0.0.1", a.addr, c.schema, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	day := time.Now().In(c.tn.Info.Location()).Format("2006-01-02")
	booked := time.Now()
	if _, errOut, err := run(onA, fmt.Sprintf("sessions book --patient %d --specialist %d --room %d --start '%s 10:00'",
		c.pat.ID, c.spec.ID, c.room.ID, day)); err != nil {
		t.Fatalf("book on a: %v: %s", err, errOut)
	}
	onA.Close()
	agenda.waitWithin(2*time.Second, "Mendoza", "1 ses.")
	t.Logf("the booking made on a showed on b's agenda %v after the command returned", time.Since(booked).Round(time.Millisecond))

	// Kill the leader; the other serves every new connection and leads.
	var leader, other *serveProc
	for deadline := time.Now().Add(20 * time.Second); leader == nil; time.Sleep(100 * time.Millisecond) {
		switch {
		case a.leads() && b.leads():
			t.Fatal("both servers say they run the shared jobs")
		case a.leads():
			leader, other = a, b
		case b.leads():
			leader, other = b, a
		case time.Now().After(deadline):
			t.Fatal("no server leads the shared jobs")
		}
	}
	_ = leader.cmd.Process.Kill()
	<-leader.done
	killed := time.Now()
	for i := range 4 {
		cl, err := sshFrom(clientIP, front, c.schema, key, nil)
		if err != nil {
			t.Fatalf("connection %d through haproxy after %s was killed: %v", i+1, leader.name, err)
		}
		out, errOut, err := run(cl, "whoami --json")
		cl.Close()
		if err != nil || !strings.Contains(out, admin.Email) {
			t.Fatalf("whoami %d through haproxy after %s was killed: %v, %q %q", i+1, leader.name, err, out, errOut)
		}
	}
	t.Logf("4 new connections through haproxy served by %s right after %s was killed", other.name, leader.name)
	for !other.leads() {
		if time.Since(killed) > 30*time.Second {
			t.Fatalf("%s did not take the shared jobs over within 30 s of %s's death", other.name, leader.name)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("%s took the shared jobs over %v after %s was killed", other.name, time.Since(killed).Round(time.Millisecond), leader.name)
}
