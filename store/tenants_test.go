package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"consultorio/store"
	"consultorio/store/storetest"
)

func ptr[T any](v T) *T { return &v }

func isConflict(err error, field string) bool {
	var ce *store.ConflictError
	return errors.As(err, &ce) && ce.Field == field
}

// auditCount counts operator audit rows for an action and target, with an
// optional extra SQL condition on before/after.
func auditCount(t *testing.T, db *store.DB, action, target, cond string) int {
	t.Helper()
	if cond == "" {
		cond = "true"
	}
	var n int
	if err := db.Pool().QueryRow(context.Background(), `select count(*) from public.operator_audit
		where action = $1 and target = $2 and `+cond, action, target).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

var panelOp = store.OperatorActor{OperatorID: 0, Email: "olga@service.test", RemoteAddr: "10.9.9.9:22"}

func TestListGetUpdateTenants(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	ctx := context.Background()
	for _, nt := range []store.NewTenant{
		{Schema: "clinic-a", Name: "Alfa Salud", AdminEmail: "ana@alfa.test", Domains: []string{"alfa.example.com"}},
		{Schema: "clinic-b", Name: "Beta Terapias", AdminEmail: "bea@beta.test"},
		{Schema: "clinic-c", Name: "Centro Gamma", AdminEmail: "gus@gamma.test"},
	} {
		if _, err := db.CreateTenant(ctx, store.CLI, nt); err != nil {
			t.Fatal(err)
		}
	}
	schemas := func(f store.TenantFilter) []string {
		t.Helper()
		list, err := db.ListTenants(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		out := []string{}
		for _, ti := range list {
			out = append(out, ti.Schema)
		}
		return out
	}
	for f, want := range map[store.TenantFilter]string{
		{}:                   "[clinic-a clinic-b clinic-c]",
		{Search: "ALFA.EX"}:  "[clinic-a]", // domain
		{Search: "bea@"}:     "[clinic-b]", // admin e-mail
		{Search: "gamma"}:    "[clinic-c]", // name (and e-mail)
		{Search: "clinic-b"}: "[clinic-b]", // schema
		{Search: "%"}:        "[]",         // no LIKE wildcards
		{Status: "morose"}:   "[]",
		{Status: "active"}:   "[clinic-a clinic-b clinic-c]",
	} {
		if got := fmt.Sprint(schemas(f)); got != want {
			t.Errorf("%+v: got %s, want %s", f, got, want)
		}
	}
	if _, err := db.ListTenants(ctx, store.TenantFilter{Status: "deleted"}); !isValidation(err, "status") {
		t.Errorf("bad status filter: %v", err)
	}
	if _, err := db.GetTenant(ctx, "nope"); !errors.Is(err, store.ErrNoSuchTenant) {
		t.Errorf("unknown tenant: %v", err)
	}

	ti, err := db.UpdateTenant(ctx, panelOp, "clinic-b", store.TenantUpdate{
		Name: ptr("Beta Terapias SAC"), AdminEmail: ptr(" Bea@Beta.TEST "), UsersLimit: ptr(5),
		SpecialistsLimit: ptr(6), MonthlyFee: ptr(decimal.RequireFromString("149.90")), Lang: ptr("en"),
		Timezone: ptr("America/Bogota"), Currency: ptr("usd"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if ti.Name != "Beta Terapias SAC" || ti.AdminEmail != "bea@beta.test" || ti.UsersLimit == nil || *ti.UsersLimit != 5 ||
		ti.SpecialistsLimit != 6 || ti.MonthlyFee.String() != "149.9" || ti.Lang != "en" || ti.Timezone != "America/Bogota" ||
		ti.Currency != "USD" || ti.Schema != "clinic-b" {
		t.Fatalf("updated: %+v", ti)
	}
	// A negative limit removes it; untouched fields stay.
	ti, err = db.UpdateTenant(ctx, panelOp, "clinic-b", store.TenantUpdate{UsersLimit: ptr(-1), PatientsLimit: ptr(300)})
	if err != nil || ti.UsersLimit != nil || ti.PatientsLimit == nil || *ti.PatientsLimit != 300 || ti.Name != "Beta Terapias SAC" {
		t.Fatalf("limits: %+v, %v", ti, err)
	}
	_, err = db.UpdateTenant(ctx, panelOp, "clinic-b", store.TenantUpdate{
		Name: ptr(" "), AdminEmail: ptr("x"), SpecialistsLimit: ptr(-1), MonthlyFee: ptr(decimal.NewFromInt(-1)),
		Timezone: ptr("Mars/Olympus"), Currency: ptr("SOLES"), Lang: ptr("fr"),
	})
	var ve *store.ValidationError
	if !errors.As(err, &ve) || len(ve.Fields) != 7 {
		t.Fatalf("bad update: want 7 field errors, got %v", err)
	}
	if _, err := db.UpdateTenant(ctx, panelOp, "nope", store.TenantUpdate{Name: ptr("x")}); !errors.Is(err, store.ErrNoSuchTenant) {
		t.Fatalf("update unknown: %v", err)
	}
	if n := auditCount(t, db, "tenant.update", "clinic-b",
		`before->>'name' = 'Beta Terapias' and after->>'name' = 'Beta Terapias SAC' and actor = 'olga@service.test' and remote_addr = '10.9.9.9:22'`); n != 1 {
		t.Fatalf("tenant.update audit rows: %d", n)
	}
	if n := auditCount(t, db, "tenant.update", "clinic-b", ""); n != 2 {
		t.Fatalf("failed updates must not be audited: %d rows", n)
	}
}

func TestSuspendActivateTenant(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	tn, prov := storetest.NewTenant(t, db, "clinic-a")
	ctx := context.Background()
	activateAdmin(t, tn, prov)

	listener, err := db.Pool().Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer listener.Release()
	if _, err := listener.Exec(ctx, "listen "+store.TenantStatusChannel); err != nil {
		t.Fatal(err)
	}
	waitNotify := func(want string) {
		t.Helper()
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		n, err := listener.Conn().WaitForNotification(wctx)
		if err != nil || n.Channel != store.TenantStatusChannel || n.Payload != want {
			t.Fatalf("notification: %+v, %v", n, err)
		}
	}

	ti, err := db.SuspendTenant(ctx, panelOp, "clinic-a")
	if err != nil || ti.Status != store.TenantSuspended || !ti.SuspendedByHand {
		t.Fatalf("suspend: %+v, %v", ti, err)
	}
	waitNotify("clinic-a")
	if _, err := tn.LoginPassword(ctx, prov.Tenant.AdminEmail, adminPassword, "x"); !errors.Is(err, store.ErrTenantSuspended) {
		t.Fatalf("login into a suspended clinic: %v", err)
	}
	ti, err = db.ActivateTenant(ctx, panelOp, "clinic-a")
	if err != nil || ti.Status != store.TenantActive || ti.SuspendedByHand {
		t.Fatalf("activate: %+v, %v", ti, err)
	}
	waitNotify("clinic-a")
	if _, err := tn.LoginPassword(ctx, prov.Tenant.AdminEmail, adminPassword, "x"); err != nil {
		t.Fatalf("login after activation: %v", err)
	}
	if n := auditCount(t, db, "tenant.suspend", "clinic-a", `before->>'status' = 'active' and after->>'status' = 'suspended'`); n != 1 {
		t.Fatalf("suspend audit rows: %d", n)
	}
	if n := auditCount(t, db, "tenant.activate", "clinic-a", `before->>'status' = 'suspended' and after->>'status' = 'active'`); n != 1 {
		t.Fatalf("activate audit rows: %d", n)
	}
}

func TestArchiveRestorePurge(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	db := storetest.NewDBWith(t, store.Options{Clock: clock})
	tn, prov := storetest.NewTenant(t, db, "clinic-a")
	storetest.NewTenant(t, db, "clinic-b")
	ctx := context.Background()
	admin := activateAdmin(t, tn, prov)
	line, fp := newKey(t, "")
	if _, err := tn.AddKey(ctx, admin.Actor("x"), admin.ID, line, ""); err != nil {
		t.Fatal(err)
	}
	id := prov.Tenant.ID
	archivedName := fmt.Sprintf("archived_%d", id)
	schemaState := func() (live, archived bool, version string) {
		t.Helper()
		err := db.Pool().QueryRow(ctx, `select
			exists(select 1 from pg_namespace where nspname = 'clinic-a'),
			exists(select 1 from pg_namespace where nspname = $1),
			coalesce((select string_agg(schema_name, ',') from public.schema_versions where schema_name in ('clinic-a', $1)), '')`,
			archivedName).Scan(&live, &archived, &version)
		if err != nil {
			t.Fatal(err)
		}
		return
	}

	ti, err := db.ArchiveTenant(ctx, panelOp, "clinic-a")
	if err != nil || ti.Status != store.TenantArchived || ti.ArchivedAt == nil || !ti.ArchivedAt.Equal(clock.Now()) {
		t.Fatalf("archive: %+v, %v", ti, err)
	}
	if live, archived, version := schemaState(); live || !archived || version != archivedName {
		t.Fatalf("after archive: live=%v archived=%v version=%q", live, archived, version)
	}
	// Gone for logins and routing, still visible to operators.
	if _, err := db.Tenant(ctx, "clinic-a"); !errors.Is(err, store.ErrNoSuchTenant) {
		t.Fatalf("archived clinic as a live tenant: %v", err)
	}
	if _, err := tn.LoginPassword(ctx, admin.Email, adminPassword, "x"); !errors.Is(err, store.ErrNoSuchTenant) {
		t.Fatalf("login through an old handle: %v", err)
	}
	if routes, _ := db.TenantsForKey(ctx, fp); len(routes) != 0 {
		t.Fatalf("archived clinic routes keys: %v", routes)
	}
	if got, err := db.GetTenant(ctx, "clinic-a"); err != nil || got.Status != store.TenantArchived {
		t.Fatalf("get archived: %+v, %v", got, err)
	}
	if list, _ := db.ListTenants(ctx, store.TenantFilter{}); len(list) != 1 || list[0].Schema != "clinic-b" {
		t.Fatalf("default listing shows archived clinics: %+v", list)
	}
	if list, _ := db.ListTenants(ctx, store.TenantFilter{Status: "archived"}); len(list) != 1 || list[0].Schema != "clinic-a" {
		t.Fatalf("archived listing: %+v", list)
	}
	// The name stays reserved, the archive name is not a valid clinic name,
	// and an archived clinic is restored before anything else.
	if _, err := db.CreateTenant(ctx, store.CLI, store.NewTenant{Schema: "clinic-a", Name: "x", AdminEmail: "x@x.test"}); !isConflict(err, "schema") {
		t.Fatalf("reusing an archived name: %v", err)
	}
	if err := store.ValidateSchemaName(archivedName); !isValidation(err, "schema") {
		t.Fatalf("%s accepted as a schema name: %v", archivedName, err)
	}
	for name, op := range map[string]func() error{
		"update": func() error {
			_, err := db.UpdateTenant(ctx, panelOp, "clinic-a", store.TenantUpdate{Name: ptr("x")})
			return err
		},
		"suspend": func() error { _, err := db.SuspendTenant(ctx, panelOp, "clinic-a"); return err },
		"archive": func() error { _, err := db.ArchiveTenant(ctx, panelOp, "clinic-a"); return err },
	} {
		if err := op(); !isConflict(err, "status") {
			t.Errorf("%s of an archived clinic: %v", name, err)
		}
	}
	if _, err := db.RestoreTenant(ctx, panelOp, "clinic-b"); !isConflict(err, "status") {
		t.Fatalf("restore of a live clinic: %v", err)
	}

	// Restore: data intact, logins and routes back.
	ti, err = db.RestoreTenant(ctx, panelOp, "clinic-a")
	if err != nil || ti.Status != store.TenantActive || ti.ArchivedAt != nil {
		t.Fatalf("restore: %+v, %v", ti, err)
	}
	if live, archived, version := schemaState(); !live || archived || version != "clinic-a" {
		t.Fatalf("after restore: live=%v archived=%v version=%q", live, archived, version)
	}
	tn, err = db.Tenant(ctx, "clinic-a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tn.LoginPassword(ctx, admin.Email, adminPassword, "x"); err != nil {
		t.Fatalf("login after restore: %v", err)
	}
	if routes, _ := db.TenantsForKey(ctx, fp); len(routes) != 1 {
		t.Fatalf("routes after restore: %v", routes)
	}

	// Archive again; purge only after the grace period.
	if _, err := db.ArchiveTenant(ctx, panelOp, "clinic-a"); err != nil {
		t.Fatal(err)
	}
	grace := 30 * 24 * time.Hour
	clock.Advance(grace - time.Hour)
	if purged, err := db.PurgeArchivedTenants(ctx, panelOp, grace); err != nil || len(purged) != 0 {
		t.Fatalf("purge within the grace period: %v, %v", purged, err)
	}
	clock.Advance(time.Hour)
	purged, err := db.PurgeArchivedTenants(ctx, panelOp, grace)
	if err != nil || fmt.Sprint(purged) != "[clinic-a]" {
		t.Fatalf("purge: %v, %v", purged, err)
	}
	if live, archived, version := schemaState(); live || archived || version != "" {
		t.Fatalf("after purge: live=%v archived=%v version=%q", live, archived, version)
	}
	var leftovers int
	if err := db.Pool().QueryRow(ctx, `select
		(select count(*) from pg_roles where rolname = $1) +
		(select count(*) from public.tenants where id = $2) +
		(select count(*) from public.key_routes where tenant_id = $2)`, prov.Tenant.Role, id).Scan(&leftovers); err != nil {
		t.Fatal(err)
	}
	if leftovers != 0 {
		t.Fatalf("purge left %d role/rows behind", leftovers)
	}
	if _, err := db.GetTenant(ctx, "clinic-a"); !errors.Is(err, store.ErrNoSuchTenant) {
		t.Fatalf("purged clinic: %v", err)
	}
	// clinic-b is untouched, and the name is free again.
	if _, err := db.Tenant(ctx, "clinic-b"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateTenant(ctx, store.CLI, store.NewTenant{Schema: "clinic-a", Name: "New A", AdminEmail: "a@new.test"}); err != nil {
		t.Fatalf("reusing a purged name: %v", err)
	}
	// Every step is in the operator audit log, before → after.
	for action, cond := range map[string]string{
		"tenant.archive": `before->>'status' = 'active' and after->>'status' = 'archived' and after->>'archived_at' is not null`,
		"tenant.restore": `before->>'status' = 'archived' and after->>'status' = 'active'`,
		"tenant.purge":   `before->>'status' = 'archived' and after is null and actor = 'olga@service.test'`,
	} {
		want := 1
		if action == "tenant.archive" {
			want = 2
		}
		if n := auditCount(t, db, action, "clinic-a", cond); n != want {
			t.Errorf("%s audit rows: %d, want %d", action, n, want)
		}
	}
}

func TestTenantDomains(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	ctx := context.Background()
	if _, err := db.CreateTenant(ctx, store.CLI, store.NewTenant{Schema: "clinic-a", Name: "A", AdminEmail: "a@a.test",
		Domains: []string{"a.example.com"}}); err != nil {
		t.Fatal(err)
	}
	storetest.NewTenant(t, db, "clinic-b")

	ti, err := db.AddDomain(ctx, panelOp, "clinic-a", " A2.Example.com ")
	if err != nil || fmt.Sprint(ti.Domains) != "[a.example.com a2.example.com]" {
		t.Fatalf("add: %v, %v", ti.Domains, err)
	}
	// A domain belongs to one clinic.
	for _, d := range []string{"a.example.com", "A2.EXAMPLE.COM"} {
		if _, err := db.AddDomain(ctx, panelOp, "clinic-b", d); !isConflict(err, "domain") {
			t.Errorf("another clinic's domain %s: %v", d, err)
		}
	}
	if _, err := db.AddDomain(ctx, panelOp, "clinic-a", "a2.example.com"); !isConflict(err, "domain") {
		t.Errorf("same domain twice: %v", err)
	}
	if _, err := db.SetPrimaryDomain(ctx, panelOp, "clinic-b", "a.example.com"); !isConflict(err, "domain") {
		t.Errorf("primary: another clinic's domain: %v", err)
	}
	if _, err := db.AddDomain(ctx, panelOp, "clinic-b", "bad domain!"); !isValidation(err, "domain") {
		t.Errorf("bad domain: %v", err)
	}
	// First domain of clinic-b becomes its primary.
	if ti, err := db.AddDomain(ctx, panelOp, "clinic-b", "b.example.com"); err != nil || fmt.Sprint(ti.Domains) != "[b.example.com]" {
		t.Fatalf("clinic-b domain: %v, %v", ti.Domains, err)
	}
	primaryOf := func(tenant string) string {
		t.Helper()
		var d string
		if err := db.Pool().QueryRow(ctx, `select d.domain::text from public.domains d join public.tenants t on t.id = d.tenant_id
			where t.schema_name = $1 and d.is_primary`, tenant).Scan(&d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	if p := primaryOf("clinic-b"); p != "b.example.com" {
		t.Fatalf("clinic-b primary: %s", p)
	}
	if _, err := db.SetPrimaryDomain(ctx, panelOp, "clinic-a", "a2.example.com"); err != nil {
		t.Fatal(err)
	}
	if p := primaryOf("clinic-a"); p != "a2.example.com" {
		t.Fatalf("clinic-a primary: %s", p)
	}
	if _, err := db.SetPrimaryDomain(ctx, panelOp, "clinic-a", "zzz.example.com"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("primary: unknown domain: %v", err)
	}
	// Removing the primary promotes the remaining one; routing follows.
	if tn, err := db.ResolveTenant(ctx, "a2"); err != nil || tn.Info.Schema != "clinic-a" {
		t.Fatalf("resolve a2: %v", err)
	}
	if _, err := db.RemoveDomain(ctx, panelOp, "clinic-b", "a2.example.com"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("removing another clinic's domain: %v", err)
	}
	if _, err := db.RemoveDomain(ctx, panelOp, "clinic-a", "a2.example.com"); err != nil {
		t.Fatal(err)
	}
	if p := primaryOf("clinic-a"); p != "a.example.com" {
		t.Fatalf("clinic-a primary after removal: %s", p)
	}
	if _, err := db.ResolveTenant(ctx, "a2.example.com"); !errors.Is(err, store.ErrNoSuchTenant) {
		t.Fatalf("removed domain still routes: %v", err)
	}
	if n := auditCount(t, db, "tenant.domain_remove", "clinic-a",
		`before->'domains' ? 'a2.example.com' and not (after->'domains' ? 'a2.example.com')`); n != 1 {
		t.Fatalf("domain_remove audit rows: %d", n)
	}
	if n := auditCount(t, db, "tenant.domain_add", "clinic-a", ""); n != 1 {
		t.Fatalf("domain_add audit rows: %d", n)
	}
}

// An operator's change of time zone, currency or language reaches the
// clinic's own settings, which the clinic's screens read.
func TestUpdateTenantKeepsClinicSettingsInSync(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	tn, _ := storetest.NewTenant(t, db, "clinic-a")
	ctx := context.Background()
	tz, cur, lang := "America/Bogota", "USD", "en"
	if _, err := db.UpdateTenant(ctx, store.CLI, "clinic-a", store.TenantUpdate{Timezone: &tz, Currency: &cur, Lang: &lang}); err != nil {
		t.Fatal(err)
	}
	got, err := tn.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.Timezone != tz || got.Currency != cur || got.Lang != lang {
		t.Fatalf("clinic settings = %s %s %s, want %s %s %s", got.Timezone, got.Currency, got.Lang, tz, cur, lang)
	}
	// A change of something else leaves the settings alone.
	name := "Otra"
	if _, err := db.UpdateTenant(ctx, store.CLI, "clinic-a", store.TenantUpdate{Name: &name}); err != nil {
		t.Fatal(err)
	}
	if again, _ := tn.Settings(ctx); again.Timezone != tz || again.Currency != cur {
		t.Fatalf("settings after a name change: %+v", again)
	}
}
