package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"consultorio/backup"
	"consultorio/pgcluster"
	"consultorio/server/cmd"
	"consultorio/store"
	"consultorio/tui/i18n"
	"consultorio/tui/sshline"
)

// usagef is a mistake in how a command was called (exit status 2).
func usagef(format string, a ...any) error { return cmd.Usagef(format, a...) }

// say writes one line of a command's output in the operator's language
// (cmd.Say): format is English, the key of its Spanish in tui/i18n.
func say(c *cobra.Command, w io.Writer, format string, a ...any) error {
	return cmd.Say(c, w, format, a...)
}

// cliFailure is a failure of the CLI's own, worded from the catalogue's CLI
// texts in the language the failure is reported in (cmd.Worded); err, if
// any, is what went wrong underneath, for the log.
func cliFailure(words func(c *i18n.CLI) string, err error) error {
	return cmd.Worded(func(m *i18n.Messages) string { return words(&m.CLI) }, err)
}

// cliWords gives the failures of the backup and the private cluster their
// words; other errors pass as they are.
func cliWords(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, backup.ErrExists):
		return cliFailure(func(c *i18n.CLI) string { return c.BackupExists }, err)
	case errors.Is(err, backup.ErrNoArchive):
		return cliFailure(func(c *i18n.CLI) string { return c.NoArchive }, err)
	case errors.Is(err, backup.ErrTargetTooEarly):
		return cliFailure(func(c *i18n.CLI) string { return c.TargetTooEarly }, err)
	case errors.Is(err, pgcluster.ErrNoBinaries):
		return cliFailure(func(c *i18n.CLI) string { return c.NoBinaries }, err)
	}
	return err
}

// wordFailures makes every command of the tree under c return its failure
// through cliWords.
func wordFailures(c *cobra.Command) {
	if run := c.RunE; run != nil {
		c.RunE = func(c *cobra.Command, a []string) error { return cliWords(run(c, a)) }
	}
	for _, sub := range c.Commands() {
		wordFailures(sub)
	}
}

// exitError carries an exit status whose message was already printed.
type exitError struct{ code int }

func (e *exitError) Error() string   { return fmt.Sprintf("exit status %d", e.code) }
func (e *exitError) ExitStatus() int { return e.code }

// config is the resolved configuration: flags override environment.
type config struct {
	databaseURL string
	dataDir     string
	listen      string
	// hostName is the server's public host name, the one clients type: the
	// connect lines name it, and its words can be no clinic's SSH name
	// (store.Options.HostName). Empty: see host.
	hostName string
	lang     i18n.Lang
	env      env
	// attachmentMax is the largest patient file stored (serve
	// --attachment-max-bytes); 0: the store's default.
	attachmentMax int64
	// directURL reaches the database without a pooler (serve
	// --direct-database-url); "": databaseURL. observer gets the store's
	// operations (serve --metrics-addr). Both only for serve.
	directURL string
	observer  store.Observer
	// log receives what the operator must not read but may need (an
	// unexpected error, PostgreSQL's text), under the reference the output
	// quotes: data/logs/cli.log (cliLog).
	log    *slog.Logger
	logOut *cliLog
}

func newRootCmd(e env) (*cobra.Command, *config) {
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
		hostName:    envOr("CONSULTORIO_HOST_NAME", e.getenv("CONSULTORIO_CONNECT_HOST")),
		lang:        cliLang(e.getenv),
		env:         e,
	}
	cfg.logOut = &cliLog{dataDir: func() string { return cfg.dataDir }, fallback: e.stderr}
	cfg.log = slog.New(slog.NewTextHandler(cfg.logOut, nil))
	root := cmd.Root("consultorio", "Practice management for clinics, served over SSH")
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
	root.PersistentFlags().StringVar(&cfg.hostName, "host-name", cfg.hostName, "the server's public host name, e.g. consultorio.example.com: shown in connect lines, its words reserved as clinic names (env CONSULTORIO_HOST_NAME)")
	root.AddCommand(newDBCmd(cfg))
	root.AddCommand(newServeCmd(cfg))
	root.AddCommand(newMigrateCmd(cfg))
	root.AddCommand(newTenantsCmd(cfg))
	root.AddCommand(newOperatorsCmd(cfg))
	root.AddCommand(newDemoCmd(cfg))
	root.AddCommand(newBenchCmd(cfg))
	root.AddCommand(newAuditCmd(cfg))
	root.AddCommand(newVersionCmd(), newBackupCmd(cfg), newRestoreCmd(cfg))
	return root, cfg
}

// cliLang is the language of the CLI's human output: Spanish when the
// user's locale says so, else English (the operators' shell usually is).
func cliLang(getenv func(string) string) i18n.Lang {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(k); v != "" {
			if strings.HasPrefix(v, "es") {
				return i18n.ES
			}
			return i18n.EN
		}
	}
	return i18n.EN
}

// host is the server's public host name: --host-name, else the host of
// listen when it is a name, else, listening on every interface, this
// machine's name; "" when listen is one IP address (clients type that).
func (cfg *config) host(listen string) string {
	if cfg.hostName != "" {
		return cfg.hostName
	}
	h, _, err := net.SplitHostPort(listen)
	if err != nil {
		return ""
	}
	ip := net.ParseIP(h)
	if h != "" && ip == nil {
		return h
	}
	if h == "" || ip.IsUnspecified() {
		if name, err := os.Hostname(); err == nil {
			return name
		}
	}
	return ""
}

// connect is where clients reach the server configured here: the listen
// address, named by the public host name (host).
func (cfg *config) connect(listen string) sshline.Addr {
	host := cfg.host(listen)
	a, err := sshline.FromListen(listen, host)
	if err != nil {
		return sshline.Addr{Host: host}
	}
	return a
}

// sshLine is the command that reaches an SSH user name on the server as
// configured (the server itself uses the port it really bound).
func (cfg *config) sshLine(user string) string { return cfg.connect(cfg.listen).For(user) }

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

// openRaw connects without migrating; maxConns > 0 sizes the pool; tune
// (if any) adjusts the options last.
func (cfg *config) openRaw(ctx context.Context, maxConns int32, tune ...func(*store.Options)) (*store.DB, error) {
	u, err := cfg.url(ctx)
	if err != nil {
		return nil, err
	}
	opts, err := cfg.storeOptions()
	if err != nil {
		return nil, err
	}
	if opts.HostName == "" {
		opts.HostName = cfg.publicHost()
	}
	if opts.BinaryVersion == "" {
		opts.BinaryVersion = version
	}
	if maxConns > 0 {
		opts.MaxConns = maxConns
	}
	if cfg.attachmentMax > 0 {
		opts.AttachmentMaxBytes = cfg.attachmentMax
	}
	opts.DirectURL = cfg.directURL
	opts.Observer = cfg.observer
	for _, f := range tune {
		f(&opts)
	}
	return store.Open(ctx, u, opts)
}

// publicHost is the host name whose words are reserved: the one clients
// type (host), else this machine's name.
func (cfg *config) publicHost() string {
	if h := cfg.host(cfg.listen); h != "" {
		return h
	}
	if h, err := os.Hostname(); err == nil {
		return h
	}
	return ""
}
