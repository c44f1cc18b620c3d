package kit

import (
	"bytes"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// bar lays out left and right text on one reverse-video line of width w,
// cutting the left part first when both do not fit.
func Bar(left, right string, w int, st *Styles) string {
	rw := lipgloss.Width(right)
	if rw > w-10 {
		right = ansi.Truncate(right, max(w-10, 0), "…")
		rw = lipgloss.Width(right)
	}
	left = ansi.Truncate(left, max(w-rw-1, 0), "…")
	gap := max(w-lipgloss.Width(left)-rw, 0)
	return st.Header.Render(left + strings.Repeat(" ", gap) + right)
}

// HelpLine renders keys followed by tail on one line of at most w cells.
// Keys that do not fit are dropped from the end, with an ellipsis when it
// fits (a cell is not worth a screen key: "?" says there is more); tail (the
// help and quit keys) is never dropped, only cut when even it alone is wider
// than the line. bubbles' ShortHelpView is not used for the keys: when its
// ellipsis does not fit it adds the key that overflows.
func HelpLine(st *Styles, h *help.Model, keys, tail []key.Binding, w int) string {
	h.Styles = st.Help
	h.SetWidth(0)
	t := h.ShortHelpView(tail)
	sep := st.Help.ShortSeparator.Inline(true).Render(h.ShortSeparator)
	// " " + head + sep + t must fit in w.
	head := shortHelp(st, h, keys, w-1-lipgloss.Width(sep)-lipgloss.Width(t))
	line := " " + t
	if head != "" {
		line = " " + head + sep + t
	}
	if lipgloss.Width(line) > w {
		line = ansi.Truncate(line, max(w, 0), "…")
	}
	return line
}

// HelpCache keeps the last help line a screen drew. A screen's keys change
// rarely, while styling each of them again took a tenth of the server's
// processor on every frame (docs/BENCHMARKS.md, issue 16 fifth pass); the
// line is drawn again only when what it shows would differ: the style
// sheet (shared per mode, so its address says which), the width, or a
// binding's keys, words or state.
type HelpCache struct {
	key, spare []byte // the last inputs; a buffer for the next ones
	line       string
}

// Line is HelpLine, drawn only when its inputs changed since the last call.
func (c *HelpCache) Line(st *Styles, h *help.Model, keys, tail []key.Binding, w int) string {
	k := fmt.Appendf(c.spare[:0], "%p|%d|%s|%s|", st, w, h.ShortSeparator, h.Ellipsis)
	for _, group := range [][]key.Binding{keys, tail} {
		for _, kb := range group {
			hp := kb.Help()
			k = append(k, hp.Key...)
			k = append(k, 0)
			k = append(k, hp.Desc...)
			if kb.Enabled() {
				k = append(k, 1)
			} else {
				k = append(k, 2)
			}
		}
		k = append(k, 3)
	}
	if c.key != nil && bytes.Equal(c.key, k) {
		c.spare = k
		return c.line
	}
	c.key, c.spare = k, c.key
	c.line = HelpLine(st, h, keys, tail, w)
	return c.line
}

// shortHelp lays out the enabled bindings as "key desc" items separated by
// the help separator in at most budget cells. When one does not fit, it and
// the rest give way to " …" if that fits.
func shortHelp(st *Styles, h *help.Model, keys []key.Binding, budget int) string {
	sep := st.Help.ShortSeparator.Inline(true).Render(h.ShortSeparator)
	var b strings.Builder
	used := 0
	for _, kb := range keys {
		if !kb.Enabled() {
			continue
		}
		item := st.Help.ShortKey.Inline(true).Render(kb.Help().Key) + " " +
			st.Help.ShortDesc.Inline(true).Render(kb.Help().Desc)
		if used > 0 {
			item = sep + item
		}
		if used+lipgloss.Width(item) > budget {
			more := " " + st.Help.Ellipsis.Inline(true).Render(h.Ellipsis)
			if used+lipgloss.Width(more) <= budget {
				b.WriteString(more)
			}
			break
		}
		used += lipgloss.Width(item)
		b.WriteString(item)
	}
	return b.String()
}

// fit makes s exactly h lines, each cut to w cells.
func Fit(s string, w, h int) string {
	if h <= 0 {
		return ""
	}
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		if ansi.StringWidth(l) > w {
			lines[i] = ansi.Truncate(l, w, "…")
		}
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

func Indent(s string, n int) string {
	pad := strings.Repeat(" ", n)
	lines := strings.Split(s, "\n")
	for i := range lines {
		lines[i] = pad + lines[i]
	}
	return strings.Join(lines, "\n")
}

// Key is a key binding whose help line names its first key.
func Key(help string, keys ...string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(keys[0], help))
}

// KeyShown is a key binding named label in the help line (e.g. "↑/↓" for
// up and down).
func KeyShown(label, help string, keys ...string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(label, help))
}
