package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/shopspring/decimal"

	"consultorio/store"
	"consultorio/store/storetest"
	"consultorio/tui/sshline"
	"consultorio/tui/tuitest"
)

// panelFixture is a fresh database with a fixed clock and one operator.
type panelFixture struct {
	db    *store.DB
	clock *storetest.Clock
	op    *store.Operator
	// connect is the address the panel was given as the server's.
	connect sshline.Addr
}

func newPanelFixture(t *testing.T) *panelFixture {
	t.Helper()
	// 15:00 UTC is 10:00 in Lima, the panel's time zone.
	c := storetest.NewClock(time.Date(2026, 11, 26, 15, 0, 0, 0, time.UTC))
	db := storetest.NewDBWith(t, store.Options{Clock: c})
	op, _, err := db.CreateOperator(context.Background(), store.CLI, "olga@ops.test", "Olga Ops", "")
	if err != nil {
		t.Fatal(err)
	}
	return &panelFixture{db: db, clock: c, op: op, connect: sshline.Addr{Host: "127.0.0.1", Port: 2222}}
}

// client provisions a clinic with a monthly fee.
func (f *panelFixture) client(t *testing.T, schema, name, fee string) *store.Provisioned {
	t.Helper()
	p, err := f.db.CreateTenant(context.Background(), store.CLI, store.NewTenant{
		Schema: schema, Name: name, AdminEmail: "admin@" + schema + ".test", AdminName: "Admin " + schema,
		MonthlyFee: decimal.RequireFromString(fee),
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// pinActivity fixes the clinics' last activity (provisioning writes rows
// stamped by PostgreSQL's own clock) so screens are reproducible.
func (f *panelFixture) pinActivity(t *testing.T, schemas ...string) {
	t.Helper()
	ctx := context.Background()
	at := time.Date(2026, 11, 25, 14, 30, 0, 0, time.UTC)
	owner := storetest.Owner(t, f.db)
	for _, s := range schemas {
		for _, q := range []string{`update "` + s + `".audit_log set created_at = $1`, `update "` + s + `".users set last_login_at = null`} {
			if strings.Contains(q, "$1") {
				if _, err := owner.Exec(ctx, q, at); err != nil {
					t.Fatal(err)
				}
			} else if _, err := owner.Exec(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := f.db.Pool().Exec(ctx, `update public.tenants set created_at = $1, last_activity_at = $1`, at); err != nil {
		t.Fatal(err)
	}
}

func (f *panelFixture) start(t *testing.T) *tuitest.Term {
	t.Helper()
	m := NewPanelApp(context.Background(), PanelSession{DB: f.db, Operator: f.op, RemoteAddr: "203.0.113.7:5000",
		Width: 80, Height: 24, SSHLine: f.connect.For})
	return tuitest.Start(t, m, 80, 24)
}

// auditRows counts operator audit rows of an action on a target by the
// fixture's operator, from the panel's address.
func (f *panelFixture) auditRows(t *testing.T, action, target string) int {
	t.Helper()
	rows, err := f.db.OperatorAuditLog(context.Background(), store.OperatorAuditFilter{Action: action, Target: target})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range rows {
		if r.OperatorID != nil && *r.OperatorID == f.op.ID && r.RemoteAddr == "203.0.113.7:5000" {
			n++
		}
	}
	return n
}

func TestClientsListGolden80x24(t *testing.T) {
	t.Parallel()
	f := newPanelFixture(t)
	f.client(t, "clinica-sol", "Clínica del Sol", "350")
	f.client(t, "mente-sana", "Mente Sana", "180.5")
	evil := f.client(t, "evil", "Evil Corp", "99")
	// A name saved before the input check existed (issue 12) still draws harmlessly.
	storetest.SetRawPublic(t, f.db, "tenants", "name", evil.Tenant.ID, "Evil\x1b[2J Corp")
	if _, err := f.db.SuspendTenant(context.Background(), store.CLI, "evil"); err != nil {
		t.Fatal(err)
	}
	f.pinActivity(t, "clinica-sol", "mente-sana", "evil")
	term := f.start(t)
	s := term.WaitFor(t, "Clínica del Sol", "Mente Sana", "Evil␛[2J Corp", "suspendido", "3 en total", "0/0/1")
	if strings.Contains(s, "\x1b") {
		t.Fatalf("raw escape on screen:\n%s", s)
	}
	golden.RequireEqual(t, s)
}

// TestClientsCreate: a bad schema name shows the store's reason under the
// field; a good one creates the clinic and shows its setup code once, with
// the ssh line to give the clinic (the address the panel was given as the
// server's, not the environment); the code works for the admin's login.
func TestClientsCreate(t *testing.T) {
	t.Parallel()
	f := newPanelFixture(t)
	f.connect = sshline.Addr{Host: "clinicas.example.com", Port: 40123}
	term := f.start(t)
	term.WaitFor(t, "[1 Clientes]", "No hay registros.")
	term.Key("n")
	focused(t, term, "Esquema")
	term.Type("9lives")
	term.Key("enter")
	term.WaitFor(t, "Debe empezar con una letra minúscula (a-z).")
	for range "9lives" {
		term.Key("backspace")
	}
	term.Type("pg_x")
	term.Key("enter")
	term.WaitFor(t, "\"pg_\" está reservado.")
	for range "pg_x" {
		term.Key("backspace")
	}
	term.Type("centro-luz")
	term.Key("enter")
	focused(t, term, "Nombre")
	term.Type("Centro Luz")
	term.Key("enter")
	focused(t, term, "Correo del administrador")
	term.Type("ana@luz.test")
	term.Key("enter")
	focused(t, term, "Nombre del administrador")
	term.Type("Ana Luz")
	term.Key("enter")
	focused(t, term, "Cuota mensual")
	term.Key("backspace")
	term.Type("250")
	term.Key("enter")
	focused(t, term, "Dominio")
	term.Type("luz.example.com")
	term.Key("enter")
	focused(t, term, "Especialistas")
	term.Key("enter")
	focused(t, term, "Pacientes")
	term.Type("500")
	term.Key("enter")
	focused(t, term, "Usuarios")
	term.Key("enter")
	s := term.WaitFor(t, "✓ Cliente creado.", "Código de configuración para ana@luz.test (Centro Luz):",
		"ssh -p 40123 centro-luz@clinicas.example.com", "no se volverá a mostrar")
	var code string
	for _, line := range strings.Split(s, "\n") {
		if l := strings.TrimSpace(line); len(l) == 14 && strings.Count(l, "-") == 2 {
			code = l
		}
	}
	if code == "" {
		t.Fatalf("no setup code on screen:\n%s", s)
	}
	ti, err := f.db.GetTenant(context.Background(), "centro-luz")
	if err != nil {
		t.Fatal(err)
	}
	if ti.Name != "Centro Luz" || !ti.MonthlyFee.Equal(decimal.NewFromInt(250)) || ti.SpecialistsLimit != 4 ||
		ti.PatientsLimit == nil || *ti.PatientsLimit != 500 || ti.UsersLimit != nil || len(ti.Domains) != 1 {
		t.Fatalf("created: %+v", ti)
	}
	tn, err := f.db.Tenant(context.Background(), "centro-luz")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tn.LoginSetupCode(context.Background(), "ana@luz.test", code, "test"); err != nil {
		t.Fatalf("the code shown does not log the admin in: %v", err)
	}
	if f.auditRows(t, "tenant.create", "centro-luz") != 1 {
		t.Fatal("no operator audit row for the creation")
	}
	// Closing the page: back to the list, which shows the new client; the
	// code is nowhere any more.
	term.Key("enter")
	s = term.WaitFor(t, "Centro Luz", "1 en total")
	if strings.Contains(s, code) {
		t.Fatalf("the setup code is still shown:\n%s", s)
	}
}

// TestClientsSuspendActivate: suspend with a confirmation; the detail and
// the list say suspended and the operator audit has the row; activation
// brings it back.
func TestClientsSuspendActivate(t *testing.T) {
	t.Parallel()
	f := newPanelFixture(t)
	f.client(t, "clinica-sol", "Clínica del Sol", "350")
	term := f.start(t)
	term.WaitFor(t, "Clínica del Sol")
	term.Key("enter")
	term.WaitFor(t, "Clientes › Clínica del Sol", "Estado", "activo", "s suspender")
	term.Key("s")
	term.WaitFor(t, "¿Suspender «Clínica del Sol»?")
	term.Key("left") // huh's confirm starts on "No"
	term.Key("enter")
	term.WaitFor(t, "✓ Cliente suspendido.", "suspendido (por un operador)", "a activar")
	ti, err := f.db.GetTenant(context.Background(), "clinica-sol")
	if err != nil || ti.Status != store.TenantSuspended {
		t.Fatalf("status %q, %v", ti.Status, err)
	}
	if f.auditRows(t, "tenant.suspend", "clinica-sol") != 1 {
		t.Fatal("no operator audit row for the suspension")
	}
	term.Key("esc")
	term.WaitFor(t, "Clientes · estado", "suspendido")
	term.Key("enter")
	term.WaitFor(t, "a activar")
	term.Key("a")
	term.WaitFor(t, "¿Activar «Clínica del Sol»?")
	term.Key("left")
	term.Key("enter")
	term.WaitFor(t, "✓ Cliente activado.")
	if ti, _ = f.db.GetTenant(context.Background(), "clinica-sol"); ti.Status != store.TenantActive {
		t.Fatalf("after activation: %q", ti.Status)
	}
	if f.auditRows(t, "tenant.activate", "clinica-sol") != 1 {
		t.Fatal("no operator audit row for the activation")
	}
}

// TestClientsArchiveRestore: delete asks for the schema name typed; a wrong
// name is refused inline; the client then shows in the archive filter and
// can be restored.
func TestClientsArchiveRestore(t *testing.T) {
	t.Parallel()
	f := newPanelFixture(t)
	f.client(t, "clinica-sol", "Clínica del Sol", "350")
	f.client(t, "mente-sana", "Mente Sana", "180")
	term := f.start(t)
	term.WaitFor(t, "Clínica del Sol", "2 en total")
	term.Key("enter")
	term.WaitFor(t, "x eliminar")
	term.Key("x")
	term.WaitFor(t, "Escriba «clinica-sol» para confirmar.")
	term.Type("clinica")
	term.Key("enter")
	term.WaitFor(t, "El texto no coincide.")
	term.Type("-sol")
	term.Key("enter")
	s := term.WaitFor(t, "✓ Cliente archivado.", "1 en total", "Mente Sana")
	if strings.Contains(s, "Clínica del Sol") {
		t.Fatalf("archived client still listed:\n%s", s)
	}
	if ti, _ := f.db.GetTenant(context.Background(), "clinica-sol"); ti.Status != store.TenantArchived {
		t.Fatalf("status %q", ti.Status)
	}
	if f.auditRows(t, "tenant.archive", "clinica-sol") != 1 {
		t.Fatal("no operator audit row for the archive")
	}
	// f cycles: active, morose, suspended, archived.
	for range 4 {
		term.Key("f")
	}
	term.WaitFor(t, "estado: archivado", "Clínica del Sol", "1 en total")
	term.Key("enter")
	term.WaitFor(t, "r restaurar")
	term.Key("r")
	term.WaitFor(t, "¿Restaurar «Clínica del Sol» desde el archivo?")
	term.Key("left")
	term.Key("enter")
	term.WaitFor(t, "✓ Cliente restaurado.")
	if ti, _ := f.db.GetTenant(context.Background(), "clinica-sol"); ti.Status != store.TenantActive {
		t.Fatalf("after restore: %q", ti.Status)
	}
}

// TestClientsEditAndDomains: the edit form changes fee and limits (a blank
// limit removes it); domains: add, a conflict with another client's domain
// is shown, make primary, remove.
func TestClientsEditAndDomains(t *testing.T) {
	t.Parallel()
	f := newPanelFixture(t)
	f.client(t, "clinica-sol", "Clínica del Sol", "350")
	f.client(t, "mente-sana", "Mente Sana", "180")
	ctx := context.Background()
	if _, err := f.db.AddDomain(ctx, store.CLI, "mente-sana", "mente.example.com"); err != nil {
		t.Fatal(err)
	}
	term := f.start(t)
	term.WaitFor(t, "Clínica del Sol")
	term.Key("enter")
	term.WaitFor(t, "e editar")
	term.Key("e")
	focused(t, term, "Nombre")
	term.Key("enter")
	term.Key("enter")
	term.Key("enter")
	focused(t, term, "Cuota mensual")
	for range "350.00" {
		term.Key("backspace")
	}
	term.Type("400")
	term.Key("enter")
	focused(t, term, "Especialistas")
	term.Key("backspace")
	term.Type("6")
	term.Key("enter")
	focused(t, term, "Pacientes")
	term.Type("300")
	term.Key("enter")
	focused(t, term, "Usuarios")
	term.Key("enter")
	term.WaitFor(t, "✓ Cliente guardado.", "S/ 400.00", "Especialistas 6 · Pacientes 300 · Usuarios ∞")

	term.Key("d")
	term.WaitFor(t, "Sin dominios")
	term.Key("a")
	focused(t, term, "Dominio")
	term.Type("mente.example.com")
	term.Key("enter")
	term.WaitFor(t, "✗ No se guardó (Dominio): ")
	for range "mente.example.com" {
		term.Key("backspace")
	}
	term.Type("sol.example.com")
	term.Key("enter")
	term.WaitFor(t, "✓ Dominio añadido.", "sol.example.com  (principal)")
	term.Key("a")
	focused(t, term, "Dominio")
	term.Type("sol2.example.com")
	term.Key("enter")
	term.WaitGone(t, "Dominios › Dominio")
	term.WaitFor(t, "  sol2.example.com")
	term.Key("down")
	term.Key("p")
	term.WaitFor(t, "✓ Dominio principal cambiado.", "sol2.example.com  (principal)")
	ti, _ := f.db.GetTenant(ctx, "clinica-sol")
	if len(ti.Domains) != 2 || ti.Domains[0] != "sol2.example.com" {
		t.Fatalf("domains %v", ti.Domains)
	}
	term.Key("x")
	term.WaitFor(t, "¿Quitar el dominio")
	term.Key("left")
	term.Key("enter")
	term.WaitFor(t, "✓ Dominio quitado.")
	if ti, _ = f.db.GetTenant(ctx, "clinica-sol"); len(ti.Domains) != 1 {
		t.Fatalf("domains after removal %v", ti.Domains)
	}
	for _, a := range []string{"tenant.update", "tenant.domain_add", "tenant.domain_primary", "tenant.domain_remove"} {
		if f.auditRows(t, a, "clinica-sol") == 0 {
			t.Errorf("no operator audit row for %s", a)
		}
	}
}

// TestClientsSearch: "/" searches by name, schema, e-mail or domain; an
// empty search lists everyone again.
func TestClientsSearch(t *testing.T) {
	t.Parallel()
	f := newPanelFixture(t)
	f.client(t, "clinica-sol", "Clínica del Sol", "350")
	f.client(t, "mente-sana", "Mente Sana", "180")
	if _, err := f.db.AddDomain(context.Background(), store.CLI, "clinica-sol", "sol.example.com"); err != nil {
		t.Fatal(err)
	}
	term := f.start(t)
	term.WaitFor(t, "2 en total")
	term.Key("/")
	term.Type("MENTE")
	term.WaitFor(t, "buscar: MENTE█")
	term.Key("enter")
	s := term.WaitFor(t, "búsqueda: «MENTE»", "1 en total", "Mente Sana")
	if strings.Contains(s, "Clínica del Sol") {
		t.Fatalf("search lets others through:\n%s", s)
	}
	term.Key("/")
	for range "MENTE" {
		term.Key("backspace")
	}
	term.Type("sol.example")
	term.Key("enter")
	term.WaitFor(t, "1 en total", "Clínica del Sol", "dominios: sol.example.com")
	term.Key("/")
	for range "sol.example" {
		term.Key("backspace")
	}
	term.Key("enter")
	term.WaitFor(t, "2 en total")
}
