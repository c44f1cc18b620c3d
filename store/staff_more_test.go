package store_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"consultorio/store"
)

// auditCount counts the audit rows of an action on one record.
func (f *agendaFixture) auditCount(action, entity string, id int64) int {
	f.t.Helper()
	rows, err := f.tn.AuditLog(f.ctx, f.admin, store.AuditFilter{Action: action, Entity: entity, EntityID: id})
	if err != nil {
		f.t.Fatalf("audit log: %v", err)
	}
	return len(rows)
}

func lockedIn(users []store.User, id int64) (store.User, bool) {
	for _, u := range users {
		if u.ID == id {
			return u, true
		}
	}
	return store.User{}, false
}

// Issue 13: the staff list says who is locked out (for both doors: the
// field is the list's data), an admin lifts the lock, and a lock that has
// run out is not shown as one.
func TestLockedUsersListedAndUnlocked(t *testing.T) {
	t.Parallel()
	f := newAgendaFixture(t, 0)
	ana := f.user("ana@clinic-a.test", "Ana", store.RoleSpecialist, 0)
	const pw = "una clave bastante larga"
	if err := f.tn.SetPassword(f.ctx, ana.UserID, pw); err != nil {
		t.Fatal(err)
	}
	lockOut := func() {
		t.Helper()
		for range store.MaxFailedLogins {
			if _, err := f.tn.LoginPassword(f.ctx, ana.Email, "equivocada-123", "10.9.9.9:1"); !errors.Is(err, store.ErrBadCredentials) {
				t.Fatalf("wrong password: %v", err)
			}
		}
	}
	users, err := f.tn.ListUsers(f.ctx, f.desk)
	if err != nil {
		t.Fatal(err)
	}
	if u, _ := lockedIn(users, ana.UserID); u.Locked() {
		t.Fatalf("locked before any failure: %+v", u)
	}

	lockOut()
	want := f.clock.Now().Add(store.LockoutDuration)
	for _, who := range []store.Actor{f.admin, f.desk} { // reception reads the list too
		users, err := f.tn.ListUsers(f.ctx, who)
		if err != nil {
			t.Fatal(err)
		}
		u, ok := lockedIn(users, ana.UserID)
		if !ok || !u.Locked() || !u.LockedUntil.Equal(want) {
			t.Errorf("%s's list: %+v, want locked until %v", who.Role, u, want)
		}
	}
	if u, err := f.tn.GetUser(f.ctx, f.admin, ana.UserID); err != nil || !u.Locked() {
		t.Errorf("GetUser of a locked user: %+v %v", u, err)
	}

	// Only an admin unlocks (the exported rule says the same).
	if f.desk.MayUnlockUsers() || !f.admin.MayUnlockUsers() {
		t.Error("MayUnlockUsers disagrees with the matrix (admin only)")
	}
	if _, err := f.tn.UnlockUser(f.ctx, f.desk, ana.UserID); !agForbidden(err) {
		t.Errorf("reception unlocking: %v", err)
	}
	u, err := f.tn.UnlockUser(f.ctx, f.admin, ana.UserID)
	if err != nil || u.Locked() {
		t.Fatalf("unlock: %+v %v", u, err)
	}
	if _, err := f.tn.LoginPassword(f.ctx, ana.Email, pw, "10.0.0.3:1"); err != nil {
		t.Errorf("the right password after the unlock: %v", err)
	}
	if n := f.auditCount("user.unlock", "user", ana.UserID); n != 1 {
		t.Errorf("%d audit rows of the unlock", n)
	}
	if _, err := f.tn.UnlockUser(f.ctx, f.admin, 999999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unlocking nobody: %v", err)
	}

	// A lock that has run out is no lock, though the column keeps its end.
	lockOut()
	f.clock.Advance(store.LockoutDuration + time.Second)
	users, _ = f.tn.ListUsers(f.ctx, f.admin)
	if u, _ := lockedIn(users, ana.UserID); u.Locked() {
		t.Errorf("an expired lock is listed: %+v", u)
	}
}

