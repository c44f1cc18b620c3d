package clinic

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"consultorio/store"
	"consultorio/tui/kit"
	"consultorio/tui/sanitize"
)

// searchDebounce is how long the list waits after the last key of a search
// before asking the store: typing "quis" quickly sends one query, not four.
// 60 ms keeps "last key → results on screen" under 100 ms (BENCHMARKS.md).
const searchDebounce = 60 * time.Millisecond

// wideColumns is the width from which the names get wider (e-mail and
// registration date join as they fit: see columns).
const wideColumns = 110

// newPatientsScreen is the Pacientes screen: the list at the root of a
// Stack, the patient file over it, forms and confirmations over that.
func NewPatientsScreen(env *kit.Env) kit.Screen {
	s := kit.NewStack(env, env.M.Nav.Patients)
	s.SetRoot(newPatientList(env, s))
	return s
}

// OpenPatientMsg asks the patients screen to open one patient's file (from
// the agenda, a notification...). OpenPatient sends it the right way.
type OpenPatientMsg struct{ ID int64 }

// OpenPatient switches to the patients screen and opens the file of the
// patient id (the store decides what the user may see of it).
func OpenPatient(env *kit.Env, id int64) tea.Cmd {
	return tea.Sequence(env.Open(kit.ScreenPatients), func() tea.Msg { return OpenPatientMsg{ID: id} })
}

// patientList is the searchable, keyset-paged list of patients.
type PatientList struct {
	env   *kit.Env
	stack *kit.Stack
	keys  patientListKeys

	Search    string
	searching bool // the search box has the focus
	SearchSeq int  // bumps on every edit; only the last edit's tick searches
	sortNew   bool // newest first instead of by surname
	archived  bool // archived patients only

	// cursors[i] is the After cursor of page i (nil for the first page);
	// the current page is the last. Going back pops.
	cursors []*store.PatientCursor
	Rows    []store.Patient
	next    *store.PatientCursor
	table   kit.Table // the page: a page fits the body, so it never scrolls
	loaded  bool

	Seq   int // bumps on every query; older answers are dropped
	limit int // rows that fit the body
	w, h  int
}

type patientListKeys struct {
	Search, Done, Move, Open, New, Edit, Archive, Sort, Archived, NextPage, PrevPage key.Binding
}

// patientsLoaded is the answer to one list query.
type PatientsLoaded struct {
	Seq  int
	Page store.PatientPage
	err  error
}

// searchTick fires searchDebounce after an edit of the search box.
type SearchTick struct{ Seq int }

func newPatientList(env *kit.Env, s *kit.Stack) *PatientList {
	m := env.M.Patients
	k := kit.Key
	l := &PatientList{env: env, stack: s, cursors: []*store.PatientCursor{nil}, table: kit.Table{Vim: true}}
	l.keys = patientListKeys{
		Search:   k(m.KeySearch, "/"),
		Done:     kit.KeyShown("enter", m.KeyDoneSearch, "enter", "esc", "down"),
		Move:     kit.KeyShown("↑↓", m.KeyMove, "up", "down", "k", "j", "home", "end"),
		Open:     k(m.KeyOpen, "enter"),
		New:      k(m.KeyNew, "n"),
		Edit:     k(m.KeyEdit, "e"),
		Archive:  k(m.KeyArchive, "a"),
		Sort:     k(m.KeySort, "s"),
		Archived: k(m.KeyArchived, "v"),
		NextPage: kit.KeyShown("]", m.KeyNextPage, "pgdown", "]"),
		PrevPage: kit.KeyShown("[", m.KeyPrevPage, "pgup", "["),
	}
	w, h := env.BodySize()
	l.w, l.h = w, h
	l.limit = listRows(h)
	return l
}

// listRows: the body minus the search line, the table's header and rule,
// and the footer.
func listRows(h int) int { return max(h-4, 1) }

func (l *PatientList) mayWrite() bool { return l.env.Actor.MayWritePatients() }

func (l *PatientList) Title() string { return l.env.M.Nav.Patients }

func (l *PatientList) Init() tea.Cmd { return l.load() }

// query is what the list shows now.
func (l *PatientList) query() store.PatientQuery {
	q := store.PatientQuery{Search: l.Search, After: l.cursors[len(l.cursors)-1], Limit: l.limit,
		Sort: store.PatientSortName, OnlyArchived: l.archived}
	if l.sortNew {
		q.Sort = store.PatientSortCreated
	}
	return q
}

