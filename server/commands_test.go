package server

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	gossh "golang.org/x/crypto/ssh"

	"consultorio/server/cmd"
	"consultorio/store/storetest"
)

// End to end: the clinic's scripted commands over SSH, as a script runs them
// (the in-process tests in server/cmd cover each command's behaviour).

// runStdin runs a command without a PTY with stdin, and returns stdout,
// stderr and the exit status.
func runStdin(t testing.TB, c *gossh.Client, stdin, command string) (string, string, int) {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatalf("new session: %v", err)
	}
	defer sess.Close()
	var out, errb bytes.Buffer
	sess.Stdin, sess.Stdout, sess.Stderr = strings.NewReader(stdin), &out, &errb
	err = sess.Run(command)
	code := 0
	var ee *gossh.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitStatus()
	case err != nil:
		t.Fatalf("run %q: %v (stderr %q)", command, err, errb.String())
	}
	return out.String(), errb.String(), code
}

// runJSON runs a command that must succeed with --json and decodes it.
func runJSON(t testing.TB, c *gossh.Client, v any, command string) {
	t.Helper()
	out, errOut, code := run(t, c, command+" --json")
	if code != 0 {
		t.Fatalf("%s: exit %d, stderr %q", command, code, errOut)
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("%s: %v in %q", command, err, out)
	}
}

// The admin adds a receptionist and registers her key read from stdin; that
// key then logs her in, as herself, in that clinic.
func TestScriptedStaffKeysAddThenLogin(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	a := newClinic(t, db, "clinic-a")
	adminKey, adminLine := newKey(t)
	a.addKey(t, a.admin.ID, adminLine)
	srv := startServer(t, db)
	admin := mustDial(t, srv.addr, "clinic-a", keyAuth(adminKey))

	var u cmd.UserView
	runJSON(t, admin, &u, "staff add --email rosa@clinic-a.test --name 'Rosa Recepción' --role reception")
	if u.SetupCode == "" || u.Role != "reception" {
		t.Fatalf("staff add = %+v", u)
	}
	// Her key is nobody yet.
	rosaKey, rosaLine := newKey(t)
	if _, errOut, code := run(t, mustDial(t, srv.addr, "clinic-a", keyAuth(rosaKey)), "whoami"); code != 1 ||
		!strings.Contains(errOut, "Se necesita autenticación: registre una llave") {
		t.Fatalf("unregistered key: exit %d %q", code, errOut)
	}
	out, errOut, code := runStdin(t, admin, rosaLine+" rosa@desk\n", "staff keys add --email rosa@clinic-a.test --json")
	if code != 0 {
		t.Fatalf("staff keys add: exit %d, stderr %q", code, errOut)
	}
	var k cmd.UserKeyView
	if err := json.Unmarshal([]byte(out), &k); err != nil || k.UserID != u.ID || k.Label != "rosa@desk" ||
		k.Fingerprint != gossh.FingerprintSHA256(rosaKey.PublicKey()) {
		t.Fatalf("staff keys add = %+v (%v)", k, err)
	}
	w := whoami(t, mustDial(t, srv.addr, "clinic-a", keyAuth(rosaKey)))
	if w.Email != "rosa@clinic-a.test" || w.Role != "reception" || w.Schema != "clinic-a" {
		t.Errorf("her key logs in as %+v", w)
	}
	// The key is in one clinic only, so it also routes another user name.
	if w := whoami(t, mustDial(t, srv.addr, "whoever", keyAuth(rosaKey))); w.Email != "rosa@clinic-a.test" {
		t.Errorf("key routing: %+v", w)
	}
	// No key on stdin: a usage error.
	if _, errOut, code := runStdin(t, admin, "", "staff keys add --email rosa@clinic-a.test"); code != 2 ||
		!strings.Contains(errOut, "no hay llave pública en la entrada estándar") {
		t.Errorf("empty stdin: exit %d %q", code, errOut)
	}
}

