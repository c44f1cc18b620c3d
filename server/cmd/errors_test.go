package cmd

import (
	"bytes"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"consultorio/store"
)

// internalText is what must never reach a person: driver and parser names,
// SQLSTATE codes, socket paths.
var internalText = []string{"SQLSTATE", "22021", "57P01", "pgx", "pgconn", "puddle", "closed pool", "strconv",
	"/var/", "/tmp/", "/run/", "/home/", "/usr/", ".go:", ".s.PGSQL", "invalid byte sequence", "get x", "invalid syntax", "runtime error", "%!", "<nil>",
	"no rows", "context ", "violates", "constraint", "relation ", "connection", "dial ",
	"your role does not allow", "invalid input:", "store.", "*store"}

func wantNoInternalText(t *testing.T, what, text string) {
	t.Helper()
	for _, bad := range internalText {
		if strings.Contains(text, bad) {
			t.Errorf("%s: %q shows %q", what, text, bad)
		}
	}
}

// TestFailuresInTheUsersLanguage: one failure, worded by the catalogue in
// the language of whoever runs the command (the user's, else the clinic's).
func TestFailuresInTheUsersLanguage(t *testing.T) {
	f := newFixture(t)
	es := f.fails(1, "«Nombres»: el carácter U+0000 (NULL) en la posición 2 no está permitido", f.desk,
		"patients", "add", "--first-name", "A\x00B", "--surname", "Luna", "--birth-date", "2000-01-01")
	wantNoInternalText(t, "es", es.err)
	en := *f.desk
	en.Lang = "en"
	r := f.fails(1, "First name: the character U+0000 (NULL) at position 2 is not allowed", &en,
		"patients", "add", "--first-name", "A\x00B", "--surname", "Luna", "--birth-date", "2000-01-01")
	wantNoInternalText(t, "en", r.err)
	f.fails(1, "Not found: patient 999999.", &en, "patients", "show", "999999")
	f.fails(1, "Your role does not allow this.", &en, "finance")
}

// TestDatabaseDownIsWorded: with the database gone (its pool closed, as
// when it restarts under the server) a command fails with exit 1 and says
// so in the user's language, without the driver's words.
func TestDatabaseDownIsWorded(t *testing.T) {
	f := newFixture(t)
	f.db.Close()
	r := f.fails(1, "La base de datos se está reiniciando o no responde; intente de nuevo en un momento.", f.desk,
		"patients", "list")
	wantNoInternalText(t, "closed pool", r.err)
}

// TestUnexpectedErrorsGetAReference: an error the catalogue has no words
// for prints a reference, and the log holds the full error under it.
func TestUnexpectedErrorsGetAReference(t *testing.T) {
	f := newFixture(t)
	_, parseErr := strconv.ParseInt("x", 10, 64)
	for _, err := range []error{
		fmt.Errorf("get x: %w", parseErr),
		fmt.Errorf("read /var/lib/consultorio/run/.s.PGSQL.5432: %w", &pgconn.PgError{Code: "XX000", Message: "pgx internal"}),
	} {
		var logged bytes.Buffer
		env := &Env{Tenant: f.tn, User: f.desk, Log: slog.New(slog.NewTextHandler(&logged, nil))}
		text := message(env.locale(), env.Log, err)
		wantNoInternalText(t, err.Error(), text)
		ref := regexp.MustCompile(`^Algo salió mal \(ref ([0-9a-f]{8})\)`).FindStringSubmatch(text)
		if ref == nil {
			t.Errorf("%v: %q has no reference", err, text)
			continue
		}
		if !strings.Contains(logged.String(), "ref="+ref[1]) || !strings.Contains(logged.String(), strings.SplitN(err.Error(), ":", 2)[0]) {
			t.Errorf("%v: the log does not hold it under ref %s: %s", err, ref[1], logged.String())
		}
	}
}

