package cmd

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"consultorio/tui/i18n"
)

// `finance`: every figure of the finance dashboard (admin).
func financeCmd(env *Env) *cobra.Command {
	var month time.Time
	c := &cobra.Command{
		Use:   "finance [--month YYYY-MM]",
		Short: "The finance dashboard of a month (default this month): income, expenses, payroll, balance",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if !given(c, "month") {
				month = env.today()
			}
			r, err := env.Tenant.Finance(c.Context(), env.Actor(), month)
			if err != nil {
				return err
			}
			v := financeView(r, env.Tenant.Info.Currency, env.loc())
			return output(c, v, func(w io.Writer) error { return printFinance(w, env.lang(), month, v) })
		},
	}
	monthVar(c.Flags(), &month, "month", "month YYYY-MM (default: this month)")
	return c
}

func printFinance(w io.Writer, lang i18n.Lang, month time.Time, v FinanceView) error {
	if err := fields(w, "month", v.Month+" ("+i18n.MonthName(lang, month)+")", "currency", v.Currency,
		"collected income", v.Collected,
		"pending income", phrase(w, "%s (unpaid %s + not yet billed %s)", v.Pending, v.PendingUnpaid, v.PendingUnbilled),
		"expenses", phrase(w, "%s (paid %s)", v.Expenses, v.ExpensesPaid),
		"payroll", phrase(w, "%s (fixed %s + percent %s)", v.Payroll, v.PayrollFixed, v.PayrollPercent),
		"balance", v.Balance); err != nil {
		return err
	}
	if len(v.PayrollLines) > 0 {
		fmt.Fprintln(w)
		if err := say(w, "Payroll"); err != nil {
			return err
		}
		rows := make([][]string, len(v.PayrollLines))
		for i, l := range v.PayrollLines {
			pay := l.CompValue
			if l.CompType == "percent" {
				pay = phrase(w, "%s%% of %s", pay, l.Collected)
			} else {
				pay = phrase(w, "%s monthly", pay)
			}
			rows[i] = []string{l.Name, term(w, l.CompType), pay, l.Amount}
		}
		if err := table(w, []string{"SPECIALIST", "PAY", "BASIS", "AMOUNT"}, rows); err != nil {
			return err
		}
	}
	if len(v.NextExpenses) > 0 {
		fmt.Fprintln(w)
		if err := say(w, "Next unpaid expenses"); err != nil {
			return err
		}
		if err := expenseTable(w, v.NextExpenses); err != nil {
			return err
		}
	}
	fmt.Fprintln(w)
	if err := say(w, "Last 12 months"); err != nil {
		return err
	}
	rows := make([][]string, len(v.Chart))
	for i, m := range v.Chart {
		rows[i] = []string{m.Month, m.Income, m.Expenses}
	}
	return table(w, []string{"MONTH", "INCOME", "EXPENSES"}, rows)
}
