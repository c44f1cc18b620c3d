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
		{[]string{"patients"}, "indique add, archive, credits, files, list, mail, purge, show, statement, unarchive, update"},
		{[]string{"patients", "remove", "1"}, `comando desconocido "remove"`},
		{[]string{"patients", "list", "--bogus"}, "opción desconocida --bogus"},
		{[]string{"patients", "list", "--limit", "many"}, `--limit: "many" no es un número entero`},
		{[]string{"patients", "list", "--limit", "0"}, `--limit: "0" no es un número entero de al menos 1`},
		{[]string{"patients", "show"}, "faltan argumentos"},
		{[]string{"patients", "show", "abc"}, `paciente: el id debe ser un entero positivo, no "abc"`},
		{[]string{"patients", "show", "-5"}, "opción desconocida -5"},
		{[]string{"patients", "show", "0"}, "entero positivo"},
		{[]string{"patients", "add", "--first-name", "A", "--surname", "B"}, "faltan opciones obligatorias: --birth-date"},
		{[]string{"patients", "add", "--first-name", "A", "--surname", "B", "--birth-date", "01/02/1990"}, "no es una fecha AAAA-MM-DD"},
		{[]string{"patients", "add", "--first-name", "A", "--surname", "B", "--birth-date", "1990-01-01", "--price", "ten"}, `--price: "ten" no es un monto`},
		{[]string{"patients", "add", "--first-name", "A", "--surname", "B", "--birth-date", "1990-01-01", "--therapist", "x"}, `--therapist: "x" no es un id entero positivo`},
		{[]string{"specialists", "add", "--first-name", "A"}, "faltan opciones obligatorias: --surname, --specialty, --document"},
		{[]string{"rooms", "add"}, "faltan opciones obligatorias: --name"},
		{[]string{"rooms", "add", "--name", "X", "--capacity", "big"}, `--capacity: "big" no es un número entero`},
		{[]string{"staff", "add", "--email", "a@b.c"}, "faltan opciones obligatorias: --name, --role"},
		{[]string{"staff", "keys"}, "indique add, list"},
		{[]string{"agenda", "--date", "tomorrow"}, `--date: "tomorrow" no es una fecha AAAA-MM-DD`},
		{[]string{"agenda", "--specialist", "ana"}, `--specialist: "ana" no es un id entero positivo`},
		{[]string{"agenda", "2026-12-01"}, "argumento inesperado"},
		{[]string{"sessions", "book", "--patient", "1", "--specialist", "1", "--room", "1"}, "faltan opciones obligatorias: --start"},
		{[]string{"sessions", "book", "--patient", "1", "--specialist", "1", "--room", "1", "--start", "10:00"}, "no es un momento AAAA-MM-DD HH:MM"},
		{[]string{"sessions", "book", "--patient", "1", "--specialist", "1", "--room", "1", "--start", "2026-12-01 10:00", "--duration", "1h"}, `--duration: "1h" no es un número entero`},
		{[]string{"sessions", "complete", "1"}, "faltan opciones obligatorias: --observation"},
		{[]string{"sessions", "cancel", "x", "--reason", "patient"}, "entero positivo"},
		{[]string{"sessions", "reschedule", "1", "--start", "2026-12-01"}, "no es un momento"},
		{[]string{"sessions", "plan", "1"}, "indique --objective, --activity y/o --materials"},
		{[]string{"sessions", "list", "--from", "2026-13-01"}, "no es una fecha"},
		{[]string{"payments", "list", "--month", "nov"}, `--month: "nov" no es un mes AAAA-MM`},
		{[]string{"payments", "mark-paid"}, "faltan argumentos"},
		{[]string{"payments", "mark-paid", "1", "--amount", "1,5,0"}, `--amount: "1,5,0" no es un monto`},
		{[]string{"payments", "mark-paid", "1", "--amount", "-15"}, `--amount: "-15" es negativo`},
		{[]string{"payments", "mark-paid", "1", "--date", "yesterday"}, "no es una fecha"},
		{[]string{"expenses", "add", "--name", "x", "--amount", "abc"}, "no es un monto"},
		{[]string{"expenses", "pay", "1", "--date", "2026-1-5"}, "no es una fecha"},
		{[]string{"finance", "--month", "2026-13"}, "no es un mes AAAA-MM"},
		{[]string{"notifications", "read"}, "indique un ID de notificación o --all"},
		{[]string{"notifications", "read", "1", "--all"}, "indique un ID de notificación o --all"},
		{[]string{"export", "--month", "2026-11"}, "--month se aplica a las exportaciones CSV"},
		{[]string{"export", "invoices"}, `argumento inesperado "invoices"`},
		{[]string{"export", "payments", "--month", "2026/11"}, "no es un mes"},
		{[]string{"export", "payments", "--json"}, "escribe CSV; --json no se aplica"},
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
