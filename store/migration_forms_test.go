package store_test

import (
	"context"
	"testing"

	"consultorio/store/storetest"
)

// Tenant migrations 0005 and 0006 are written so that Citus accepts them
// (constraints added apart from their columns, SET STORAGE only without
// Citus); on plain PostgreSQL a clinic's schema still ends up as the
// inline forms made it: the constraints under PostgreSQL's own names, the
// attachment chunks stored uncompressed.
func TestCitusFriendlyMigrationsKeepTheSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storetest.NewDB(t)
	tn, _ := storetest.NewTenant(t, db, "forms")
	own := storetest.Owner(t, db)
	for _, name := range []string{"settings_reminder_hours_check", "patients_mail_lang_check"} {
		var n int
		if err := own.QueryRow(ctx, `select count(*) from pg_constraint c join pg_namespace n on n.oid = c.connamespace
			where n.nspname = $1 and c.conname = $2 and c.contype = 'c'`, tn.Info.Schema, name).Scan(&n); err != nil || n != 1 {
			t.Errorf("constraint %s: %d, %v; want 1", name, n, err)
		}
	}
	var storage string
	if err := own.QueryRow(ctx, `select a.attstorage::text from pg_attribute a
		where a.attrelid = format('%I.attachment_chunks', $1::text)::regclass and a.attname = 'data'`, tn.Info.Schema).Scan(&storage); err != nil {
		t.Fatal(err)
	}
	if storage != "e" {
		t.Errorf("attachment_chunks.data storage %q, want e (external)", storage)
	}
}
