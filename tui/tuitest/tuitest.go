// Package tuitest runs a Bubble Tea model in a test the way a user sees it:
// the program (teatest v2) writes to a virtual terminal (charmbracelet/x/vt)
// and tests assert on the screen's text, not on raw output bytes (Bubble Tea
// v2 writes cell diffs: typed text is rarely contiguous in the output).
//
//	term := tuitest.Start(t, model, 80, 24)
//	term.WaitFor(t, "Pacientes")
//	term.Type("garcía")
//	term.Key("enter")
//	term.WaitFor(t, "García Pérez, Ana")
//
// Send a key only after the screen shows the step it is meant for (WaitFor):
// forms move on asynchronously.
package tuitest

import (
	"io"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/charmbracelet/x/vt"
)

// Timeout is how long WaitFor waits by default. It bounds only how long a
// failing test takes, never a passing one: a screen that waits on a
// password hash (argon2id, 19 MiB, twice for a password change) took more
// than 10 s under the race detector on a loaded CI machine
// (TestOwnPasswordForm), so it is generous.
const Timeout = 30 * time.Second

// Term is a running program attached to a virtual terminal.
type Term struct {
	TM  *teatest.TestModel
	emu *vt.SafeEmulator

	mu   sync.Mutex // serialises emulator writes with screen reads and resizes
	w, h int
	// gen counts the emulator's writes and resizes; screen is the text
	// Screen made at screenGen. Tests poll the screen every few
	// milliseconds while they wait, and reading its 1,920 cells costs
	// ~1 ms under the race detector: a screen nothing was written to
	// since is not read again.
	gen, screenGen uint64
	screen         string
	stop           chan struct{}
	pumpDone       chan struct{}
}

// Start runs m in a w×h terminal. The program is stopped when the test ends.
// opts are passed to the tea.Program (e.g. tea.WithColorProfile).
func Start(t testing.TB, m tea.Model, w, h int, opts ...tea.ProgramOption) *Term {
	t.Helper()
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h), teatest.WithProgramOptions(opts...))
	term := &Term{TM: tm, emu: vt.NewSafeEmulator(w, h), w: w, h: h,
		stop: make(chan struct{}), pumpDone: make(chan struct{})}
	// The emulator answers queries (background colour, cursor position) on
	// its read side; nobody reads those answers here, but they must be
	// drained or the emulator's writes block.
	go func() { _, _ = io.Copy(io.Discard, term.emu) }()
	go term.pump()
	t.Cleanup(func() {
		_ = tm.Quit()
		tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second), teatest.WithTimeoutFn(func(testing.TB) {}))
		close(term.stop)
		<-term.pumpDone
		// End the drain goroutine by closing the pipe it reads (not
		// emu.Close: it writes a field Read reads without a lock).
		if c, ok := term.emu.InputPipe().(io.Closer); ok {
			_ = c.Close()
		}
	})
	return term
}

// pump copies the program's output into the emulator. Without a real tty
// nothing translates "\n" into "\r\n", so it is done here.
func (term *Term) pump() {
	defer close(term.pumpDone)
	out := term.TM.Output()
	buf := make([]byte, 32*1024)
	var carry []byte // an incomplete UTF-8 sequence at the end of a read
	// The output is a buffer that reads 0 bytes when empty: poll it, with
	// one ticker (a timer per turn is a lot of work under the detector).
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		n, _ := out.Read(buf)
		if n == 0 {
			select {
			case <-term.stop:
				return
			case <-tick.C:
			}
			continue
		}
		data := append(carry, buf[:n]...)
		carry = nil
		// Keep a trailing partial rune for the next read.
		if cut := partialTail(data); cut > 0 {
			carry = append([]byte(nil), data[len(data)-cut:]...)
			data = data[:len(data)-cut]
		}
		data = []byte(strings.ReplaceAll(string(data), "\n", "\r\n"))
		term.mu.Lock()
		_, _ = term.emu.Write(data)
		term.gen++
		term.mu.Unlock()
	}
}

// partialTail returns how many bytes at the end of b start a UTF-8 sequence
// that is not complete yet.
func partialTail(b []byte) int {
	for i := 1; i <= 3 && i <= len(b); i++ {
		c := b[len(b)-i]
		if c < 0x80 {
			return 0
		}
		if c >= 0xC0 { // a lead byte
			need := 2
			switch {
			case c >= 0xF0:
				need = 4
			case c >= 0xE0:
				need = 3
			}
			if need > i {
				return i
			}
			return 0
		}
	}
	return 0
}

// Screen returns the text on the screen now: one line per row, trailing
// spaces removed.
func (term *Term) Screen() string {
	term.mu.Lock()
	defer term.mu.Unlock()
	if term.screenGen == term.gen && term.gen > 0 {
		return term.screen
	}
	rows := make([]string, term.h)
	for y := 0; y < term.h; y++ {
		var b strings.Builder
		for x := 0; x < term.w; x++ {
			c := term.emu.CellAt(x, y)
			switch {
			case c == nil:
				b.WriteByte(' ')
			case c.Width == 0 && c.Content == "":
				// the second half of a wide character
			case c.Content == "":
				b.WriteByte(' ')
			default:
				b.WriteString(c.Content)
			}
		}
		rows[y] = strings.TrimRight(b.String(), " ")
	}
	term.screen, term.screenGen = strings.Join(rows, "\n"), term.gen
	return term.screen
}

