package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/spf13/cobra"

	"consultorio/store"
	"consultorio/tui/i18n"
)

type migrateFlags struct {
	shared  bool
	tenants bool
	schema  string
	jobs    int
	json    bool
	spares  int // pool size to top up to after migrating every tenant (0: none)
}

func newMigrateCmd(cfg *config) *cobra.Command {
	var f migrateFlags
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply pending migrations: the shared (public) schema, then every tenant schema in parallel",
		Long: `Apply the migrations embedded in this binary.

Without flags: the shared schema, then every tenant schema (--jobs at a time).
A tenant that fails is reported and the others go on; the exit status is 1
when anything failed. A run with nothing to do reads every tenant's version
in one query and touches nothing else.`,
		Example: `  consultorio migrate
  consultorio migrate --tenants --jobs 8
  consultorio migrate --schema consultorio-medico`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if f.jobs < 1 {
				return usagef("migrate: --jobs must be at least 1")
			}
			if err := checkSpares("migrate", f.spares); err != nil {
				return err
			}
			if !f.shared && !f.tenants && f.schema == "" {
				f.shared, f.tenants = true, true
			}
			if f.schema != "" {
				f.tenants = true
			}
			return runMigrate(c, cfg, f, c.OutOrStdout(), c.ErrOrStderr())
		},
	}
	cmd.Flags().BoolVar(&f.shared, "shared", false, "migrate the shared (public) schema")
	cmd.Flags().BoolVar(&f.tenants, "tenants", false, "migrate every tenant schema")
	cmd.Flags().StringVar(&f.schema, "schema", "", "migrate only this tenant schema")
	cmd.Flags().IntVar(&f.jobs, "jobs", 4, "tenants migrated in parallel")
	cmd.Flags().BoolVar(&f.json, "json", false, "print the summary as JSON")
	sparesFlag(cmd, &f.spares)
	return cmd
}

// migrateSummary is what a run did; it is also the --json output.
type migrateSummary struct {
	Public  *publicSummary  `json:"public,omitempty"`
	Tenants *tenantsSummary `json:"tenants,omitempty"`
	Spares  *sparesSummary  `json:"spares,omitempty"`
}

type publicSummary struct {
	Applied int `json:"applied"`
	Version int `json:"version"`
	// A failure: the migration that failed (0: none ran) and what the
	// operator reads of it (never PostgreSQL's text: that is in the log).
	Migration int `json:"migration,omitempty"`
	incident
}

type tenantsSummary struct {
	LatestVersion int             `json:"latest_version"`
	Total         int             `json:"total"`
	Migrated      []string        `json:"migrated"`
	UpToDate      int             `json:"up_to_date"`
	Failed        []tenantFailure `json:"failed"`
	Seconds       float64         `json:"seconds"`
}

// tenantFailure is a schema that failed to migrate: it stays at Version;
// Migration is the migration PostgreSQL refused (0: none ran). Error is
// in English, without internal text: that is in the log under Ref.
type tenantFailure struct {
	Schema    string `json:"schema"`
	Version   int    `json:"version"`
	Migration int    `json:"migration,omitempty"`
	incident
}

// migrationFailure is what the operator reads of r, a schema that failed
// to migrate; the full error goes to cfg's log under msg (incident).
func (cfg *config) migrationFailure(r store.TenantMigrationResult, msg string) tenantFailure {
	tf := tenantFailure{Schema: r.Schema, Version: r.From, Migration: failedMigration(r.Err)}
	tf.incident = cfg.incident(r.Err, msg, "schema", r.Schema, "version", r.From, "migration", tf.Migration)
	return tf
}

