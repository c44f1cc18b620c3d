package main

import (
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
	}{
		{"es_PE.UTF-8", []string{"Uso:", "Comandos:", "Opciones:"}, []string{"opción desconocida --colour", "(vea: help)"}},
		{"C", []string{"Usage:", "Commands:", "Flags:"}, []string{"unknown flag --colour"}},
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
