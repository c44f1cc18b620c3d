package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"path/filepath"
	"strings"
	"time"

	charmlog "charm.land/log/v2"
	"github.com/spf13/cobra"

	"consultorio/server"
)

func newServeCmd(cfg *config) *cobra.Command {
	var (
		idle        time.Duration
		maxSessions int
		proxies     []string
		listenMaps  []string
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

			db, err := cfg.open(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			srv, err := server.New(server.Config{
				Listen:            cfg.listen,
				ConnectHost:       cfg.connect(cfg.listen).Host,
				HostKeyPath:       filepath.Join(cfg.dataDir, "ssh_host_ed25519_key"),
				IdleTimeout:       idle,
				MaxSessions:       maxSessions,
				TrustedProxies:    trusted,
				ListenAddrDomains: domains,
			}, db, logger)
			if err != nil {
				return err
			}
			if err := srv.Listen(); err != nil {
				return err
			}
			// The address really bound (":0" picks a port).
			fmt.Fprintf(c.OutOrStdout(), "Consultorio is listening on %s\nConnect with: %s\n", srv.Addr(),
				cfg.connect(srv.Addr().String()).For("demo"))
			return srv.Serve(ctx)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.listen, "listen", cfg.listen, "SSH listen address (env CONSULTORIO_LISTEN)")
	f.StringVar(&cfg.connectHost, "connect-host", cfg.connectHost,
		"host name clients use to reach this server, shown in connect lines (env CONSULTORIO_CONNECT_HOST; default: the listen host, or this machine's name)")
	f.DurationVar(&idle, "idle-timeout", server.DefaultIdleTimeout, "log terminal sessions out after this long without input")
	f.IntVar(&maxSessions, "max-sessions", server.DefaultMaxSessions, "sessions served at once; more are refused with a message")
	f.StringArrayVar(&proxies, "trusted-proxy", nil, "address or CIDR of a load balancer that sends the PROXY protocol header (repeatable)")
	f.StringArrayVar(&listenMaps, "listen-domain", nil, "HOST:PORT=DOMAIN: connections to that address go to the clinic with that domain (repeatable)")
	return cmd
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
