package server

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	gossh "golang.org/x/crypto/ssh"

	"consultorio/store"
	"consultorio/store/storetest"
	"consultorio/tui/i18n"
)

// suspend suspends a clinic the way operators do (the store notifies in its
// transaction).
func suspend(t *testing.T, db *store.DB, schema string) {
	t.Helper()
	if _, err := db.SuspendTenant(context.Background(), store.CLI, schema); err != nil {
		t.Fatalf("suspend %s: %v", schema, err)
	}
}

// endedSuspended is what the (Spanish) TUI shows when the server ends a
// session because the clinic was suspended.
const endedSuspended = "Sesión terminada: la clínica fue suspendida"

func TestSuspendedClinicRefusedAndLiveSessionsEnded(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	a := newClinic(t, db, "clinic-a")
	b := newClinic(t, db, "clinic-b")
	keyA, lineA := newKey(t)
	keyB, lineB := newKey(t)
	a.addKey(t, a.admin.ID, lineA)
	b.addKey(t, b.admin.ID, lineB)
	srv := startServer(t, db)

	tmA := openTerm(t, mustDial(t, srv.addr, "clinic-a", keyAuth(keyA)), 100, 30)
	tmA2 := openTerm(t, mustDial(t, srv.addr, "clinic-a", noKeyAuth()), 100, 30) // at the login form
	tmB := openTerm(t, mustDial(t, srv.addr, "clinic-b", keyAuth(keyB)), 100, 30)
	tmA.waitFor("Admin clinic-a · Administrador")
	tmA2.waitFor("Ingresar a Clínica clinic-a")
	tmB.waitFor("Admin clinic-b · Administrador")
	waitUntil(t, "the status listener", func() bool { return srv.reg.count() == 3 })

	suspend(t, db, "clinic-a")
	for _, tm := range []*term{tmA, tmA2} {
		if code := tm.wait(); code != 1 {
			t.Errorf("ended session: exit %d, want 1", code)
		}
		if !strings.Contains(tm.screen(), endedSuspended) {
			t.Errorf("ended session shows:\n%s", tm.screen())
		}
		if tm.altScreen() {
			t.Errorf("terminal left in the alternate screen")
		}
	}
	// Clinic B goes on.
	tmB.typeText("x")
	if _, err := tmB.sess.SendRequest("window-change", true, gossh.Marshal(struct{ W, H, PW, PH uint32 }{90, 30, 0, 0})); err != nil {
		t.Errorf("clinic-b session is gone: %v", err)
	}
	// The ended sessions leave the registry after their exit status is sent.
	waitUntil(t, "clinic-a's sessions to leave the registry", func() bool { return srv.reg.count() == 1 })

	// New connections are refused with the message, key or not.
	for _, auth := range [][]gossh.AuthMethod{keyAuth(keyA), noKeyAuth()} {
		out, errOut, code := run(t, mustDial(t, srv.addr, "clinic-a", auth), "whoami")
		if code != 1 || out != "" || strings.TrimSpace(errOut) != store.ErrTenantSuspended.Error() {
			t.Errorf("suspended clinic: exit %d, %q, %q", code, out, errOut)
		}
	}
	tm := openTerm(t, mustDial(t, srv.addr, "clinic-a", keyAuth(keyA)), 80, 24)
	if code := tm.wait(); code != 1 || !strings.Contains(tm.screen(), "Esta clínica está suspendida") {
		t.Errorf("terminal at suspended clinic: exit %d, screen %q", code, tm.screen())
	}
}

