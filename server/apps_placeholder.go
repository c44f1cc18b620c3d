package server

import (
	"context"
	"fmt"

	tea "charm.land/bubbletea/v2"
)

// defaultApps is a stand-in until the tui package provides the clinic and
// panel apps: it shows where the session landed and quits on q or on the
// end message.
func defaultApps() appSet {
	return appSet{
		clinic: func(_ context.Context, p clinicParams) tea.Model {
			who := "login"
			if p.User != nil {
				who = p.User.Email
			}
			return placeholderModel{title: p.Tenant.Info.Name, who: who}
		},
		panel: func(_ context.Context, p panelParams) tea.Model {
			who := "login"
			if p.Operator != nil {
				who = p.Operator.Email
			}
			return placeholderModel{title: "panel", who: who}
		},
		end: func(reason string) tea.Msg { return placeholderEnd{reason} },
	}
}

type placeholderEnd struct{ reason string }

type placeholderModel struct {
	title, who, reason string
}

func (m placeholderModel) Init() tea.Cmd { return nil }

func (m placeholderModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case placeholderEnd:
		m.reason = msg.reason
		return m, tea.Quit
	case tea.KeyPressMsg:
		if msg.String() == "q" || msg.String() == "ctrl+c" {
			return m, tea.Quit
		}
	}
	return m, nil
}

func (m placeholderModel) View() tea.View {
	// The trailing newline keeps the last line: on exit the renderer erases
	// from the bottom line of an inline view down.
	v := tea.NewView(fmt.Sprintf("%s\n%s\n%s\n", m.title, m.who, m.reason))
	v.AltScreen = m.reason == ""
	return v
}
