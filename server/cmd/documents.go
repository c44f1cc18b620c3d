package cmd

import (
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"consultorio/printout"
	"consultorio/store"
)

// The printable documents: `cash-close`, `patients statement`, `payments
// receipt` and `agenda --pdf`. Each prints text, --json, or with --pdf the
// PDF's bytes on stdout (`ssh clinic@host cash-close --pdf > caja.pdf`).

// pdfFlag adds --pdf to a command.
func pdfFlag(c *cobra.Command, p *bool) {
	c.Flags().BoolVar(p, "pdf", false, "write the document as PDF on stdout (redirect it to a file)")
}

// checkPDF refuses --pdf where the bytes cannot arrive whole: with --json,
// and on a terminal, whose line discipline rewrites them (a session with a
// PTY, `ssh -t`).
func (e *Env) checkPDF(c *cobra.Command, pdf bool) error {
	switch {
	case !pdf:
		return nil
	case wantJSON(c):
		return usagef("%s: --pdf and --json exclude each other", c.CommandPath())
	case e.Terminal:
		return usagef("%s: --pdf writes binary data: run it without a terminal (no ssh -t) and redirect it to a file", c.CommandPath())
	}
	return nil
}

// writePDF writes a document's bytes as they are.
func writePDF(c *cobra.Command, b []byte) error {
	_, err := c.OutOrStdout().Write(b)
	return err
}

// documents is the clinic's document maker in the user's language.
func (e *Env) documents() printout.Documents {
	return printout.Documents{Tenant: e.Tenant, Locale: e.locale()}
}

// CashCloseView is `cash-close --json`.
type CashCloseView struct {
	Date     string           `json:"date"`
	Methods  []CashMethodView `json:"methods"`
	Payments []PaymentView    `json:"payments"`
	Count    int              `json:"count"`
	Total    string           `json:"total"`
}

// CashMethodView is what one payment method took.
type CashMethodView struct {
	Method string `json:"method"`
	Count  int    `json:"count"`
	Total  string `json:"total"`
}

func cashCloseCmd(env *Env) *cobra.Command {
	var (
		day time.Time
		doc docFlags
	)
	c := &cobra.Command{
		Use:   "cash-close [--date D] [--pdf | --mail[=ADDR]]",
		Short: "A day's takings by payment method, with every payment (default today)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if handled, err := env.deliver(c, doc, func(d printout.Documents, addr string) (store.OutboxItem, error) {
				return d.MailCashClose(c.Context(), env.Actor(), day, addr)
			}, func(d printout.Documents) ([]byte, error) {
				return d.CashClosePDF(c.Context(), env.Actor(), day)
			}); handled {
				return err
			}
			cc, err := env.Tenant.CashClose(c.Context(), env.Actor(), day)
			if err != nil {
				return err
			}
			v := CashCloseView{Date: fmtDate(cc.Day), Payments: make([]PaymentView, len(cc.Payments)), Count: cc.Count,
				Total: money(cc.Total)}
			for _, m := range cc.Methods {
				v.Methods = append(v.Methods, CashMethodView{Method: m.Method, Count: m.Count, Total: money(m.Total)})
			}
			for i, p := range cc.Payments {
				v.Payments[i] = paymentView(p, env.loc())
			}
			return output(c, v, func(w io.Writer) error {
				rows := make([][]string, 0, len(v.Methods)+1)
				for _, m := range v.Methods {
					rows = append(rows, []string{msgs(w).MethodName(m.Method), strconv.Itoa(m.Count), m.Total})
				}
				rows = append(rows, []string{phrase(w, "total"), strconv.Itoa(v.Count), v.Total})
				if err := fields(w, "date", v.Date); err != nil {
					return err
				}
				if err := table(w, []string{"METHOD", "COUNT", "TOTAL"}, rows); err != nil {
					return err
				}
				if len(v.Payments) == 0 {
					return emptyState(w, textsFor(env.lang()).NoPayments)
				}
				prow := make([][]string, len(v.Payments))
				for i, p := range v.Payments {
					prow[i] = []string{strconv.FormatInt(p.SessionID, 10), p.PatientName, p.SpecialistName, msgs(w).MethodName(p.Method),
						orDash(p.Reference), p.Amount}
				}
				_, _ = io.WriteString(w, "\n")
				return table(w, []string{"SESSION", "PATIENT", "SPECIALIST", "METHOD", "REFERENCE", "AMOUNT"}, prow)
			})
		},
	}
	dateVar(c.Flags(), &day, "date", "the day, YYYY-MM-DD (default: today in the clinic)")
	doc.add(c, "send the PDF by e-mail: to your own address, or --mail=ADDR")
	return c
}

// StatementView is `patients statement --json`.
type StatementView struct {
	PatientID       int64               `json:"patient_id"`
	PatientName     string              `json:"patient_name"`
	PatientDocument string              `json:"patient_document"`
	Lines           []StatementLineView `json:"lines"`
	Paid            string              `json:"paid"`
	Balance         string              `json:"balance"`
}

