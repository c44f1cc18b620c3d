package cmd

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"consultorio/store"
	"consultorio/store/storetest"
	"consultorio/tui/i18n"
	"consultorio/tui/sshline"
)

// The panel's scripted commands in-process: an operator's Env, as the
// server builds it for `ssh panel@host ...`, on a real PostgreSQL.

// panelFixture is an empty service with one operator; the clock stands at
// 2026-11-20 10:00 in Lima.
type panelFixture struct {
	t     *testing.T
	ctx   context.Context
	clock *storetest.Clock
	db    *store.DB
	op    *store.Operator
}

const panelRemote = "198.51.100.9:40000"

// panelConnect is the address the commands are told the server has.
var panelConnect = sshline.Addr{Host: "ssh.example.com", Port: 40123}

func newPanelFixture(t *testing.T) *panelFixture {
	t.Helper()
	ck := storetest.NewClock(time.Date(2026, 11, 20, 10, 0, 0, 0, lima))
	db := storetest.NewDBWith(t, store.Options{Clock: ck})
	op, _, err := db.CreateOperator(context.Background(), store.CLI, "ops@example.com", "Ops", "")
	if err != nil {
		t.Fatal(err)
	}
	return &panelFixture{t: t, ctx: context.Background(), clock: ck, db: db, op: op}
}

func (p *panelFixture) runIn(stdin string, args ...string) result {
	p.t.Helper()
	var out, errb bytes.Buffer
	env := &Env{DB: p.db, Operator: p.op, RemoteAddr: panelRemote, Stdin: strings.NewReader(stdin),
		Stdout: &out, Stderr: &errb, SSHLine: panelConnect.For}
	res := Run(p.ctx, env, Panel, args)
	return result{out: out.String(), err: errb.String(), code: res.Code}
}

func (p *panelFixture) ok(args ...string) string {
	p.t.Helper()
	r := p.runIn("", args...)
	if r.code != 0 || r.err != "" {
		p.t.Fatalf("%s: exit %d, stderr %q", strings.Join(args, " "), r.code, r.err)
	}
	return r.out
}

func (p *panelFixture) okJSON(v any, args ...string) {
	p.t.Helper()
	out := p.ok(append(args, "--json")...)
	reflect.ValueOf(v).Elem().SetZero()
	if err := json.Unmarshal([]byte(out), v); err != nil {
		p.t.Fatalf("%s: output is not the JSON expected (%v):\n%s", strings.Join(args, " "), err, out)
	}
}

// fails: exit code and one line on stderr containing want.
func (p *panelFixture) fails(code int, want string, args ...string) {
	p.t.Helper()
	r := p.runIn("", args...)
	if r.code != code || !strings.Contains(r.err, want) {
		p.t.Fatalf("%q: exit %d (want %d), stderr %q (want %q), stdout %q", strings.Join(args, " "), r.code, code, r.err, want, r.out)
	}
	if strings.Count(strings.TrimRight(r.err, "\n"), "\n") != 0 {
		p.t.Errorf("%q: stderr is more than one line: %q", strings.Join(args, " "), r.err)
	}
}

// create makes a clinic through `tenants create --json`.
func (p *panelFixture) create(schema, fee string, extra ...string) CreatedTenant {
	p.t.Helper()
	var c CreatedTenant
	p.okJSON(&c, append([]string{"tenants", "create", schema, "--name", "Clínica " + schema,
		"--admin-email", "admin@" + schema + ".test", "--monthly-fee", fee}, extra...)...)
	return c
}

func (p *panelFixture) status(schema string) string {
	p.t.Helper()
	var ti store.TenantInfo
	p.okJSON(&ti, "tenants", "show", schema)
	return ti.Status
}

// audited: the operator audit rows of this operator, action → count.
func (p *panelFixture) audited() map[string]int {
	p.t.Helper()
	rows, err := p.db.Pool().Query(p.ctx, `select action, count(*) from public.operator_audit
		where operator_id = $1 and actor = $2 and remote_addr = $3 group by action`, p.op.ID, p.op.Email, panelRemote)
	if err != nil {
		p.t.Fatal(err)
	}
	defer rows.Close()
	m := map[string]int{}
	for rows.Next() {
		var a string
		var n int
		if err := rows.Scan(&a, &n); err != nil {
			p.t.Fatal(err)
		}
		m[a] = n
	}
	if err := rows.Err(); err != nil {
		p.t.Fatal(err)
	}
	return m
}

