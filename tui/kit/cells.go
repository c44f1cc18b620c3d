package kit

import (
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

// helpLine renders keys, cut to fit, followed by tail which is never cut.
func HelpLine(st *Styles, h *help.Model, keys, tail []key.Binding, w int) string {
	h.Styles = st.Help
	h.SetWidth(0)
	t := h.ShortHelpView(tail)
	tw := lipgloss.Width(t)
	h.SetWidth(max(w-tw-3, 1))
	head := h.ShortHelpView(keys)
	if head == "" {
		return " " + t
	}
	return " " + head + st.Help.ShortSeparator.Render(h.ShortSeparator) + t
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
