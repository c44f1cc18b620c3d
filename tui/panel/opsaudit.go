package panel

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"

	"consultorio/store"
	"consultorio/tui/kit"
	"consultorio/tui/sanitize"
)

// The operator audit log screen: every change to clients, invoices,
// operators and settings, newest first, in pages (keyset on the id), with
// filters; the detail shows before → after as indented JSON.

// opsAuditPage is how many entries one load reads.
const opsAuditPage = 100

func NewOpsAuditScreen(env *kit.Env) kit.Screen {
	s := kit.NewStack(env, env.M.Panel.Audit)
	s.SetRoot(newOpsAuditList(env, s))
	return s
}

type opsAuditList struct {
	env    *kit.Env
	stack  *kit.Stack
	table  kit.Table
	filter store.OperatorAuditFilter
	rows   []store.OperatorAuditEntry
	more   bool // the last page was full: there may be older entries
	gen    int
	h      int
	loaded bool
	chain  kit.ChainLine
}

type opsAuditLoaded struct {
	gen    int
	append bool
	rows   []store.OperatorAuditEntry
	err    error
}

func newOpsAuditList(env *kit.Env, st *kit.Stack) *opsAuditList {
	a := env.M.Ops.Audit
	l := &opsAuditList{env: env, stack: st, chain: kit.ChainLine{Env: env}}
	l.table.Empty, l.table.Vim = l.env.M.Ops.Common.Empty, true
	l.table.Cols = []kit.Column{
		{Title: a.ColID, Width: 6, Right: true},
		{Title: a.ColWhen, Width: 16},
		{Title: a.ColActor, Width: 16, Priority: 2},
		{Title: a.ColAction, Width: 20},
		{Title: a.ColTarget, Width: 0},
	}
	return l
}

func (l *opsAuditList) Title() string { return l.env.M.Panel.Audit }

// load reads the first page (more == false) or the page after the last row.
func (l *opsAuditList) load(more bool) tea.Cmd {
	l.gen++
	gen := l.gen
	f := l.filter
	f.Limit = opsAuditPage
	if more && len(l.rows) > 0 {
		f.BeforeID = l.rows[len(l.rows)-1].ID
	}
	return l.env.Do(func(ctx context.Context) tea.Msg {
		rows, err := l.env.DB.OperatorAuditLog(ctx, f)
		return opsAuditLoaded{gen: gen, append: more, rows: rows, err: err}
	})
}

func (l *opsAuditList) Init() tea.Cmd { return tea.Batch(l.load(false), l.verify()) }

func (l *opsAuditList) verify() tea.Cmd { return l.chain.Verify(l.env.DB.VerifyOperatorAuditChain) }

func (l *opsAuditList) setRows() {
	loc := l.env.L
	cells := make([][]string, len(l.rows))
	for i, e := range l.rows {
		cells[i] = []string{fmt.Sprint(e.ID), loc.DateTime(e.CreatedAt), sanitize.Line(e.Actor),
			sanitize.Line(e.Action), sanitize.Line(e.Target)}
	}
	l.table.SetRows(cells)
}

func (l *opsAuditList) tableHeight() int { return max(l.h-2, 3) }

func (l *opsAuditList) Update(msg tea.Msg) tea.Cmd {
	if l.chain.Update(msg) {
		return nil
	}
	switch msg := msg.(type) {
	case opsAuditLoaded:
		if msg.gen != l.gen {
			return nil
		}
		if msg.err != nil {
			l.env.Error(msg.err)
			return nil
		}
		if msg.append {
			l.rows = append(l.rows, msg.rows...)
			if len(msg.rows) == 0 {
				l.env.Info(l.env.M.Ops.Audit.NoMore)
			}
		} else {
			l.rows = msg.rows
			l.table.Top()
		}
		l.more = len(msg.rows) == opsAuditPage
		l.loaded = true
		l.setRows()
	case tea.WindowSizeMsg:
		l.h = msg.Height
	case tea.KeyPressMsg:
		k := msg.String()
		atEnd := len(l.rows) > 0 && l.table.Cursor == len(l.rows)-1
		if l.table.Move(k) {
			// Moving down past the last row reads the next page.
			if atEnd && l.more && (k == "down" || k == "j" || k == "pgdown") {
				return l.load(true)
			}
			return nil
		}
		switch k {
		case "enter":
			if len(l.rows) > 0 {
				return l.stack.Push(&opsAuditDetail{list: l, e: l.rows[l.table.Cursor], scroll: kit.NewScroll(l.env.M)})
			}
		case "m":
			if l.more {
				return l.load(true)
			}
			l.env.Info(l.env.M.Ops.Audit.NoMore)
		case "f":
			return l.stack.Push(newOpsAuditFilter(l))
		case "r":
			return tea.Batch(l.load(false), l.verify())
		}
	}
	return nil
}

func (l *opsAuditList) View(w, h int) string {
	st, m := l.env.Styles(), l.env.M
	a := m.Ops.Audit
	parts := []string{st.Title.Render(m.Panel.Audit)}
	var filters []string
	if f := l.filter.Actor; f != "" {
		filters = append(filters, sanitize.Line(f))
	}
	if f := l.filter.Action; f != "" {
		filters = append(filters, sanitize.Line(f))
	}
	if f := l.filter.Target; f != "" {
		filters = append(filters, sanitize.Line(f))
	}
	if len(filters) > 0 {
		parts = append(parts, a.Filtered+": "+strings.Join(filters, ", "))
	}
	if l.loaded {
		n := fmt.Sprint(len(l.rows))
		if l.more {
			n += "+"
		}
		parts = append(parts, n)
	}
	if c := l.chain.View(w - lipgloss.Width(strings.Join(parts, " · ")) - 4); c != "" {
		parts = append(parts, c)
	}
	foot := ""
	if len(l.rows) > 0 {
		e := l.rows[l.table.Cursor]
		foot = st.Muted.Render(" " + a.From + ": " + sanitize.Line(e.RemoteAddr) + " · " + sanitize.Line(e.Actor))
	}
	return " " + strings.Join(parts, " · ") + "\n" +
		kit.Fit(l.table.View(st, w, l.tableHeight()), w, l.tableHeight()) + "\n" + foot
}