// A reception script's day over SSH: register, book, the double booking
// refused naming the session, the agenda, payments, the CSV export; and what
// reception may not do.
func TestScriptedClinicDayOverSSH(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	a := newClinic(t, db, "clinic-a")
	adminKey, adminLine := newKey(t)
	a.addKey(t, a.admin.ID, adminLine)
	srv := startServer(t, db)
	admin := mustDial(t, srv.addr, "clinic-a", keyAuth(adminKey))

	var spec cmd.SpecialistView
	runJSON(t, admin, &spec, "specialists add --first-name Ana --surname Torres --specialty Psicología --document 111")
	var room cmd.RoomView
	runJSON(t, admin, &room, "rooms add --name 'Consultorio 1'")
	var staff cmd.UserView
	runJSON(t, admin, &staff, "staff add --email desk@clinic-a.test --name Rosa --role reception")
	deskKey, deskLine := newKey(t)
	if _, errOut, code := runStdin(t, admin, deskLine+"\n", "staff keys add --email desk@clinic-a.test"); code != 0 {
		t.Fatalf("keys add: %q", errOut)
	}
	desk := mustDial(t, srv.addr, "clinic-a", keyAuth(deskKey))

	var p cmd.PatientView
	runJSON(t, desk, &p, "patients add --first-name Lucía --surname Mendoza --birth-date 1990-05-17 --price 80")
	if p.ID == 0 || p.CostSession != "80.00" || p.BirthDate == nil || *p.BirthDate != "1990-05-17" {
		t.Fatalf("patients add = %+v", p)
	}
	book := fmt.Sprintf("sessions book --patient %d --specialist %d --room %d", p.ID, spec.ID, room.ID)
	var s cmd.SessionView
	runJSON(t, desk, &s, book+" --start '2026-12-01 10:00'")
	if s.StartsAt != "2026-12-01 10:00" || s.EndsAt != "2026-12-01 11:00" || s.Status != "unplanned" {
		t.Fatalf("sessions book = %+v", s)
	}
	out, errOut, code := run(t, desk, book+" --start '2026-12-01 10:30'")
	if code != 1 || out != "" || !strings.Contains(errOut, fmt.Sprintf("Se cruza con la sesión n.º %d (01/12/2026 10:00–11:00)", s.ID)) {
		t.Errorf("double booking: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	var day []cmd.SessionView
	runJSON(t, desk, &day, "agenda --date 2026-12-01")
	if len(day) != 1 || day[0].ID != s.ID {
		t.Errorf("agenda = %+v", day)
	}
	var pay cmd.PaymentView
	runJSON(t, desk, &pay, fmt.Sprintf("payments mark-paid %d --method card --reference V-9 --date 2026-11-01", s.ID))
	if !pay.Paid || pay.Amount != "80.00" || pay.Method != "card" {
		t.Errorf("mark-paid = %+v", pay)
	}
	out, errOut, code = run(t, desk, "export payments --month 2026-11")
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || err != nil || len(rows) != 2 || rows[0][0] != "payment_id" || rows[1][1] != fmt.Sprint(s.ID) ||
		rows[1][8] != "80.00" || rows[1][10] != "2026-11-01" || rows[1][11] != "card" {
		t.Errorf("export payments: exit %d (%v), stderr %q:\n%s", code, err, errOut, out)
	}

	// What reception may not do, with the store's message.
	if _, errOut, code := run(t, desk, "finance"); code != 1 || strings.TrimSpace(errOut) != "Su rol no permite esta acción." {
		t.Errorf("reception finance: exit %d %q", code, errOut)
	}
	if _, errOut, code := run(t, desk, "staff add --email x@clinic-a.test --name X --role admin"); code != 1 ||
		!strings.Contains(errOut, "Su rol no permite esta acción.") {
		t.Errorf("reception staff add: exit %d %q", code, errOut)
	}
	// Usage mistakes exit 2.
	for _, c := range []string{"agenda --date mañana", "patients show twelve", "sessions book --patient 1", "export payments --month 11-2026"} {
		if _, errOut, code := run(t, desk, c); code != 2 {
			t.Errorf("%q: exit %d %q, want 2", c, code, errOut)
		}
	}

	// A name with an escape sequence is refused (issue 12); one stored
	// before that check reaches the terminal as text.
	if _, errOut, code := run(t, desk, "patients add --first-name X --surname 'Bad\x1b[2JName' --birth-date 2000-01-01"); code != 1 ||
		!strings.Contains(errOut, "«Apellidos»: el carácter U+001B (ESCAPE) en la posición 4 no está permitido") {
		t.Fatalf("patients add with an escape: exit %d %q", code, errOut)
	}
	var bad cmd.PatientView
	runJSON(t, desk, &bad, "patients add --first-name X --surname BadName --birth-date 2000-01-01")
	storetest.SetRaw(t, a.tn, "patients", "surname", bad.ID, "Bad\x1b[2JName")
	out, _, _ = run(t, desk, "patients list")
	if strings.Contains(out, "\x1b") || !strings.Contains(out, "Bad␛[2JName") {
		t.Errorf("escape in a name over SSH:\n%q", out)
	}
}
