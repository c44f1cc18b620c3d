package server

import (
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"consultorio/store/storetest"
	"consultorio/tui/i18n"
)

// silentSockets opens n TCP connections from src that never say anything
// and returns them (closed when the test ends).
func silentSockets(t *testing.T, src, addr string, n int) []net.Conn {
	t.Helper()
	var out []net.Conn
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
	for i := 0; i < n; i++ {
		c, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("socket %d: %v", i, err)
		}
		t.Cleanup(func() { c.Close() })
		out = append(out, c)
	}
	return out
}

// loginForm opens a terminal session at the clinic's login form from the
// client c, and tells whether it got the form (else: refused, with the
// message in the returned text).
func loginForm(t *testing.T, c *gossh.Client) (bool, string) {
	t.Helper()
	tm := openTerm(t, c, 80, 24)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		scr := tm.screen()
		if strings.Contains(scr, "Ingresar a Clínica") {
			return true, scr
		}
		select {
		case <-tm.done:
			return false, tm.screen()
		default:
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("neither a login form nor a refusal:\n%s", tm.screen())
	return false, ""
}

// Issue 12 F2: with --max-sessions 40, 60 sessions parked at the login form
// and 100 silent TCP sockets from one address, and more login forms from
// two other addresses, left no slot for anybody. Now the login forms get a
// budget of their own (8 per address, 10 in all) and the silent sockets 8
// per address, so staff with registered keys from another address still get
// in.
func TestPreLoginFloodLeavesSlotsForStaff(t *testing.T) {
	db := storetest.NewDB(t)
	a := newClinic(t, db, "clinic-a")
	key, line := newKey(t)
	a.addKey(t, a.admin.ID, line)
	// The handshake timeout is not under test here: long enough that no
	// waiting connection is closed while the test counts them.
	srv := startServer(t, db, withConfig(func(c *Config) { c.MaxSessions = 40; c.HandshakeTimeout = time.Hour }))
	if srv.cfg.MaxLoginSessions != 10 || srv.cfg.MaxPerAddress != 8 {
		t.Fatalf("defaults: %d login sessions, %d per address", srv.cfg.MaxLoginSessions, srv.cfg.MaxPerAddress)
	}
	busy := i18n.For(i18n.ES).Errors.Busy

	// 60 login forms from 127.0.0.1, 10 on each of 6 connections.
	forms, refused := 0, 0
	for i := 0; i < 6; i++ {
		c := dialFrom(t, "127.0.0.1", srv.addr, "clinic-a", noKeyAuth())
		for j := 0; j < 10; j++ {
			if ok, scr := loginForm(t, c); ok {
				forms++
			} else if strings.Contains(scr, busy) {
				refused++
			} else {
				t.Fatalf("login form %d.%d refused without the message:\n%s", i, j, scr)
			}
		}
	}
	if forms != 8 || refused != 52 {
		t.Errorf("from one address: %d login forms, %d refused; want 8 and 52", forms, refused)
	}
	// The same from two other addresses: the login budget (10) fills up.
	for _, src := range []string{"127.0.0.3", "127.0.0.4"} {
		c := dialFrom(t, src, srv.addr, "clinic-a", noKeyAuth())
		for j := 0; j < 5; j++ {
			if ok, _ := loginForm(t, c); ok {
				forms++
			}
		}
	}
	if forms != 10 {
		t.Errorf("%d login forms in all, want 10", forms)
	}

	// 100 silent sockets from 127.0.0.1: the address may have 8
	// connections waiting (the 5 connections above whose sessions were all
	// refused are waiting already); the rest are closed at once.
	home := netip.MustParseAddr("127.0.0.1")
	free := srv.cfg.MaxPerAddress - srv.waiting.from(home)
	socks := silentSockets(t, "127.0.0.1", srv.addr, 100)
	closed := 0
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, s := range socks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = s.SetReadDeadline(time.Now().Add(2 * time.Second))
			buf := make([]byte, 256)
			for {
				if _, err := s.Read(buf); err != nil {
					if err == io.EOF || strings.Contains(err.Error(), "reset") {
						mu.Lock()
						closed++
						mu.Unlock()
					}
					return
				}
			}
		}()
	}
	wg.Wait()
	if closed != 100-free || srv.waiting.from(home) != srv.cfg.MaxPerAddress {
		t.Errorf("%d of 100 silent sockets closed by the server, want %d; %d waiting", closed, 100-free, srv.waiting.from(home))
	}

	// Staff with a registered key, from another address, get in: a
	// command and the TUI.
	admin := dialFrom(t, "127.0.0.2", srv.addr, "clinic-a", keyAuth(key))
	if w := whoami(t, admin); w.Schema != "clinic-a" {
		t.Errorf("whoami = %+v", w)
	}
	openTerm(t, admin, 100, 30).waitFor("Admin clinic-a · Administrador")
}

// A connection that opens no session in time is closed, and so is one
// whose sessions have ended; the budget it held is free again.
func TestHandshakeTimeoutClosesIdleConnections(t *testing.T) {
	db := storetest.NewDB(t)
	newClinic(t, db, "clinic-a")
	srv := startServer(t, db, withConfig(func(c *Config) {
		c.HandshakeTimeout = 300 * time.Millisecond
		c.MaxPerAddress = 2
	}))
	socks := silentSockets(t, "127.0.0.1", srv.addr, 2)
	for _, s := range socks {
		_ = s.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.ReadAll(s); err != nil {
			t.Errorf("silent socket: %v, want closed by the server", err)
		}
	}
	waitUntil(t, "no waiting connection", func() bool { return srv.waiting.count() == 0 })

	// Authenticated, one command, then silence: closed too.
	c := dialFrom(t, "127.0.0.1", srv.addr, "clinic-a", noKeyAuth())
	if _, _, code := run(t, c, "help"); code != 0 {
		t.Fatalf("help: exit %d", code)
	}
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Errorf("an idle authenticated connection without a session stayed open")
	}
}

// A login form left open ends after LoginTimeout with a message in the
// clinic's language; a user who logged in by key is not affected.
func TestLoginFormTimeout(t *testing.T) {
	db := storetest.NewDB(t)
	a := newClinic(t, db, "clinic-a")
	key, line := newKey(t)
	a.addKey(t, a.admin.ID, line)
	srv := startServer(t, db, withConfig(func(c *Config) { c.LoginTimeout = 700 * time.Millisecond }))
	staff := openTerm(t, mustDial(t, srv.addr, "clinic-a", keyAuth(key)), 100, 30)
	staff.waitFor("Admin clinic-a · Administrador")
	form := openTerm(t, mustDial(t, srv.addr, "clinic-a", noKeyAuth()), 100, 30)
	form.waitFor("Ingresar a Clínica clinic-a")
	if code := form.wait(); code != 1 {
		t.Errorf("timed-out login form: exit %d, want 1", code)
	}
	if !strings.Contains(form.screen(), "Sesión terminada: no se completó el ingreso a tiempo") {
		t.Errorf("timed-out login form shows:\n%s", form.screen())
	}
	time.Sleep(300 * time.Millisecond)
	if n := srv.reg.count(); n != 1 {
		t.Errorf("live sessions = %d, want 1 (the key user's)", n)
	}
}