// A notification lost while the listener was disconnected must not keep a
// suspended clinic's sessions alive: after reconnecting, the server checks.
func TestStatusListenerReconnects(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	a := newClinic(t, db, "clinic-a")
	key, line := newKey(t)
	a.addKey(t, a.admin.ID, line)
	srv := startServer(t, db)
	tm := openTerm(t, mustDial(t, srv.addr, "clinic-a", keyAuth(key)), 100, 30)
	tm.waitFor("Admin clinic-a · Administrador")

	ctx := context.Background()
	var n int
	waitUntil(t, "the listener backend", func() bool {
		_ = db.Pool().QueryRow(ctx, `select count(*) from pg_stat_activity where datname = current_database() and application_name = 'consultorio-listener'`).Scan(&n)
		return n == 1
	})
	// Kill the listening backend, then suspend without anybody listening.
	if _, err := db.Pool().Exec(ctx, `select pg_terminate_backend(pid) from pg_stat_activity
		where datname = current_database() and application_name = 'consultorio-listener'`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool().Exec(ctx, `update public.tenants set status = 'suspended' where schema_name = 'clinic-a'`); err != nil {
		t.Fatal(err)
	}
	tm.wait()
	if !strings.Contains(tm.screen(), endedSuspended) {
		t.Errorf("screen:\n%s", tm.screen())
	}
}

func TestShutdownRestoresTerminals(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	a := newClinic(t, db, "clinic-a")
	key, line := newKey(t)
	a.addKey(t, a.admin.ID, line)
	srv := startServer(t, db)

	var terms []*term
	for i := 0; i < 3; i++ {
		tm := openTerm(t, mustDial(t, srv.addr, "clinic-a", keyAuth(key)), 100, 30)
		tm.waitFor("Admin clinic-a · Administrador")
		if !tm.altScreen() {
			t.Fatal("the TUI should run in the alternate screen")
		}
		terms = append(terms, tm)
	}
	ctx, cancel := context.WithTimeout(context.Background(), ShutdownGrace)
	defer cancel()
	start := time.Now()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	t.Logf("shutdown with %d sessions took %v", len(terms), time.Since(start))
	for _, tm := range terms {
		tm.wait()
		if tm.altScreen() {
			t.Errorf("terminal left in the alternate screen:\n%q", tm.output())
		}
		if !strings.Contains(tm.output(), "\x1b[?1049l") {
			t.Errorf("no alt-screen-off sequence in the output")
		}
		if !strings.Contains(tm.screen(), "Sesión terminada: el servidor se está reiniciando") {
			t.Errorf("screen does not say why:\n%s", tm.screen())
		}
	}
	if _, err := dial(t, srv.addr, "clinic-a", keyAuth(key)); err == nil {
		t.Errorf("still accepting connections after shutdown")
	}
}

// A TUI that ignores the end message is killed after the grace period;
// killing restores the terminal too.
func TestShutdownKillsStubbornSessions(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	newClinic(t, db, "clinic-a")
	srv := startServer(t, db, withServer(func(s *Server) {
		s.apps.clinic = func(context.Context, clinicParams) tea.Model { return stubborn{} }
	}))
	tm := openTerm(t, mustDial(t, srv.addr, "clinic-a", noKeyAuth()), 80, 24)
	tm.waitFor("stubborn")
	ctx, cancel := context.WithTimeout(context.Background(), ShutdownGrace)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	tm.wait()
	if tm.altScreen() {
		t.Errorf("terminal left in the alternate screen")
	}
}

type stubborn struct{}

func (stubborn) Init() tea.Cmd                         { return nil }
func (m stubborn) Update(tea.Msg) (tea.Model, tea.Cmd) { return m, nil }
func (stubborn) View() tea.View {
	v := tea.NewView("stubborn")
	v.AltScreen = true
	return v
}

// panicky panics in Update on "!" and in its constructor for one user name.
type panicky struct{}

func (panicky) Init() tea.Cmd { return nil }
func (m panicky) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok && k.String() == "!" {
		panic("boom in Update")
	}
	if k, ok := msg.(tea.KeyPressMsg); ok && k.String() == "?" {
		return m, func() tea.Msg { panic("boom in a command") }
	}
	return m, nil
}
func (panicky) View() tea.View { return tea.NewView("panicky ready") }

