package server

import (
	"errors"
	"fmt"
	"strings"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"
)

// errCommandLine is a command line the server will not run: shell syntax
// beyond words and quotes, which a real shell would act on and this server
// does not (it runs no shell).
type errCommandLine struct{ what string }

func (e *errCommandLine) Error() string {
	return fmt.Sprintf("the command line uses %s, which is not supported; put the argument in quotes ('…')", e.what)
}

// splitCommandLine turns the command line of `ssh clinic@host <command>`
// into arguments with the quoting rules of the shell the client's user
// expects (POSIX sh, as OpenSSH's remote side runs it): '…', "…" and
// backslashes, with empty quoted arguments kept (`--notes ""` is a flag and
// an empty value). Nothing is expanded: a $variable, `command`, $(command),
// redirection, pipe, ';', '&' or '#' comment is refused rather than dropped
// or passed on half-understood.
func splitCommandLine(line string) ([]string, error) {
	if strings.ContainsRune(line, 0) {
		return nil, &errCommandLine{what: "a NUL byte"}
	}
	f, err := syntax.NewParser(syntax.Variant(syntax.LangPOSIX), syntax.KeepComments(true)).
		Parse(strings.NewReader(line), "")
	if err != nil {
		var pe syntax.ParseError
		if errors.As(err, &pe) && pe.Incomplete {
			return nil, &errCommandLine{what: "an unclosed quote (or an unfinished if, for, while, case)"}
		}
		return nil, &errCommandLine{what: "shell syntax"}
	}
	if len(f.Last) > 0 {
		return nil, &errCommandLine{what: "'#' (a comment)"}
	}
	switch len(f.Stmts) {
	case 0:
		return nil, nil
	case 1:
	default:
		return nil, &errCommandLine{what: "several commands (';', '&' or a line break)"}
	}
	st := f.Stmts[0]
	switch {
	case len(st.Comments) > 0:
		return nil, &errCommandLine{what: "'#' (a comment)"}
	case len(st.Redirs) > 0:
		return nil, &errCommandLine{what: "a redirection ('<' or '>')"}
	case st.Negated || st.Background || st.Coprocess:
		return nil, &errCommandLine{what: "shell syntax ('!' or '&')"}
	}
	call, ok := st.Cmd.(*syntax.CallExpr)
	if !ok {
		return nil, &errCommandLine{what: "shell syntax (a pipe, '&&', '||', a group or a keyword)"}
	}
	if len(call.Assigns) > 0 {
		return nil, &errCommandLine{what: "a variable assignment (NAME=value before the command)"}
	}
	args := make([]string, 0, len(call.Args))
	for _, w := range call.Args {
		arg, err := plainWord(w)
		if err != nil {
			return nil, err
		}
		args = append(args, arg)
	}
	return args, nil
}

// plainWord is the value of a word made of literal text and quotes only.
func plainWord(w *syntax.Word) (string, error) {
	var b strings.Builder
	for i, p := range w.Parts {
		switch p := p.(type) {
		case *syntax.Lit:
			// Tilde expansion would read the server's HOME.
			if i == 0 && strings.HasPrefix(p.Value, "~") {
				return "", &errCommandLine{what: "'~' at the start of an argument"}
			}
			// $'…' is bash's escape quoting; in POSIX it is a literal '$'
			// before a quote, which nobody means.
			if v := p.Value; i+1 < len(w.Parts) && strings.HasSuffix(v, "$") && !strings.HasSuffix(v, `\$`) {
				return "", &errCommandLine{what: "$'…'"}
			}
			b.WriteString(unescape(p.Value))
		case *syntax.SglQuoted, *syntax.DblQuoted:
			if sq, ok := p.(*syntax.SglQuoted); ok && sq.Dollar {
				return "", &errCommandLine{what: "$'…'"}
			}
			if dq, ok := p.(*syntax.DblQuoted); ok {
				if dq.Dollar {
					return "", &errCommandLine{what: `$"…"`}
				}
				for _, q := range dq.Parts {
					if _, ok := q.(*syntax.Lit); !ok {
						return "", &errCommandLine{what: "'$' or '`' inside double quotes"}
					}
				}
			}
			// The library's quote removal ('…' as is, "…" with its
			// escapes); nothing in these parts can expand. A Config of
			// its own each time: given nil, the library prepares (writes)
			// one package-level Config, a data race between two commands
			// parsed at once (TestSplitCommandLineConcurrently).
			s, err := expand.Literal(&expand.Config{}, &syntax.Word{Parts: []syntax.WordPart{p}})
			if err != nil {
				return "", &errCommandLine{what: "shell syntax"}
			}
			b.WriteString(s)
		default:
			return "", &errCommandLine{what: "'$', '`' or a glob pattern"}
		}
	}
	return b.String(), nil
}

// unescape removes the backslashes of unquoted text: a backslash keeps the
// next character as it is, and a backslash before a line break joins the
// lines.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			if s[i] == '\n' {
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
