package store_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"consultorio/pgcluster"
	"consultorio/store"
	"consultorio/store/storetest"
)

// TestDiskFullBookingFailsCleanlyAndRecovers runs a cluster on a small
// filesystem (a tmpfs the test mounts: it needs root, and fails — never
// skips — without it), fills the filesystem, and books until PostgreSQL
// cannot extend a table: the booking fails with store.ErrDiskFull, nothing
// of it is saved, and once space is freed the same pool books again.
func TestDiskFullBookingFailsCleanlyAndRecovers(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("this test mounts a small tmpfs and needs root; README (Operations, disk full) has the manual procedure")
	}
	mnt, err := os.MkdirTemp("", "consultorio-diskfull-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=160m,mode=0755", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Fatalf("mount a tmpfs on %s: %v %s", mnt, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", mnt).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", mnt, err, out)
		}
		_ = os.Remove(mnt)
	})
	ctx := context.Background()
	c, err := pgcluster.New(filepath.Join(mnt, "data"), pgcluster.Options{Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Destroy(context.Background()); err != nil {
			t.Errorf("destroy: %v", err)
		}
	})
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if in, _ := c.Info(); in.Elsewhere {
		t.Fatalf("the cluster must live on the small filesystem, not in %s", in.Dir)
	}
	clock := storetest.NewClock(time.Date(2026, 11, 10, 12, 0, 0, 0, agLima))
	db, err := store.Open(ctx, c.URL(), store.Options{MaxConns: 4, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if _, err := db.MigratePublic(ctx); err != nil {
		t.Fatal(err)
	}
	tn, _ := storetest.NewTenant(t, db, "diskfull")
	storetest.OpenAllHours(t, tn) // bookings on consecutive days, Sundays included
	f := agFixtureFor(t, db, tn, clock)
	spec := f.specialist("Ana", "Full", "fixed", "50", true)
	room := f.room("Sala")
	pat := f.patient("Pedro", "Disco", "80")
	day := 0
	book := func(weeks int) error {
		day++
		_, err := tn.BookSession(ctx, f.admin, store.Booking{PatientID: pat, SpecialistID: spec, RoomID: room,
			Start: time.Date(2027, 1, 4, 9, 0, 0, 0, agLima).AddDate(0, 0, day), DurationMin: 30,
			Repeat: store.Repeat{WeeklyCount: weeks}})
		return err
	}
	count := func() int {
		var n int
		f.scalar(&n, `select count(*) from sessions`)
		return n
	}
	if err := book(0); err != nil {
		t.Fatal(err)
	}
	// WAL needs headroom: a WAL file that cannot be made when the disk is
	// full stops the server (PANIC). Start a fresh 16 MB segment, made now,
	// which the few bookings below never fill.
	// WAL switches and checkpoints are the owner's (superuser's).
	owner, err := pgx.Connect(ctx, c.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close(ctx)
	if _, err := owner.Exec(ctx, "select pg_switch_wal()"); err != nil {
		t.Fatal(err)
	}
	if err := book(0); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Exec(ctx, "checkpoint"); err != nil {
		t.Fatal(err)
	}

	filler := filepath.Join(mnt, "filler")
	fill(t, filler)
	var full error
	for range 2000 {
		if full = book(0); full != nil {
			break
		}
	}
	if full == nil {
		t.Fatal("2000 bookings on a full disk all succeeded: the disk never filled")
	}
	if !errors.Is(full, store.ErrDiskFull) {
		t.Fatalf("booking on a full disk: %v, want store.ErrDiskFull", full)
	}
	// Nothing half-written: a weekly series that cannot be stored leaves
	// not one of its sessions.
	before := count()
	if err := book(8); !errors.Is(err, store.ErrDiskFull) {
		t.Fatalf("series on a full disk: %v, want store.ErrDiskFull", err)
	}
	if after := count(); after != before {
		t.Fatalf("a failed series left %d sessions", after-before)
	}

	// Free the space: the same pool books again, no restart.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if err := book(8); err != nil {
		t.Fatalf("booking once space is freed: %v", err)
	}
	if after := count(); after != before+8 {
		t.Fatalf("after freeing space: %d sessions, want %d", after, before+8)
	}
}

// fill writes path until the filesystem has no space left.
func fill(t *testing.T, path string) {
	t.Helper()
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	chunk := make([]byte, 1<<20)
	for {
		if _, err := fh.Write(chunk); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				break
			}
			t.Fatalf("fill the disk: %v", err)
		}
	}
	// The last partial megabyte: fill it byte by byte in 4 KiB steps.
	small := make([]byte, 4096)
	for {
		if _, err := fh.Write(small); err != nil {
			break
		}
	}
}
