package srcscan

import (
	"fmt"
	"go/ast"
	"go/token"
	"reflect"
	"strings"
	"testing"
)

// Read takes the Go files a glob matches, sorted, and leaves out tests and
// other files.
func TestRead(t *testing.T) {
	srcs, err := Read("testdata/pkg/*")
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, s := range srcs {
		paths = append(paths, s.Path)
	}
	if want := []string{"testdata/pkg/a.go", "testdata/pkg/b.go"}; !reflect.DeepEqual(paths, want) {
		t.Fatalf("Read = %v, want %v", paths, want)
	}
	if !strings.Contains(srcs[1].Text, "func Greet(") {
		t.Errorf("b.go's text: %q", srcs[1].Text)
	}
}

// A glob that matches no Go source fails, whatever else it matches: a scan
// of nothing would pass.
func TestReadNothingFails(t *testing.T) {
	for _, glob := range []string{"testdata/none/*.go", "testdata/pkg/*.txt", "testdata/pkg/*_test.go", "["} {
		if srcs, err := Read(glob); err == nil {
			t.Errorf("Read(%q) = %v, want an error", glob, srcs)
		}
	}
	// One empty glob among good ones still fails.
	if _, err := Read("testdata/pkg/*.go", "testdata/none/*.go"); err == nil {
		t.Error("Read with one glob matching nothing: no error")
	}
}

// Parse finds the literals a scan looks for, says where they are, and
// names what calls them.
func TestParse(t *testing.T) {
	p, err := Parse("testdata/pkg/*.go")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Files) != 2 || p.FileName(p.Files[0]) != "a.go" || p.FileName(p.Files[1]) != "b.go" {
		t.Fatalf("parsed %d files", len(p.Files))
	}
	var got []string
	p.Inspect(func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) == 0 {
			return true
		}
		if s, ok := String(call.Args[0]); ok {
			got = append(got, Callee(call)+" "+s+" @"+p.Where(call.Args[0].Pos()))
		}
		return true
	})
	want := []string{"say Booked %s. @a.go:6", "say raw @a.go:7", "Sprintf Hello, %s @b.go:9"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("found %q, want %q", got, want)
	}
	if _, err := Parse("testdata/none/*.go"); err == nil {
		t.Error("Parse of nothing: no error")
	}
}

func TestString(t *testing.T) {
	for _, tc := range []struct {
		e    ast.Expr
		want string
		ok   bool
	}{
		{&ast.BasicLit{Kind: token.STRING, Value: `"a\tb"`}, "a\tb", true},
		{&ast.BasicLit{Kind: token.STRING, Value: "`raw`"}, "raw", true},
		{&ast.BasicLit{Kind: token.INT, Value: "12"}, "", false},
		{ast.NewIdent("header"), "", false},
	} {
		if s, ok := String(tc.e); s != tc.want || ok != tc.ok {
			t.Errorf("String(%#v) = %q, %v; want %q, %v", tc.e, s, ok, tc.want, tc.ok)
		}
	}
}

func TestCallee(t *testing.T) {
	for call, want := range map[*ast.CallExpr]string{
		{Fun: ast.NewIdent("say")}: "say",
		{Fun: &ast.SelectorExpr{X: ast.NewIdent("fmt"), Sel: ast.NewIdent("Fprintf")}}: "Fprintf",
		{Fun: &ast.CallExpr{Fun: ast.NewIdent("f")}}:                                   "",
	} {
		if got := Callee(call); got != want {
			t.Errorf("Callee = %q, want %q", got, want)
		}
	}
}

// The judgement of literals: a format's verbs are not words.
func TestHasWords(t *testing.T) {
	for s, want := range map[string]bool{
		"%s (#%d)": false, "#%d %s": false, "%s: --%s: %s": false, "%-24s %d\n": false, "%s: %d/%d (%s)": false,
		"Booked %s.": true, "no, overdue ": true, "  none": true, "%d clinics": true, "%.1f %ciB": true,
	} {
		if got := HasWords(s); got != want {
			t.Errorf("HasWords(%q) = %v, want %v", s, got, want)
		}
	}
	for s, want := range map[string]bool{"% of ": true, "%d": false, " - ": false, "#": false} {
		if got := IsWord(s); got != want {
			t.Errorf("IsWord(%q) = %v, want %v", s, got, want)
		}
	}
}

