package kit

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// placeholder stands for a screen that later work fills in: its title and
// a line saying it is coming.
type placeholder struct {
	env   *Env
	title string
}

func NewPlaceholder(env *Env, title string) Screen { return &placeholder{env: env, title: title} }

func (p *placeholder) Init() tea.Cmd          { return nil }
func (p *placeholder) Update(tea.Msg) tea.Cmd { return nil }
func (p *placeholder) Keys() []key.Binding    { return nil }
func (p *placeholder) Capturing() bool        { return false }
func (p *placeholder) View(width, height int) string {
	st := p.env.Styles()
	box := lipgloss.JoinVertical(lipgloss.Center,
		st.Title.Render(p.title),
		"",
		st.Muted.Render(p.env.M.Shell.Placeholder),
	)
	return lipgloss.Place(width, height, lipgloss.Center, lipgloss.Center, box)
}
