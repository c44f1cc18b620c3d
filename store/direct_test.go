package store_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/jackc/pgx/v5"

	"consultorio/store"
	"consultorio/store/storetest"
)

// With Options.DirectURL the leadership's session lock is held on a
// connection made from that URL (behind PgBouncer in transaction mode the
// main URL would hand the lock's session to other clients): the backend
// holding the lock carries the direct URL's application_name.
func TestDirectURLCarriesTheLeadership(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	main := storetest.NewURL(t)
	u, err := url.Parse(main)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("application_name", "consultorio-direct-test")
	u.RawQuery = q.Encode()
	db, err := store.Open(ctx, main, store.Options{SecretKey: storetest.SecretKey, DirectURL: u.String()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.MigratePublic(ctx); err != nil {
		t.Fatal(err)
	}
	l, err := db.TryLead(ctx)
	if err != nil || l == nil {
		t.Fatalf("try lead: %v, %v", l, err)
	}
	defer l.Release(ctx)
	owner, err := pgx.Connect(ctx, main)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close(ctx)
	var app string
	if err := owner.QueryRow(ctx, `select a.application_name from pg_locks l join pg_stat_activity a using (pid)
		where l.locktype = 'advisory' and l.granted and a.datname = current_database()`).Scan(&app); err != nil {
		t.Fatalf("the leadership's lock: %v", err)
	}
	if app != "consultorio-direct-test" {
		t.Errorf("the leadership's lock is held by a connection with application_name %q, want the direct URL's", app)
	}
}