func TestPanelTenantsCreateUpdateDeleteRestore(t *testing.T) {
	t.Parallel()
	p := newPanelFixture(t)
	_, keyLine := newTestKey(t)

	// create: every flag of the CLI; the setup code works for the admin.
	c := p.create("consultorio-medico", "150.5", "--admin-name", "Ana Admin", "--domain", "medico.example.com",
		"--domain", "cm.example.com", "--specialists-limit", "6", "--patients-limit", "300", "--users-limit", "10",
		"--timezone", "America/Bogota", "--currency", "cop", "--lang", "en")
	ti := c.Tenant
	if ti.Schema != "consultorio-medico" || ti.Name != "Clínica consultorio-medico" || ti.AdminName != "Ana Admin" ||
		ti.Status != "active" || ti.SpecialistsLimit != 6 || ti.PatientsLimit == nil || *ti.PatientsLimit != 300 ||
		ti.UsersLimit == nil || *ti.UsersLimit != 10 || ti.MonthlyFee.StringFixed(2) != "150.50" ||
		ti.Timezone != "America/Bogota" || ti.Currency != "COP" || ti.Lang != "en" ||
		strings.Join(ti.Domains, ",") != "medico.example.com,cm.example.com" {
		t.Errorf("created %+v", ti)
	}
	if c.SetupCode == "" || c.SSH != "ssh -p 40123 consultorio-medico@ssh.example.com" || !c.ExpiresAt.Equal(p.clock.Now().Add(store.SetupCodeTTL)) {
		t.Errorf("setup code %q, ssh %q, expires %v", c.SetupCode, c.SSH, c.ExpiresAt)
	}
	tn, err := p.db.Tenant(p.ctx, "consultorio-medico")
	if err != nil {
		t.Fatal(err)
	}
	if u, err := tn.LoginSetupCode(p.ctx, "admin@consultorio-medico.test", c.SetupCode, "test"); err != nil || u.Role != store.RoleAdmin {
		t.Fatalf("admin's setup code: %v, %v", u, err)
	}

	// Defaults as the CLI's; the text output shows the code and the ssh
	// line; --admin-key - reads the key from stdin and registers it.
	r := p.runIn(keyLine+"\n", "tenants", "create", "beta", "--name", "Beta", "--admin-email", "b@beta.test", "--admin-key", "-")
	if r.code != 0 || !strings.Contains(r.out, "se muestra solo ahora") || !strings.Contains(r.out, "ssh -p 40123 beta@ssh.example.com") ||
		!strings.Contains(r.out, "La llave del administrador está registrada") {
		t.Fatalf("create beta: exit %d, %q %q", r.code, r.out, r.err)
	}
	beta, err := p.db.GetTenant(p.ctx, "beta")
	if err != nil || beta.SpecialistsLimit != 4 || beta.Timezone != "America/Lima" || beta.Currency != "PEN" ||
		beta.Lang != "es" || !beta.MonthlyFee.IsZero() || beta.PatientsLimit != nil {
		t.Errorf("defaults: %+v, %v", beta, err)
	}
	_, fp, _, err := store.ParsePublicKey(keyLine)
	if err != nil {
		t.Fatal(err)
	}
	if ts, err := p.db.TenantsForKey(p.ctx, fp); err != nil || len(ts) != 1 || ts[0] != "beta" {
		t.Errorf("the admin's key routes to %+v (%v)", ts, err)
	}

	// Mistakes in the call exit 2; the store's refusals exit 1.
	p.fails(2, "faltan opciones obligatorias: --name, --admin-email", "tenants", "create", "gamma")
	p.fails(2, "Nombre SSH: \"panel\" está reservado.", "tenants", "create", "panel", "--name", "X", "--admin-email", "x@x.test")
	p.fails(2, "--monthly-fee", "tenants", "create", "gamma", "--name", "G", "--admin-email", "g@g.test", "--monthly-fee", "-5")
	p.fails(2, "--specialists-limit", "tenants", "create", "gamma", "--name", "G", "--admin-email", "g@g.test", "--specialists-limit", "0")
	p.fails(2, "no es una llave pública OpenSSH", "tenants", "create", "gamma", "--name", "G", "--admin-email", "g@g.test", "--admin-key", "/home/me/.ssh/id.pub")
	p.fails(1, "Correo del administrador: no es un correo válido", "tenants", "create", "gamma", "--name", "G", "--admin-email", "not-an-email")
	p.fails(1, "No se guardó (Nombre SSH): ya está en uso.", "tenants", "create", "beta", "--name", "Beta 2", "--admin-email", "b@beta.test")
	p.fails(1, "No se guardó (Dominio): \"medico.example.com\" pertenece a otra clínica.", "tenants", "create", "gamma", "--name", "G", "--admin-email", "g@g.test", "--domain", "medico.example.com")

	// update: only the flags given change; "none" removes a limit.
	p.okJSON(&ti, "tenants", "update", "consultorio-medico", "--name", "Consultorio Médico", "--monthly-fee", "220",
		"--patients-limit", "none", "--specialists-limit", "8")
	if ti.Name != "Consultorio Médico" || ti.MonthlyFee.StringFixed(2) != "220.00" || ti.PatientsLimit != nil ||
		ti.SpecialistsLimit != 8 || ti.UsersLimit == nil || *ti.UsersLimit != 10 || ti.AdminName != "Ana Admin" {
		t.Errorf("updated %+v", ti)
	}
	if out := p.ok("tenants", "update", "beta", "--admin-name", "Beto"); !strings.Contains(out, "Clínica beta actualizada.") ||
		!strings.Contains(out, "Beto <b@beta.test>") {
		t.Errorf("update text: %q", out)
	}
	p.fails(2, "nada que cambiar", "tenants", "update", "beta")
	p.fails(2, "--users-limit", "tenants", "update", "beta", "--users-limit", "many")
	p.fails(1, "Idioma: debe ser es o en", "tenants", "update", "beta", "--lang", "fr")
	p.fails(1, "No se encontró: clínica nosuch.", "tenants", "update", "nosuch", "--name", "X")

	// domains.
	p.okJSON(&ti, "tenants", "domains", "add", "beta", "beta.example.com")
	if strings.Join(ti.Domains, ",") != "beta.example.com" {
		t.Errorf("domains after add: %v", ti.Domains)
	}
	p.okJSON(&ti, "tenants", "domains", "primary", "consultorio-medico", "cm.example.com")
	if strings.Join(ti.Domains, ",") != "cm.example.com,medico.example.com" {
		t.Errorf("domains after primary: %v", ti.Domains)
	}
	p.okJSON(&ti, "tenants", "domains", "remove", "consultorio-medico", "medico.example.com")
	if strings.Join(ti.Domains, ",") != "cm.example.com" {
		t.Errorf("domains after remove: %v", ti.Domains)
	}
	p.fails(2, "faltan argumentos", "tenants", "domains", "add", "beta")

	// delete needs --yes; it archives; restore brings the clinic back.
	p.fails(2, "repita con --yes", "tenants", "delete", "beta")
	if p.status("beta") != "active" {
		t.Fatal("delete without --yes changed the clinic")
	}
	p.okJSON(&ti, "tenants", "delete", "beta", "--yes")
	if ti.Status != "archived" || ti.ArchivedAt == nil {
		t.Errorf("deleted: %+v", ti)
	}
	var list []store.TenantInfo
	p.okJSON(&list, "tenants", "list")
	if len(list) != 1 || list[0].Schema != "consultorio-medico" {
		t.Errorf("list after delete: %+v", list)
	}
	if _, err := p.db.Tenant(p.ctx, "beta"); err == nil {
		t.Errorf("an archived clinic is still open")
	}
	p.fails(1, "No se guardó (Estado): la clínica está archivada.", "tenants", "delete", "beta", "--yes")
	if out := p.ok("tenants", "restore", "beta"); !strings.Contains(out, "Clínica beta restaurada (estado: activo).") {
		t.Errorf("restore: %q", out)
	}
	if _, err := p.db.Tenant(p.ctx, "beta"); err != nil {
		t.Errorf("restored clinic: %v", err)
	}
	p.fails(1, "No se guardó (Estado): la clínica no está archivada.", "tenants", "restore", "beta")

	// Every change has its audit row with this operator and address.
	want := map[string]int{"tenant.create": 2, "tenant.update": 2, "tenant.domain_add": 1, "tenant.domain_primary": 1, "tenant.domain_remove": 1,
		"tenant.archive": 1, "tenant.restore": 1}
	got := p.audited()
	for a, n := range want {
		if got[a] != n {
			t.Errorf("operator audit %s: %d rows, want %d (all: %v)", a, got[a], n, got)
		}
	}
}

