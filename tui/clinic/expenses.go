package clinic

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"
	"github.com/shopspring/decimal"

	"consultorio/store"
	"consultorio/tui/kit"
	"consultorio/tui/sanitize"
)

// The expenses screen (admin; PRODUCT.md §4 Expense): the expenses of a
// month (due in it, or created in it when they have no due date) or all,
// with totals; create, edit, pay (date defaults to today). Paying a
// recurring expense offers to create next month's.

func NewExpensesScreen(env *kit.Env) kit.Screen {
	s := kit.NewStack(env, env.M.Nav.Expenses)
	s.SetRoot(newExpensesPage(env, s))
	return s
}

type expensesPage struct {
	env *kit.Env
	st  *kit.Stack

	month time.Time
	all   bool

	list   []store.Expense
	loaded bool
	seq    int

	table kit.Table
}

type expensesLoaded struct {
	seq  int
	list []store.Expense
	err  error
}

func newExpensesPage(env *kit.Env, st *kit.Stack) *expensesPage {
	return &expensesPage{env: env, st: st, month: agMonthStart(env.Now(), env.L.Loc), table: kit.Table{Vim: true, Jump: true}}
}

func (p *expensesPage) Title() string   { return p.env.M.Expenses.Title }
func (p *expensesPage) Capturing() bool { return false }
func (p *expensesPage) Init() tea.Cmd   { return p.reload() }

func (p *expensesPage) reload() tea.Cmd {
	p.seq++
	seq, env := p.seq, p.env
	var month time.Time
	if !p.all {
		month = agCivil(p.month, env.L.Loc)
	}
	return env.Do(func(ctx context.Context) tea.Msg {
		list, err := env.Tenant.ListExpenses(ctx, env.Actor, month)
		return expensesLoaded{seq: seq, list: list, err: err}
	})
}

