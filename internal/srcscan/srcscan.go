// Package srcscan reads a package's own Go source for the guard tests that
// check it: the scans that find every user-facing text (a say format, a
// table header, a usage error) and fail on one without its Spanish, the
// greps for the store's operations and field names. It is the walk, the
// parse and the judgement of a literal they all start from; what each scan
// looks for stays in its test.
//
// Only tests import it.
package srcscan

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Source is one Go file as text.
type Source struct {
	Path string
	Text string
}

// Read returns the Go files matching the globs (filepath.Glob patterns,
// relative to the test's package directory), test files left out, sorted
// by path. A glob that matches no Go file is an error: a scan of nothing
// would pass whatever the code says.
func Read(globs ...string) ([]Source, error) {
	var out []Source
	for _, glob := range globs {
		paths, err := filepath.Glob(glob)
		if err != nil {
			return nil, fmt.Errorf("srcscan: %s: %w", glob, err)
		}
		n := 0
		for _, p := range paths {
			if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
				continue
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return nil, fmt.Errorf("srcscan: %w", err)
			}
			out = append(out, Source{Path: p, Text: string(b)})
			n++
		}
		if n == 0 {
			return nil, fmt.Errorf("srcscan: %s: no Go source files", glob)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// Package is the parsed source of Read's files.
type Package struct {
	Fset  *token.FileSet
	Files []*ast.File
}

// Parse reads the files as Read does and parses them.
func Parse(globs ...string) (*Package, error) {
	srcs, err := Read(globs...)
	if err != nil {
		return nil, err
	}
	p := &Package{Fset: token.NewFileSet()}
	for _, s := range srcs {
		f, err := parser.ParseFile(p.Fset, s.Path, s.Text, 0)
		if err != nil {
			return nil, fmt.Errorf("srcscan: %w", err)
		}
		p.Files = append(p.Files, f)
	}
	return p, nil
}

// Inspect walks every file's syntax tree in order (ast.Inspect).
func (p *Package) Inspect(f func(ast.Node) bool) {
	for _, file := range p.Files {
		ast.Inspect(file, f)
	}
}

// Where is "file.go:12", the base name and line of pos, for a failure
// message.
func (p *Package) Where(pos token.Pos) string {
	at := p.Fset.Position(pos)
	return filepath.Base(at.Filename) + ":" + strconv.Itoa(at.Line)
}

// FileName is the base name of the file f.
func (p *Package) FileName(f *ast.File) string {
	return filepath.Base(p.Fset.Position(f.Pos()).Filename)
}

// String is the value of e when e is a string literal.
func String(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	if err != nil { // the parser accepted it: it unquotes
		return "", false
	}
	return s, true
}

// Callee is the name of the function a call calls: f of f(...), F of
// pkg.F(...) or x.F(...); "" for anything else (a call of a call).
func Callee(call *ast.CallExpr) string {
	switch fn := call.Fun.(type) {
	case *ast.Ident:
		return fn.Name
	case *ast.SelectorExpr:
		return fn.Sel.Name
	}
	return ""
}

var (
	verbRE = regexp.MustCompile(`%[-+# 0-9.*]*[a-zA-Z%]`)
	wordRE = regexp.MustCompile(`[A-Za-z]{2,}`)
)

// HasWords tells whether a text holds a word once its fmt verbs are taken
// out: "%s (#%d)" has none, "Booked %s." has one. A text without words
// needs no translation.
func HasWords(s string) bool { return wordRE.MatchString(verbRE.ReplaceAllString(s, "")) }

// IsWord tells whether s holds a word as it is, verbs and all: joined to
// a value ("no, overdue " + n) a text is no format, and "% of " holds one.
func IsWord(s string) bool { return wordRE.MatchString(s) }

// Span is the source from one position up to another: a function, a call.
type Span struct{ From, To token.Pos }

// Spans are places in the source a scan treats alike.
type Spans []Span

// Contain tells whether p is in one of the spans.
func (s Spans) Contain(p token.Pos) bool {
	for _, sp := range s {
		if p >= sp.From && p < sp.To {
			return true
		}
	}
	return false
}

// Writers are the functions of f, declared or literal, that take an
// io.Writer: where a literal assigned or returned is text printed.
func Writers(f *ast.File) Spans {
	var out Spans
	ast.Inspect(f, func(n ast.Node) bool {
		var ft *ast.FuncType
		switch n := n.(type) {
		case *ast.FuncDecl:
			ft = n.Type
		case *ast.FuncLit:
			ft = n.Type
		default:
			return true
		}
		for _, p := range ft.Params.List {
			if sel, ok := p.Type.(*ast.SelectorExpr); ok && sel.Sel.Name == "Writer" {
				if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "io" {
					out = append(out, Span{n.Pos(), n.End()})
					break
				}
			}
		}
		return true
	})
	return out
}

// TB is the part of testing.TB a Check reports to.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// Check keeps a scan's count of the texts it looked at and what it found
// wrong with them, each named with its place.
type Check struct {
	pkg   *Package
	found int
	bad   []string
	// The catalogue NeedKey judges keys by (Keys).
	lang string
	has  func(string) bool
}

// Check starts a scan of p.
func (p *Package) Check() *Check { return &Check{pkg: p} }

// Keys makes c judge catalogue keys with has, which tells whether a key
// has its text in lang ("Spanish": i18n.HasCommandText(i18n.ES, key); this
// package does not import the catalogue). It returns c.
func (c *Check) Keys(lang string, has func(key string) bool) *Check {
	c.lang, c.has = lang, has
	return c
}

// NeedKey records as wrong a literal e with words that is no key with text
// in Keys' catalogue: a say format, a field label, a usage error without
// its Spanish. What names e in the failure ("field label", the callee).
func (c *Check) NeedKey(what string, e ast.Expr) {
	if c.has == nil {
		panic("srcscan: NeedKey on a Check without Keys")
	}
	if s, ok := c.Text(e); ok && HasWords(s) && !c.has(s) {
		c.Fail(e.Pos(), what+" has no "+c.lang, s)
	}
}

// Text is the value of e when e is a string literal, counted as looked at.
func (c *Check) Text(e ast.Expr) (string, bool) {
	s, ok := String(e)
	if ok {
		c.found++
	}
	return s, ok
}

// Fail records that the text s at pos is wrong, and why.
func (c *Check) Fail(pos token.Pos, why, s string) {
	c.bad = append(c.bad, c.pkg.Where(pos)+" "+why+": "+strconv.Quote(s))
}

// Report fails t when the scan looked at fewer than min texts (it is
// broken: it would pass whatever the code says), or when it found anything
// wrong: then it lists the findings, sorted, under header.
func (c *Check) Report(t TB, min int, header string) {
	t.Helper()
	if c.found < min {
		t.Fatalf("found only %d texts, fewer than %d: the scan is broken", c.found, min)
	}
	if len(c.bad) == 0 {
		return
	}
	sort.Strings(c.bad)
	t.Errorf("%d %s:\n%s", len(c.bad), header, strings.Join(c.bad, "\n"))
}
