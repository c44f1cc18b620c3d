package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newDBCmd(cfg *config) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "db",
		Short: "Manage the private PostgreSQL cluster (used when DATABASE_URL is empty)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return usagef("db: say start, stop, status, destroy, wal-archive or url (see --help)")
		},
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "start",
		Short: "Start the private cluster (initialising it on first use)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if cfg.databaseURL != "" {
				return fmt.Errorf("DATABASE_URL is set: the private cluster is not used")
			}
			cl, err := cfg.cluster()
			if err != nil {
				return err
			}
			if err := cl.Start(c.Context()); err != nil {
				return err
			}
			fmt.Fprintf(c.OutOrStdout(), "PostgreSQL running in %s\n", cl.Dir())
			return nil
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
			fmt.Fprintln(c.OutOrStdout(), "PostgreSQL stopped")
			return nil
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
	return cmd
}
