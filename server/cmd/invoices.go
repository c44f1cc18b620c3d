package cmd

import (
	"errors"
	"io"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"

	"consultorio/store"
)

// Panel: invoices generate|list|show|mark-paid|mark-unpaid — the billing of
// clients (PRODUCT.md §6) on the store's operations, which keep the rules
// (idempotent generation, the morose transition and its reversal, the
// operator audit log).

// InvoiceView is a client's invoice as the panel commands print it: period
// YYYY-MM, calendar dates YYYY-MM-DD, amounts as decimal strings, the
// creation instant in RFC 3339 (UTC; operators have no time zone of their
// own).
type InvoiceView struct {
	ID          int64   `json:"id"`
	TenantID    int64   `json:"tenant_id"`
	Schema      string  `json:"schema"`
	TenantName  string  `json:"tenant_name"`
	Period      string  `json:"period"`
	Amount      string  `json:"amount"`
	DueDate     string  `json:"due_date"`
	Paid        bool    `json:"paid"`
	PaidAt      *string `json:"paid_at"`
	Method      string  `json:"method"`
	Reference   string  `json:"reference"`
	Overdue     bool    `json:"overdue"`
	DaysOverdue int     `json:"days_overdue"`
	CreatedAt   string  `json:"created_at"`
}

func invoiceView(i store.Invoice) InvoiceView {
	return InvoiceView{ID: i.ID, TenantID: i.TenantID, Schema: i.Schema, TenantName: i.TenantName,
		Period: i.Period.Format(monthLayout), Amount: money(i.Amount), DueDate: fmtDate(i.DueDate), Paid: i.Paid(),
		PaidAt: fmtDatePtr(i.PaidAt), Method: i.Method, Reference: i.Reference, Overdue: i.Overdue,
		DaysOverdue: i.DaysOverdue, CreatedAt: i.CreatedAt.UTC().Format(time.RFC3339)}
}

func invoiceViews(is []store.Invoice) []InvoiceView {
	out := make([]InvoiceView, len(is))
	for i, inv := range is {
		out[i] = invoiceView(inv)
	}
	return out
}

// GeneratedInvoices is what `invoices generate` prints: the invoices this
// run created (none when the month was already generated) and their total.
type GeneratedInvoices struct {
	Month    string        `json:"month"`
	Created  int           `json:"created"`
	Total    string        `json:"total"`
	Invoices []InvoiceView `json:"invoices"`
}

// invoiceTable prints invoices one a line.
func invoiceTable(w io.Writer, is []InvoiceView) error {
	rows := make([][]string, len(is))
	for i, v := range is {
		state := phrase(w, "unpaid")
		switch {
		case v.Paid:
			state = phrase(w, "paid %s %s", deref(v.PaidAt), msgs(w).MethodName(v.Method))
		case v.Overdue:
			state = phrase(w, "overdue %s", plural(v.DaysOverdue, "day", "days"))
		}
		rows[i] = []string{strconv.FormatInt(v.ID, 10), v.Schema, v.TenantName, v.Period, v.Amount, v.DueDate, state}
	}
	return table(w, []string{"ID", "SCHEMA", "CLIENT", "PERIOD", "AMOUNT", "DUE", "STATE"}, rows)
}

