package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"consultorio/store"
	"consultorio/store/storetest"
)

// The notification tests create their records (patients, specialists,
// rooms, sessions, payments, expenses) with raw SQL in the tenant's
// transaction: they depend on the schema only, and the clock is the `now`
// passed to the scan.

var ntLima = func() *time.Location {
	loc, err := time.LoadLocation("America/Lima")
	if err != nil {
		panic(err)
	}
	return loc
}()

// ntAt is a wall-clock time in Lima.
func ntAt(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, ntLima)
}

type ntFixture struct {
	t            *testing.T
	ctx          context.Context
	db           *store.DB
	tn           *store.Tenant
	admin, desk  store.Actor
	spec1, spec2 store.Actor // specialists' users, linked to their records
	patient      int64
	room1, room2 int64
	s1, s2       int64 // specialist records
}

func newNtFixture(t *testing.T, schema string) *ntFixture {
	t.Helper()
	db := storetest.NewDB(t)
	tn, prov := storetest.NewTenant(t, db, schema)
	f := &ntFixture{t: t, ctx: context.Background(), db: db, tn: tn}
	f.admin = activateAdmin(t, tn, prov).Actor("10.0.0.1:1")
	_, f.desk, _ = staff(t, tn, f.admin, "desk@"+schema+".test", store.RoleReception)
	_, f.spec1, _ = staff(t, tn, f.admin, "luis@"+schema+".test", store.RoleSpecialist)
	_, f.spec2, _ = staff(t, tn, f.admin, "eva@"+schema+".test", store.RoleSpecialist)
	f.s1 = f.id(`insert into specialists (user_id, first_name, last_name, document) values ($1, 'Luis', 'Rojas', 'D1') returning id`, f.spec1.UserID)
	f.s2 = f.id(`insert into specialists (user_id, first_name, last_name, document) values ($1, 'Eva', 'Soto', 'D2') returning id`, f.spec2.UserID)
	f.spec1.SpecialistID, f.spec2.SpecialistID = f.s1, f.s2
	f.room1 = f.id(`insert into rooms (name) values ('Sala 1') returning id`)
	f.room2 = f.id(`insert into rooms (name) values ('Sala 2') returning id`)
	f.patient = f.id(`insert into patients (first_name, surname, birth_date, cost_session) values ('Ana', 'Pérez', '1990-01-01', 80) returning id`)
	return f
}

func (f *ntFixture) exec(sql string, args ...any) {
	f.t.Helper()
	if err := f.tn.Exec(f.ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(f.ctx, sql, args...)
		return err
	}); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
}

func (f *ntFixture) id(sql string, args ...any) int64 {
	f.t.Helper()
	var id int64
	if err := f.tn.Exec(f.ctx, func(tx pgx.Tx) error { return tx.QueryRow(f.ctx, sql, args...).Scan(&id) }); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
	return id
}

// session books a one-hour session of specialist spec in room.
func (f *ntFixture) session(spec, room int64, start time.Time) int64 {
	f.t.Helper()
	return f.id(`insert into sessions (patient_id, specialist_id, room_id, starts_at, duration_min, ends_at)
		values ($1, $2, $3, $4, 60, $4::timestamptz + interval '60 minutes') returning id`, f.patient, spec, room, start)
}

// completed books a session, completes it at its end and creates its unpaid
// payment; it returns the session and the payment.
func (f *ntFixture) completed(spec, room int64, start time.Time) (int64, int64) {
	f.t.Helper()
	s := f.session(spec, room, start)
	f.exec(`update sessions set status = 'completed', observation = 'ok', completed_at = ends_at where id = $1`, s)
	p := f.id(`insert into payments (session_id, amount) values ($1, 80) returning id`, s)
	return s, p
}

func (f *ntFixture) expense(name string, amount string, due string) int64 {
	f.t.Helper()
	return f.id(`insert into expenses (name, amount, due_date) values ($1, $2::numeric, $3::date) returning id`, name, amount, due)
}