func TestPanelInvoicesAndDashboard(t *testing.T) {
	t.Parallel()
	p := newPanelFixture(t)
	p.create("alfa", "500")
	p.create("beta", "300")
	p.create("gamma", "250")
	p.create("delta", "150")
	p.create("zeta", "0")
	p.ok("tenants", "suspend", "delta")

	// Generate November: active clients with a fee (alfa, beta, gamma);
	// delta is suspended and zeta pays nothing. Twice: nothing new.
	var g GeneratedInvoices
	p.okJSON(&g, "invoices", "generate", "--month", "2026-11")
	if g.Month != "2026-11" || g.Created != 3 || g.Total != "1050.00" || len(g.Invoices) != 3 {
		t.Fatalf("generate: %+v", g)
	}
	byClient := map[string]InvoiceView{}
	for _, v := range g.Invoices {
		byClient[v.Schema] = v
	}
	if v := byClient["alfa"]; v.Amount != "500.00" || v.Period != "2026-11" || v.DueDate != "2026-11-10" || v.Paid ||
		v.PaidAt != nil || !v.Overdue || v.DaysOverdue != 10 {
		t.Errorf("alfa's invoice: %+v", v)
	}
	p.okJSON(&g, "invoices", "generate", "--month", "2026-11")
	if g.Created != 0 || g.Total != "0.00" || len(g.Invoices) != 0 {
		t.Errorf("second generate: %+v", g)
	}
	if out := p.ok("invoices", "generate", "--month", "2026-11"); !strings.Contains(out, "No hay facturas nuevas para 2026-11") {
		t.Errorf("second generate, text: %q", out)
	}
	var list []InvoiceView
	p.okJSON(&list, "invoices", "list")
	if len(list) != 3 {
		t.Fatalf("invoices list: %+v", list)
	}
	keys := jsonKeys(t, strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(p.ok("invoices", "list", "--json", "--tenant", "alfa")), "["), "]"))
	for _, k := range []string{"id", "schema", "tenant_name", "period", "amount", "due_date", "paid_at", "method", "reference", "overdue", "days_overdue"} {
		if _, ok := keys[k]; !ok {
			t.Errorf("invoice JSON lacks %q: %v", k, keys)
		}
	}

	// mark-paid with date, method and reference.
	alfa := byClient["alfa"].ID
	var inv InvoiceView
	p.okJSON(&inv, "invoices", "mark-paid", itoa(int(alfa)), "--date", "2026-11-18", "--method", "transfer", "--reference", "OP-1")
	if !inv.Paid || deref(inv.PaidAt) != "2026-11-18" || inv.Method != "transfer" || inv.Reference != "OP-1" || inv.Overdue {
		t.Errorf("mark-paid: %+v", inv)
	}
	p.fails(1, "la factura n.º "+itoa(int(alfa))+" ya está pagada", "invoices", "mark-paid", itoa(int(alfa)))
	p.fails(1, "Método de pago: debe ser uno de: cash, card, transfer, other", "invoices", "mark-paid", itoa(int(byClient["beta"].ID)), "--method", "bitcoin")
	p.fails(1, "Fecha de pago: no puede estar en el futuro", "invoices", "mark-paid", itoa(int(byClient["beta"].ID)), "--date", "2026-12-01")
	p.fails(2, "--date", "invoices", "mark-paid", itoa(int(byClient["beta"].ID)), "--date", "18/11/2026")
	p.fails(2, "entero positivo", "invoices", "mark-paid", "abc")
	p.fails(1, "No se encontró: factura 999999.", "invoices", "mark-paid", "999999")
	p.fails(1, "No se encontró: factura 999999.", "invoices", "show", "999999")
	p.okJSON(&list, "invoices", "list", "--unpaid")
	if len(list) != 2 || list[0].Schema != "beta" || list[1].Schema != "gamma" {
		t.Errorf("unpaid: %+v", list)
	}
	p.fails(2, "--month", "invoices", "generate")
	p.fails(2, "--month", "invoices", "generate", "--month", "noviembre")
	p.fails(2, "indique generate, list", "invoices")

	// beta's fee rises after billing: the invoice keeps the old amount,
	// the morose clients' fees show the new one.
	p.ok("tenants", "update", "beta", "--monthly-fee", "350")
	// Ten days later the unpaid invoices are 20 days overdue (> 15): the
	// daily job makes beta and gamma morose.
	p.clock.Set(time.Date(2026, 11, 30, 10, 0, 0, 0, lima))
	if changed, err := p.db.UpdateMoroseStatus(p.ctx, store.Scheduler, p.clock.Now()); err != nil ||
		strings.Join(changed, ",") != "beta,gamma" {
		t.Fatalf("morose: %v, %v", changed, err)
	}

	// The dashboard, by hand: clients alfa, beta, gamma, delta, zeta = 5;
	// active alfa, zeta; morose beta, gamma; suspended delta. Projected
	// income = 500 + 0. Debt = beta 300 + gamma 250 in 2 invoices of 2
	// clients; morose fees = 350 + 250. Top by fee: alfa 500, beta 350,
	// gamma 250, delta 150, zeta 0. Chart 2025-12 … 2026-11, November
	// invoiced 1050 and collected 500.
	var d DashboardView
	p.okJSON(&d, "dashboard")
	if d.Clients != (store.ClientCounts{Total: 5, Active: 2, Morose: 2, Suspended: 1}) {
		t.Errorf("clients: %+v", d.Clients)
	}
	if d.ProjectedIncome != "500.00" || d.Debt != "550.00" || d.DebtInvoices != 2 || d.DebtClients != 2 || d.MoroseFees != "600.00" {
		t.Errorf("figures: income %s debt %s (%d invoices, %d clients) morose fees %s",
			d.ProjectedIncome, d.Debt, d.DebtInvoices, d.DebtClients, d.MoroseFees)
	}
	var top []string
	for _, c := range d.TopByFee {
		top = append(top, c.Schema+":"+c.MonthlyFee+":"+c.Status)
	}
	if got := strings.Join(top, " "); got != "alfa:500.00:active beta:350.00:morose gamma:250.00:morose delta:150.00:suspended zeta:0.00:active" {
		t.Errorf("top by fee: %s", got)
	}
	if a := d.TopByFee[0]; a.Patients != 0 || a.SessionsThisMonth != 0 || a.ActiveStaff != 1 {
		t.Errorf("alfa's usage: %+v", a)
	}
	if len(d.Chart) != 12 || d.Chart[0].Month != "2025-12" || d.Chart[11].Month != "2026-11" {
		t.Fatalf("chart: %+v", d.Chart)
	}
	for _, m := range d.Chart[:11] {
		if m.Invoiced != "0.00" || m.Collected != "0.00" {
			t.Errorf("chart %s: %+v", m.Month, m)
		}
	}
	if m := d.Chart[11]; m.Invoiced != "1050.00" || m.Collected != "500.00" {
		t.Errorf("chart November: %+v", m)
	}
	out := p.ok("dashboard")
	for _, want := range []string{"5 (activos 2, morosos 2, suspendidos 1; archivados 0)", "550.00 (2 facturas vencidas, 2 clientes)",
		"2026-11    1050.00 " + strings.Repeat("#", chartWidth), "500.00 " + strings.Repeat("=", 14) + "\n", "2026-10       0.00\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("dashboard text lacks %q:\n%s", want, out)
		}
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "20") && len([]rune(l)) > 80 {
			t.Errorf("dashboard line wider than 80 columns: %q", l)
		}
	}

	// Paying gamma's invoice brings it back to active at once; undoing
	// the payment makes it morose again.
	gamma := itoa(int(byClient["gamma"].ID))
	p.ok("invoices", "mark-paid", gamma, "--method", "cash")
	if s := p.status("gamma"); s != "active" {
		t.Errorf("gamma after paying: %s", s)
	}
	p.okJSON(&inv, "invoices", "mark-unpaid", gamma)
	if inv.Paid || inv.PaidAt != nil || !inv.Overdue || inv.DaysOverdue != 20 {
		t.Errorf("mark-unpaid: %+v", inv)
	}
	if s := p.status("gamma"); s != "morose" {
		t.Errorf("gamma after unpaying: %s", s)
	}
	p.fails(1, "no está pagada", "invoices", "mark-unpaid", gamma)
	if out := p.ok("invoices", "show", gamma); !strings.Contains(out, "no, vencida hace 20 días") {
		t.Errorf("invoices show: %q", out)
	}

	want := map[string]int{"tenant.create": 5, "tenant.suspend": 1, "tenant.update": 1, "invoice.generate": 3,
		"invoice.paid": 2, "invoice.unpaid": 1}
	got := p.audited()
	for a, n := range want {
		if got[a] != n {
			t.Errorf("operator audit %s: %d rows, want %d (all: %v)", a, got[a], n, got)
		}
	}
}

