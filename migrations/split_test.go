package migrations

import (
	"slices"
	"strings"
	"testing"
)

func TestSplit(t *testing.T) {
	cases := []struct {
		name string
		sql  string
		want []string
	}{
		{"two statements", "create table a (x int);\ncreate table b (y int);\n",
			[]string{"create table a (x int)", "create table b (y int)"}},
		{"no final semicolon", "select 1; select 2", []string{"select 1", "select 2"}},
		{"semicolon in a string", "insert into t values ('a;b'); select 1",
			[]string{"insert into t values ('a;b')", "select 1"}},
		{"doubled quote", "select 'it''s;'; select 2", []string{"select 'it''s;'", "select 2"}},
		{"escape string", `select E'\';'; select 2`, []string{`select E'\';'`, "select 2"}},
		{"backslash in a plain string ends nothing", `select 'a\'; select 2`, []string{`select 'a\'`, "select 2"}},
		{"quoted identifier", `create table "a;b" (x int); select 1`, []string{`create table "a;b" (x int)`, "select 1"}},
		{"dollar body", "create function f() returns int language sql as $$ select 1; $$; select 2",
			[]string{"create function f() returns int language sql as $$ select 1; $$", "select 2"}},
		{"tagged dollar body with $$ inside", "do $fn$ begin execute $$select 1;$$; end $fn$; select 2",
			[]string{"do $fn$ begin execute $$select 1;$$; end $fn$", "select 2"}},
		{"positional parameter is not a tag", "execute format('%s', $1); select 2",
			[]string{"execute format('%s', $1)", "select 2"}},
		{"line comment", "-- one; two\nselect 1; -- trailing;\nselect 2",
			[]string{"-- one; two\nselect 1", "-- trailing;\nselect 2"}},
		{"block comment, nested", "/* a; /* b; */ c; */ select 1; select 2",
			[]string{"/* a; /* b; */ c; */ select 1", "select 2"}},
		{"comments alone are dropped", "select 1;\n-- the end\n/* really */\n", []string{"select 1"}},
		{"empty statements are dropped", ";;select 1;;", []string{"select 1"}},
		{"identifier ending in E is no escape string", `select name'x' ; select 2`, []string{`select name'x'`, "select 2"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Split(c.sql)
			if err != nil {
				t.Fatalf("Split: %v", err)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("Split(%q)\n got %q\nwant %q", c.sql, got, c.want)
			}
		})
	}
}

func TestSplitRefusesUnterminated(t *testing.T) {
	for _, sql := range []string{
		"select 'abc; select 1",
		`select "abc; select 1`,
		"create function f() as $$ select 1; select 2",
		"select 1; /* open /* nested */ select 2",
		`select E'abc\'; select 1`,
	} {
		if got, err := Split(sql); err == nil {
			t.Errorf("Split(%q) = %q, want an error", sql, got)
		}
	}
}

// The embedded migrations split into statements that each hold no ';'
// outside a body: the functions keep their bodies whole.
func TestEmbeddedMigrationsSplit(t *testing.T) {
	for _, ms := range [][]Migration{Public(), Tenant()} {
		for _, m := range ms {
			stmts, err := m.Statements()
			if err != nil {
				t.Fatal(err)
			}
			if len(stmts) == 0 {
				t.Errorf("%s: no statements", m.Name)
			}
			for _, s := range stmts {
				if strings.Contains(s, "CREATE FUNCTION") || strings.Contains(s, "CREATE OR REPLACE FUNCTION") {
					if strings.Count(s, "$$") != 2 {
						t.Errorf("%s: function cut apart: %q", m.Name, s)
					}
				}
			}
		}
	}
}

// FuzzSplit: any text either fails with an error or splits into statements
// that split again into exactly themselves, and no statement is lost text:
// every non-blank, non-comment piece of the input is in some statement.
func FuzzSplit(f *testing.F) {
	for _, s := range []string{"select 1; select 2", "select 'a;b'", "do $x$ a; $x$; b", "/* a */ b; -- c\nd",
		`select E'\'';`, `"a;b"; c`, "$1; $$x$$"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		stmts, err := Split(sql)
		if err != nil {
			return
		}
		for _, s := range stmts {
			again, err := Split(s)
			if err != nil {
				t.Fatalf("statement %q of %q does not split again: %v", s, sql, err)
			}
			if len(again) != 1 || again[0] != s {
				t.Fatalf("statement %q of %q splits again into %q", s, sql, again)
			}
		}
	})
}
