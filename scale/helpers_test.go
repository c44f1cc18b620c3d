//go:build scale

// Package scale holds the scale-out tests: they run against a Citus
// cluster (make test-scale starts one and sets CONSULTORIO_CITUS_URL) and
// are left out of `make test`, which needs only PostgreSQL. Each test works
// in clinics of its own inside the cluster's one database.
package scale

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"consultorio/store"
	"consultorio/store/storetest"
)

var lima = func() *time.Location {
	loc, err := time.LoadLocation("America/Lima")
	if err != nil {
		panic(err)
	}
	return loc
}()

// citusURL is the coordinator's URL, as its owner. A missing cluster fails
// the test: it never skips.
func citusURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("CONSULTORIO_CITUS_URL")
	if u == "" {
		t.Fatal("CONSULTORIO_CITUS_URL is not set: run `make test-scale`, which starts the Citus cluster")
	}
	return u
}

// nodeURL is the URL of another node of the cluster (same host and user,
// port given), for looking at a worker directly.
func nodeURL(t testing.TB, port int) string {
	t.Helper()
	u, err := url.Parse(citusURL(t))
	if err != nil {
		t.Fatal(err)
	}
	u.Host = u.Hostname() + ":" + strconv.Itoa(port)
	return u.String()
}

var migrateOnce sync.Once

// openDB opens the store on the coordinator, its public schema migrated.
func openDB(t testing.TB, clock store.Clock) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, citusURL(t), store.Options{Clock: clock})
	if err != nil {
		t.Fatalf("open coordinator: %v", err)
	}
	t.Cleanup(db.Close)
	var merr error
	migrateOnce.Do(func() { _, merr = db.MigratePublic(ctx) })
	if merr != nil {
		t.Fatalf("migrate public on Citus: %v", merr)
	}
	return db
}

// owner is a connection to the coordinator as its owner, closed at the end.
func owner(t testing.TB, u string) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatalf("connect %s: %v", u, err)
	}
	t.Cleanup(func() { c.Close(ctx) })
	return c
}

// uniqueSchema is a clinic name no other test or run has used.
func uniqueSchema(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

// clinic is one provisioned clinic with a specialist, a room and a patient.
type clinic struct {
	schema string
	tn     *store.Tenant
	spec   store.Specialist
	room   store.Room
	pat    store.Patient
}

func newClinic(t testing.TB, db *store.DB, prefix string) *clinic {
	t.Helper()
	ctx := context.Background()
	schema := uniqueSchema(prefix)
	tn, _ := storetest.NewTenant(t, db, schema)
	c := &clinic{schema: schema, tn: tn}
	var err error
	if c.spec, err = tn.CreateSpecialist(ctx, store.System, store.SpecialistInput{FirstName: "Ana", LastName: "Torres",
		Specialty: "Psicología", Document: "11111111", CompType: store.CompPercent, CompValue: decimal.RequireFromString("40")}); err != nil {
		t.Fatalf("create specialist: %v", err)
	}
	if c.room, err = tn.CreateRoom(ctx, store.System, store.RoomInput{Name: "Consultorio 1"}); err != nil {
		t.Fatalf("create room: %v", err)
	}
	therapist := c.spec.ID
	if c.pat, err = tn.CreatePatient(ctx, store.System, store.PatientInput{FirstName: "Lucía", Surname: "Mendoza",
		BirthDate: time.Date(1990, 5, 17, 0, 0, 0, 0, time.UTC), CostSession: decimal.RequireFromString("80"),
		TherapistID: &therapist, Phone: "999 111 222"}); err != nil {
		t.Fatalf("create patient: %v", err)
	}
	return c
}

// book books one session of the clinic's specialist, room and patient.
func (c *clinic) book(ctx context.Context, start time.Time) ([]store.Session, error) {
	return c.tn.BookSession(ctx, store.System, store.Booking{PatientID: c.pat.ID, SpecialistID: c.spec.ID,
		RoomID: c.room.ID, Start: start, DurationMin: 45})
}

// testClock stands on a weekday morning in Lima, before every booking the
// tests make.
func testClock() *storetest.Clock {
	return storetest.NewClock(time.Date(2026, 11, 20, 9, 0, 0, 0, lima))
}