func (f *ntFixture) scan(now time.Time, wantCreated, wantResolved int) {
	f.t.Helper()
	c, r, err := f.tn.ScanNotifications(f.ctx, now)
	if err != nil {
		f.t.Fatalf("scan at %v: %v", now, err)
	}
	if c != wantCreated || r != wantResolved {
		f.t.Fatalf("scan at %v: created %d, resolved %d; want %d, %d", now, c, r, wantCreated, wantResolved)
	}
}

// ntRow is a notification row as stored (resolved ones included).
type ntRow struct {
	ID         int64
	Type       string
	Title      string
	Message    string
	PatientID  *int64
	SessionID  *int64
	PaymentID  *int64
	ExpenseID  *int64
	RefKey     string
	CreatedAt  time.Time
	ResolvedAt *time.Time
}

// rows returns every notification by ref_key.
func (f *ntFixture) rows() map[string]ntRow {
	f.t.Helper()
	out := map[string]ntRow{}
	if err := f.tn.Exec(f.ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(f.ctx, `select id, type, title, message, patient_id, session_id, payment_id, expense_id,
			ref_key, created_at, resolved_at from notifications`)
		if err != nil {
			return err
		}
		list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[ntRow])
		for _, r := range list {
			out[r.RefKey] = r
		}
		return err
	}); err != nil {
		f.t.Fatal(err)
	}
	return out
}

// open returns the ref_keys of the open notifications.
func (f *ntFixture) open() []string {
	f.t.Helper()
	var keys []string
	for k, r := range f.rows() {
		if r.ResolvedAt == nil {
			keys = append(keys, k)
		}
	}
	return sortedStrings(keys)
}

func sortedStrings(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

func wantKeys(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	want = sortedStrings(want)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("%s:\n got  %v\n want %v", what, got, want)
	}
}

func listKeys(t *testing.T, tn *store.Tenant, actor store.Actor, unreadOnly bool) []string {
	t.Helper()
	list, err := tn.ListNotifications(context.Background(), actor, store.NotificationFilter{UnreadOnly: unreadOnly})
	if err != nil {
		t.Fatalf("list notifications of %s: %v", actor.Email, err)
	}
	var keys []string
	for _, n := range list {
		keys = append(keys, n.RefKey)
	}
	return sortedStrings(keys)
}

func unread(t *testing.T, tn *store.Tenant, actor store.Actor) int {
	t.Helper()
	n, err := tn.UnreadCount(context.Background(), actor)
	if err != nil {
		t.Fatalf("unread count of %s: %v", actor.Email, err)
	}
	return n
}

