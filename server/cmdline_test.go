package server

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"mvdan.cc/sh/v3/syntax"

	"consultorio/server/cmd"
	"consultorio/store/storetest"
)

// TestSplitCommandLineConcurrently: two scripts' command lines are parsed
// at once (two SSH sessions); under the race detector this fails if the
// parse shares state, as the shell library's default Config was.
func TestSplitCommandLineConcurrently(t *testing.T) {
	t.Parallel()
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			line := fmt.Sprintf(`patients add --name 'Ana %d' --notes "x y"`, i)
			if got, err := splitCommandLine(line); err != nil || len(got) != 6 || got[3] != fmt.Sprintf("Ana %d", i) {
				t.Errorf("splitCommandLine(%q) = %q, %v", line, got, err)
			}
		})
	}
	wg.Wait()
}

func TestSplitCommandLine(t *testing.T) {
	t.Parallel()
	ok := map[string][]string{
		``:                                 nil,
		"  \t ":                            nil,
		`whoami`:                           {"whoami"},
		`patients add --notes "" --name x`: {"patients", "add", "--notes", "", "--name", "x"},
		`a '' b`:                           {"a", "", "b"},
		`a ""`:                             {"a", ""},
		`--phone= x`:                       {"--phone=", "x"},
		`x "a b" 'c d' e\ f`:               {"x", "a b", "c d", "e f"},
		`a \"\" b`:                         {"a", `""`, "b"},
		`"a\"b" 'c\d' "\$5"`:               {`a"b`, `c\d`, "$5"},
		`a 'it''s' "it's"`:                 {"a", "its", "it's"},
		"a 'two\nlines'":                   {"a", "two\nlines"},
		"a \\\nb":                          {"a", "b"},
		`a b#c \# {b,c} * ? [x] b~ b=c`:    {"a", "b#c", "#", "{b,c}", "*", "?", "[x]", "b~", "b=c"},
		`rooms add --name 'Consultorio 1'`: {"rooms", "add", "--name", "Consultorio 1"},
		`a 'é ñ' "Lucía"`:                  {"a", "é ñ", "Lucía"},
	}
	for line, want := range ok {
		got, err := splitCommandLine(line)
		if err != nil || !slices.Equal(got, want) || len(got) != len(want) {
			t.Errorf("splitCommandLine(%q) = %q, %v; want %q", line, got, err, want)
		}
	}
	// What a shell would expand, run or cut off is refused, never dropped
	// or passed on literally.
	for _, line := range []string{`a $HOME`, `a "$x"`, "a `id`", `a $(id)`, `a ${x}`, `a $((1))`,
		`a 'open`, `a "open`, `a ~`, `a ~root`, `a #b`, `a;b`, `a|b`, `a && b`, `a>b`, `a <b`,
		"a\nb", `a &`, `X=1 a`, `a @(x)`, `a $'x'`, `a $"x"x`, `if x`, `(a)`, `{ a; }`, `! a`, `a $"x"`, "a \x00 b"} {
		got, err := splitCommandLine(line)
		var ce *errCommandLine
		if !errors.As(err, &ce) {
			t.Errorf("splitCommandLine(%q) = %q, %v; want a refusal", line, got, err)
		}
	}
}

// FuzzSplitCommandLine: any list of arguments, quoted as a shell user
// would quote them, comes back as the same list (empty ones included); any
// line the splitter accepts splits the same again once re-quoted.
func FuzzSplitCommandLine(f *testing.F) {
	f.Add("patients\x00add\x00--notes\x00\x00--name\x00x", `patients add --notes "" --name x`)
	f.Add("a b\x00'\x00\"\x00$HOME\x00#x\x00~", `a '' b`)
	f.Add("\x00\x00", `x "a\"b" 'c' '
'`)
	f.Fuzz(func(t *testing.T, joined, line string) {
		args := strings.Split(joined, "\x00")
		if quoted, ok := quoteArgs(args); ok {
			got, err := splitCommandLine(quoted)
			if err != nil || !slices.Equal(got, args) {
				t.Fatalf("args %q quoted as %q split into %q, %v", args, quoted, got, err)
			}
		}
		got, err := splitCommandLine(line)
		if err != nil {
			return
		}
		if quoted, ok := quoteArgs(got); ok {
			again, err := splitCommandLine(quoted)
			if err != nil || !slices.Equal(again, got) {
				t.Fatalf("%q split into %q; re-quoted %q split into %q, %v", line, got, quoted, again, err)
			}
		}
	})
}

// quoteArgs quotes each argument for POSIX sh with the library's quoting; false
// when one cannot be quoted (invalid UTF-8, NUL).
func quoteArgs(args []string) (string, bool) {
	q := make([]string, len(args))
	for i, a := range args {
		s, err := syntax.Quote(a, syntax.LangPOSIX)
		if err != nil {
			return "", false
		}
		q[i] = s
	}
	return strings.Join(q, " "), true
}

// Over SSH: an empty quoted value stays a value and does not swallow the
// next flag; shell syntax the server does not run is a usage error.
func TestScriptedEmptyArgumentKept(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	a := newClinic(t, db, "clinic-a")
	key, line := newKey(t)
	a.addKey(t, a.admin.ID, line)
	srv := startServer(t, db)
	c := mustDial(t, srv.addr, "clinic-a", keyAuth(key))

	var p cmd.PatientView
	runJSON(t, c, &p, `patients add --first-name Lucía --phone "" --surname Mendoza --birth-date 1990-05-17`)
	if p.Surname != "Mendoza" || p.Phone != "" {
		t.Errorf("patient = %+v", p)
	}
	_, errOut, code := run(t, c, `patients add --first-name "$USER" --surname x --birth-date 1990-05-17`)
	if code != 2 || !strings.Contains(errOut, "not supported") {
		t.Errorf("$USER: exit %d, %q", code, errOut)
	}
}
