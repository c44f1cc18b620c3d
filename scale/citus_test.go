//go:build scale

package scale

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"consultorio/migrations"
	"consultorio/store"
)

// distributed says whether Citus lists schema as a distributed schema, and
// how many of its tables are not distributed with it.
func distributed(t *testing.T, c *pgx.Conn, schema string) (bool, int) {
	t.Helper()
	ctx := context.Background()
	var listed bool
	var loose int
	err := c.QueryRow(ctx, `select exists(select 1 from citus_schemas where schema_name::text = $1),
		(select count(*)::int from pg_tables pt where pt.schemaname = $2 and not exists (
			select 1 from citus_tables ct where ct.table_name = format('%I.%I', pt.schemaname, pt.tablename)::regclass
			and ct.citus_table_type = 'schema'))`,
		pgx.Identifier{schema}.Sanitize(), schema).Scan(&listed, &loose)
	if err != nil {
		t.Fatalf("read citus_schemas: %v", err)
	}
	return listed, loose
}

// Provisioning, both ways (building the schema, claiming a spare), makes
// each clinic a distributed schema with every table in it; migrations run
// statement by statement on the coordinator, again as a no-op, and a new
// migration (a table, a function whose body holds ';') reaches a
// distributed schema. Not parallel: it counts on the spare it builds.
func TestCitusProvisioningDistributesEveryClinic(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, testClock())
	coord := owner(t, citusURL(t))

	if n, err := db.MigratePublic(ctx); err != nil || n != 0 {
		t.Fatalf("second MigratePublic = %d, %v; want 0 applied, no error", n, err)
	}
	if _, err := db.TopUpSpares(ctx, 1); err != nil {
		t.Fatalf("top up spares on Citus: %v", err)
	}
	var spares int
	if err := coord.QueryRow(ctx, `select count(*) from citus_schemas where schema_name::text like 'spare\_%'`).Scan(&spares); err != nil {
		t.Fatal(err)
	}
	if spares == 0 {
		t.Error("no spare schema is distributed: a clinic made from one would not be")
	}

	var fromSpare, built bool
	for i := range 3 {
		schema := uniqueSchema("prov")
		p, err := db.CreateTenant(ctx, store.CLI, store.NewTenant{Schema: schema, Name: "Clínica " + schema,
			AdminEmail: "admin@" + schema + ".test"})
		if err != nil {
			t.Fatalf("create tenant %d on Citus: %v", i, err)
		}
		fromSpare, built = fromSpare || p.FromSpare, built || !p.FromSpare
		if listed, loose := distributed(t, coord, schema); !listed || loose != 0 {
			t.Errorf("%s (from spare: %v): in citus_schemas %v, tables not distributed %d", schema, p.FromSpare, listed, loose)
		}
	}
	if !fromSpare || !built {
		t.Errorf("provisioning paths tried: from a spare %v, built %v; want both", fromSpare, built)
	}
	// A tenant migration with several statements, one of them a function
	// whose body holds ';', run on a distributed schema.
	c := newClinic(t, db, "mig")
	extra := store.EmbeddedMigrations()
	next := extra.Tenant[len(extra.Tenant)-1].Version + 1
	extra.Tenant = append(extra.Tenant, migrations.Migration{Version: next, Name: fmt.Sprintf("%04d_scale.sql", next), SQL: `
CREATE TABLE scale_probe (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text NOT NULL DEFAULT 'a;b');
ALTER TABLE patients ADD COLUMN scale_note text;
CREATE FUNCTION scale_probe_count() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    RETURN (SELECT count(*) FROM scale_probe);
END
$$;
`})
	db2, err := store.Open(ctx, citusURL(t), store.Options{Migrations: extra, Clock: testClock()})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	tv, err := db2.TenantVersionOf(ctx, c.schema)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := db2.MigrateTenant(ctx, tv); err != nil || n != 1 {
		t.Fatalf("migrate %s on Citus = %d, %v; want 1 applied", c.schema, n, err)
	}
	if listed, loose := distributed(t, coord, c.schema); !listed || loose != 0 {
		t.Errorf("after a migration adding a table: in citus_schemas %v, tables not distributed %d", listed, loose)
	}
	tv, _ = db2.TenantVersionOf(ctx, c.schema)
	if n, err := db2.MigrateTenant(ctx, tv); err != nil || n != 0 {
		t.Errorf("no-op migrate = %d, %v; want 0", n, err)
	}
}

