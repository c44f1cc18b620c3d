package cmd

import (
	"bytes"
	"go/ast"
	"go/token"
	"sort"
	"strconv"
	"strings"
	"testing"

	"consultorio/internal/helptext"
	"consultorio/internal/srcscan"
	"consultorio/tui/i18n"
)

// Every command of both trees (a clinic's, the panel's) has Spanish for its
// help: Short (required), Long, every flag's usage. A command added without
// them fails here, naming the command and the English text to translate in
// tui/i18n/commands_es.go.
func TestEveryCommandSpeaksSpanish(t *testing.T) {
	var missing []string
	need := func(where, s string) {
		if !i18n.HasCommandText(i18n.ES, s) {
			missing = append(missing, where+": "+strconv.Quote(s))
		}
	}
	n := 0
	for _, scope := range []Scope{Clinic, Panel} {
		texts, commands, noShort := helptext.Walk(New(&Env{}, scope, "x"))
		for _, path := range noShort {
			t.Errorf("%s has no Short: every command says what it does in help", path)
		}
		for _, h := range texts {
			need(h.Where, h.Text)
		}
		n += commands
	}
	if n < 100 {
		t.Fatalf("walked only %d commands: the walk is broken", n)
	}
	for _, s := range pageWords {
		need("the usage page", s)
	}
	report(t, missing)
}

// Every table header, field label and usage-error text written in this
// package has Spanish. They are found in the source: the header of every
// table(w, HEADER, rows) call (a literal, or a variable named header), the
// literal labels of fields(w, label, value, ...), the formats of
// usagef/Usagef, badValue and word texts and words{...} literals.
func TestEveryHeaderAndUsageErrorSpeaksSpanish(t *testing.T) {
	src, err := srcscan.Parse("*.go")
	if err != nil {
		t.Fatal(err)
	}
	chk := src.Check()
	need := func(pos token.Pos, what string, e ast.Expr) {
		if s, ok := chk.Text(e); ok && !i18n.HasCommandText(i18n.ES, s) {
			chk.Fail(pos, what, s)
		}
	}
	each := func(pos token.Pos, what string, e ast.Expr) {
		if cl, ok := e.(*ast.CompositeLit); ok {
			for _, el := range cl.Elts {
				need(pos, what, el)
			}
		}
	}
	src.Inspect(func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt: // header := []string{...}
			for i, lhs := range n.Lhs {
				if id, ok := lhs.(*ast.Ident); ok && id.Name == "header" && i < len(n.Rhs) {
					each(n.Pos(), "header", n.Rhs[i])
				}
			}
		case *ast.CompositeLit: // words{"format", ...}
			if id, ok := n.Type.(*ast.Ident); ok && id.Name == "words" && len(n.Elts) > 0 {
				need(n.Pos(), "words", n.Elts[0])
			}
		case *ast.CallExpr:
			id, ok := n.Fun.(*ast.Ident)
			if !ok || len(n.Args) == 0 {
				return true
			}
			switch id.Name {
			case "table":
				each(n.Pos(), "table header", n.Args[1])
			case "fields":
				for i := 1; i < len(n.Args); i += 2 {
					need(n.Pos(), "field label", n.Args[i])
				}
			case "usagef", "Usagef":
				need(n.Pos(), "usage error", n.Args[0])
			case "badValue", "word", "parseID":
				need(n.Pos(), id.Name, n.Args[0])
			}
		}
		return true
	})
	chk.Report(t, 150, missingSpanish)
}

// missingSpanish heads the list of texts a guard test found without
// Spanish.
const missingSpanish = "texts have no Spanish; add them to tui/i18n/commands_es.go (key: the English as written)"

func report(t *testing.T, missing []string) {
	t.Helper()
	if len(missing) == 0 {
		return
	}
	sort.Strings(missing)
	t.Errorf("%d %s:\n%s", len(missing), missingSpanish, strings.Join(missing, "\n"))
}

// help and a usage error in the user's language, in both languages; the
// --json keys do not change with it.
func TestHelpAndUsageErrorsInTheUsersLanguage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, tc := range []struct {
		lang                            i18n.Lang
		help, patientsHelp, usage, flag []string
	}{
		{lang: i18n.ES,
			help:         []string{"Uso:", "Comandos:", "patients", "Pacientes:", "Opciones:", "imprimir JSON"},
			patientsHelp: []string{"Registra un paciente", "Opciones:", "--first-name", "Opciones globales:"},
			usage:        []string{"no es una fecha AAAA-MM-DD", "(vea: help)"},
			flag:         []string{"opción desconocida --colour"}},
		{lang: i18n.EN,
			help:         []string{"Usage:", "Commands:", "patients", "Flags:", "print JSON"},
			patientsHelp: []string{"Register a patient", "Flags:", "--first-name", "Global flags:"},
			usage:        []string{"is not a date YYYY-MM-DD"},
			flag:         []string{"unknown flag --colour"}},
	} {
		run := func(args ...string) result {
			var out, errb bytes.Buffer
			env := &Env{DB: f.db, Tenant: f.tn, User: f.desk, Lang: tc.lang, Stdout: &out, Stderr: &errb,
				Stdin: strings.NewReader("")}
			res := Run(f.ctx, env, Clinic, args)
			return result{out: out.String(), err: errb.String(), code: res.Code}
		}
		contains := func(what, got string, want []string) {
			t.Helper()
			for _, w := range want {
				if !strings.Contains(got, w) {
					t.Errorf("%s (%s) lacks %q:\n%s", what, tc.lang, w, got)
				}
			}
		}
		r := run("help")
		if r.code != 0 {
			t.Fatalf("help: exit %d %q", r.code, r.err)
		}
		contains("help", r.out, tc.help)
		r = run("patients", "add", "--help")
		contains("patients add --help", r.out, tc.patientsHelp)
		r = run("agenda", "--date", "mañana")
		if r.code != 2 {
			t.Errorf("agenda --date mañana: exit %d", r.code)
		}
		contains("a bad value", r.err, tc.usage)
		r = run("agenda", "--colour")
		if r.code != 2 {
			t.Errorf("agenda --colour: exit %d", r.code)
		}
		contains("an unknown flag", r.err, tc.flag)
		// The table's header is in the language; --json keys are not.
		r = run("rooms", "list")
		if want := map[i18n.Lang]string{i18n.ES: "NOMBRE", i18n.EN: "NAME"}[tc.lang]; !strings.Contains(r.out, want) {
			t.Errorf("rooms list (%s): header lacks %q:\n%s", tc.lang, want, r.out)
		}
		r = run("rooms", "list", "--json")
		if !strings.Contains(r.out, `"name"`) || strings.Contains(r.out, `"nombre"`) {
			t.Errorf("rooms list --json (%s): %s", tc.lang, r.out)
		}
	}
}
