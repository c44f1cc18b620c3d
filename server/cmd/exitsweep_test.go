package cmd

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// leaves are the runnable commands of a tree, as the words that call them.
func leaves(root *cobra.Command) [][]string {
	var out [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		if c.Name() == "help" {
			return
		}
		if c.Runnable() && !c.HasSubCommands() {
			out = append(out, path)
		}
		for _, sub := range c.Commands() {
			walk(sub, append(append([]string{}, path...), sub.Name()))
		}
	}
	walk(root, nil)
	return out
}

// idArg tells whether a command's first argument is a record's id (its
// usage line says ID, SESSION_ID, ROOM_ID...).
func idArg(c *cobra.Command) bool {
	f := strings.Fields(c.Use)
	return len(f) > 1 && (f[1] == "ID" || strings.HasSuffix(f[1], "_ID"))
}

// TestExitCodeSweep: every command of both trees, called the wrong way,
// exits 2 with one line on stderr and nothing on stdout: an unknown flag,
// its required arguments missing, an id that is not a number. Not found
// and forbidden (exit 1) are in testdata/exitcodes.json, per command.
func TestExitCodeSweep(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p := newPanelFixture(t)
	type door struct {
		name string
		root *cobra.Command
		run  func(args ...string) result
	}
	doors := []door{
		{"clinic", New(&Env{}, Clinic, "x"), func(args ...string) result { return f.run(f.admin, args...) }},
		{"panel", New(&Env{}, Panel, "panel"), func(args ...string) result { return p.runIn("", args...) }},
	}
	n := 0
	for _, d := range doors {
		for _, path := range leaves(d.root) {
			c, _, err := d.root.Find(path)
			if err != nil {
				t.Fatal(err)
			}
			want2 := func(why string, args ...string) {
				t.Helper()
				n++
				r := d.run(args...)
				if r.code != 2 || r.out != "" || r.err == "" || strings.Count(strings.TrimRight(r.err, "\n"), "\n") != 0 {
					t.Errorf("%s %q (%s): exit %d (want 2), stdout %q, stderr %q", d.name, strings.Join(args, " "), why, r.code, r.out, r.err)
				}
			}
			want2("an unknown flag", append(path, "--no-such-flag")...)
			if c.Args != nil && c.Args(c, nil) != nil {
				want2("no arguments", path...)
			}
			if idArg(c) {
				want2("an id that is not a number", append(path, "abc")...)
			}
		}
	}
	if n < 150 {
		t.Fatalf("swept only %d command lines: the walk is broken", n)
	}
}
