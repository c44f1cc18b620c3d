package kit

import (
	"testing"
	"unsafe"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
)

// TestHelpCacheDrawsWhatHelpLineDraws: the cached help line is always the
// one HelpLine draws for the same inputs, however they change — the style
// sheet, the width, a binding's words, keys or state, the tail — and an
// unchanged call returns the line drawn before instead of drawing it again.
func TestHelpCacheDrawsWhatHelpLineDraws(t *testing.T) {
	h := help.New()
	save := KeyShown("ctrl+s", "guardar", "ctrl+s")
	keys := []key.Binding{KeyShown("n", "nuevo", "n"), save, KeyShown("e", "editar", "e")}
	tail := []key.Binding{Key("ayuda", "?"), Key("salir", "q")}
	var c HelpCache
	st, w := SharedStyles(true), 80
	check := func(step string) string {
		t.Helper()
		got, want := c.Line(st, &h, keys, tail, w), HelpLine(st, &h, keys, tail, w)
		if got != want {
			t.Fatalf("%s: cached %q, HelpLine draws %q", step, got, want)
		}
		return got
	}
	first := check("first")
	if again := check("unchanged"); unsafe.StringData(again) != unsafe.StringData(first) {
		t.Error("an unchanged call drew the line again")
	}
	st = ASCIIStyles()
	check("ASCII sheet")
	st = SharedStyles(false)
	check("light sheet")
	w = 30
	check("narrower")
	w = 120
	check("wider")
	keys[1] = KeyShown("ctrl+s", "grabar", "ctrl+s")
	check("other words")
	keys[1] = KeyShown("ctrl+g", "grabar", "ctrl+g")
	check("other key")
	keys[1].SetEnabled(false)
	check("disabled")
	keys = keys[:1]
	check("fewer keys")
	tail = tail[:1]
	check("shorter tail")
}

// BenchmarkHelpLine: the shell's help line on a frame whose keys did not
// change, drawn anew (HelpLine) and through the cache.
func BenchmarkHelpLine(b *testing.B) {
	h := help.New()
	var keys []key.Binding
	for _, k := range []string{"enter", "n", "e", "d", "/", "g", "G", "tab", "1-9", "pgup"} {
		keys = append(keys, KeyShown(k, "acción "+k, k))
	}
	tail := []key.Binding{Key("ayuda", "?"), Key("salir", "q")}
	st := SharedStyles(true)
	b.Run("drawn", func(b *testing.B) {
		for b.Loop() {
			HelpLine(st, &h, keys, tail, 80)
		}
	})
	b.Run("cached", func(b *testing.B) {
		var c HelpCache
		for b.Loop() {
			c.Line(st, &h, keys, tail, 80)
		}
	})
}
