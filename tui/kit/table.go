package kit

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"consultorio/store"
	"consultorio/tui/i18n"
	"consultorio/tui/sanitize"
	"consultorio/tui/sshline"
)

// Helpers shared by the operator panel's screens (clients, plans, billing,
// dashboard, operator audit).

// column of a panelTable. Width 0 means flexible: it takes what is left.
// Priority: when the columns do not fit, the highest numbers go first.
type Column struct {
	Title    string
	Width    int
	Right    bool
	Priority int
}

// flexMin is the narrowest a flexible column gets.
const flexMin = 16

// panelTable is a list drawn with plain characters: a bold header over a
// rule and the selected row in reverse video (visible without colour).
// Cells must be sanitized by the caller.
type PanelTable struct {
	Cols   []Column
	Rows   [][]string
	Cursor int
	Offset int
}

func (t *PanelTable) SetRows(rows [][]string) {
	t.Rows = rows
	t.Cursor = min(t.Cursor, max(len(rows)-1, 0))
}

func (t *PanelTable) move(delta int) {
	if len(t.Rows) == 0 {
		return
	}
	t.Cursor = min(max(t.Cursor+delta, 0), len(t.Rows)-1)
}

// visible returns the range of rows shown in h lines (header and rule
// included), adjusting the scroll offset to keep the cursor in view.
func (t *PanelTable) Visible(h int) (from, to int) {
	n := max(h-2, 1)
	if t.Cursor < t.Offset {
		t.Offset = t.Cursor
	}
	if t.Cursor >= t.Offset+n {
		t.Offset = t.Cursor - n + 1
	}
	t.Offset = max(min(t.Offset, len(t.Rows)-n), 0)
	return t.Offset, min(t.Offset+n, len(t.Rows))
}

// layout picks the columns that fit in w and their widths.
func (t *PanelTable) layout(w int) ([]int, []int) {
	idx := make([]int, 0, len(t.Cols))
	for i := range t.Cols {
		idx = append(idx, i)
	}
	total := func(ix []int) int {
		n := 1 // left margin
		for _, i := range ix {
			c := t.Cols[i]
			if c.Width == 0 {
				n += flexMin // a flexible column's minimum
			} else {
				n += c.Width
			}
			n++ // separator
		}
		return n
	}
	for total(idx) > w && len(idx) > 1 {
		worst := 0
		for j, i := range idx {
			if t.Cols[i].Priority > t.Cols[idx[worst]].Priority {
				worst = j
			}
		}
		if t.Cols[idx[worst]].Priority == 0 {
			break
		}
		idx = append(idx[:worst], idx[worst+1:]...)
	}
	widths := make([]int, len(idx))
	spare := w - total(idx)
	flex := 0
	for j, i := range idx {
		widths[j] = t.Cols[i].Width
		if widths[j] == 0 {
			widths[j] = flexMin
			flex++
		}
	}
	if flex > 0 && spare > 0 {
		for j, i := range idx {
			if t.Cols[i].Width == 0 {
				widths[j] += spare / flex
			}
		}
	}
	return idx, widths
}

func Cell(s string, w int, right bool) string {
	s = ansi.Truncate(s, w, "…")
	pad := strings.Repeat(" ", max(w-lipgloss.Width(s), 0))
	if right {
		return pad + s
	}
	return s + pad
}

func (t *PanelTable) View(st *Styles, w, h int, empty string) string {
	idx, widths := t.layout(w)
	line := func(vals func(i int) string) string {
		var b strings.Builder
		b.WriteByte(' ')
		for j, i := range idx {
			if j > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(Cell(vals(i), widths[j], t.Cols[i].Right))
		}
		return b.String()
	}
	var out []string
	out = append(out, st.Label.Render(line(func(i int) string { return t.Cols[i].Title })))
	out = append(out, " "+strings.Repeat("─", max(lipgloss.Width(line(func(int) string { return "" }))-1, 0)))
	if len(t.Rows) == 0 {
		out = append(out, " "+st.Muted.Render(empty))
		return strings.Join(out, "\n")
	}
	from, to := t.Visible(h)
	for r := from; r < to; r++ {
		row := t.Rows[r]
		l := line(func(i int) string {
			if i < len(row) {
				return row[i]
			}
			return ""
		})
		if r == t.Cursor {
			l = st.Selected.Render(l)
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// listKeys are the moving keys of a table, shared by the panel's lists.
func ListMove(t *PanelTable, k string, page int) bool {
	switch k {
	case "up", "k":
		t.move(-1)
	case "down", "j":
		t.move(1)
	case "pgup":
		t.move(-max(page, 1))
	case "pgdown":
		t.move(max(page, 1))
	case "home":
		t.move(-len(t.Rows))
	case "end":
		t.move(len(t.Rows))
	default:
		return false
	}
	return true
}

// calDate shows a calendar date as the store keeps it (UTC midnight), in
// the language's format, without moving it to another time zone.
func CalDate(l *i18n.Locale, t time.Time) string { return t.UTC().Format(l.DateLayout()) }

// calMonth shows a period as mm/yyyy (es) or yyyy-mm (en).
func CalMonth(l *i18n.Locale, t time.Time) string {
	if l.Lang == i18n.EN {
		return t.UTC().Format("2006-01")
	}
	return t.UTC().Format("01/2006")
}

// parseMonth reads "yyyy-mm" or "mm/yyyy" as the first day of that month.
func ParseMonth(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01", "01/2006", "1/2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q", s)
}

func StatusText(m *i18n.Messages, status string) string {
	c := m.Ops.Common
	switch status {
	case store.TenantActive:
		return c.Active
	case store.TenantMorose:
		return c.Morose
	case store.TenantSuspended:
		return c.Suspended
	case store.TenantArchived:
		return c.Archived
	}
	return sanitize.Line(status)
}

func LimitText(m *i18n.Messages, n *int) string {
	if n == nil {
		return m.Ops.Common.NoLimit
	}
	return strconv.Itoa(*n)
}

func OptTime(l *i18n.Locale, t *time.Time) string {
	if t == nil {
		return l.M.Ops.Common.None
	}
	return l.DateTime(*t)
}

// parseOptInt reads an optional limit: "" is none (nil).
func ParseOptInt(s string) (*int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return nil, fmt.Errorf("bad number")
	}
	return &n, nil
}

// sshLine is what an operator gives a new clinic: the command that reaches
// its user name on this server, from the address the server was started
// with (PanelSession.SSHLine); without one, the host and port are left for
// the operator to fill in.
func (e *Env) SshLine(user string) string {
	if e.SSHLine == nil {
		return sshline.Addr{}.For(user)
	}
	return e.SSHLine(user)
}

// kv renders "Label: value" lines with aligned labels.
func Kv(st *Styles, pairs [][2]string) string {
	wl := 0
	for _, p := range pairs {
		wl = max(wl, lipgloss.Width(p[0]))
	}
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('\n')
		}
		if p[0] == "" && p[1] == "" {
			continue
		}
		b.WriteString(" " + st.Label.Render(Cell(p[0], wl, false)) + "  " + p[1])
	}
	return b.String()
}
