package panel

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"

	"consultorio/store"
	"consultorio/tui/kit"
	"consultorio/tui/sanitize"
)

// The Billing screen: clients' invoices (filters: unpaid / overdue,
// period), generating a month's invoices, marking paid / unpaid, and the
// morose-after-days setting.

func NewBillingScreen(env *kit.Env) kit.Screen {
	s := kit.NewStack(env, env.M.Panel.Billing)
	s.SetRoot(newInvoiceList(env, s))
	return s
}

// invoiceLimit bounds what the list loads (filters narrow it).
const invoiceLimit = 500

// Invoice filters "u" cycles through.
const (
	invAll = iota
	invUnpaid
	invOverdue
	invFilters
)

type invoiceList struct {
	env   *kit.Env
	stack *kit.Stack
	table kit.Table

	filter   int
	period   time.Time
	rows     []store.Invoice
	settings *store.PanelSettings
	loaded   bool
	gen      int
	h        int
}

type invoicesLoaded struct {
	list     *invoiceList
	gen      int
	rows     []store.Invoice
	settings store.PanelSettings
	err      error
}

// billingChanged: something changed invoices or the setting; the list
// reloads.
type billingChanged struct{}

func newInvoiceList(env *kit.Env, st *kit.Stack) *invoiceList {
	b := env.M.Ops.Billing
	l := &invoiceList{env: env, stack: st}
	l.table.Empty, l.table.Vim = l.env.M.Ops.Common.Empty, true
	l.table.Cols = []kit.Column{
		{Title: b.ColPeriod, Width: 7},
		{Title: b.ColClient, Width: 0},
		{Title: b.ColAmount + " " + env.L.CurrencySymbol(), Width: 10, Right: true},
		{Title: b.ColDue, Width: 10},
		{Title: b.ColPaid, Width: 10},
		{Title: b.ColOverdue, Width: 5, Right: true},
		{Title: b.ColMethod, Width: 8, Priority: 3},
		{Title: b.ColRef, Width: 14, Priority: 4},
	}
	return l
}

func (l *invoiceList) Title() string { return l.env.M.Panel.Billing }

func (l *invoiceList) reload() tea.Cmd {
	l.gen++
	gen := l.gen
	f := store.InvoiceFilter{Unpaid: l.filter == invUnpaid, Overdue: l.filter == invOverdue, Period: l.period, Limit: invoiceLimit}
	return l.env.Do(func(ctx context.Context) tea.Msg {
		rows, err := l.env.DB.ListInvoices(ctx, f)
		if err != nil {
			return invoicesLoaded{list: l, gen: gen, err: err}
		}
		s, err := l.env.DB.PanelSettings(ctx)
		return invoicesLoaded{list: l, gen: gen, rows: rows, settings: s, err: err}
	})
}

func (l *invoiceList) Init() tea.Cmd { return l.reload() }

func (l *invoiceList) methodText(m string) string {
	b := l.env.M.Ops.Billing
	switch m {
	case "":
		return ""
	case "cash":
		return b.Cash
	case "card":
		return b.Card
	case "transfer":
		return b.Transfer
	case "other":
		return b.Other
	}
	return sanitize.Line(m)
}

func (l *invoiceList) setRows(rows []store.Invoice) {
	l.rows = rows
	l.loaded = true
	loc := l.env.L
	cells := make([][]string, len(rows))
	for i, inv := range rows {
		paid, late := "", ""
		if inv.PaidAt != nil {
			paid = kit.CalDate(loc, *inv.PaidAt)
		}
		if inv.Overdue {
			late = fmt.Sprintf(loc.M.Ops.Billing.Overdue, inv.DaysOverdue)
		}
		cells[i] = []string{kit.CalMonth(loc, inv.Period), sanitize.Line(inv.TenantName), loc.Number(inv.Amount),
			kit.CalDate(loc, inv.DueDate), paid, late, l.methodText(inv.Method), sanitize.Line(inv.Reference)}
	}
	l.table.SetRows(cells)
}

func (l *invoiceList) selected() (store.Invoice, bool) {
	if len(l.rows) == 0 {
		return store.Invoice{}, false
	}
	return l.rows[l.table.Cursor], true
}

func (l *invoiceList) tableHeight() int { return max(l.h-2, 3) }

