package clinic

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/shopspring/decimal"

	"consultorio/store"
	"consultorio/tui/kit"
	"consultorio/tui/sanitize"
)

// The finance dashboard (admin; PRODUCT.md §5): every figure of
// store.FinanceReport for a month, the next unpaid expenses, the payroll by
// specialist, and a 12-month income vs expenses bar chart drawn with plain
// characters (█ income, ░ expenses: told apart without colour).

func NewFinanceScreen(env *kit.Env) kit.Screen {
	s := kit.NewStack(env, env.M.Nav.Finance)
	s.SetRoot(newFinancePage(env, s))
	return s
}

type financePage struct {
	env *kit.Env
	st  *kit.Stack

	month  time.Time
	rep    store.FinanceReport
	loaded bool
	seq    int
	// scroll: at 80x24 the figures, the chart and the lists below do not
	// all fit.
	scroll kit.Scroll
}

type financeLoaded struct {
	seq int
	rep store.FinanceReport
	err error
}

func newFinancePage(env *kit.Env, st *kit.Stack) *financePage {
	return &financePage{env: env, st: st, month: agMonthStart(env.Now(), env.L.Loc), scroll: kit.NewScroll(env.M)}
}

func (p *financePage) Title() string   { return p.env.M.Finance.Title }
func (p *financePage) Capturing() bool { return false }
func (p *financePage) Init() tea.Cmd   { return p.reload() }

func (p *financePage) reload() tea.Cmd {
	p.seq++
	seq, env, month := p.seq, p.env, agCivil(p.month, p.env.L.Loc)
	return env.Do(func(ctx context.Context) tea.Msg {
		rep, err := env.Tenant.Finance(ctx, env.Actor, month)
		return financeLoaded{seq: seq, rep: rep, err: err}
	})
}

func (p *financePage) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case financeLoaded:
		if msg.seq != p.seq {
			return nil
		}
		if msg.err != nil {
			p.env.Error(msg.err)
			return nil
		}
		p.rep, p.loaded = msg.rep, true
	case kit.ChangedMsg, kit.ShownMsg:
		return p.reload()
	case tea.KeyPressMsg:
		if p.scroll.Update(msg) {
			return nil
		}
		switch msg.String() {
		case ",":
			p.month = p.month.AddDate(0, -1, 0)
		case ".":
			p.month = p.month.AddDate(0, 1, 0)
		case "t":
			p.month = agMonthStart(p.env.Now(), p.env.L.Loc)
		case "c":
			if p.env.Actor.MayCloseCash() {
				return p.st.Push(newCashClosePage(p.env, agCivil(p.env.Now(), p.env.L.Loc)))
			}
			return nil
		default:
			return nil
		}
		return p.reload()
	}
	return nil
}