func (p *expensesPage) Update(msg tea.Msg) tea.Cmd {
	n := len(p.list)
	switch msg := msg.(type) {
	case expensesLoaded:
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
		if msg.Touches("expense") {
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
		case "n":
			return p.st.Push(p.editPage(nil))
		case "e", "enter":
			if cur < n {
				e := p.list[cur]
				return p.st.Push(p.editPage(&e))
			}
			return nil
		case "u":
			if cur < n && p.list[cur].Paid {
				return p.st.Push(p.confirmUnpay(p.list[cur]))
			}
			return nil
		case "x":
			if cur < n {
				return p.st.Push(p.confirmDelete(p.list[cur]))
			}
			return nil
		case "p":
			if cur < n {
				e := p.list[cur]
				if e.Paid {
					p.env.Info(p.env.M.Expenses.AlreadyPaid)
					return nil
				}
				return p.st.Push(p.payPage(e))
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

// editPage creates (e == nil) or edits an expense.
func (p *expensesPage) editPage(e *store.Expense) *kit.FormPage {
	m, l, env := p.env.M, p.env.L, p.env
	em := m.Expenses
	var name, amount, due, notes string
	var fixed, recurring bool
	title := em.New
	if e != nil {
		title = em.Edit
		name, amount, notes = e.Name, kit.MoneyText(env, e.Amount), e.Notes
		fixed, recurring = e.Fixed, e.Recurring
		if e.DueDate != nil {
			due = e.DueDate.Format(l.DateLayout())
		}
	}
	yn := func(c *huh.Confirm) *huh.Confirm {
		return c.Affirmative(m.Login.Yes).Negative(m.Login.No).WithButtonAlignment(lipgloss.Left)
	}
	return &kit.FormPage{Stack: p.st, Name: title, Done: em.Saved, AfterSave: p.reload,
		Build: func() *huh.Form {
			return kit.NewForm(m, huh.NewGroup(
				huh.NewInput().Title(em.Name).Value(&name).CharLimit(200).Validate(func(s string) error {
					if strings.TrimSpace(s) == "" {
						return errors.New(m.Errors.Required)
					}
					return nil
				}),
				huh.NewInput().Title(em.Amount).Value(&amount).Validate(kit.MoneyOK(env, false)),
				huh.NewInput().Title(fmt.Sprintf(em.DueDate, l.DateHint())).Placeholder(em.DueHint).
					Value(&due).Validate(agDateOK(env, true)),
				yn(huh.NewConfirm().Title(em.Fixed).Value(&fixed)),
				yn(huh.NewConfirm().Title(em.Recurring).Value(&recurring)),
				kit.NewText().Title(em.Notes).Value(&notes).Lines(2)))
		},
		Save: func(ctx context.Context) error {
			amt, err := env.L.ReadMoney(amount)
			if err != nil {
				return err
			}
			in := store.ExpenseInput{Name: name, Amount: amt, Fixed: fixed, Recurring: recurring, Notes: notes}
			if d, err := l.ParseDate(due); err == nil {
				c := agCivil(d, l.Loc)
				in.DueDate = &c
			}
			if e == nil {
				_, err = env.Tenant.CreateExpense(ctx, env.Actor, in)
			} else {
				_, err = env.Tenant.UpdateExpense(ctx, env.Actor, e.ID, in)
			}
			return err
		}}
}

// payPage pays an expense on a date (today by default); a recurring one
// then offers next month's copy.
func (p *expensesPage) payPage(e store.Expense) *kit.FormPage {
	m, l, env := p.env.M, p.env.L, p.env
	em := m.Expenses
	date := l.Date(env.Now())
	// next is written by Save (a command goroutine) and read by AfterSave,
	// which runs after Save's result message arrived: ordered, no race.
	var next *store.Expense
	return &kit.FormPage{Stack: p.st, Name: em.Pay, Done: fmt.Sprintf(em.PaidDone, sanitize.Line(e.Name)),
		Build: func() *huh.Form {
			return kit.NewForm(m, huh.NewGroup(
				huh.NewNote().Title(sanitize.Line(e.Name)+" · "+l.Money(e.Amount)),
				huh.NewInput().Title(fmt.Sprintf(em.PayDate, l.DateHint())).Value(&date).Validate(agDateOK(env, false))))
		},
		Save: func(ctx context.Context) error {
			d, err := l.ParseDate(date)
			if err != nil {
				return err
			}
			c := agCivil(d, l.Loc)
			_, next, err = env.Tenant.PayExpense(ctx, env.Actor, e.ID, &c)
			return err
		},
		AfterSave: func() tea.Cmd {
			if next == nil || next.DueDate == nil {
				return p.reload()
			}
			due := next.DueDate.Format(l.DateLayout())
			q := fmt.Sprintf(em.NextQ, sanitize.Line(e.Name), due, l.Money(next.Amount))
			id := e.ID
			return tea.Batch(p.reload(), p.st.Push(kit.NewConfirmPage(p.st, em.New, q, "",
				func(ctx context.Context) error {
					_, err := env.Tenant.CreateNextRecurring(ctx, env.Actor, id)
					return err
				}, fmt.Sprintf(em.NextDone, due), p.reload)))
		}}
}

func (p *expensesPage) View(w, h int) string {
	st, m, l := p.env.Styles(), p.env.M, p.env.L
	em := m.Expenses
	period := l.MonthYear(p.month)
	if p.all {
		period = em.AllMonths
	}
	title := " " + st.Title.Render(em.Title) + st.Muted.Render(" · "+period)
	var total, paid decimal.Decimal
	for _, e := range p.list {
		total = total.Add(e.Amount)
		if e.Paid {
			paid = paid.Add(e.Amount)
		}
	}
	totals := " " + st.Label.Render(fmt.Sprintf(em.Total, l.Money(total), l.Money(paid), l.Money(total.Sub(paid))))
	p.fill()
	// The totals stay on the last line, under however many rows fit.
	return kit.Fit(title+"\n"+p.table.View(st, w, h-3), w, h-1) + "\n" + totals
}

// fill gives the table its columns and rows in the current words (the
// language and ASCII mode can change while the list is shown).
func (p *expensesPage) fill() {
	em, l := p.env.M.Expenses, p.env.L
	p.table.Cols = []kit.Column{{Title: em.ColDue, Width: 10}, {Title: em.ColName, Width: 0}, {Title: em.ColAmount, Width: 13, Right: true},
		{Title: em.ColKind, Width: 13}, {Title: em.ColState, Width: 19}}
	p.table.Empty = ""
	if p.loaded {
		p.table.Empty = em.Empty
	}
	today := agCivil(p.env.Now(), l.Loc)
	rows := make([][]string, len(p.list))
	for i, e := range p.list {
		due := ""
		if e.DueDate != nil {
			due = e.DueDate.Format(l.DateLayout())
		}
		var kind []string
		if e.Fixed {
			kind = append(kind, em.KindFixed)
		}
		if e.Recurring {
			kind = append(kind, em.KindRecur)
		}
		state := em.StatePend
		switch {
		case e.Paid:
			on := ""
			if e.PaidAt != nil {
				on = e.PaidAt.Format(l.DateLayout())
			}
			state = "$ " + fmt.Sprintf(em.StatePaid, on)
		case e.DueDate != nil && e.DueDate.Before(today):
			state = "! " + em.StateLate
		}
		rows[i] = []string{due, sanitize.Line(e.Name), l.Money(e.Amount), strings.Join(kind, ", "), state}
	}
	p.table.SetRows(rows)
}

func (p *expensesPage) Keys() []key.Binding {
	em, sm := p.env.M.Expenses, staffMore(p.env)
	keys := []key.Binding{kit.Key(em.KeyNew, "n"), kit.Key(em.KeyEdit, "e", "enter"), kit.Key(em.KeyPay, "p")}
	if cur := p.table.Cursor; cur < len(p.list) {
		if p.list[cur].Paid {
			keys = append(keys, kit.Key(sm.KeyUnpayExpense, "u"))
		}
		keys = append(keys, kit.Key(sm.KeyDeleteExpense, "x"))
	}
	return append(keys, kit.KeyShown(",.", em.KeyMonth, ",", "."), kit.Key(em.KeyAll, "a"))
}

// confirmUnpay marks a paid expense unpaid again (store.UnpayExpense).
func (p *expensesPage) confirmUnpay(e store.Expense) *kit.FormPage {
	env, m := p.env, staffMore(p.env)
	name := sanitize.Line(e.Name)
	run := func(ctx context.Context) error {
		_, err := env.Tenant.UnpayExpense(ctx, env.Actor, e.ID)
		return err
	}
	return kit.NewConfirmPage(p.st, m.KeyUnpayExpense, fmt.Sprintf(m.ConfirmUnpayExpense, name), "", run,
		fmt.Sprintf(m.ExpenseUnpaid, name), p.reload)
}

// confirmDelete deletes an expense for good after a yes
// (store.DeleteExpense).
func (p *expensesPage) confirmDelete(e store.Expense) *kit.FormPage {
	env, m := p.env, staffMore(p.env)
	run := func(ctx context.Context) error { return env.Tenant.DeleteExpense(ctx, env.Actor, e.ID) }
	q := fmt.Sprintf(m.ConfirmDeleteExpense, sanitize.Line(e.Name), env.L.Money(e.Amount))
	return kit.NewConfirmPage(p.st, m.KeyDeleteExpense, q, "", run, fmt.Sprintf(m.ExpenseDeleted, e.ID), p.reload)
}
