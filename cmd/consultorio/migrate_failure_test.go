package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"consultorio/migrations"
	"consultorio/store"
	"consultorio/store/storetest"
)

// internalText is what PostgreSQL and the driver say about the failures
// these tests cause: none of it may reach the operator's screen.
var internalText = []string{"SQLSTATE", "ERROR:", "42701", "42883", "already exists", "referral_id",
	"does not exist", "no_such_function", "pgx", "pgconn", ".sql", "cli.log"}

// A schema that fails to migrate is reported, in the operator's language,
// by its name, its version and the migration that failed, with a
// reference; PostgreSQL's text and SQLSTATE are in the CLI's log
// (DATA/logs/cli.log) under that same reference. So is a shared schema
// that fails. The exit status stays 1.
func TestMigrateFailureShowsAReferenceNotPostgreSQL(t *testing.T) {
	t.Parallel()
	c, from, logPath := clinicThatFailsToMigrate(t)

	for _, tc := range []struct{ lang, line, stderr string }{
		{"es_PE.UTF-8", "  falló: clinic-d (versión %d): migración %d: vea el registro, ref ", "1 de 2 clínicas no se pudieron migrar."},
		{"C", "  failed: clinic-d (version %d): migration %d: see the log, ref ", "1 of 2 tenants failed to migrate"},
	} {
		c.vars["LANG"] = tc.lang
		r := c.run("migrate", "--tenants")
		if r.code != 1 {
			t.Fatalf("LANG=%s: exit %d, want 1\n%s%s", tc.lang, r.code, r.stdout, r.stderr)
		}
		noInternalText(t, tc.lang, r.stdout+r.stderr)
		ref := refAfter(t, r.stdout, fmt.Sprintf(tc.line, from, from+1))
		if strings.TrimSpace(r.stderr) != tc.stderr {
			t.Errorf("LANG=%s: stderr %q, want %q", tc.lang, r.stderr, tc.stderr)
		}
		logged(t, logPath, ref, "schema=clinic-d", fmt.Sprintf("migration=%d", from+1), "SQLSTATE 42701", "already exists")
	}

	// --json: the same, in stable English keys.
	c.vars["LANG"] = ""
	r := c.run("migrate", "--tenants", "--json")
	if r.code != 1 {
		t.Fatalf("--json: exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	noInternalText(t, "--json", r.stdout+r.stderr)
	sum := decodeJSON[struct {
		Tenants struct {
			Failed []tenantFailure `json:"failed"`
		} `json:"tenants"`
	}](t, r.stdout)
	if f := sum.Tenants.Failed; len(f) != 1 || f[0].Schema != "clinic-d" || f[0].Version != from || f[0].Migration != from+1 ||
		f[0].Error != "see the log, ref "+f[0].Ref {
		t.Fatalf("--json failures: %+v", f)
	} else {
		logged(t, logPath, f[0].Ref, "schema=clinic-d", "SQLSTATE 42701")
	}

	// A shared schema migration that fails: no tenant is migrated.
	ms := store.EmbeddedMigrations()
	next := ms.Public[len(ms.Public)-1].Version + 1
	ms.Public = append(ms.Public, migrations.Migration{Version: next, Name: fmt.Sprintf("%04d_test_broken.sql", next),
		SQL: `SELECT no_such_function()`})
	c.opts = store.Options{Migrations: ms}
	c.vars["LANG"] = "es_ES.UTF-8"
	r = c.run("migrate")
	if r.code != 1 {
		t.Fatalf("shared: exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	noInternalText(t, "shared", r.stdout+r.stderr)
	ref := refAfter(t, r.stdout, fmt.Sprintf("esquema compartido: FALLÓ: migración %d: vea el registro, ref ", next))
	if strings.Contains(r.stdout, "clínicas:") || strings.TrimSpace(r.stderr) != "El esquema compartido no se pudo migrar; no se migró ninguna clínica." {
		t.Errorf("shared: stdout %q, stderr %q", r.stdout, r.stderr)
	}
	logged(t, logPath, ref, fmt.Sprintf("migration=%d", next), "SQLSTATE 42883", "no_such_function")

	// A failure the catalogue has words for is shown in them, on stdout and
	// stderr, with no reference: an older binary on this data.
	emb := store.EmbeddedMigrations()
	c.opts = store.Options{BinaryVersion: "0.1.9", Migrations: store.Migrations{Public: emb.Public[:len(emb.Public)-1], Tenant: emb.Tenant}}
	r = c.run("migrate")
	if r.code != 1 || !strings.Contains(r.stdout, "esquema compartido: FALLÓ: ") || !strings.Contains(r.stdout, "consultorio 0.1.9") ||
		!strings.Contains(r.stderr, "consultorio 0.1.9") || strings.Contains(r.stdout+r.stderr, "ref ") {
		t.Errorf("older binary: exit %d\nstdout %q\nstderr %q", r.code, r.stdout, r.stderr)
	}
}

// serve migrates every clinic on start: a clinic that fails stops it (exit
// 1) with the same summary line and reference, and the record under the
// reference is in serve's own log (its standard error), beside its other
// records, not in the CLI's file.
func TestServeMigrationFailureIsInServesLog(t *testing.T) {
	t.Parallel()
	c, from, logPath := clinicThatFailsToMigrate(t)
	c.vars["LANG"] = "C"
	before, _ := os.ReadFile(logPath)
	r := c.run("serve", "--listen", "127.0.0.1:0")
	if r.code != 1 {
		t.Fatalf("serve: exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	sref := refAfter(t, r.stderr, fmt.Sprintf("  failed: clinic-d (version %d): migration %d: see the log, ref ", from, from+1))
	if !regexp.MustCompile(`(?m)^time=.* ref=` + sref + ` .*schema=clinic-d.*SQLSTATE 42701`).MatchString(r.stderr) {
		t.Errorf("serve's log lacks the record of ref %s:\n%s", sref, r.stderr)
	}
	if after, _ := os.ReadFile(logPath); len(after) != len(before) {
		t.Errorf("serve wrote to the CLI's log:\n%s", after[len(before):])
	}
}

// clinicThatFailsToMigrate is a CLI on two clinics at the latest version
// and one migration more to apply, which clinic-d, altered by hand, cannot
// take; from is the version both are at, logPath the CLI's log.
func clinicThatFailsToMigrate(t *testing.T) (c *cli, from int, logPath string) {
	t.Helper()
	c = newCLI(t)
	db := c.db()
	for _, s := range []string{"clinic-a", "clinic-d"} {
		storetest.NewTenant(t, db, s)
	}
	if _, err := c.owner().Exec(context.Background(), `alter table "clinic-d".patients add column referral_id text`); err != nil {
		t.Fatal(err)
	}
	c.opts = store.Options{Migrations: extraMigration()}
	return c, latestTenantVersion(), filepath.Join(c.vars["CONSULTORIO_DATA"], "logs", "cli.log")
}

func noInternalText(t *testing.T, what, out string) {
	t.Helper()
	for _, s := range internalText {
		if strings.Contains(out, s) {
			t.Errorf("%s: the operator reads %q:\n%s", what, s, out)
		}
	}
}

// refAfter is the reference that follows prefix in out, at the end of its
// line.
func refAfter(t *testing.T, out, prefix string) string {
	t.Helper()
	m := regexp.MustCompile("(?m)^" + regexp.QuoteMeta(prefix) + "([0-9a-f]{8})$").FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no line %q followed by a reference in:\n%s", prefix, out)
	}
	return m[1]
}

// logged checks that the CLI's log has a record under ref holding every
// one of want.
func logged(t *testing.T, path, ref string, want ...string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the CLI's log: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.Contains(line, "ref="+ref+" ") {
			for _, w := range want {
				if !strings.Contains(line, w) {
					t.Errorf("the log's record of ref %s lacks %q: %s", ref, w, line)
				}
			}
			return
		}
	}
	t.Fatalf("no record of ref %s in the CLI's log:\n%s", ref, b)
}

// A key file or a duration the CLI cannot use is a usage error in the
// operator's words: not the system's ("open ...: no such file or
// directory") nor a parser's, and not English to a Spanish operator.
func TestKeyFileAndAgeErrorsInTheOperatorsWords(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	dir := t.TempDir()
	missing, garbage := filepath.Join(dir, "missing.pub"), filepath.Join(dir, "garbage.pub")
	if err := os.WriteFile(garbage, []byte("not a key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c.vars["LANG"] = "es_PE.UTF-8"
	create := []string{"tenants", "create", "clinic-x", "--name", "X", "--admin-email", "a@x.test", "--admin-key"}
	for _, tc := range []struct {
		want string
		args []string
	}{
		{"tenants create: --admin-key: no existe el archivo " + missing, append(create, missing)},
		{"tenants create: --admin-key: " + garbage + " no es una llave pública OpenSSH (un archivo .pub)", append(create, garbage)},
		{"operators create: --key: no existe el archivo " + missing, []string{"operators", "create", "--email", "a@x.test", "--key", missing}},
		{"operators create: --key: " + garbage + " no es una llave pública OpenSSH", []string{"operators", "create", "--email", "a@x.test", "--key", garbage}},
		{`tenants purge: --older-than: "soon" no es una duración como 30d o 12h`, []string{"tenants", "purge", "--older-than", "soon", "--yes"}},
	} {
		r := c.fails(2, tc.want, tc.args...)
		for _, s := range []string{"open ", "no such file", "is not", "duration like"} {
			if strings.Contains(r.stderr, s) {
				t.Errorf("%v: the operator reads %q: %s", tc.args, s, r.stderr)
			}
		}
	}
}

// An SMTP setting mail.Config refuses is a usage error naming the flag, in
// the operator's words (the mail package's own text was printed before).
func TestSMTPSettingErrorsInTheOperatorsWords(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.vars["LANG"] = "es_PE.UTF-8"
	for _, tc := range []struct {
		want string
		args []string
	}{
		{"--smtp-port 0: se espera de 1 a 65535", []string{"serve", "--smtp-host", "smtp.example.com", "--smtp-port", "0", "--smtp-from", "a@x.test"}},
		{`--smtp-from "Clínica <a@x.test>": se espera solo una dirección de correo`, []string{"serve", "--smtp-host", "smtp.example.com", "--smtp-from", "Clínica <a@x.test>"}},
	} {
		if r := c.fails(2, tc.want, tc.args...); strings.Contains(r.stderr, "SMTP") || strings.Contains(r.stderr, "must be") {
			t.Errorf("%v: the mail package's text reaches the operator: %s", tc.args, r.stderr)
		}
	}
}