// The booking exclusion constraints are enforced where the rows live: a
// session overlapping a booked one is refused through the coordinator and
// written straight into the shard on its worker, and of concurrent bookings
// of one slot exactly one wins.
func TestCitusBookingExclusionHoldsOnWorkers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openDB(t, testClock())
	c := newClinic(t, db, "excl")
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, lima) // a Monday
	booked, err := c.book(ctx, start)
	if err != nil {
		t.Fatalf("book on Citus: %v", err)
	}
	coord := owner(t, citusURL(t))
	var shard, node string
	var port int
	if err := coord.QueryRow(ctx, `select 'sessions_' || shardid, nodename::text, nodeport from citus_shards
		where table_name = $1::regclass`, pgx.Identifier{c.schema, "sessions"}.Sanitize()).Scan(&shard, &node, &port); err != nil {
		t.Fatalf("find the sessions shard: %v", err)
	}
	coordPort := coord.PgConn().Conn().RemoteAddr()
	if strings.HasSuffix(coordPort.String(), fmt.Sprint(":", port)) {
		t.Fatalf("the sessions shard is on the coordinator (%s:%d), not on a worker", node, port)
	}
	worker := owner(t, nodeURL(t, port))

	// A copy of the booked row (a new id, the same times, room and
	// specialist), inserted past the store with its values as parameters.
	// The columns are read from the coordinator: Citus hides shards from
	// the catalog views.
	rows, err := coord.Query(ctx, `select quote_ident(column_name) from information_schema.columns
		where table_schema = $1 and table_name = 'sessions' and is_generated = 'NEVER'
		order by ordinal_position`, c.schema)
	if err != nil {
		t.Fatal(err)
	}
	cols, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(cols) == 0 || cols[0] != "id" {
		t.Fatalf("columns of sessions: %v %v", cols, err)
	}
	var vals []any
	r, err := coord.Query(ctx, fmt.Sprintf(`select %s from %s where id = $1`, strings.Join(cols, ", "),
		pgx.Identifier{c.schema, "sessions"}.Sanitize()), booked[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	for r.Next() {
		if vals, err = r.Values(); err != nil {
			t.Fatal(err)
		}
	}
	r.Close()
	if len(vals) != len(cols) {
		t.Fatalf("booked row not read back: %v", r.Err())
	}
	copyRow := func(conn *pgx.Conn, table string, id int64) error {
		args := append([]any{id}, vals[1:]...)
		ph := make([]string, len(args))
		for i := range ph {
			ph[i] = fmt.Sprintf("$%d", i+1)
		}
		override := ""
		if table == "sessions" {
			override = " overriding system value"
		}
		_, err := conn.Exec(ctx, fmt.Sprintf(`insert into %s (%s)%s values (%s)`, pgx.Identifier{c.schema, table}.Sanitize(),
			strings.Join(cols, ", "), override, strings.Join(ph, ", ")), args...)
		return err
	}
	exclusion := func(where string, err error) {
		t.Helper()
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "23P01" {
			t.Errorf("overlapping insert %s: got %v, want an exclusion violation (23P01)", where, err)
		}
	}
	exclusion("through the coordinator", copyRow(coord, "sessions", booked[0].ID+1_000_000))
	exclusion("into the shard on its worker "+node+fmt.Sprint(":", port), copyRow(worker, shard, booked[0].ID+2_000_000))

	// Eight bookings of one new slot at once: one wins, the others clash.
	slot := start.Add(2 * time.Hour)
	var wg sync.WaitGroup
	var mu sync.Mutex
	won, clashed := 0, 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.book(ctx, slot)
			var oe *store.OverlapError
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case errors.As(err, &oe):
				clashed++
			default:
				t.Errorf("concurrent booking: %v", err)
			}
		}()
	}
	wg.Wait()
	if won != 1 || clashed != 7 {
		t.Errorf("concurrent bookings of one slot: %d won, %d clashed; want 1 and 7", won, clashed)
	}
}