func (l *invoiceList) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case invoicesLoaded:
		if msg.list != l || msg.gen != l.gen {
			return nil
		}
		if msg.err != nil {
			l.env.Error(msg.err)
			return nil
		}
		l.settings = &msg.settings
		l.setRows(msg.rows)
	case billingChanged, kit.ShownMsg:
		return l.reload()
	case tea.WindowSizeMsg:
		l.h = msg.Height
	case tea.KeyPressMsg:
		k := msg.String()
		if l.table.Move(k) {
			return nil
		}
		switch k {
		case "enter", "m":
			if inv, ok := l.selected(); ok {
				if inv.Paid() {
					l.env.Info(l.env.M.Ops.Billing.AlreadyPaid)
					return nil
				}
				return l.stack.Push(newPayForm(l, inv))
			}
		case "n":
			if inv, ok := l.selected(); ok {
				if !inv.Paid() {
					l.env.Info(l.env.M.Ops.Billing.NotPaid)
					return nil
				}
				return l.stack.Push(newUnpayConfirm(l, inv))
			}
		case "g":
			return l.stack.Push(newGenerateForm(l))
		case "u":
			l.filter = (l.filter + 1) % invFilters
			l.table.Top()
			return l.reload()
		case "p":
			return l.stack.Push(newPeriodForm(l))
		case "s":
			return l.stack.Push(newSettingsForm(l))
		case "r":
			return l.reload()
		}
	}
	return nil
}

func (l *invoiceList) View(w, h int) string {
	st, m := l.env.Styles(), l.env.M
	b := m.Ops.Billing
	parts := []string{st.Title.Render(m.Panel.Billing)}
	switch l.filter {
	case invAll:
		parts = append(parts, b.FilterAll)
	case invUnpaid:
		parts = append(parts, b.FilterUnpaid)
	case invOverdue:
		parts = append(parts, b.FilterOverdue)
	}
	if !l.period.IsZero() {
		parts = append(parts, b.FilterPeriod+": "+kit.CalMonth(l.env.L, l.period))
	}
	if l.settings != nil {
		parts = append(parts, fmt.Sprintf(b.MoroseAfter, l.settings.MoroseAfterDays))
	}
	if l.loaded {
		n := fmt.Sprintf(m.Ops.Common.Count, len(l.rows))
		if len(l.rows) == invoiceLimit {
			n = fmt.Sprintf(m.Ops.Common.FirstN, invoiceLimit)
		}
		parts = append(parts, n)
	}
	head := " " + strings.Join(parts, " · ")
	foot := ""
	if inv, ok := l.selected(); ok {
		foot = fmt.Sprintf(" #%d · %s (%s)", inv.ID, sanitize.Line(inv.TenantName), sanitize.Line(inv.Schema))
		if inv.Paid() {
			foot += " · " + l.methodText(inv.Method)
			if inv.Reference != "" {
				foot += " · " + sanitize.Line(inv.Reference)
			}
		}
		foot = st.Muted.Render(foot)
	}
	return head + "\n" + kit.Fit(l.table.View(st, w, l.tableHeight()), w, l.tableHeight()) + "\n" + foot
}

func (l *invoiceList) Keys() []key.Binding {
	b, c := l.env.M.Ops.Billing, l.env.M.Ops.Common
	return []key.Binding{
		kit.KeyShown("m", b.KeyPay, "m", "enter"), kit.Key(b.KeyUnpay, "n"), kit.Key(b.KeyGenerate, "g"),
		kit.Key(b.KeyUnpaid, "u"), kit.Key(b.KeyPeriod, "p"), kit.Key(b.KeySettings, "s"),
		kit.KeyShown("↑↓", c.KeyUpDown, "up", "down"), kit.Key(c.KeyReload, "r"),
	}
}

func (l *invoiceList) Capturing() bool { return false }

func reloadBilling() tea.Msg { return billingChanged{} }

func monthValidator(l *invoiceList, optional bool) func(string) error {
	return func(s string) error {
		if optional && strings.TrimSpace(s) == "" {
			return nil
		}
		if _, err := kit.ParseMonth(s); err != nil {
			return errors.New(l.env.M.Ops.Common.BadMonth)
		}
		return nil
	}
}

// newGenerateForm asks for the month and a confirmation; the status line
// then says how many invoices this run created (0 on a re-run: it is
// idempotent).
func newGenerateForm(l *invoiceList) *kit.FormPage {
	env := l.env
	b := env.M.Ops.Billing
	month := env.Now().In(env.L.Loc).Format("2006-01")
	var yes bool
	var created int
	return &kit.FormPage{
		Stack: l.stack, Name: b.GenerateTitle,
		Build: func() *huh.Form {
			return kit.NewForm(env.M, huh.NewGroup(
				huh.NewInput().Title(b.Month).Description(b.MonthHint).Value(&month).Validate(monthValidator(l, false)),
				huh.NewConfirm().Title(b.GenerateQ).Affirmative(env.M.Login.Yes).Negative(env.M.Login.No).
					Value(&yes).WithButtonAlignment(lipgloss.Left),
			))
		},
		Skip: func() bool { return !yes },
		Save: func(ctx context.Context) error {
			t, err := kit.ParseMonth(month)
			if err != nil {
				return err
			}
			inv, err := env.DB.GenerateInvoices(ctx, env.OperatorActor, t)
			created = len(inv)
			return err
		},
		AfterSave: func() tea.Cmd {
			env.Info(fmt.Sprintf(b.Generated, created))
			return reloadBilling
		},
	}
}

