package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"consultorio/store"
	"consultorio/tui/i18n"
)

// migrateOnStart brings every tenant schema up to this binary's migrations
// before serving: a newer binary on an older data directory upgrades it on
// start (the public schema is migrated by cfg.open). When nothing is pending
// it costs one query. A tenant that fails stops the start: serving it would
// fail its clinic's screens in ways nobody could explain. What it did goes
// to c's stderr, in c's language.
func migrateOnStart(c *cobra.Command, cfg *config, db *store.DB) error {
	ctx, stderr := c.Context(), c.ErrOrStderr()
	ts, ss, err := migrateTenants(c, cfg, db, migrateFlags{jobs: 4}, stderr)
	if err != nil {
		return err
	}
	if len(ts.Migrated) > 0 || len(ts.Failed) > 0 || (ss != nil && (ss.Migrated > 0 || len(ss.Failed) > 0)) {
		if err := printMigrateSummary(c, stderr, migrateSummary{Tenants: ts, Spares: ss}); err != nil {
			return err
		}
	}
	if n := len(ts.Failed); n > 0 {
		return cliFailure(func(c *i18n.CLI) string { return fmt.Sprintf(c.UpgradeFailed, n, ts.Total) }, nil)
	}
	// Secrets written in clear by a version before sealing: seal them now,
	// not only when their owner next logs in.
	n, err := db.SealSecondFactorSecrets(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		return say(c, stderr, "sealed the second-factor secrets of %s", count(c, n, "1 account", "%d accounts"))
	}
	return nil
}

// serveWALArchive turns on WAL archiving of the private cluster for serve
// --wal-archive (the setting stays, as with db wal-archive).
func serveWALArchive(ctx context.Context, cfg *config, dir string) error {
	if dir == "" {
		return nil
	}
	if cfg.databaseURL != "" {
		return usagef("serve --wal-archive: DATABASE_URL is set; configure archiving on that server")
	}
	cl, err := cfg.cluster()
	if err != nil {
		return err
	}
	return cl.SetWALArchive(ctx, dir)
}