func TestNotificationsSessionTomorrow(t *testing.T) {
	t.Parallel()
	f := newNtFixture(t, "clinic-n")
	// 20:00 in Lima on 2 November is already 3 November in UTC (01:00):
	// "tomorrow" is 3 November in Lima but 4 November in UTC.
	now := ntAt(2026, 11, 2, 20, 0)
	early := f.session(f.s1, f.room1, ntAt(2026, 11, 3, 0, 30)) // UTC: 3 Nov 05:30 (today in UTC)
	mid := f.session(f.s2, f.room2, ntAt(2026, 11, 3, 10, 0))
	late := f.session(f.s1, f.room1, ntAt(2026, 11, 3, 23, 30)) // UTC: 4 Nov 04:30
	after := f.session(f.s1, f.room1, ntAt(2026, 11, 4, 0, 30)) // UTC: 4 Nov, "tomorrow" in UTC
	f.session(f.s2, f.room2, ntAt(2026, 11, 2, 23, 0))          // later today
	gone := f.session(f.s2, f.room1, ntAt(2026, 11, 3, 15, 0))
	f.exec(`update sessions set status = 'cancelled', cancel_reason = 'patient' where id = $1`, gone)

	key := func(id int64, day string) string { return fmt.Sprintf("session_tomorrow:%d:%s", id, day) }
	f.scan(now, 3, 0)
	wantKeys(t, "open after the first scan", f.open(), key(early, "2026-11-03"), key(mid, "2026-11-03"), key(late, "2026-11-03"))

	rows := f.rows()
	r := rows[key(early, "2026-11-03")]
	if r.Type != store.NotifySessionTomorrow || r.Title != "Sesión mañana: Ana Pérez" ||
		r.Message != "Ana Pérez con Luis Rojas, 03/11/2026 a las 00:30, Sala 1." {
		t.Fatalf("texts: %q / %q", r.Title, r.Message)
	}
	if r.PatientID == nil || *r.PatientID != f.patient || r.SessionID == nil || *r.SessionID != early ||
		r.PaymentID != nil || r.ExpenseID != nil || !r.CreatedAt.Equal(now) {
		t.Fatalf("links: %+v", r)
	}

	// Again, and again later the same evening: nothing new, no duplicates.
	f.scan(now, 0, 0)
	f.scan(now.Add(time.Hour), 0, 0)
	if n := len(f.rows()); n != 3 {
		t.Fatalf("%d rows after three scans, want 3", n)
	}

	// The session moves within the day: same notification, new text.
	f.exec(`update sessions set starts_at = $2, ends_at = $2::timestamptz + interval '60 minutes' where id = $1`,
		mid, ntAt(2026, 11, 3, 11, 0))
	f.scan(now, 0, 0)
	if m := f.rows()[key(mid, "2026-11-03")].Message; !strings.Contains(m, "a las 11:00") {
		t.Fatalf("text after moving the session: %q", m)
	}

	// Cancelled: gone from the list at once, resolved by the next scan.
	f.exec(`update sessions set status = 'cancelled', cancel_reason = 'patient' where id = $1`, mid)
	wantKeys(t, "admin's list after the cancellation", listKeys(t, f.tn, f.admin, false), key(early, "2026-11-03"), key(late, "2026-11-03"))
	f.scan(now, 0, 1)
	if r := f.rows()[key(mid, "2026-11-03")]; r.ResolvedAt == nil || !r.ResolvedAt.Equal(now) {
		t.Fatalf("cancelled session's notification: resolved at %v", r.ResolvedAt)
	}

	// A day later, 4 November is tomorrow: the 3 November ones are resolved,
	// the 00:30 one on the 4th is notified.
	f.scan(now.Add(24*time.Hour), 1, 2)
	wantKeys(t, "open a day later", f.open(), key(after, "2026-11-04"))
}

func TestNotificationsPaymentOverdue(t *testing.T) {
	t.Parallel()
	f := newNtFixture(t, "clinic-n")
	// Completed on Monday 26 October at 11:00 Lima.
	sess, pay := f.completed(f.s1, f.room1, ntAt(2026, 10, 26, 10, 0))
	_, paidPay := f.completed(f.s2, f.room2, ntAt(2026, 10, 26, 10, 0))
	f.exec(`update payments set paid = true, paid_on = '2026-10-26', method = 'cash' where id = $1`, paidPay)
	f.session(f.s1, f.room1, ntAt(2026, 10, 20, 10, 0)) // never completed: no payment to chase
	key := fmt.Sprintf("payment_overdue:%d", pay)

	f.scan(ntAt(2026, 11, 1, 23, 59), 0, 0) // day 6 after completion
	day7 := ntAt(2026, 11, 2, 0, 1)
	f.scan(day7, 1, 0)
	f.scan(day7.Add(time.Hour), 0, 0)
	r := f.rows()[key]
	if r.Type != store.NotifyPaymentOverdue || r.Title != "Pago pendiente: Ana Pérez" ||
		r.Message != "Sesión del 26/10/2026 con Luis Rojas: S/ 80.00 sin pagar." {
		t.Fatalf("texts: %q / %q", r.Title, r.Message)
	}
	if r.PatientID == nil || *r.PatientID != f.patient || r.SessionID == nil || *r.SessionID != sess ||
		r.PaymentID == nil || *r.PaymentID != pay || r.ExpenseID != nil {
		t.Fatalf("links: %+v", r)
	}
	if err := f.tn.MarkNotificationRead(f.ctx, f.admin, r.ID); err != nil {
		t.Fatal(err)
	}

	// Paid: resolved.
	f.exec(`update payments set paid = true, paid_on = '2026-11-02', method = 'card' where id = $1`, pay)
	f.scan(day7.Add(2*time.Hour), 0, 1)
	wantKeys(t, "open after payment", f.open())

	// Marked unpaid again (a mistake): the same notification reopens, unread.
	f.exec(`update payments set paid = false, paid_on = null, method = null where id = $1`, pay)
	reopenAt := day7.Add(3 * time.Hour)
	f.scan(reopenAt, 1, 0)
	again := f.rows()[key]
	if again.ID != r.ID || again.ResolvedAt != nil || !again.CreatedAt.Equal(reopenAt) || len(f.rows()) != 1 {
		t.Fatalf("reopened: %+v (was %+v)", again, r)
	}
	if n := unread(t, f.tn, f.admin); n != 1 {
		t.Fatalf("admin's unread after the reopening: %d, want 1", n)
	}
}

