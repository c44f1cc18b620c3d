package server

import (
	"context"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"consultorio/server/cmd"
	"consultorio/store"
	"consultorio/tui"
	"consultorio/tui/i18n"
)

// defaultApps are the tui package's clinic app and operator panel.
func defaultApps() appSet {
	return appSet{
		clinic: func(ctx context.Context, p clinicParams) tea.Model {
			return tui.NewClinicApp(ctx, tui.ClinicSession(p))
		},
		panel: func(ctx context.Context, p panelParams) tea.Model {
			return tui.NewPanelApp(ctx, tui.PanelSession(p))
		},
		end:      endSessionMsg,
		minute:   func() tea.Msg { return tui.MinuteMsg{} },
		commands: cmd.Run,
	}
}

// endSessionMsg tells the TUI why the server ends the session; the reasons
// it knows it shows in the user's language.
func endSessionMsg(reason string) tea.Msg {
	switch reason {
	case reasonShutdown:
		reason = tui.ReasonShutdown
	case reasonIdle:
		reason = tui.ReasonIdle
	case store.ErrTenantSuspended.Error():
		reason = tui.ReasonSuspended
	case reasonDeactivated:
		reason = tui.ReasonDeactivated
	case reasonLoginTimeout:
		reason = tui.ReasonLoginTimeout
	}
	if by, ok := endedByName(reason); ok {
		return tui.EndSessionMsg{Reason: tui.ReasonEndedBy, By: by}
	}
	return tui.EndSessionMsg{Reason: reason}
}

// endText is the line a command the server ended prints on stderr, in
// lang: "Sesión terminada: la clínica fue suspendida".
func endText(lang i18n.Lang, reason string) string {
	m := i18n.For(lang)
	why := reason
	switch reason {
	case reasonShutdown:
		why = m.Errors.EndShutdown
	case reasonIdle:
		why = m.Errors.EndIdle
	case store.ErrTenantSuspended.Error():
		why = m.Errors.EndSuspended
	case reasonDeactivated:
		why = m.Errors.EndDeactivated
	case reasonLoginTimeout:
		why = m.Errors.EndLoginTimeout
	}
	return fmt.Sprintf(m.Shell.SessionEnded, why)
}

// suspendedText is the refusal a person sees in a terminal, in the clinic's
// language (scripts get the store's English message).
func suspendedText(tn *store.Tenant) string {
	return i18n.For(i18n.ParseLang(tn.Info.Lang)).Errors.Suspended
}
