package clinic

import (
	"context"
	"fmt"
	"strconv"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"consultorio/store"
	"consultorio/tui/kit"
	"consultorio/tui/sanitize"
)

// outboxPage lists the clinic's outgoing e-mail (store.Outbox: queued,
// retrying, sent, failed) with the last SMTP error of the selected one,
// and queues the selected message again after a confirmation
// (store.ResendMail). Admin and reception, from the staff screen.
type outboxPage struct {
	env   *kit.Env
	stack *kit.Stack
	list  kit.Table
	rows  []store.OutboxItem
}

func newOutboxPage(env *kit.Env, st *kit.Stack) *outboxPage {
	return &outboxPage{env: env, stack: st, list: kit.Table{Empty: env.M.Outbox.Empty, Marker: true}}
}

type outboxLoaded struct {
	list []store.OutboxItem
	err  error
}

func (p *outboxPage) reload() tea.Cmd {
	env := p.env
	return env.Do(func(ctx context.Context) tea.Msg {
		list, err := env.Tenant.Outbox(ctx, env.Actor, 0)
		return outboxLoaded{list: list, err: err}
	})
}

func (p *outboxPage) Title() string   { return p.env.M.Outbox.Title }
func (p *outboxPage) Init() tea.Cmd   { return p.reload() }
func (p *outboxPage) Capturing() bool { return false }

func (p *outboxPage) keyResend() key.Binding { return kit.Key(p.env.M.Outbox.KeyResend, "x") }
func (p *outboxPage) keyReload() key.Binding { return kit.Key(p.env.M.Admin.KeyReload, "r") }

func (p *outboxPage) Keys() []key.Binding {
	return []key.Binding{kit.KeyShown("↑/↓", p.env.M.Admin.KeyMove, "up", "down"), p.keyResend(), p.keyReload()}
}

func (p *outboxPage) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case outboxLoaded:
		if msg.err != nil {
			p.env.Error(msg.err)
			return nil
		}
		m := p.env.M.Outbox
		p.rows = msg.list
		rows := make([][]string, len(msg.list))
		for i, o := range msg.list {
			when := o.CreatedAt
			if o.SentAt != nil {
				when = *o.SentAt
			}
			rows[i] = []string{p.env.L.DateTime(when), m.Kind(string(o.Kind)), sanitize.Line(o.Recipient),
				m.State(o.State), strconv.Itoa(o.Attempts)}
		}
		p.list.SetRows(rows)
	case kit.ShownMsg:
		return p.reload()
	case tea.KeyPressMsg:
		if p.list.Move(msg.String()) {
			return nil
		}
		switch {
		case key.Matches(msg, p.keyResend()) && p.list.Cursor < len(p.rows):
			return p.stack.Push(p.confirmResend(p.rows[p.list.Cursor]))
		case key.Matches(msg, p.keyReload()):
			return p.reload()
		}
	}
	return nil
}

func (p *outboxPage) confirmResend(o store.OutboxItem) *kit.FormPage {
	env, m := p.env, p.env.M.Outbox
	q := fmt.Sprintf(m.Confirm, o.ID, sanitize.Line(o.Recipient))
	run := func(ctx context.Context) error {
		_, err := env.Tenant.ResendMail(ctx, env.Actor, o.ID)
		return err
	}
	return kit.NewConfirmPage(p.stack, m.KeyResend, q, "", run, m.Resent, p.reload)
}

func (p *outboxPage) View(w, h int) string {
	m := p.env.M.Outbox
	p.list.Cols = []kit.Column{{Title: m.ColWhen, Width: 16}, {Title: m.ColKind, Width: 12}, {Title: m.ColTo, Width: 0}, {Title: m.ColState, Width: 12}, {Title: m.ColTries, Width: 5}}
	st := p.env.Styles()
	// The selected message's subject and last SMTP error, under the list.
	var foot []string
	if p.list.Cursor < len(p.rows) {
		o := p.rows[p.list.Cursor]
		if o.Subject != "" {
			foot = append(foot, m.ColSubj+": "+o.Subject)
		}
		if o.LastError != "" {
			foot = append(foot, fmt.Sprintf(m.LastError, m.Reason(o.LastError)))
		}
	}
	tail := ""
	for _, f := range foot {
		tail += "\n " + st.Muted.Render(sanitize.Line(f))
	}
	return " " + st.Title.Render(m.Title) + "\n\n" + p.list.View(st, w, h-2-len(foot)) + tail
}