func TestNotificationsExpenses(t *testing.T) {
	t.Parallel()
	f := newNtFixture(t, "clinic-n")
	f.exec(`update settings set lang = 'en'`)
	now := ntAt(2026, 11, 2, 9, 0)                    // Monday
	rent := f.expense("Rent", "1200", "2026-11-05")   // today+3: due
	f.expense("Water", "40.50", "2026-11-06")         // today+4: not yet
	light := f.expense("Light", "90", "2026-11-02")   // today: due
	phone := f.expense("Phone", "60", "2026-11-01")   // yesterday: overdue
	paid := f.expense("Cleaning", "50", "2026-10-30") // paid: nothing
	f.exec(`update expenses set paid = true, paid_at = '2026-10-30' where id = $1`, paid)
	f.exec(`insert into expenses (name, amount) values ('Coffee', 10)`) // no due date: nothing
	water := f.id(`select id from expenses where name = 'Water'`)

	due := func(id int64, day string) string { return fmt.Sprintf("expense_due:%d:%s", id, day) }
	overdue := func(id int64, day string) string { return fmt.Sprintf("expense_overdue:%d:%s", id, day) }
	f.scan(now, 3, 0)
	wantKeys(t, "open", f.open(), due(rent, "2026-11-05"), due(light, "2026-11-02"), overdue(phone, "2026-11-01"))
	rows := f.rows()
	if r := rows[due(rent, "2026-11-05")]; r.Type != store.NotifyExpenseDue || r.Title != "Expense due soon: Rent" ||
		r.Message != "Rent: S/ 1200.00 due on 2026-11-05." || r.ExpenseID == nil || *r.ExpenseID != rent ||
		r.PatientID != nil || r.SessionID != nil || r.PaymentID != nil {
		t.Fatalf("due: %+v", r)
	}
	if r := rows[overdue(phone, "2026-11-01")]; r.Type != store.NotifyExpenseOverdue || r.Title != "Expense overdue: Phone" ||
		r.Message != "Phone: S/ 60.00 was due on 2026-11-01." {
		t.Fatalf("overdue: %+v", r)
	}
	f.scan(now.Add(5*time.Hour), 0, 0)

	// The amount is corrected: same notification, new text.
	f.exec(`update expenses set amount = 1250 where id = $1`, rent)
	f.scan(now.Add(6*time.Hour), 0, 0)
	if m := f.rows()[due(rent, "2026-11-05")].Message; m != "Rent: S/ 1250.00 due on 2026-11-05." {
		t.Fatalf("text after the correction: %q", m)
	}

	// Next day: the light bill is past due (its expense_due is resolved and an
	// expense_overdue appears) and water is now within three days.
	next := now.Add(24 * time.Hour)
	f.scan(next, 2, 1)
	wantKeys(t, "open the next day", f.open(), due(rent, "2026-11-05"), due(water, "2026-11-06"),
		overdue(light, "2026-11-02"), overdue(phone, "2026-11-01"))
	if r := f.rows()[due(light, "2026-11-02")]; r.ResolvedAt == nil || !r.ResolvedAt.Equal(next) {
		t.Fatalf("light's expense_due: resolved at %v", r.ResolvedAt)
	}

	// Paid: resolved; the scan stays idempotent.
	f.exec(`update expenses set paid = true, paid_at = '2026-11-03' where id = $1`, phone)
	f.scan(next.Add(time.Minute), 0, 1)
	f.scan(next.Add(2*time.Minute), 0, 0)
	wantKeys(t, "open after paying", f.open(), due(rent, "2026-11-05"), due(water, "2026-11-06"), overdue(light, "2026-11-02"))

	// The due date moves: the old one is resolved, the new date notified.
	f.exec(`update expenses set due_date = '2026-11-04' where id = $1`, rent)
	f.scan(next.Add(3*time.Minute), 1, 1)
	wantKeys(t, "open after moving the due date", f.open(), due(rent, "2026-11-04"), due(water, "2026-11-06"), overdue(light, "2026-11-02"))
}

