package server

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/colorprofile"
	uv "github.com/charmbracelet/ultraviolet"
)

// TestReleasedScreenModelRendersTheSameBytes: a renderer that packs its
// model of the screen after every frame (TerminalRenderer.Release, the
// third_party patch the idle footprint relies on) writes to the terminal
// exactly what one that keeps the model does, frame after frame: styles,
// colours of several kinds, hyperlinks, wide and combined characters,
// lines that scroll.
func TestReleasedScreenModelRendersTheSameBytes(t *testing.T) {
	t.Parallel()
	const w, h = 80, 24
	env := []string{"TERM=xterm-256color"}
	newRenderer := func(out *bytes.Buffer) *uv.TerminalRenderer {
		r := uv.NewTerminalRenderer(out, env)
		// A bytes.Buffer is no terminal: without a profile the renderer
		// would drop every style, and styles are what packing must keep.
		r.SetColorProfile(colorprofile.TrueColor)
		r.SetFullscreen(true)
		r.SetRelativeCursor(false)
		r.SetScrollOptim(true)
		r.EnterAltScreen()
		return r
	}
	var keptOut, packedOut bytes.Buffer
	kept, packed := newRenderer(&keptOut), newRenderer(&packedOut)

	lines := []string{
		"\x1b[1;38;5;33mAgenda\x1b[0m  sábado 5 de diciembre   \x1b[7m Recepción \x1b[0m",
		"\x1b[38;2;200;30;30m│ 09:00 │\x1b[0m María José Núñez  \x1b[4:3m\x1b[58;5;2msala 2\x1b[0m",
		"\x1b]8;;https://example.com/a\x1b\\enlace\x1b]8;;\x1b\\ y 日本語 ñandú e\u0301 👩‍⚕️ fin",
		"\x1b[48;5;236m" + strings.Repeat("─", 78) + "\x1b[0m",
		"\x1b[31mrojo\x1b[32mverde\x1b[34mazul\x1b[0m \x1b[2;3mtenue\x1b[0m \x1b[9mtachado\x1b[0m",
	}
	frame := func(i int) *uv.RenderBuffer {
		b := uv.NewScreenBuffer(w, h)
		var sb strings.Builder
		for y := 0; y < h; y++ {
			if y > 0 {
				sb.WriteString("\n")
			}
			// Frames shift their lines by one (scrolling), change one
			// line now and then, and go blank at the bottom.
			switch k := (y + i) % (len(lines) + 3); {
			case k < len(lines):
				sb.WriteString(lines[k])
			case k == len(lines):
				fmt.Fprintf(&sb, "fila %d del cuadro %d", y, i)
			}
		}
		uv.NewStyledString(sb.String()).Draw(b, b.Bounds())
		return b.RenderBuffer
	}
	for i := range 12 {
		kept.Render(frame(i))
		packed.Render(frame(i))
		packed.Release()
		if err := kept.Flush(); err != nil {
			t.Fatal(err)
		}
		if err := packed.Flush(); err != nil {
			t.Fatal(err)
		}
		if keptOut.Len() == 0 {
			t.Fatalf("frame %d wrote nothing", i)
		}
		if i == 0 && !strings.Contains(keptOut.String(), "38;5;33") {
			t.Fatalf("frame 0 was written without its colours: %q", keptOut.String())
		}
		if keptOut.String() != packedOut.String() {
			t.Fatalf("frame %d: released model wrote\n%q\nkept model wrote\n%q", i, packedOut.String(), keptOut.String())
		}
		keptOut.Reset()
		packedOut.Reset()
	}
	// The same frame again: nothing to write either way.
	kept.Render(frame(11))
	packed.Render(frame(11))
	_ = kept.Flush()
	_ = packed.Flush()
	if keptOut.String() != packedOut.String() {
		t.Fatalf("unchanged frame: released model wrote %q, kept model %q", packedOut.String(), keptOut.String())
	}
}
