package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	gossh "golang.org/x/crypto/ssh"

	"consultorio/server/cmd"
	"consultorio/store"
	"consultorio/store/storetest"
	"consultorio/tui/i18n"
)

func whoami(t *testing.T, c *gossh.Client) cmd.Whoami {
	t.Helper()
	out, errOut, code := run(t, c, "whoami --json")
	if code != 0 {
		t.Fatalf("whoami: exit %d, stderr %q", code, errOut)
	}
	var w cmd.Whoami
	if err := json.Unmarshal([]byte(out), &w); err != nil {
		t.Fatalf("whoami --json: %v in %q", err, out)
	}
	return w
}

func TestKeyLoginLandsInTheRightClinic(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	a := newClinic(t, db, "clinic-a")
	b := newClinic(t, db, "clinic-b")
	keyA, lineA := newKey(t)
	keyB, lineB := newKey(t)
	a.addKey(t, a.admin.ID, lineA)
	b.addKey(t, b.admin.ID, lineB)
	srv := startServer(t, db)

	w := whoami(t, mustDial(t, srv.addr, "clinic-a", keyAuth(keyA)))
	want := cmd.Whoami{Schema: "clinic-a", Clinic: "Clínica clinic-a", Email: "admin@clinic-a.test", Name: "Admin clinic-a", Role: "admin"}
	if w != want {
		t.Errorf("whoami = %+v, want %+v", w, want)
	}
	if w := whoami(t, mustDial(t, srv.addr, "clinic-b", keyAuth(keyB))); w.Schema != "clinic-b" || w.Email != "admin@clinic-b.test" {
		t.Errorf("clinic-b whoami = %+v", w)
	}

	// Text output, for people.
	out, _, code := run(t, mustDial(t, srv.addr, "clinic-a", keyAuth(keyA)), "whoami")
	if code != 0 || !strings.Contains(out, "admin@clinic-a.test") || !strings.Contains(out, "Clínica clinic-a") {
		t.Errorf("whoami text: exit %d, %q", code, out)
	}

	// The terminal lands in the clinic.
	tm := openTerm(t, mustDial(t, srv.addr, "clinic-a", keyAuth(keyA)), 100, 30)
	tm.waitFor("Clínica clinic-a", "Admin clinic-a · Administrador")
}

func TestRoutingByDomainLabelKeyAndListener(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	ctx := context.Background()
	key, line := newKey(t)
	if _, err := db.CreateTenant(ctx, store.CLI, store.NewTenant{
		Schema: "cmed", Name: "Consultorio Médico", AdminEmail: "jefa@cm.test",
		Domains: []string{"consultorio-medico.example.com"}, AdminKey: line,
	}); err != nil {
		t.Fatal(err)
	}
	other := newClinic(t, db, "other")
	listenAddr := freePort(t)
	srv := startServer(t, db, withConfig(func(c *Config) {
		c.Listen = listenAddr
		c.ListenAddrDomains = map[string]string{listenAddr: "consultorio-medico.example.com"}
	}))

	for _, user := range []string{"cmed", "consultorio-medico.example.com", "consultorio-medico", "CMED"} {
		if w := whoami(t, mustDial(t, srv.addr, user, keyAuth(key))); w.Schema != "cmed" || w.Email != "jefa@cm.test" {
			t.Errorf("user %q: whoami = %+v", user, w)
		}
	}
	// A user name that is no clinic: the listener address maps to cm's
	// domain; the key alone would too.
	if w := whoami(t, mustDial(t, srv.addr, "juan", keyAuth(key))); w.Schema != "cmed" {
		t.Errorf("listener routing: %+v", w)
	}
	// The user name wins over the listener address: "other" is a clinic,
	// where this key belongs to nobody.
	_, errOut, code := run(t, mustDial(t, srv.addr, "other", keyAuth(key)), "whoami")
	if code != 1 || !strings.Contains(errOut, i18n.For(i18n.ES).Errors.AuthRequired) {
		t.Errorf("other clinic with cm's key: exit %d, %q", code, errOut)
	}
	_ = other
}

