package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"consultorio/store"
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

// topUpAfterCreate tops the pool back up after a clinic was created. The
// clinic exists whatever happens here, so a failure is a warning, not an
// exit status.
func topUpAfterCreate(ctx context.Context, db *store.DB, want int, stderr io.Writer) {
	if want <= 0 {
		return
	}
	if _, err := db.TopUpSpares(ctx, want); err != nil {
		fmt.Fprintf(stderr, "warning: the clinic was created, but %v\n", oneLine(err.Error()))
	}
}

// sparesSummary is what migrate did to the pool (also in its --json output).
type sparesSummary struct {
	Total    int             `json:"total"`
	Migrated int             `json:"migrated"`
	Failed   []tenantFailure `json:"failed"`
	Built    int             `json:"built"`
	Ready    int             `json:"ready"`
	Error    string          `json:"error,omitempty"`
}

// topUpAfterMigrate builds the spares missing after a migrate run.
func topUpAfterMigrate(ctx context.Context, db *store.DB, want int, ss *sparesSummary) error {
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
		ss.Error = err.Error()
	}
	return err
}

func printSparesSummary(w io.Writer, ss *sparesSummary) {
	fmt.Fprintf(w, "spare schemas: %d ready (%d migrated, %d built, %d failed)\n", ss.Ready, ss.Migrated, ss.Built, len(ss.Failed))
	for _, fl := range ss.Failed {
		fmt.Fprintf(w, "  failed: %s: %s\n", fl.Schema, oneLine(fl.Error))
	}
	if ss.Error != "" {
		fmt.Fprintf(w, "  top-up FAILED: %s\n", oneLine(ss.Error))
	}
}
