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
	cursor  int
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
	return &patientPicker{env: env, stack: st, title: title, pick: pick, input: in}
}

func (p *patientPicker) Title() string   { return p.title }
func (p *patientPicker) Capturing() bool { return true }

func (p *patientPicker) Init() tea.Cmd {
	p.input.SetStyles(textinput.DefaultStyles(p.env.Styles().Dark))
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
	return []key.Binding{kit.Key(a.KeyChoose, "enter"), kit.KeyShown("↑↓", p.env.M.Admin.KeyMove, "up", "down"),
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
		p.cursor = max(min(p.cursor, len(p.results)-1), 0)
		return nil
	case tea.WindowSizeMsg:
		p.input.SetWidth(max(min(msg.Width-6, 60), 10))
		return nil
	case tea.KeyPressMsg:
		switch msg.String() {
		case "esc":
			return p.stack.Pop() // the page captures keys: the stack leaves esc to it
		case "up":
			p.cursor = max(p.cursor-1, 0)
			return nil
		case "down":
			p.cursor = max(min(p.cursor+1, len(p.results)-1), 0)
			return nil
		case "enter":
			if p.cursor < len(p.results) {
				return p.pick(p.results[p.cursor])
			}
			return nil
		}
	}
	before := p.input.Value()
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	if p.input.Value() != before {
		p.cursor = 0
		return tea.Batch(cmd, p.search())
	}
	return cmd
}

func (p *patientPicker) View(w, h int) string {
	st, m := p.env.Styles(), p.env.M
	lines := []string{" " + st.Label.Render(m.Agenda.SearchPatient), " " + p.input.View(), ""}
	if len(p.results) == 0 {
		lines = append(lines, " "+st.Muted.Render(m.Agenda.NoPatients))
	}
	// name, then phone and document: the two things a caller gives
	name := max(min(w-32, 34), 12)
	vis := max(h-len(lines), 1)
	off := max(p.cursor-vis+1, 0)
	for i := off; i < min(off+vis, len(p.results)); i++ {
		pt := p.results[i]
		row := kit.Cell(sanitize.Line(pt.Surname+", "+pt.FirstName), name, false) + " " +
			kit.Cell(sanitize.Line(pt.Phone), 14, false) + " " + kit.Cell(sanitize.Line(pt.Document), 12, false)
		if i == p.cursor { // marked, not only reversed: readable without colour
			lines = append(lines, st.Selected.Render("› "+row))
			continue
		}
		lines = append(lines, "  "+row)
	}
	return strings.Join(lines, "\n")
}