// Issue 13: any user changes their own password, knowing the current one;
// the one password policy applies; a wrong current password counts as a
// failed login and locks the account like the login form does.
func TestChangeOwnPassword(t *testing.T) {
	t.Parallel()
	f := newAgendaFixture(t, 0)
	rec := f.user("rosa@clinic-a.test", "Rosa", store.RoleReception, 0)
	const old, next = "la clave de siempre", "una clave nueva y larga"
	if err := f.tn.SetPassword(f.ctx, rec.UserID, old); err != nil {
		t.Fatal(err)
	}

	// The policy is ValidatePassword's, reported on the new password.
	if err := f.tn.ChangeOwnPassword(f.ctx, rec, old, "corta"); !agInvalid(err, "password") {
		t.Errorf("a short new password: %v", err)
	}
	if err := f.tn.ChangeOwnPassword(f.ctx, rec, old, "12345678901234"); !agInvalid(err, "password") {
		t.Errorf("an all-digit new password: %v", err)
	}
	// Wrong current password: the login's answer, counted.
	if err := f.tn.ChangeOwnPassword(f.ctx, rec, "no es esta", next); !errors.Is(err, store.ErrBadCredentials) {
		t.Fatalf("wrong current password: %v", err)
	}
	var failed int
	f.scalar(&failed, `select failed_attempts from users where id = $1`, rec.UserID)
	if failed != 1 {
		t.Errorf("failed_attempts = %d after a wrong current password, want 1", failed)
	}

	if err := f.tn.ChangeOwnPassword(f.ctx, rec, old, next); err != nil {
		t.Fatalf("change: %v", err)
	}
	if _, err := f.tn.LoginPassword(f.ctx, rec.Email, old, "x"); !errors.Is(err, store.ErrBadCredentials) {
		t.Errorf("the old password still logs in: %v", err)
	}
	if _, err := f.tn.LoginPassword(f.ctx, rec.Email, next, "x"); err != nil {
		t.Errorf("the new password: %v", err)
	}
	rows, err := f.tn.AuditLog(f.ctx, f.admin, store.AuditFilter{Action: "user.change_password"})
	if err != nil || len(rows) != 1 || rows[0].UserEmail != rec.Email {
		t.Fatalf("audit of the change: %+v %v", rows, err)
	}
	if d := string(rows[0].Detail); strings.Contains(d, old) || strings.Contains(d, next) {
		t.Errorf("the audit row holds a password: %s", d)
	}

	// MaxFailedLogins wrong guesses lock the account: then even the right
	// current password is refused, as at the login.
	for range store.MaxFailedLogins {
		if err := f.tn.ChangeOwnPassword(f.ctx, rec, "adivinanza-1", "otra clave larga"); !errors.Is(err, store.ErrBadCredentials) {
			t.Fatalf("guess: %v", err)
		}
	}
	if err := f.tn.ChangeOwnPassword(f.ctx, rec, next, "otra clave larga"); !errors.Is(err, store.ErrBadCredentials) {
		t.Errorf("a locked account changed its password: %v", err)
	}
	if u, _ := f.tn.GetUser(f.ctx, f.admin, rec.UserID); !u.Locked() {
		t.Errorf("not locked after %d wrong current passwords: %+v", store.MaxFailedLogins, u)
	}

	// A key-only user (no password yet) sets a first one.
	doc := f.user("sam@clinic-a.test", "Sam", store.RoleSpecialist, 0)
	if err := f.tn.ChangeOwnPassword(f.ctx, doc, "", next); err != nil {
		t.Errorf("first password of a key-only user: %v", err)
	}
	if _, err := f.tn.LoginPassword(f.ctx, doc.Email, next, "x"); err != nil {
		t.Errorf("the first password: %v", err)
	}

	// Only one's own: no role, no user, or another user's id.
	if err := f.tn.ChangeOwnPassword(f.ctx, store.Actor{UserID: rec.UserID}, next, "otra clave larga"); !agForbidden(err) {
		t.Errorf("an actor without a role: %v", err)
	}
	if f.admin.MayChangePasswordOf(rec.UserID) || !rec.MayChangePasswordOf(rec.UserID) || (store.Actor{Role: store.RoleAdmin}).MayChangePasswordOf(0) {
		t.Error("MayChangePasswordOf: only one's own password")
	}
	// A deactivated user's open session cannot change it.
	f.exec(func(tx pgx.Tx) error {
		_, err := tx.Exec(f.ctx, `update users set active = false where id = $1`, doc.UserID)
		return err
	})
	if err := f.tn.ChangeOwnPassword(f.ctx, doc, next, "otra clave larga"); !errors.Is(err, store.ErrAccountDisabled) {
		t.Errorf("a deactivated user: %v", err)
	}
}

