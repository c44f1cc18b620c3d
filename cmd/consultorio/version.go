package main

import (
	"github.com/spf13/cobra"

	"consultorio/store"
)

// version is this binary's release (see CHANGELOG.md). Release builds may
// set it with -ldflags "-X main.version=0.2.0".
var version = "0.2.0-dev"

func newVersionCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print this binary's release and the database schema versions it knows",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			m := store.EmbeddedMigrations()
			v := struct {
				Version       string `json:"version"`
				PublicVersion int    `json:"public_schema_version"`
				TenantVersion int    `json:"tenant_schema_version"`
			}{version, m.Public[len(m.Public)-1].Version, m.Tenant[len(m.Tenant)-1].Version}
			if asJSON {
				return writeJSON(c.OutOrStdout(), v)
			}
			return say(c, c.OutOrStdout(), "consultorio %s (schema: public %d, tenant %d)", v.Version, v.PublicVersion, v.TenantVersion)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}
