package main

import (
	"go/ast"
	"go/token"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"consultorio/internal/helptext"
	"consultorio/internal/srcscan"
	"consultorio/tui/i18n"
)

// Every command of the local CLI (serve, migrate, db, demo, tenants...)
// has Spanish for its help: Short, Long and every flag's usage, as the
// scripted commands do (server/cmd's TestEveryCommandSpeaksSpanish). A
// command or flag added without it fails here, naming the English to
// translate in tui/i18n (the key: the English as written).
func TestEveryCLICommandSpeaksSpanish(t *testing.T) {
	t.Parallel()
	root, _ := newRootCmd(env{getenv: func(string) string { return "" }})
	var missing []string
	need := func(where, s string) {
		if !i18n.HasCommandText(i18n.ES, s) {
			missing = append(missing, where+": "+strconv.Quote(s))
		}
	}
	texts, n, noShort := helptext.Walk(root)
	for _, path := range noShort {
		t.Errorf("%s has no Short: every command says what it does in help", path)
	}
	for _, h := range texts {
		need(h.Where, h.Text)
	}
	if n < 20 {
		t.Fatalf("walked only %d commands: the walk is broken", n)
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		t.Errorf("%d CLI help texts have no Spanish:\n%s", len(missing), strings.Join(missing, "\n"))
	}
}

// The operator's locale picks the CLI's language: LANG=es_PE.UTF-8 gives
// Spanish help and usage errors, LANG=C English.
func TestCLIHelpInTheOperatorsLanguage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		lang       string
		help, errs []string
		said       string // db status with a DATABASE_URL
	}{
		{"es_PE.UTF-8", []string{"Uso:", "Comandos:", "Opciones:"}, []string{"opción desconocida --colour", "(vea: help)"},
			"base de datos externa (DATABASE_URL está definida)\n"},
		{"C", []string{"Usage:", "Commands:", "Flags:"}, []string{"unknown flag --colour"},
			"external database (DATABASE_URL is set)\n"},
	} {
		c := newCLI(t)
		c.vars["LANG"] = tc.lang
		r := c.run("--help")
		for _, w := range tc.help {
			if r.code != 0 || !strings.Contains(r.stdout, w) {
				t.Errorf("LANG=%s consultorio --help: exit %d, lacks %q:\n%s", tc.lang, r.code, w, r.stdout)
			}
		}
		for _, sub := range []string{"serve", "migrate", "db", "demo", "tenants"} {
			r := c.run(sub, "--help")
			if r.code != 0 {
				t.Errorf("LANG=%s consultorio %s --help: exit %d %s", tc.lang, sub, r.code, r.stderr)
			}
			if tc.lang != "C" {
				// Spanish help: the command's text (Long, else Short) in
				// Spanish.
				cmd, _, _ := mustRoot(t).Find([]string{sub})
				en := strings.TrimSpace(cmd.Long)
				if en == "" {
					en = cmd.Short
				}
				if es := strings.TrimSpace(i18n.CommandText(i18n.ES, en)); es == en || !strings.Contains(r.stdout, es) {
					t.Errorf("LANG=%s consultorio %s --help lacks the Spanish %q:\n%s", tc.lang, sub, es, r.stdout)
				}
			}
		}
		if r := c.run("db", "status"); r.code != 0 || r.stdout != tc.said {
			t.Errorf("LANG=%s db status: exit %d, %q, want %q", tc.lang, r.code, r.stdout, tc.said)
		}
		r = c.run("serve", "--colour")
		if r.code != 2 {
			t.Errorf("LANG=%s serve --colour: exit %d", tc.lang, r.code)
		}
		for _, w := range tc.errs {
			if !strings.Contains(r.stderr, w) {
				t.Errorf("LANG=%s serve --colour: stderr %q lacks %q", tc.lang, r.stderr, w)
			}
		}
	}
}

func mustRoot(t *testing.T) *cobra.Command {
	t.Helper()
	root, _ := newRootCmd(env{getenv: func(string) string { return "" }})
	return root
}

// TestCLIExitCodeSweep: every command of the local CLI called with an
// unknown flag, or without the arguments it needs, exits 2 with one line on
// stderr (a usage error), before it touches anything.
func TestCLIExitCodeSweep(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	n := 0
	var walk func(cmd *cobra.Command, path []string)
	walk = func(cmd *cobra.Command, path []string) {
		if cmd.Name() == "help" {
			return
		}
		for _, sub := range cmd.Commands() {
			walk(sub, append(append([]string{}, path...), sub.Name()))
		}
		if !cmd.Runnable() || cmd.HasSubCommands() || cmd.DisableFlagParsing {
			return // db psql: its arguments are psql's
		}
		lines := [][]string{append(append([]string{}, path...), "--no-such-flag")}
		if cmd.Args != nil && cmd.Args(cmd, nil) != nil {
			lines = append(lines, path)
		}
		for _, args := range lines {
			n++
			c.fails(2, "", args...)
		}
	}
	walk(mustRoot(t), nil)
	if n < 25 {
		t.Fatalf("swept only %d command lines: the walk is broken", n)
	}
}

