package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"consultorio/server/cmd"
	"consultorio/store"
	"consultorio/tui/i18n"
)

// newTenantsCmd is `consultorio tenants`: the same commands as the panel's
// `ssh panel@host tenants` (server/cmd.TenantsCmd), run against a database
// opened for the run and acting as the CLI, plus purge, which only the
// machine's administrator may run.
func newTenantsCmd(cfg *config) *cobra.Command {
	var spares int
	tenants := cmd.TenantsCmd(cmd.TenantAdmin{
		Open: func(ctx context.Context) (*store.DB, func(), error) {
			db, err := cfg.open(ctx)
			if err != nil {
				return nil, nil, err
			}
			return db, db.Close, nil
		},
		Actor:   store.CLI,
		SSHLine: cfg.sshLine,
		ReadKey: func(stdin io.Reader, path string) (string, error) {
			return cfg.readKeyFile(stdin, path, "tenants create: --admin-key")
		},
		CreateFlags: func(f *pflag.FlagSet) {
			cmd.CountVar(f, &spares, "spares", store.DefaultSpares, 0,
				"spare schemas to keep ready for fast clinic creation (0: do not top up the pool)")
		},
		AfterCreate: func(c *cobra.Command, db *store.DB) { topUpAfterCreate(c, cfg, db, spares) },
		ReadMoney: func(s string) (decimal.Decimal, error) {
			return i18n.NewLocale(cfg.lang, "", nil).ReadMoney(s)
		},
		JSONFlag: true,
		Lang:     cfg.lang,
	})
	tenants.AddCommand(newTenantsPurgeCmd(cfg))
	return tenants
}

// requireFlags refuses a call that lacks required flags (exit 2). Cobra's own
// check would be a plain failure.
func requireFlags(c *cobra.Command, names ...string) error {
	var missing []string
	for _, n := range names {
		if !c.Flags().Changed(n) {
			missing = append(missing, "--"+n)
		}
	}
	if len(missing) > 0 {
		return usagef("%s: missing %s (see --help)", c.CommandPath(), strings.Join(missing, ", "))
	}
	return nil
}

func newTenantsPurgeCmd(cfg *config) *cobra.Command {
	var (
		older string
		yes   bool
	)
	purge := &cobra.Command{
		Use:   "purge --older-than DURATION --yes",
		Short: "Drop for good the clinics archived at least DURATION ago (e.g. 30d, 720h)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := requireFlags(c, "older-than"); err != nil {
				return err
			}
			d, ok := parseAge(older)
			if !ok {
				return usagef("tenants purge: --older-than: %q is not a duration like 30d or 12h", older)
			}
			if !yes {
				return usagef("tenants purge: this drops the data of clinics archived more than %s ago for good; repeat with --yes to confirm", older)
			}
			db, err := cfg.open(c.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			purged, err := db.PurgeArchivedTenants(c.Context(), store.CLI, d)
			if purged == nil {
				purged = []string{}
			}
			if cmd.WantJSON(c) {
				if werr := writeJSON(c.OutOrStdout(), purged); werr != nil {
					return werr
				}
			} else {
				for _, s := range purged {
					_ = say(c, c.OutOrStdout(), "purged %s", s)
				}
				if len(purged) == 1 {
					_ = say(c, c.OutOrStdout(), "1 clinic purged.")
				} else {
					_ = say(c, c.OutOrStdout(), "%d clinics purged.", len(purged))
				}
			}
			if err != nil {
				return fmt.Errorf("tenants purge: %w", err)
			}
			return nil
		},
	}
	purge.Flags().StringVar(&older, "older-than", "", "archived at least this long ago: 30d, 12h, 90m (required)")
	purge.Flags().BoolVar(&yes, "yes", false, "confirm")
	return purge
}

// parseAge reads a duration that may also be given in days ("30d"); ok
// is false for anything else, and for a negative one.
func parseAge(s string) (d time.Duration, ok bool) {
	s = strings.TrimSpace(s)
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		return time.Duration(days) * 24 * time.Hour, err == nil && days >= 0
	}
	d, err := time.ParseDuration(s)
	return d, err == nil && d >= 0
}

// readKeyFile reads one OpenSSH public key from a file ("-": stdin) named
// by a flag (the command and the flag, for the usage error). The
// operator reads what is wrong in their words, never the system's: a
// failure other than a missing or forbidden file is in the log (incident).
func (cfg *config) readKeyFile(stdin io.Reader, path, flag string) (string, error) {
	var b []byte
	var err error
	if path == "-" {
		b, err = io.ReadAll(io.LimitReader(stdin, 64<<10))
	} else {
		b, err = os.ReadFile(path)
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", usagef("%s: there is no file %s", flag, path)
	case errors.Is(err, fs.ErrPermission):
		return "", usagef("%s: %s may not be read (permission denied)", flag, path)
	case err != nil:
		return "", usagef("%s: %s could not be read: %s", flag, path, cfg.incident(err, "read a key file", "path", path).shown)
	}
	line := strings.TrimSpace(string(b))
	if _, _, _, err := store.ParsePublicKey(line); err != nil {
		return "", usagef("%s: %s is not an OpenSSH public key (a .pub file)", flag, path)
	}
	return line, nil
}
