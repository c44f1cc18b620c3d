package cmd

import (
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"consultorio/store"
)

// `payments list|mark-paid|mark-unpaid|log`: the payments screen and the
// mark paid / unpaid actions of a session.
func paymentsCmd(env *Env) *cobra.Command {
	group := &cobra.Command{Use: "payments", Short: "Session payments"}
	group.AddCommand(paymentsList(env), paymentsShow(env), paymentsMarkPaid(env), paymentsMarkUnpaid(env), paymentsLog(env), paymentsReceipt(env))
	return group
}

func paymentsList(env *Env) *cobra.Command {
	var f store.PaymentFilter
	c := &cobra.Command{
		Use:   "list [--month YYYY-MM] [--unpaid]",
		Short: "List payments with totals (a month: paid in it, or unpaid of its sessions)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			list, err := env.Tenant.ListPayments(c.Context(), env.Actor(), f)
			if err != nil {
				return err
			}
			v := PaymentListView{Payments: make([]PaymentView, len(list.Payments)), TotalPaid: money(list.TotalPaid),
				TotalUnpaid: money(list.TotalUnpaid)}
			for i, p := range list.Payments {
				v.Payments[i] = paymentView(p, env.loc())
			}
			return output(c, v, func(w io.Writer) error {
				if len(v.Payments) > 0 {
					rows := make([][]string, len(v.Payments))
					for i, p := range v.Payments {
						rows[i] = []string{strconv.FormatInt(p.SessionID, 10), p.SessionStart, p.PatientName, p.SpecialistName,
							p.Amount, paidCell(w, p), orDash(msgs(w).MethodName(p.Method)), orDash(p.Reference)}
					}
					if err := table(w, []string{"SESSION", "SESSION START", "PATIENT", "SPECIALIST", "AMOUNT", "PAID", "METHOD", "REFERENCE"}, rows); err != nil {
						return err
					}
				} else if err := emptyState(w, textsFor(env.lang()).NoPayments); err != nil {
					return err
				}
				return fields(w, "total paid", v.TotalPaid, "total unpaid", v.TotalUnpaid)
			})
		},
	}
	monthVar(c.Flags(), &f.Month, "month", "month YYYY-MM")
	c.Flags().BoolVar(&f.Unpaid, "unpaid", false, "only unpaid payments")
	idVar(c.Flags(), &f.SpecialistID, "specialist", "only this specialist's sessions")
	idVar(c.Flags(), &f.PatientID, "patient", "only this patient's sessions")
	return c
}

func paidCell(w io.Writer, p PaymentView) string {
	if p.Paid {
		return deref(p.PaidOn)
	}
	return yesNo(w, false)
}

// printPayment prints a payment's fields after the pairs of before (a
// receipt's number), aligned together.
func printPayment(w io.Writer, p PaymentView, before ...string) error {
	return fields(w, append(before, "session", fmt.Sprintf("#%d %s", p.SessionID, p.SessionStart), "patient", p.PatientName,
		"specialist", p.SpecialistName, "amount", p.Amount, "paid", yesNo(w, p.Paid), "paid on", orDash(deref(p.PaidOn)),
		"method", orDash(msgs(w).MethodName(p.Method)), "reference", orDash(p.Reference))...)
}

func paymentsMarkPaid(env *Env) *cobra.Command {
	var in store.PaymentInput
	c := &cobra.Command{
		Use:   "mark-paid SESSION_ID [--amount A] [--method M] [--reference R] [--date D]",
		Short: "Record a session's payment as paid (default: the patient's price, cash, today)",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID("session", args[0])
			if err != nil {
				return err
			}
			p, err := env.Tenant.MarkPaid(c.Context(), env.Actor(), id, in)
			if err != nil {
				return err
			}
			v := paymentView(p, env.loc())
			return output(c, v, func(w io.Writer) error { return printPayment(w, v) })
		},
	}
	f := c.Flags()
	optMoneyVar(f, &in.Amount, env.readMoney, "amount", "amount (default: the payment's, else the patient's session price)")
	choiceVar(f, &in.Method, "method", "cash (default), card, transfer or other", store.PaymentMethods()...)
	f.StringVar(&in.Reference, "reference", "", "receipt or transfer reference")
	f.StringVar(&in.Observation, "observation", "", "a note")
	optDateVar(f, &in.Date, "date", "payment date YYYY-MM-DD (default: today)")
	return c
}

func paymentsMarkUnpaid(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "mark-unpaid SESSION_ID",
		Short: "Revert a session's payment to unpaid (a mistake, a refund)",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID("session", args[0])
			if err != nil {
				return err
			}
			p, err := env.Tenant.MarkUnpaid(c.Context(), env.Actor(), id)
			if err != nil {
				return err
			}
			v := paymentView(p, env.loc())
			return output(c, v, func(w io.Writer) error { return printPayment(w, v) })
		},
	}
}

func paymentsLog(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "log SESSION_ID",
		Short: "The history of a session's payment (who marked it paid or unpaid, when)",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID("session", args[0])
			if err != nil {
				return err
			}
			entries, err := env.Tenant.PaymentLog(c.Context(), env.Actor(), id)
			if err != nil {
				return err
			}
			views := make([]PaymentLogView, len(entries))
			for i, e := range entries {
				views[i] = paymentLogView(e, env.loc())
			}
			return output(c, views, func(w io.Writer) error {
				if len(views) == 0 {
					return emptyState(w, textsFor(env.lang()).NoPaymentHistory)
				}
				rows := make([][]string, len(views))
				for i, e := range views {
					rows[i] = []string{e.CreatedAt, term(w, e.Action), e.Amount, orDash(msgs(w).MethodName(e.Method)), orDash(e.Reference),
						orDash(e.UserName), strconv.FormatInt(e.SessionID, 10)}
				}
				return table(w, []string{"WHEN", "ACTION", "AMOUNT", "METHOD", "REFERENCE", "BY", "SESSION"}, rows)
			})
		},
	}
}

func paymentsShow(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "show SESSION_ID",
		Short: "Show a session's payment",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID("session", args[0])
			if err != nil {
				return err
			}
			p, err := env.Tenant.GetPayment(c.Context(), env.Actor(), id)
			if err != nil {
				return err
			}
			v := paymentView(p, env.loc())
			return output(c, v, func(w io.Writer) error { return printPayment(w, v) })
		},
	}
}
