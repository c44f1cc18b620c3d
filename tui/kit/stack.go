package kit

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"

	"consultorio/tui/sanitize"
)

// Page is one level of a screen built as a Stack: a list, a record's detail,
// a form, a confirmation. It is a Screen with a title for the breadcrumb.
type Page interface {
	Screen
	// Title names the page in the breadcrumb ("García Pérez, Ana",
	// "Editar"). Sanitize stored text in it.
	Title() string
}

// Stack is the one pattern every clinic screen follows: list → detail →
// form → confirm. The root page (usually a list) is pushed over by a detail
// page, which pushes a FormPage or a ConfirmPage; esc (or finishing a form)
// goes back one level. A Stack is itself a Screen: give it to ScreenDef.New.
//
//	New: func(env *tui.Env) tui.Screen {
//		s := tui.NewStack(env, env.M.Nav.Patients)
//		s.SetRoot(newPatientList(env, s))
//		return s
//	}
//
// Messages: key presses go to the top page only; every other message (the
// results of Env.Do, sizes, live updates) goes to every page, bottom first,
// so a list still receives what it asked for while a detail is open. Each
// page gets tea.WindowSizeMsg with its own area (below the breadcrumb).
type Stack struct {
	Env   *Env
	title string
	Pages []Page
	w, h  int
	back  key.Binding
}

// NewStack makes an empty stack; title is the screen's name, the first
// crumb. Call SetRoot before the shell opens it.
func NewStack(env *Env, title string) *Stack {
	return &Stack{Env: env, title: title,
		back: Key(env.M.Shell.KeyBack, "esc")}
}

// SetRoot sets the bottom page (its Init runs with the stack's).
func (s *Stack) SetRoot(p Page) { s.Pages = []Page{p} }

// Depth is the number of pages.
func (s *Stack) Depth() int { return len(s.Pages) }

// Top is the page on top.
func (s *Stack) Top() Page {
	if len(s.Pages) == 0 {
		return nil
	}
	return s.Pages[len(s.Pages)-1]
}

// Push opens p over the current page.
func (s *Stack) Push(p Page) tea.Cmd {
	s.Pages = append(s.Pages, p)
	w, h := s.pageSize(len(s.Pages) - 1)
	return tea.Batch(p.Init(), p.Update(tea.WindowSizeMsg{Width: w, Height: h}))
}

// Pop closes the top page (never the root) and tells the page below that it
// is shown again (ShownMsg).
func (s *Stack) Pop() tea.Cmd {
	if len(s.Pages) <= 1 {
		return nil
	}
	s.Pages = s.Pages[:len(s.Pages)-1]
	return s.Top().Update(ShownMsg{})
}

// pageSize: pages above the root lose one line to the breadcrumb.
func (s *Stack) pageSize(i int) (int, int) {
	if i == 0 {
		return s.w, s.h
	}
	return s.w, max(s.h-1, 0)
}

func (s *Stack) Init() tea.Cmd {
	if top := s.Top(); top != nil {
		return top.Init()
	}
	return nil
}

func (s *Stack) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyPressMsg, tea.PasteMsg:
		top := s.Top()
		if top == nil {
			return nil
		}
		if k, ok := msg.(tea.KeyPressMsg); ok && len(s.Pages) > 1 && !top.Capturing() && key.Matches(k, s.back) {
			return s.Pop()
		}
		return top.Update(msg)
	case ShownMsg:
		if top := s.Top(); top != nil {
			return top.Update(msg)
		}
		return nil
	case tea.WindowSizeMsg:
		s.w, s.h = msg.Width, msg.Height
		var cmds []tea.Cmd
		for i, p := range s.Pages {
			w, h := s.pageSize(i)
			cmds = append(cmds, p.Update(tea.WindowSizeMsg{Width: w, Height: h}))
		}
		return tea.Batch(cmds...)
	}
	var cmds []tea.Cmd
	for _, p := range append([]Page(nil), s.Pages...) {
		cmds = append(cmds, p.Update(msg))
	}
	return tea.Batch(cmds...)
}

func (s *Stack) View(w, h int) string {
	top := s.Top()
	if top == nil {
		return ""
	}
	if len(s.Pages) == 1 {
		return top.View(w, h)
	}
	st := s.Env.Styles()
	crumbs := []string{s.title}
	for _, p := range s.Pages[1:] {
		// A page named like the one under it (the edit form of the
		// record whose detail is open) adds no segment (issue 13).
		if t := p.Title(); t != crumbs[len(crumbs)-1] {
			crumbs = append(crumbs, t)
		}
	}
	crumb := " " + st.Subtitle.Render(strings.Join(crumbs, " › "))
	return crumb + "\n" + Fit(top.View(w, h-1), w, h-1)
}

func (s *Stack) Keys() []key.Binding {
	top := s.Top()
	if top == nil {
		return nil
	}
	keys := top.Keys()
	if len(s.Pages) > 1 && !top.Capturing() {
		keys = append(keys, s.back)
	}
	return keys
}

func (s *Stack) Capturing() bool {
	top := s.Top()
	return top != nil && top.Capturing()
}

