package main

import (
	"context"
	"fmt"
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
}

func newRootCmd() *cobra.Command {
	cfg := &config{
		databaseURL: os.Getenv("DATABASE_URL"),
		dataDir:     envOr("CONSULTORIO_DATA", "./data"),
		listen:      envOr("CONSULTORIO_LISTEN", "127.0.0.1:2222"),
	}
	root := &cobra.Command{
		Use:           "consultorio",
		Short:         "Practice management for clinics, served over SSH",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&cfg.databaseURL, "database-url", cfg.databaseURL, "PostgreSQL URL (env DATABASE_URL; empty: the private cluster)")
	root.PersistentFlags().StringVar(&cfg.dataDir, "data", cfg.dataDir, "data directory: private cluster, SSH host key, logs (env CONSULTORIO_DATA)")
	// Wrong flags and arguments are usage errors: exit status 2.
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return &usageError{msg: err.Error()} })
	root.AddCommand(newDBCmd(cfg))
	root.AddCommand(newServeCmd(cfg))
	return root
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
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
	u, err := cfg.url(ctx)
	if err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, u, store.Options{})
	if err != nil {
		return nil, err
	}
	if _, err := db.MigratePublic(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
