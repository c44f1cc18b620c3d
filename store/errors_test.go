package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"

	"consultorio/store"
	"consultorio/store/storetest"
)

// TestClassifyDatabaseFailures: what a real PostgreSQL answers is given a
// code in one place (store.Classify): text it cannot store is invalid input,
// a connection the server terminated (as when it restarts) or a server that
// cannot be reached is "unavailable", not an internal error.
func TestClassifyDatabaseFailures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := storetest.NewURL(t)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)

	_, err = conn.Exec(ctx, `select $1::text`, "a\x00b")
	if code := store.CodeOf(fmt.Errorf("save: %w", err)); code != store.CodeInvalid {
		t.Errorf("NUL in text (%v): code %s", err, code)
	}
	var ve *store.ValidationError
	if !errors.As(store.Classify(err), &ve) || ve.Reason("") != store.ReasonBadText {
		t.Errorf("NUL in text: classified as %v", store.Classify(err))
	}

	victim, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer victim.Close(ctx)
	var pid int
	if err := victim.QueryRow(ctx, `select pg_backend_pid()`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `select pg_terminate_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	_, err = victim.Exec(ctx, `select 1`)
	if err == nil {
		t.Fatal("a terminated connection still answers")
	}
	if code := store.CodeOf(err); code != store.CodeUnavailable {
		t.Errorf("terminated connection (%v): code %s", err, code)
	}

	_, err = pgx.Connect(ctx, "host=/nonexistent-consultorio-socket-dir user=x dbname=x connect_timeout=2")
	if code := store.CodeOf(err); err == nil || code != store.CodeUnavailable {
		t.Errorf("unreachable server (%v): code %s", err, code)
	}
	if code := store.CodeOf(errors.New("boom")); code != store.CodeInternal {
		t.Errorf("an unknown error: code %s", code)
	}
}
