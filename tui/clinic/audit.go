package clinic

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"consultorio/store"
	"consultorio/tui/kit"
	"consultorio/tui/sanitize"
)

// auditPageSize is how many rows one keyset page of the audit log holds.
const auditPageSize = 50

// newAuditScreen is the audit log (admins; the store refuses the others):
// newest first, older pages loaded by keyset (BeforeID) when the cursor
// reaches the end, a filter by user e-mail, entity and action, and a row's
// detail with its JSON pretty-printed.
func NewAuditScreen(env *kit.Env) kit.Screen {
	s := kit.NewStack(env, env.M.Nav.Audit)
	s.SetRoot(&auditList{env: env, stack: s, list: kit.Table{Empty: env.M.ClinicAudit.Empty, Marker: true}, chain: kit.ChainLine{Env: env}})
	return s
}

type auditList struct {
	env     *kit.Env
	stack   *kit.Stack
	list    kit.Table
	entries []store.AuditEntry
	filter  store.AuditFilter
	more    bool // the last page was full: older rows may exist
	loading bool
	gen     int // discards pages of an older filter
	chain   kit.ChainLine
}

type auditLoaded struct {
	gen     int
	appendP bool
	entries []store.AuditEntry
	err     error
}

// load fetches the first page (older == false) or the page after the last
// row shown.
func (l *auditList) load(older bool) tea.Cmd {
	env := l.env
	f := l.filter
	f.Limit = auditPageSize
	if older && len(l.entries) > 0 {
		f.BeforeID = l.entries[len(l.entries)-1].ID
	}
	if !older {
		l.gen++
	}
	gen := l.gen
	l.loading = true
	page := env.Do(func(ctx context.Context) tea.Msg {
		entries, err := env.Tenant.AuditLog(ctx, env.Actor, f)
		return auditLoaded{gen: gen, appendP: older, entries: entries, err: err}
	})
	if older {
		return page
	}
	return tea.Batch(page, l.chain.Verify(func(ctx context.Context) (store.ChainState, error) {
		return env.Tenant.VerifyAuditChain(ctx, env.Actor)
	}))
}

func (l *auditList) Title() string   { return l.env.M.Nav.Audit }
func (l *auditList) Init() tea.Cmd   { return l.load(false) }
func (l *auditList) Capturing() bool { return false }

func (l *auditList) entity(e store.AuditEntry) string {
	s := sanitize.Line(e.Entity)
	if e.EntityID != nil {
		s += " #" + strconv.FormatInt(*e.EntityID, 10)
	}
	return s
}

func (l *auditList) Update(msg tea.Msg) tea.Cmd {
	if l.chain.Update(msg) {
		return nil
	}
	switch msg := msg.(type) {
	case auditLoaded:
		if msg.gen != l.gen {
			return nil
		}
		l.loading = false
		if msg.err != nil {
			l.env.Error(msg.err)
			return nil
		}
		if msg.appendP {
			l.entries = append(l.entries, msg.entries...)
		} else {
			l.entries = msg.entries
			l.list.Top()
		}
		l.more = len(msg.entries) == auditPageSize
		rows := make([][]string, len(l.entries))
		for i, e := range l.entries {
			rows[i] = []string{l.env.L.DateTime(e.CreatedAt), sanitize.Line(e.UserEmail), sanitize.Line(e.Action), l.entity(e)}
		}
		l.list.SetRows(rows)
	case kit.ShownMsg:
		return l.load(false)
	case tea.KeyPressMsg:
		if l.list.Move(msg.String()) {
			if l.list.AtEnd() && l.more && !l.loading {
				return l.load(true)
			}
			return nil
		}
		switch {
		case key.Matches(msg, l.keyOpen()) && l.list.Cursor < len(l.entries):
			return l.stack.Push(&auditDetail{env: l.env, e: l.entries[l.list.Cursor], scroll: kit.NewScroll(l.env.M)})
		case key.Matches(msg, l.keyFilter()):
			return l.stack.Push(l.filterForm())
		case key.Matches(msg, l.keyMore()) && l.more && !l.loading:
			return l.load(true)
		case key.Matches(msg, l.keyReload()):
			return l.load(false)
		}
	}
	return nil
}

func (l *auditList) filterText() string {
	m := l.env.M.ClinicAudit
	var parts []string
	if l.filter.UserEmail != "" {
		parts = append(parts, m.User+"="+sanitize.Line(l.filter.UserEmail))
	}
	if l.filter.Entity != "" {
		parts = append(parts, m.Entity+"="+sanitize.Line(l.filter.Entity))
	}
	if l.filter.Action != "" {
		parts = append(parts, m.Action+"="+sanitize.Line(l.filter.Action))
	}
	if len(parts) == 0 {
		return m.NoFilter
	}
	return strings.Join(parts, ", ")
}

