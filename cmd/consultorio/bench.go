package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spf13/cobra"

	"consultorio/migrations"
	"consultorio/store"
	"consultorio/tui/i18n"
)

// The bench commands produce the numbers in docs/BENCHMARKS.md. They are
// hidden: they fill a database with throwaway clinics named bench-NNNNN and
// refuse to run on a database that holds any other clinic.

const benchPrefix = "bench-"

func newBenchCmd(cfg *config) *cobra.Command {
	cmd := group(&cobra.Command{
		Use:    "bench",
		Short:  "Benchmarks on a scratch database: provision, migrate, clean",
		Hidden: true,
	})
	cmd.AddCommand(newBenchProvisionCmd(cfg), newBenchMigrateCmd(cfg), newBenchCatalogCmd(cfg), newBenchCleanCmd(cfg))
	return cmd
}

// benchDB opens the database and checks it holds only bench clinics.
func benchDB(ctx context.Context, cfg *config, maxConns int32) (*store.DB, error) {
	db, err := cfg.open(ctx)
	if err != nil {
		return nil, err
	}
	db.Close()
	if db, err = cfg.openRaw(ctx, maxConns); err != nil {
		return nil, err
	}
	var other string
	err = db.Pool().QueryRow(ctx, `select schema_name from public.tenants where schema_name not like $1 || '%' limit 1`, benchPrefix).Scan(&other)
	if err == nil {
		db.Close()
		return nil, cliFailure(func(c *i18n.CLI) string { return fmt.Sprintf(c.ScratchOnly, other) }, nil)
	}
	if err != pgx.ErrNoRows {
		db.Close()
		return nil, err
	}
	return db, nil
}

func newBenchProvisionCmd(cfg *config) *cobra.Command {
	var count, spares, jobs int
	cmd := &cobra.Command{
		Use:   "provision --count N [--spares N] [--jobs N]",
		Short: "Provision N clinics one after another and report the time per clinic",
		Long: `Provision --count clinics one after another and report the time of
CreateTenant per clinic. With --spares N the pool of spare schemas is topped
up to N before the first creation and again after each one, outside the
timed call, as the server does in the background: creations take a spare.
With --spares 0 (the default) every creation builds its schema. With
--jobs N, N creations run at a time (the time per clinic is then each
creation's own, the rate the total's).`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if count < 1 {
				return usagef("bench provision: --count must be at least 1")
			}
			if spares < 0 {
				return usagef("bench provision: --spares must not be negative")
			}
			if jobs < 1 {
				return usagef("bench provision: --jobs must be at least 1")
			}
			ctx := c.Context()
			db, err := benchDB(ctx, cfg, 4)
			if err != nil {
				return err
			}
			defer db.Close()
			var first int
			if err := db.Pool().QueryRow(ctx, `select count(*) from public.tenants`).Scan(&first); err != nil {
				return err
			}
			out := c.OutOrStdout()
			p := newProgress(c, c.ErrOrStderr(), "provisioning")
			durs := make([]time.Duration, 0, count)
			var topUps []time.Duration
			fromSpare := 0
			var topUpMu sync.Mutex
			topUp := func() error {
				if spares == 0 {
					return nil
				}
				t0 := time.Now()
				if _, err := db.TopUpSpares(ctx, spares); err != nil {
					return fmt.Errorf("bench provision: %w", err)
				}
				topUpMu.Lock()
				topUps = append(topUps, time.Since(t0))
				topUpMu.Unlock()
				return nil
			}
			if err := topUp(); err != nil {
				return err
			}
			start := time.Now()
			// --jobs creations at a time, each on its own owner connection
			// (as concurrent operators would); the clinics are numbered in
			// the order they are handed out.
			var (
				mu       sync.Mutex
				done     int
				firstErr error
			)
			work := make(chan int)
			var wg sync.WaitGroup
			for range jobs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range work {
						schema := fmt.Sprintf("%s%05d", benchPrefix, first+i+1)
						t0 := time.Now()
						pr, err := db.CreateTenant(ctx, store.CLI, store.NewTenant{
							Schema: schema, Name: "Bench " + schema, AdminEmail: "admin@" + schema + ".test",
							Domains: []string{schema + ".bench.test"},
						})
						d := time.Since(t0)
						if err == nil {
							err = topUp()
						}
						mu.Lock()
						if err != nil && firstErr == nil {
							firstErr = fmt.Errorf("bench provision %s: %w", schema, err)
						}
						if err == nil {
							durs = append(durs, d)
							if pr.FromSpare {
								fromSpare++
							}
							done++
							p.update(done, count)
						}
						mu.Unlock()
					}
				}()
			}
			for i := range count {
				mu.Lock()
				failed := firstErr != nil
				mu.Unlock()
				if failed {
					break
				}
				work <- i
			}
			close(work)
			wg.Wait()
			if firstErr != nil {
				return firstErr
			}
			total := time.Since(start)
			p.finish()
			fmt.Fprintf(out, "provisioned %d clinics in %s, --jobs %d (%.2f per second; %d clinics in the database now)\n",
				count, total.Round(time.Millisecond), jobs, float64(count)/total.Seconds(), first+count)
			fmt.Fprintf(out, "per clinic: %s\n", stats(durs))
			fmt.Fprintf(out, "from a spare: %d of %d (pool of %d topped up between creations, untimed)\n", fromSpare, count, spares)
			if spares > 0 {
				fmt.Fprintf(out, "pool top-ups (the first one builds %d): %s\n", spares, stats(topUps))
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&count, "count", 100, "clinics to provision")
	cmd.Flags().IntVar(&spares, "spares", 0, "spare schemas to keep in the pool between creations (0: build every schema)")
	cmd.Flags().IntVar(&jobs, "jobs", 1, "creations at a time")
	return cmd
}