// Writers are the functions that take an io.Writer: the literal assigned
// in Print is in one, Greet's is not.
func TestWriters(t *testing.T) {
	p, err := Parse("testdata/pkg/b.go")
	if err != nil {
		t.Fatal(err)
	}
	w := Writers(p.Files[0])
	in := map[string]bool{}
	p.Inspect(func(n ast.Node) bool {
		if e, ok := n.(ast.Expr); ok {
			if s, ok := String(e); ok {
				in[s] = w.Contain(e.Pos())
			}
		}
		return true
	})
	if want := map[string]bool{"fmt": false, "io": false, "Hello, %s": false, "printed": true}; !reflect.DeepEqual(in, want) {
		t.Errorf("in a writer: %v, want %v", in, want)
	}
}

// fakeTB records what a Check reports.
type fakeTB struct{ errs, fatals []string }

func (f *fakeTB) Helper()                        {}
func (f *fakeTB) Errorf(format string, a ...any) { f.errs = append(f.errs, fmt.Sprintf(format, a...)) }
func (f *fakeTB) Fatalf(format string, a ...any) {
	f.fatals = append(f.fatals, fmt.Sprintf(format, a...))
}

// A Check counts the literals it looks at, fails a scan that found too few
// (broken), and lists what it found wrong, sorted, with places.
func TestCheck(t *testing.T) {
	p, err := Parse("testdata/pkg/*.go")
	if err != nil {
		t.Fatal(err)
	}
	c := p.Check()
	p.Inspect(func(n ast.Node) bool {
		if e, ok := n.(ast.Expr); ok {
			if s, ok := c.Text(e); ok && HasWords(s) && s != "fmt" && s != "io" {
				c.Fail(e.Pos(), "has words", s)
			}
		}
		return true
	})
	var tb fakeTB
	c.Report(&tb, 7, "texts with words")
	if len(tb.fatals) != 0 {
		t.Errorf("fatal with 7 texts found: %v", tb.fatals)
	}
	want := "4 texts with words:\n" + strings.Join([]string{`a.go:6 has words: "Booked %s."`, `a.go:7 has words: "raw"`,
		`b.go:14 has words: "printed"`, `b.go:9 has words: "Hello, %s"`}, "\n")
	if len(tb.errs) != 1 || tb.errs[0] != want {
		t.Errorf("report:\n%v\nwant\n%s", tb.errs, want)
	}
	tb = fakeTB{}
	c.Report(&tb, 8, "texts with words")
	if len(tb.fatals) != 1 || !strings.Contains(tb.fatals[0], "found only 7 texts") {
		t.Errorf("a scan that found too few: %v", tb.fatals)
	}
	// Nothing wrong: nothing reported.
	tb = fakeTB{}
	p.Check().Report(&tb, 0, "x")
	if len(tb.errs)+len(tb.fatals) != 0 {
		t.Errorf("a clean scan reported %v %v", tb.errs, tb.fatals)
	}
}

// NeedKey fails a literal with words that the catalogue has no text for,
// named, and passes one it has, one without words and what is no literal.
func TestNeedKey(t *testing.T) {
	p, err := Parse("testdata/pkg/*.go")
	if err != nil {
		t.Fatal(err)
	}
	c := p.Check().Keys("Spanish", func(key string) bool { return key == "Booked %s." })
	p.Inspect(func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok && Callee(call) == "say" {
			c.NeedKey(Callee(call), call.Args[0])
			if len(call.Args) > 1 {
				c.NeedKey("an argument", call.Args[1]) // "x": no words
			}
		}
		if id, ok := n.(*ast.Ident); ok {
			c.NeedKey("an identifier", id) // no literal: not looked at
		}
		return true
	})
	var tb fakeTB
	c.Report(&tb, 3, "texts without Spanish")
	want := "1 texts without Spanish:\n" + `a.go:7 say has no Spanish: "raw"`
	if len(tb.fatals) != 0 || len(tb.errs) != 1 || tb.errs[0] != want {
		t.Errorf("report: %v %v\nwant\n%s", tb.fatals, tb.errs, want)
	}
	defer func() {
		if recover() == nil {
			t.Error("NeedKey without Keys judged keys by nothing")
		}
	}()
	p.Check().NeedKey("say", &ast.BasicLit{Kind: token.STRING, Value: `"raw"`})
}