func (p *financePage) View(w, h int) string {
	st, fm, l := p.env.Styles(), p.env.M.Finance, p.env.L
	head := " " + st.Title.Render(fm.Title) + st.Muted.Render(" · "+l.MonthYear(p.month))
	if !p.loaded {
		return head
	}
	r := p.rep
	const lw = 40
	fig := func(label string, d decimal.Decimal, bold bool) string {
		v := kit.Cell(l.Money(d), 14, true)
		label = kit.Cell(label, lw-16, false)
		if bold {
			return " " + st.Label.Render(label) + " " + st.Label.Render(v)
		}
		return " " + label + " " + v
	}
	left := []string{
		fig(fm.Collected, r.Collected, true),
		fig(fm.Pending, r.Pending, true),
		fig(fm.PendingUnpaid, r.PendingUnpaid, false),
		fig(fm.PendingNoPay, r.PendingUnbilled, false),
		fig(fm.Expenses, r.Expenses, true),
		fig(fm.ExpensesPaid, r.ExpensesPaid, false),
		fig(fm.Payroll, r.Payroll, true),
		fig(fm.PayrollFixed, r.PayrollFixed, false),
		fig(fm.PayrollPercent, r.PayrollPercent, false),
		" " + strings.Repeat("─", lw-2),
		fig(fm.Balance, r.Balance, true),
	}
	chartH := max(min(h-12, 14), 5)
	right := agChart(p.env, r.Chart, max(w-lw-1, 20), chartH)
	for i := range left {
		left[i] = kit.Cell(left[i], lw, false)
	}
	top := lipgloss.JoinHorizontal(lipgloss.Top, strings.Join(left, "\n"), " ", strings.Join(right, "\n"))
	lines := append([]string{head, ""}, strings.Split(top, "\n")...)

	// Below: the next unpaid expenses and the payroll by specialist, side
	// by side, all of them (the page scrolls).
	half := max((w-2)/2, 30)
	next := []string{" " + st.Subtitle.Render(fm.NextExpenses)}
	if len(r.NextExpenses) == 0 {
		next = append(next, "  "+st.Muted.Render(fm.NoNext))
	}
	today := agCivil(p.env.Now(), l.Loc)
	for _, e := range r.NextExpenses {
		due, mark := "          ", " "
		if e.DueDate != nil {
			due = e.DueDate.Format(l.DateLayout())
			if e.DueDate.Before(today) {
				mark = "!"
			}
		}
		next = append(next, kit.Cell(" "+mark+due+" "+kit.Cell(sanitize.Line(e.Name), max(half-28, 6), false)+" "+kit.Cell(l.Money(e.Amount), 13, true), half, false))
	}
	pay := []string{" " + st.Subtitle.Render(fm.PayrollLines)}
	if len(r.PayrollLines) == 0 {
		pay = append(pay, "  "+st.Muted.Render(fm.NoPayroll))
	}
	for _, pl := range r.PayrollLines {
		comp := l.Money(pl.CompValue)
		if pl.CompType == store.CompPercent {
			comp = pl.CompValue.String() + "%"
		}
		pay = append(pay, "  "+kit.Cell(sanitize.Line(pl.Name), max(half-32, 6), false)+" "+kit.Cell(comp, 12, true)+" "+kit.Cell(l.Money(pl.Amount), 14, true))
	}
	n := max(len(next), len(pay))
	lines = append(lines, "")
	for i := 0; i < n; i++ {
		a, b := "", ""
		if i < len(next) {
			a = next[i]
		}
		if i < len(pay) {
			b = pay[i]
		}
		lines = append(lines, kit.Cell(a, half, false)+" "+b)
	}
	return p.scroll.View(strings.Join(lines, "\n"), w, h)
}

// agChart draws the income vs expenses bars of 12 months: each month two
// columns (█ income, ░ expenses) over its number, scaled to the largest
// figure; height rows of bars plus title, scale, labels and legend.
func agChart(env *kit.Env, months []store.MonthFigure, w, height int) []string {
	st, fm, l := env.Styles(), env.M.Finance, env.L
	maxV := decimal.Zero
	for _, m := range months {
		maxV = decimal.Max(maxV, m.Income, m.Expenses)
	}
	bar := func(v decimal.Decimal) int {
		if maxV.IsZero() || !v.IsPositive() {
			return 0
		}
		n := int(v.Mul(decimal.NewFromInt(int64(height))).Div(maxV).Round(0).IntPart())
		return max(n, 1) // a non-zero figure is never invisible
	}
	group := 3
	if w >= len(months)*4+2 {
		group = 4
	}
	out := []string{st.Subtitle.Render(fm.Chart), st.Muted.Render(fmt.Sprintf(fm.ChartScale, l.Money(maxV)))}
	inc := make([]int, len(months))
	exp := make([]int, len(months))
	for i, m := range months {
		inc[i], exp[i] = bar(m.Income), bar(m.Expenses)
	}
	for row := height; row >= 1; row-- {
		var b strings.Builder
		b.WriteString("│")
		for i := range months {
			c1, c2 := " ", " "
			if inc[i] >= row {
				c1 = "█"
			}
			if exp[i] >= row {
				c2 = "░"
			}
			b.WriteString(c1 + c2 + strings.Repeat(" ", group-2))
		}
		out = append(out, b.String())
	}
	var axis, labels strings.Builder
	axis.WriteString("└")
	labels.WriteString(" ")
	for _, m := range months {
		axis.WriteString(strings.Repeat("─", group))
		labels.WriteString(kit.Cell(fmt.Sprintf("%02d", int(m.Month.In(l.Loc).Month())), group, false))
	}
	return append(out, axis.String(), labels.String(), st.Muted.Render(fm.ChartLegend))
}

func (p *financePage) Keys() []key.Binding {
	fm := p.env.M.Finance
	keys := []key.Binding{kit.KeyShown(",.", fm.KeyMonth, ",", "."), kit.Key(fm.KeyThis, "t")}
	if p.env.Actor.MayCloseCash() {
		keys = append(keys, kit.Key(p.env.M.Documents.KeyCashClose, "c"))
	}
	return append(p.scroll.Keys(), keys...)
}