func TestPanicEndsOnlyThatSession(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	newClinic(t, db, "clinic-a")
	newClinic(t, db, "clinic-b")
	srv := startServer(t, db, withServer(func(s *Server) {
		s.apps.clinic = func(_ context.Context, p clinicParams) tea.Model {
			if p.Tenant.Info.Schema == "clinic-b" {
				panic("boom in the constructor")
			}
			return panicky{}
		}
	}))
	c := mustDial(t, srv.addr, "clinic-a", noKeyAuth())
	survivor := openTerm(t, c, 80, 24)
	survivor.waitFor("panicky ready")

	for _, key := range []string{"!", "?"} {
		victim := openTerm(t, mustDial(t, srv.addr, "clinic-a", noKeyAuth()), 80, 24)
		victim.waitFor("panicky ready")
		victim.typeText(key)
		victim.wait()
		if victim.altScreen() {
			t.Errorf("panic %q left the alternate screen on", key)
		}
	}
	ctor := openTerm(t, mustDial(t, srv.addr, "clinic-b", noKeyAuth()), 80, 24)
	if code := ctor.wait(); code != 1 || !strings.Contains(ctor.screen(), msgInternal) {
		t.Errorf("constructor panic: exit %d, screen %q", code, ctor.screen())
	}
	waitUntil(t, "panic logged", func() bool { return strings.Contains(srv.logs.String(), "boom in the constructor") })

	// The other session and the server are fine.
	waitUntil(t, "the panicked sessions to leave the registry", func() bool { return srv.reg.count() == 1 })
	out, errOut, code := run(t, mustDial(t, srv.addr, "clinic-a", noKeyAuth()), "help")
	if code != 0 || !strings.Contains(out, "whoami") {
		t.Errorf("server after panics: exit %d, %q %q", code, out, errOut)
	}
	survivor.typeText("q")
	survivor.waitFor("panicky ready")
}

func TestIdleLogout(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	a := newClinic(t, db, "clinic-a")
	key, line := newKey(t)
	a.addKey(t, a.admin.ID, line)
	srv := startServer(t, db, withConfig(func(c *Config) { c.IdleTimeout = 700 * time.Millisecond }))
	tm := openTerm(t, mustDial(t, srv.addr, "clinic-a", keyAuth(key)), 100, 30)
	tm.waitFor("Admin clinic-a · Administrador")
	// Typing keeps it alive past the timeout...
	for i := 0; i < 6; i++ {
		time.Sleep(200 * time.Millisecond)
		tm.typeText("x")
	}
	if srv.reg.count() != 1 {
		t.Fatalf("session ended while the user typed")
	}
	// ...silence ends it.
	tm.wait()
	if !strings.Contains(tm.screen(), "Sesión terminada: inactividad prolongada") || tm.altScreen() {
		t.Errorf("idle logout screen (alt %v):\n%s\n%q", tm.altScreen(), tm.screen(), tm.output())
	}
}

// Beyond MaxSessions a session is refused with a message: in Spanish unless
// the client's locale says English.
func TestMaxSessions(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	newClinic(t, db, "clinic-a")
	srv := startServer(t, db, withConfig(func(c *Config) { c.MaxSessions = 2; c.MaxLoginSessions = 2 }))
	c := mustDial(t, srv.addr, "clinic-a", noKeyAuth())
	openTerm(t, c, 80, 24).waitFor("Clínica clinic-a")
	openTerm(t, c, 80, 24).waitFor("Clínica clinic-a")
	_, errOut, code := run(t, c, "help")
	if code != 1 || strings.TrimSpace(errOut) != i18n.For(i18n.ES).Errors.Busy {
		t.Errorf("third session: exit %d, %q", code, errOut)
	}
	_, errOut, code = runEnv(t, c, map[string]string{"LANG": "en_US.UTF-8"}, "help")
	if code != 1 || strings.TrimSpace(errOut) != "The server is busy (too many sessions); try again in a moment." {
		t.Errorf("third session, English locale: exit %d, %q", code, errOut)
	}
}

