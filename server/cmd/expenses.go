package cmd

import (
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"consultorio/store"
)

// `expenses list|add|pay`: the expenses screen (admin).
func init() {
	register(Clinic, func(env *Env) *cobra.Command {
		group := &cobra.Command{Use: "expenses", Short: "The clinic's expenses (admin)"}
		group.AddCommand(expensesList(env), expensesAdd(env), expensesPay(env))
		return group
	})
}

func expensesList(env *Env) *cobra.Command {
	c := &cobra.Command{
		Use:   "list [--month YYYY-MM]",
		Short: "List expenses (a month: due in it, or created in it when they have no due date)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			month, err := optMonth(c)
			if err != nil {
				return err
			}
			list, err := env.Tenant.ListExpenses(c.Context(), env.Actor(), month)
			if err != nil {
				return err
			}
			views := expenseViews(list, env.loc())
			return output(c, views, func(w io.Writer) error {
				if len(views) == 0 {
					_, err := io.WriteString(w, "No expenses.\n")
					return err
				}
				return expenseTable(w, views)
			})
		},
	}
	c.Flags().String("month", "", "month YYYY-MM")
	return c
}

func expenseTable(w io.Writer, views []ExpenseView) error {
	rows := make([][]string, len(views))
	for i, e := range views {
		kind := "-"
		switch {
		case e.Fixed && e.Recurring:
			kind = "fixed, monthly"
		case e.Fixed:
			kind = "fixed"
		case e.Recurring:
			kind = "monthly"
		}
		paid := "no"
		if e.Paid {
			paid = orDash(deref(e.PaidAt))
		}
		rows[i] = []string{strconv.FormatInt(e.ID, 10), e.Name, e.Amount, orDash(deref(e.DueDate)), kind, paid}
	}
	return table(w, []string{"ID", "NAME", "AMOUNT", "DUE", "KIND", "PAID"}, rows)
}

func printExpense(w io.Writer, e ExpenseView) error {
	pairs := []string{"id", strconv.FormatInt(e.ID, 10), "name", e.Name, "amount", e.Amount,
		"due", orDash(deref(e.DueDate)), "fixed", yesNo(e.Fixed), "recurring", yesNo(e.Recurring),
		"paid", yesNo(e.Paid), "paid on", orDash(deref(e.PaidAt))}
	if e.NextID != nil {
		pairs = append(pairs, "next month's copy", "#"+idStr(e.NextID))
	}
	if err := fields(w, pairs...); err != nil {
		return err
	}
	if n := e.NextOffer; n != nil {
		_, err := fmt.Fprintf(w, "Next month's copy (%s, due %s) is not created yet: run `expenses pay %d --next` to create it.\n",
			n.Amount, deref(n.DueDate), e.ID)
		return err
	}
	return nil
}

func expensesAdd(env *Env) *cobra.Command {
	c := &cobra.Command{
		Use:   "add --name N --amount A [--due D] [--fixed] [--recurring]",
		Short: "Record an expense (unpaid)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := require(c, "name", "amount"); err != nil {
				return err
			}
			amount, err := env.moneyFlag("amount", flagString(c, "amount"))
			if err != nil {
				return err
			}
			in := store.ExpenseInput{Name: flagString(c, "name"), Amount: amount, Fixed: flagBool(c, "fixed"),
				Recurring: flagBool(c, "recurring"), Notes: flagString(c, "notes")}
			if in.DueDate, err = optDate(c, "due"); err != nil {
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
	f.String("name", "", "what it is (required)")
	f.String("amount", "", "amount, e.g. 1200 or 1.200,50 (required)")
	f.String("due", "", "due date YYYY-MM-DD")
	f.Bool("fixed", false, "a fixed cost")
	f.Bool("recurring", false, "monthly: paying it offers next month's")
	f.String("notes", "", "notes")
	return c
}

func expensesPay(env *Env) *cobra.Command {
	c := &cobra.Command{
		Use:   "pay ID [--date D] [--next]",
		Short: "Mark an expense paid (default today); --next also creates a recurring expense's next month",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID("expense", args[0])
			if err != nil {
				return err
			}
			date, err := optDate(c, "date")
			if err != nil {
				return err
			}
			e, next, err := env.Tenant.PayExpense(c.Context(), env.Actor(), id, date)
			if err != nil {
				return err
			}
			if next != nil && flagBool(c, "next") {
				if _, err := env.Tenant.CreateNextRecurring(c.Context(), env.Actor(), id); err != nil {
					return err
				}
				if e, err = env.Tenant.GetExpense(c.Context(), env.Actor(), id); err != nil {
					return err
				}
				next = nil
			}
			v := expenseView(e, env.loc())
			if next != nil {
				n := expenseView(*next, env.loc())
				v.NextOffer = &n
			}
			return output(c, v, func(w io.Writer) error { return printExpense(w, v) })
		},
	}
	c.Flags().String("date", "", "payment date YYYY-MM-DD (default: today)")
	c.Flags().Bool("next", false, "create next month's copy of a recurring expense")
	return c
}