// The panel's commands are not in the clinic scope, and need an operator.
func TestPanelCommandsScope(t *testing.T) {
	t.Parallel()
	p := newPanelFixture(t)
	p.create("alfa", "100")
	tn, err := p.db.Tenant(p.ctx, "alfa")
	if err != nil {
		t.Fatal(err)
	}
	admin, err := tn.UserByEmail(p.ctx, store.System, "admin@alfa.test")
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"tenants", "list"}, {"tenants", "create", "x1x", "--name", "X", "--admin-email", "x@x.test"},
		{"invoices", "list"}, {"invoices", "generate", "--month", "2026-11"}, {"dashboard"}} {
		var out, errb bytes.Buffer
		env := &Env{DB: p.db, Tenant: tn, User: admin, RemoteAddr: "test", Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb}
		if res := Run(p.ctx, env, Clinic, args); res.Code != 2 || out.Len() != 0 ||
			!(strings.Contains(errb.String(), "comando desconocido") || strings.Contains(errb.String(), "opción desconocida")) {
			t.Errorf("clinic admin runs %v: exit %d, %q %q", args, res.Code, out.String(), errb.String())
		}
	}
	// No operator (an unknown key): nothing runs.
	var out, errb bytes.Buffer
	env := &Env{DB: p.db, RemoteAddr: "test", Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb}
	if res := Run(p.ctx, env, Panel, []string{"invoices", "generate", "--month", "2026-11"}); res.Code != 1 ||
		strings.TrimSpace(errb.String()) != i18n.For(i18n.ES).Errors.AuthRequired {
		t.Errorf("no operator: exit %d, %q", res.Code, errb.String())
	}
	if n, err := p.db.ListInvoices(p.ctx, store.InvoiceFilter{}); err != nil || len(n) != 0 {
		t.Errorf("invoices created by a clinic user or without an operator: %v %v", n, err)
	}
	if _, err := p.db.GetTenant(p.ctx, "x1x"); err == nil {
		t.Errorf("a clinic user created a clinic")
	}
}

