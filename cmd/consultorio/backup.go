package main

import (
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"consultorio/backup"
	"consultorio/pgcluster"
	"consultorio/tui/i18n"
)

func newBackupCmd(cfg *config) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "backup DEST",
		Short: "Back up the whole installation (database, host key, configuration) into DEST while it keeps working",
		Long: `Back up the whole installation into the directory DEST (which must not
exist or be empty): an online, consistent copy of the database taken with
pg_basebackup and checked with pg_verifybackup, the data directory's own
files (SSH host key, configuration) and a manifest.json describing it.
Clinics keep working meanwhile. Every transaction acknowledged before the
backup's start time is in it.

Without DATABASE_URL it copies the private cluster. With DATABASE_URL it
copies that server, which needs a user with the REPLICATION attribute.`,
		Example: `  consultorio backup /backups/2026-12-05
  consultorio backup --json /backups/nightly`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, a []string) error {
			src := backup.Source{DataDir: cfg.dataDir, URL: cfg.databaseURL}
			if cfg.databaseURL == "" {
				cl, err := cfg.cluster()
				if err != nil {
					return err
				}
				src.Cluster = cl
			}
			m, err := backup.Create(c.Context(), src, a[0], version)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(c.OutOrStdout(), m)
			}
			return printBackup(c, c.OutOrStdout(), a[0], m)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the manifest as JSON")
	return cmd
}

const utcLayout = "2006-01-02 15:04:05 UTC"

// printBackup writes what a backup wrote, in c's language.
func printBackup(c *cobra.Command, w io.Writer, dest string, m backup.Manifest) error {
	archive := phrase(c, "off (restore gives the state at the end of the backup)")
	if m.WALArchive != "" {
		archive = phrase(c, "%s (restore --to any time after the finish)", m.WALArchive)
	}
	names := make([]string, len(m.Files))
	for i, f := range m.Files {
		names[i] = f.Name
	}
	var err error
	if m.Source == "database_url" {
		err = say(c, w, "backup of the DATABASE_URL server written to %s", dest)
	} else {
		err = say(c, w, "backup of the private cluster written to %s", dest)
	}
	if err != nil {
		return err
	}
	return fields(c, w, [][2]string{
		{"started", m.StartedAt.Format(utcLayout)},
		{"finished", m.FinishedAt.Format(utcLayout)},
		{"size", humanBytes(m.SizeBytes)},
		{"PostgreSQL", m.PostgresVersion},
		{"files", strings.Join(names, ", ")},
		{"WAL archive", archive},
	})
}

// toLayouts are the accepted forms of restore --to, in UTC.
var toLayouts = []string{"2006-01-02 15:04", "2006-01-02 15:04:05"}

func parseRestoreTarget(s string) (time.Time, error) {
	for _, l := range toLayouts {
		if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, usagef("restore --to %q: want \"YYYY-MM-DD HH:MM\" or \"YYYY-MM-DD HH:MM:SS\", in UTC", s)
}

// restoreResult is `restore --json`.
type restoreResult struct {
	DataDir   string          `json:"data_dir"`
	Dir       string          `json:"dir"`
	Elsewhere bool            `json:"elsewhere"`
	To        *time.Time      `json:"to,omitempty"`
	Backup    backup.Manifest `json:"backup"`
}

func newRestoreCmd(cfg *config) *cobra.Command {
	var (
		to, archive string
		asJSON      bool
	)
	cmd := &cobra.Command{
		Use:   "restore SRC",
		Short: "Build a fresh data directory from a backup (optionally rolled forward to a moment with --to)",
		Long: `Build the data directory (--data / CONSULTORIO_DATA, which must not exist
or be empty) from the backup in SRC: its files, and a private cluster made
from the database copy, started and ready to serve.

With --to "YYYY-MM-DD HH:MM[:SS]" (UTC) it replays the WAL archived since the
backup up to that moment: transactions committed at or before it are there,
later ones are not. The archive is the one the backup names (see
db wal-archive) unless --wal-archive says otherwise. The moment must be
after the backup finished.

The restored cluster does not archive WAL (two clusters must never archive
into one directory): turn it on again with db wal-archive or serve
--wal-archive.`,
		Example: `  CONSULTORIO_DATA=/srv/consultorio-new consultorio restore /backups/2026-12-05
  consultorio --data /srv/new restore --to "2026-12-05 10:30" /backups/2026-12-05`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, a []string) error {
			o := backup.RestoreOptions{DataDir: cfg.dataDir, WALArchive: archive}
			if to != "" {
				t, err := parseRestoreTarget(to)
				if err != nil {
					return err
				}
				o.To = t
			} else if archive != "" {
				return usagef("restore: --wal-archive only goes with --to")
			}
			if m, err := backup.ReadManifest(a[0]); err != nil {
				return err
			} else if m.Source != "private" {
				return cliFailure(func(c *i18n.CLI) string { return c.PlainBackup }, nil)
			}
			m, cl, err := backup.Restore(c.Context(), a[0], o)
			if err != nil {
				return err
			}
			in, err := cl.Info()
			if err != nil {
				return err
			}
			res := restoreResult{DataDir: in.DataDir, Dir: in.Dir, Elsewhere: in.Elsewhere, Backup: m}
			if !o.To.IsZero() {
				res.To = &o.To
			}
			if asJSON {
				return writeJSON(c.OutOrStdout(), res)
			}
			return printRestore(c, c.OutOrStdout(), res, in)
		},
	}
	cmd.Flags().StringVar(&to, "to", "", `replay archived WAL up to this moment, "YYYY-MM-DD HH:MM[:SS]" in UTC`)
	cmd.Flags().StringVar(&archive, "wal-archive", "", "read archived WAL from this directory (default: the one the backup names)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}

// printRestore writes what a restore built, in c's language.
func printRestore(c *cobra.Command, w io.Writer, res restoreResult, in pgcluster.Info) error {
	if err := say(c, w, "restored the backup of %s into %s", res.Backup.StartedAt.Format(utcLayout), in.DataDir); err != nil {
		return err
	}
	where := in.Dir
	if in.Elsewhere {
		where = in.Link + " -> " + in.Dir
	}
	kv := [][2]string{{"cluster", phrase(c, "%s (running)", where)}}
	if res.To != nil {
		kv = append(kv, [2]string{"replayed to", res.To.Format(utcLayout)})
	}
	if err := fields(c, w, kv); err != nil {
		return err
	}
	return say(c, w, "serve it with: consultorio --data %s serve", filepath.Clean(in.DataDir))
}
