package cmd

import (
	"bytes"
	"go/ast"
	"go/token"
	"regexp"
	"strings"
	"testing"

	"consultorio/internal/srcscan"
	"consultorio/tui/i18n"
)

// notWords are literals with letters that are not words for a person (a
// path, a unit written alike in every language).
var notWords = map[string]bool{
	"/patients/%d/%s/%s": true, // a file's path inside an export
	" UTC":               true, // a time zone's name
}

// Text printed by a command reaches the user only through the catalogue: a
// sentence through say (or words), a label through fields, a word through
// word, yes/no through yesNo. This scan fails on the ways English slipped
// past it before: a literal with words given to fmt's printing functions
// (fmt.Fprintf(w, "Booked %s.", ...)), a literal with words joined to a
// value ("no, overdue " + n), a field label in a list of pairs
// (pairs := []string{"paid on", ...}; append(pairs, "user id", ...)) with
// no Spanish, and the words of plural and emptyState. Help texts (Short,
// Long, flag usages) are walked by TestEveryCommandSpeaksSpanish.
func TestEveryOutputTextSpeaksSpanish(t *testing.T) {
	src, err := srcscan.Parse("*.go")
	if err != nil {
		t.Fatal(err)
	}
	// needES: a literal that is a catalogue key must have Spanish.
	chk := src.Check().Keys("Spanish", func(key string) bool { return i18n.HasCommandText(i18n.ES, key) })
	needES := chk.NeedKey
	// noWords: a literal printed as it is must hold no words.
	noWords := func(what string, e ast.Expr) {
		if s, ok := chk.Text(e); ok && srcscan.HasWords(s) && !notWords[s] {
			chk.Fail(e.Pos(), what+" writes English past the catalogue (use say, words or word)", s)
		}
	}
	// labels: the labels of a list of "label", value pairs; a value
	// written as a literal is printed as it is.
	labels := func(elts []ast.Expr) {
		for i := 0; i < len(elts); i += 2 {
			needES("field label", elts[i])
			if i+1 < len(elts) {
				noWords("a field value", elts[i+1])
			}
		}
	}
	isPairs := func(e ast.Expr) bool {
		id, ok := e.(*ast.Ident)
		return ok && (id.Name == "pairs" || id.Name == "before")
	}
	for _, f := range src.Files {
		// Help texts are not output: flag usages (the …Var helpers'
		// arguments) and a command's Use, Short, Long and Example.
		var help srcscan.Spans
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				if name := srcscan.Callee(n); strings.HasSuffix(name, "Var") || strings.HasSuffix(name, "VarP") {
					help = append(help, srcscan.Span{From: n.Pos(), To: n.End()})
				}
			case *ast.KeyValueExpr:
				if k, ok := n.Key.(*ast.Ident); ok {
					switch k.Name {
					case "Use", "Short", "Long", "Example":
						help = append(help, srcscan.Span{From: n.Pos(), To: n.End()})
					}
				}
			}
			return true
		})
		// Functions that write output take an io.Writer: there a
		// literal assigned or returned is a cell or a value printed.
		writers := srcscan.Writers(f)
		ast.Inspect(f, func(n ast.Node) bool {
			if n != nil && help.Contain(n.Pos()) {
				return false
			}
			switch n := n.(type) {
			case *ast.ReturnStmt: // return "owed", in a function that writes
				if writers.Contain(n.Pos()) {
					for _, e := range n.Results {
						noWords("a returned literal", e)
					}
				}
			case *ast.AssignStmt: // paid = "owed"; pairs := []string{"label", value, ...}
				if writers.Contain(n.Pos()) {
					for _, e := range n.Rhs {
						noWords("an assigned literal", e)
					}
				}
				for i, lhs := range n.Lhs {
					if isPairs(lhs) && i < len(n.Rhs) {
						if cl, ok := n.Rhs[i].(*ast.CompositeLit); ok {
							labels(cl.Elts)
						}
					}
				}
			case *ast.BinaryExpr: // "no, overdue " + n
				if n.Op == token.ADD {
					for _, e := range []ast.Expr{n.X, n.Y} {
						// Not a format: "% of " holds a word.
						if s, ok := srcscan.String(e); ok && srcscan.IsWord(s) && !notWords[s] {
							chk.Fail(e.Pos(), "a joined literal writes English past the catalogue (use phrase)", s)
						}
					}
				}
			case *ast.CallExpr:
				switch fn := n.Fun.(type) {
				case *ast.SelectorExpr:
					pkg, _ := fn.X.(*ast.Ident)
					switch {
					case pkg != nil && pkg.Name == "fmt" && fn.Sel.Name != "Errorf": // Errorf: for the log
						for _, a := range n.Args {
							noWords("fmt."+fn.Sel.Name, a)
						}
					case fn.Sel.Name == "WriteString": // io.WriteString(w, s), b.WriteString(s)
						noWords(fn.Sel.Name, n.Args[len(n.Args)-1])
					}
				case *ast.Ident:
					switch fn.Name {
					case "append": // append(pairs, "label", value, ...)
						if len(n.Args) > 1 && isPairs(n.Args[0]) {
							labels(n.Args[1:])
						}
					case "fields": // fields(w, "label", value, ...); fields(w, append(before, "label", value, ...)...)
						for i := 2; i < len(n.Args); i += 2 {
							noWords("a field value", n.Args[i])
						}
						for _, a := range n.Args[1:] {
							if call, ok := a.(*ast.CallExpr); ok {
								if id, ok := call.Fun.(*ast.Ident); ok && id.Name == "append" && len(call.Args) > 1 && !isPairs(call.Args[0]) {
									labels(call.Args[1:])
								}
							}
						}
					case "plural":
						for _, a := range n.Args[1:] {
							needES("plural", a)
						}
					case "say", "phrase":
						if len(n.Args) > 1 {
							needES(fn.Name, n.Args[1])
						}
					}
				}
			}
			return true
		})
	}
	chk.Report(t, 100, missingSpanish)
}

