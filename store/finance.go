package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
)

// FinanceReport is the finance dashboard of one month (PRODUCT.md §5). All
// month boundaries are the clinic's calendar (its time zone).
type FinanceReport struct {
	Month time.Time `json:"month"` // first instant of the month in the clinic's time zone

	// Collected: paid payments dated (paid_on) in the month.
	Collected decimal.Decimal `json:"collected"`
	// Pending = PendingUnpaid + PendingUnbilled.
	Pending decimal.Decimal `json:"pending"`
	// PendingUnpaid: unpaid payments of the month's non-cancelled sessions.
	PendingUnpaid decimal.Decimal `json:"pending_unpaid"`
	// PendingUnbilled: the patient's price of the month's non-cancelled
	// sessions that have no payment yet.
	PendingUnbilled decimal.Decimal `json:"pending_unbilled"`
	// Expenses: due in the month, or created in it when they have no due
	// date; ExpensesPaid is the part already paid.
	Expenses     decimal.Decimal `json:"expenses"`
	ExpensesPaid decimal.Decimal `json:"expenses_paid"`
	// Payroll = PayrollFixed + PayrollPercent.
	Payroll        decimal.Decimal `json:"payroll"`
	PayrollFixed   decimal.Decimal `json:"payroll_fixed"`   // monthly amounts of active fixed-pay specialists
	PayrollPercent decimal.Decimal `json:"payroll_percent"` // percent × collected payments of their sessions
	PayrollLines   []PayrollLine   `json:"payroll_lines"`
	// Balance = Collected − (Expenses + Payroll).
	Balance decimal.Decimal `json:"balance"`
	// NextExpenses: the next 10 unpaid expenses (earliest due first, overdue
	// included; those without a due date last).
	NextExpenses []Expense `json:"next_expenses"`
	// Chart: the 12 months ending with Month, oldest first.
	Chart []MonthFigure `json:"chart"`
}

// PayrollLine is what one specialist earns in the month.
type PayrollLine struct {
	SpecialistID int64           `json:"specialist_id"`
	Name         string          `json:"name"`
	CompType     string          `json:"comp_type"`  // fixed, percent
	CompValue    decimal.Decimal `json:"comp_value"` // monthly amount, or percent
	Active       bool            `json:"active"`
	Collected    decimal.Decimal `json:"collected"` // paid payments of their sessions dated in the month
	Amount       decimal.Decimal `json:"amount"`
}

// MonthFigure is one bar pair of the income vs expenses chart.
type MonthFigure struct {
	Month    time.Time       `json:"month"` // first instant of the month in the clinic's time zone
	Income   decimal.Decimal `json:"income"`
	Expenses decimal.Decimal `json:"expenses"`
}

var hundred = decimal.NewFromInt(100)

