package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"consultorio/tui/i18n"
)

// dbStatus is `db status --json`.
type dbStatus struct {
	State      string `json:"state"` // "running", "stopped", "absent" or "external"
	PID        int    `json:"pid,omitempty"`
	DataDir    string `json:"data_dir,omitempty"`
	Link       string `json:"link,omitempty"`
	Dir        string `json:"dir,omitempty"`
	Elsewhere  bool   `json:"elsewhere"`
	SizeBytes  int64  `json:"size_bytes"`
	WALArchive string `json:"wal_archive,omitempty"`
}

func newDBStatusCmd(cfg *config) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Tell where the private cluster is, its size and whether it runs (exit 1 when it does not)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			out := c.OutOrStdout()
			if cfg.databaseURL != "" {
				if asJSON {
					return writeJSON(out, dbStatus{State: "external"})
				}
				return say(c, out, "external database (DATABASE_URL is set)")
			}
			cl, err := cfg.cluster()
			if err != nil {
				return err
			}
			in, err := cl.Info()
			if err != nil {
				return err
			}
			st := dbStatus{State: "stopped", PID: in.PID, DataDir: in.DataDir, Link: in.Link, Dir: in.Dir,
				Elsewhere: in.Elsewhere, SizeBytes: in.SizeBytes}
			switch {
			case in.Running:
				st.State = "running"
				if st.WALArchive, err = cl.WALArchive(c.Context()); err != nil {
					return err
				}
			case !in.Initialised:
				st.State = "absent"
			}
			if !in.Running {
				st.PID = 0
			}
			if asJSON {
				if err := writeJSON(out, st); err != nil {
					return err
				}
			} else if err := printDBStatus(c, out, st); err != nil {
				return err
			}
			if !in.Running {
				return &exitError{code: 1}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

// printDBStatus writes where the private cluster is and how it is, in c's
// language (--json keeps the English state).
func printDBStatus(c *cobra.Command, w io.Writer, st dbStatus) error {
	var state string
	switch st.State {
	case "running":
		state = phrase(c, "running, pid %d", st.PID)
	case "stopped":
		state = phrase(c, "stopped")
	default:
		state = phrase(c, "absent (not created yet)")
	}
	where := st.Dir
	if st.Elsewhere {
		where = st.Link + " -> " + st.Dir
	}
	archive := phrase(c, "off")
	if st.WALArchive != "" {
		archive = st.WALArchive
	}
	kv := [][2]string{{"state", state}, {"data directory", st.DataDir}, {"cluster", where}, {"size", humanBytes(st.SizeBytes)}}
	if st.State == "running" {
		kv = append(kv, [2]string{"WAL archive", archive})
	}
	return fields(c, w, kv)
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

func newDBDestroyCmd(cfg *config) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "destroy",
		Short: "Stop the private cluster and delete it, wherever it lives (asks first; --yes for scripts)",
		Long: `Stop the private cluster and delete it: every clinic's data, wherever
the cluster lives (DATA/pg, or the directory it links to). The host key and
other files of the data directory stay. Asks for confirmation on a terminal;
without one, --yes is required (exit 2 otherwise).`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cl, err := cfg.cluster()
			if err != nil {
				return err
			}
			in, err := cl.Info()
			if err != nil {
				return err
			}
			if !yes {
				ok, err := confirm(cfg.env.stdin, c.ErrOrStderr(), phrase(c,
					"Delete the PostgreSQL cluster at %s (%s) and every clinic's data in it? [y/N] ", in.Dir, humanBytes(in.SizeBytes)))
				if err != nil {
					return err
				}
				if !ok {
					return cliFailure(func(c *i18n.CLI) string { return c.NotConfirmed }, nil)
				}
			}
			if err := cl.Destroy(c.Context()); err != nil {
				return err
			}
			return say(c, c.OutOrStdout(), "deleted %s (%s)", in.Dir, humanBytes(in.SizeBytes))
		},
	}
	cmd.Flags().BoolVar(&yes, "yes", false, "do not ask for confirmation")
	return cmd
}

// confirm asks a yes/no question on a terminal; without one it is a usage
// error (a script must say --yes).
func confirm(stdin io.Reader, prompt io.Writer, question string) (bool, error) {
	f, ok := stdin.(*os.File)
	if !ok || !term.IsTerminal(f.Fd()) {
		return false, usagef("no terminal to confirm on: pass --yes")
	}
	fmt.Fprint(prompt, question)
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return false, fmt.Errorf("read answer: %w", err)
	}
	a := strings.ToLower(strings.TrimSpace(line))
	return a == "y" || a == "yes" || a == "s" || a == "si" || a == "sí", nil
}

func newDBWALArchiveCmd(cfg *config) *cobra.Command {
	var off bool
	cmd := &cobra.Command{
		Use:   "wal-archive [DIR]",
		Short: "Archive the private cluster's WAL into DIR (for restore --to), or stop with --off",
		Long: `Turn on continuous WAL archiving into DIR: every finished WAL segment of
the private cluster is copied there, so that a backup can be rolled forward
to any moment after it (consultorio restore --to). The setting stays in the
cluster; turning it on or off restarts PostgreSQL (a few seconds).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, a []string) error {
			if off == (len(a) == 1) {
				return usagef("db wal-archive: give DIR or --off")
			}
			if cfg.databaseURL != "" {
				return usagef("db wal-archive: DATABASE_URL is set; configure archiving on that server")
			}
			cl, err := cfg.cluster()
			if err != nil {
				return err
			}
			dir := ""
			if !off {
				dir = a[0]
			}
			if err := cl.SetWALArchive(c.Context(), dir); err != nil {
				return err
			}
			if dir, err = cl.WALArchive(c.Context()); err != nil {
				return err
			}
			if dir == "" {
				return say(c, c.OutOrStdout(), "WAL archiving off")
			}
			return say(c, c.OutOrStdout(), "WAL archived into %s", dir)
		},
	}
	cmd.Flags().BoolVar(&off, "off", false, "stop archiving")
	return cmd
}