func TestNotificationReadStateAndRoles(t *testing.T) {
	t.Parallel()
	f := newNtFixture(t, "clinic-n")
	now := ntAt(2026, 11, 2, 9, 0)
	s1 := f.session(f.s1, f.room1, ntAt(2026, 11, 3, 10, 0))
	s2 := f.session(f.s2, f.room2, ntAt(2026, 11, 3, 10, 0))
	_, pay := f.completed(f.s1, f.room1, ntAt(2026, 10, 20, 10, 0))
	exp := f.expense("Rent", "1200", "2026-11-03")
	f.scan(now, 4, 0)
	kS1 := fmt.Sprintf("session_tomorrow:%d:2026-11-03", s1)
	kS2 := fmt.Sprintf("session_tomorrow:%d:2026-11-03", s2)
	kPay := fmt.Sprintf("payment_overdue:%d", pay)
	kExp := fmt.Sprintf("expense_due:%d:2026-11-03", exp)
	ids := map[string]int64{}
	for k, r := range f.rows() {
		ids[k] = r.ID
	}

	// Who sees what: expenses only the admin; sessions and payments admin,
	// reception and the session's specialist.
	wantKeys(t, "admin", listKeys(t, f.tn, f.admin, false), kS1, kS2, kPay, kExp)
	wantKeys(t, "reception", listKeys(t, f.tn, f.desk, false), kS1, kS2, kPay)
	wantKeys(t, "specialist 1", listKeys(t, f.tn, f.spec1, false), kS1, kPay)
	wantKeys(t, "specialist 2", listKeys(t, f.tn, f.spec2, false), kS2)
	for _, c := range []struct {
		who  store.Actor
		want int
	}{{f.admin, 4}, {f.desk, 3}, {f.spec1, 2}, {f.spec2, 1}} {
		if n := unread(t, f.tn, c.who); n != c.want {
			t.Fatalf("unread of %s: %d, want %d", c.who.Email, n, c.want)
		}
	}
	if err := f.tn.MarkNotificationRead(f.ctx, f.desk, ids[kExp]); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("reception marking an expense notification: %v", err)
	}
	if err := f.tn.MarkNotificationRead(f.ctx, f.spec2, ids[kS1]); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("specialist marking another's session: %v", err)
	}
	if err := f.tn.MarkNotificationRead(f.ctx, f.admin, 999999); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown notification: %v", err)
	}
	if err := f.tn.MarkNotificationRead(f.ctx, store.System, ids[kS1]); !isForbidden(err) {
		t.Fatalf("system actor keeping read state: %v", err)
	}
	if _, err := f.tn.ListNotifications(f.ctx, store.Actor{UserID: f.admin.UserID}, store.NotificationFilter{}); !isForbidden(err) {
		t.Fatalf("actor without a role: %v", err)
	}

	// One user's read mark is theirs only.
	for range 2 { // twice: marking again is a no-op
		if err := f.tn.MarkNotificationRead(f.ctx, f.admin, ids[kS1]); err != nil {
			t.Fatal(err)
		}
	}
	if a, d := unread(t, f.tn, f.admin), unread(t, f.tn, f.desk); a != 3 || d != 3 {
		t.Fatalf("after the admin read one: admin %d (want 3), reception %d (want 3)", a, d)
	}
	wantKeys(t, "admin's unread", listKeys(t, f.tn, f.admin, true), kS2, kPay, kExp)
	wantKeys(t, "reception's unread", listKeys(t, f.tn, f.desk, true), kS1, kS2, kPay)
	list, err := f.tn.ListNotifications(f.ctx, f.desk, store.NotificationFilter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range list {
		if n.Read {
			t.Fatalf("reception sees %s as read", n.RefKey)
		}
	}
	if n, err := f.tn.MarkAllNotificationsRead(f.ctx, f.desk); err != nil || n != 3 {
		t.Fatalf("reception marks all read: %d, %v", n, err)
	}
	if a, d := unread(t, f.tn, f.admin), unread(t, f.tn, f.desk); a != 3 || d != 0 {
		t.Fatalf("after reception read all: admin %d (want 3), reception %d (want 0)", a, d)
	}
	if n, err := f.tn.MarkAllNotificationsRead(f.ctx, f.desk); err != nil || n != 0 {
		t.Fatalf("reception marks all read again: %d, %v", n, err)
	}

	// A payment marked paid leaves the badge at once, before any scan.
	f.exec(`update payments set paid = true, paid_on = '2026-11-02', method = 'cash' where id = $1`, pay)
	if n := unread(t, f.tn, f.admin); n != 2 {
		t.Fatalf("admin's unread after the payment: %d, want 2", n)
	}
	wantKeys(t, "specialist 1 after the payment", listKeys(t, f.tn, f.spec1, false), kS1)
}

