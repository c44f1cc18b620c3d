package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"consultorio/store"
	"consultorio/store/storetest"
)

// The commands run in-process here: Run with an Env, as the server calls it
// after verifying the key, on a real PostgreSQL (storetest).

// lima is the clinics' default time zone.
var lima = mustLoc("America/Lima")

func mustLoc(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// fixture is one clinic (America/Lima) with an admin, a receptionist, two
// specialists with their logins, a room and a patient of each specialist.
// The clock stands at 2026-11-20 10:00 in Lima.
type fixture struct {
	t      *testing.T
	ctx    context.Context
	clock  *storetest.Clock
	db     *store.DB
	tn     *store.Tenant
	admin  *store.User
	desk   *store.User // reception
	drA    *store.User // specialist A's login
	drB    *store.User // specialist B's login
	specA  store.Specialist
	specB  store.Specialist
	room   store.Room
	room2  store.Room
	patA   store.Patient // therapist A, with a diagnosis
	patB   store.Patient // therapist B, with a diagnosis
	remote string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ck := storetest.NewClock(time.Date(2026, 11, 20, 10, 0, 0, 0, lima))
	db := storetest.NewDBWith(t, store.Options{Clock: ck})
	tn, _ := storetest.NewTenant(t, db, "clinic-a")
	f := &fixture{t: t, ctx: context.Background(), clock: ck, db: db, tn: tn, remote: "192.0.2.7:5555"}
	var err error
	if f.admin, err = tn.UserByEmail(f.ctx, store.System, "admin@clinic-a.test"); err != nil {
		t.Fatal(err)
	}
	f.desk = f.user("desk@clinic-a.test", "Rosa Recepción", store.RoleReception)
	f.drA = f.user("ana@clinic-a.test", "Ana Torres", store.RoleSpecialist)
	f.drB = f.user("beto@clinic-a.test", "Beto Ríos", store.RoleSpecialist)
	f.specA = f.specialist("Ana", "Torres", "11111111", f.drA.ID, store.CompPercent, "40")
	f.specB = f.specialist("Beto", "Ríos", "22222222", f.drB.ID, store.CompFixed, "1500")
	// Reload the logins: their specialist link is part of the user.
	f.drA, f.drB = f.reload(f.drA), f.reload(f.drB)
	f.room = f.newRoom("Consultorio 1")
	f.room2 = f.newRoom("Consultorio 2")
	f.patA = f.patient("Lucía", "Mendoza", f.specA.ID, "ansiedad")
	f.patB = f.patient("Mario", "Quispe", f.specB.ID, "insomnio")
	return f
}

func (f *fixture) user(email, name string, role store.Role) *store.User {
	f.t.Helper()
	u, _, err := f.tn.CreateUser(f.ctx, store.System, store.NewUser{Email: email, Name: name, Role: role})
	if err != nil {
		f.t.Fatalf("create user %s: %v", email, err)
	}
	return u
}

func (f *fixture) reload(u *store.User) *store.User {
	f.t.Helper()
	r, err := f.tn.UserByEmail(f.ctx, store.System, u.Email)
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}

func (f *fixture) specialist(first, last, doc string, userID int64, comp, value string) store.Specialist {
	f.t.Helper()
	s, err := f.tn.CreateSpecialist(f.ctx, store.System, store.SpecialistInput{FirstName: first, LastName: last,
		Specialty: "Psicología", Document: doc, UserID: &userID, CompType: comp, CompValue: decimal.RequireFromString(value)})
	if err != nil {
		f.t.Fatalf("create specialist: %v", err)
	}
	return s
}

func (f *fixture) newRoom(name string) store.Room {
	f.t.Helper()
	r, err := f.tn.CreateRoom(f.ctx, store.System, store.RoomInput{Name: name})
	if err != nil {
		f.t.Fatalf("create room: %v", err)
	}
	return r
}

func (f *fixture) patient(first, surname string, therapist int64, diagnosis string) store.Patient {
	f.t.Helper()
	p, err := f.tn.CreatePatient(f.ctx, store.System, store.PatientInput{FirstName: first, Surname: surname,
		BirthDate: time.Date(1990, 5, 17, 0, 0, 0, 0, time.UTC), CostSession: decimal.RequireFromString("80"),
		TherapistID: &therapist, MedicalDiagnosis: diagnosis, Phone: "999 111 222"})
	if err != nil {
		f.t.Fatalf("create patient: %v", err)
	}
	return p
}

// result is how one command line ended.
type result struct {
	out, err string
	code     int
}

// run runs a command line as user u (nil: no verified key) with stdin.
func (f *fixture) runIn(u *store.User, stdin string, args ...string) result {
	f.t.Helper()
	var out, errb bytes.Buffer
	env := &Env{DB: f.db, Tenant: f.tn, User: u, RemoteAddr: f.remote, Stdin: strings.NewReader(stdin),
		Stdout: &out, Stderr: &errb}
	res := Run(f.ctx, env, Clinic, args)
	return result{out: out.String(), err: errb.String(), code: res.Code}
}

func (f *fixture) run(u *store.User, args ...string) result {
	f.t.Helper()
	return f.runIn(u, "", args...)
}

// ok runs a command that must succeed and returns its stdout.
func (f *fixture) ok(u *store.User, args ...string) string {
	f.t.Helper()
	r := f.run(u, args...)
	if r.code != 0 {
		f.t.Fatalf("%s as %s: exit %d, stderr %q", strings.Join(args, " "), u.Email, r.code, r.err)
	}
	if r.err != "" {
		f.t.Errorf("%s: unexpected stderr %q", strings.Join(args, " "), r.err)
	}
	return r.out
}

// okJSON runs a command with --json and decodes its output into v.
func (f *fixture) okJSON(v any, u *store.User, args ...string) {
	f.t.Helper()
	out := f.ok(u, append(args, "--json")...)
	// Start from zero: json leaves fields absent from the output (the
	// omitempty ones) as they were.
	reflect.ValueOf(v).Elem().SetZero()
	if err := json.Unmarshal([]byte(out), v); err != nil {
		f.t.Fatalf("%s: output is not the JSON expected (%v):\n%s", strings.Join(args, " "), err, out)
	}
}

// fails runs a command that must exit with code and print one line on
// stderr containing want.
func (f *fixture) fails(code int, want string, u *store.User, args ...string) result {
	f.t.Helper()
	r := f.run(u, args...)
	if r.code != code || !strings.Contains(r.err, want) {
		f.t.Fatalf("%q: exit %d (want %d), stderr %q (want %q), stdout %q", strings.Join(args, " "), r.code, code, r.err, want, r.out)
	}
	if strings.Count(strings.TrimRight(r.err, "\n"), "\n") != 0 {
		f.t.Errorf("%q: stderr is more than one line: %q", strings.Join(args, " "), r.err)
	}
	return r
}

// jsonKeys decodes a JSON object's keys.
func jsonKeys(t *testing.T, s string) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("not a JSON object: %v\n%s", err, s)
	}
	return m
}
