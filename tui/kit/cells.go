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

// HelpLine renders keys followed by tail on one line of at most w cells.
// Keys that do not fit are dropped from the end (an ellipsis says so). The
// first tail key (help, which lists every key) is never dropped; the rest
// of tail (quit) gives way too when that lets one more of keys show — the
// screen's own keys matter more, and the full help still names it. Only
// when even the first tail key alone is wider than the line is it cut.
// bubbles' ShortHelpView is not used for the keys: when its ellipsis does
// not fit it adds the key that overflows.
func HelpLine(st *Styles, h *help.Model, keys, tail []key.Binding, w int) string {
	h.Styles = st.Help
	h.SetWidth(0)
	sep := st.Help.ShortSeparator.Inline(true).Render(h.ShortSeparator)
	// " " + head + sep + t must fit in w.
	layout := func(tail []key.Binding) (string, int) {
		t := h.ShortHelpView(tail)
		head, n := shortHelp(st, h, keys, w-1-lipgloss.Width(sep)-lipgloss.Width(t))
		if head == "" {
			return " " + t, n
		}
		return " " + head + sep + t, n
	}
	line, shown := layout(tail)
	if len(tail) > 1 && shown < enabled(keys) {
		if short, n := layout(tail[:1]); n > shown {
			line = short
		}
	}
	if lipgloss.Width(line) > w {
		line = ansi.Truncate(line, max(w, 0), "…")
	}
	return line
}

// enabled counts the enabled bindings.
func enabled(keys []key.Binding) int {
	n := 0
	for _, k := range keys {
		if k.Enabled() {
			n++
		}
	}
	return n
}

// shortHelp lays out the enabled bindings as "key desc" items separated by
// the help separator in at most budget cells, and says how many it shows.
// When one does not fit, it and the rest give way to " …" (dropping more
// items if even that does not fit), so the line says that the full help
// ("?") has more.
func shortHelp(st *Styles, h *help.Model, keys []key.Binding, budget int) (string, int) {
	sep := st.Help.ShortSeparator.Inline(true).Render(h.ShortSeparator)
	more := " " + st.Help.Ellipsis.Inline(true).Render(h.Ellipsis)
	var items []string
	used := 0
	for _, kb := range keys {
		if !kb.Enabled() {
			continue
		}
		item := st.Help.ShortKey.Inline(true).Render(kb.Help().Key) + " " +
			st.Help.ShortDesc.Inline(true).Render(kb.Help().Desc)
		if len(items) > 0 {
			item = sep + item
		}
		if used+lipgloss.Width(item) > budget {
			for len(items) > 0 && used+lipgloss.Width(more) > budget {
				used -= lipgloss.Width(items[len(items)-1])
				items = items[:len(items)-1]
			}
			n := len(items)
			if used+lipgloss.Width(more) <= budget {
				items = append(items, more)
			}
			return strings.Join(items, ""), n
		}
		used += lipgloss.Width(item)
		items = append(items, item)
	}
	return strings.Join(items, ""), len(items)
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
