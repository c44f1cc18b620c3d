package tui

// Shared pieces of the administration screens (specialists, rooms, staff,
// settings, audit): a scrolling table with a cursor, "Label: value" detail
// blocks and key bindings.

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// column of a admList: width 0 takes what the fixed columns leave.
type admColumn struct {
	title string
	width int
}

// admList is a table of already sanitized cells with a cursor. The selected
// row is drawn in reverse video with a "›" marker, so it reads without
// colour.
type admList struct {
	cols   []admColumn
	rows   [][]string
	cursor int
	offset int
	empty  string // shown when there are no rows
}

func (l *admList) setRows(rows [][]string) {
	l.rows = rows
	l.cursor = min(l.cursor, max(len(rows)-1, 0))
}

// move handles the cursor keys; it reports whether the key was one of them.
func (l *admList) move(k tea.KeyPressMsg) bool {
	n := len(l.rows)
	switch k.String() {
	case "up":
		l.cursor--
	case "down":
		l.cursor++
	case "pgup":
		l.cursor -= 10
	case "pgdown":
		l.cursor += 10
	case "home":
		l.cursor = 0
	case "end":
		l.cursor = n - 1
	default:
		return false
	}
	l.cursor = max(min(l.cursor, n-1), 0)
	return true
}

// atEnd tells whether the cursor is on the last row.
func (l *admList) atEnd() bool { return len(l.rows) > 0 && l.cursor == len(l.rows)-1 }

// view draws the header and as many rows as fit in h lines, scrolled so the
// cursor shows.
func (l *admList) view(st *Styles, w, h int) string {
	widths := make([]int, len(l.cols))
	fixed := 2 // the marker
	flex := 0
	for i, c := range l.cols {
		widths[i] = c.width
		fixed += c.width + 1
		if c.width == 0 {
			flex++
		}
	}
	if flex > 0 {
		each := max((w-fixed)/flex, 6)
		for i := range widths {
			if widths[i] == 0 {
				widths[i] = each
			}
		}
	}
	line := func(cells []string) string {
		var b strings.Builder
		for i, wd := range widths {
			c := ""
			if i < len(cells) {
				c = cells[i]
			}
			b.WriteString(admPad(c, wd))
			if i < len(widths)-1 {
				b.WriteByte(' ')
			}
		}
		return b.String()
	}
	titles := make([]string, len(l.cols))
	for i, c := range l.cols {
		titles[i] = c.title
	}
	var out []string
	out = append(out, st.Label.Render(admCut("  "+line(titles), w)))
	rowsH := max(h-1, 1)
	if len(l.rows) == 0 {
		out = append(out, st.Muted.Render(admCut("  "+l.empty, w)))
		return strings.Join(out, "\n")
	}
	if l.cursor < l.offset {
		l.offset = l.cursor
	}
	if l.cursor >= l.offset+rowsH {
		l.offset = l.cursor - rowsH + 1
	}
	l.offset = max(min(l.offset, len(l.rows)-rowsH), 0)
	for i := l.offset; i < len(l.rows) && i < l.offset+rowsH; i++ {
		if i == l.cursor {
			out = append(out, st.Selected.Render(admPad("› "+line(l.rows[i]), w)))
		} else {
			out = append(out, admCut("  "+line(l.rows[i]), w))
		}
	}
	return strings.Join(out, "\n")
}

// cut shortens s to at most w cells, ending in "…" when something is left
// out. s must be plain text (sanitized, no styles).
func admCut(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if lipgloss.Width(s) <= w {
		return s
	}
	var b strings.Builder
	used := 0
	for _, r := range s {
		rw := lipgloss.Width(string(r))
		if used+rw > w-1 {
			break
		}
		b.WriteRune(r)
		used += rw
	}
	return b.String() + "…"
}

// pad cuts s to w cells and fills the rest with spaces.
func admPad(s string, w int) string {
	s = admCut(s, w)
	if n := w - lipgloss.Width(s); n > 0 {
		s += strings.Repeat(" ", n)
	}
	return s
}

// field is one "Label: value" line of a detail page (value sanitized).
type admField struct{ label, value string }

// admFields draws detail lines with the labels aligned, cut to w.
func admFields(st *Styles, w int, fields []admField) string {
	lw := 0
	for _, f := range fields {
		lw = max(lw, lipgloss.Width(f.label))
	}
	lines := make([]string, len(fields))
	for i, f := range fields {
		lines[i] = " " + st.Label.Render(admPad(f.label+":", lw+1)) + " " + admCut(f.value, max(w-lw-4, 1))
	}
	return strings.Join(lines, "\n")
}

// binding is a key with its help text.
func admKey(help string, keys ...string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(keys[0], help))
}

// admKeyShown is binding with the key named differently in the help line
// (e.g. "↑/↓" for up and down).
func admKeyShown(shown, help string, keys ...string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(shown, help))
}

// admCanManage tells whether the actor may change staff, specialists, rooms and
// settings (the store refuses the others anyway: this only hides keys).
func admCanManage(env *Env) bool { return env.Actor.MayManageClinic() }

// admActive says "active" or "inactive" in the user's language.
func admActive(env *Env, active bool) string {
	if active {
		return env.M.Admin.Active
	}
	return env.M.Admin.Inactive
}
