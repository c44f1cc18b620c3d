package cmd

import (
	"consultorio/tui/i18n"
	"strings"
	"testing"
)

// Mistakes in how a command is called exit 2 with one line on stderr and
// touch nothing.
func TestUsageErrorsExit2(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"patients"}, "say add, archive, credits, files, list, mail, purge, show, statement, unarchive, update"},
		{[]string{"patients", "remove", "1"}, `unknown command "remove"`},
		{[]string{"patients", "list", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"patients", "list", "--limit", "many"}, `--limit: "many" is not a whole number`},
		{[]string{"patients", "list", "--limit", "0"}, `--limit: "0" is not a whole number of at least 1`},
		{[]string{"patients", "show"}, "accepts 1 arg(s)"},
		{[]string{"patients", "show", "abc"}, `patient must be a positive integer id, not "abc"`},
		{[]string{"patients", "show", "-5"}, "unknown shorthand flag"},
		{[]string{"patients", "show", "0"}, "positive integer id"},
		{[]string{"patients", "add", "--first-name", "A", "--surname", "B"}, "missing required flag(s) --birth-date"},
		{[]string{"patients", "add", "--first-name", "A", "--surname", "B", "--birth-date", "01/02/1990"}, "is not a date YYYY-MM-DD"},
		{[]string{"patients", "add", "--first-name", "A", "--surname", "B", "--birth-date", "1990-01-01", "--price", "ten"}, `--price: "ten" no es un monto`},
		{[]string{"patients", "add", "--first-name", "A", "--surname", "B", "--birth-date", "1990-01-01", "--therapist", "x"}, `--therapist: "x" is not a positive integer id`},
		{[]string{"specialists", "add", "--first-name", "A"}, "missing required flag(s) --surname, --specialty, --document"},
		{[]string{"rooms", "add"}, "missing required flag(s) --name"},
		{[]string{"rooms", "add", "--name", "X", "--capacity", "big"}, `--capacity: "big" is not a whole number`},
		{[]string{"staff", "add", "--email", "a@b.c"}, "missing required flag(s) --name, --role"},
		{[]string{"staff", "keys"}, "say add, list"},
		{[]string{"agenda", "--date", "tomorrow"}, `--date: "tomorrow" is not a date YYYY-MM-DD`},
		{[]string{"agenda", "--specialist", "ana"}, `--specialist: "ana" is not a positive integer id`},
		{[]string{"agenda", "2026-12-01"}, "unknown command"},
		{[]string{"sessions", "book", "--patient", "1", "--specialist", "1", "--room", "1"}, "missing required flag(s) --start"},
		{[]string{"sessions", "book", "--patient", "1", "--specialist", "1", "--room", "1", "--start", "10:00"}, "is not a time YYYY-MM-DD HH:MM"},
		{[]string{"sessions", "book", "--patient", "1", "--specialist", "1", "--room", "1", "--start", "2026-12-01 10:00", "--duration", "1h"}, `--duration: "1h" is not a whole number`},
		{[]string{"sessions", "complete", "1"}, "missing required flag(s) --observation"},
		{[]string{"sessions", "cancel", "x", "--reason", "patient"}, "positive integer id"},
		{[]string{"sessions", "reschedule", "1", "--start", "2026-12-01"}, "is not a time"},
		{[]string{"sessions", "plan", "1"}, "say --objective, --activity and/or --materials"},
		{[]string{"sessions", "list", "--from", "2026-13-01"}, "is not a date"},
		{[]string{"payments", "list", "--month", "nov"}, `--month: "nov" is not a month YYYY-MM`},
		{[]string{"payments", "mark-paid"}, "accepts 1 arg(s)"},
		{[]string{"payments", "mark-paid", "1", "--amount", "1,5,0"}, `--amount: "1,5,0" no es un monto`},
		{[]string{"payments", "mark-paid", "1", "--amount", "-15"}, `--amount: "-15" es negativo`},
		{[]string{"payments", "mark-paid", "1", "--date", "yesterday"}, "is not a date"},
		{[]string{"expenses", "add", "--name", "x", "--amount", "abc"}, "no es un monto"},
		{[]string{"expenses", "pay", "1", "--date", "2026-1-5"}, "is not a date"},
		{[]string{"finance", "--month", "2026-13"}, "is not a month YYYY-MM"},
		{[]string{"notifications", "read"}, "say one notification ID or --all"},
		{[]string{"notifications", "read", "1", "--all"}, "say one notification ID or --all"},
		{[]string{"export", "--month", "2026-11"}, "--month applies to the CSV exports"},
		{[]string{"export", "invoices"}, `unknown command "invoices"`},
		{[]string{"export", "payments", "--month", "2026/11"}, "is not a month"},
		{[]string{"export", "payments", "--json"}, "writes CSV; --json does not apply"},
	} {
		r := f.run(f.admin, tc.args...)
		if r.code != 2 || !strings.Contains(r.err, tc.want) || r.out != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 with %q", tc.args, r.code, r.out, r.err, tc.want)
		}
		if strings.Count(strings.TrimRight(r.err, "\n"), "\n") != 0 {
			t.Errorf("%q: stderr is more than one line: %q", tc.args, r.err)
		}
	}
	// Nothing was created by any of them.
	var list []PatientView
	f.okJSON(&list, f.admin, "patients", "list")
	if len(list) != 2 {
		t.Errorf("usage errors created patients: %d", len(list))
	}
}

// Without a verified key every command refuses (exit 1); help works.
func TestCommandsNeedAKey(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, args := range [][]string{{"patients", "list"}, {"agenda"}, {"export", "payments"}, {"export"}, {"finance"}, {"notifications"}} {
		if r := f.run(nil, args...); r.code != 1 || strings.TrimSpace(r.err) != i18n.For(i18n.ES).Errors.AuthRequired {
			t.Errorf("%v without a key: exit %d %q", args, r.code, r.err)
		}
	}
	r := f.run(nil, "help")
	for _, name := range []string{"patients", "specialists", "rooms", "staff", "agenda", "sessions", "payments", "expenses",
		"finance", "notifications", "export", "whoami"} {
		if !strings.Contains(r.out, name) {
			t.Errorf("help does not list %s:\n%s", name, r.out)
		}
	}
	if r := f.run(nil, "sessions", "book", "--help"); r.code != 0 || !strings.Contains(r.out, "--paid-in-advance") {
		t.Errorf("sessions book --help: exit %d\n%s", r.code, r.out)
	}
}
