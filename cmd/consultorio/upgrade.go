package main

import (
	"context"
	"fmt"
	"io"

	"consultorio/store"
	"consultorio/tui/i18n"
)

// migrateOnStart brings every tenant schema up to this binary's migrations
// before serving: a newer binary on an older data directory upgrades it on
// start (the public schema is migrated by cfg.open). When nothing is pending
// it costs one query. A tenant that fails stops the start: serving it would
// fail its clinic's screens in ways nobody could explain.
func migrateOnStart(ctx context.Context, db *store.DB, stderr io.Writer) error {
	ts, ss, err := migrateTenants(ctx, db, migrateFlags{jobs: 4}, stderr)
	if err != nil {
		return err
	}
	if len(ts.Migrated) > 0 || len(ts.Failed) > 0 || (ss != nil && (ss.Migrated > 0 || len(ss.Failed) > 0)) {
		printMigrateSummary(stderr, migrateSummary{Tenants: ts, Spares: ss})
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
		fmt.Fprintf(stderr, "sealed the second-factor secrets of %d accounts\n", n)
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