// runMigrate migrates as f says and writes the summary to stdout, in c's
// language (or --json), the progress to stderr.
func runMigrate(c *cobra.Command, cfg *config, f migrateFlags, stdout, stderr io.Writer) error {
	ctx := c.Context()
	// One owner connection from start to end (the roles, the shared schema,
	// every tenant's version), and the workers' pool when tenants are
	// pending.
	db, err := cfg.openRaw(ctx, int32(f.jobs)+1, func(o *store.Options) { o.OwnerSession = true })
	if err != nil {
		return err
	}
	defer db.Close()

	var sum migrateSummary
	var failure error
	if f.shared {
		ps := &publicSummary{}
		sum.Public = ps
		ps.Applied, err = db.MigratePublic(ctx)
		if err != nil {
			ps.Migration = failedMigration(err)
			ps.incident = cfg.incident(err, "shared schema failed to migrate", "migration", ps.Migration)
			// Tenants are not migrated over a public schema in an unknown state.
			failure = err // words of its own (a newer binary's data...)
			if ps.Ref != "" {
				failure = cliFailure(func(c *i18n.CLI) string { return c.SharedFailed }, nil)
			}
		} else {
			ps.Version = db.LatestPublicVersion()
		}
	}
	if f.tenants && failure == nil {
		ts, ss, err := migrateTenants(c, cfg, db, f, stderr)
		if err != nil {
			failure = err
		} else {
			sum.Tenants = ts
			if n := len(ts.Failed); n > 0 {
				failure = cliFailure(func(c *i18n.CLI) string { return fmt.Sprintf(c.TenantsFailed, n, ts.Total) }, nil)
			}
			if ss != nil {
				sum.Spares = ss
				err := topUpAfterMigrate(ctx, cfg, db, f.spares, ss)
				if n := len(ss.Failed); n > 0 && failure == nil {
					failure = cliFailure(func(c *i18n.CLI) string { return fmt.Sprintf(c.SparesFailed, n, ss.Total) }, nil)
				}
				if err != nil && failure == nil {
					failure = err
				}
			}
		}
	}
	if f.json {
		if err := writeJSON(stdout, sum); err != nil {
			return err
		}
	} else if err := printMigrateSummary(c, stdout, sum); err != nil {
		return err
	}
	return failure
}

// migrateTenants migrates the tenant schemas (one with --schema) and, in a
// run over all of them, the spare schemas of the pool too: a clinic made
// from a spare must be born at the latest version. Spares are summarised
// apart (nil with --schema). The progress goes to stderr in c's language.
func migrateTenants(c *cobra.Command, cfg *config, db *store.DB, f migrateFlags, stderr io.Writer) (*tenantsSummary, *sparesSummary, error) {
	ctx := c.Context()
	start := time.Now()
	var tvs []store.TenantVersion
	if f.schema != "" {
		tv, err := db.TenantVersionOf(ctx, f.schema)
		if errors.Is(err, store.ErrNoSuchTenant) {
			return nil, nil, &store.NotFoundError{What: store.EntityClinic, ID: f.schema}
		}
		if err != nil {
			return nil, nil, explainMissingPublic(err)
		}
		tv.Spare = false // named explicitly: counted as the one schema asked for
		tvs = []store.TenantVersion{tv}
	} else {
		var err error
		if tvs, err = db.TenantVersions(ctx); err != nil {
			return nil, nil, explainMissingPublic(err)
		}
	}
	latest := db.LatestTenantVersion()
	ts := &tenantsSummary{LatestVersion: latest, Migrated: []string{}, Failed: []tenantFailure{}}
	var ss *sparesSummary
	if f.schema == "" {
		ss = &sparesSummary{Failed: []tenantFailure{}}
	}
	var pending []store.TenantVersion
	for _, tv := range tvs {
		if tv.Spare {
			ss.Total++
		} else {
			ts.Total++
		}
		switch {
		case tv.Version < latest:
			pending = append(pending, tv)
		case !tv.Spare:
			ts.UpToDate++
		}
	}
	if len(pending) > 0 {
		p := newProgress(c, stderr, "migrating tenants")
		results := db.MigrateTenants(ctx, pending, f.jobs, func(done, total int, r store.TenantMigrationResult) {
			if r.Err != nil {
				p.failed++
			}
			p.update(done, total)
		})
		p.finish()
		for i, r := range results {
			if pending[i].Spare {
				if r.Err != nil {
					ss.Failed = append(ss.Failed, cfg.migrationFailure(r, "spare schema failed to migrate"))
				} else if r.Applied > 0 {
					ss.Migrated++
				}
				continue
			}
			switch {
			case r.Err != nil:
				ts.Failed = append(ts.Failed, cfg.migrationFailure(r, "tenant failed to migrate"))
			case r.Applied > 0:
				ts.Migrated = append(ts.Migrated, r.Schema)
			default:
				// Another run migrated it in the meantime.
				ts.UpToDate++
			}
		}
		sort.Slice(ts.Failed, func(i, j int) bool { return ts.Failed[i].Schema < ts.Failed[j].Schema })
	}
	ts.Seconds = time.Since(start).Seconds()
	return ts, ss, nil
}

