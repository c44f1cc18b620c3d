package store_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"consultorio/store"
	"consultorio/store/storetest"
)

func TestSettings(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	a, _ := storetest.NewTenant(t, db, "clinic-a")
	b, _ := storetest.NewTenant(t, db, "clinic-b")
	ctx := context.Background()

	s, err := a.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := store.Settings{DisplayName: "Clínica clinic-a", Timezone: "America/Lima", Currency: "PEN", Lang: "es",
		DefaultDuration: 60, WorkStart: "08:00", WorkEnd: "20:00", WorkDays: []int{1, 2, 3, 4, 5, 6}, SecondFactor: store.SecondFactorOff,
		PaymentOverdueDays: store.DefaultPaymentOverdueDays}
	if !clSettingsEqual(s, want) {
		t.Fatalf("defaults: got %+v, want %+v", s, want)
	}
	if start, end := s.WorkHours(); start != 8*time.Hour || end != 20*time.Hour {
		t.Errorf("work hours %v-%v", start, end)
	}
	if !s.WorksOn(time.Saturday) || s.WorksOn(time.Sunday) {
		t.Errorf("works on: saturday %v, sunday %v", s.WorksOn(time.Saturday), s.WorksOn(time.Sunday))
	}

	// Only an admin changes them.
	for _, actor := range []store.Actor{clReception("a"), clSpecialist("a", 1)} {
		if _, err := a.UpdateSettings(ctx, actor, want); !isForbidden(err) {
			t.Errorf("%s: want forbidden, got %v", actor.Role, err)
		}
	}

	// Validation names the fields.
	bad := want
	bad.Timezone, bad.DefaultDuration, bad.WorkStart, bad.WorkEnd, bad.Lang, bad.Currency, bad.WorkDays, bad.DisplayName =
		"Mars/Olympus", 3, "18:00", "09:00", "fr", "S/", []int{0, 8}, "  "
	_, err = a.UpdateSettings(ctx, clAdmin("a"), bad)
	clWantFields(t, err, "timezone", "default_duration", "work_end", "lang", "currency", "work_days", "display_name")
	bad = want
	bad.DefaultDuration, bad.WorkStart = 481, "8am"
	_, err = a.UpdateSettings(ctx, clAdmin("a"), bad)
	clWantFields(t, err, "default_duration", "work_start")

	upd := store.Settings{DisplayName: "  Centro Norte ", Timezone: "America/Bogota", Currency: "cop", Lang: "EN",
		DefaultDuration: 45, WorkStart: "7:30", WorkEnd: "19:00", WorkDays: []int{5, 1, 2, 3, 4, 1}, SecondFactor: store.SecondFactorAdmins}
	got, err := a.UpdateSettings(ctx, clAdmin("a"), upd)
	if err != nil {
		t.Fatal(err)
	}
	want = store.Settings{DisplayName: "Centro Norte", Timezone: "America/Bogota", Currency: "COP", Lang: "en",
		DefaultDuration: 45, WorkStart: "07:30", WorkEnd: "19:00", WorkDays: []int{1, 2, 3, 4, 5}, SecondFactor: store.SecondFactorAdmins,
		PaymentOverdueDays: store.DefaultPaymentOverdueDays} // 0 in upd: kept
	if !clSettingsEqual(got, want) {
		t.Fatalf("updated: got %+v, want %+v", got, want)
	}
	// Anyone logged in reads them back; the public tenant row follows.
	if again, err := a.Settings(ctx); err != nil || !clSettingsEqual(again, want) {
		t.Fatalf("read back: %+v, %v", again, err)
	}
	if err := a.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if a.Info.Timezone != "America/Bogota" || a.Info.Currency != "COP" || a.Info.Lang != "en" {
		t.Errorf("tenant info not synced: %+v", a.Info)
	}
	clRequireAudit(t, a, "update", "settings", 0, 1)

	// Clinic B is untouched.
	if err := b.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	bs, err := b.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if bs.Timezone != "America/Lima" || bs.DisplayName != "Clínica clinic-b" || b.Info.Timezone != "America/Lima" {
		t.Errorf("clinic B changed: %+v / %s", bs, b.Info.Timezone)
	}
}

func clSettingsEqual(a, b store.Settings) bool {
	return a.DisplayName == b.DisplayName && a.Timezone == b.Timezone && a.Currency == b.Currency && a.Lang == b.Lang &&
		a.DefaultDuration == b.DefaultDuration && a.WorkStart == b.WorkStart && a.WorkEnd == b.WorkEnd &&
		slices.Equal(a.WorkDays, b.WorkDays) && a.SecondFactor == b.SecondFactor &&
		a.PaymentOverdueDays == b.PaymentOverdueDays
}

// ---- helpers shared by the clinic tests ----