// load asks for the current page; only the answer to the latest load is
// shown.
func (l *PatientList) load() tea.Cmd {
	l.Seq++
	seq, q, tn, actor := l.Seq, l.query(), l.env.Tenant, l.env.Actor
	return l.env.Do(func(ctx context.Context) tea.Msg {
		page, err := tn.ListPatients(ctx, actor, q)
		return PatientsLoaded{Seq: seq, Page: page, err: err}
	})
}

// restart goes back to the first page and loads it.
func (l *PatientList) restart() tea.Cmd {
	l.cursors = []*store.PatientCursor{nil}
	l.table.Top()
	return l.load()
}

func (l *PatientList) selected() (store.Patient, bool) {
	if c := l.table.Cursor; c >= 0 && c < len(l.Rows) {
		return l.Rows[c], true
	}
	return store.Patient{}, false
}

func (l *PatientList) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case PatientsLoaded:
		if msg.Seq != l.Seq {
			return nil // a newer query is on its way
		}
		if msg.err != nil {
			l.env.Error(msg.err)
			return nil
		}
		l.loaded = true
		l.Rows, l.next = msg.Page.Patients, msg.Page.Next
		l.table.SetRows(l.rows())
		return nil
	case OpenPatientMsg:
		// Only the list (the root) opens it, whatever is on top.
		if l.stack.Depth() > 0 && l.stack.Pages[0] == kit.Page(l) {
			return l.stack.Push(newPatientFile(l, store.Patient{ID: msg.ID}))
		}
		return nil
	case patientFormReady:
		if msg.list == l {
			return l.formReady(msg)
		}
		return nil
	case SearchTick:
		if msg.Seq != l.SearchSeq {
			return nil // more was typed since
		}
		return l.restart()
	case tea.WindowSizeMsg:
		l.w, l.h = msg.Width, msg.Height
		if n := listRows(msg.Height); n != l.limit {
			l.limit = n
			return l.restart()
		}
		return nil
	case kit.ShownMsg:
		return l.load()
	case tea.PasteMsg:
		if l.searching {
			return l.edit(l.Search + strings.ReplaceAll(msg.Content, "\n", " "))
		}
		return nil
	case tea.KeyPressMsg:
		if l.searching {
			return l.searchKey(msg)
		}
		return l.key(msg)
	}
	return nil
}

// edit changes the search text and schedules the search.
func (l *PatientList) edit(s string) tea.Cmd {
	if s == l.Search {
		return nil
	}
	l.Search = s
	l.SearchSeq++
	seq := l.SearchSeq
	return tea.Tick(searchDebounce, func(time.Time) tea.Msg { return SearchTick{Seq: seq} })
}

func (l *PatientList) searchKey(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "enter", "esc", "down":
		l.searching = false
		return nil
	case "backspace":
		r := []rune(l.Search)
		if len(r) == 0 {
			return nil
		}
		return l.edit(string(r[:len(r)-1]))
	case "ctrl+u":
		return l.edit("")
	}
	if msg.Text != "" && msg.Mod&(tea.ModCtrl|tea.ModAlt) == 0 {
		return l.edit(l.Search + msg.Text)
	}
	return nil
}

func (l *PatientList) key(msg tea.KeyPressMsg) tea.Cmd {
	k := l.keys
	switch {
	case key.Matches(msg, k.Search):
		l.searching = true
		return nil
	case key.Matches(msg, k.NextPage): // before the table's moves: pgdown is the server's next page
		if l.next != nil {
			l.cursors = append(l.cursors, l.next)
			l.table.Top()
			return l.load()
		}
	case key.Matches(msg, k.PrevPage):
		if len(l.cursors) > 1 {
			l.cursors = l.cursors[:len(l.cursors)-1]
			l.table.Top()
			return l.load()
		}
	case key.Matches(msg, k.Move):
		l.table.Move(msg.String())
	case key.Matches(msg, k.Sort):
		l.sortNew = !l.sortNew
		return l.restart()
	case key.Matches(msg, k.Archived):
		l.archived = !l.archived
		return l.restart()
	case key.Matches(msg, k.Open):
		if p, ok := l.selected(); ok {
			return l.stack.Push(newPatientFile(l, p))
		}
	case key.Matches(msg, k.New):
		if l.mayWrite() {
			return openPatientForm(l, nil, nil)
		}
	case key.Matches(msg, k.Edit):
		if p, ok := l.selected(); ok {
			return openPatientForm(l, nil, &p)
		}
	case key.Matches(msg, k.Archive):
		if p, ok := l.selected(); ok && l.mayWrite() {
			return l.stack.Push(archivePage(l, p, nil))
		}
	}
	return nil
}