func TestScanAllNotifications(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	ctx := context.Background()
	now := ntAt(2026, 11, 2, 9, 0)
	addExpense := func(tn *store.Tenant) {
		t.Helper()
		if err := tn.Exec(ctx, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `insert into expenses (name, amount, due_date) values ('Rent', 100, '2026-11-03')`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	var tenants []*store.Tenant
	for _, s := range []string{"clinic-a", "clinic-b", "clinic-c", "clinic-d"} {
		tn, _ := storetest.NewTenant(t, db, s)
		addExpense(tn)
		tenants = append(tenants, tn)
	}
	// b is suspended (not scanned); c's time zone is broken (fails, alone).
	if _, err := db.SuspendTenant(ctx, store.CLI, "clinic-b"); err != nil {
		t.Fatal(err)
	}
	if err := tenants[2].Exec(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `update settings set timezone = 'Mars/Olympus'`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	sum, err := db.ScanAllNotifications(ctx, now, 3)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Clinics != 3 || sum.Created != 2 || sum.Resolved != 0 || len(sum.Failed) != 1 || sum.Failed[0].Schema != "clinic-c" {
		t.Fatalf("summary: %+v", sum)
	}
	if js, err := json.Marshal(sum.Failed[0]); err != nil || !strings.Contains(string(js), `"schema":"clinic-c","error":"clinic clinic-c: clinic time zone \"Mars/Olympus\"`) {
		t.Fatalf("failure as JSON: %s, %v", js, err)
	}
	for i, want := range []int{1, 0, 0, 1} {
		n, err := tenants[i].UnreadCount(ctx, store.System)
		if err != nil || n != want {
			t.Fatalf("%s: %d notifications, %v; want %d", tenants[i].Info.Schema, n, err, want)
		}
	}
	sum, err = db.ScanAllNotifications(ctx, now, 0)
	if err != nil || sum.Created != 0 || sum.Resolved != 0 || len(sum.Failed) != 1 {
		t.Fatalf("second scan: %+v, %v", sum, err)
	}
}
