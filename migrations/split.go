package migrations

import (
	"fmt"
	"strings"
)

// Split cuts an SQL script into its statements, each without the ';' that
// ends it and without surrounding blank space; comments stay with the
// statement they precede, and a piece that holds nothing but comments and
// blank space is dropped.
//
// The runner sends a migration one statement at a time: Citus refuses a
// multi-statement query string with some DDL in it ("cannot insert multiple
// commands into a prepared statement" when it propagates the text to its
// workers), and plain PostgreSQL runs both forms alike inside the
// migration's transaction.
//
// It knows the lexical forms where a ';' does not end a statement: quoted
// strings ('…', E'…' with backslash escapes), quoted identifiers ("…"),
// dollar-quoted bodies ($$…$$, $tag$…$tag$), line comments (--) and block
// comments (/* … */, nested). An unterminated one is an error naming it,
// so a malformed file fails at load time, not halfway through a migration.
func Split(sql string) ([]string, error) {
	var out []string
	start := 0
	emit := func(end int) {
		if s := strings.TrimSpace(sql[start:end]); s != "" && !onlyComments(s) {
			out = append(out, s)
		}
		start = end + 1
	}
	for i := 0; i < len(sql); {
		c := sql[i]
		switch {
		case c == ';':
			emit(i)
			i++
		case c == '\'':
			escapes := i > 0 && (sql[i-1] == 'E' || sql[i-1] == 'e') && (i < 2 || !isIdentByte(sql[i-2]))
			end, ok := closeQuote(sql, i, '\'', escapes)
			if !ok {
				return nil, unterminated("string", sql, i)
			}
			i = end
		case c == '"':
			end, ok := closeQuote(sql, i, '"', false)
			if !ok {
				return nil, unterminated("quoted identifier", sql, i)
			}
			i = end
		case c == '-' && strings.HasPrefix(sql[i:], "--"):
			if nl := strings.IndexByte(sql[i:], '\n'); nl >= 0 {
				i += nl + 1
			} else {
				i = len(sql)
			}
		case c == '/' && strings.HasPrefix(sql[i:], "/*"):
			end, ok := closeBlockComment(sql, i)
			if !ok {
				return nil, unterminated("comment", sql, i)
			}
			i = end
		case c == '$' && (i == 0 || !isIdentByte(sql[i-1])):
			tag, ok := dollarTag(sql[i:])
			if !ok {
				i++ // a positional parameter ($1) or a lone '$'
				continue
			}
			end := strings.Index(sql[i+len(tag):], tag)
			if end < 0 {
				return nil, unterminated("dollar-quoted body "+tag, sql, i)
			}
			i += len(tag) + end + len(tag)
		default:
			i++
		}
	}
	emit(len(sql))
	return out, nil
}

// closeQuote returns the index just past the quote that closes the one at
// open; a doubled quote is part of the text, and so is a backslash-escaped
// one when escapes is set (E'…').
func closeQuote(sql string, open int, q byte, escapes bool) (int, bool) {
	for i := open + 1; i < len(sql); i++ {
		switch sql[i] {
		case '\\':
			if escapes {
				i++
			}
		case q:
			if i+1 < len(sql) && sql[i+1] == q {
				i++
				continue
			}
			return i + 1, true
		}
	}
	return 0, false
}

// closeBlockComment returns the index just past the end of the (possibly
// nested) block comment that starts at open.
func closeBlockComment(sql string, open int) (int, bool) {
	depth := 0
	for i := open; i+1 < len(sql); {
		switch {
		case sql[i] == '/' && sql[i+1] == '*':
			depth++
			i += 2
		case sql[i] == '*' && sql[i+1] == '/':
			depth--
			i += 2
			if depth == 0 {
				return i, true
			}
		default:
			i++
		}
	}
	return 0, false
}

// dollarTag reads the opening tag of a dollar-quoted string at the start of
// s: "$$" or "$name$", where name is an identifier not starting with a
// digit.
func dollarTag(s string) (string, bool) {
	for i := 1; i < len(s); i++ {
		c := s[i]
		if c == '$' {
			return s[:i+1], true
		}
		if !isIdentByte(c) || (i == 1 && c >= '0' && c <= '9') {
			return "", false
		}
	}
	return "", false
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// onlyComments says whether a trimmed piece holds nothing but comments.
func onlyComments(s string) bool {
	for s != "" {
		switch {
		case strings.HasPrefix(s, "--"):
			nl := strings.IndexByte(s, '\n')
			if nl < 0 {
				return true
			}
			s = strings.TrimSpace(s[nl+1:])
		case strings.HasPrefix(s, "/*"):
			end, ok := closeBlockComment(s, 0)
			if !ok {
				return false
			}
			s = strings.TrimSpace(s[end:])
		default:
			return false
		}
	}
	return true
}

func unterminated(what, sql string, at int) error {
	line := 1 + strings.Count(sql[:at], "\n")
	return fmt.Errorf("unterminated %s starting on line %d", what, line)
}
