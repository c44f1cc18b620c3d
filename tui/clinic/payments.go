package clinic

import (
	"context"
	"fmt"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"consultorio/store"
	"consultorio/tui/kit"
	"consultorio/tui/sanitize"
)

// The payments list (PRODUCT.md §5): a month (paid payments dated in it and
// unpaid payments of its sessions) or every month, optionally only the
// unpaid ones, with the totals of every match. enter opens the session
// (mark paid / unpaid, payment log); p marks an unpaid one paid directly.

func NewPaymentsScreen(env *kit.Env) kit.Screen {
	s := kit.NewStack(env, env.M.Nav.Payments)
	s.SetRoot(newPaymentsPage(env, s))
	return s
}

type paymentsPage struct {
	env *kit.Env
	st  *kit.Stack

	month  time.Time // first day, clinic time zone
	all    bool
	unpaid bool

	list   store.PaymentList
	loaded bool
	seq    int

	table kit.Table
}

type paymentsLoaded struct {
	seq  int
	list store.PaymentList
	err  error
}

func newPaymentsPage(env *kit.Env, st *kit.Stack) *paymentsPage {
	return &paymentsPage{env: env, st: st, month: agMonthStart(env.Now(), env.L.Loc), table: kit.Table{Vim: true, Jump: true}}
}

func (p *paymentsPage) Title() string   { return p.env.M.Payments.Title }
func (p *paymentsPage) Capturing() bool { return false }
func (p *paymentsPage) Init() tea.Cmd   { return p.reload() }

func (p *paymentsPage) reload() tea.Cmd {
	p.seq++
	seq, env := p.seq, p.env
	f := store.PaymentFilter{Unpaid: p.unpaid, Limit: 2000}
	if !p.all {
		f.Month = agCivil(p.month, env.L.Loc)
	}
	return env.Do(func(ctx context.Context) tea.Msg {
		list, err := env.Tenant.ListPayments(ctx, env.Actor, f)
		return paymentsLoaded{seq: seq, list: list, err: err}
	})
}

func (p *paymentsPage) Update(msg tea.Msg) tea.Cmd {
	n := len(p.list.Payments)
	switch msg := msg.(type) {
	case paymentsLoaded:
		if msg.seq != p.seq {
			return nil
		}
		if msg.err != nil {
			p.env.Error(msg.err)
			return nil
		}
		p.list, p.loaded = msg.list, true
		p.fill()
	case kit.ChangedMsg:
		if msg.Touches("session", "payment") {
			return p.reload()
		}
	case kit.ShownMsg:
		return p.reload()
	case tea.KeyPressMsg:
		if p.table.Move(msg.String()) {
			return nil
		}
		cur := p.table.Cursor
		switch msg.String() {
		case ",":
			p.month, p.all = p.month.AddDate(0, -1, 0), false
		case ".":
			p.month, p.all = p.month.AddDate(0, 1, 0), false
		case "a":
			p.all = !p.all
		case "u":
			p.unpaid = !p.unpaid
		case "enter":
			if cur < n {
				return p.st.Push(newSessionPage(p.env, p.st, p.list.Payments[cur].SessionID))
			}
			return nil
		case "c":
			if p.env.Actor.MayCloseCash() {
				return p.st.Push(newCashClosePage(p.env, agCivil(p.env.Now(), p.env.L.Loc)))
			}
			return nil
		case "r":
			if cur < n && p.list.Payments[cur].Paid {
				return p.st.Push(newReceiptPage(p.env, p.list.Payments[cur].SessionID))
			}
			return nil
		case "p":
			if cur < n && p.mayWrite() && !p.list.Payments[cur].Paid {
				pay := p.list.Payments[cur]
				return p.st.Push(agPaidForm(p.env, p.st, pay.SessionID, &pay.Amount, func() tea.Cmd { return p.reload() }))
			}
			return nil
		default:
			return nil
		}
		p.table.Top()
		return p.reload()
	}
	return nil
}

func (p *paymentsPage) mayWrite() bool { return p.env.Actor.MayWritePayments() }

func (p *paymentsPage) View(w, h int) string {
	st, m, l := p.env.Styles(), p.env.M, p.env.L
	pm := m.Payments
	period := l.MonthYear(p.month)
	if p.all {
		period = pm.AllMonths
	}
	if p.unpaid {
		period += " · " + pm.OnlyUnpaid
	}
	title := " " + st.Title.Render(pm.Title) + st.Muted.Render(" · "+period)
	totals := " " + st.Label.Render(fmt.Sprintf(pm.TotalPaid, l.Money(p.list.TotalPaid))) + "   " +
		st.Label.Render(fmt.Sprintf(pm.TotalUnpaid, l.Money(p.list.TotalUnpaid)))
	p.fill()
	// The totals stay on the last line, under however many rows fit.
	return kit.Fit(title+"\n"+p.table.View(st, w, h-3), w, h-1) + "\n" + totals
}

// fill gives the table its columns and rows in the current words (the
// language and ASCII mode can change while the list is shown).
func (p *paymentsPage) fill() {
	pm, l := p.env.M.Payments, p.env.L
	// The specialist only when there is room for it: the patient's name
	// matters more (from 100 columns).
	p.table.Cols = []kit.Column{{Title: pm.ColSession, Width: 16}, {Title: pm.ColPatient, Min: 30},
		{Title: pm.ColSpec, Width: 16, Priority: 1}, {Title: pm.ColAmount, Width: 12, Right: true},
		{Title: pm.ColState, Width: 9}, {Title: pm.ColPaidOn, Width: 10}}
	p.table.Empty = ""
	if p.loaded {
		p.table.Empty = pm.Empty
	}
	rows := make([][]string, len(p.list.Payments))
	for i, x := range p.list.Payments {
		state, on := pm.Unpaid, ""
		if x.Paid {
			state = "$ " + pm.Paid
			if x.PaidOn != nil {
				on = x.PaidOn.Format(l.DateLayout())
			}
		}
		rows[i] = []string{l.DateTime(x.SessionStart), sanitize.Line(x.PatientName), sanitize.Line(x.SpecialistName),
			l.Money(x.Amount), state, on}
	}
	p.table.SetRows(rows)
}

func (p *paymentsPage) Keys() []key.Binding {
	pm := p.env.M.Payments
	keys := []key.Binding{kit.Key(pm.KeyOpen, "enter")}
	if p.mayWrite() {
		keys = append(keys, kit.Key(p.env.M.Sessions.KeyPaid, "p"))
	}
	if cur := p.table.Cursor; cur < len(p.list.Payments) && p.list.Payments[cur].Paid {
		keys = append(keys, kit.Key(p.env.M.Documents.KeyReceipt, "r"))
	}
	if p.env.Actor.MayCloseCash() {
		keys = append(keys, kit.Key(p.env.M.Documents.KeyCashClose, "c"))
	}
	return append(keys, kit.KeyShown(",.", pm.KeyMonth, ",", "."), kit.Key(pm.KeyUnpaid, "u"), kit.Key(pm.KeyAll, "a"))
}
