package cmd

import (
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"consultorio/store"
)

// Issue 13: `staff list` says who is locked out (text and --json), and
// `staff unlock` clears it.
func TestStaffListShowsLocked(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if err := f.tn.SetPassword(f.ctx, f.drA.ID, "una clave larga"); err != nil {
		t.Fatal(err)
	}
	for range store.MaxFailedLogins {
		if _, err := f.tn.LoginPassword(f.ctx, f.drA.Email, "equivocada-123", f.remote); err == nil {
			t.Fatal("a wrong password logged in")
		}
	}
	find := func(views []UserView) UserView {
		for _, v := range views {
			if v.Email == f.drA.Email {
				return v
			}
		}
		t.Fatalf("%s not listed", f.drA.Email)
		return UserView{}
	}
	var views []UserView
	f.okJSON(&views, f.desk, "staff", "list")
	until := f.clock.Now().Add(store.LockoutDuration).In(lima).Format("2006-01-02 15:04")
	if v := find(views); !v.Locked || deref(v.LockedUntil) != until {
		t.Errorf("locked user in --json: %+v, want locked until %s", v, until)
	}
	if out := f.ok(f.admin, "staff", "list"); !strings.Contains(out, "BLOQUEADO HASTA") || !strings.Contains(out, until) {
		t.Errorf("staff list text does not show the lock:\n%s", out)
	}
	f.fails(1, "Su rol no permite esta acción.", f.desk, "staff", "unlock", f.drA.Email)
	var u UserView
	f.okJSON(&u, f.admin, "staff", "unlock", f.drA.Email)
	if u.Locked || u.LockedUntil != nil {
		t.Errorf("after unlock: %+v", u)
	}
	f.okJSON(&views, f.admin, "staff", "list")
	if v := find(views); v.Locked {
		t.Errorf("still listed as locked: %+v", v)
	}
}

// Issue 13: `password change` reads the current and the new password from
// stdin, for every role; the failures are the core's, with their exit
// statuses.
func TestPasswordChangeCommand(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const old, next = "la clave de siempre", "una clave nueva larga"
	if err := f.tn.SetPassword(f.ctx, f.drA.ID, old); err != nil {
		t.Fatal(err)
	}
	run := func(stdin string) result { return f.runIn(f.drA, stdin, "password", "change") }

	if r := run(old + "\n"); r.code != 2 || !strings.Contains(r.err, "dos líneas") {
		t.Errorf("one line: exit %d, %q", r.code, r.err)
	}
	if r := run(old + "\ncorta\n"); r.code != 1 || !strings.Contains(r.err, "al menos 10 caracteres") {
		t.Errorf("a short new password: exit %d, %q", r.code, r.err)
	}
	if r := run("no es esta\n" + next + "\n"); r.code != 1 || !strings.Contains(r.err, "Correo o contraseña incorrectos") {
		t.Errorf("a wrong current password: exit %d, %q", r.code, r.err)
	}
	// CRLF line ends (a Windows pipe) are not part of the passwords.
	r := run(old + "\r\n" + next + "\r\n")
	if r.code != 0 || !strings.Contains(r.out, "Contraseña cambiada.") {
		t.Fatalf("change: exit %d, out %q, err %q", r.code, r.out, r.err)
	}
	if _, err := f.tn.LoginPassword(f.ctx, f.drA.Email, next, f.remote); err != nil {
		t.Errorf("the new password does not log in: %v", err)
	}
	// Any role: reception too; --json prints the user.
	if err := f.tn.SetPassword(f.ctx, f.desk.ID, old); err != nil {
		t.Fatal(err)
	}
	r = f.runIn(f.desk, old+"\n"+next+"\n", "password", "change", "--json")
	if r.code != 0 || !strings.Contains(r.out, `"email": "`+f.desk.Email+`"`) {
		t.Errorf("reception: exit %d, out %q, err %q", r.code, r.out, r.err)
	}
}

// Issue 13: the users a specialist may be linked to leave out those linked
// to another specialist.
func TestSpecialistsUsersCommand(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	free := f.user("carla@clinic-a.test", "Carla Vega", store.RoleSpecialist)
	emails := func(args ...string) string {
		var views []UserView
		f.okJSON(&views, f.admin, append([]string{"specialists", "users"}, args...)...)
		var out []string
		for _, v := range views {
			out = append(out, v.Email)
		}
		return strings.Join(out, " ")
	}
	if got := emails(); got != free.Email {
		t.Errorf("a new specialist's choices: %q", got)
	}
	if got := emails(id64(f.specA.ID)); got != f.drA.Email+" "+free.Email {
		t.Errorf("specialist A's choices: %q", got)
	}
	f.fails(1, "Su rol no permite esta acción.", f.drA, "specialists", "users")
}

