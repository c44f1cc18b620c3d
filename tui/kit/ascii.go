package kit

import (
	"reflect"
	"strings"
	"sync"

	"github.com/charmbracelet/colorprofile"

	"consultorio/tui/i18n"
)

// ASCII mode (issue 13) is for terminals that cannot draw Unicode or
// colour: a vt100, a Linux console, a dumb line. Screens do not change per
// mode; the app applies the mode in two places, both here:
//   - ASCIIMessages rewrites the catalogue's glyphs before anything is laid
//     out, so a stand-in may be wider than its glyph ("…" → "...");
//   - ASCIIFrame rewrites the finished frame: colours dropped (bold and
//     reverse video stay, a vt100 has them), and every remaining chrome
//     glyph (box drawing of tables and forms, markers written in code,
//     library glyphs) replaced one cell for one cell, so the layout, already
//     measured, does not move.
//
// Stored text (names) keeps its letters: only the glyphs of these tables
// are replaced, never accented letters.

// glyphPairs maps each chrome glyph to its one-cell ASCII stand-in.
var glyphPairs = []string{
	"│", "|", "┃", "|", "▏", "|", "║", "|", "╎", "|",
	"─", "-", "━", "-", "═", "-", "╌", "-",
	"┼", "+", "┌", "+", "┐", "+", "└", "+", "┘", "+", "├", "+", "┤", "+", "┬", "+", "┴", "+",
	"╭", "+", "╮", "+", "╰", "+", "╯", "+",
	"›", ">", "‹", "<", "»", ">", "«", "<", "▸", ">", "▶", ">", "◂", "<", "◀", "<",
	"→", ">", "←", "<", "↑", "^", "↓", "v", "↵", "<",
	"…", ".", "·", ".", "•", "*", "●", "*", "○", "o", "◉", "*", "◦", "o",
	"✓", "v", "✔", "v", "✗", "x", "✘", "x", "⚠", "!", "■", "#", "□", "o",
	"█", "#", "▓", "#", "▒", ":", "░", ".", "▌", "|", "▐", "|",
	"—", "-", "–", "-", "“", "\"", "”", "\"", "‘", "'", "’", "'",
	"⏎", "<", "∙", ".", "⋯", ".", "±", "+", "∞", "*",
}

// wideStandIns are stand-ins wider than their glyph, used where the text is
// laid out afterwards (the catalogue).
var wideStandIns = map[string]string{"…": "...", "→": "->", "←": "<-", "⏎": "enter", "↵": "enter", "—": "--", "±": "+-", "∞": "inf"}

var (
	frameGlyphs = strings.NewReplacer(glyphPairs...)
	textGlyphs  = func() *strings.Replacer {
		pairs := make([]string, len(glyphPairs))
		copy(pairs, glyphPairs)
		for i := 0; i < len(pairs); i += 2 {
			if w, ok := wideStandIns[pairs[i]]; ok {
				pairs[i+1] = w
			}
		}
		// The catalogue's own letters too: a vt100 has no "ó". Stored
		// text never goes through this replacer.
		pairs = append(pairs, "á", "a", "é", "e", "í", "i", "ó", "o", "ú", "u", "ü", "u", "ñ", "n",
			"Á", "A", "É", "E", "Í", "I", "Ó", "O", "Ú", "U", "Ü", "U", "Ñ", "N",
			"¿", "", "¡", "", "º", "o", "ª", "a", "°", "o", "€", "EUR", "×", "x", "−", "-", "≥", ">=", "≤", "<=")
		return strings.NewReplacer(pairs...)
	}()
)

// ASCIIText replaces the chrome glyphs of text laid out afterwards.
func ASCIIText(s string) string { return textGlyphs.Replace(s) }

// ASCIIFrame turns a rendered frame into one for a thin terminal: no
// colour, and chrome glyphs replaced cell for cell.
func ASCIIFrame(s string) string {
	var b strings.Builder
	w := &colorprofile.Writer{Forward: &b, Profile: colorprofile.Ascii}
	if _, err := w.WriteString(s); err != nil {
		// Writing to a strings.Builder does not fail; keep the colours
		// rather than lose the frame if it ever did.
		b.Reset()
		b.WriteString(s)
	}
	return frameGlyphs.Replace(b.String())
}

// ASCIIMessages is a copy of m with the glyphs of every text replaced
// (ASCIIText). The catalogue is plain data (strings in nested structs);
// anything else is copied as it is.
func ASCIIMessages(m *i18n.Messages) *i18n.Messages {
	out := new(i18n.Messages)
	v := reflect.ValueOf(out).Elem()
	v.Set(reflect.ValueOf(m).Elem())
	asciiStrings(v)
	return out
}

func asciiStrings(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		if v.CanSet() {
			v.SetString(ASCIIText(v.String()))
		}
	case reflect.Struct:
		for i := range v.NumField() {
			asciiStrings(v.Field(i))
		}
	case reflect.Array:
		for i := range v.Len() {
			asciiStrings(v.Index(i))
		}
	case reflect.Slice:
		if v.IsNil() {
			return
		}
		c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		reflect.Copy(c, v)
		for i := range c.Len() {
			asciiStrings(c.Index(i))
		}
		v.Set(c)
	case reflect.Map:
		if v.IsNil() || v.Type().Elem().Kind() != reflect.String {
			return
		}
		c := reflect.MakeMapWithSize(v.Type(), v.Len())
		for it := v.MapRange(); it.Next(); {
			c.SetMapIndex(it.Key(), reflect.ValueOf(ASCIIText(it.Value().String())).Convert(v.Type().Elem()))
		}
		v.Set(c)
	}
}

// asciiCatalogues holds the ASCII copy of each catalogue, built once: there
// are two catalogues (es, en), and every ASCII session shares its copy.
var asciiCatalogues sync.Map // *i18n.Messages → *i18n.Messages

// ASCIILocale is l with the ASCII copy of its catalogue.
func ASCIILocale(l *i18n.Locale) *i18n.Locale {
	m, ok := asciiCatalogues.Load(l.M)
	if !ok {
		m, _ = asciiCatalogues.LoadOrStore(l.M, ASCIIMessages(l.M))
	}
	c := *l
	c.M = m.(*i18n.Messages)
	return &c
}

// asciiWords holds the ASCII copies of the side catalogues (a feature's own
// words, e.g. i18n.NotifyFor), built once per catalogue.
var asciiWords sync.Map // pointer → its ASCII copy

// Words is a feature catalogue as the screen shows it: w itself, or in ASCII
// mode its copy with the glyphs and accents replaced (as ASCIIMessages does
// for the main catalogue).
func Words[T any](env *Env, w *T) *T {
	if env == nil || !env.Styles().ASCII {
		return w
	}
	if c, ok := asciiWords.Load(w); ok {
		return c.(*T)
	}
	out := new(T)
	v := reflect.ValueOf(out).Elem()
	v.Set(reflect.ValueOf(w).Elem())
	asciiStrings(v)
	c, _ := asciiWords.LoadOrStore(w, out)
	return c.(*T)
}