// newTestKey is a fresh ed25519 key and its authorized_keys line.
func newTestKey(t *testing.T) (gossh.Signer, string) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s, strings.TrimSpace(string(gossh.MarshalAuthorizedKey(s.PublicKey())))
}

// Mistakes in how a panel command is called exit 2 with one line on stderr
// and change nothing.
func TestPanelUsageErrorsExit2(t *testing.T) {
	t.Parallel()
	p := newPanelFixture(t)
	p.create("alfa", "100")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"tenants", "create"}, "faltan argumentos"},
		{[]string{"tenants", "create", "beta", "--name", "B", "--admin-email", "b@b.test", "--patients-limit", "x"}, `--patients-limit: "x" no es un número entero`},
		{[]string{"tenants", "create", "beta", "--name", "B", "--admin-email", "b@b.test", "--monthly-fee", "1.0055"}, "tiene más de dos decimales"},
		{[]string{"tenants", "create", "beta", "--name", "B", "--admin-email", "b@b.test", "--monthly-fee", "1.005"}, "puede ser 1005.00 (separador de miles) o 1.005 (decimales)"},
		{[]string{"tenants", "create", "beta", "--name", "B", "--admin-email", "b@b.test", "--admin-key", "-"}, "no hay llave pública en la entrada estándar"},
		{[]string{"tenants", "update", "alfa", "--monthly-fee", "cien"}, `--monthly-fee: "cien" no es un monto`},
		{[]string{"tenants", "update", "alfa", "--specialists-limit", "-1"}, `"-1" no es un número entero de al menos 0`},
		{[]string{"tenants", "delete"}, "faltan argumentos"},
		{[]string{"tenants", "restore"}, "faltan argumentos"},
		{[]string{"tenants", "domains"}, "indique add, primary, remove"},
		{[]string{"invoices", "list", "--month", "2026-13"}, "no es un mes AAAA-MM"},
		{[]string{"invoices", "list", "--limit", "-1"}, `--limit: "-1" no es un número entero de al menos 0`},
		{[]string{"invoices", "list", "extra"}, "argumento inesperado"},
		{[]string{"invoices", "show"}, "faltan argumentos"},
		{[]string{"invoices", "mark-unpaid", "0"}, "entero positivo"},
		{[]string{"invoices", "frob"}, `comando desconocido "frob"`},
		{[]string{"dashboard", "now"}, "argumento inesperado"},
		{[]string{"dashboard", "--month", "2026-11"}, "opción desconocida --month"},
	} {
		r := p.runIn("", tc.args...)
		if r.code != 2 || !strings.Contains(r.err, tc.want) || r.out != "" {
			t.Errorf("%q: exit %d, stderr %q (want %q), stdout %q", strings.Join(tc.args, " "), r.code, r.err, tc.want, r.out)
		}
	}
	var ti store.TenantInfo
	p.okJSON(&ti, "tenants", "show", "alfa")
	if ti.MonthlyFee.StringFixed(2) != "100.00" || ti.SpecialistsLimit != 4 || ti.Status != "active" {
		t.Errorf("a usage error changed the clinic: %+v", ti)
	}
	if _, err := p.db.GetTenant(p.ctx, "beta"); err == nil {
		t.Errorf("a usage error created a clinic")
	}
}

// tenants move and tenants nodes belong to Citus clusters: on plain
// PostgreSQL they say so (exit 1); a missing or malformed --to is a usage
// error. The moves themselves are tested on Citus (scale/, make test-scale).
func TestPanelTenantsMoveOutsideCitus(t *testing.T) {
	t.Parallel()
	p := newPanelFixture(t)
	p.create("alfa", "100")
	p.fails(2, "falta --to HOST:PUERTO", "tenants", "move", "alfa")
	p.fails(2, `--to "nope" debe ser HOST:PUERTO`, "tenants", "move", "alfa", "--to", "nope")
	p.fails(1, "no es un clúster Citus", "tenants", "move", "alfa", "--to", "10.0.0.12:5432")
	p.fails(1, "No se encontró: clínica nadie", "tenants", "move", "nadie", "--to", "10.0.0.12:5432")
	p.fails(1, "no es un clúster Citus", "tenants", "nodes")
	if n := p.audited()["tenant.move"]; n != 0 {
		t.Errorf("%d tenant.move audit rows for moves that did not happen", n)
	}
}
