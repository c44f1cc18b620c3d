// Package server is Consultorio's SSH front door: it routes a connection to
// a clinic (or the operator panel), binds the identity to the key that really
// signed, runs the TUI for terminal sessions and scripted commands for the
// rest, and ends sessions cleanly on idle, suspension and shutdown.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"charm.land/ssh"
	"charm.land/wish/v2"
	bm "charm.land/wish/v2/bubbletea"
	gossh "golang.org/x/crypto/ssh"

	"consultorio/mail"
	"consultorio/metrics"
	"consultorio/store"
	"consultorio/tui/sshline"
)

// Defaults of Config.
const (
	DefaultIdleTimeout       = 30 * time.Minute
	DefaultMaxSessions       = 2000
	DefaultAuthFailures      = 20
	DefaultAuthFailureWindow = 15 * time.Minute
	// DefaultMaxPerAddress: waiting connections and sessions of nobody
	// known yet, per source address. A clinic's staff behind one NAT
	// address with registered keys are not limited by it once connected.
	DefaultMaxPerAddress = 8
	// DefaultHandshakeTimeout: time to authenticate and open a session.
	// Key authentication takes milliseconds; the margin is for a person
	// typing the passphrase of their key.
	DefaultHandshakeTimeout = 30 * time.Second
	// DefaultLoginTimeout: time to complete the login form (a first login
	// with a setup code also chooses a password).
	DefaultLoginTimeout = 5 * time.Minute
	// ShutdownGrace is how long Serve gives open sessions to end when its
	// context is cancelled.
	ShutdownGrace = 10 * time.Second

	DefaultNotifyScanEvery = 10 * time.Minute
	DefaultMoroseEvery     = time.Hour
	DefaultSparesEvery     = time.Minute
	DefaultLeaderEvery     = 15 * time.Second
)

// Config configures the SSH server. Zero values take the defaults above.
type Config struct {
	// Listen is the TCP address ("127.0.0.1:2222"; ":0" picks a port).
	Listen string
	// ConnectHost is the host name clients use to reach this server, for
	// the connect lines the panel shows ("ssh -p PORT clinic@HOST"; the
	// port is the one really bound). Empty: the listen address's host, or
	// "<host>" when that is every interface.
	ConnectHost string
	// HostKeyPath is the ed25519 host key, created on first start. It must be
	// persistent (and shared by every server of a deployment).
	HostKeyPath string
	// IdleTimeout logs a terminal session out after that long without input.
	IdleTimeout time.Duration
	// MaxSessions bounds the sessions served at once; more are refused with
	// a message. Zero takes the default; there is no "unlimited".
	MaxSessions int
	// MaxLoginSessions bounds the sessions of nobody known yet (login
	// forms, commands without a registered key): the rest of MaxSessions is
	// kept for identified staff. Default: a quarter of MaxSessions (at
	// least 1).
	MaxLoginSessions int
	// MaxPerAddress bounds, per source address, the connections without a
	// session and the sessions of nobody known yet (DefaultMaxPerAddress).
	MaxPerAddress int
	// MaxWaiting bounds all connections without a session (still
	// handshaking or idle). Default: a quarter of MaxSessions (at least
	// MaxPerAddress).
	MaxWaiting int
	// HandshakeTimeout closes a connection that has no session that long
	// (DefaultHandshakeTimeout).
	HandshakeTimeout time.Duration
	// LoginTimeout ends a login form not completed within it
	// (DefaultLoginTimeout).
	LoginTimeout time.Duration
	// TrustedProxies may (and must) send a PROXY protocol header; from any
	// other address a connection is plain SSH.
	TrustedProxies []netip.Prefix
	// ListenAddrDomains maps the address a client connected to ("host:port",
	// as seen after the PROXY header) to a tenant domain, for connections
	// whose user name is not a tenant.
	ListenAddrDomains map[string]string
	// AuthFailures failed authentications from one address within
	// AuthFailureWindow block further attempts from it until the window ends.
	AuthFailures      int
	AuthFailureWindow time.Duration
	// FPS caps the TUI's frame rate per session (default 30): a screen
	// that changes is redrawn at most this often; one that does not change
	// costs nothing (the renderer flushes on change, third_party/bubbletea).
	FPS int

	// Background jobs, run by Serve at start and then at these intervals
	// (0 takes the default, a negative value disables the job). They run
	// on one server of the deployment at a time, the leader (see LeaderEvery);
	// each is also safe to run concurrently.
	//
	// NotifyScanEvery: the notification scan of every clinic, in each
	// clinic's time zone (PRODUCT.md §4: sessions tomorrow, payments
	// overdue, expenses due or overdue; dedupe and auto-resolve are the
	// store's).
	NotifyScanEvery time.Duration
	// MoroseEvery: clinics with overdue invoices become morose (and back).
	MoroseEvery time.Duration
	// SparesEvery: the pool of pre-built tenant schemas is topped up to
	// store.DefaultSpares (a count when it is full).
	SparesEvery time.Duration
	// MailEvery: reminders and evening agendas are queued and every
	// clinic's due e-mail is sent (DefaultMailEvery).
	MailEvery time.Duration

	// Mail is the installation's SMTP server; without a host, e-mail waits
	// in each clinic's outbox.
	Mail mail.Config
	// LeaderEvery: how often a server that does not run the shared jobs
	// tries to take them over (store.TryLead), and the leader checks it
	// still holds them.
	LeaderEvery time.Duration

	// MetricsAddr, when set, serves Prometheus metrics (/metrics) and a
	// health check (/healthz) on that address, apart from SSH. Empty:
	// no metrics, nothing listens.
	MetricsAddr string
	// Metrics are the process's metrics, which the store feeds too
	// (store.Options.Observer); nil with MetricsAddr set makes new ones
	// (without the store's).
	Metrics *metrics.Metrics
}