// newPayForm records an invoice's payment: date (today by default), method,
// reference.
func newPayForm(l *invoiceList, inv store.Invoice) *kit.FormPage {
	env := l.env
	b := env.M.Ops.Billing
	date := env.L.Date(env.Now())
	method := "transfer"
	var ref string
	return &kit.FormPage{
		Stack: l.stack, Name: fmt.Sprintf("%s #%d", b.PayTitle, inv.ID),
		Build: func() *huh.Form {
			return kit.NewForm(env.M, huh.NewGroup(
				huh.NewNote().Title(fmt.Sprintf("%s · %s · %s", sanitize.Line(inv.TenantName), kit.CalMonth(env.L, inv.Period), env.L.Money(inv.Amount))),
				huh.NewInput().Title(b.PaidAt).Description(env.L.DateHint()).Value(&date).Validate(func(s string) error {
					_, err := env.L.ParseDate(s)
					return err
				}),
				huh.NewSelect[string]().Title(b.Method).Value(&method).Options(
					huh.NewOption(b.Transfer, "transfer"), huh.NewOption(b.Cash, "cash"),
					huh.NewOption(b.Card, "card"), huh.NewOption(b.Other, "other")),
				huh.NewInput().Title(b.Reference).Value(&ref).CharLimit(200),
			))
		},
		Save: func(ctx context.Context) error {
			d, err := env.L.ParseDate(date)
			if err != nil {
				return err
			}
			_, err = env.DB.MarkInvoicePaid(ctx, env.OperatorActor, inv.ID, store.InvoicePayment{PaidAt: d, Method: method, Reference: ref})
			return err
		},
		Done:      b.Paid,
		AfterSave: func() tea.Cmd { return reloadBilling },
	}
}

func newUnpayConfirm(l *invoiceList, inv store.Invoice) *kit.FormPage {
	env := l.env
	b := env.M.Ops.Billing
	return kit.NewConfirmPage(l.stack, b.KeyUnpay, fmt.Sprintf(b.UnpayQ, inv.ID), "",
		func(ctx context.Context) error {
			_, err := env.DB.MarkInvoiceUnpaid(ctx, env.OperatorActor, inv.ID)
			return err
		}, b.Unpaid, func() tea.Cmd { return reloadBilling })
}

// newPeriodForm filters the list by a month (empty: every month).
func newPeriodForm(l *invoiceList) *kit.FormPage {
	env := l.env
	b := env.M.Ops.Billing
	var month string
	if !l.period.IsZero() {
		month = l.period.Format("2006-01")
	}
	return &kit.FormPage{
		Stack: l.stack, Name: b.PeriodTitle,
		Build: func() *huh.Form {
			return kit.NewForm(env.M, huh.NewGroup(
				huh.NewInput().Title(b.Month).Description(b.PeriodHint).Value(&month).Validate(monthValidator(l, true))))
		},
		// Nothing to save: the filter is applied when the form closes.
		Save: func(context.Context) error { return nil },
		AfterSave: func() tea.Cmd {
			l.period = time.Time{}
			if t, err := kit.ParseMonth(month); err == nil {
				l.period = t
			}
			l.table.Top()
			return l.reload()
		},
	}
}

func newSettingsForm(l *invoiceList) *kit.FormPage {
	env := l.env
	b := env.M.Ops.Billing
	days := strconv.Itoa(store.DefaultMoroseAfterDays)
	if l.settings != nil {
		days = strconv.Itoa(l.settings.MoroseAfterDays)
	}
	return &kit.FormPage{
		Stack: l.stack, Name: b.SettingsTitle,
		Build: func() *huh.Form {
			return kit.NewForm(env.M, huh.NewGroup(
				huh.NewInput().Title(b.MoroseDays).Description(b.MoroseDaysHint).Value(&days).Validate(func(s string) error {
					if n, err := kit.ParseOptInt(s); err != nil || n == nil {
						return errors.New(env.M.Ops.Common.BadNumber)
					}
					return nil
				})))
		},
		Save: func(ctx context.Context) error {
			n, err := strconv.Atoi(strings.TrimSpace(days))
			if err != nil {
				return err
			}
			_, err = env.DB.SetMoroseAfterDays(ctx, env.OperatorActor, n)
			return err
		},
		Done:      b.SettingsSaved,
		AfterSave: func() tea.Cmd { return reloadBilling },
	}
}