func TestKeyRegisteredInOneClinicRoutesAnyName(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	a := newClinic(t, db, "clinic-a")
	b := newClinic(t, db, "clinic-b")
	key, line := newKey(t)
	a.addKey(t, a.admin.ID, line)
	srv := startServer(t, db)

	if w := whoami(t, mustDial(t, srv.addr, "maria", keyAuth(key))); w.Schema != "clinic-a" || w.Email != "admin@clinic-a.test" {
		t.Errorf("key routing: %+v", w)
	}
	// Registered in two clinics: the key no longer says which.
	b.addKey(t, b.admin.ID, line)
	_, errOut, code := run(t, mustDial(t, srv.addr, "maria", keyAuth(key)), "whoami")
	if code != 1 || strings.TrimSpace(errOut) != msgNoSuchClinic {
		t.Errorf("ambiguous key: exit %d, %q", code, errOut)
	}
}

func TestUnknownClinicRevealsNothing(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	newClinic(t, db, "clinic-a")
	stranger, _ := newKey(t)
	srv := startServer(t, db)

	var first string
	for i, tc := range []struct {
		user string
		auth []gossh.AuthMethod
	}{
		{"nosuch", keyAuth(stranger)},
		{"clinic-x", keyAuth(stranger)},
		{"panel2", noKeyAuth()},
		{"public", keyAuth(stranger)},
		{"pg_catalog", noKeyAuth()},
	} {
		out, errOut, code := run(t, mustDial(t, srv.addr, tc.user, tc.auth), "whoami")
		if code != 1 || out != "" {
			t.Errorf("%s: exit %d, stdout %q", tc.user, code, out)
		}
		if i == 0 {
			first = errOut
			if strings.TrimSpace(errOut) != msgNoSuchClinic {
				t.Errorf("%s: stderr %q", tc.user, errOut)
			}
		} else if errOut != first {
			t.Errorf("%s: stderr %q differs from %q", tc.user, errOut, first)
		}
	}
	// Same for a terminal session.
	tm := openTerm(t, mustDial(t, srv.addr, "nosuch", keyAuth(stranger)), 80, 24)
	if code := tm.wait(); code != 1 {
		t.Errorf("terminal: exit %d", code)
	}
	if !strings.Contains(tm.screen(), msgNoSuchClinic) {
		t.Errorf("terminal shows %q", tm.screen())
	}
}

