package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"consultorio/tui/i18n"
)

// Every command of the local CLI (serve, migrate, db, demo, tenants...)
// has Spanish for its help: Short, Long and every flag's usage, as the
// scripted commands do (server/cmd's TestEveryCommandSpeaksSpanish). A
// command or flag added without it fails here, naming the English to
// translate in tui/i18n (the key: the English as written).
func TestEveryCLICommandSpeaksSpanish(t *testing.T) {
	root, _ := newRootCmd(env{getenv: func(string) string { return "" }})
	var missing []string
	need := func(where, s string) {
		if !i18n.HasCommandText(i18n.ES, s) {
			missing = append(missing, where+": "+strconv.Quote(s))
		}
	}
	n := 0
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		n++
		path := c.CommandPath()
		if c.Short == "" {
			t.Errorf("%s has no Short: every command says what it does in help", path)
		}
		need(path, c.Short)
		need(path+" (Long)", c.Long)
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			if f.Name != "help" {
				need(path+" --"+f.Name, f.Usage)
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
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

// The CLI's own sentences and usage errors have Spanish: the English
// format of every say(c, w, FORMAT, ...) and usagef(FORMAT, ...) in this
// package is a key of the catalogue (found in the source, like server/cmd's
// TestEveryHeaderAndUsageErrorSpeaksSpanish).
func TestEveryCLISentenceSpeaksSpanish(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var missing []string
	found := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			id, ok := call.Fun.(*ast.Ident)
			if !ok {
				return true
			}
			at := map[string]int{"say": 2, "usagef": 0}
			i, ok := at[id.Name]
			if !ok || len(call.Args) <= i {
				return true
			}
			lit, ok := call.Args[i].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatal(err)
			}
			found++
			if !i18n.HasCommandText(i18n.ES, s) {
				p := fset.Position(lit.Pos())
				missing = append(missing, filepath.Base(p.Filename)+":"+strconv.Itoa(p.Line)+" "+strconv.Quote(s))
			}
			return true
		})
	}
	if found < 10 {
		t.Fatalf("found only %d texts: the scan is broken", found)
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		t.Errorf("%d CLI texts have no Spanish:\n%s", len(missing), strings.Join(missing, "\n"))
	}
}