// englishWords are English words a command's text output must not hold in
// a Spanish clinic (words that are Spanish too, like "no" or "total", are
// not here).
var englishWords = regexp.MustCompile(`(?i)\b(yes|paid|unpaid|method|booked|removed|created|queued|none|overdue|payroll|` +
	`pending|income|status|reference|amount|starts|ends|duration|objective|activity|completed|cancelled|planned|` +
	`unplanned|cash|card|transfer|closed|works|whenever|entries|head|fixed|percent|monthly|recurring|active|room|` +
	`patient|specialist|session|sessions|note|days|reception|receptionist|owed|registered|therapist|diagnosis|pay|` +
	`expenses|collected|balance|last|next|months|off|everyone|english)\b`)

// TestCommandOutputInSpanish runs the commands of a clinic's day in a
// Spanish clinic and fails on an English word in what they print: a label,
// a value or a sentence that did not go through the catalogue. (--json
// stays English: its keys are checked elsewhere.)
func TestCommandOutputInSpanish(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if f.tn.Info.Lang != "es" {
		t.Fatalf("the fixture's clinic speaks %q, not es", f.tn.Info.Lang)
	}
	pat, spec, room := id64(f.patA.ID), id64(f.specA.ID), id64(f.room.ID)
	lines := [][]string{
		{"whoami"},
		{"rooms", "list"},
		{"specialists", "list"},
		{"specialists", "update", spec, "--phone", "999 000 111"},
		{"patients", "list"},
		{"patients", "show", pat},
		{"staff", "list"},
		{"sessions", "book", "--patient", pat, "--specialist", spec, "--room", room, "--start", "2026-11-23 10:00", "--weekly", "2"},
		{"sessions", "book", "--patient", pat, "--specialist", spec, "--room", room, "--start", "2026-11-20 15:00"},
		{"sessions", "show", "1"},
		{"sessions", "list", "--from", "2026-11-01", "--to", "2026-12-31"},
		{"agenda", "--date", "2026-11-23"},
		{"payments", "mark-paid", "1", "--method", "card", "--reference", "V-1"},
		{"payments", "show", "1"},
		{"payments", "list", "--month", "2026-11"},
		{"payments", "log", "1"},
		{"cash-close", "--date", "2026-11-20"},
		{"patients", "statement", pat},
		{"payments", "receipt", "1"},
		{"expenses", "add", "--name", "Alquiler", "--amount", "1000", "--due", "2026-11-30", "--fixed", "--recurring"},
		{"expenses", "list", "--month", "2026-11"},
		{"finance", "--month", "2026-11"},
		{"availability", "show"},
		{"availability", "show", "--specialist", spec},
		{"availability", "day", "--day", "sun", "--closed"},
		{"notifications", "list"},
		{"outbox", "settings"},
		{"audit", "verify"},
		{"logins", "list"},
		{"outbox", "list"},
		{"waitlist", "add", "--patient", pat, "--specialist", spec, "--from", "2026-11-23 08:00", "--until", "2026-11-27 18:00"},
		{"waitlist", "list"},
		{"staff", "keys", "list", "ana@clinic-a.test"},
		{"settings", "update", "--overdue-days", "5"},
		{"settings", "show"},
		{"equipment", "add", "--name", "Camilla"},
		{"equipment", "list"},
		{"ascii", "on"},
	}
	for _, args := range lines {
		r := f.run(f.admin, args...)
		if r.code != 0 {
			t.Errorf("%s: exit %d, %s", strings.Join(args, " "), r.code, r.err)
			continue
		}
		out := r.out
		if w := englishWords.FindAllString(out, -1); len(w) > 0 {
			t.Errorf("%s prints English %q:\n%s", strings.Join(args, " "), w, out)
		}
	}
	// The check can fail: the same words in English are found.
	var out bytes.Buffer
	env := &Env{DB: f.db, Tenant: f.tn, User: f.admin, Lang: i18n.EN, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out}
	if r := Run(f.ctx, env, Clinic, []string{"payments", "show", "1"}); r.Code != 0 || !englishWords.MatchString(out.String()) {
		t.Errorf("payments show in English: exit %d, no English word found in:\n%s", r.Code, out.String())
	}
}