func (l *auditList) View(w, h int) string {
	m, st := l.env.M.ClinicAudit, l.env.Styles()
	l.list.Cols = []kit.Column{{Title: m.ColWhen, Width: 16}, {Title: m.ColUser, Width: 0}, {Title: m.ColAction, Width: 16}, {Title: m.ColEntity, Width: 0}}
	count := fmt.Sprintf(m.Rows, len(l.entries))
	if l.more {
		count += " " + m.MoreBelow
	}
	head := " " + st.Title.Render(l.env.M.Nav.Audit) + "  " + st.Muted.Render(count)
	filter := " " + st.Muted.Render(kit.AdmCut(m.Filter+": "+l.filterText(), max(w-2, 10)))
	chain := " " + l.chain.View(max(w-2, 10))
	return head + "\n" + filter + "\n" + chain + "\n" + l.list.View(st, w, h-3)
}

func (l *auditList) keyOpen() key.Binding   { return kit.Key(l.env.M.Admin.KeyOpen, "enter") }
func (l *auditList) keyFilter() key.Binding { return kit.Key(l.env.M.ClinicAudit.KeyFilter, "f") }
func (l *auditList) keyMore() key.Binding   { return kit.Key(l.env.M.ClinicAudit.KeyMore, "m") }
func (l *auditList) keyReload() key.Binding { return kit.Key(l.env.M.Admin.KeyReload, "r") }

func (l *auditList) Keys() []key.Binding {
	keys := []key.Binding{kit.KeyShown("↑/↓", l.env.M.Admin.KeyMove, "up", "down"), l.keyOpen(), l.keyFilter()}
	if l.more {
		keys = append(keys, l.keyMore())
	}
	return append(keys, l.keyReload())
}

// filterForm edits the filter; empty fields do not filter.
func (l *auditList) filterForm() *kit.FormPage {
	env, m := l.env, l.env.M.ClinicAudit
	f := l.filter
	build := func() *huh.Form {
		return kit.NewForm(env.M, huh.NewGroup(
			huh.NewInput().Title(m.FilterUser).Description(m.FilterHint).Value(&f.UserEmail).CharLimit(200),
			huh.NewInput().Title(m.FilterEntity).Description(m.FilterEntityHint).Value(&f.Entity).CharLimit(50),
			huh.NewInput().Title(m.FilterAction).Description(m.FilterActionHint).Value(&f.Action).CharLimit(50),
		))
	}
	// Nothing to save: the filter applies when the form closes.
	save := func(context.Context) error { return nil }
	after := func() tea.Cmd {
		l.filter = store.AuditFilter{UserEmail: strings.ToLower(strings.TrimSpace(f.UserEmail)),
			Entity: strings.TrimSpace(f.Entity), Action: strings.TrimSpace(f.Action)}
		return l.load(false)
	}
	return &kit.FormPage{Stack: l.stack, Name: m.FilterTitle, Build: build, Save: save, AfterSave: after}
}

// auditDetail is one row with its detail JSON, indented, sanitized and
// scrollable under the row's fields.
type auditDetail struct {
	env    *kit.Env
	e      store.AuditEntry
	scroll kit.Scroll
}

func (d *auditDetail) Title() string   { return fmt.Sprintf(d.env.M.ClinicAudit.RowTitle, d.e.ID) }
func (d *auditDetail) Init() tea.Cmd   { return nil }
func (d *auditDetail) Capturing() bool { return false }

func (d *auditDetail) Update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		d.scroll.Update(k)
	}
	return nil
}

// detailLines is the JSON detail indented (or as stored when it is not
// valid JSON), each line sanitized.
func (d *auditDetail) detailLines() []string {
	if len(d.e.Detail) == 0 || string(d.e.Detail) == "null" {
		return []string{d.env.M.ClinicAudit.NoDetail}
	}
	var buf bytes.Buffer
	text := string(d.e.Detail)
	if err := json.Indent(&buf, d.e.Detail, "", "  "); err == nil {
		text = buf.String()
	}
	lines := strings.Split(sanitize.Text(text), "\n")
	return lines
}

func (d *auditDetail) View(w, h int) string {
	env, m, st := d.env, d.env.M.ClinicAudit, d.env.Styles()
	e := d.e
	uid, eid := "—", "—"
	if e.UserID != nil {
		uid = "#" + strconv.FormatInt(*e.UserID, 10)
	}
	if e.EntityID != nil {
		eid = "#" + strconv.FormatInt(*e.EntityID, 10)
	}
	fields := kit.AdmFields(st, w, []kit.AdmField{
		{Label: m.ColWhen, Value: env.L.DateTime(e.CreatedAt) + e.CreatedAt.In(env.L.Loc).Format(":05")},
		{Label: m.ColUser, Value: sanitize.Line(e.UserEmail) + " (" + uid + ")"},
		{Label: m.ColAction, Value: sanitize.Line(e.Action)},
		{Label: m.ColEntity, Value: sanitize.Line(e.Entity) + " " + eid},
		{Label: m.From, Value: sanitize.Line(e.RemoteAddr)},
	})
	lines := d.detailLines()
	for i, l := range lines {
		lines[i] = "  " + kit.AdmCut(l, max(w-3, 1))
	}
	room := max(h-strings.Count(fields, "\n")-4, 1)
	return "\n" + fields + "\n\n " + st.Subtitle.Render(m.Detail) + "\n" + d.scroll.View(strings.Join(lines, "\n"), w, room)
}

func (d *auditDetail) Keys() []key.Binding { return d.scroll.Keys() }
