package kit

// Shared pieces of the administration screens (specialists, rooms, staff,
// settings, audit): a scrolling table with a cursor, "Label: value" detail
// blocks and key bindings.

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// column of a admList: width 0 takes what the fixed columns leave.
type AdmColumn struct {
	Title string
	Width int
}

// admList is a table of already sanitized cells with a cursor. The selected
// row is drawn in reverse video with a "›" marker, so it reads without
// colour.
type AdmList struct {
	Cols   []AdmColumn
	Rows   [][]string
	Cursor int
	Offset int
	Empty  string // shown when there are no rows
}

func (l *AdmList) SetRows(rows [][]string) {
	l.Rows = rows
	l.Cursor = min(l.Cursor, max(len(rows)-1, 0))
}

// move handles the cursor keys; it reports whether the key was one of them.
func (l *AdmList) Move(k tea.KeyPressMsg) bool {
	n := len(l.Rows)
	switch k.String() {
	case "up":
		l.Cursor--
	case "down":
		l.Cursor++
	case "pgup":
		l.Cursor -= 10
	case "pgdown":
		l.Cursor += 10
	case "home":
		l.Cursor = 0
	case "end":
		l.Cursor = n - 1
	default:
		return false
	}
	l.Cursor = max(min(l.Cursor, n-1), 0)
	return true
}

// atEnd tells whether the cursor is on the last row.
func (l *AdmList) AtEnd() bool { return len(l.Rows) > 0 && l.Cursor == len(l.Rows)-1 }

// view draws the header and as many rows as fit in h lines, scrolled so the
// cursor shows.
func (l *AdmList) View(st *Styles, w, h int) string {
	widths := make([]int, len(l.Cols))
	fixed := 2 // the marker
	flex := 0
	for i, c := range l.Cols {
		widths[i] = c.Width
		fixed += c.Width + 1
		if c.Width == 0 {
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
			b.WriteString(Cell(c, wd, false))
			if i < len(widths)-1 {
				b.WriteByte(' ')
			}
		}
		return b.String()
	}
	titles := make([]string, len(l.Cols))
	for i, c := range l.Cols {
		titles[i] = c.Title
	}
	var out []string
	out = append(out, st.Label.Render(AdmCut("  "+line(titles), w)))
	rowsH := max(h-1, 1)
	if len(l.Rows) == 0 {
		out = append(out, st.Muted.Render(AdmCut("  "+l.Empty, w)))
		return strings.Join(out, "\n")
	}
	if l.Cursor < l.Offset {
		l.Offset = l.Cursor
	}
	if l.Cursor >= l.Offset+rowsH {
		l.Offset = l.Cursor - rowsH + 1
	}
	l.Offset = max(min(l.Offset, len(l.Rows)-rowsH), 0)
	for i := l.Offset; i < len(l.Rows) && i < l.Offset+rowsH; i++ {
		if i == l.Cursor {
			out = append(out, st.Selected.Render(Cell("› "+line(l.Rows[i]), w, false)))
		} else {
			out = append(out, AdmCut("  "+line(l.Rows[i]), w))
		}
	}
	return strings.Join(out, "\n")
}

// cut shortens s to at most w cells, ending in "…" when something is left
// out. s must be plain text (sanitized, no styles).
func AdmCut(s string, w int) string {
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

// field is one "Label: value" line of a detail page (value sanitized).
type AdmField struct{ Label, Value string }

// admFields draws detail lines with the labels aligned, cut to w.
func AdmFields(st *Styles, w int, fields []AdmField) string {
	lw := 0
	for _, f := range fields {
		lw = max(lw, lipgloss.Width(f.Label))
	}
	lines := make([]string, len(fields))
	for i, f := range fields {
		lines[i] = " " + st.Label.Render(Cell(f.Label+":", lw+1, false)) + " " + AdmCut(f.Value, max(w-lw-4, 1))
	}
	return strings.Join(lines, "\n")
}

// admCanManage tells whether the actor may change staff, specialists, rooms and
// settings (the store refuses the others anyway: this only hides keys).
func AdmCanManage(env *Env) bool { return env.Actor.MayManageClinic() }

// admActive says "active" or "inactive" in the user's language.
func AdmActive(env *Env, active bool) string {
	if active {
		return env.M.Admin.Active
	}
	return env.M.Admin.Inactive
}
