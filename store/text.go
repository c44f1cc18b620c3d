package store

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/unicode/runenames"
)

// The one input check for every free text the store saves (names, notes,
// addresses, references, labels…): characters that change how text is
// displayed or hide part of it never get into the database, so they can
// neither reach another user's terminal nor make two different records look
// alike (issue 12, F6). Output is still sanitised where it is drawn
// (tui/sanitize): that covers what was stored before this check existed.
//
// Refused everywhere: bidirectional controls (U+061C, U+200E/F,
// U+202A–U+202E, U+2066–U+2069), zero-width and other invisible format
// characters (U+200B–U+200D, U+2060, U+FEFF, soft hyphen, tag characters —
// the whole Unicode category Cf), line and paragraph separators and control
// characters (C0 including NUL and ESC, DEL, C1), and bytes that are not
// UTF-8. Multi-line fields (notes, clinical text) also accept "\n" and "\t".

// TextProblem says why a character was refused.
type TextProblem string

// Kinds of refused characters.
const (
	TextBidi      TextProblem = "bidi"      // changes the order text is displayed in
	TextInvisible TextProblem = "invisible" // zero-width or other invisible format character
	TextControl   TextProblem = "control"   // control character or line break
	TextEncoding  TextProblem = "encoding"  // a byte that is not UTF-8
)

// TextError: a text field holds a character that is not allowed. It says
// which (CodePoint, CharName) and where (Field, Pos).
type TextError struct {
	Field   string // snake_case, as in the data model
	Pos     int    // 1-based position in the text as given, counted in characters
	Char    rune   // the character; for TextEncoding the offending byte's value
	Problem TextProblem
}

func (e *TextError) Error() string {
	return fmt.Sprintf("%s: character %s (%s) at position %d is not allowed (%s)",
		e.Field, e.CodePoint(), e.CharName(), e.Pos, e.Problem)
}

// CodePoint is "U+202E", or "byte 0x9B" for a byte that is not UTF-8.
func (e *TextError) CodePoint() string {
	if e.Problem == TextEncoding {
		return fmt.Sprintf("byte 0x%02X", e.Char)
	}
	return fmt.Sprintf("%U", e.Char)
}

// CharName is the character's Unicode name ("RIGHT-TO-LEFT OVERRIDE",
// "ESCAPE"): an identifier, the same in every language.
func (e *TextError) CharName() string {
	switch {
	case e.Problem == TextEncoding:
		return "NOT UTF-8"
	case e.Char >= 0 && int(e.Char) < len(c0Names):
		return c0Names[e.Char]
	case e.Char == 0x7F:
		return "DELETE"
	case e.Char >= 0x80 && e.Char <= 0x9F:
		return c1Names[e.Char-0x80]
	}
	return runenames.Name(e.Char)
}

// Unicode calls every control character "<control>"; these are their
// names from NameAliases.txt.
var c0Names = [32]string{"NULL", "START OF HEADING", "START OF TEXT", "END OF TEXT", "END OF TRANSMISSION",
	"ENQUIRY", "ACKNOWLEDGE", "ALERT", "BACKSPACE", "CHARACTER TABULATION", "LINE FEED", "LINE TABULATION",
	"FORM FEED", "CARRIAGE RETURN", "SHIFT OUT", "SHIFT IN", "DATA LINK ESCAPE", "DEVICE CONTROL ONE",
	"DEVICE CONTROL TWO", "DEVICE CONTROL THREE", "DEVICE CONTROL FOUR", "NEGATIVE ACKNOWLEDGE",
	"SYNCHRONOUS IDLE", "END OF TRANSMISSION BLOCK", "CANCEL", "END OF MEDIUM", "SUBSTITUTE", "ESCAPE",
	"INFORMATION SEPARATOR FOUR", "INFORMATION SEPARATOR THREE", "INFORMATION SEPARATOR TWO",
	"INFORMATION SEPARATOR ONE"}

var c1Names = [32]string{"PADDING CHARACTER", "HIGH OCTET PRESET", "BREAK PERMITTED HERE", "NO BREAK HERE",
	"INDEX", "NEXT LINE", "START OF SELECTED AREA", "END OF SELECTED AREA", "CHARACTER TABULATION SET",
	"CHARACTER TABULATION WITH JUSTIFICATION", "LINE TABULATION SET", "PARTIAL LINE FORWARD",
	"PARTIAL LINE BACKWARD", "REVERSE LINE FEED", "SINGLE SHIFT TWO", "SINGLE SHIFT THREE",
	"DEVICE CONTROL STRING", "PRIVATE USE ONE", "PRIVATE USE TWO", "SET TRANSMIT STATE", "CANCEL CHARACTER",
	"MESSAGE WAITING", "START OF GUARDED AREA", "END OF GUARDED AREA", "START OF STRING",
	"SINGLE GRAPHIC CHARACTER INTRODUCER", "SINGLE CHARACTER INTRODUCER", "CONTROL SEQUENCE INTRODUCER",
	"STRING TERMINATOR", "OPERATING SYSTEM COMMAND", "PRIVACY MESSAGE", "APPLICATION PROGRAM COMMAND"}

// CheckText returns a *TextError for the first character of s that field
// may not hold, or nil. Only multi-line fields accept "\n" and "\t".
func CheckText(field, s string, multiline bool) error {
	pos := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		pos++
		if r == utf8.RuneError && size == 1 {
			return &TextError{Field: field, Pos: pos, Char: rune(s[i]), Problem: TextEncoding}
		}
		if p, bad := textProblem(r, multiline); bad {
			return &TextError{Field: field, Pos: pos, Char: r, Problem: p}
		}
		i += size
	}
	return nil
}

// textProblem classifies r; bad is false for an allowed character.
func textProblem(r rune, multiline bool) (p TextProblem, bad bool) {
	switch {
	case r == '\n' || r == '\t':
		return TextControl, !multiline
	case r == 0x061C || r == 0x200E || r == 0x200F || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069):
		return TextBidi, true
	case unicode.IsControl(r), r == 0x2028, r == 0x2029:
		return TextControl, true
	case unicode.Is(unicode.Cf, r): // U+200B–U+200D, U+2060, U+FEFF among them
		return TextInvisible, true
	}
	return "", false
}

// textField is one free-text field of an input, for checkTexts.
type textField struct {
	name, value string
	multiline   bool
}

// oneLine is a field shown on one line (names, phones, references).
func oneLine(name, value string) textField { return textField{name: name, value: value} }

// multiLine is a field that may hold several lines (notes, clinical text).
func multiLine(name, value string) textField {
	return textField{name: name, value: value, multiline: true}
}

// deref is the value of an optional text field ("" when absent).
func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// checkTexts runs CheckText over an input's text fields, in order, and
// returns the first refusal. Every input's validation calls it first, with
// every text field the input saves.
func checkTexts(fields ...textField) error {
	for _, f := range fields {
		if err := CheckText(f.name, f.value, f.multiline); err != nil {
			return err
		}
	}
	return nil
}

// NormalizeSearch is what every search does to the words typed before
// matching them: compatibility forms become the characters they stand for
// (NFKC: fullwidth ｍａｒｉａ is maria, ％ is %, ＿ is _), and the ends are
// trimmed. Searches match stored text literally; wildcards typed are escaped
// where a search uses LIKE (likeWord).
func NormalizeSearch(s string) string {
	return strings.TrimSpace(norm.NFKC.String(s))
}

// Code is CodeInvalid.
func (e *TextError) Code() Code { return CodeInvalid }