// badInput are command lines of every group (patients, sessions, agenda,
// staff, logins and what main added: audit, settings, specialists, rooms)
// that fail for wrong input, missing records, refused roles or clashes.
// Run in order: the second booking clashes with the first.
func badInput(f *fixture) [][]string {
	p, sp, room := id64(f.patA.ID), id64(f.specA.ID), id64(f.room.ID)
	return [][]string{
		{"patients", "show", "999999"},
		{"patients", "show", "abc"},
		{"patients", "add", "--first-name", "A\u202eB", "--surname", "Luna", "--birth-date", "2000-01-01"},
		{"patients", "add", "--first-name", "", "--surname", "Luna", "--birth-date", "2000-01-01"},
		{"patients", "add", "--first-name", "A", "--surname", "B", "--birth-date", "2999-01-01"},
		{"patients", "add", "--first-name", "A", "--surname", "B", "--birth-date", "1990-13-01"},
		{"patients", "add", "--first-name", "A", "--surname", "B", "--birth-date", "1990-01-01", "--therapist", "999999"},
		{"patients", "add", "--first-name", "A", "--surname", "B", "--birth-date", "1990-01-01", "--email", "no-at"},
		{"patients", "add", "--first-name", "A", "--surname", "B", "--birth-date", "1990-01-01", "--price", "1,234"},
		{"patients", "update", "999999", "--phone", "1"},
		{"patients", "archive", "999999"},
		{"patients", "purge", p, "--confirm", "Nobody"},
		{"patients", "list", "--limit", "x"},
		{"sessions", "show", "999999"},
		{"sessions", "book", "--patient", "999999", "--specialist", sp, "--room", room, "--start", "2026-12-02 09:00"},
		{"sessions", "book", "--patient", p, "--specialist", sp, "--room", room, "--start", "2026-12-02 09:00"},
		{"sessions", "book", "--patient", p, "--specialist", sp, "--room", room, "--start", "2026-12-02 09:00"},
		{"sessions", "book", "--patient", p, "--specialist", sp, "--room", room, "--start", "mañana"},
		{"sessions", "complete", "999999", "--observation", "ok"},
		{"sessions", "cancel", "999999", "--reason", "patient"},
		{"sessions", "cancel", "1", "--reason", "boredom"},
		{"sessions", "reschedule", "999999", "--start", "2026-12-03 09:00"},
		{"sessions", "reopen", "999999"},
		{"sessions", "list", "--status", "done"},
		{"agenda", "--date", "2026-02-30"},
		{"agenda", "--specialist", "999999"},
		{"agenda", "today"},
		{"staff", "deactivate", "nobody@clinic-a.test"},
		{"staff", "add", "--email", "x", "--name", "X", "--role", "admin"},
		{"staff", "add", "--email", "x@clinic-a.test", "--name", "X", "--role", "boss"},
		{"staff", "keys", "add", "ana@clinic-a.test", "--key", "ssh-ed25519 not-base64"},
		{"staff", "keys", "remove", "ana@clinic-a.test", "7"},
		{"staff", "unlock", "nobody@clinic-a.test"},
		{"logins", "end", "999999"},
		{"logins", "end", "x"},
		{"audit", "--since", "yesterday"},
		{"settings", "update", "--timezone", "Mars/Olympus"},
		{"settings", "update", "--work-start", "18:00", "--work-end", "08:00"},
		{"specialists", "update", "999999", "--phone", "1"},
		{"rooms", "update", "999999", "--name", "X"},
		{"frobnicate"},
	}
}

// TestNoInternalTextInFailures: every failing command line above, run by
// an admin and by reception in Spanish and in English, fails with one line
// on stderr that holds none of the internal text (driver, SQLSTATE, paths,
// Go's own error words) and is in the user's language.
func TestNoInternalTextInFailures(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"es", "en"} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			admin, desk := *f.admin, *f.desk
			admin.Lang, desk.Lang = lang, lang
			other := map[string]string{"es": "Revise los datos", "en": "Check the data"}
			for _, u := range []*store.User{&admin, &desk} {
				for _, args := range badInput(f) {
					r := f.run(u, args...)
					what := fmt.Sprintf("%s as %s: %q", lang, u.Role, strings.Join(args, " "))
					if r.code == 0 {
						continue // allowed for this role (e.g. the first booking)
					}
					if r.err == "" || strings.Count(strings.TrimRight(r.err, "\n"), "\n") != 0 {
						t.Errorf("%s: exit %d with stderr %q: want one line", what, r.code, r.err)
					}
					wantNoInternalText(t, what, r.err)
					// The other language's words for a refused value must not show.
					if lang == "en" && strings.Contains(r.err, other["es"]) || lang == "es" && strings.Contains(r.err, other["en"]) {
						t.Errorf("%s: %q is in the other language", what, r.err)
					}
				}
			}
		})
	}
}

// TestClosedPoolInEveryGroup: with the database gone, every group's
// commands say so in the user's language (exit 1), without driver words.
func TestClosedPoolInEveryGroup(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	admin := *f.admin
	admin.Lang = "en"
	f.db.Close()
	want := map[string]string{
		"es": "La base de datos se está reiniciando o no responde; intente de nuevo en un momento.",
		"en": "The database is restarting or unreachable; try again in a moment.",
	}
	for _, u := range []*store.User{f.admin, &admin} {
		lang := "es"
		if u.Lang == "en" {
			lang = "en"
		}
		for _, args := range [][]string{
			{"patients", "list"}, {"patients", "show", id64(f.patA.ID)},
			{"patients", "add", "--first-name", "A", "--surname", "B", "--birth-date", "1990-01-01"},
			{"sessions", "list"}, {"sessions", "show", "1"}, {"agenda"},
			{"sessions", "book", "--patient", id64(f.patA.ID), "--specialist", id64(f.specA.ID), "--room", id64(f.room.ID), "--start", "2026-12-02 09:00"},
			{"staff", "list"}, {"staff", "deactivate", f.drA.Email}, {"staff", "keys", "list", f.drA.Email},
			{"logins", "list"}, {"logins", "end", "1"}, {"audit"}, {"audit", "verify"}, {"specialists", "list"},
		} {
			r := f.fails(1, want[lang], u, args...)
			wantNoInternalText(t, lang+" "+strings.Join(args, " "), r.err)
		}
	}
}
