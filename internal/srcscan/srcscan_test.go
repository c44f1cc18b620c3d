package srcscan

import (
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
	want := []string{"say Booked %s. @a.go:6", "say raw @a.go:7", "Sprintf Hello, %s @b.go:6"}
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