func (c *Config) defaults() {
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.MaxSessions <= 0 {
		c.MaxSessions = DefaultMaxSessions
	}
	if c.MaxLoginSessions <= 0 {
		c.MaxLoginSessions = max(c.MaxSessions/4, 1)
	}
	c.MaxLoginSessions = min(c.MaxLoginSessions, c.MaxSessions)
	if c.MaxPerAddress <= 0 {
		c.MaxPerAddress = DefaultMaxPerAddress
	}
	if c.MaxWaiting <= 0 {
		c.MaxWaiting = max(c.MaxSessions/4, c.MaxPerAddress)
	}
	if c.HandshakeTimeout <= 0 {
		c.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if c.LoginTimeout <= 0 {
		c.LoginTimeout = DefaultLoginTimeout
	}
	if c.AuthFailures <= 0 {
		c.AuthFailures = DefaultAuthFailures
	}
	if c.AuthFailureWindow <= 0 {
		c.AuthFailureWindow = DefaultAuthFailureWindow
	}
	if c.FPS <= 0 {
		c.FPS = 30
	}
	if c.NotifyScanEvery == 0 {
		c.NotifyScanEvery = DefaultNotifyScanEvery
	}
	if c.MoroseEvery == 0 {
		c.MoroseEvery = DefaultMoroseEvery
	}
	if c.SparesEvery == 0 {
		c.SparesEvery = DefaultSparesEvery
	}
	if c.MailEvery == 0 {
		c.MailEvery = DefaultMailEvery
	}
	if c.LeaderEvery <= 0 {
		c.LeaderEvery = DefaultLeaderEvery
	}
}

// Server is the SSH server. Create it with New, run it with Serve.
type Server struct {
	cfg     Config
	db      *store.DB
	log     *slog.Logger
	srv     *ssh.Server
	limiter *limiter
	waiting *waiting
	reg     *registry
	// listener is the server's one listening connection (clinic status
	// changes; live updates for the TUI).
	listener *store.Listener
	domains  map[string]string // normalised listener address → domain
	apps     appSet
	serverID string // names this process in the open-session rows it writes

	mu      sync.Mutex
	ln      net.Listener
	serving bool
	closing atomic.Bool
	conns   atomic.Int64
	// handshakes maps a connection's remote address to its loggedConn, so
	// the handshake-failure callback (which gets the library's wrapper) can
	// find the record.
	handshakes sync.Map
	live       sync.Map // ssh.Session → *liveSession
	bgCancel   context.CancelFunc
	// leading: this server holds the leadership and runs the shared
	// background jobs (jobs.go).
	leading atomic.Bool
	bg      sync.WaitGroup
	// metrics is nil when Config.MetricsAddr is empty (counting is then a
	// no-op); metricsLn serves them.
	metrics     *metrics.Metrics
	metricsLn   net.Listener
	stopMetrics func()
	served      chan struct{} // closed when the ssh server's Serve returned

	shutdownDone chan struct{}
}

// New prepares a server: it loads (or creates) the host key and wires the
// SSH callbacks and middleware. It does not listen yet.
func New(cfg Config, db *store.DB, logger *slog.Logger) (*Server, error) {
	if db == nil {
		return nil, errors.New("server: nil database")
	}
	if logger == nil {
		logger = slog.Default()
	}
	cfg.defaults()
	signer, err := loadHostKey(cfg.HostKeyPath)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:      cfg,
		db:       db,
		log:      logger,
		limiter:  newLimiter(cfg.AuthFailures, cfg.AuthFailureWindow, time.Now),
		waiting:  newWaiting(cfg.MaxPerAddress, cfg.MaxWaiting),
		reg:      newRegistry(),
		listener: store.NewListener(db, logger),
		domains:  map[string]string{},
		apps:     defaultApps(),
		serverID: newServerID(),
		served:   make(chan struct{}),

		shutdownDone: make(chan struct{}),
	}
	for addr, domain := range cfg.ListenAddrDomains {
		s.domains[addrKey(addr)] = domain
	}
	if cfg.MetricsAddr != "" {
		s.metrics = cfg.Metrics
		if s.metrics == nil {
			s.metrics = metrics.New()
		}
		if err := s.metrics.Register(s.serverCollectors()...); err != nil {
			return nil, fmt.Errorf("metrics: %w", err)
		}
		s.limiter.onFail = func() { s.metrics.Login(false) }
	}
	srv, err := wish.NewServer(
		// The host key goes in as an option: with none set, NewServer
		// would write a new key to the working directory.
		func(srv *ssh.Server) error { srv.AddHostKey(signer); return nil },
		wish.WithAddress(cfg.Listen),
		wish.WithPublicKeyAuth(s.publicKeyAuth),
		wish.WithKeyboardInteractiveAuth(s.keyboardInteractiveAuth),
		// The backstop for connections that never open a session or stop
		// talking altogether; a TUI session is logged out by its own idle
		// timer first, which restores the terminal.
		wish.WithIdleTimeout(cfg.IdleTimeout+time.Minute),
		// WithMiddleware(a, b, c) runs c first: PTY clamp → identity →
		// split → TUI.
		wish.WithMiddleware(
			bm.MiddlewareWithProgramHandler(s.programHandler),
			s.splitMiddleware,
			s.sessionMiddleware,
			ptyClampMiddleware,
		),
	)
	if err != nil {
		return nil, fmt.Errorf("ssh server: %w", err)
	}
	// SFTP (and scp, which speaks SFTP) goes through the same identity,
	// registration and suspension handling as every other session.
	srv.SubsystemHandlers = map[string]ssh.SubsystemHandler{"sftp": ssh.SubsystemHandler(s.sessionMiddleware(s.sftpHandler))}
	srv.HandshakeTimeout = cfg.HandshakeTimeout
	srv.BannerHandler = s.banner
	srv.ServerConfigCallback = func(ssh.Context) *gossh.ServerConfig { return sshConfig() }
	srv.ConnCallback = s.connCallback
	srv.ConnectionFailedCallback = s.connFailed
	s.srv = srv
	return s, nil
}