func TestFailedAttemptsPerAddressAreLimited(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	newClinic(t, db, "clinic-a")
	srv := startServer(t, db, withConfig(func(c *Config) { c.AuthFailures = 3 }))
	// Probing for clinics and running commands without a key are failures.
	for _, user := range []string{"nope1", "nope2"} {
		if _, _, code := run(t, mustDial(t, srv.addr, user, noKeyAuth()), "whoami"); code != 1 {
			t.Fatalf("%s: exit %d", user, code)
		}
	}
	if _, _, code := run(t, mustDial(t, srv.addr, "clinic-a", noKeyAuth()), "whoami"); code != 1 {
		t.Fatalf("anonymous whoami: exit %d", code)
	}
	// The address is now blocked, even for a valid clinic, and the client
	// is told why before authentication fails.
	var banner string
	c, err := gossh.Dial("tcp", srv.addr, &gossh.ClientConfig{
		User: "clinic-a", Auth: noKeyAuth(), HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second,
		BannerCallback: func(msg string) error { banner = msg; return nil },
	})
	if err == nil {
		c.Close()
		t.Errorf("blocked address could still connect")
	}
	for _, want := range []string{"Demasiados intentos fallidos desde su dirección", "Too many failed attempts from your address"} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner %q does not say %q", banner, want)
		}
	}
	waitUntil(t, "the refusal logged", func() bool { return strings.Contains(srv.logs.String(), "refused: too many failed attempts") })
}

func TestProxyProtocolOnlyFromTrustedProxies(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	ctx := context.Background()
	key, line := newKey(t)
	if _, err := db.CreateTenant(ctx, store.CLI, store.NewTenant{
		Schema: "cmed", Name: "Consultorio Médico", AdminEmail: "jefa@cmed.test",
		Domains: []string{"cm.example.com"}, AdminKey: line,
	}); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, db, withConfig(func(c *Config) {
		c.TrustedProxies = mustPrefixes(t, "127.0.0.1/32")
		// The address the client reached on the load balancer.
		c.ListenAddrDomains = map[string]string{"198.51.100.10:22": "cm.example.com"}
	}))

	// Through the trusted proxy: the client's address and the address it
	// connected to come from the header.
	conn, err := net.Dial("tcp", srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "PROXY TCP4 203.0.113.7 198.51.100.10 40000 22\r\n")
	c := sshOver(t, conn, "juan", keyAuth(key))
	if w := whoami(t, c); w.Schema != "cmed" {
		t.Errorf("routed by the proxied listener address to %+v", w)
	}
	c.Close()
	waitUntil(t, "log line", func() bool { return strings.Contains(srv.logs.String(), "remote=203.0.113.7:40000") })

	// A trusted proxy must send the header.
	if _, err := dial(t, srv.addr, "cmed", keyAuth(key)); err == nil {
		t.Errorf("trusted proxy without header accepted")
	}

	// Anybody else speaks plain SSH: their header is not parsed (the SSH
	// version exchange skips the line), so it cannot forge an address.
	untrusted := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}
	conn, err = untrusted.Dial("tcp", srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "PROXY TCP4 203.0.113.99 198.51.100.10 40000 22\r\n")
	// With a key of nobody's, only the forged destination address could
	// route "juan" to a clinic.
	stranger, _ := newKey(t)
	c = sshOver(t, conn, "juan", keyAuth(stranger))
	if _, errOut, code := run(t, c, "whoami"); code != 1 || strings.TrimSpace(errOut) != msgNoSuchClinic {
		t.Errorf("untrusted connection: exit %d, %q", code, errOut)
	}
	c.Close()
	waitUntil(t, "log line", func() bool { return strings.Contains(srv.logs.String(), "remote=127.0.0.2:") })
	if strings.Contains(srv.logs.String(), "203.0.113.99") {
		t.Errorf("forged address reached the log")
	}
}

func mustPrefixes(t *testing.T, ss ...string) []netip.Prefix {
	t.Helper()
	var out []netip.Prefix
	for _, s := range ss {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func sshOver(t *testing.T, conn net.Conn, user string, auth []gossh.AuthMethod) *gossh.Client {
	t.Helper()
	cc, chans, reqs, err := gossh.NewClientConn(conn, conn.RemoteAddr().String(), &gossh.ClientConfig{
		User: user, Auth: auth, HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatalf("ssh over proxied conn: %v", err)
	}
	c := gossh.NewClient(cc, chans, reqs)
	t.Cleanup(func() { c.Close() })
	return c
}
