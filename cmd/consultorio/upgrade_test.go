package main

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"consultorio/store"
)

// syncBuffer is a bytes.Buffer safe to read while a command writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestUpgradeFromRelease010 loads an installation made by release 0.1.0
// (testdata/release-0.1.0, see its README) and starts this binary's serve on
// it: serve migrates the shared schema and every clinic before listening,
// the clinic's data is intact and usable, and the database records this
// binary. Then an older binary (this one with its last migration removed)
// refuses the upgraded data, naming both versions.
func TestUpgradeFromRelease010(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	o := newOpsCLI(t)
	url := strings.TrimSpace(o.ok("db", "url"))
	psql := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("psql", append([]string{"-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d", url}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("psql %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	psql("-f", "testdata/release-0.1.0/roles.sql")
	if out, err := exec.Command("pg_restore", "--exit-on-error", "-d", url, "testdata/release-0.1.0/consultorio.dump").CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}
	if v := psql("-c", "select version from public.schema_versions where schema_name = 'public'"); v != "3" {
		t.Fatalf("fixture public version %s, want 3 (release 0.1.0)", v)
	}
	patients := psql("-c", "select count(*) from demo.patients")
	sessions := psql("-c", "select count(*) from demo.sessions")

	// serve upgrades on start, then listens.
	sctx, stop := context.WithCancel(ctx)
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() { done <- o.runCtx(sctx, &out, &errb, "serve", "--listen", "127.0.0.1:0") }()
	for deadline := time.Now().Add(2 * time.Minute); !strings.Contains(out.String(), "listening on"); {
		select {
		case code := <-done:
			stop()
			t.Fatalf("serve exited %d before listening:\n%s%s", code, out.String(), errb.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("serve did not listen in 2 minutes:\n%s", errb.String())
		}
	}
	stop()
	if code := <-done; code != 0 {
		t.Fatalf("serve: exit %d\n%s", code, errb.String())
	}

	db := o.db(ctx)
	in, err := db.Installation(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := store.Installation{BinaryVersion: version, PublicVersion: db.LatestPublicVersion(), TenantVersion: db.LatestTenantVersion()}
	if in != want {
		t.Fatalf("installation record %+v, want %+v", in, want)
	}
	tvs, err := db.TenantVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tv := range tvs {
		if tv.Version != db.LatestTenantVersion() {
			t.Errorf("schema %s at version %d after serve, want %d", tv.Schema, tv.Version, db.LatestTenantVersion())
		}
	}
	if got := psql("-c", "select count(*) from demo.patients"); got != patients {
		t.Errorf("patients: %s after the upgrade, %s before", got, patients)
	}
	if got := psql("-c", "select count(*) from demo.sessions"); got != sessions {
		t.Errorf("sessions: %s after the upgrade, %s before", got, sessions)
	}
	tn, actor, specs, pats, rooms := demoClinic(t, ctx, db)
	if _, err := tn.BookSession(ctx, actor, store.Booking{PatientID: pats[0], SpecialistID: specs[0], RoomID: rooms[0],
		Start: time.Date(2033, 2, 1, 14, 0, 0, 0, time.UTC), DurationMin: 45}); err != nil {
		t.Fatalf("booking after the upgrade: %v", err)
	}

	// An older binary on this data refuses, naming both versions.
	emb := store.EmbeddedMigrations()
	old := &opsCLI{t: t, data: o.data, opts: store.Options{BinaryVersion: "0.1.9",
		Migrations: store.Migrations{Public: emb.Public, Tenant: emb.Tenant[:len(emb.Tenant)-1]}}}
	if len(emb.Tenant) < 2 {
		old.opts.Migrations = store.Migrations{Public: emb.Public[:len(emb.Public)-1], Tenant: emb.Tenant}
	}
	r := old.run("serve", "--listen", "127.0.0.1:0")
	if r.code != 1 || !strings.Contains(r.stderr, "consultorio "+version) || !strings.Contains(r.stderr, "consultorio 0.1.9") {
		t.Fatalf("older binary on newer data: exit %d, stderr %q; want exit 1 naming %s and 0.1.9", r.code, r.stderr, version)
	}
	odb, err := store.Open(ctx, url, old.opts)
	if err != nil {
		t.Fatal(err)
	}
	defer odb.Close()
	if _, err := odb.MigratePublic(ctx); !errors.Is(err, store.ErrDataNewer) {
		t.Fatalf("MigratePublic by an older binary: %v, want ErrDataNewer", err)
	}
}