func newBenchMigrateCmd(cfg *config) *cobra.Command {
	var (
		repeat int
		jobs   int
		stmt   string
		revert string
	)
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Time a no-op migrate over every clinic, then a one-statement migration",
		Long: `Time "consultorio migrate" (shared schema and every tenant) when nothing
is pending, --repeat times; then add one tenant migration holding --statement
(not embedded: it exists only for this run) and time migrating every clinic
with --jobs workers. Then, untimed, --revert undoes it in every schema it
reached, which goes back to the embedded version: the database is left as
it was, for the next run and for this binary (--revert '' leaves it at the
bench version: provision a fresh scratch database then). With
--statement '' only the no-op runs are timed.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if repeat < 1 || jobs < 1 {
				return usagef("bench migrate: --repeat and --jobs must be at least 1")
			}
			ctx := c.Context()
			db, err := benchDB(ctx, cfg, 2)
			if err != nil {
				return err
			}
			tvs, err := db.TenantVersions(ctx)
			db.Close()
			if err != nil {
				return err
			}
			out := c.OutOrStdout()
			clinics := 0
			for _, tv := range tvs {
				if !tv.Spare {
					clinics++
				}
			}
			fmt.Fprintf(out, "%d clinics\n", clinics)
			if n := len(tvs) - clinics; n > 0 {
				fmt.Fprintf(out, "%d spare schemas (migrated too)\n", n)
			}

			noop := migrateFlags{shared: true, tenants: true, jobs: jobs}
			var durs []time.Duration
			for range repeat {
				t0 := time.Now()
				if err := runMigrate(c, cfg, noop, io.Discard, io.Discard); err != nil {
					return err
				}
				durs = append(durs, time.Since(t0))
			}
			fmt.Fprintf(out, "no-op migrate (connect, shared schema, every clinic's version), %d runs: %s\n", repeat, stats(durs))
			if stmt == "" {
				return nil
			}

			ms := store.EmbeddedMigrations()
			next := ms.Tenant[len(ms.Tenant)-1].Version + 1
			ms.Tenant = append(ms.Tenant, migrations.Migration{Version: next, Name: fmt.Sprintf("%04d_bench.sql", next), SQL: stmt})
			withExtra := *cfg
			withExtra.env.storeOpts.Migrations = ms
			var sum strings.Builder
			t0 := time.Now()
			err = runMigrate(c, &withExtra, migrateFlags{tenants: true, jobs: jobs, json: false}, &sum, io.Discard)
			d := time.Since(t0)
			fmt.Fprint(out, sum.String())
			if err == nil {
				fmt.Fprintf(out, "one-statement migration (%s) over %d schemas, --jobs %d: %s total, %s per schema\n",
					stmt, len(tvs), jobs, d.Round(time.Millisecond), (d / time.Duration(max(len(tvs), 1))).Round(10*time.Microsecond))
			}
			if revert == "" {
				return err
			}
			t1 := time.Now()
			n, rerr := benchRevert(ctx, cfg, next, revert, jobs)
			fmt.Fprintf(out, "reverted (%s) in %d schemas back to version %d, untimed above: %s\n",
				revert, n, next-1, time.Since(t1).Round(time.Millisecond))
			if err != nil {
				return err
			}
			return rerr
		},
	}
	cmd.Flags().IntVar(&repeat, "repeat", 5, "no-op runs to time")
	cmd.Flags().IntVar(&jobs, "jobs", 4, "tenants migrated in parallel")
	cmd.Flags().StringVar(&stmt, "statement", "ALTER TABLE patients ADD COLUMN referral_source text NOT NULL DEFAULT ''", "the migration's one statement ('': time the no-op runs only)")
	cmd.Flags().StringVar(&revert, "revert", "ALTER TABLE patients DROP COLUMN referral_source",
		"statement that undoes --statement, run afterwards in every schema it reached, which goes back to the embedded version ('': leave them at the bench version)")
	return cmd
}

// benchRevert undoes the bench migration (version v) with stmt in every
// schema at that version and puts it back at v-1, so the scratch database
// stays usable by this binary and the next bench run; batches of 100
// schemas per transaction, jobs at a time. It returns how many it reverted.
func benchRevert(ctx context.Context, cfg *config, v int, stmt string, jobs int) (int, error) {
	u, err := cfg.url(ctx)
	if err != nil {
		return 0, err
	}
	pc, err := pgxpool.ParseConfig(u)
	if err != nil {
		return 0, err
	}
	pc.MaxConns = int32(jobs)
	pc.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeExec // DDL, one statement per message
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return 0, err
	}
	defer pool.Close()
	rows, err := pool.Query(ctx, `select schema_name from public.schema_versions where version = $1 and schema_name <> 'public' order by 1`, v)
	if err != nil {
		return 0, err
	}
	schemas, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return 0, err
	}
	work := make(chan []string)
	var mu sync.Mutex
	var firstErr error
	done := 0
	var wg sync.WaitGroup
	for range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for chunk := range work {
				err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
					var b pgx.Batch
					for _, s := range chunk {
						b.Queue(`select set_config('search_path', $1, true)`, pgx.Identifier{s}.Sanitize()+", public")
						b.Queue(stmt)
						b.Queue(`update public.schema_versions set version = $2 where schema_name = $1 and version = $3`, s, v-1, v)
					}
					return tx.SendBatch(ctx, &b).Close()
				})
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("bench revert: %w", err)
				} else if err == nil {
					done += len(chunk)
				}
				mu.Unlock()
			}
		}()
	}
	for chunk := range slices.Chunk(schemas, 100) {
		work <- chunk
	}
	close(work)
	wg.Wait()
	return done, firstErr
}

func newBenchCleanCmd(cfg *config) *cobra.Command {
	return &cobra.Command{
		Use:   "clean",
		Short: "Drop every bench clinic: schema, role (roles outlive databases), rows",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			ctx := c.Context()
			db, err := benchDB(ctx, cfg, 2)
			if err != nil {
				return err
			}
			defer db.Close()
			// Dropping schemas and roles is the owner's job, not the
			// store's runtime roles'.
			u, err := cfg.url(ctx)
			if err != nil {
				return err
			}
			owner, err := pgxpool.New(ctx, u)
			if err != nil {
				return err
			}
			defer owner.Close()
			rows, err := owner.Query(ctx, `select schema_name, role_name from public.tenants
				union all select schema_name, role_name from public.spare_schemas`)
			if err != nil {
				return err
			}
			type tr struct{ schema, role string }
			all, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (tr, error) {
				var x tr
				return x, r.Scan(&x.schema, &x.role)
			})
			if err != nil {
				return err
			}
			// One transaction per clinic: dropping thousands of schemas at once
			// needs more locks than max_locks_per_transaction allows.
			for _, x := range all {
				err := pgx.BeginFunc(ctx, owner, func(tx pgx.Tx) error {
					s, r := pgx.Identifier{x.schema}.Sanitize(), pgx.Identifier{x.role}.Sanitize()
					_, err := tx.Exec(ctx, fmt.Sprintf(`DROP SCHEMA IF EXISTS %s CASCADE; DROP ROLE IF EXISTS %s;
						DELETE FROM public.schema_versions WHERE schema_name = '%s';`, s, r, strings.ReplaceAll(x.schema, "'", "''")))
					if err != nil {
						return err
					}
					if _, err = tx.Exec(ctx, `delete from public.tenants where schema_name = $1`, x.schema); err != nil {
						return err
					}
					_, err = tx.Exec(ctx, `delete from public.spare_schemas where schema_name = $1`, x.schema)
					return err
				})
				if err != nil {
					return fmt.Errorf("bench clean %s: %w", x.schema, err)
				}
			}
			if _, err := owner.Exec(ctx, `delete from public.operator_audit where actor = 'cli' and target like $1 || '%'`, benchPrefix); err != nil {
				return err
			}
			fmt.Fprintf(c.OutOrStdout(), "dropped %d bench clinics and spare schemas\n", len(all))
			return nil
		},
	}
}

func newBenchCatalogCmd(cfg *config) *cobra.Command {
	var touch int
	cmd := &cobra.Command{
		Use:   "catalog [--touch N]",
		Short: "Catalog size of the clinics, and a backend's memory per clinic it touches",
		Long: `Report what the clinics cost the database whatever their data: the
database's size, the catalog's (pg_catalog tables with their indexes), the
relations (pg_class rows) per clinic; then, on one new connection as the
owner, the backend's memory (pg_backend_memory_contexts, private memory:
mostly the catalog caches) before and after it reads every table of one
clinic, then of --touch clinics: what a backend that serves one clinic
costs, and what each further clinic adds to a backend that serves many.
Needs the owner to be a superuser (or hold pg_read_all_stats).`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if touch < 1 {
				return usagef("bench catalog: --touch must be at least 1")
			}
			ctx := c.Context()
			db, err := benchDB(ctx, cfg, 2)
			if err != nil {
				return err
			}
			db.Close()
			u, err := cfg.url(ctx)
			if err != nil {
				return err
			}
			conn, err := pgx.Connect(ctx, u)
			if err != nil {
				return err
			}
			defer conn.Close(context.WithoutCancel(ctx))
			out := c.OutOrStdout()
			var clinics, spares, relsAll, relsClinics int64
			var dbSize, catSize int64
			err = conn.QueryRow(ctx, `select (select count(*) from public.tenants),
				(select count(*) from public.spare_schemas),
				(select count(*) from pg_class),
				(select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace
					join public.tenants t on t.schema_name = n.nspname),
				pg_database_size(current_database()),
				(select sum(pg_total_relation_size(c.oid)) from pg_class c
					where c.relnamespace = 'pg_catalog'::regnamespace and c.relkind = 'r')::bigint`).
				Scan(&clinics, &spares, &relsAll, &relsClinics, &dbSize, &catSize)
			if err != nil {
				return err
			}
			if clinics == 0 {
				return usagef("bench catalog: no clinics in this database (bench provision first)")
			}
			mib := func(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
			fmt.Fprintf(out, "%d clinics, %d spare schemas\n", clinics, spares)
			fmt.Fprintf(out, "database size %s (%s per clinic)\n", mib(dbSize), mib(dbSize/clinics))
			fmt.Fprintf(out, "catalog (pg_catalog tables and indexes) %s (%s per clinic)\n", mib(catSize), mib(catSize/clinics))
			fmt.Fprintf(out, "pg_class rows %d, of them in clinic schemas %d (%d per clinic)\n", relsAll, relsClinics, relsClinics/clinics)

			rows, err := conn.Query(ctx, `select schema_name from public.tenants order by id limit $1`, touch)
			if err != nil {
				return err
			}
			schemas, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				return err
			}
			mem := func() (int64, error) {
				var b int64
				err := conn.QueryRow(ctx, `select sum(total_bytes)::bigint from pg_backend_memory_contexts`).Scan(&b)
				return b, err
			}
			readAll := func(schema string) error {
				rows, err := conn.Query(ctx, `select format('select * from %I.%I limit 0', schemaname, tablename)
					from pg_tables where schemaname = $1`, schema)
				if err != nil {
					return err
				}
				qs, err := pgx.CollectRows(rows, pgx.RowTo[string])
				if err != nil {
					return err
				}
				for _, q := range qs {
					if _, err := conn.Exec(ctx, q, pgx.QueryExecModeSimpleProtocol); err != nil {
						return fmt.Errorf("%s: %w", q, err)
					}
				}
				return nil
			}
			m0, err := mem()
			if err != nil {
				return fmt.Errorf("backend memory (the owner must be a superuser): %w", err)
			}
			if err := readAll(schemas[0]); err != nil {
				return err
			}
			m1, err := mem()
			if err != nil {
				return err
			}
			for _, s := range schemas[1:] {
				if err := readAll(s); err != nil {
					return err
				}
			}
			mN, err := mem()
			if err != nil {
				return err
			}
			kib := func(b int64) string { return fmt.Sprintf("%.0f KiB", float64(b)/1024) }
			fmt.Fprintf(out, "backend private memory: new %s; after reading every table of 1 clinic %s (+%s)\n", kib(m0), kib(m1), kib(m1-m0))
			if n := int64(len(schemas)); n > 1 {
				fmt.Fprintf(out, "after %d clinics %s: +%s per further clinic\n", n, kib(mN), kib((mN-m1)/(n-1)))
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&touch, "touch", 100, "clinics whose tables the measured backend reads")
	return cmd
}

// stats summarises durations: median, p95, p99, min, max, mean.
func stats(ds []time.Duration) string {
	if len(ds) == 0 {
		return "no samples"
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	pct := func(p float64) time.Duration {
		i := int(p*float64(len(s))+0.5) - 1
		return s[min(max(i, 0), len(s)-1)]
	}
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	r := func(d time.Duration) string { return d.Round(10 * time.Microsecond).String() }
	return fmt.Sprintf("median %s, p95 %s, p99 %s, min %s, max %s, mean %s (n=%d)",
		r(pct(0.5)), r(pct(0.95)), r(pct(0.99)), r(s[0]), r(s[len(s)-1]), r(sum/time.Duration(len(s))), len(s))
}