// Finance computes the finance dashboard of a month (any day of it; its year
// and month as written). Admin only.
//
// Payroll: every active specialist paid a fixed amount gets it in full; a
// specialist paid a percent gets it of the month's collected payments of
// their sessions (rounded to cents), also when deactivated since — the money
// came in for their work.
func (t *Tenant) Finance(ctx context.Context, actor Actor, month time.Time) (FinanceReport, error) {
	if err := mayManageFinance(actor, "reading the finance dashboard"); err != nil {
		return FinanceReport{}, err
	}
	loc := t.Info.Location()
	from, to := monthBounds(month, loc)
	dFrom, dTo := asDate(from), asDate(to)
	r := FinanceReport{Month: from, PayrollLines: []PayrollLine{}}
	err := t.tx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `select coalesce(sum(amount), 0) from payments
			where paid and paid_on >= $1 and paid_on < $2`, dFrom, dTo).Scan(&r.Collected); err != nil {
			return fmt.Errorf("collected: %w", err)
		}
		if err := tx.QueryRow(ctx, `select
				coalesce((select sum(pay.amount) from payments pay join sessions s on s.id = pay.session_id
				          where not pay.paid and s.status <> 'cancelled' and s.starts_at >= $1 and s.starts_at < $2), 0),
				coalesce((select sum(p.cost_session) from sessions s join patients p on p.id = s.patient_id
				          where s.status <> 'cancelled' and s.starts_at >= $1 and s.starts_at < $2
				            and not exists (select 1 from payments pay where pay.session_id = s.id)), 0)`,
			from, to).Scan(&r.PendingUnpaid, &r.PendingUnbilled); err != nil {
			return fmt.Errorf("pending: %w", err)
		}
		r.Pending = r.PendingUnpaid.Add(r.PendingUnbilled)
		if err := tx.QueryRow(ctx, `select coalesce(sum(e.amount), 0), coalesce(sum(e.amount) filter (where e.paid), 0)
			from expenses e where `+expensesOfMonth, dFrom, dTo, from, to).Scan(&r.Expenses, &r.ExpensesPaid); err != nil {
			return fmt.Errorf("expenses: %w", err)
		}
		rows, err := tx.Query(ctx, `select sp.id, sp.first_name || ' ' || sp.last_name, sp.comp_type, sp.comp_value,
				sp.active, coalesce(c.collected, 0)
			from specialists sp
			left join (select s.specialist_id, sum(pay.amount) as collected
			           from payments pay join sessions s on s.id = pay.session_id
			           where pay.paid and pay.paid_on >= $1 and pay.paid_on < $2
			           group by s.specialist_id) c on c.specialist_id = sp.id
			where (sp.comp_type = 'fixed' and sp.active)
			   or (sp.comp_type = 'percent' and (sp.active or c.collected is not null))
			order by sp.last_name, sp.first_name, sp.id`, dFrom, dTo)
		if err != nil {
			return fmt.Errorf("payroll: %w", err)
		}
		r.PayrollLines, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (PayrollLine, error) {
			var l PayrollLine
			err := row.Scan(&l.SpecialistID, &l.Name, &l.CompType, &l.CompValue, &l.Active, &l.Collected)
			return l, err
		})
		if err != nil {
			return fmt.Errorf("payroll: %w", err)
		}
		for i := range r.PayrollLines {
			l := &r.PayrollLines[i]
			if l.CompType == "fixed" {
				l.Amount = l.CompValue
				r.PayrollFixed = r.PayrollFixed.Add(l.Amount)
			} else {
				l.Amount = l.Collected.Mul(l.CompValue).Div(hundred).Round(2)
				r.PayrollPercent = r.PayrollPercent.Add(l.Amount)
			}
		}
		r.Payroll = r.PayrollFixed.Add(r.PayrollPercent)
		r.Balance = r.Collected.Sub(r.Expenses.Add(r.Payroll))

		rows, err = tx.Query(ctx, expenseSelect+` where not e.paid
			order by e.due_date nulls last, e.created_at, e.id limit 10`)
		if err != nil {
			return fmt.Errorf("next expenses: %w", err)
		}
		if r.NextExpenses, err = collectExpenses(rows); err != nil {
			return fmt.Errorf("next expenses: %w", err)
		}
		if r.NextExpenses == nil {
			r.NextExpenses = []Expense{}
		}
		r.Chart, err = financeChart(ctx, tx, month, loc)
		return err
	})
	if err != nil {
		return FinanceReport{}, fmt.Errorf("finance: %w", err)
	}
	return r, nil
}

// financeChart sums income (collected) and expenses per month for the 12
// months ending with month, in two grouped queries.
func financeChart(ctx context.Context, tx pgx.Tx, month time.Time, loc *time.Location) ([]MonthFigure, error) {
	y, m, _ := month.Date()
	first := time.Date(y, m-11, 1, 0, 0, 0, 0, time.UTC)
	_, to := monthBounds(month, loc)
	from, _ := monthBounds(first, loc)
	chart := make([]MonthFigure, 12)
	index := map[string]int{}
	for i := range chart {
		mf := time.Date(y, m-11+time.Month(i), 1, 0, 0, 0, 0, loc)
		chart[i] = MonthFigure{Month: mf}
		index[mf.Format("2006-01")] = i
	}
	add := func(sql string, args []any, set func(*MonthFigure, decimal.Decimal)) error {
		rows, err := tx.Query(ctx, sql, args...)
		if err != nil {
			return fmt.Errorf("chart: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var mo time.Time
			var sum decimal.Decimal
			if err := rows.Scan(&mo, &sum); err != nil {
				return fmt.Errorf("chart: %w", err)
			}
			if i, ok := index[mo.Format("2006-01")]; ok {
				set(&chart[i], sum)
			}
		}
		return rows.Err()
	}
	if err := add(`select date_trunc('month', paid_on::timestamp)::date, sum(amount) from payments
		where paid and paid_on >= $1 and paid_on < $2 group by 1`, []any{asDate(from), asDate(to)},
		func(f *MonthFigure, d decimal.Decimal) { f.Income = d }); err != nil {
		return nil, err
	}
	if err := add(`select date_trunc('month', coalesce(e.due_date, (e.created_at at time zone $5)::date)::timestamp)::date,
			sum(e.amount)
		from expenses e where `+expensesOfMonth+` group by 1`, []any{asDate(from), asDate(to), from, to, loc.String()},
		func(f *MonthFigure, d decimal.Decimal) { f.Expenses = d }); err != nil {
		return nil, err
	}
	return chart, nil
}