// notOutput are files whose literals are not sentences for the operator:
// the benchmarks' measurements, read by developers and pasted into
// docs/BENCHMARKS.md as they are, and the demo clinic's records (a Spanish
// clinic's data). Their usage errors and help still have Spanish.
var notOutput = map[string]bool{"bench.go": true, "demodata.go": true}

// notWords are literals with letters that are not words for a person.
var notWords = map[string]bool{
	"%.1f %ciB":      true, // a size's unit (KiB, MiB...)
	"exit status %d": true, // exitError's Error: its message was printed already
	"~/.ssh/":        true, // a path
}

// The CLI's sentences reach the operator only through the catalogue, in
// the operator's language. Found in the source (like server/cmd's
// TestEveryOutputTextSpeaksSpanish): the English of every say(c, w, FORMAT),
// phrase(c, FORMAT), count(c, n, ONE, MANY), newProgress(c, w, LABEL),
// usagef(FORMAT) and field label ([2]string{LABEL, value}) is a key of the
// catalogue with Spanish; and no literal with words is printed past it —
// given to fmt's printing functions (fmt.Fprintf(w, "backup of the %s
// written to %s\n", ...) was), joined to a value, or assigned or returned
// in a function that writes (archive := "off").
func TestEveryCLISentenceSpeaksSpanish(t *testing.T) {
	t.Parallel()
	src, err := srcscan.Parse("*.go")
	if err != nil {
		t.Fatal(err)
	}
	chk := src.Check().Keys("Spanish", func(key string) bool { return i18n.HasCommandText(i18n.ES, key) })
	needES := chk.NeedKey
	for _, f := range src.Files {
		output := !notOutput[src.FileName(f)]
		noWords := func(what string, e ast.Expr) {
			if s, ok := chk.Text(e); ok && output && srcscan.HasWords(s) && !notWords[s] {
				chk.Fail(e.Pos(), what+" writes English past the catalogue (use say or phrase)", s)
			}
		}
		// A literal assigned or returned in a function that writes is
		// printed.
		writers := srcscan.Writers(f)
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ReturnStmt:
				if writers.Contain(n.Pos()) {
					for _, e := range n.Results {
						noWords("a returned literal", e)
					}
				}
			case *ast.AssignStmt:
				if writers.Contain(n.Pos()) {
					for _, e := range n.Rhs {
						noWords("an assigned literal", e)
					}
				}
			case *ast.BinaryExpr:
				if n.Op == token.ADD {
					for _, e := range []ast.Expr{n.X, n.Y} {
						if s, ok := chk.Text(e); ok && output && srcscan.IsWord(s) && !notWords[s] {
							chk.Fail(e.Pos(), "a joined literal writes English past the catalogue (use phrase)", s)
						}
					}
				}
			case *ast.CompositeLit: // [][2]string{{"label", value}}, [2]string{"label", value}
				if isPair(n.Type) && len(n.Elts) > 0 {
					needES("field label", n.Elts[0])
				}
				if at, ok := n.Type.(*ast.ArrayType); ok && isPair(at.Elt) {
					for _, e := range n.Elts {
						if cl, ok := e.(*ast.CompositeLit); ok && cl.Type == nil && len(cl.Elts) > 0 {
							needES("field label", cl.Elts[0])
						}
					}
				}
			case *ast.CallExpr:
				args := func(is ...int) []ast.Expr {
					var out []ast.Expr
					for _, i := range is {
						if i < len(n.Args) {
							out = append(out, n.Args[i])
						}
					}
					return out
				}
				var keys []ast.Expr
				switch name := srcscan.Callee(n); name {
				case "say", "newProgress":
					keys = args(2)
				case "phrase", "Phrase", "phraseIn":
					keys = args(1)
				case "count":
					keys = args(2, 3)
				case "usagef", "Usagef":
					keys = args(0)
				default:
					if sel, ok := n.Fun.(*ast.SelectorExpr); ok {
						if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "fmt" && name != "Errorf" { // Errorf: for the log
							for _, a := range n.Args {
								noWords("fmt."+name, a)
							}
						} else if name == "WriteString" {
							noWords(name, n.Args[len(n.Args)-1])
						}
					}
				}
				for _, e := range keys {
					needES(srcscan.Callee(n), e)
				}
			}
			return true
		})
	}
	chk.Report(t, 120, "CLI texts do not reach the operator in Spanish (add them to tui/i18n/commands_cli_es.go, key: the English as written)")
}

// isPair tells whether t is [2]string, a field's label and value.
func isPair(t ast.Expr) bool {
	at, ok := t.(*ast.ArrayType)
	if !ok {
		return false
	}
	n, ok := at.Len.(*ast.BasicLit)
	id, isID := at.Elt.(*ast.Ident)
	return ok && n.Value == "2" && isID && id.Name == "string"
}