// Attrs tells how the cell at x, y is drawn: reverse video and bold (the
// attributes that carry meaning when there is no colour).
func (term *Term) Attrs(x, y int) (reverse, bold bool) {
	term.mu.Lock()
	defer term.mu.Unlock()
	c := term.emu.CellAt(x, y)
	if c == nil {
		return false, false
	}
	return c.Style.Attrs&uv.AttrReverse != 0, c.Style.Attrs&uv.AttrBold != 0
}

// HasColor tells whether the cell at x, y has a foreground or background
// colour.
func (term *Term) HasColor(x, y int) bool {
	term.mu.Lock()
	defer term.mu.Unlock()
	c := term.emu.CellAt(x, y)
	return c != nil && (c.Style.Fg != nil || c.Style.Bg != nil)
}

// Line returns row y of the screen.
func (term *Term) Line(y int) string {
	lines := strings.Split(term.Screen(), "\n")
	if y < 0 || y >= len(lines) {
		return ""
	}
	return lines[y]
}

// WaitFor waits until the screen shows every one of texts, and fails the
// test (showing the screen) if it does not within Timeout.
func (term *Term) WaitFor(t testing.TB, texts ...string) string {
	t.Helper()
	return term.WaitUntil(t, "screen shows "+strings.Join(texts, ", "), func(s string) bool {
		for _, x := range texts {
			if !strings.Contains(s, x) {
				return false
			}
		}
		return true
	})
}

// WaitGone waits until the screen no longer shows text.
func (term *Term) WaitGone(t testing.TB, text string) string {
	t.Helper()
	return term.WaitUntil(t, "screen no longer shows "+text, func(s string) bool { return !strings.Contains(s, text) })
}

// WaitUntil waits until cond holds for the screen's text.
func (term *Term) WaitUntil(t testing.TB, what string, cond func(screen string) bool) string {
	t.Helper()
	deadline := time.Now().Add(Timeout)
	for {
		s := term.Screen()
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s; the screen shows:\n%s", what, frame(s))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// frame draws a screen dump with a border so trailing spaces are visible.
func frame(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = "│" + l
	}
	return strings.Join(lines, "\n")
}

// Resize changes the terminal's size and tells the program.
func (term *Term) Resize(w, h int) {
	term.mu.Lock()
	term.emu.Resize(w, h)
	term.w, term.h = w, h
	term.gen++
	term.mu.Unlock()
	term.TM.Send(tea.WindowSizeMsg{Width: w, Height: h})
}

// Send delivers a message to the program.
func (term *Term) Send(msg tea.Msg) { term.TM.Send(msg) }

// Type sends each character of s as a key press.
func (term *Term) Type(s string) {
	for _, r := range s {
		term.TM.Send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// Key sends one key press written as Bubble Tea prints it: "enter", "tab",
// "shift+tab", "esc", "up", "down", "left", "right", "backspace", "space",
// "ctrl+c", "alt+3", "q", "?".
func (term *Term) Key(k string) { term.TM.Send(KeyMsg(k)) }

// KeyMsg builds the key press message for a key name (see Key).
func KeyMsg(k string) tea.KeyPressMsg {
	var mod tea.KeyMod
	for {
		switch {
		case strings.HasPrefix(k, "ctrl+"):
			mod |= tea.ModCtrl
			k = k[5:]
			continue
		case strings.HasPrefix(k, "alt+"):
			mod |= tea.ModAlt
			k = k[4:]
			continue
		case strings.HasPrefix(k, "shift+"):
			mod |= tea.ModShift
			k = k[6:]
			continue
		}
		break
	}
	special := map[string]rune{
		"enter": tea.KeyEnter, "tab": tea.KeyTab, "esc": tea.KeyEscape, "backspace": tea.KeyBackspace,
		"up": tea.KeyUp, "down": tea.KeyDown, "left": tea.KeyLeft, "right": tea.KeyRight,
		"space": tea.KeySpace, "home": tea.KeyHome, "end": tea.KeyEnd, "pgup": tea.KeyPgUp,
		"pgdown": tea.KeyPgDown, "delete": tea.KeyDelete,
	}
	if code, ok := special[k]; ok {
		msg := tea.KeyPressMsg{Code: code, Mod: mod}
		if code == tea.KeySpace && mod == 0 {
			msg.Text = " "
		}
		return msg
	}
	r, _ := utf8.DecodeRuneInString(k)
	msg := tea.KeyPressMsg{Code: r, Mod: mod}
	if mod == 0 || mod == tea.ModShift {
		msg.Text = k
	}
	return msg
}

// Quit stops the program and waits for it to end; the screen then holds
// the program's last frame.
func (term *Term) Quit(t testing.TB) {
	t.Helper()
	_ = term.TM.Quit()
	term.TM.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

// WaitFinished waits for the program to end on its own (tea.Quit).
func (term *Term) WaitFinished(t testing.TB) {
	t.Helper()
	term.TM.WaitFinished(t, teatest.WithFinalTimeout(Timeout))
}