// Issue 13: the specialist form's user picker offers active specialist
// users no other specialist is linked to, plus the one linked to the
// specialist being edited.
func TestLinkableUsers(t *testing.T) {
	t.Parallel()
	f := newAgendaFixture(t, 0)
	specA := f.specialist("Ana", "Paz", "fixed", "0", true)
	specB := f.specialist("Juan", "Soto", "fixed", "0", true)
	ana := f.user("ana@clinic-a.test", "Ana", store.RoleSpecialist, specA)
	juan := f.user("juan@clinic-a.test", "Juan", store.RoleSpecialist, specB)
	sam := f.user("sam@clinic-a.test", "Sam", store.RoleSpecialist, 0)
	old := f.user("old@clinic-a.test", "Old", store.RoleSpecialist, 0)
	f.exec(func(tx pgx.Tx) error {
		_, err := tx.Exec(f.ctx, `update users set active = false where id = $1`, old.UserID)
		return err
	})
	ids := func(users []store.User, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, u := range users {
			out = append(out, u.Email)
		}
		return strings.Join(out, " ")
	}
	if got := ids(f.tn.LinkableUsers(f.ctx, f.admin, 0)); got != sam.Email {
		t.Errorf("a new specialist may link %q, want only %s", got, sam.Email)
	}
	if got := ids(f.tn.LinkableUsers(f.ctx, f.desk, specA)); got != ana.Email+" "+sam.Email {
		t.Errorf("editing specialist A offers %q, want Ana (linked) and Sam", got)
	}
	if got := ids(f.tn.LinkableUsers(f.ctx, f.admin, specB)); strings.Contains(got, ana.Email) || !strings.Contains(got, juan.Email) {
		t.Errorf("editing specialist B offers %q", got)
	}
	if _, err := f.tn.LinkableUsers(f.ctx, juan, specB); !agForbidden(err) {
		t.Errorf("a specialist listing users: %v", err)
	}
}

