package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"consultorio/backup"
	"consultorio/store"
	"consultorio/store/storetest"
)

// opsCLI runs the command in-process against the private cluster of its own
// data directory (no DATABASE_URL): what an operator of one machine does.
type opsCLI struct {
	t    *testing.T
	data string
	opts store.Options
	lang string // the operator's LANG ("": none, English)
}

// newOpsCLI makes a data directory under a private (0700) parent, and
// destroys its cluster when the test ends.
func newOpsCLI(t *testing.T) *opsCLI {
	o := &opsCLI{t: t, data: filepath.Join(t.TempDir(), "data")}
	o.cleanup()
	return o
}

func (o *opsCLI) at(data string) *opsCLI {
	n := &opsCLI{t: o.t, data: data}
	n.cleanup()
	return n
}

func (o *opsCLI) cleanup() {
	o.t.Cleanup(func() {
		if r := o.run("db", "destroy", "--yes"); r.code != 0 {
			o.t.Errorf("db destroy: %d %s", r.code, r.stderr)
		}
	})
}

func (o *opsCLI) run(args ...string) result {
	var out, errb bytes.Buffer
	code := o.runCtx(context.Background(), &out, &errb, args...)
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

func (o *opsCLI) runCtx(ctx context.Context, stdout, stderr io.Writer, args ...string) int {
	e := env{stdin: strings.NewReader(""), stdout: stdout, stderr: stderr, storeOpts: o.opts,
		getenv: func(k string) string {
			if k == "CONSULTORIO_DATA" {
				return o.data
			}
			if k == "HOME" {
				return o.data + "-home"
			}
			if k == "LANG" {
				return o.lang
			}
			return ""
		}}
	return runWith(ctx, e, args)
}

func (o *opsCLI) ok(args ...string) string {
	o.t.Helper()
	r := o.run(args...)
	if r.code != 0 {
		o.t.Fatalf("consultorio %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

func (o *opsCLI) db(ctx context.Context) *store.DB {
	o.t.Helper()
	u := strings.TrimSpace(o.ok("db", "url"))
	db, err := store.Open(ctx, u, store.Options{MaxConns: 8})
	if err != nil {
		o.t.Fatal(err)
	}
	o.t.Cleanup(db.Close)
	return db
}

// demoClinic opens the demo clinic with its admin as the actor, and the ids
// of its patients, specialists and rooms.
func demoClinic(t *testing.T, ctx context.Context, db *store.DB) (*store.Tenant, store.Actor, []int64, []int64, []int64) {
	t.Helper()
	tn, err := db.Tenant(ctx, demoSchema)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := tn.UserByEmail(ctx, store.System, demoAdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	actor := admin.Actor("test")
	// The tests book one session a day at fixed hours, Sundays included:
	// the demo clinic's hours (Monday to Saturday) would refuse some.
	storetest.OpenAllHours(t, tn)
	specs, err := tn.ListSpecialists(ctx, actor, false)
	if err != nil {
		t.Fatal(err)
	}
	page, err := tn.ListPatients(ctx, actor, store.PatientQuery{Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	rooms, err := tn.ListRooms(ctx, actor, false)
	if err != nil {
		t.Fatal(err)
	}
	var sp, pa, ro []int64
	for _, r := range rooms {
		ro = append(ro, r.ID)
	}
	for _, s := range specs {
		sp = append(sp, s.ID)
	}
	for _, p := range page.Patients {
		pa = append(pa, p.ID)
	}
	if len(sp) < 4 || len(pa) < 4 || len(ro) < 4 {
		t.Fatalf("demo clinic: %d specialists, %d patients, %d rooms", len(sp), len(pa), len(ro))
	}
	return tn, actor, sp, pa, ro
}

type ack struct {
	id int64
	at time.Time // when BookSession returned
}

// TestBackupUnderLoadRestores books sessions from several goroutines while a
// backup runs, restores the backup into a new data directory, starts it and
// checks that every booking acknowledged before the backup started is there.
func TestBackupUnderLoadRestores(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := newOpsCLI(t)
	src.ok("migrate")
	src.ok("demo")
	db := src.db(ctx)
	tn, actor, specs, pats, rooms := demoClinic(t, ctx, db)

	var (
		mu   sync.Mutex
		acks []ack
	)
	loadCtx, stopLoad := context.WithCancel(ctx)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each worker its own specialist and patient, one session a day
			// from 2031 on: no clash between workers.
			base := time.Date(2031, 1, 1, 14, 0, 0, 0, time.UTC)
			for i := 0; loadCtx.Err() == nil; i++ {
				ss, err := tn.BookSession(loadCtx, actor, store.Booking{PatientID: pats[w], SpecialistID: specs[w], RoomID: rooms[w],
					Start: base.AddDate(0, 0, i), DurationMin: 45})
				if err != nil {
					if loadCtx.Err() == nil {
						errs <- err
					}
					return
				}
				mu.Lock()
				acks = append(acks, ack{ss[0].ID, time.Now()})
				mu.Unlock()
			}
		}()
	}
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(acks) }
	// (3 minutes: the package's other tests run beside this one, t.Parallel,
	// and a loaded CI machine books slowly; the count, not the time, matters.)
	for deadline := time.Now().Add(3 * time.Minute); count() < 300; {
		if time.Now().After(deadline) {
			t.Fatalf("only %d bookings in 3 minutes", count())
		}
		select {
		case err := <-errs:
			t.Fatalf("booking: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
	dest := filepath.Join(t.TempDir(), "backup")
	started := time.Now()
	out := src.ok("backup", dest)
	finished := time.Now()
	for _, w := range []string{"backup of the private cluster written to " + dest, "WAL archive:", "off (restore gives the state at the end of the backup)"} {
		if !strings.Contains(out, w) {
			t.Errorf("backup output lacks %q:\n%s", w, out)
		}
	}
	time.Sleep(200 * time.Millisecond)
	stopLoad()
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatalf("booking: %v", err)
	default:
	}

	var before []int64
	during := 0
	for _, a := range acks {
		switch {
		case a.at.Before(started):
			before = append(before, a.id)
		case a.at.Before(finished):
			during++
		}
	}
	if during == 0 {
		t.Fatalf("no booking was acknowledged while the backup ran (%d before): not a backup under load", len(before))
	}
	t.Logf("%d bookings before the backup, %d during it, %d in all", len(before), during, len(acks))

	dst := src.at(filepath.Join(t.TempDir(), "restored"))
	out = dst.ok("restore", dest)
	for _, w := range []string{"restored the backup of ", "cluster:", "(running)", "serve it with: consultorio --data"} {
		if !strings.Contains(out, w) {
			t.Fatalf("restore output lacks %q:\n%s", w, out)
		}
	}
	rdb := dst.db(ctx)
	rtn, ractor, _, _, _ := demoClinic(t, ctx, rdb)
	for _, id := range before {
		if _, err := rtn.GetSession(ctx, ractor, id); err != nil {
			t.Errorf("session #%d, acknowledged before the backup started, is not in the restored copy: %v", id, err)
		}
	}
	// The restored installation works: it takes a new booking.
	if _, err := rtn.BookSession(ctx, ractor, store.Booking{PatientID: pats[0], SpecialistID: specs[0], RoomID: rooms[0],
		Start: time.Date(2035, 1, 1, 14, 0, 0, 0, time.UTC), DurationMin: 45}); err != nil {
		t.Fatalf("booking in the restored copy: %v", err)
	}
	// A restore never writes over an existing data directory.
	if r := dst.run("restore", dest); r.code != 1 || !strings.Contains(r.stderr, "already exists") {
		t.Fatalf("restore over an existing data directory: exit %d %s", r.code, r.stderr)
	}
}

// TestPointInTimeRestore archives WAL, writes, notes a time T, writes more,
// and restores to T: exactly the writes before T are there.
func TestPointInTimeRestore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := newOpsCLI(t)
	src.ok("migrate")
	src.ok("demo")
	archive := filepath.Join(t.TempDir(), "wal")
	// The postgres user writes the archive: its parent must let it through.
	if err := os.Chmod(filepath.Dir(archive), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Dir(filepath.Dir(archive)), 0o755); err != nil {
		t.Fatal(err)
	}
	src.ok("db", "wal-archive", archive)
	dest := filepath.Join(t.TempDir(), "backup")
	// An operator in Spanish: what backup and restore say is in Spanish.
	src.lang = "es_ES.UTF-8"
	out := src.ok("backup", dest)
	for _, w := range []string{"copia de seguridad del clúster privado escrita en " + dest, "archivo WAL:", archive + " (restore --to cualquier momento posterior al fin)", "inicio:"} {
		if !strings.Contains(out, w) {
			t.Errorf("backup output (es) lacks %q:\n%s", w, out)
		}
	}
	m, err := backup.ReadManifest(dest)
	if err != nil {
		t.Fatal(err)
	}
	if m.WALArchive != archive {
		t.Fatalf("manifest names archive %q, want %q", m.WALArchive, archive)
	}

	db := src.db(ctx)
	tn, actor, specs, pats, rooms := demoClinic(t, ctx, db)
	book := func(day int) int64 {
		t.Helper()
		ss, err := tn.BookSession(ctx, actor, store.Booking{PatientID: pats[0], SpecialistID: specs[0], RoomID: rooms[0],
			Start: time.Date(2032, 3, day, 14, 0, 0, 0, time.UTC), DurationMin: 45})
		if err != nil {
			t.Fatal(err)
		}
		return ss[0].ID
	}
	// --to has a resolution of one second: T is a whole second strictly
	// after the first writes and before the later ones.
	time.Sleep(time.Until(m.FinishedAt.Add(time.Second)))
	early := []int64{book(1), book(2)}
	target := time.Now().UTC().Truncate(time.Second).Add(time.Second)
	time.Sleep(time.Until(target.Add(1100 * time.Millisecond)))
	late := []int64{book(3), book(4)}
	// Close the current WAL segment so it is archived, and wait for it.
	var segment string
	// pg_switch_wal is the owner's (superuser's), not the store's runtime role's.
	owner, err := pgx.Connect(ctx, strings.TrimSpace(src.ok("db", "url")))
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close(ctx)
	if err := owner.QueryRow(ctx, "select pg_walfile_name(pg_switch_wal())").Scan(&segment); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(2 * time.Minute); ; {
		if _, err := os.Stat(filepath.Join(archive, segment)); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("WAL segment %s not archived in 2 minutes", segment)
		}
		time.Sleep(100 * time.Millisecond)
	}

	if r := src.at(filepath.Join(t.TempDir(), "bad")).run("restore", "--to", "05/12/2026 10:30", dest); r.code != 2 {
		t.Fatalf("restore --to in another format: exit %d, want 2 (%s)", r.code, r.stderr)
	}
	dst := src.at(filepath.Join(t.TempDir(), "restored"))
	dst.lang = "es_ES.UTF-8"
	out = dst.ok("restore", "--to", target.Format("2006-01-02 15:04:05"), dest)
	for _, w := range []string{"se restauró la copia de ", "reproducido hasta:", "(en marcha)", "sírvalo con: consultorio --data"} {
		if !strings.Contains(out, w) {
			t.Fatalf("restore output (es) lacks %q:\n%s", w, out)
		}
	}
	rdb := dst.db(ctx)
	rtn, ractor, _, _, _ := demoClinic(t, ctx, rdb)
	for _, id := range early {
		if _, err := rtn.GetSession(ctx, ractor, id); err != nil {
			t.Errorf("session #%d, booked before T, is missing: %v", id, err)
		}
	}
	for _, id := range late {
		if _, err := rtn.GetSession(ctx, ractor, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("session #%d, booked after T, must not be there: %v", id, err)
		}
	}
	// The copy is writable (promoted) and does not archive into the
	// original's archive.
	if st := dst.ok("db", "status"); !regexp.MustCompile(`(?m)^archivo WAL: +desactivado$`).MatchString(st) {
		t.Errorf("restored cluster status:\n%s", st)
	}
	if _, err := rtn.BookSession(ctx, ractor, store.Booking{PatientID: pats[0], SpecialistID: specs[0], RoomID: rooms[0],
		Start: time.Date(2032, 3, 3, 14, 0, 0, 0, time.UTC), DurationMin: 45}); err != nil {
		t.Fatalf("booking in the restored copy: %v", err)
	}
}

// TestDBStatusAndDestroyExitCodes: status of a data directory without a
// cluster is exit 1 with state "absent"; destroy without a terminal and
// without --yes is a usage error (exit 2) that deletes nothing; backup and
// restore without their argument are usage errors.
func TestDBStatusAndDestroyExitCodes(t *testing.T) {
	t.Parallel()
	o := newOpsCLI(t)
	r := o.run("db", "status", "--json")
	if r.code != 1 {
		t.Fatalf("db status of nothing: exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	if st := decodeJSON[dbStatus](t, r.stdout); st.State != "absent" || st.DataDir != o.data {
		t.Fatalf("db status --json: %+v", st)
	}
	// The text in the operator's language; --json's keys and state are
	// English in both.
	for _, tc := range []struct{ lang, state string }{{"", `(?m)^state: +absent \(not created yet\)$`}, {"es_PE.UTF-8", `(?m)^estado: +ausente \(aún no creado\)$`}} {
		o.lang = tc.lang
		if r := o.run("db", "status"); r.code != 1 || !regexp.MustCompile(tc.state).MatchString(r.stdout) {
			t.Errorf("LANG=%s db status of nothing: exit %d, lacks %q:\n%s", tc.lang, r.code, tc.state, r.stdout)
		}
		if r := o.run("db", "status", "--json"); !strings.Contains(r.stdout, `"state": "absent"`) || !strings.Contains(r.stdout, `"data_dir"`) {
			t.Errorf("LANG=%s db status --json: %s", tc.lang, r.stdout)
		}
	}
	o.lang = ""
	if r := o.run("db", "destroy"); r.code != 2 || !strings.Contains(r.stderr, "--yes") {
		t.Fatalf("db destroy without a terminal: exit %d %q", r.code, r.stderr)
	}
	for _, args := range [][]string{{"backup"}, {"restore"}, {"restore", "--wal-archive", "/x", "src"}, {"db", "wal-archive"}} {
		if r := o.run(args...); r.code != 2 {
			t.Errorf("consultorio %s: exit %d, want 2 (%s)", strings.Join(args, " "), r.code, r.stderr)
		}
	}
}
