package main

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"github.com/spf13/cobra"

	"consultorio/tui/i18n"
)

func newDBCmd(cfg *config) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "db",
		Short: "Manage the private PostgreSQL cluster (used when DATABASE_URL is empty)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return usagef("db: say start, stop, status, destroy, wal-archive, url or psql (see --help)")
		},
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "start",
		Short: "Start the private cluster (initialising it on first use)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if cfg.databaseURL != "" {
				return cliFailure(func(c *i18n.CLI) string { return c.PrivateUnused }, nil)
			}
			cl, err := cfg.cluster()
			if err != nil {
				return err
			}
			if err := cl.Start(c.Context()); err != nil {
				return err
			}
			return say(c, c.OutOrStdout(), "PostgreSQL running in %s", cl.Dir())
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "stop",
		Short: "Stop the private cluster",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cl, err := cfg.cluster()
			if err != nil {
				return err
			}
			if err := cl.Stop(c.Context()); err != nil {
				return err
			}
			return say(c, c.OutOrStdout(), "PostgreSQL stopped")
		},
	})
	cmd.AddCommand(newDBStatusCmd(cfg), newDBDestroyCmd(cfg), newDBWALArchiveCmd(cfg))
	cmd.AddCommand(&cobra.Command{
		Use:   "url",
		Short: "Print the connection string in use (starts the private cluster if needed)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			u, err := cfg.url(c.Context())
			if err != nil {
				return err
			}
			fmt.Fprintln(c.OutOrStdout(), u)
			return nil
		},
	})
	cmd.AddCommand(newDBPsqlCmd(cfg))
	return cmd
}

// newDBPsqlCmd opens psql as the database's owner: the private cluster's
// superuser over its Unix socket (peer authentication: only the OS account
// running consultorio gets in), or the DATABASE_URL user. It is the
// operator's console; the application itself never connects as the owner
// for clinic work (docs/SECURITY.md "Database privileges").
func newDBPsqlCmd(cfg *config) *cobra.Command {
	return &cobra.Command{
		Use:   "psql [psql arguments]",
		Short: "Open psql on the database as its owner (arguments after psql go to psql)",
		Long: `Open psql on the database as its owner. Every argument after "psql" goes to
psql, e.g. consultorio db psql -tAc 'select count(*) from public.tenants'.
consultorio's own flags (--data, --database-url) go before "db psql".
The exit status is psql's: 0, or 1 when it failed.`,
		// psql's flags are psql's; consultorio's are taken off the front.
		DisableFlagParsing: true,
		RunE: func(c *cobra.Command, a []string) error {
			a, err := takeInheritedFlags(c, a)
			if err != nil {
				return err
			}
			u, err := cfg.url(c.Context())
			if err != nil {
				return err
			}
			prog := "psql"
			if cfg.databaseURL == "" {
				cl, err := cfg.cluster()
				if err != nil {
					return err
				}
				prog = cl.Program("psql")
			}
			// No context: an interrupt is psql's to handle (it cancels the
			// running query), and consultorio waits for psql to end.
			p := exec.Command(prog, append([]string{"-d", u}, a...)...)
			p.Stdin, p.Stdout, p.Stderr = c.InOrStdin(), c.OutOrStdout(), c.ErrOrStderr()
			if err := p.Run(); err != nil {
				var ee *exec.ExitError
				if errors.As(err, &ee) {
					return &exitError{code: 1} // psql said why on stderr
				}
				return fmt.Errorf("run psql: %w", err)
			}
			return nil
		},
	}
}

// takeInheritedFlags applies consultorio's own flags (--data,
// --database-url) found at the front of a command that leaves flag parsing
// to another program, and returns the rest.
func takeInheritedFlags(c *cobra.Command, a []string) ([]string, error) {
	fs := c.InheritedFlags()
	for len(a) > 0 && strings.HasPrefix(a[0], "--") && a[0] != "--" {
		name, val, hasVal := strings.Cut(a[0][2:], "=")
		if fs.Lookup(name) == nil {
			break
		}
		if !hasVal {
			if len(a) < 2 {
				return nil, usagef("flag --%s needs a value", name)
			}
			val, a = a[1], a[1:]
		}
		if err := fs.Set(name, val); err != nil {
			return nil, usagef("flag --%s: %v", name, err)
		}
		a = a[1:]
	}
	return a, nil
}