// Issue 13: the equipment catalog's items are renamed and deleted; one
// still in a room is refused with a typed conflict.
func TestEquipmentUpdateAndDelete(t *testing.T) {
	t.Parallel()
	f := newAgendaFixture(t, 0)
	room := f.room("Sala 1")
	bed, err := f.tn.CreateEquipment(f.ctx, f.admin, "Camilla", "camilla")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.tn.CreateEquipment(f.ctx, f.admin, "Espejo", ""); err != nil {
		t.Fatal(err)
	}

	if _, err := f.tn.UpdateEquipment(f.ctx, f.desk, bed.ID, "Camilla 2", ""); !agForbidden(err) {
		t.Errorf("reception renaming equipment: %v", err)
	}
	got, err := f.tn.UpdateEquipment(f.ctx, f.admin, bed.ID, " Camilla plegable ", "Camilla-2")
	if err != nil || got.Name != "Camilla plegable" || got.Code != "camilla-2" || got.ID != bed.ID {
		t.Fatalf("update: %+v %v", got, err)
	}
	var ce *store.ConflictError
	if _, err := f.tn.UpdateEquipment(f.ctx, f.admin, bed.ID, "Espejo", ""); !errors.As(err, &ce) || ce.Field != "name" {
		t.Errorf("renaming onto another item's name: %v", err)
	}
	if _, err := f.tn.UpdateEquipment(f.ctx, f.admin, bed.ID, "Camilla", "no slug"); !agInvalid(err, "code") {
		t.Errorf("a bad code: %v", err)
	}
	if _, err := f.tn.UpdateEquipment(f.ctx, f.admin, 999999, "X", ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("renaming nothing: %v", err)
	}
	if n := f.auditCount("update", "equipment", bed.ID); n != 1 {
		t.Errorf("%d audit rows of the rename", n)
	}

	// In a room: refused, and it stays.
	if _, err := f.tn.AddRoomEquipment(f.ctx, f.admin, room, bed.ID, 2); err != nil {
		t.Fatal(err)
	}
	if r, _ := f.tn.GetRoom(f.ctx, f.admin, room); len(r.Equipment) != 1 || r.Equipment[0].Name != "Camilla plegable" {
		t.Errorf("the room shows %+v", r.Equipment)
	}
	err = f.tn.DeleteEquipment(f.ctx, f.admin, bed.ID)
	if !errors.As(err, &ce) || ce.Reason != store.ReasonInUse || store.CodeOf(err) != store.CodeConflict {
		t.Fatalf("deleting equipment in a room: %v", err)
	}
	if err := f.tn.DeleteEquipment(f.ctx, f.desk, bed.ID); !agForbidden(err) {
		t.Errorf("reception deleting: %v", err)
	}
	if _, err := f.tn.RemoveRoomEquipment(f.ctx, f.admin, room, bed.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.tn.DeleteEquipment(f.ctx, f.admin, bed.ID); err != nil {
		t.Fatalf("delete: %v", err)
	}
	list, _ := f.tn.ListEquipment(f.ctx, f.admin)
	if len(list) != 1 || list[0].Name != "Espejo" {
		t.Errorf("catalog after the delete: %+v", list)
	}
	if err := f.tn.DeleteEquipment(f.ctx, f.admin, bed.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleting it again: %v", err)
	}
	if n := f.auditCount("delete", "equipment", bed.ID); n != 1 {
		t.Errorf("%d audit rows of the delete", n)
	}
}

// Issue 13: an expense is marked unpaid again or deleted (admin only,
// audited); a recurring copy outlives the original.
func TestExpenseUnpayAndDelete(t *testing.T) {
	t.Parallel()
	f := newAgendaFixture(t, 0)
	rent, err := f.tn.CreateExpense(f.ctx, f.admin, store.ExpenseInput{Name: "Alquiler", Amount: agDec("1200"),
		Recurring: true, DueDate: agDate(2026, 11, 5)})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.tn.PayExpense(f.ctx, f.admin, rent.ID, agDate(2026, 11, 4)); err != nil {
		t.Fatal(err)
	}
	if f.desk.MayManageFinance() {
		t.Error("reception may manage finance")
	}
	if _, err := f.tn.UnpayExpense(f.ctx, f.desk, rent.ID); !agForbidden(err) {
		t.Errorf("reception unpaying: %v", err)
	}
	e, err := f.tn.UnpayExpense(f.ctx, f.admin, rent.ID)
	if err != nil || e.Paid || e.PaidAt != nil {
		t.Fatalf("unpay: %+v %v", e, err)
	}
	rows, _ := f.tn.AuditLog(f.ctx, f.admin, store.AuditFilter{Action: "unpaid", Entity: "expense", EntityID: rent.ID})
	if len(rows) != 1 || !strings.Contains(string(rows[0].Detail), "2026-11-04") {
		t.Errorf("audit of the unpay keeps the date it had: %+v", rows)
	}
	// Unpaid already: nothing written.
	if e, err := f.tn.UnpayExpense(f.ctx, f.admin, rent.ID); err != nil || e.Paid {
		t.Errorf("unpaying an unpaid expense: %+v %v", e, err)
	}
	if n := f.auditCount("unpaid", "expense", rent.ID); n != 1 {
		t.Errorf("%d audit rows after a second unpay, want 1", n)
	}
	if _, err := f.tn.UnpayExpense(f.ctx, f.admin, 999999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unpaying nothing: %v", err)
	}

	// Delete: the next month's copy stays, unlinked.
	next, err := f.tn.CreateNextRecurring(f.ctx, f.admin, rent.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.tn.DeleteExpense(f.ctx, f.desk, rent.ID); !agForbidden(err) {
		t.Errorf("reception deleting: %v", err)
	}
	if err := f.tn.DeleteExpense(f.ctx, f.admin, rent.ID); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := f.tn.GetExpense(f.ctx, f.admin, rent.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the deleted expense: %v", err)
	}
	if c, err := f.tn.GetExpense(f.ctx, f.admin, next.ID); err != nil || c.PreviousID != nil {
		t.Errorf("the next month's copy after the delete: %+v %v", c, err)
	}
	rows, _ = f.tn.AuditLog(f.ctx, f.admin, store.AuditFilter{Action: "delete", Entity: "expense", EntityID: rent.ID})
	if len(rows) != 1 || !strings.Contains(string(rows[0].Detail), "Alquiler") {
		t.Errorf("audit of the delete keeps what it was: %+v", rows)
	}
	if err := f.tn.DeleteExpense(f.ctx, f.admin, rent.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleting it again: %v", err)
	}
}

// Issue 13: before the clinic's time zone changes, the core says how many
// booked sessions are ahead and how their clock time shifts; saving keeps
// every session at its instant.
func TestTimezoneChangeImpact(t *testing.T) {
	t.Parallel()
	f := newAgendaFixture(t, 0)
	spec, room, pat := f.specialist("Ana", "Paz", "fixed", "0", true), f.room("Sala 1"), f.patient("Luis", "Rojas", "80")
	first := f.book(store.Booking{PatientID: pat, SpecialistID: spec, RoomID: room, Start: agAt(2026, 11, 11, 10, 0)})
	f.book(store.Booking{PatientID: pat, SpecialistID: spec, RoomID: room, Start: agAt(2026, 11, 12, 10, 0)})
	gone := f.book(store.Booking{PatientID: pat, SpecialistID: spec, RoomID: room, Start: agAt(2026, 11, 13, 10, 0)})
	if _, err := f.tn.CancelSession(f.ctx, f.admin, gone.ID, store.CancelPatient, ""); err != nil {
		t.Fatal(err)
	}
	f.clock.Set(agAt(2026, 11, 11, 9, 0))

	if _, err := f.tn.TimezoneChange(f.ctx, f.desk, "Europe/Madrid"); !agForbidden(err) {
		t.Errorf("reception: %v", err)
	}
	if _, err := f.tn.TimezoneChange(f.ctx, f.admin, "Mars/Olympus"); !agInvalid(err, "timezone") {
		t.Errorf("an unknown zone: %v", err)
	}
	im, err := f.tn.TimezoneChange(f.ctx, f.admin, "Europe/Madrid")
	if err != nil {
		t.Fatal(err)
	}
	// Lima is UTC-5, Madrid UTC+1 in November: clock times move 6 hours on.
	if im.From != "America/Lima" || im.To != "Europe/Madrid" || im.Booked != 2 || im.First == nil ||
		!im.First.Equal(first.StartsAt) || im.ShiftMinutes != 360 || !im.Changes() {
		t.Fatalf("impact = %+v", im)
	}
	if same, _ := f.tn.TimezoneChange(f.ctx, f.admin, "America/Lima"); same.Changes() || same.ShiftMinutes != 0 {
		t.Errorf("no change: %+v", same)
	}

	s, err := f.tn.Settings(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	s.Timezone = "Europe/Madrid"
	if _, err := f.tn.UpdateSettings(f.ctx, f.admin, s); err != nil {
		t.Fatal(err)
	}
	var start time.Time
	f.scalar(&start, `select starts_at from sessions where id = $1`, first.ID)
	if !start.Equal(first.StartsAt) {
		t.Errorf("the session moved: %v, was %v", start, first.StartsAt)
	}
	if im, _ := f.tn.TimezoneChange(f.ctx, f.admin, "Europe/Madrid"); im.Changes() || im.Booked != 2 {
		t.Errorf("after the change: %+v", im)
	}
}

// Issue 13: a settings change is announced to the clinic's open sessions
// (through PostgreSQL), so they apply it live.
func TestSettingsChangeIsAnnounced(t *testing.T) {
	t.Parallel()
	f := newAgendaFixture(t, 0)
	l := startListener(t, f.db)
	ch, cancel := l.Subscribe(f.tn.Info.ID)
	defer cancel()
	wantResync(t, "live", ch)
	s, err := f.tn.Settings(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	s.Lang, s.Currency = "en", "USD"
	if _, err := f.tn.UpdateSettings(f.ctx, f.admin, s); err != nil {
		t.Fatal(err)
	}
	wantChange(t, "settings", ch, store.ChangeSettings, 0)
}