// Listen binds the configured address (Serve does it when not done yet);
// after it, Addr tells the address, e.g. the port chosen for ":0".
func (s *Server) Listen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.listenMetrics(); err != nil {
		return fmt.Errorf("metrics: listen on %s: %w", s.cfg.MetricsAddr, err)
	}
	if s.ln != nil {
		return nil
	}
	addr := s.cfg.Listen
	if addr == "" {
		addr = "127.0.0.1:2222"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	s.ln = ln
	return nil
}

// Listener is the server's live-update listener (running while the server
// serves): the TUI subscribes to its clinic's changes through it.
func (s *Server) Listener() *store.Listener { return s.listener }

// sshLine is the connect line for an SSH user name: the configured host and
// the port really bound.
func (s *Server) sshLine(user string) string {
	addr := s.Addr()
	if addr == nil {
		return sshline.Addr{Host: s.cfg.ConnectHost}.For(user)
	}
	a, err := sshline.FromListen(addr.String(), s.cfg.ConnectHost)
	if err != nil { // a TCP listener's address always has a port
		return sshline.Addr{Host: s.cfg.ConnectHost}.For(user)
	}
	if a.Host != "" && s.cfg.ConnectHost == "" {
		// The bound address is an IP; the configured listen host may be a
		// name clients know better.
		if h, _, err := net.SplitHostPort(s.cfg.Listen); err == nil && h != "" && net.ParseIP(h) == nil {
			a.Host = h
		}
	}
	return a.For(user)
}