func (l *opsAuditList) Keys() []key.Binding {
	a, c := l.env.M.Ops.Audit, l.env.M.Ops.Common
	keys := []key.Binding{kit.Key(c.KeyOpen, "enter"), kit.Key(a.KeyFilter, "f")}
	if l.more {
		keys = append(keys, kit.Key(c.KeyMore, "m"))
	}
	return append(keys, kit.KeyShown("↑↓", c.KeyUpDown, "up", "down"), kit.Key(c.KeyReload, "r"))
}

func (l *opsAuditList) Capturing() bool { return false }

func newOpsAuditFilter(l *opsAuditList) *kit.FormPage {
	env := l.env
	a := env.M.Ops.Audit
	actor, action, target := l.filter.Actor, l.filter.Action, l.filter.Target
	return &kit.FormPage{
		Stack: l.stack, Name: a.Filters,
		Build: func() *huh.Form {
			return kit.NewForm(env.M, huh.NewGroup(
				huh.NewInput().Title(a.Actor).Value(&actor),
				huh.NewInput().Title(a.Action).Description(a.ActionHint).Value(&action),
				huh.NewInput().Title(a.Target).Value(&target),
			))
		},
		Save: func(context.Context) error { return nil },
		AfterSave: func() tea.Cmd {
			l.filter = store.OperatorAuditFilter{Actor: strings.TrimSpace(actor),
				Action: strings.TrimSpace(action), Target: strings.TrimSpace(target)}
			return l.load(false)
		},
	}
}

// opsAuditDetail shows one entry; the JSON scrolls with ↑↓.
type opsAuditDetail struct {
	list   *opsAuditList
	e      store.OperatorAuditEntry
	scroll kit.Scroll // before and after can be longer than the window
}

func (d *opsAuditDetail) Title() string { return fmt.Sprintf("#%d", d.e.ID) }
func (d *opsAuditDetail) Init() tea.Cmd { return nil }

// prettyJSON indents a stored JSON value for reading; the result goes
// through sanitize like any stored text.
func prettyJSON(raw json.RawMessage, nothing string) []string {
	if len(raw) == 0 || string(raw) == "null" {
		return []string{nothing}
	}
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return strings.Split(sanitize.Text(string(raw)), "\n")
	}
	return strings.Split(sanitize.Text(b.String()), "\n")
}

// changes lists the top-level fields that differ between two JSON objects,
// as `field: before → after` (compact JSON, sanitized); nothing when either
// side is not an object.
func changes(before, after json.RawMessage) []string {
	var b, a map[string]json.RawMessage
	if json.Unmarshal(before, &b) != nil || json.Unmarshal(after, &a) != nil || b == nil || a == nil {
		return nil
	}
	keys := make([]string, 0, len(a))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	compact := func(r json.RawMessage) string {
		if r == nil {
			return "—"
		}
		var buf bytes.Buffer
		if json.Compact(&buf, r) != nil {
			return sanitize.Line(string(r))
		}
		return sanitize.Line(buf.String())
	}
	var out []string
	for _, k := range keys {
		if x, y := compact(b[k]), compact(a[k]); x != y {
			out = append(out, sanitize.Line(k)+": "+x+" → "+y)
		}
	}
	return out
}

func (d *opsAuditDetail) lines() []string {
	env := d.list.env
	st, a := env.Styles(), env.M.Ops.Audit
	e := d.e
	who := sanitize.Line(e.Actor)
	if e.OperatorID != nil {
		who += fmt.Sprintf(" (#%d)", *e.OperatorID)
	}
	out := strings.Split(kit.Kv(st, [][2]string{
		{a.ColWhen, env.L.DateTime(e.CreatedAt)},
		{a.ColActor, who},
		{a.From, sanitize.Line(e.RemoteAddr)},
		{a.ColAction, sanitize.Line(e.Action)},
		{a.ColTarget, sanitize.Line(e.Target)},
	}), "\n")
	if ch := changes(e.Before, e.After); len(ch) > 0 {
		out = append(out, "", " "+st.Subtitle.Render(a.Changes))
		for _, c := range ch {
			out = append(out, "   "+c)
		}
	}
	out = append(out, "", " "+st.Subtitle.Render(a.Before+" →"))
	for _, l := range prettyJSON(e.Before, a.Nothing) {
		out = append(out, "   "+l)
	}
	out = append(out, "", " "+st.Subtitle.Render("→ "+a.After))
	for _, l := range prettyJSON(e.After, a.Nothing) {
		out = append(out, "   "+l)
	}
	return out
}

func (d *opsAuditDetail) Update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		d.scroll.Update(k)
	}
	return nil
}

func (d *opsAuditDetail) View(w, h int) string {
	lines := d.lines()
	for i, l := range lines {
		lines[i] = kit.AdmCut(l, w)
	}
	return d.scroll.View(strings.Join(lines, "\n"), w, h)
}

func (d *opsAuditDetail) Keys() []key.Binding { return d.scroll.Keys() }
func (d *opsAuditDetail) Capturing() bool     { return false }