func (l *PatientList) Keys() []key.Binding {
	k := l.keys
	if l.searching {
		return []key.Binding{k.Done}
	}
	keys := []key.Binding{k.Search, k.Open, k.Move}
	if l.mayWrite() {
		keys = append(keys, k.New)
	}
	keys = append(keys, k.Edit) // a specialist edits the clinical part of their own
	if l.mayWrite() {
		keys = append(keys, k.Archive)
	}
	return append(keys, k.NextPage, k.PrevPage, k.Sort, k.Archived)
}

func (l *PatientList) Capturing() bool { return l.searching }

// statusText names a patient's status; archived wins.
func patientStatusText(env *kit.Env, p store.Patient) string {
	m := env.M.Patients
	if p.ArchivedAt != nil {
		return m.Archived
	}
	switch p.Status {
	case store.PatientActive:
		return m.StatusActive
	case store.PatientDischarged:
		return m.StatusDischarged
	case store.PatientSuspended:
		return m.StatusSuspended
	}
	return sanitize.Line(p.Status)
}

// columns are the list's columns at width w. E-mail and registration date
// show only while the therapist keeps 10 cells (the registration date
// goes first); from wideColumns the names get wider too.
func (l *PatientList) columns(w int) []kit.Column {
	m := l.env.M.Patients
	name, surname := 14, 18
	if w >= wideColumns {
		name, surname = 16, 22
	}
	return []kit.Column{{Title: m.ColName, Width: name}, {Title: m.ColSurname, Width: surname},
		{Title: m.ColAge, Width: 4, Right: true}, {Title: m.ColPhone, Width: 12}, {Title: m.ColStatus, Width: 10},
		{Title: m.ColEmail, Width: 26, Priority: 1}, {Title: m.ColRegistered, Width: 10, Priority: 2},
		{Title: m.ColTherapist, Min: 10}}
}

// rows are the page's cells, one for each of the columns.
func (l *PatientList) rows() [][]string {
	rows := make([][]string, len(l.Rows))
	for i, p := range l.Rows {
		age := ""
		if !p.BirthDate.IsZero() {
			age = fmt.Sprint(p.Age)
		}
		rows[i] = []string{sanitize.Line(p.FirstName), sanitize.Line(p.Surname), age, sanitize.Line(p.Phone),
			patientStatusText(l.env, p), sanitize.Line(p.Email), l.env.L.Date(p.CreatedAt), sanitize.Line(p.TherapistName)}
	}
	return rows
}

func (l *PatientList) View(w, h int) string {
	st := l.env.Styles()
	m := l.env.M.Patients
	var b strings.Builder

	// Search line: the box on the left, sort and filter on the right.
	box := sanitize.Line(l.Search)
	if l.searching {
		box += "▏"
	} else if box == "" {
		box = st.Muted.Render(m.SearchHint)
	}
	right := m.SortName
	if l.sortNew {
		right = m.SortNewest
	}
	filter := m.ShowActive
	if l.archived {
		filter = m.ShowArchived
	}
	right += " · " + filter + " "
	left := " " + st.Label.Render(m.Search) + " " + box
	left = ansi.Truncate(left, max(w-ansi.StringWidth(right)-1, 0), "…")
	gap := max(w-ansi.StringWidth(left)-ansi.StringWidth(right), 1)
	b.WriteString(left + strings.Repeat(" ", gap) + st.Muted.Render(right) + "\n")

	l.table.Cols, l.table.Empty = l.columns(w), ""
	if l.loaded {
		l.table.Empty = m.Empty
		if l.Search != "" {
			l.table.Empty = fmt.Sprintf(m.NoMatches, sanitize.Line(l.Search))
		}
	}
	tb := l.table
	if l.searching {
		tb.Cursor = -1 // the keys go to the search box: no row is selected
	}
	b.WriteString(kit.Fit(tb.View(st, w, h-2), w, h-2) + "\n")
	if l.loaded {
		foot := fmt.Sprintf(m.Page, len(l.cursors), len(l.Rows))
		if l.next != nil {
			foot += " · " + m.MorePages + " ]"
		}
		b.WriteString(" " + st.Muted.Render(foot))
	}
	return b.String()
}