// Issue 13: `equipment update` and `equipment delete`, refused while a room
// holds the item.
func TestEquipmentUpdateDeleteCommands(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var e EquipmentView
	f.okJSON(&e, f.admin, "equipment", "add", "--name", "Camilla", "--code", "camilla")
	f.okJSON(&e, f.admin, "equipment", "update", id64(e.ID), "--name", "Camilla plegable")
	if e.Name != "Camilla plegable" || e.Code != "camilla" {
		t.Errorf("update --name keeps the code: %+v", e)
	}
	f.okJSON(&e, f.admin, "equipment", "update", id64(e.ID), "--code", "")
	if e.Code != "" || e.Name != "Camilla plegable" {
		t.Errorf("update --code \"\": %+v", e)
	}
	f.fails(1, "Su rol no permite esta acción.", f.desk, "equipment", "update", id64(e.ID), "--name", "X")
	f.fails(1, "Código", f.admin, "equipment", "update", id64(e.ID), "--code", "no slug")

	if _, err := f.tn.AddRoomEquipment(f.ctx, f.admin.Actor(f.remote), f.room.ID, e.ID, 1); err != nil {
		t.Fatal(err)
	}
	f.fails(1, "Otros registros dependen de este.", f.admin, "equipment", "delete", id64(e.ID), "--yes")
	f.fails(2, "--yes", f.admin, "equipment", "delete", id64(e.ID))
	if _, err := f.tn.RemoveRoomEquipment(f.ctx, f.admin.Actor(f.remote), f.room.ID, e.ID); err != nil {
		t.Fatal(err)
	}
	if out := f.ok(f.admin, "equipment", "delete", id64(e.ID), "--yes"); !strings.Contains(out, "«Camilla plegable» eliminado") {
		t.Errorf("delete printed %q", out)
	}
	f.fails(1, "No se encontró: equipo "+id64(e.ID), f.admin, "equipment", "delete", id64(e.ID), "--yes")
}

// Issue 13: `expenses unpay` and `expenses delete` (admin).
func TestExpensesUnpayDeleteCommands(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ex, err := f.tn.CreateExpense(f.ctx, f.admin.Actor(f.remote), store.ExpenseInput{Name: "Luz", Amount: decimal.RequireFromString("120")})
	if err != nil {
		t.Fatal(err)
	}
	var v ExpenseView
	f.okJSON(&v, f.admin, "expenses", "pay", id64(ex.ID))
	if !v.Paid {
		t.Fatalf("pay: %+v", v)
	}
	f.fails(1, "Su rol no permite esta acción.", f.desk, "expenses", "unpay", id64(ex.ID))
	f.okJSON(&v, f.admin, "expenses", "unpay", id64(ex.ID))
	if v.Paid || v.PaidAt != nil {
		t.Errorf("unpay: %+v", v)
	}
	f.fails(2, "--yes", f.admin, "expenses", "delete", id64(ex.ID))
	var d deletedView
	f.okJSON(&d, f.admin, "expenses", "delete", id64(ex.ID), "--yes")
	if !d.Deleted || d.ID != ex.ID {
		t.Errorf("delete --json: %+v", d)
	}
	f.fails(1, "No se encontró: gasto", f.admin, "expenses", "unpay", id64(ex.ID))
}

// Issue 13: changing the time zone with sessions booked ahead says what
// happens to them and needs --confirm-timezone; without bookings it needs
// nothing.
func TestSettingsTimezoneNeedsConfirmation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, lima)
	if _, err := f.tn.BookSession(f.ctx, f.admin.Actor(f.remote), store.Booking{PatientID: f.patA.ID,
		SpecialistID: f.specA.ID, RoomID: f.room.ID, Start: start}); err != nil {
		t.Fatal(err)
	}
	r := f.fails(1, "Sesiones reservadas desde ahora: 1.", f.admin, "settings", "update", "--timezone", "Europe/Madrid")
	for _, want := range []string{"+6 h", "2026-11-23 10:00", "2026-11-23 16:00", "--confirm-timezone"} {
		if !strings.Contains(r.err, want) {
			t.Errorf("the warning lacks %q: %q", want, r.err)
		}
	}
	if s, _ := f.tn.Settings(f.ctx); s.Timezone != "America/Lima" {
		t.Fatalf("saved without confirmation: %s", s.Timezone)
	}
	var s store.Settings
	f.okJSON(&s, f.admin, "settings", "update", "--timezone", "Europe/Madrid", "--confirm-timezone")
	if s.Timezone != "Europe/Madrid" {
		t.Errorf("confirmed change: %+v", s)
	}
	// The same zone again, or other settings: no question.
	f.okJSON(&s, f.admin, "settings", "update", "--timezone", "Europe/Madrid", "--duration", "50")
	f.fails(1, "Su rol no permite esta acción.", f.desk, "settings", "update", "--timezone", "UTC")
}
