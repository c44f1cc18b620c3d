package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rogpeppe/go-internal/testscript"

	"consultorio/store"
	"consultorio/store/storetest"
)

// TestMain lets testscript run the real command as "consultorio" in scripts.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"consultorio": main})
}

// TestScripts runs the black-box scripts in testdata/*.txtar, each against
// a fresh database; they double as documentation of the CLI.
func TestScripts(t *testing.T) {
	t.Parallel()
	testscript.Run(t, testscript.Params{
		Dir: "testdata",
		Setup: func(e *testscript.Env) error {
			e.Setenv("DATABASE_URL", storetest.NewURL(t))
			e.Setenv("CONSULTORIO_DATA", filepath.Join(e.WorkDir, "data"))
			e.Setenv("CONSULTORIO_LISTEN", "127.0.0.1:2222")
			e.Setenv("HOME", e.WorkDir)
			return nil
		},
	})
}

// cli runs the command in-process against one test database.
type cli struct {
	t    *testing.T
	url  string
	opts store.Options
	vars map[string]string
}

type result struct {
	code           int
	stdout, stderr string
}

func newCLI(t *testing.T) *cli {
	return &cli{t: t, url: storetest.NewURL(t), vars: map[string]string{
		"CONSULTORIO_DATA":   t.TempDir(),
		"CONSULTORIO_LISTEN": "127.0.0.1:2222",
		"HOME":               t.TempDir(),
	}}
}

func (c *cli) run(args ...string) result {
	c.t.Helper()
	return c.runIn("", args...)
}

