package server

import (
	"context"
	"log/slog"

	tea "charm.land/bubbletea/v2"

	"consultorio/server/cmd"
	"consultorio/store"
	"consultorio/tui"
)

// clinicParams and panelParams are what a TUI session starts from.
type clinicParams struct {
	Tenant         *store.Tenant
	User           *store.User // nil: the login form first
	RemoteAddr     string
	OfferKey       string // authorized_keys line of the key that signed, "" if none
	Width, Height  int
	DarkBackground bool
	ASCII          bool                     // the client's terminal wants ASCII mode (TermWantsASCII)
	Limiter        tui.LoginLimiter         // the source address's failed-login limit
	OnLogin        func(email string)       // names a form login in the connection's log line
	KeyFingerprint string                   // of the key that signed, "" if none
	SecondFactor   bool                     // User must still pass the second factor
	SSHLine        func(user string) string // connect line shown with a new setup code
	LoginID        func() int64             // the session's open-session id
	Log            *slog.Logger             // unexpected errors, under the reference the user sees
}

type panelParams struct {
	DB             *store.DB
	Operator       *store.Operator // nil: the login form first
	RemoteAddr     string
	OfferKey       string
	Width, Height  int
	DarkBackground bool
	ASCII          bool
	Limiter        tui.LoginLimiter
	OnLogin        func(email string)
	KeyFingerprint string
	SecondFactor   bool
	SSHLine        func(user string) string
	Log            *slog.Logger
	LoginID        func() int64 // the session's open-session id
}

// appSet makes the TUI models of sessions and the message that ends one,
// and runs scripted commands. The server uses the tui and cmd packages';
// tests substitute their own to exercise the plumbing (panics, ignored end
// messages, commands cut by a suspension) on its own.
type appSet struct {
	clinic   func(context.Context, clinicParams) tea.Model
	panel    func(context.Context, panelParams) tea.Model
	end      func(reason string) tea.Msg
	minute   func() tea.Msg // sent to every program at each whole minute
	commands func(context.Context, *cmd.Env, cmd.Scope, []string) cmd.Result
}