// StatementLineView is one session of a statement.
type StatementLineView struct {
	SessionID      int64   `json:"session_id"`
	StartsAt       string  `json:"starts_at"`
	SpecialistName string  `json:"specialist_name"`
	Status         string  `json:"status"`
	Amount         *string `json:"amount"`
	Paid           bool    `json:"paid"`
	PaidOn         *string `json:"paid_on"`
	Method         string  `json:"method"`
	Owed           bool    `json:"owed"`
}

func patientsStatement(env *Env) *cobra.Command {
	var doc docFlags
	c := &cobra.Command{
		Use:   "statement ID [--pdf | --mail[=ADDR]]",
		Short: "A patient's statement: sessions, payments and the balance owed",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID("patient", args[0])
			if err != nil {
				return err
			}
			if handled, err := env.deliver(c, doc, func(d printout.Documents, addr string) (store.OutboxItem, error) {
				return d.MailStatement(c.Context(), env.Actor(), id, addr)
			}, func(d printout.Documents) ([]byte, error) {
				return d.StatementPDF(c.Context(), env.Actor(), id)
			}); handled {
				return err
			}
			st, err := env.Tenant.PatientStatement(c.Context(), env.Actor(), id)
			if err != nil {
				return err
			}
			v := StatementView{PatientID: st.PatientID, PatientName: st.PatientName, PatientDocument: st.PatientDocument,
				Lines: make([]StatementLineView, len(st.Lines)), Paid: money(st.Paid), Balance: money(st.Balance)}
			for i, l := range st.Lines {
				lv := StatementLineView{SessionID: l.SessionID, StartsAt: fmtTime(l.StartsAt, env.loc()),
					SpecialistName: l.SpecialistName, Status: l.Status, Paid: l.Paid, PaidOn: fmtDatePtr(l.PaidOn),
					Method: l.Method, Owed: l.Owed}
				if l.Amount != nil {
					a := money(*l.Amount)
					lv.Amount = &a
				}
				v.Lines[i] = lv
			}
			return output(c, v, func(w io.Writer) error {
				if err := fields(w, "patient", v.PatientName, "document", orDash(v.PatientDocument)); err != nil {
					return err
				}
				if len(v.Lines) > 0 {
					rows := make([][]string, len(v.Lines))
					for i, l := range v.Lines {
						paid := "-"
						switch {
						case l.Paid:
							paid = deref(l.PaidOn) + " " + msgs(w).MethodName(l.Method)
						case l.Owed:
							paid = phrase(w, "owed")
						}
						rows[i] = []string{strconv.FormatInt(l.SessionID, 10), l.StartsAt, l.SpecialistName, msgs(w).StatusName(l.Status),
							orDash(deref(l.Amount)), paid}
					}
					if err := table(w, []string{"SESSION", "START", "SPECIALIST", "STATUS", "AMOUNT", "PAID"}, rows); err != nil {
						return err
					}
				} else if err := emptyState(w, textsFor(env.lang()).NoSessions); err != nil {
					return err
				}
				return fields(w, "paid", v.Paid, "balance", v.Balance)
			})
		},
	}
	doc.add(c, "send the PDF by e-mail: to the patient's address, or --mail=ADDR")
	return c
}

// ReceiptView is `payments receipt --json`.
type ReceiptView struct {
	Number          int64       `json:"number"`
	Payment         PaymentView `json:"payment"`
	PatientDocument string      `json:"patient_document"`
	IssuedAt        string      `json:"issued_at"`
	IssuedBy        string      `json:"issued_by"`
}

func paymentsReceipt(env *Env) *cobra.Command {
	var doc docFlags
	c := &cobra.Command{
		Use:   "receipt SESSION_ID [--pdf | --mail[=ADDR]]",
		Short: "The receipt of a session's paid payment",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID("session", args[0])
			if err != nil {
				return err
			}
			if handled, err := env.deliver(c, doc, func(d printout.Documents, addr string) (store.OutboxItem, error) {
				return d.MailReceipt(c.Context(), env.Actor(), id, addr)
			}, func(d printout.Documents) ([]byte, error) {
				return d.ReceiptPDF(c.Context(), env.Actor(), id)
			}); handled {
				return err
			}
			r, err := env.Tenant.PaymentReceipt(c.Context(), env.Actor(), id)
			if err != nil {
				return err
			}
			v := ReceiptView{Number: r.Number, Payment: paymentView(r.Payment, env.loc()), PatientDocument: r.PatientDocument,
				IssuedAt: fmtTime(r.IssuedAt, env.loc()), IssuedBy: r.IssuedBy}
			return output(c, v, func(w io.Writer) error {
				return printPayment(w, v.Payment, "receipt", "#"+strconv.FormatInt(v.Number, 10))
			})
		},
	}
	doc.add(c, "send the PDF by e-mail: to the patient's address, or --mail=ADDR")
	return c
}