func (c *cli) runIn(stdin string, args ...string) result {
	c.t.Helper()
	var out, errb bytes.Buffer
	e := env{
		stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb,
		getenv:    func(k string) string { return c.vars[k] },
		storeOpts: c.opts,
	}
	code := runWith(context.Background(), e, append([]string{"--database-url", c.url}, args...))
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// ok runs a command that must succeed and returns its stdout.
func (c *cli) ok(args ...string) string {
	c.t.Helper()
	r := c.run(args...)
	if r.code != 0 {
		c.t.Fatalf("consultorio %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// fails runs a command that must exit with code and one line on stderr
// containing want.
func (c *cli) fails(code int, want string, args ...string) result {
	c.t.Helper()
	r := c.run(args...)
	if r.code != code {
		c.t.Fatalf("consultorio %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, want) {
		c.t.Fatalf("consultorio %s: stderr %q does not say %q", strings.Join(args, " "), r.stderr, want)
	}
	if n := strings.Count(strings.TrimRight(r.stderr, "\n"), "\n"); n != 0 {
		c.t.Fatalf("consultorio %s: stderr has %d lines, want one: %q", strings.Join(args, " "), n+1, r.stderr)
	}
	return r
}

// db opens the test database with the CLI's store options.
func (c *cli) db() *store.DB {
	c.t.Helper()
	db, err := store.Open(context.Background(), c.url, c.opts)
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(db.Close)
	return db
}

// owner is a pool on the test database as its owner: fixtures and checks
// the store's runtime roles may not do (a clinic's tables from outside).
func (c *cli) owner() *pgxpool.Pool {
	c.t.Helper()
	p, err := pgxpool.New(context.Background(), c.url)
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(p.Close)
	return p
}

func decodeJSON[T any](t *testing.T, s string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, s)
	}
	return v
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.fails(2, `unknown command "bogus"`, "bogus")
	c.fails(2, "unknown flag --nope", "migrate", "--nope")
	c.fails(2, "--jobs must be at least 1", "migrate", "--jobs", "0")
	c.fails(2, `unexpected argument "extra"`, "migrate", "extra")
	c.fails(2, "say activate, create, delete", "tenants")
	c.fails(2, `unknown command "frobnicate"`, "tenants", "frobnicate")
	c.fails(2, "missing arguments", "tenants", "create")
	c.fails(2, "missing required flag(s) --name, --admin-email", "tenants", "create", "clinic-x")
	c.fails(2, `--monthly-fee: "12.345" is ambiguous: it may be 12345.00 (thousands separator) or 12.345 (decimals)`,
		"tenants", "create", "clinic-x", "--name", "X", "--admin-email", "a@x.test", "--monthly-fee", "12.345")
	c.fails(2, `--monthly-fee: "-5" is negative`, "tenants", "create", "clinic-x", "--name", "X", "--admin-email", "a@x.test", "--monthly-fee", "-5")
	// The server's host name is no clinic's name (issue 12 F11): the store refuses it, exit 1.
	c.fails(1, "host name", "--host-name", "turnos.salud.pe", "tenants", "create", "salud", "--name", "X", "--admin-email", "a@x.test")
	c.fails(2, "--admin-key", "tenants", "create", "clinic-x", "--name", "X", "--admin-email", "a@x.test", "--admin-key", filepath.Join(t.TempDir(), "missing.pub"))
	// Refused by the store before anything is made: still the caller's mistake.
	c.fails(1, "Time zone: is not a known time zone", "tenants", "create", "clinic-x", "--name", "X", "--admin-email", "a@x.test", "--timezone", "Mars/Olympus")
	c.fails(1, "Admin e-mail: is not an e-mail address", "tenants", "create", "clinic-x", "--name", "X", "--admin-email", "nobody")
	tvs, err := c.db().TenantVersions(context.Background())
	if err != nil || slices.ContainsFunc(tvs, func(tv store.TenantVersion) bool { return !tv.Spare }) {
		t.Fatalf("refused calls created tenants: %v %v", tvs, err)
	}
}

func TestTenantsCreateRefusesBadSchema(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	for name, why := range map[string]string{
		"Upper":                      "lowercase",
		"public":                     "reserved",
		"pg_x":                       "pg_",
		"a--b":                       "--",
		`x"; drop schema public; --`: "may only contain",
	} {
		c.fails(2, why, "tenants", "create", name, "--name", "X", "--admin-email", "a@x.test")
	}
	var n int
	if err := c.db().Pool().QueryRow(context.Background(), `select (select count(*) from public.tenants) +
		(select count(*) from pg_namespace where nspname in ('Upper', 'a--b', 'pg_x'))`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("refused names left %d objects", n)
	}
}

func TestTenantsCreate(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	out := c.ok("tenants", "create", "consultorio-medico", "--name", "Consultorio Médico", "--admin-email", "Ana@Example.com",
		"--admin-name", "Ana Quispe", "--domain", "consultorio-medico.example.com", "--monthly-fee", "150", "--specialists-limit", "6")
	for _, want := range []string{
		`Created clinic "Consultorio Médico" (schema consultorio-medico)`,
		"Admin: Ana Quispe <ana@example.com>",
		"Setup code (shown only now",
		"ssh -p 2222 consultorio-medico@127.0.0.1",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// The same schema again is a failure (exit 1), not a usage error.
	c.fails(1, "already taken", "tenants", "create", "consultorio-medico", "--name", "X", "--admin-email", "b@x.test")

	// --json, with a key from a file: the setup code and the ssh line.
	key := filepath.Join(t.TempDir(), "id.pub")
	if err := os.WriteFile(key, []byte(testKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := decodeJSON[struct {
		Tenant    store.TenantInfo `json:"tenant"`
		SetupCode string           `json:"setup_code"`
		SSH       string           `json:"ssh"`
	}](t, c.ok("tenants", "create", "clinica-dos", "--name", "Clínica Dos", "--admin-email", "b@dos.test", "--admin-key", key, "--json"))
	if p.Tenant.Schema != "clinica-dos" || p.SetupCode == "" || p.SSH != "ssh -p 2222 clinica-dos@127.0.0.1" {
		t.Fatalf("json: %+v", p)
	}
	fps, err := c.db().TenantsForKey(context.Background(), testKeyFingerprint)
	if err != nil || len(fps) != 1 || fps[0] != "clinica-dos" {
		t.Fatalf("admin key not registered: %v %v", fps, err)
	}
}

const (
	testKey            = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKKFPADknwYzHrHyxzQmtXvP7QFt9CCTiJEc5BHG/enx test@example"
	testKeyFingerprint = "SHA256:XiMb85K/Ccb+lXmLwgKC3+I4JqNeV3pMf9RIRFWctCQ"
)

func TestSSHLine(t *testing.T) {
	t.Parallel()
	for listen, want := range map[string]string{
		"127.0.0.1:2222": "ssh -p 2222 demo@127.0.0.1",
		"localhost:22":   "ssh demo@localhost",
		"[::1]:2200":     "ssh -p 2200 demo@[::1]",
	} {
		cfg := &config{listen: listen}
		if got := cfg.sshLine("demo"); got != want {
			t.Errorf("%s: %q, want %q", listen, got, want)
		}
	}
}

func TestTenantsLifecycle(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.ok("tenants", "create", "clinica-a", "--name", "Clínica A", "--admin-email", "a@a.test")
	c.ok("tenants", "create", "clinica-b", "--name", "Clínica B", "--admin-email", "b@b.test", "--domain", "b.example.com")

	list := decodeJSON[[]store.TenantInfo](t, c.ok("tenants", "list", "--json"))
	if len(list) != 2 || list[0].Schema != "clinica-a" || list[1].Domains[0] != "b.example.com" {
		t.Fatalf("list: %+v", list)
	}
	if out := c.ok("tenants", "suspend", "clinica-a"); !strings.Contains(out, "suspended") {
		t.Fatalf("suspend: %s", out)
	}
	shown := decodeJSON[store.TenantInfo](t, c.ok("tenants", "show", "clinica-a", "--json"))
	if shown.Status != store.TenantSuspended || !shown.SuspendedByHand {
		t.Fatalf("show after suspend: %+v", shown)
	}
	if got := decodeJSON[[]store.TenantInfo](t, c.ok("tenants", "list", "--status", "suspended", "--json")); len(got) != 1 || got[0].Schema != "clinica-a" {
		t.Fatalf("suspended list: %+v", got)
	}
	if got := decodeJSON[[]store.TenantInfo](t, c.ok("tenants", "list", "--status", "morose", "--json")); len(got) != 0 {
		t.Fatalf("morose list: %+v", got)
	}

	// delete without --yes: refused as a usage error, nothing changes.
	c.fails(2, "repeat with --yes", "tenants", "delete", "clinica-b")
	if got := decodeJSON[store.TenantInfo](t, c.ok("tenants", "show", "clinica-b", "--json")); got.Status != store.TenantActive {
		t.Fatalf("refused delete changed the clinic: %+v", got)
	}
	c.ok("tenants", "delete", "clinica-b", "--yes")
	if got := decodeJSON[store.TenantInfo](t, c.ok("tenants", "show", "clinica-b", "--json")); got.Status != store.TenantArchived {
		t.Fatalf("after delete: %+v", got)
	}
	// Archived clinics are out of migrate's way.
	if out := c.ok("migrate", "--tenants"); !strings.Contains(out, "tenants: 1 schema,") {
		t.Fatalf("migrate after archive:\n%s", out)
	}

	// Failures (exit 1) and usage errors (exit 2).
	c.fails(1, "Not found: clinic nope.", "tenants", "suspend", "nope")
	c.fails(1, "Not found: clinic nope.", "tenants", "show", "nope")
	c.fails(1, "archived", "tenants", "update", "clinica-b", "--name", "X")
	c.fails(2, `--status: "sleeping" is not one of all, active, morose, suspended, archived`, "tenants", "list", "--status", "sleeping")
	c.fails(2, "nothing to change", "tenants", "update", "clinica-a")
	c.fails(2, "--patients-limit", "tenants", "update", "clinica-a", "--patients-limit", "many")
	c.fails(1, "Language: must be es or en", "tenants", "update", "clinica-a", "--lang", "fr")
	c.fails(2, "--older-than", "tenants", "purge", "--older-than", "soon", "--yes")
	c.fails(2, "missing --older-than", "tenants", "purge", "--yes")
	c.fails(2, "missing arguments", "tenants", "show")

	// JSON of every mutating command parses too.
	if got := decodeJSON[store.TenantInfo](t, c.ok("tenants", "activate", "clinica-a", "--json")); got.Status != store.TenantActive {
		t.Fatalf("activate --json: %+v", got)
	}
	if got := decodeJSON[store.TenantInfo](t, c.ok("tenants", "update", "clinica-a", "--monthly-fee", "1.099,90", "--json")); got.MonthlyFee.String() != "1099.9" {
		t.Fatalf("update --json: %+v", got)
	}
	if got := decodeJSON[[]string](t, c.ok("tenants", "purge", "--older-than", "0s", "--yes", "--json")); len(got) != 1 || got[0] != "clinica-b" {
		t.Fatalf("purge --json: %v", got)
	}
}

func TestOperatorsCreate(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	out := decodeJSON[struct {
		Operator  store.Operator `json:"operator"`
		SetupCode string         `json:"setup_code"`
	}](t, c.runIn(testKey, "operators", "create", "--email", "Rosa@Ops.test", "--key", "-", "--json").stdout)
	if out.Operator.Email != "rosa@ops.test" || out.SetupCode == "" {
		t.Fatalf("operator: %+v", out)
	}
	// The setup code works once, for this operator.
	if _, err := c.db().OperatorLoginSetupCode(context.Background(), "rosa@ops.test", out.SetupCode, "test"); err != nil {
		t.Fatalf("setup code does not log in: %v", err)
	}
	if op, err := c.db().OperatorByKey(context.Background(), testKeyFingerprint); err != nil || op.Email != "rosa@ops.test" {
		t.Fatalf("key not registered: %v %v", op, err)
	}
	c.fails(1, "is already taken", "operators", "create", "--email", "rosa@ops.test")
	c.fails(2, "missing --email", "operators", "create")
	c.fails(1, "E-mail: is not an e-mail address", "operators", "create", "--email", "rosa")
}

// `consultorio db psql` opens psql on the private cluster as its owner (the
// superuser, by peer authentication over the socket), passing its
// arguments to psql; with --database-url, on that database.
func TestDBPsql(t *testing.T) {
	t.Parallel()
	dir := storetest.PrivateCluster(t)
	var out, errb bytes.Buffer
	e := env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
		getenv: func(k string) string { return map[string]string{"CONSULTORIO_DATA": dir}[k] }}
	code := runWith(context.Background(), e, []string{"db", "psql", "-X", "-tAc", "select current_user, current_database(), 1"})
	if code != 0 || strings.TrimSpace(out.String()) != "consultorio|consultorio|1" {
		t.Fatalf("db psql on the private cluster: exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
	// A failing statement is psql's failure: exit 1, psql's message.
	out.Reset()
	errb.Reset()
	code = runWith(context.Background(), e, []string{"db", "psql", "-X", "-v", "ON_ERROR_STOP=1", "-c", "select nonsense"})
	if code != 1 || !strings.Contains(errb.String(), "nonsense") {
		t.Fatalf("db psql with an error: exit %d, stderr %q", code, errb.String())
	}
	// consultorio's own flags go before "db psql".
	c := newCLI(t)
	got := c.ok("db", "psql", "-X", "-tAc", "select current_database() = $$"+dbNameOf(t, c.url)+"$$")
	if strings.TrimSpace(got) != "t" {
		t.Fatalf("db psql with --database-url: %q", got)
	}
}

func dbNameOf(t *testing.T, u string) string {
	t.Helper()
	i := strings.LastIndex(u, "/")
	name, _, _ := strings.Cut(u[i+1:], "?")
	return name
}