// Addr is the address the server listens on (nil before Listen).
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// ListenAndServe is Listen followed by Serve.
func (s *Server) ListenAndServe(ctx context.Context) error {
	if err := s.Listen(); err != nil {
		return err
	}
	return s.Serve(ctx)
}

// Serve accepts connections until ctx is cancelled, then shuts down
// gracefully (ShutdownGrace at most). It returns nil after a shutdown.
func (s *Server) Serve(ctx context.Context) error {
	if err := s.Listen(); err != nil {
		return err
	}
	s.mu.Lock()
	if s.serving {
		s.mu.Unlock()
		return errors.New("server: already serving")
	}
	s.serving = true
	ln := proxyListener(s.ln, s.cfg.TrustedProxies)
	bgCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.bgCancel = cancel
	s.stopMetrics = s.serveMetrics()
	s.mu.Unlock()

	s.bg.Add(3)
	go func() {
		defer s.bg.Done()
		_ = s.listener.Run(bgCtx) // returns when bgCtx ends
	}()
	go func() {
		defer s.bg.Done()
		s.minuteTicks(bgCtx)
	}()
	go func() {
		defer s.bg.Done()
		s.watchTenantStatus(bgCtx)
	}()
	s.startJobs(bgCtx)

	errc := make(chan error, 1)
	go func() {
		defer close(s.served)
		errc <- s.srv.Serve(ln)
	}()
	select {
	case err := <-errc:
		if s.closing.Load() || errors.Is(err, ssh.ErrServerClosed) {
			return nil
		}
		cancel()
		s.bg.Wait()
		s.mu.Lock()
		s.stopMetrics()
		s.mu.Unlock()
		return fmt.Errorf("ssh serve: %w", err)
	case <-ctx.Done():
		sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownGrace)
		defer scancel()
		return s.Shutdown(sctx)
	}
}

// Shutdown stops accepting connections, asks every live session to end
// ("server shutting down": the TUI restores the terminal and quits; a command
// is cancelled), waits for them until ctx is done and then closes whatever is
// left. It returns ctx's error when sessions had to be cut.
func (s *Server) Shutdown(ctx context.Context) error {
	if !s.closing.CompareAndSwap(false, true) {
		select {
		case <-s.shutdownDone:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	defer close(s.shutdownDone)
	s.mu.Lock()
	serving := s.serving
	cancel := s.bgCancel
	if s.stopMetrics != nil {
		s.stopMetrics()
	} else if s.metricsLn != nil {
		_ = s.metricsLn.Close()
	}
	s.mu.Unlock()
	// Close the listener here too, not only through srv.Close: a shutdown
	// right after Serve started (while the jobs start) can come before
	// Serve's goroutine handed the listener to the SSH server, which would
	// then not know it and accept forever (Shutdown waiting on s.served).
	if s.ln != nil {
		_ = s.ln.Close()
	}

	// Closing the listeners first: no new connection can slip in while the
	// live ones are being ended.
	shut := make(chan error, 1)
	go func() { shut <- s.srv.Shutdown(ctx) }()
	s.reg.endAll(reasonShutdown)
	err := s.reg.waitEmpty(ctx)
	// Sessions are over. Clients hang up once their session has ended: give
	// them a moment to do so cleanly, then close what is left (idle or
	// still authenticating connections).
	for deadline := time.Now().Add(500 * time.Millisecond); err == nil && s.conns.Load() > 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	_ = s.srv.Close()
	<-shut
	if cancel != nil {
		cancel()
	}
	s.bg.Wait()
	if serving {
		<-s.served
	}
	return err
}

const reasonShutdown = "server shutting down"
