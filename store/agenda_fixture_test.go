package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"consultorio/store"
	"consultorio/store/storetest"
)

// Patients, specialists and rooms belong to another part of the store: the
// agenda tests create them with raw SQL in the tenant's transaction, so they
// depend only on the schema.

var agLima = agLoc("America/Lima")

func agLoc(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

type agendaFixture struct {
	t     testing.TB
	ctx   context.Context
	db    *store.DB
	tn    *store.Tenant
	clock *storetest.Clock
	admin store.Actor
	desk  store.Actor // reception
}

// newAgendaFixture: a fresh database (pool of maxConns, 0 = default) with one
// clinic in America/Lima and the clock at Tuesday 2026-11-10 12:00 Lima.
func newAgendaFixture(t testing.TB, maxConns int32) *agendaFixture {
	t.Helper()
	c := storetest.NewClock(time.Date(2026, 11, 10, 12, 0, 0, 0, agLima))
	db := storetest.NewDBWith(t, store.Options{MaxConns: maxConns, Clock: c})
	tn, _ := storetest.NewTenant(t, db, "clinic-a")
	return agFixtureFor(t, db, tn, c)
}

func agFixtureFor(t testing.TB, db *store.DB, tn *store.Tenant, c *storetest.Clock) *agendaFixture {
	t.Helper()
	f := &agendaFixture{t: t, ctx: context.Background(), db: db, tn: tn, clock: c}
	var adminID int64
	f.exec(func(tx pgx.Tx) error {
		return tx.QueryRow(f.ctx, `select id from users where role = 'admin' order by id limit 1`).Scan(&adminID)
	})
	f.admin = store.Actor{UserID: adminID, Email: "admin@" + tn.Info.Schema + ".test", Name: "Admin", Role: store.RoleAdmin, RemoteAddr: "10.0.0.1:5000"}
	f.desk = f.user("desk@"+tn.Info.Schema+".test", "Desk", store.RoleReception, 0)
	return f
}

func (f *agendaFixture) exec(fn func(tx pgx.Tx) error) {
	f.t.Helper()
	if err := f.tn.Exec(f.ctx, fn); err != nil {
		f.t.Fatalf("fixture: %v", err)
	}
}

// insert runs an INSERT ... RETURNING id in the tenant.
func (f *agendaFixture) insert(sql string, args ...any) int64 {
	f.t.Helper()
	var id int64
	f.exec(func(tx pgx.Tx) error { return tx.QueryRow(f.ctx, sql, args...).Scan(&id) })
	return id
}

func (f *agendaFixture) scalar(dst any, sql string, args ...any) {
	f.t.Helper()
	f.exec(func(tx pgx.Tx) error { return tx.QueryRow(f.ctx, sql, args...).Scan(dst) })
}

var agDocSeq struct {
	sync.Mutex
	n int
}

func agDoc() string {
	agDocSeq.Lock()
	defer agDocSeq.Unlock()
	agDocSeq.n++
	return fmt.Sprintf("DNI%06d", agDocSeq.n)
}

// specialist creates a specialist; compType "fixed" or "percent".
func (f *agendaFixture) specialist(first, last, compType, compValue string, active bool) int64 {
	f.t.Helper()
	return f.insert(`insert into specialists (first_name, last_name, specialty, document, comp_type, comp_value, active)
		values ($1, $2, 'psicología', $3, $4, $5::numeric, $6) returning id`, first, last, agDoc(), compType, compValue, active)
}

func (f *agendaFixture) room(name string) int64 {
	f.t.Helper()
	return f.insert(`insert into rooms (name) values ($1) returning id`, name)
}

func (f *agendaFixture) patient(first, surname, price string) int64 {
	f.t.Helper()
	return f.insert(`insert into patients (first_name, surname, birth_date, cost_session)
		values ($1, $2, '1990-05-01', $3::numeric) returning id`, first, surname, price)
}

// user creates a staff user and returns its actor; for a specialist user
// specialistID is the linked specialist record.
func (f *agendaFixture) user(email, name string, role store.Role, specialistID int64) store.Actor {
	f.t.Helper()
	id := f.insert(`insert into users (email, name, role) values ($1, $2, $3) returning id`, email, name, string(role))
	if specialistID != 0 {
		f.exec(func(tx pgx.Tx) error {
			_, err := tx.Exec(f.ctx, `update specialists set user_id = $1 where id = $2`, id, specialistID)
			return err
		})
	}
	return store.Actor{UserID: id, Email: email, Name: name, Role: role, SpecialistID: specialistID, RemoteAddr: "10.0.0.2:6000"}
}

// agAt is a wall-clock time in Lima.
func agAt(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, agLima)
}

func agDec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func agDecp(s string) *decimal.Decimal { d := agDec(s); return &d }

func agDate(y int, m time.Month, d int) *time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return &t
}

// book books one session as the admin and fails the test on error.
func (f *agendaFixture) book(b store.Booking) store.Session {
	f.t.Helper()
	out, err := f.tn.BookSession(f.ctx, f.admin, b)
	if err != nil {
		f.t.Fatalf("book %v: %v", b.Start, err)
	}
	if len(out) != 1 {
		f.t.Fatalf("book: %d sessions", len(out))
	}
	return out[0]
}

func (f *agendaFixture) countSessions() int {
	f.t.Helper()
	var n int
	f.scalar(&n, `select count(*) from sessions`)
	return n
}

func agWantDec(t testing.TB, what string, got, want decimal.Decimal) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("%s = %s, want %s", what, got, want)
	}
}

func agOverlap(t testing.TB, err error) *store.OverlapError {
	t.Helper()
	var ov *store.OverlapError
	if !errors.As(err, &ov) {
		t.Fatalf("want *OverlapError, got %T: %v", err, err)
	}
	return ov
}

func agForbidden(err error) bool {
	var fe *store.ForbiddenError
	return errors.As(err, &fe)
}

func agStatusErr(err error) bool {
	var se *store.StatusError
	return errors.As(err, &se)
}

func agInvalid(err error, field string) bool {
	var ve *store.ValidationError
	if !errors.As(err, &ve) {
		return false
	}
	_, ok := ve.Fields[field]
	return ok
}