func clAdmin(clinic string) store.Actor {
	return store.Actor{Email: "admin@clinic-" + clinic + ".test", Name: "Admin", Role: store.RoleAdmin, RemoteAddr: "192.0.2.1:5000"}
}

func clReception(clinic string) store.Actor {
	return store.Actor{Email: "desk@clinic-" + clinic + ".test", Name: "Desk", Role: store.RoleReception, RemoteAddr: "192.0.2.2:5000"}
}

func clSpecialist(clinic string, specialistID int64) store.Actor {
	return store.Actor{Email: "doc@clinic-" + clinic + ".test", Name: "Doc", Role: store.RoleSpecialist,
		SpecialistID: specialistID, RemoteAddr: "192.0.2.3:5000"}
}

// clWantFields fails unless err is a ValidationError naming exactly fields.
func clWantFields(t *testing.T, err error, fields ...string) {
	t.Helper()
	var ve *store.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want a validation error on %v, got %v", fields, err)
	}
	for _, f := range fields {
		if ve.Reason(f) == store.ReasonNone {
			t.Errorf("no message for field %s in %v", f, ve)
		}
	}
	if len(ve.Fields) != len(fields) {
		t.Errorf("want fields %v, got %v", fields, ve)
	}
}

// clRequireAudit checks the number of audit rows with that action and entity
// (entityID 0: any).
func clRequireAudit(t *testing.T, tn *store.Tenant, action, entity string, entityID int64, want int) []store.AuditEntry {
	t.Helper()
	rows, err := tn.AuditLog(context.Background(), store.System, store.AuditFilter{Action: action, Entity: entity, EntityID: entityID, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != want {
		t.Fatalf("audit %s %s %d: want %d rows, got %d", action, entity, entityID, want, len(rows))
	}
	return rows
}

// The migrations' column defaults repeat the store's defaults (SQL cannot
// name a Go constant): a new clinic provisioned with nothing said has
// exactly DefaultSettings, and the SQL defaults of the clinic settings and
// of public.tenants are the same values.
func TestSchemaDefaultsAreTheStoreDefaults(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := storetest.NewURL(t)
	db, err := store.Open(ctx, url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tn, _ := storetest.NewTenant(t, db, "clinic-d")
	got, err := tn.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := store.DefaultSettings()
	want.DisplayName = got.DisplayName
	if !clSettingsEqual(got, want) {
		t.Errorf("a new clinic's settings %+v, want the defaults %+v", got, want)
	}
	if tn.Info.SpecialistsLimit != store.DefaultSpecialistsLimit || tn.Info.Timezone != store.DefaultTimezone ||
		tn.Info.Currency != store.DefaultCurrency || tn.Info.Lang != store.DefaultLang {
		t.Errorf("a new clinic's plan and locale: %+v", tn.Info)
	}

	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	sqlText := func(s string) string { return "'" + s + "'::text" }
	days := make([]string, 0, 7)
	for _, d := range store.DefaultWorkDays() {
		days = append(days, strconv.Itoa(d))
	}
	for _, c := range []struct{ schema, table, column, want string }{
		{"public", "tenants", "timezone", sqlText(store.DefaultTimezone)},
		{"public", "tenants", "currency", sqlText(store.DefaultCurrency)},
		{"public", "tenants", "lang", sqlText(store.DefaultLang)},
		{"public", "tenants", "specialists_limit", strconv.Itoa(store.DefaultSpecialistsLimit)},
		{tn.Info.Schema, "settings", "timezone", sqlText(store.DefaultTimezone)},
		{tn.Info.Schema, "settings", "currency", sqlText(store.DefaultCurrency)},
		{tn.Info.Schema, "settings", "lang", sqlText(store.DefaultLang)},
		{tn.Info.Schema, "settings", "default_duration", strconv.Itoa(store.DefaultSessionMinutes)},
		{tn.Info.Schema, "settings", "work_start", "'" + store.DefaultWorkStart + ":00'::time without time zone"},
		{tn.Info.Schema, "settings", "work_end", "'" + store.DefaultWorkEnd + ":00'::time without time zone"},
		{tn.Info.Schema, "settings", "work_days", "'{" + strings.Join(days, ",") + "}'::smallint[]"},
		{tn.Info.Schema, "settings", "second_factor", sqlText(string(store.SecondFactorOff))},
		{tn.Info.Schema, "settings", "payment_overdue_days", strconv.Itoa(store.DefaultPaymentOverdueDays)},
	} {
		var def string
		err := conn.QueryRow(ctx, `select column_default from information_schema.columns
			where table_schema = $1 and table_name = $2 and column_name = $3`, c.schema, c.table, c.column).Scan(&def)
		if err != nil {
			t.Fatalf("%s.%s.%s: %v", c.schema, c.table, c.column, err)
		}
		if def != c.want {
			t.Errorf("SQL default of %s.%s is %s, the store's is %s", c.table, c.column, def, c.want)
		}
	}
}