// FormPage is a page showing a form (made with NewForm, bound to the
// caller's variables). On submit it runs Save with Env.Do (spinner on); a
// failure keeps the page, rebuilds the form from the same variables (nothing
// typed is lost) and shows the error under it; success closes the page,
// shows Done in the status line and runs AfterSave (e.g. reload the list).
// esc cancels (closes the page).
type FormPage struct {
	Stack *Stack
	Name  string           // breadcrumb title
	Build func() *huh.Form // called at start and after a failed save
	Save  func(ctx context.Context) error
	Done  string // confirmation for the status line ("" = none)
	// Skip, when set and true after submit, closes the page without saving
	// (a confirmation answered "no").
	Skip      func() bool
	AfterSave func() tea.Cmd

	form    *huh.Form
	saving  bool
	errText string
	// refused are the fields the last save was refused for (their huh Key
	// is the store's field name): the rebuilt form opens on the first one.
	refused map[string]bool
	w, h    int
}

// formSaved carries the result of a FormPage's Save back to that page.
type formSaved struct {
	page *FormPage
	err  error
}

func (p *FormPage) Title() string { return p.Name }

func (p *FormPage) Init() tea.Cmd {
	p.form = p.Build()
	cmd := p.Stack.Env.StartForm(p.form)
	// The size before moving the focus: huh scrolls a group to its
	// focused field only once it knows its height (the form's own request
	// for the window size may never be answered).
	cmd = tea.Batch(cmd, p.sizeForm())
	return tea.Batch(cmd, FocusField(p.form, p.Build, p.refused))
}

// sizeForm gives the form the page's width and height (less the lines of
// the error under it).
func (p *FormPage) sizeForm() tea.Cmd {
	if p.form == nil || p.w <= 0 {
		return nil
	}
	return SizeForm(p.form, min(p.w-2, 100), max(p.h-3, 3))
}

func (p *FormPage) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case formSaved:
		if msg.page != p {
			return nil
		}
		p.saving = false
		if msg.err != nil {
			p.errText = p.Stack.Env.ErrorText(msg.err)
			p.refused = ErrorFields(msg.err)
			return p.Init()
		}
		var cmd tea.Cmd
		if p.Stack.Top() == Page(p) {
			cmd = p.Stack.Pop()
		}
		if p.Done != "" {
			p.Stack.Env.Info(p.Done)
		}
		if p.AfterSave != nil {
			cmd = tea.Batch(cmd, p.AfterSave())
		}
		return cmd
	case tea.WindowSizeMsg:
		p.w, p.h = msg.Width, msg.Height
		return p.sizeForm()
	}
	if p.form == nil || p.saving || p.form.State != huh.StateNormal {
		return nil
	}
	if _, isKey := msg.(tea.KeyPressMsg); isKey {
		p.errText = ""
	}
	cmd := UpdateForm(p.form, msg)
	switch p.form.State {
	case huh.StateAborted:
		return tea.Batch(cmd, p.Stack.Pop())
	case huh.StateCompleted:
		if p.Skip != nil && p.Skip() {
			return tea.Batch(cmd, p.Stack.Pop())
		}
		p.saving = true
		return tea.Batch(cmd, p.Stack.Env.Do(func(ctx context.Context) tea.Msg {
			return formSaved{page: p, err: p.Save(ctx)}
		}))
	}
	return cmd
}

func (p *FormPage) View(w, h int) string {
	st := p.Stack.Env.Styles()
	var b strings.Builder
	if p.form != nil && p.form.State == huh.StateNormal {
		b.WriteString(Indent(p.form.View(), 1))
	}
	if p.errText != "" {
		wrapped := lipgloss.NewStyle().Width(max(w-4, 10)).Render("✗ " + sanitize.Line(p.errText))
		b.WriteString("\n\n" + Indent(st.Error.Render(wrapped), 1))
	}
	return b.String()
}

func (p *FormPage) Keys() []key.Binding { return FormKeys(p.form) }

// Capturing: a form takes typed text, tab and esc (esc cancels it); while
// saving, keys are ignored (ctrl+c still ends the session).
func (p *FormPage) Capturing() bool { return true }

// NewConfirmPage asks before doing something that cannot be undone. With
// typed == "" it is a yes/no question (default no); otherwise the user must
// type typed exactly (e.g. a patient's full name before a purge). run is
// called only on yes; done goes to the status line afterwards.
func NewConfirmPage(st *Stack, title, question, typed string, run func(ctx context.Context) error, done string, after func() tea.Cmd) *FormPage {
	m := st.Env.M
	var yes bool
	var text string
	build := func() *huh.Form {
		if typed == "" {
			return NewForm(m, huh.NewGroup(huh.NewConfirm().Title(question).
				Affirmative(m.Login.Yes).Negative(m.Login.No).Value(&yes).
				WithButtonAlignment(lipgloss.Left)))
		}
		shown := sanitize.Line(typed)
		return NewForm(m, huh.NewGroup(huh.NewInput().Title(question).
			Description(fmt.Sprintf(m.Form.TypeToConfirm, shown)).Value(&text).
			Validate(func(s string) error {
				if s != typed {
					return errors.New(m.Form.Mismatch)
				}
				return nil
			})))
	}
	return &FormPage{
		Stack: st, Name: title, Build: build, Done: done, AfterSave: after,
		Save: run,
		Skip: func() bool { return typed == "" && !yes },
	}
}