func invoicesCmd(env *Env) *cobra.Command {
	invoices := &cobra.Command{Use: "invoices", Short: "Monthly invoices of the clinics (clients)"}

	var month time.Time
	generate := &cobra.Command{
		Use:   "generate --month YYYY-MM",
		Short: "Create a month's invoices for every active (or morose) client; running it again creates nothing new",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := require(c, "month"); err != nil {
				return err
			}
			created, err := env.DB.GenerateInvoices(c.Context(), env.OperatorActor(), month)
			if err != nil {
				return err
			}
			total := decimal.Zero
			for _, inv := range created {
				total = total.Add(inv.Amount)
			}
			g := GeneratedInvoices{Month: month.Format(monthLayout), Created: len(created), Total: money(total),
				Invoices: invoiceViews(created)}
			return output(c, g, func(w io.Writer) error {
				if g.Created == 0 {
					return say(w, "No new invoices for %s: every active client already has one.", g.Month)
				}
				if err := say(w, "Created %s for %s, total %s.", plural(g.Created, "invoice", "invoices"), g.Month, g.Total); err != nil {
					return err
				}
				return invoiceTable(w, g.Invoices)
			})
		},
	}
	monthVar(generate.Flags(), &month, "month", "the month to bill, YYYY-MM (required)")

	var f store.InvoiceFilter
	list := &cobra.Command{
		Use:   "list [--unpaid] [--overdue] [--month YYYY-MM] [--tenant SCHEMA]",
		Short: "List invoices, newest month first",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			is, err := env.DB.ListInvoices(c.Context(), f)
			if err != nil {
				return noSuchClinic(f.Schema, err)
			}
			vs := invoiceViews(is)
			return output(c, vs, func(w io.Writer) error {
				if len(vs) == 0 {
					return emptyState(w, textsFor(env.lang()).NoInvoices)
				}
				return invoiceTable(w, vs)
			})
		},
	}
	list.Flags().BoolVar(&f.Unpaid, "unpaid", false, "only unpaid invoices")
	list.Flags().BoolVar(&f.Overdue, "overdue", false, "only unpaid invoices past their due date")
	monthVar(list.Flags(), &f.Period, "month", "only this period, YYYY-MM")
	list.Flags().StringVar(&f.Schema, "tenant", "", "only this clinic (schema name)")
	countVar(list.Flags(), &f.Limit, "limit", 0, 0, "at most this many (default: all)")

	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show one invoice",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, a []string) error {
			id, err := parseID("invoice id", a[0])
			if err != nil {
				return err
			}
			inv, err := env.DB.GetInvoice(c.Context(), id)
			if err != nil {
				return noSuchInvoice(id, err)
			}
			return printInvoice(c, inv)
		},
	}

	var (
		pay    store.InvoicePayment
		paidOn *time.Time
	)
	markPaid := &cobra.Command{
		Use:   "mark-paid ID [--date YYYY-MM-DD] [--method cash|card|transfer|other] [--reference R]",
		Short: "Record an invoice's payment (a morose client that owes nothing else becomes active)",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, a []string) error {
			id, err := parseID("invoice id", a[0])
			if err != nil {
				return err
			}
			if paidOn != nil {
				pay.PaidAt = *paidOn
			}
			inv, err := env.DB.MarkInvoicePaid(c.Context(), env.OperatorActor(), id, pay)
			if err != nil {
				return noSuchInvoice(id, err)
			}
			return printInvoice(c, inv)
		},
	}
	optDateVar(markPaid.Flags(), &paidOn, "date", "the day it was paid, YYYY-MM-DD (default: today in the client's time zone)")
	markPaid.Flags().StringVar(&pay.Method, "method", "", "cash, card, transfer or other (default: other)")
	markPaid.Flags().StringVar(&pay.Reference, "reference", "", "bank operation number, receipt…")

	markUnpaid := &cobra.Command{
		Use:   "mark-unpaid ID",
		Short: "Undo an invoice's payment (the client may become morose again)",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, a []string) error {
			id, err := parseID("invoice id", a[0])
			if err != nil {
				return err
			}
			inv, err := env.DB.MarkInvoiceUnpaid(c.Context(), env.OperatorActor(), id)
			if err != nil {
				return noSuchInvoice(id, err)
			}
			return printInvoice(c, inv)
		},
	}

	invoices.AddCommand(generate, list, show, markPaid, markUnpaid)
	return invoices
}

// noSuchInvoice names the invoice the store did not find.
func noSuchInvoice(id int64, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return &store.NotFoundError{What: store.EntityInvoice, ID: id}
	}
	return err
}

func printInvoice(c *cobra.Command, inv store.Invoice) error {
	v := invoiceView(inv)
	return output(c, v, func(w io.Writer) error {
		paid := yesNo(w, false)
		if v.Paid {
			paid = deref(v.PaidAt) + " (" + msgs(w).MethodName(v.Method) + ")"
		} else if v.Overdue {
			paid = phrase(w, "no, overdue %s", plural(v.DaysOverdue, "day", "days"))
		}
		return fields(w, "invoice", "#"+strconv.FormatInt(v.ID, 10), "client", v.TenantName+" ("+v.Schema+")",
			"period", v.Period, "amount", v.Amount, "due", v.DueDate, "paid", paid, "reference", orDash(v.Reference))
	})
}
