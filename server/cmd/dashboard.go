package cmd

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"

	"consultorio/store"
)

// Panel: dashboard — the operator dashboard's figures (PRODUCT.md §6) from
// store.Dashboard at the store's clock.

// DashboardView is what `dashboard --json` prints. Amounts are decimal
// strings; months YYYY-MM; instants RFC 3339 in UTC.
type DashboardView struct {
	At              string             `json:"at"`
	Clients         store.ClientCounts `json:"clients"`
	ProjectedIncome string             `json:"projected_income"`
	Debt            string             `json:"debt"`
	DebtInvoices    int                `json:"debt_invoices"`
	DebtClients     int                `json:"debt_clients"`
	MoroseFees      string             `json:"morose_fees"`
	TopByFee        []TopClientView    `json:"top_by_fee"`
	Chart           []InvoiceMonthView `json:"chart"`
}

// TopClientView is one of the clients with the highest fee, with its usage.
type TopClientView struct {
	Schema            string  `json:"schema"`
	Name              string  `json:"name"`
	Status            string  `json:"status"`
	MonthlyFee        string  `json:"monthly_fee"`
	Patients          int     `json:"patients"`
	SessionsThisMonth int     `json:"sessions_this_month"`
	ActiveStaff       int     `json:"active_staff"`
	LastActivity      *string `json:"last_activity"`
}

// InvoiceMonthView is one month of the chart: invoiced (Σ invoices of that
// period) vs collected (Σ invoices paid that month).
type InvoiceMonthView struct {
	Month     string `json:"month"`
	Invoiced  string `json:"invoiced"`
	Collected string `json:"collected"`
}

func rfc3339Ptr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

func dashboardView(r store.DashboardReport) DashboardView {
	v := DashboardView{At: r.At.UTC().Format(time.RFC3339), Clients: r.Clients,
		ProjectedIncome: money(r.ProjectedIncome), Debt: money(r.Debt), DebtInvoices: r.DebtInvoices,
		DebtClients: r.DebtClients, MoroseFees: money(r.MoroseFees),
		TopByFee: make([]TopClientView, len(r.TopByFee)), Chart: make([]InvoiceMonthView, len(r.Chart))}
	for i, c := range r.TopByFee {
		v.TopByFee[i] = TopClientView{Schema: c.Schema, Name: c.Name, Status: c.Status, MonthlyFee: money(c.MonthlyFee),
			Patients: c.Usage.Patients, SessionsThisMonth: c.Usage.SessionsThisMonth, ActiveStaff: c.Usage.ActiveStaff,
			LastActivity: rfc3339Ptr(c.Usage.LastActivity)}
	}
	for i, m := range r.Chart {
		v.Chart[i] = InvoiceMonthView{Month: m.Month.Format(monthLayout), Invoiced: money(m.Invoiced),
			Collected: money(m.Collected)}
	}
	return v
}

// chartWidth is the longest bar of the text chart, so a line with its
// figures fits 80 columns.
const chartWidth = 30

// bar is amount as a run of c, scaled so that top is chartWidth long; a
// non-zero amount shows at least one mark.
func bar(amount, top decimal.Decimal, c string) string {
	if !amount.IsPositive() || !top.IsPositive() {
		return ""
	}
	n := int(amount.Mul(decimal.NewFromInt(chartWidth)).Div(top).Round(0).IntPart())
	return strings.Repeat(c, max(1, n))
}

func writeDashboard(w io.Writer, r store.DashboardReport, v DashboardView) error {
	c := v.Clients
	if err := fields(w,
		"clients", phrase(w, "%d (active %d, morose %d, suspended %d; archived %d)", c.Total, c.Active, c.Morose, c.Suspended, c.Archived),
		"projected income", phrase(w, "%s a month (fees of active clients)", v.ProjectedIncome),
		"debt", phrase(w, "%s (%s overdue, %s)", v.Debt, plural(v.DebtInvoices, "invoice", "invoices"), plural(v.DebtClients, "client", "clients")),
		"morose clients' fees", v.MoroseFees); err != nil {
		return err
	}
	fmt.Fprintln(w)
	if err := say(w, "Top %d clients by fee (sessions this month, active staff, last activity):", store.DashboardTop); err != nil {
		return err
	}
	if len(v.TopByFee) == 0 {
		if err := say(w, "  none"); err != nil {
			return err
		}
	} else {
		rows := make([][]string, len(v.TopByFee))
		for i, t := range v.TopByFee {
			last := "-"
			if u := r.TopByFee[i].Usage.LastActivity; u != nil {
				last = u.UTC().Format("2006-01-02")
			}
			rows[i] = []string{t.Schema, t.Name, term(w, t.Status), t.MonthlyFee, itoa(t.Patients), itoa(t.SessionsThisMonth),
				itoa(t.ActiveStaff), last}
		}
		if err := table(w, []string{"SCHEMA", "NAME", "STATUS", "FEE", "PATIENTS", "SESSIONS", "STAFF", "LAST"}, rows); err != nil {
			return err
		}
	}
	fmt.Fprintln(w)
	if err := say(w, "Invoiced (#) vs collected (=), last %d months:", len(r.Chart)); err != nil {
		return err
	}
	top := decimal.Zero
	for _, m := range r.Chart {
		top = decimal.Max(top, m.Invoiced, m.Collected)
	}
	for i, m := range r.Chart {
		line := fmt.Sprintf("%s %10s %s", v.Chart[i].Month, v.Chart[i].Invoiced, bar(m.Invoiced, top, "#"))
		fmt.Fprintln(w, strings.TrimRight(line, " "))
		line = fmt.Sprintf("%7s %10s %s", "", v.Chart[i].Collected, bar(m.Collected, top, "="))
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
	return nil
}

func dashboardCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "dashboard",
		Short: "Clients by status, projected income, debt, top clients by fee, invoiced vs collected",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			r, err := env.DB.Dashboard(c.Context(), env.DB.Now())
			if err != nil {
				return err
			}
			v := dashboardView(r)
			return output(c, v, func(w io.Writer) error { return writeDashboard(w, r, v) })
		},
	}
}
