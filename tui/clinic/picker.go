package clinic

import (
	"context"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"consultorio/store"
	"consultorio/tui/kit"
	"consultorio/tui/sanitize"
)

// patientPicker is a page that finds a patient the way the desk asks for
// one — part of a name, surname, document, phone or e-mail, through the
// store's patient search (ListPatients) — and hands the chosen one to pick.
// It replaces typing a patient's number, which nobody at a desk knows.
type patientPicker struct {
	env     *kit.Env
	stack   *kit.Stack
	title   string
	pick    func(store.Patient) tea.Cmd
	input   textinput.Model
	results []store.Patient
	table   kit.Table // the results; the typed text keeps j, k, g, home and end
	seq     int
}

type pickerResults struct {
	picker *patientPicker
	seq    int
	list   []store.Patient
	err    error
}

func newPatientPicker(env *kit.Env, st *kit.Stack, title string, pick func(store.Patient) tea.Cmd) *patientPicker {
	in := textinput.New()
	in.Placeholder = env.M.Agenda.SearchHint
	in.Prompt = "> "
	return &patientPicker{env: env, stack: st, title: title, pick: pick, input: in,
		table: kit.Table{Marker: true, Empty: env.M.Agenda.NoPatients}}
}

func (p *patientPicker) Title() string   { return p.title }
func (p *patientPicker) Capturing() bool { return true }

func (p *patientPicker) Init() tea.Cmd {
	st := textinput.DefaultStyles(p.env.Styles().Dark)
	// A steady cursor, like the forms' (third_party/PATCHES.md): blinking
	// redraws the search line twice a second while the picker is open.
	st.Cursor.Blink = false
	p.input.SetStyles(st)
	return tea.Batch(p.input.Focus(), p.search())
}

func (p *patientPicker) search() tea.Cmd {
	p.seq++
	seq, q, env := p.seq, p.input.Value(), p.env
	return env.Do(func(ctx context.Context) tea.Msg {
		page, err := env.Tenant.ListPatients(ctx, env.Actor, store.PatientQuery{Search: q})
		return pickerResults{picker: p, seq: seq, list: page.Patients, err: err}
	})
}

func (p *patientPicker) Keys() []key.Binding {
	a := p.env.M.Agenda
	return []key.Binding{kit.Key(a.KeyChoose, "enter"), kit.KeyShown("↑↓", p.env.M.Admin.KeyMove, "up", "down", "pgup", "pgdown"),
		kit.Key(p.env.M.Form.Cancel, "esc")}
}

func (p *patientPicker) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case pickerResults:
		if msg.picker != p || msg.seq != p.seq { // an older search, or another picker's
			return nil
		}
		if msg.err != nil {
			p.env.Error(msg.err)
			return nil
		}
		p.results = msg.list
		rows := make([][]string, len(msg.list))
		for i, pt := range msg.list {
			rows[i] = []string{sanitize.Line(pt.Surname + ", " + pt.FirstName), sanitize.Line(pt.Phone), sanitize.Line(pt.Document)}
		}
		p.table.SetRows(rows)
		return nil
	case tea.WindowSizeMsg:
		p.input.SetWidth(max(min(msg.Width-6, 60), 10))
		return nil
	case tea.KeyPressMsg:
		switch msg.String() {
		case "esc":
			return p.stack.Pop() // the page captures keys: the stack leaves esc to it
		case "up", "down", "pgup", "pgdown": // the others are the box's: home, end, j, k
			p.table.Move(msg.String())
			return nil
		case "enter":
			if c := p.table.Cursor; c < len(p.results) {
				return p.pick(p.results[c])
			}
			return nil
		}
	}
	before := p.input.Value()
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	if p.input.Value() != before {
		p.table.Top()
		return tea.Batch(cmd, p.search())
	}
	return cmd
}

func (p *patientPicker) View(w, h int) string {
	st, m := p.env.Styles(), p.env.M
	lines := []string{" " + st.Label.Render(m.Agenda.SearchPatient), " " + p.input.View(), ""}
	// name, then phone and document: the two things a caller gives
	p.table.Cols = []kit.Column{{Title: m.Sessions.ColPatient, Min: 12}, {Title: m.Patients.ColPhone, Width: 14},
		{Title: m.Specialists.ColDocument, Width: 12}}
	return strings.Join(lines, "\n") + "\n" + p.table.View(st, w, max(h-len(lines), 2))
}
