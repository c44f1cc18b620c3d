package sanitize

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/charmbracelet/x/vt"
)

func TestLineTable(t *testing.T) {
	cases := []struct{ in, want string }{
		{"María Ñúñez", "María Ñúñez"},
		{"Zoë 王 👩‍⚕️", "Zoë 王 👩‍⚕️"},
		{"Eve\x1b[2J", "Eve␛[2J"},
		{"x\x1b]52;c;ZXZpbA==\x07y", "x␛]52;c;ZXZpbA==␇y"},
		{"\x1bP+q544e\x1b\\", "␛P+q544e␛\\"},
		{"title\x1b]0;pwned\x1b\\", "title␛]0;pwned␛\\"},
		{"a\u009b2Jb", "a\uFFFD2Jb"},                     // 8-bit CSI as a rune
		{"a\x9b2Jb", "a\uFFFD2Jb"},                       // 8-bit CSI as a raw byte (invalid UTF-8)
		{"a\u009d52;c;x\u009cb", "a\uFFFD52;c;x\uFFFDb"}, // 8-bit OSC … ST
		{"evil\u202Etxt.exe", "evil\uFFFDtxt.exe"},
		{"\u2066iso\u2069", "\uFFFDiso\uFFFD"},
		{"a\tb", "a b"},
		{"a\r\nb\nc\rd", "a b c d"},
		{"nul\x00del\x7f", "nul␀del␡"},
		{"bell\a", "bell␇"},
		{"\ufeffbom", "bom"},
		{"tag\U000E0041\U000E0042s", "tags"},
		{"line\u2028sep", "line sep"},
		{"", ""},
	}
	for _, c := range cases {
		if got := Line(c.in); got != c.want {
			t.Errorf("Line(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestTextKeepsLines(t *testing.T) {
	got := Text("uno\r\ndos\nthree\rfour\x1b[1A")
	if want := "uno\ndos\nthree\nfour␛[1A"; got != want {
		t.Fatalf("Text = %q, want %q", got, want)
	}
}

func TestCleanInputIsNotCopied(t *testing.T) {
	s := "Pérez García, José"
	if !Safe(s) {
		t.Fatal("ordinary name reported unsafe")
	}
	if allocs := testing.AllocsPerRun(100, func() { _ = Line(s) }); allocs != 0 {
		t.Fatalf("Line allocates %v times for clean input", allocs)
	}
}

// TestOnTerminal draws sanitized hostile names on a virtual terminal that
// already shows text: the screen must keep that text and show the names as
// visible characters, and nothing may reach the terminal's clipboard or title.
func TestOnTerminal(t *testing.T) {
	hostile := []string{
		"Ana\x1b[2J\x1b[H",
		"Bob\x1b]52;c;cm0gLXJmIH4=\x07",
		"Cy\x1b]0;owned\x07",
		"Di\x1bc",    // full reset
		"Ed\u009b2J", // 8-bit CSI
		"Fe\x1b[31;1mred",
	}
	// draw writes the names to a fresh terminal and reports what it shows
	// and whether its title or clipboard were touched.
	draw := func(clean func(string) string) (screen, title, clipboard string) {
		term := vt.NewEmulator(60, 10)
		term.SetCallbacks(vt.Callbacks{Title: func(s string) { title = s }})
		term.RegisterOscHandler(52, func(data []byte) bool { clipboard = string(data); return true })
		_, _ = term.WriteString("KEEP-ME\r\n")
		for _, h := range hostile {
			_, _ = term.WriteString(clean(h) + "\r\n")
		}
		return term.String(), title, clipboard
	}
	// The raw names do harm on this terminal (the test can see it)...
	rawScreen, rawTitle, rawClip := draw(func(s string) string { return s })
	if strings.Contains(rawScreen, "KEEP-ME") || rawTitle == "" || rawClip == "" {
		t.Fatalf("the raw names did no visible harm; the test cannot tell: title %q clip %q\n%s", rawTitle, rawClip, rawScreen)
	}
	// ...and none once sanitized.
	screen, title, clipboard := draw(Line)
	if !strings.HasPrefix(screen, "KEEP-ME") {
		t.Fatalf("earlier text was erased:\n%s", screen)
	}
	for _, want := range []string{"Ana␛[2J␛[H", "Bob␛]52;c;cm0gLXJmIH4=␇", "Cy␛]0;owned␇", "Di␛c", "Ed\uFFFD2J", "Fe␛[31;1mred"} {
		if !strings.Contains(screen, want) {
			t.Errorf("screen lacks %q:\n%s", want, screen)
		}
	}
	if title != "" || clipboard != "" {
		t.Errorf("terminal state changed: title %q clipboard %q", title, clipboard)
	}
}

// FuzzLine checks the invariants on any input: valid UTF-8; no C0 control,
// DEL, C1 control or bidi control in the output; idempotent.
func FuzzLine(f *testing.F) {
	for _, s := range []string{"plain", "\x1b[2J", "\x1b]52;c;AAAA\x07", "\x9b\xc2\x9b", "a\r\nb", "\u202e", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, out := range []string{Line(s), Text(s)} {
			if !utf8.ValidString(out) {
				t.Fatalf("invalid UTF-8 from %q: %q", s, out)
			}
			for _, r := range out {
				if (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r <= 0x9f) ||
					(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
					t.Fatalf("control %U left in %q (from %q)", r, out, s)
				}
			}
		}
		line := Line(s)
		if strings.ContainsRune(line, '\n') {
			t.Fatalf("Line kept a newline: %q", line)
		}
		if Line(line) != line || Text(Text(s)) != Text(s) {
			t.Fatalf("not idempotent on %q", s)
		}
		if !Safe(line) {
			t.Fatalf("Line output not Safe: %q", line)
		}
	})
}
