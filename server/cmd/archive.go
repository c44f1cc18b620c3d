package cmd

import (
	"io"

	"github.com/spf13/cobra"

	"consultorio/store"
)

// Per-clinic export and import (issue 14): `tenants export SCHEMA >
// clinic.tar.zst` and `tenants import [--as NEW] < clinic.tar.zst` for
// operators (CLI and panel), and the clinic admin's own `export >
// clinic.tar.zst` (exportCmd). The archive goes to stdout; a summary of
// what it holds to stderr, so a redirected stdout is the archive alone.

// archiveSummary is the one stderr line after an export or import.
func archiveSummary(w io.Writer, verb string, m store.ArchiveManifest) {
	var rows int64
	for _, t := range m.Tables {
		rows += t.Rows
	}
	_ = say(w, "%s %s: %d tables, %d rows, %d files (%d bytes), schema version %d",
		word(verb), m.Schema, len(m.Tables), rows, m.Attachments, m.AttachmentBytes, m.TenantVersion)
}

func tenantsExport(ta TenantAdmin) *cobra.Command {
	return &cobra.Command{
		Use:   "export SCHEMA > clinic.tar.zst",
		Short: "Write a clinic's archive (every row and file, manifest with checksums) to stdout",
		Long: `Write a clinic's archive to stdout: a zstd-compressed tar with a manifest
(the clinic, its schema version, each table's row count and SHA-256) and
every row of every table of the clinic, its files included, from one
consistent snapshot. "tenants import" restores it here or in another
installation at the same schema version.`,
		Example: `  consultorio tenants export consultorio-medico > consultorio-medico.tar.zst
  ssh panel@host tenants export consultorio-medico > consultorio-medico.tar.zst`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, a []string) error {
			return ta.with(c.Context(), func(db *store.DB) error {
				m, err := db.ExportTenant(c.Context(), ta.Actor, a[0], c.OutOrStdout())
				if err != nil {
					return noSuchClinic(a[0], err)
				}
				archiveSummary(c.ErrOrStderr(), "exported", m)
				return nil
			})
		},
	}
}

// ImportedTenant is what `tenants import --json` prints.
type ImportedTenant struct {
	Tenant   store.TenantInfo      `json:"tenant"`
	Manifest store.ArchiveManifest `json:"manifest"`
	SSH      string                `json:"ssh"`
}

func tenantsImport(ta TenantAdmin) *cobra.Command {
	var as string
	c := &cobra.Command{
		Use:   "import [--as SCHEMA] < clinic.tar.zst",
		Short: "Create a clinic from an archive read from stdin (its own name, or --as a new one)",
		Long: `Create a clinic from an archive made by "tenants export", read from stdin:
every row and file comes back, staff keep their passwords and keys. All or
nothing: an archive whose checksums, row counts or files do not match is
refused and leaves nothing behind. Under its own name the clinic must not
exist (delete and purge it first); with --as it is a new clinic alongside
the original, without the original's domains.`,
		Example: `  consultorio tenants import < consultorio-medico.tar.zst
  consultorio tenants import --as consultorio-prueba < consultorio-medico.tar.zst`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if as != "" {
				if err := store.ValidateSchemaName(as); err != nil {
					return &UsageError{Msg: c.CommandPath(), Err: err}
				}
			}
			return ta.with(c.Context(), func(db *store.DB) error {
				t, m, err := db.ImportTenant(c.Context(), ta.Actor, c.InOrStdin(), as)
				if err != nil {
					return err
				}
				archiveSummary(c.ErrOrStderr(), "imported", m)
				out := ImportedTenant{Tenant: t, Manifest: m, SSH: ta.SSHLine(t.Schema)}
				return output(c, out, func(w io.Writer) error {
					if err := say(w, "Imported clinic %q as %s (from %s, exported %s UTC).", sanitize(t.Name), t.Schema,
						m.Schema, m.CreatedAt.UTC().Format(timeLayout)); err != nil {
						return err
					}
					return fields(w, "connect", out.SSH)
				})
			})
		},
	}
	c.Flags().StringVar(&as, "as", "", "schema name of the new clinic (default: the archive's)")
	return c
}
