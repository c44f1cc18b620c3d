// Package sanitize makes stored text safe to draw on another user's
// terminal. Anything a user typed or pasted (a patient's name, a note, an
// error message that quotes input) passes through Line or Text before it is
// rendered: an escape sequence stored in a name must never clear a
// receptionist's screen, set her clipboard (OSC 52), retitle her window or
// reorder what she reads (bidi overrides).
//
// What happens to each kind of character:
//   - C0 controls (U+0000–U+001F) and DEL become their visible Unicode
//     "control pictures" (ESC → ␛, BEL → ␇, NUL → ␀, DEL → ␡); so
//     "\x1b[2J" is drawn as the harmless text "␛[2J". Tab becomes one space.
//     Line breaks ("\n", "\r\n", a lone "\r"): Line turns each into one
//     space; Text keeps them as "\n" (the caller lays out the lines).
//   - C1 controls (U+0080–U+009F, including the 8-bit CSI U+009B and OSC
//     U+009D) and bytes that are not valid UTF-8 become U+FFFD "�".
//   - Bidirectional overrides, embeddings and isolates (U+202A–U+202E,
//     U+2066–U+2069, U+200E/U+200F, U+061C) become "�": they would make
//     text display in an order other than the stored one.
//   - Line and paragraph separators (U+2028, U+2029) are treated as newlines.
//   - Invisible characters that only serve to hide text — the byte order mark
//     U+FEFF, Unicode tag characters (U+E0000–U+E007F), interlinear
//     annotation marks (U+FFF9–U+FFFB) — are removed.
//
// Everything else (accents, ñ, CJK, emoji with zero-width joiners) passes
// unchanged, so the common case costs one scan and no allocation.
package sanitize

import (
	"strings"
	"unicode/utf8"
)

// Replacement is drawn in place of characters that have no safe picture.
const Replacement = '\uFFFD'

// Line returns s as a single safe line: newlines become spaces.
func Line(s string) string { return clean(s, false) }

// Text returns s safe to draw, keeping "\n" so the caller can lay out lines.
func Text(s string) string { return clean(s, true) }

// Safe tells whether s would come out of Line unchanged.
func Safe(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			return false
		}
		if action(r) != keep {
			return false
		}
		i += size
	}
	return true
}

type act int

const (
	keep act = iota
	picture
	replace
	drop
	space
	newline
	carriageReturn
)

func action(r rune) act {
	switch {
	case r == '\t':
		return space
	case r == '\n':
		return newline
	case r == '\r':
		return carriageReturn
	case r < 0x20 || r == 0x7f:
		return picture
	case r < 0x80:
		return keep
	case r <= 0x9f:
		return replace
	case r == 0x061c, r == 0x200e, r == 0x200f,
		r >= 0x202a && r <= 0x202e,
		r >= 0x2066 && r <= 0x2069:
		return replace
	case r == 0x2028 || r == 0x2029:
		return newline
	case r == 0xfeff,
		r >= 0xfff9 && r <= 0xfffb,
		r >= 0xe0000 && r <= 0xe007f:
		return drop
	}
	return keep
}

func clean(s string, multiline bool) string {
	if Safe(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r == utf8.RuneError && size <= 1 {
			b.WriteRune(Replacement)
			continue
		}
		switch action(r) {
		case keep:
			b.WriteRune(r)
		case picture:
			if r == 0x7f {
				b.WriteRune('\u2421') // ␡
			} else {
				b.WriteRune(0x2400 + r) // ␀ … ␟ (ESC → ␛)
			}
		case replace:
			b.WriteRune(Replacement)
		case drop:
		case space:
			b.WriteByte(' ')
		case carriageReturn:
			// "\r\n" is one line break; a lone "\r" one too.
			if i < len(s) && s[i] == '\n' {
				continue
			}
			if multiline {
				b.WriteByte('\n')
			} else {
				b.WriteByte(' ')
			}
		case newline:
			if multiline {
				b.WriteByte('\n')
			} else {
				b.WriteByte(' ')
			}
		}
	}
	return b.String()
}