func TestForeignKeyIsNobodyInAnotherClinic(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	a := newClinic(t, db, "clinic-a")
	newClinic(t, db, "clinic-b")
	keyA, lineA := newKey(t)
	a.addKey(t, a.admin.ID, lineA)
	srv := startServer(t, db)

	c := mustDial(t, srv.addr, "clinic-b", keyAuth(keyA))
	out, errOut, code := run(t, c, "whoami --json")
	if code != 1 || out != "" || strings.TrimSpace(errOut) != i18n.For(i18n.ES).Errors.AuthRequired {
		t.Errorf("A's key at B: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	// In a terminal: B's login form, nobody logged in.
	tm := openTerm(t, c, 100, 30)
	tm.waitFor("Ingresar a Clínica clinic-b", "Correo electrónico")
	if strings.Contains(tm.screen(), "Administrador") {
		t.Errorf("logged in as someone of B:\n%s", tm.screen())
	}
}

// failingSigner offers a public key it cannot sign with: what a client
// that only knows someone else's public key can do.
type failingSigner struct{ pub gossh.PublicKey }

func (f failingSigner) PublicKey() gossh.PublicKey { return f.pub }
func (f failingSigner) Sign(io.Reader, []byte) (*gossh.Signature, error) {
	return nil, errors.New("no private key")
}

// authSequence tries the methods in order, whatever the client tried
// already (the x/crypto client otherwise tries "publickey" only once).
func authSequence(methods ...gossh.AuthMethod) *gossh.ClientConfig {
	i := 0
	return &gossh.ClientConfig{
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		AuthCallback: func(*gossh.ClientAuthContext) (gossh.AuthMethod, error) {
			if i >= len(methods) {
				return nil, errors.New("no more methods")
			}
			i++
			return methods[i-1], nil
		},
	}
}

// REGRESSION (auth bypass, soft-serve CVE class): the public-key callback
// runs for keys a client merely offers. A client that offers the victim's
// public key without being able to sign, then authenticates otherwise, must
// not become the victim, whatever the order of the offers.
func TestOfferedButUnsignedKeyIsNotTheIdentity(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	a := newClinic(t, db, "clinic-a")
	victimKey, victimLine := newKey(t)
	a.addKey(t, a.admin.ID, victimLine)
	recep, _, err := a.tn.CreateUser(context.Background(), store.System, store.NewUser{Email: "mallory@clinic-a.test", Name: "Mallory", Role: store.RoleReception})
	if err != nil {
		t.Fatal(err)
	}
	attackerKey, attackerLine := newKey(t)
	a.addKey(t, recep.ID, attackerLine)
	strangerKey, _ := newKey(t)
	srv := startServer(t, db)

	victimOffer := gossh.PublicKeys(failingSigner{victimKey.PublicKey()})
	cases := []struct {
		name    string
		methods []gossh.AuthMethod
		want    string // e-mail whoami must print; "" = nobody
	}{
		// victim offered last before the real signature: the last callback
		// run was for the victim's key.
		{"own key queried, victim offered, own key signs", []gossh.AuthMethod{
			gossh.PublicKeys(failingSigner{attackerKey.PublicKey()}), victimOffer, gossh.PublicKeys(attackerKey)}, "mallory@clinic-a.test"},
		{"victim offered, own key signs", []gossh.AuthMethod{victimOffer, gossh.PublicKeys(attackerKey)}, "mallory@clinic-a.test"},
		{"victim offered, unknown key signs", []gossh.AuthMethod{victimOffer, gossh.PublicKeys(strangerKey)}, ""},
		{"victim offered, then no key", []gossh.AuthMethod{victimOffer, noKeyAuth()[0]}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := authSequence(tc.methods...)
			cfg.User = "clinic-a"
			c, err := gossh.Dial("tcp", srv.addr, cfg)
			if err != nil {
				t.Fatalf("dial: %v", err)
			}
			defer c.Close()
			out, errOut, code := run(t, c, "whoami --json")
			if tc.want == "" {
				if code != 1 || strings.TrimSpace(errOut) != i18n.For(i18n.ES).Errors.AuthRequired {
					t.Fatalf("expected nobody: exit %d, stdout %q, stderr %q", code, out, errOut)
				}
				return
			}
			var w cmd.Whoami
			if code != 0 || json.Unmarshal([]byte(out), &w) != nil {
				t.Fatalf("whoami: exit %d, %q %q", code, out, errOut)
			}
			if w.Email != tc.want {
				t.Fatalf("logged in as %s, want %s", w.Email, tc.want)
			}
		})
	}
}

func TestScriptedCommandsUsageAndAuth(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	a := newClinic(t, db, "clinic-a")
	key, line := newKey(t)
	a.addKey(t, a.admin.ID, line)
	srv := startServer(t, db)
	c := mustDial(t, srv.addr, "clinic-a", keyAuth(key))

	for _, tc := range []struct {
		cmd      string
		code     int
		inStderr string
	}{
		{"nosuchcommand", 2, "comando desconocido"},
		{"whoami --bogus", 2, "opción desconocida"},
		{"whoami extra", 2, "argumento inesperado"},
		{"", 2, "needs a terminal"},
	} {
		out, errOut, code := run(t, c, tc.cmd)
		if code != tc.code || !strings.Contains(errOut, tc.inStderr) {
			t.Errorf("%q: exit %d (want %d), stdout %q, stderr %q", tc.cmd, code, tc.code, out, errOut)
		}
	}
	out, _, code := run(t, c, "help")
	if code != 0 || !strings.Contains(out, "whoami") {
		t.Errorf("help: exit %d, %q", code, out)
	}
	// Without a key: help works, commands do not.
	anon := mustDial(t, srv.addr, "clinic-a", noKeyAuth())
	if out, _, code := run(t, anon, "help"); code != 0 || !strings.Contains(out, "whoami") {
		t.Errorf("anonymous help: exit %d, %q", code, out)
	}
	if _, errOut, code := run(t, anon, "whoami"); code != 1 || strings.TrimSpace(errOut) != i18n.For(i18n.ES).Errors.AuthRequired {
		t.Errorf("anonymous whoami: exit %d, %q", code, errOut)
	}
}

func TestPanelWhoami(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	key, line := newKey(t)
	op, _, err := db.CreateOperator(context.Background(), store.CLI, "ops@example.com", "Ops", line)
	if err != nil {
		t.Fatal(err)
	}
	grantOperatorKey(t, db, op, key)
	a := newClinic(t, db, "clinic-a")
	staffKey, staffLine := newKey(t)
	a.addKey(t, a.admin.ID, staffLine)
	srv := startServer(t, db)

	out, errOut, code := run(t, mustDial(t, srv.addr, "panel", keyAuth(key)), "whoami --json")
	var w cmd.PanelWhoami
	if code != 0 || json.Unmarshal([]byte(out), &w) != nil {
		t.Fatalf("panel whoami: exit %d, %q %q", code, out, errOut)
	}
	if !w.Panel || w.Email != "ops@example.com" || w.Name != "Ops" {
		t.Errorf("panel whoami = %+v", w)
	}
	// A staff key is nobody in the panel.
	if _, errOut, code := run(t, mustDial(t, srv.addr, "panel", keyAuth(staffKey)), "whoami"); code != 1 || strings.TrimSpace(errOut) != i18n.For(i18n.ES).Errors.AuthRequired {
		t.Errorf("staff key at panel: exit %d, %q", code, errOut)
	}
	// An operator key is nobody in a clinic.
	if _, errOut, code := run(t, mustDial(t, srv.addr, "clinic-a", keyAuth(key)), "whoami"); code != 1 || strings.TrimSpace(errOut) != i18n.For(i18n.ES).Errors.AuthRequired {
		t.Errorf("operator key at clinic: exit %d, %q", code, errOut)
	}
	// Interactively, the operator's key leads to the second factor first.
	codes := enrolOperator(t, db, op)
	tm := openTerm(t, mustDial(t, srv.addr, "panel", keyAuth(key)), 100, 30)
	tm.focused("Código de verificación")
	tm.typeText(codes.code() + keyEnter)
	tm.waitFor("Panel", "Ops · ")
}

func TestConnectionLogLine(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	a := newClinic(t, db, "clinic-a")
	key, line := newKey(t)
	a.addKey(t, a.admin.ID, line)
	srv := startServer(t, db)
	c := mustDial(t, srv.addr, "clinic-a", keyAuth(key))
	whoami(t, c)
	c.Close()
	fp := gossh.FingerprintSHA256(key.PublicKey())
	waitUntil(t, "connection log line", func() bool { return strings.Contains(srv.logs.String(), "key="+fp) })
	var logLine string
	for _, l := range strings.Split(srv.logs.String(), "\n") {
		if strings.Contains(l, "key="+fp) {
			logLine = l
		}
	}
	for _, want := range []string{`msg="ssh connection"`, "tenant=clinic-a", "user=admin@clinic-a.test", "remote=127.0.0.1:", "duration=", `outcome="command whoami: ok"`} {
		if !strings.Contains(logLine, want) {
			t.Errorf("log line lacks %s: %s", want, logLine)
		}
	}
}