// explainMissingPublic turns "relation does not exist" on the public tables
// into advice.
func explainMissingPublic(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "42P01" {
		return cliFailure(func(c *i18n.CLI) string { return c.SharedMissing }, err)
	}
	return err
}

// printMigrateSummary writes what a run did in the operator's language.
// A failure names the schema and the migration; PostgreSQL's error, by
// which the operator fixes the schema, is in the log under the reference
// the line quotes (incident).
func printMigrateSummary(c *cobra.Command, w io.Writer, sum migrateSummary) error {
	if ps := sum.Public; ps != nil {
		var err error
		switch {
		case ps.Error != "" && ps.Migration > 0:
			err = say(c, w, "shared schema: FAILED: migration %d: %s", ps.Migration, oneLine(ps.shown))
		case ps.Error != "":
			err = say(c, w, "shared schema: FAILED: %s", oneLine(ps.shown))
		case ps.Applied == 0:
			err = say(c, w, "shared schema: up to date (version %d)", ps.Version)
		default:
			err = say(c, w, "shared schema: %s, now at version %d",
				count(c, ps.Applied, "1 migration applied", "%d migrations applied"), ps.Version)
		}
		if err != nil {
			return err
		}
	}
	if ts := sum.Tenants; ts != nil {
		took := time.Duration(ts.Seconds * float64(time.Second)).Round(time.Millisecond)
		if err := say(c, w, "tenants: %s, %s, %d up to date, %s (latest version %d, %s)",
			count(c, ts.Total, "1 schema", "%d schemas"), count(c, len(ts.Migrated), "1 migrated", "%d migrated"),
			ts.UpToDate, count(c, len(ts.Failed), "1 failed", "%d failed"), ts.LatestVersion, took); err != nil {
			return err
		}
		if err := sayFailures(c, w, ts.Failed); err != nil {
			return err
		}
	}
	if sum.Spares != nil {
		return printSparesSummary(c, w, sum.Spares)
	}
	return nil
}

// sayFailures writes one line per schema that failed to migrate.
func sayFailures(c *cobra.Command, w io.Writer, failed []tenantFailure) error {
	for _, fl := range failed {
		var err error
		if fl.Migration > 0 {
			err = say(c, w, "  failed: %s (version %d): migration %d: %s", fl.Schema, fl.Version, fl.Migration, oneLine(fl.shown))
		} else {
			err = say(c, w, "  failed: %s (version %d): %s", fl.Schema, fl.Version, oneLine(fl.shown))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// progress shows how far a long run is. On a terminal it is one line that
// updates in place; elsewhere (logs, pipes) it prints a plain line now and
// then, never a carriage return.
type progress struct {
	mu       sync.Mutex
	c        *cobra.Command // whose language it speaks
	w        io.Writer
	label    string
	tty      bool
	failed   int
	last     time.Time
	shown    bool
	done     int
	total    int
	interval time.Duration
}

// newProgress counts on w under label (English, a key of the catalogue),
// in c's language.
func newProgress(c *cobra.Command, w io.Writer, label string) *progress {
	p := &progress{c: c, w: w, label: phrase(c, label), last: time.Now(), interval: 5 * time.Second}
	if f, ok := w.(*os.File); ok && term.IsTerminal(f.Fd()) {
		p.tty, p.interval = true, 100*time.Millisecond
	}
	return p
}

// update is called after each item; it writes at most once per interval.
func (p *progress) update(done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done, p.total = done, total
	if time.Since(p.last) < p.interval && done < total {
		return
	}
	p.last = time.Now()
	p.write()
}

func (p *progress) write() {
	line := fmt.Sprintf("%s: %d/%d (%s)", p.label, p.done, p.total, count(p.c, p.failed, "1 failed", "%d failed"))
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		p.shown = true
	} else if p.done < p.total {
		// The final count is in the summary; only intermediate lines here.
		fmt.Fprintln(p.w, line)
	}
}

// finish ends the updating line on a terminal.
func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty && p.shown {
		fmt.Fprintln(p.w)
	}
}
