package kit

import (
	"cmp"
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

// Column is a column of a Table. Width 0 means flexible: the flexible
// columns share what the others leave. Priority: when the columns do not
// fit, the highest numbers are left out first (0: never). Min, for a
// flexible column, is the narrowest it may get before a column with a
// Priority is left out (0: flexMin): a list whose names matter more than
// an extra column keeps that column only on a wide terminal.
type Column struct {
	Title    string
	Width    int
	Right    bool
	Priority int
	Min      int
}

// flexMin is the narrowest a flexible column may get before columns with a
// Priority are left out; flexFloor the narrowest it ever gets.
const (
	flexMin   = 16
	flexFloor = 6
)

// Table is the one list of the app (clinic screens, administration lists,
// the operator panel, documents on screen): a bold header over a rule, rows
// of already sanitized cells cut with "…" to their column, the selected row
// in reverse video (and in ASCII mode, for a line that has no reverse video
// either, with "›" in its margin), scrolled to keep it in view, and Empty
// when there are no rows.
type Table struct {
	Cols []Column
	Rows [][]string
	// Cursor is the selected row; -1: none, a list only to read, which the
	// moving keys scroll instead.
	Cursor int
	Offset int // the first row shown
	Empty  string
	// Marker puts "› " before the selected row (two spaces before the
	// others): the administration lists, which have no rule either.
	Marker bool
	// Vim also moves with j and k (where those letters are no screen's
	// key).
	Vim bool
	// Jump also goes to the first row with g and to the last with G (where
	// those letters are no screen's key).
	Jump bool

	page int // rows shown by the last View: pgup/pgdown move that much
}

// SetRows replaces the rows, keeping the cursor on a row.
func (t *Table) SetRows(rows [][]string) {
	t.Rows = rows
	if t.Cursor >= 0 {
		t.Cursor = min(t.Cursor, max(len(rows)-1, 0))
	}
}

// Top selects the first row and scrolls back to it: what another search,
// page or tab shows starts at its top.
func (t *Table) Top() { t.Cursor, t.Offset = 0, 0 }

// Move handles the moving keys; it reports whether k was one of them.
func (t *Table) Move(k string) bool {
	page := t.page
	if page <= 0 {
		page = 10
	}
	switch {
	case t.Vim && k == "k":
		k = "up"
	case t.Vim && k == "j":
		k = "down"
	case t.Jump && k == "g":
		k = "home"
	case t.Jump && k == "G":
		k = "end"
	}
	// A list only to read moves its window, a list to choose from its
	// cursor (Visible then brings the window along).
	pos, last := &t.Cursor, len(t.Rows)-1
	if t.Cursor < 0 {
		pos, last = &t.Offset, len(t.Rows)-page
	}
	switch k {
	case "up":
		*pos--
	case "down":
		*pos++
	case "pgup":
		*pos -= page
	case "pgdown":
		*pos += page
	case "home":
		*pos = 0
	case "end":
		*pos = last
	default:
		return false
	}
	*pos = max(min(*pos, last), 0)
	return true
}

// AtEnd tells whether the cursor is on the last row.
func (t *Table) AtEnd() bool { return len(t.Rows) > 0 && t.Cursor == len(t.Rows)-1 }

// headLines is how many lines the header takes.
func (t *Table) headLines() int {
	if t.Marker {
		return 1
	}
	return 2
}

// Visible returns the range of rows shown in h lines (header included),
// adjusting the scroll offset to keep the cursor in view.
func (t *Table) Visible(h int) (from, to int) {
	n := max(h-t.headLines(), 1)
	if t.Cursor >= 0 {
		if t.Cursor < t.Offset {
			t.Offset = t.Cursor
		}
		if t.Cursor >= t.Offset+n {
			t.Offset = t.Cursor - n + 1
		}
	}
	t.Offset = max(min(t.Offset, len(t.Rows)-n), 0)
	t.page = n
	return t.Offset, min(t.Offset+n, len(t.Rows))
}

// margin is the cells before the first column.
func (t *Table) margin() int {
	if t.Marker {
		return 2
	}
	return 1
}

// layout picks the columns that fit in w and their widths.
func (t *Table) layout(w int) ([]int, []int) {
	idx := make([]int, 0, len(t.Cols))
	for i := range t.Cols {
		idx = append(idx, i)
	}
	total := func(ix []int) int {
		n := t.margin()
		for _, i := range ix {
			c := t.Cols[i]
			if c.Width == 0 {
				n += cmp.Or(c.Min, flexMin) // a flexible column's minimum
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
	spare := w - t.margin()
	flex := 0
	for j, i := range idx {
		widths[j] = t.Cols[i].Width
		spare -= widths[j] + 1
		if widths[j] == 0 {
			flex++
		}
	}
	for j := range widths {
		if widths[j] == 0 {
			widths[j] = max(spare/flex, flexFloor)
		}
	}
	return idx, widths
}

// Cell is s cut or padded to w cells, aligned left or right.
func Cell(s string, w int, right bool) string {
	s = ansi.Truncate(s, w, "…")
	pad := strings.Repeat(" ", max(w-lipgloss.Width(s), 0))
	if right {
		return pad + s
	}
	return s + pad
}

// Lines is View as lines.
func (t *Table) Lines(st *Styles, w, h int) []string { return strings.Split(t.View(st, w, h), "\n") }

// View draws the header and the rows that fit in w×h.
func (t *Table) View(st *Styles, w, h int) string {
	idx, widths := t.layout(w)
	line := func(vals func(i int) string) string {
		var b strings.Builder
		for j, i := range idx {
			if j > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(Cell(vals(i), widths[j], t.Cols[i].Right))
		}
		return b.String()
	}
	pad := strings.Repeat(" ", t.margin())
	out := []string{st.Label.Render(ansi.Truncate(pad+line(func(i int) string { return t.Cols[i].Title }), w, "…"))}
	if !t.Marker {
		// ASCII mode folds the rule like every other line drawing.
		out = append(out, " "+strings.Repeat("─", max(min(lipgloss.Width(pad+line(func(int) string { return "" })), w)-1, 0)))
	}
	if len(t.Rows) == 0 {
		if t.Empty != "" {
			out = append(out, pad+st.Muted.Render(ansi.Truncate(t.Empty, max(w-len(pad), 0), "…")))
		}
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
		switch {
		case r == t.Cursor && t.Marker:
			l = st.Selected.Render(Cell("› "+l, w, false))
		case r == t.Cursor && st.ASCII:
			l = st.Selected.Render(ansi.Truncate("›"+pad[1:]+l, w, "…"))
		case r == t.Cursor:
			l = st.Selected.Render(ansi.Truncate(pad+l, w, "…"))
		default:
			l = ansi.Truncate(pad+l, w, "…")
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
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
