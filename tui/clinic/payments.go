package clinic

import (
	"context"
	"fmt"
	"strings"
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

	cursor, off int
	w, h        int
}

type paymentsLoaded struct {
	seq  int
	list store.PaymentList
	err  error
}

func newPaymentsPage(env *kit.Env, st *kit.Stack) *paymentsPage {
	return &paymentsPage{env: env, st: st, month: agMonthStart(env.Now(), env.L.Loc)}
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

func (p *paymentsPage) vis() int { return max(p.h-5, 1) }

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
		p.cursor, p.off = agScroll(p.cursor, p.off, len(p.list.Payments), p.vis())
	case tea.WindowSizeMsg:
		p.w, p.h = msg.Width, msg.Height
		p.cursor, p.off = agScroll(p.cursor, p.off, n, p.vis())
	case kit.ChangedMsg:
		if msg.Touches("session", "payment") {
			return p.reload()
		}
	case kit.ShownMsg:
		return p.reload()
	case tea.KeyPressMsg:
		if c, ok := agListKey(msg.String(), p.cursor, n, p.vis()); ok {
			p.cursor, p.off = agScroll(c, p.off, n, p.vis())
			return nil
		}
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
			if p.cursor < n {
				return p.st.Push(newSessionPage(p.env, p.st, p.list.Payments[p.cursor].SessionID))
			}
			return nil
		case "c":
			if p.env.Actor.MayCloseCash() {
				return p.st.Push(newCashClosePage(p.env, agCivil(p.env.Now(), p.env.L.Loc)))
			}
			return nil
		case "r":
			if p.cursor < n && p.list.Payments[p.cursor].Paid {
				return p.st.Push(newReceiptPage(p.env, p.list.Payments[p.cursor].SessionID))
			}
			return nil
		case "p":
			if p.cursor < n && p.mayWrite() && !p.list.Payments[p.cursor].Paid {
				pay := p.list.Payments[p.cursor]
				return p.st.Push(agPaidForm(p.env, p.st, pay.SessionID, &pay.Amount, func() tea.Cmd { return p.reload() }))
			}
			return nil
		default:
			return nil
		}
		p.cursor, p.off = 0, 0
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
	lines := []string{" " + st.Title.Render(pm.Title) + st.Muted.Render(" · "+period)}
	totals := " " + st.Label.Render(fmt.Sprintf(pm.TotalPaid, l.Money(p.list.TotalPaid))) + "   " +
		st.Label.Render(fmt.Sprintf(pm.TotalUnpaid, l.Money(p.list.TotalUnpaid)))
	if p.loaded && len(p.list.Payments) == 0 {
		return strings.Join(append(lines, "", " "+st.Muted.Render(pm.Empty), "", totals), "\n")
	}
	wide := w >= 100
	cols := []kit.Column{{Title: pm.ColSession, Width: 16}, {Title: pm.ColPatient, Width: 0}}
	if wide {
		cols = append(cols, kit.Column{Title: pm.ColSpec, Width: 16})
	}
	cols = append(cols, kit.Column{Title: pm.ColAmount, Width: 12, Right: true}, kit.Column{Title: pm.ColState, Width: 9}, kit.Column{Title: pm.ColPaidOn, Width: 10})
	rows := make([][]string, len(p.list.Payments))
	for i, x := range p.list.Payments {
		state, on := pm.Unpaid, ""
		if x.Paid {
			state = "$ " + pm.Paid
			if x.PaidOn != nil {
				on = x.PaidOn.Format(l.DateLayout())
			}
		}
		row := []string{l.DateTime(x.SessionStart), sanitize.Line(x.PatientName)}
		if wide {
			row = append(row, sanitize.Line(x.SpecialistName))
		}
		rows[i] = append(row, l.Money(x.Amount), state, on)
	}
	body := (&kit.Table{Cols: cols, Rows: rows, Cursor: p.cursor, Offset: p.off}).Lines(st, w, h-3)
	lines = append(lines, body...)
	for len(lines) < h-1 {
		lines = append(lines, "")
	}
	return strings.Join(append(lines, totals), "\n")
}

func (p *paymentsPage) Keys() []key.Binding {
	pm := p.env.M.Payments
	keys := []key.Binding{kit.Key(pm.KeyOpen, "enter")}
	if p.mayWrite() {
		keys = append(keys, kit.Key(p.env.M.Sessions.KeyPaid, "p"))
	}
	if p.cursor < len(p.list.Payments) && p.list.Payments[p.cursor].Paid {
		keys = append(keys, kit.Key(p.env.M.Documents.KeyReceipt, "r"))
	}
	if p.env.Actor.MayCloseCash() {
		keys = append(keys, kit.Key(p.env.M.Documents.KeyCashClose, "c"))
	}
	return append(keys, kit.KeyShown(",.", pm.KeyMonth, ",", "."), kit.Key(pm.KeyUnpaid, "u"), kit.Key(pm.KeyAll, "a"))
}
