package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"path/filepath"
	"strings"
	"time"

	charmlog "charm.land/log/v2"
	"github.com/spf13/cobra"

	"consultorio/metrics"
	"consultorio/server"
	"consultorio/store"
)

func newServeCmd(cfg *config) *cobra.Command {
	var (
		idle        time.Duration
		maxSessions int
		proxies     []string
		listenMaps  []string
		pre         preLogin
		walArchive  string
		smtp        = smtpFlags{getenv: cfg.env.getenv}
		pprofAddr   string
		metricsAddr string
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the SSH server (clinic TUI, operator panel, scripted commands)",
		Long: `Run the SSH server until SIGINT or SIGTERM; then open sessions are ended
with a message (terminals restored) and the server exits within 10 seconds.

The host key is created on first start in the data directory
(ssh_host_ed25519_key); keep it, and share it between servers behind one
load balancer.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			ctx := c.Context()
			if err := pre.check(maxSessions); err != nil {
				return err
			}
			mailCfg, err := smtp.config()
			if err != nil {
				return err
			}
			trusted, err := parseProxies(proxies)
			if err != nil {
				return err
			}
			domains := map[string]string{}
			for _, m := range listenMaps {
				addr, domain, ok := strings.Cut(m, "=")
				if _, _, err := net.SplitHostPort(addr); !ok || err != nil || domain == "" {
					return usagef("--listen-domain %q: want HOST:PORT=DOMAIN", m)
				}
				domains[addr] = domain
			}
			logger := slog.New(slog.NewTextHandler(c.ErrOrStderr(), nil))
			quietLibraryLog(logger)
			// The failures serve reports under a reference (a schema that
			// does not migrate on start, an error it stops with) are logged
			// with the rest of its log, not in data/logs/cli.log.
			cfg.logOut.to = c.ErrOrStderr()

			if _, err := servePprof(ctx, pprofAddr, logger); err != nil {
				return err
			}
			if err := serveWALArchive(ctx, cfg, walArchive); err != nil {
				return err
			}
			var m *metrics.Metrics
			if metricsAddr != "" {
				if _, _, err := net.SplitHostPort(metricsAddr); err != nil {
					return usagef("--metrics-addr %q: want HOST:PORT", metricsAddr)
				}
				m = metrics.New()
				cfg.observer = m
			}
			db, err := cfg.open(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			if err := migrateOnStart(c, cfg, db); err != nil {
				return err
			}
			srv, err := server.New(server.Config{
				Listen:            cfg.listen,
				ConnectHost:       cfg.connect(cfg.listen).Host,
				HostKeyPath:       filepath.Join(cfg.dataDir, "ssh_host_ed25519_key"),
				IdleTimeout:       idle,
				MaxSessions:       maxSessions,
				MaxLoginSessions:  pre.maxLogin,
				MaxPerAddress:     pre.perAddr,
				HandshakeTimeout:  pre.handshake,
				LoginTimeout:      pre.login,
				TrustedProxies:    trusted,
				ListenAddrDomains: domains,
				Mail:              mailCfg,
				MetricsAddr:       metricsAddr,
				Metrics:           m,
			}, db, logger)
			if err != nil {
				return err
			}
			if err := srv.Listen(); err != nil {
				return err
			}
			// The address really bound (":0" picks a port).
			_ = say(c, c.OutOrStdout(), "Consultorio is listening on %s", srv.Addr())
			_ = say(c, c.OutOrStdout(), "Connect with: %s", cfg.connect(srv.Addr().String()).For("demo"))
			if a := srv.MetricsAddr(); a != nil {
				_ = say(c, c.OutOrStdout(), "Metrics: http://%s/metrics (health: /healthz)", a)
			}
			return srv.Serve(ctx)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.listen, "listen", cfg.listen, "SSH listen address (env CONSULTORIO_LISTEN)")
	// --connect-host named the same thing as --host-name: kept so that
	// existing start scripts work.
	f.StringVar(&cfg.hostName, "connect-host", cfg.hostName, "the same as --host-name")
	_ = f.MarkDeprecated("connect-host", "use --host-name")
	f.DurationVar(&idle, "idle-timeout", server.DefaultIdleTimeout, "log terminal sessions out after this long without input")
	f.IntVar(&maxSessions, "max-sessions", server.DefaultMaxSessions, "sessions served at once (at least 1); more are refused with a message")
	f.IntVar(&pre.maxLogin, "max-login-sessions", 0, "of those, sessions of nobody known yet: login forms, commands without a registered key (default: a quarter of --max-sessions)")
	f.IntVar(&pre.perAddr, "max-per-address", server.DefaultMaxPerAddress, "per client address: connections without a session, and sessions of nobody known yet")
	f.DurationVar(&pre.handshake, "handshake-timeout", server.DefaultHandshakeTimeout, "close a connection that has no session for this long")
	f.DurationVar(&pre.login, "login-timeout", server.DefaultLoginTimeout, "end a login form not completed within this time")
	f.StringArrayVar(&proxies, "trusted-proxy", nil, "address or CIDR of a load balancer that sends the PROXY protocol header (repeatable)")
	f.StringArrayVar(&listenMaps, "listen-domain", nil, "HOST:PORT=DOMAIN: connections to that address go to the clinic with that domain (repeatable)")
	f.Int64Var(&cfg.attachmentMax, "attachment-max-bytes", store.DefaultAttachmentMaxBytes, "largest patient file accepted over SFTP/scp, in bytes")
	f.StringVar(&pprofAddr, "pprof", "", "serve Go profiles (net/http/pprof) on this loopback address, e.g. 127.0.0.1:6060 (docs/BENCHMARKS.md)")
	f.StringVar(&metricsAddr, "metrics-addr", cfg.env.getenv("CONSULTORIO_METRICS_ADDR"), "serve Prometheus metrics (/metrics) and a health check (/healthz) on this address, e.g. 127.0.0.1:9100; empty: off (env CONSULTORIO_METRICS_ADDR)")
	f.StringVar(&cfg.directURL, "direct-database-url", cfg.env.getenv("CONSULTORIO_DIRECT_DATABASE_URL"), "the same database without a pooler in between, for the live-update LISTEN and the background jobs' leader lock; needed when --database-url goes through PgBouncer in transaction mode; empty: --database-url (env CONSULTORIO_DIRECT_DATABASE_URL)")
	f.StringVar(&walArchive, "wal-archive", "", "archive the private cluster's WAL into this directory (kept; see db wal-archive)")
	smtp.flags(f)
	return cmd
}

// preLogin are the serve flags that bound what clients cost before they
// are known (server.Config has the why).
type preLogin struct {
	maxLogin, perAddr int
	handshake, login  time.Duration
}

// check refuses values that would disable a bound. --max-sessions 0 is a
// usage error, not "unlimited": every session costs memory, and the login
// budget is a fraction of it.
func (p preLogin) check(maxSessions int) error {
	switch {
	case maxSessions < 1:
		return usagef("--max-sessions %d: want at least 1 (there is no unlimited)", maxSessions)
	case p.maxLogin < 0 || p.maxLogin > maxSessions:
		return usagef("--max-login-sessions %d: want 1 to --max-sessions (%d), or 0 for a quarter of it", p.maxLogin, maxSessions)
	case p.perAddr < 1:
		return usagef("--max-per-address %d: want at least 1", p.perAddr)
	case p.handshake <= 0:
		return usagef("--handshake-timeout %s: want a positive duration", p.handshake)
	case p.login <= 0:
		return usagef("--login-timeout %s: want a positive duration", p.login)
	}
	return nil
}

func parseProxies(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		for _, part := range strings.Split(s, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			if p, err := netip.ParsePrefix(part); err == nil {
				out = append(out, p.Masked())
				continue
			}
			a, err := netip.ParseAddr(part)
			if err != nil {
				return nil, usagef("--trusted-proxy %q: want an IP address or CIDR", part)
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
		}
	}
	return out, nil
}

// quietLibraryLog routes the log of the wish middleware (charm's default
// logger) into ours. It reports every client that hangs up as an error
// ("program was killed: context canceled"); that is routine, so debug.
func quietLibraryLog(logger *slog.Logger) {
	charmlog.SetDefault(charmlog.NewWithOptions(slogWriter{logger}, charmlog.Options{}))
}

type slogWriter struct{ l *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	msg := strings.TrimSpace(string(p))
	level := slog.LevelWarn
	if strings.Contains(msg, "context canceled") {
		level = slog.LevelDebug
	}
	w.l.Log(context.Background(), level, "ssh library", "msg", msg)
	return len(p), nil
}

var _ io.Writer = slogWriter{}
