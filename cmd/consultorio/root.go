package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"consultorio/pgcluster"
	"consultorio/store"
)

// usageError is a mistake in how a command was called (exit status 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{msg: fmt.Sprintf(format, a...)} }

// exitError carries an exit status whose message was already printed.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// config is the resolved configuration: flags override environment.
type config struct {
	databaseURL string
	dataDir     string
	listen      string
	// hostName is the server's public host name: its words can be no
	// clinic's SSH name (store.Options.HostName).
	hostName string
	env      env
}

func newRootCmd(e env) *cobra.Command {
	if e.getenv == nil {
		e.getenv = os.Getenv
	}
	envOr := func(key, def string) string {
		if v := e.getenv(key); v != "" {
			return v
		}
		return def
	}
	cfg := &config{
		databaseURL: e.getenv("DATABASE_URL"),
		dataDir:     envOr("CONSULTORIO_DATA", "./data"),
		listen:      envOr("CONSULTORIO_LISTEN", "127.0.0.1:2222"),
		hostName:    e.getenv("CONSULTORIO_HOST_NAME"),
		env:         e,
	}
	root := &cobra.Command{
		Use:           "consultorio",
		Short:         "Practice management for clinics, served over SSH",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	// Unknown commands are usage errors; bare "consultorio" shows the help.
	root.Args = cobra.ArbitraryArgs
	root.RunE = func(c *cobra.Command, a []string) error {
		if len(a) == 0 {
			return c.Help()
		}
		return usagef("unknown command %q (see consultorio --help)", a[0])
	}
	root.SetIn(e.stdin)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	root.PersistentFlags().StringVar(&cfg.databaseURL, "database-url", cfg.databaseURL, "PostgreSQL URL (env DATABASE_URL; empty: the private cluster)")
	root.PersistentFlags().StringVar(&cfg.dataDir, "data", cfg.dataDir, "data directory: private cluster, SSH host key, logs (env CONSULTORIO_DATA)")
	root.PersistentFlags().StringVar(&cfg.hostName, "host-name", cfg.hostName, "the server's public host name, e.g. consultorio.example.com: its words are reserved as clinic names (env CONSULTORIO_HOST_NAME)")
	// Wrong flags and arguments are usage errors: exit status 2.
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return &usageError{msg: err.Error()} })
	root.AddCommand(newDBCmd(cfg))
	root.AddCommand(newServeCmd(cfg))
	root.AddCommand(newMigrateCmd(cfg))
	root.AddCommand(newTenantsCmd(cfg))
	root.AddCommand(newOperatorsCmd(cfg))
	root.AddCommand(newDemoCmd(cfg))
	root.AddCommand(newBenchCmd(cfg))
	root.AddCommand(newAuditCmd(cfg))
	root.AddCommand(newVersionCmd(), newBackupCmd(cfg), newRestoreCmd(cfg))
	return root
}

// args wraps a cobra positional-argument check so a mismatch is a usage error.
func args(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(c *cobra.Command, a []string) error {
		if err := check(c, a); err != nil {
			return &usageError{msg: fmt.Sprintf("%s: %v (see --help)", c.CommandPath(), err)}
		}
		return nil
	}
}

// cluster describes the private cluster under the data directory.
func (cfg *config) cluster() (*pgcluster.Cluster, error) {
	return pgcluster.New(filepath.Join(cfg.dataDir), pgcluster.Options{})
}

// url returns the database URL in use, starting the private cluster when
// DATABASE_URL is empty.
func (cfg *config) url(ctx context.Context) (string, error) {
	if cfg.databaseURL != "" {
		return cfg.databaseURL, nil
	}
	c, err := cfg.cluster()
	if err != nil {
		return "", err
	}
	if err := c.Start(ctx); err != nil {
		return "", err
	}
	return c.URL(), nil
}

// open connects to the database and brings the public schema up to date
// (a no-op costs one query), so every command sees the tables it needs.
func (cfg *config) open(ctx context.Context) (*store.DB, error) {
	db, err := cfg.openRaw(ctx, 0)
	if err != nil {
		return nil, err
	}
	if _, err := db.MigratePublic(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// openRaw connects without migrating; maxConns > 0 sizes the pool.
func (cfg *config) openRaw(ctx context.Context, maxConns int32) (*store.DB, error) {
	u, err := cfg.url(ctx)
	if err != nil {
		return nil, err
	}
	opts := cfg.env.storeOpts
	if opts.HostName == "" {
		opts.HostName = cfg.publicHost()
	}
	if opts.BinaryVersion == "" {
		opts.BinaryVersion = version
	}
	if maxConns > 0 {
		opts.MaxConns = maxConns
	}
	return store.Open(ctx, u, opts)
}

// publicHost is the host name clients type: --host-name, else the listen
// host when it is a name, else this machine's name (as the connect line
// says when listening on every address).
func (cfg *config) publicHost() string {
	if cfg.hostName != "" {
		return cfg.hostName
	}
	if host, _, err := net.SplitHostPort(cfg.listen); err == nil && host != "" && net.ParseIP(host) == nil {
		return host
	}
	if h, err := os.Hostname(); err == nil {
		return h
	}
	return ""
}
