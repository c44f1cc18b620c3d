package panel

import (
	"context"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/shopspring/decimal"

	"consultorio/store"
	"consultorio/tui/i18n"
	"consultorio/tui/kit"
	"consultorio/tui/sanitize"
)

// The operator Dashboard: client counts, projected income, debt, the top
// clients by fee with their usage, and a 12-month chart of invoiced vs
// collected drawn with plain characters ("#" invoiced, "=" collected), so
// it reads the same without colour.

type dashboard struct {
	env    *kit.Env
	report *store.DashboardReport
	top    kit.Table
	gen    int
}

type dashboardLoaded struct {
	gen    int
	report store.DashboardReport
	err    error
}

func NewDashboardScreen(env *kit.Env) kit.Screen {
	return NewDashboard(env)
}

func NewDashboard(env *kit.Env) *dashboard {
	d := env.M.Ops.Dashboard
	s := &dashboard{env: env}
	s.top.Cols = []kit.Column{
		{Title: d.ColName, Width: 0},
		{Title: env.M.Ops.Clients.ColStatus, Width: 10},
		{Title: d.ColFee + " " + env.L.CurrencySymbol(), Width: 10, Right: true},
		{Title: d.ColPatients, Width: 5, Right: true},
		{Title: d.ColSessions, Width: 5, Right: true},
		{Title: d.ColStaff, Width: 5, Right: true},
		{Title: d.ColLast, Width: 10, Priority: 2},
	}
	s.top.Cursor = -1 // no selection: nothing to open
	return s
}

func (s *dashboard) load() tea.Cmd {
	s.gen++
	gen, now := s.gen, s.env.Now()
	return s.env.Do(func(ctx context.Context) tea.Msg {
		r, err := s.env.DB.Dashboard(ctx, now)
		return dashboardLoaded{gen: gen, report: r, err: err}
	})
}

func (s *dashboard) Init() tea.Cmd { return s.load() }

// set shows a report.
func (s *dashboard) Set(r store.DashboardReport) {
	s.report = &r
	m, l := s.env.M, s.env.L
	rows := make([][]string, len(r.TopByFee))
	for i, c := range r.TopByFee {
		last := m.Ops.Common.None
		if c.Usage.LastActivity != nil {
			last = l.Date(*c.Usage.LastActivity)
		}
		rows[i] = []string{sanitize.Line(c.Name), kit.StatusText(m, c.Status), l.Number(c.MonthlyFee),
			fmt.Sprint(c.Usage.Patients), fmt.Sprint(c.Usage.SessionsThisMonth), fmt.Sprint(c.Usage.ActiveStaff), last}
	}
	s.top.Rows = rows
}

func (s *dashboard) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case dashboardLoaded:
		if msg.gen != s.gen {
			return nil
		}
		if msg.err != nil {
			s.env.Error(msg.err)
			return nil
		}
		s.Set(msg.report)
	case kit.ShownMsg:
		return s.load()
	case tea.KeyPressMsg:
		if msg.String() == "r" {
			return s.load()
		}
	}
	return nil
}

func (s *dashboard) View(w, h int) string {
	if s.report == nil {
		return ""
	}
	st, m, l := s.env.Styles(), s.env.M, s.env.L
	d := m.Ops.Dashboard
	r := s.report
	c := r.Clients
	lines := []string{
		" " + st.Title.Render(fmt.Sprintf(d.Title, l.DateTime(r.At))),
		" " + fmt.Sprintf(d.Clients, c.Total, c.Active, c.Morose, c.Suspended, c.Archived),
		" " + fmt.Sprintf(d.Income, st.Label.Render(l.Money(r.ProjectedIncome))) + " · " +
			fmt.Sprintf(d.MoroseFees, l.Money(r.MoroseFees)),
		" " + fmt.Sprintf(d.Debt, st.Label.Render(l.Money(r.Debt)), r.DebtInvoices, r.DebtClients),
		" " + st.Subtitle.Render(fmt.Sprintf(d.Top, store.DashboardTop)),
	}
	s.top.Empty = d.NoClients
	top := s.top.View(st, w, store.DashboardTop+2)
	lines = append(lines, strings.Split(kit.Fit(top, w, store.DashboardTop+2), "\n")...)
	chartRows := max(h-len(lines)-2, 3)
	lines = append(lines, ChartView(l, r.Chart, chartRows)...)
	return strings.Join(lines, "\n")
}

// chartView draws the months side by side, each as two bars of rows lines
// ("##" invoiced, "==" collected) over the month's short name, with the
// scale in the title line.
func ChartView(l *i18n.Locale, months []store.InvoiceMonth, rows int) []string {
	d := l.M.Ops.Dashboard
	top := decimal.Zero
	for _, m := range months {
		top = decimal.Max(top, m.Invoiced, m.Collected)
	}
	height := func(v decimal.Decimal) int {
		if top.IsZero() || !v.IsPositive() {
			return 0
		}
		n := int(v.Mul(decimal.NewFromInt(int64(rows))).Div(top).Round(0).IntPart())
		return min(max(n, 1), rows)
	}
	out := []string{" " + fmt.Sprintf(d.Chart, "##", "==", l.Money(top))}
	for row := rows; row >= 1; row-- {
		var b strings.Builder
		b.WriteString(" ")
		for _, m := range months {
			inv, col := "  ", "  "
			if height(m.Invoiced) >= row {
				inv = "##"
			}
			if height(m.Collected) >= row {
				col = "=="
			}
			b.WriteString(inv + col + "  ")
		}
		out = append(out, strings.TrimRight(b.String(), " "))
	}
	var b strings.Builder
	b.WriteString(" ")
	for _, m := range months {
		name := []rune(l.M.Dates.Months[m.Month.Month()-1])
		label := string(name[:min(3, len(name))]) + m.Month.Format("06")
		b.WriteString(kit.Cell(label, 6, false))
	}
	return append(out, strings.TrimRight(b.String(), " "))
}

func (s *dashboard) Keys() []key.Binding {
	return []key.Binding{kit.Key(s.env.M.Ops.Common.KeyReload, "r")}
}

func (s *dashboard) Capturing() bool { return false }
