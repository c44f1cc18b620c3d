package cmd

import (
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"consultorio/store"
)

// `expenses list|add|pay`: the expenses screen (admin).
func expensesCmd(env *Env) *cobra.Command {
	group := &cobra.Command{Use: "expenses", Short: "The clinic's expenses (admin)"}
	group.AddCommand(expensesList(env), expensesAdd(env), expensesUpdate(env), expensesPay(env),
		expensesUnpay(env), expensesDelete(env))
	return group
}

func expensesList(env *Env) *cobra.Command {
	var month time.Time
	c := &cobra.Command{
		Use:   "list [--month YYYY-MM]",
		Short: "List expenses (a month: due in it, or created in it when they have no due date)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			list, err := env.Tenant.ListExpenses(c.Context(), env.Actor(), month)
			if err != nil {
				return err
			}
			views := expenseViews(list, env.loc())
			return output(c, views, func(w io.Writer) error {
				if len(views) == 0 {
					return emptyState(w, textsFor(env.lang()).NoExpenses)
				}
				return expenseTable(w, views)
			})
		},
	}
	monthVar(c.Flags(), &month, "month", "month YYYY-MM")
	return c
}

func expenseTable(w io.Writer, views []ExpenseView) error {
	rows := make([][]string, len(views))
	for i, e := range views {
		kind := "-"
		switch {
		case e.Fixed && e.Recurring:
			kind = phrase(w, "fixed, monthly")
		case e.Fixed:
			kind = phrase(w, "fixed")
		case e.Recurring:
			kind = phrase(w, "monthly")
		}
		paid := yesNo(w, false)
		if e.Paid {
			paid = orDash(deref(e.PaidAt))
		}
		rows[i] = []string{strconv.FormatInt(e.ID, 10), e.Name, e.Amount, orDash(deref(e.DueDate)), kind, paid}
	}
	return table(w, []string{"ID", "NAME", "AMOUNT", "DUE", "KIND", "PAID"}, rows)
}

func printExpense(w io.Writer, e ExpenseView) error {
	pairs := []string{"id", strconv.FormatInt(e.ID, 10), "name", e.Name, "amount", e.Amount,
		"due", orDash(deref(e.DueDate)), "fixed", yesNo(w, e.Fixed), "recurring", yesNo(w, e.Recurring),
		"paid", yesNo(w, e.Paid), "paid on", orDash(deref(e.PaidAt))}
	if e.NextID != nil {
		pairs = append(pairs, "next month's copy", "#"+idStr(e.NextID))
	}
	if err := fields(w, pairs...); err != nil {
		return err
	}
	if n := e.NextOffer; n != nil {
		return say(w, "Next month's copy (%s, due %s) is not created yet: run `expenses pay %d --next` to create it.",
			n.Amount, deref(n.DueDate), e.ID)
	}
	return nil
}

func expensesAdd(env *Env) *cobra.Command {
	var in store.ExpenseInput
	c := &cobra.Command{
		Use:   "add --name N --amount A [--due D] [--fixed] [--recurring]",
		Short: "Record an expense (unpaid)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := require(c, "name", "amount"); err != nil {
				return err
			}
			e, err := env.Tenant.CreateExpense(c.Context(), env.Actor(), in)
			if err != nil {
				return err
			}
			v := expenseView(e, env.loc())
			return output(c, v, func(w io.Writer) error { return printExpense(w, v) })
		},
	}
	f := c.Flags()
	f.StringVar(&in.Name, "name", "", "what it is (required)")
	moneyVar(f, &in.Amount, env.readMoney, "amount", "amount, e.g. 1200 or 1.200,50 (required)")
	optDateVar(f, &in.DueDate, "due", "due date YYYY-MM-DD")
	f.BoolVar(&in.Fixed, "fixed", false, "a fixed cost")
	f.BoolVar(&in.Recurring, "recurring", false, "monthly: paying it offers next month's")
	f.StringVar(&in.Notes, "notes", "", "notes")
	return c
}

func expensesPay(env *Env) *cobra.Command {
	var (
		date *time.Time
		next bool
	)
	c := &cobra.Command{
		Use:   "pay ID [--date D] [--next]",
		Short: "Mark an expense paid (default today); --next also creates a recurring expense's next month",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID("expense", args[0])
			if err != nil {
				return err
			}
			e, offer, err := env.Tenant.PayExpense(c.Context(), env.Actor(), id, date)
			if err != nil {
				return err
			}
			if offer != nil && next {
				if _, err := env.Tenant.CreateNextRecurring(c.Context(), env.Actor(), id); err != nil {
					return err
				}
				if e, err = env.Tenant.GetExpense(c.Context(), env.Actor(), id); err != nil {
					return err
				}
				offer = nil
			}
			v := expenseView(e, env.loc())
			if offer != nil {
				n := expenseView(*offer, env.loc())
				v.NextOffer = &n
			}
			return output(c, v, func(w io.Writer) error { return printExpense(w, v) })
		},
	}
	optDateVar(c.Flags(), &date, "date", "payment date YYYY-MM-DD (default: today)")
	c.Flags().BoolVar(&next, "next", false, "create next month's copy of a recurring expense")
	return c
}
