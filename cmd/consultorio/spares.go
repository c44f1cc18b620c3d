package main

import (
	"context"
	"io"

	"github.com/spf13/cobra"

	"consultorio/store"
	"consultorio/tui/i18n"
)

// The pool of spare schemas (store.TopUpSpares) is kept topped up by the
// commands that use it up or change it: `tenants create` (a creation takes a
// spare) and `migrate` (after migrating, so the new spares are built at the
// latest version). The server tops it up in the background.

// sparesFlag adds --spares N (default store.DefaultSpares) to cmd.
func sparesFlag(cmd *cobra.Command, n *int) {
	cmd.Flags().IntVar(n, "spares", store.DefaultSpares,
		"spare schemas to keep ready for fast clinic creation (0: do not top up the pool)")
}

// checkSpares refuses a negative --spares.
func checkSpares(command string, n int) error {
	if n < 0 {
		return usagef("%s: --spares must not be negative", command)
	}
	return nil
}

// topUpAfterCreate tops the pool back up after c created a clinic. The
// clinic exists whatever happens here, so a failure is a warning on c's
// stderr (its full error in the log: incident), not an exit status.
func topUpAfterCreate(c *cobra.Command, cfg *config, db *store.DB, want int) {
	if want <= 0 {
		return
	}
	if _, err := db.TopUpSpares(c.Context(), want); err != nil {
		in := cfg.incident(err, "spare schemas not topped up")
		_ = say(c, c.ErrOrStderr(), "warning: the clinic was created, but the spare schemas could not be topped up: %s", oneLine(in.shown))
	}
}

// sparesSummary is what migrate did to the pool (also in its --json output).
type sparesSummary struct {
	Total    int             `json:"total"`
	Migrated int             `json:"migrated"`
	Failed   []tenantFailure `json:"failed"`
	Built    int             `json:"built"`
	Ready    int             `json:"ready"`
	// The top-up's failure (incident).
	incident
}

// topUpAfterMigrate builds the spares missing after a migrate run. A
// failure is summarised in ss; the error returned is it when it has words
// of its own, else (logged) one that says so in the operator's words.
func topUpAfterMigrate(ctx context.Context, cfg *config, db *store.DB, want int, ss *sparesSummary) error {
	var err error
	if want > 0 {
		ss.Built, err = db.TopUpSpares(ctx, want)
	}
	if n, cerr := db.SpareCount(ctx); cerr == nil {
		ss.Ready = n
	} else if err == nil {
		err = cerr
	}
	if err != nil {
		ss.incident = cfg.incident(err, "spare schemas not topped up")
		if ss.Ref == "" {
			return err // words of its own (the disk is full...)
		}
		return cliFailure(func(c *i18n.CLI) string { return c.TopUpFailed }, nil)
	}
	return nil
}

// printSparesSummary writes what migrate did to the pool in the operator's
// language.
func printSparesSummary(c *cobra.Command, w io.Writer, ss *sparesSummary) error {
	if err := say(c, w, "spare schemas: %s (%s, %s, %s)", count(c, ss.Ready, "1 ready", "%d ready"),
		count(c, ss.Migrated, "1 migrated", "%d migrated"), count(c, ss.Built, "1 built", "%d built"),
		count(c, len(ss.Failed), "1 failed", "%d failed")); err != nil {
		return err
	}
	if err := sayFailures(c, w, ss.Failed); err != nil {
		return err
	}
	if ss.Error != "" {
		return say(c, w, "  top-up FAILED: %s", oneLine(ss.shown))
	}
	return nil
}
