package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
)

// Expense is a cost of the clinic (rent, salaries paid outside payroll,
// supplies). A recurring one is monthly: paying it offers next month's copy.
type Expense struct {
	ID         int64           `json:"id"`
	Name       string          `json:"name"`
	Amount     decimal.Decimal `json:"amount"`
	Fixed      bool            `json:"fixed"`
	Recurring  bool            `json:"recurring"`
	DueDate    *time.Time      `json:"due_date"` // a calendar date (UTC midnight)
	Paid       bool            `json:"paid"`
	PaidAt     *time.Time      `json:"paid_at"` // a calendar date (UTC midnight)
	Notes      string          `json:"notes"`
	PreviousID *int64          `json:"previous_id"` // the expense this one is the next month's copy of
	NextID     *int64          `json:"next_id"`     // its own next month's copy, once created
	CreatedAt  time.Time       `json:"created_at"`
}

// ExpenseInput is what a user enters for an expense.
type ExpenseInput struct {
	Name      string
	Amount    decimal.Decimal // > 0
	Fixed     bool
	Recurring bool
	DueDate   *time.Time // its calendar date as written; optional
	Notes     string
}

func (in *ExpenseInput) normalize() error {
	if err := checkTexts(oneLine("name", in.Name), multiLine("notes", in.Notes)); err != nil {
		return err
	}
	v := validation{}
	in.Name = strings.TrimSpace(in.Name)
	in.Notes = strings.TrimSpace(in.Notes)
	switch {
	case in.Name == "":
		v.add("name", ReasonRequired)
	case len(in.Name) > 200:
		v.add("name", ReasonTooLong, 200)
	}
	switch {
	case !in.Amount.IsPositive():
		v.add("amount", ReasonNotPositive)
	case !in.Amount.Equal(in.Amount.Round(2)):
		v.add("amount", ReasonDecimals)
	case in.Amount.GreaterThan(maxAmount):
		v.add("amount", ReasonTooLarge)
	}
	if len(in.Notes) > maxObservation {
		v.add("notes", ReasonTooLong, maxObservation)
	}
	if in.DueDate != nil {
		d := asDate(*in.DueDate)
		in.DueDate = &d
	}
	return v.err()
}

func mayManageFinance(actor Actor, what string) error {
	if !actor.MayManageFinance() {
		return forbidden(what)
	}
	return nil
}

const expenseSelect = `select e.id, e.name, e.amount, e.fixed, e.recurring, e.due_date, e.paid, e.paid_at, e.notes,
		e.previous_id, (select n.id from expenses n where n.previous_id = e.id), e.created_at
	from expenses e`

func scanExpense(row pgx.Row) (Expense, error) {
	var e Expense
	err := row.Scan(&e.ID, &e.Name, &e.Amount, &e.Fixed, &e.Recurring, &e.DueDate, &e.Paid, &e.PaidAt, &e.Notes,
		&e.PreviousID, &e.NextID, &e.CreatedAt)
	return e, err
}

func collectExpenses(rows pgx.Rows) ([]Expense, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Expense, error) { return scanExpense(r) })
}

func getExpenseTx(ctx context.Context, tx pgx.Tx, id int64) (Expense, error) {
	e, err := scanExpense(tx.QueryRow(ctx, expenseSelect+` where e.id = $1`, id))
	if err != nil {
		return e, notFound(err, EntityExpense, id)
	}
	return e, nil
}

// expensesOfMonth is the finance rule for which month an expense belongs
// to: its due date, or the day it was created when it has none. $1/$2 are
// the month's dates, $3/$4 its instants in the clinic's time zone.
const expensesOfMonth = `((e.due_date >= $1 and e.due_date < $2)
	or (e.due_date is null and e.created_at >= $3 and e.created_at < $4))`

// ListExpenses lists the expenses of a month (any day of it, its year and
// month as written): due in it, or created in it when they have no due
// date. Zero month: all. Ordered by due date. Admin only.
func (t *Tenant) ListExpenses(ctx context.Context, actor Actor, month time.Time) ([]Expense, error) {
	if err := mayManageFinance(actor, "managing expenses"); err != nil {
		return nil, err
	}
	var out []Expense
	err := t.tx(ctx, func(tx pgx.Tx) error {
		var rows pgx.Rows
		var err error
		const order = ` order by coalesce(e.due_date, e.created_at::date), e.id`
		if month.IsZero() {
			rows, err = tx.Query(ctx, expenseSelect+order)
		} else {
			from, to := monthBounds(month, t.Info.Location())
			rows, err = tx.Query(ctx, expenseSelect+` where `+expensesOfMonth+order, asDate(from), asDate(to), from, to)
		}
		if err != nil {
			return err
		}
		out, err = collectExpenses(rows)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list expenses: %w", err)
	}
	return out, nil
}

// GetExpense returns one expense. Admin only.
func (t *Tenant) GetExpense(ctx context.Context, actor Actor, id int64) (Expense, error) {
	if err := mayManageFinance(actor, "managing expenses"); err != nil {
		return Expense{}, err
	}
	var out Expense
	err := t.tx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = getExpenseTx(ctx, tx, id)
		return err
	})
	if err != nil {
		return Expense{}, fmt.Errorf("get expense: %w", err)
	}
	return out, nil
}

// CreateExpense records an expense (unpaid). Admin only.
func (t *Tenant) CreateExpense(ctx context.Context, actor Actor, in ExpenseInput) (Expense, error) {
	if err := mayManageFinance(actor, "managing expenses"); err != nil {
		return Expense{}, err
	}
	if err := in.normalize(); err != nil {
		return Expense{}, err
	}
	var out Expense
	err := t.tx(ctx, func(tx pgx.Tx) error {
		var id int64
		// created_at from the store's clock: it decides the month of an
		// expense without due date.
		if err := tx.QueryRow(ctx, `insert into expenses (name, amount, fixed, recurring, due_date, notes, created_at)
			values ($1, $2, $3, $4, $5, $6, $7) returning id`,
			in.Name, in.Amount, in.Fixed, in.Recurring, in.DueDate, in.Notes, t.db.now()).Scan(&id); err != nil {
			return fmt.Errorf("insert expense: %w", err)
		}
		if err := audit(ctx, tx, actor, "create", "expense", id, map[string]any{
			"name": in.Name, "amount": in.Amount, "fixed": in.Fixed, "recurring": in.Recurring, "due_date": in.DueDate,
		}); err != nil {
			return err
		}
		if err := t.notifyChange(ctx, tx, "expense", id, "create"); err != nil {
			return err
		}
		var err error
		out, err = getExpenseTx(ctx, tx, id)
		return err
	})
	if err != nil {
		return Expense{}, fmt.Errorf("create expense: %w", err)
	}
	return out, nil
}

// UpdateExpense replaces what a user enters of an expense (not its paid
// state: see PayExpense). Admin only.
func (t *Tenant) UpdateExpense(ctx context.Context, actor Actor, id int64, in ExpenseInput) (Expense, error) {
	if err := mayManageFinance(actor, "managing expenses"); err != nil {
		return Expense{}, err
	}
	if err := in.normalize(); err != nil {
		return Expense{}, err
	}
	var out Expense
	err := t.tx(ctx, func(tx pgx.Tx) error {
		before, err := getExpenseTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `update expenses set name = $2, amount = $3, fixed = $4, recurring = $5,
				due_date = $6, notes = $7 where id = $1`,
			id, in.Name, in.Amount, in.Fixed, in.Recurring, in.DueDate, in.Notes); err != nil {
			return fmt.Errorf("update expense: %w", err)
		}
		if out, err = getExpenseTx(ctx, tx, id); err != nil {
			return err
		}
		if err := audit(ctx, tx, actor, "update", "expense", id, map[string]any{"before": before, "after": out}); err != nil {
			return err
		}
		return t.notifyChange(ctx, tx, "expense", id, "update")
	})
	if err != nil {
		return Expense{}, fmt.Errorf("update expense: %w", err)
	}
	return out, nil
}

// addMonth is the same day of the next month, clamped to its last day
// (31 January → 28/29 February).
func addMonth(d time.Time) time.Time {
	y, m, day := d.Date()
	last := time.Date(y, m+2, 0, 0, 0, 0, 0, time.UTC).Day()
	return time.Date(y, m+1, min(day, last), 0, 0, 0, 0, time.UTC)
}

// nextOf is next month's copy of a recurring expense (not saved): due a
// month after its due date (or after the day it was paid, or today).
func nextOf(e Expense, today time.Time) Expense {
	base := today
	switch {
	case e.DueDate != nil:
		base = *e.DueDate
	case e.PaidAt != nil:
		base = *e.PaidAt
	}
	due := addMonth(base)
	id := e.ID
	return Expense{Name: e.Name, Amount: e.Amount, Fixed: e.Fixed, Recurring: true, DueDate: &due,
		Notes: e.Notes, PreviousID: &id}
}

// PayExpense marks an expense paid on date (its calendar date as written;
// default today in the clinic, never in the future). For a recurring
// expense whose next month's copy does not exist yet, it also returns that
// copy as a proposal (not saved: CreateNextRecurring saves it). Admin only.
func (t *Tenant) PayExpense(ctx context.Context, actor Actor, id int64, date *time.Time) (Expense, *Expense, error) {
	if err := mayManageFinance(actor, "managing expenses"); err != nil {
		return Expense{}, nil, err
	}
	today := civilDate(t.db.now(), t.Info.Location())
	paidAt := today
	if date != nil {
		paidAt = asDate(*date)
		if paidAt.After(today) {
			return Expense{}, nil, invalid("paid_at", ReasonFuture)
		}
	}
	var out Expense
	var next *Expense
	err := t.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `update expenses set paid = true, paid_at = $2 where id = $1`, id, paidAt)
		if err != nil {
			return fmt.Errorf("pay expense: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return &NotFoundError{What: EntityExpense, ID: id}
		}
		if out, err = getExpenseTx(ctx, tx, id); err != nil {
			return err
		}
		if err := audit(ctx, tx, actor, "paid", "expense", id, map[string]any{"paid_at": paidAt.Format(time.DateOnly)}); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `update notifications set resolved_at = now()
				where expense_id = $1 and resolved_at is null`, id); err != nil {
			return fmt.Errorf("resolve notifications: %w", err)
		}
		if out.Recurring && out.NextID == nil {
			n := nextOf(out, today)
			next = &n
		}
		return t.notifyChange(ctx, tx, "expense", id, "paid")
	})
	if err != nil {
		return Expense{}, nil, fmt.Errorf("pay expense: %w", err)
	}
	return out, next, nil
}

// CreateNextRecurring saves next month's copy of a recurring expense
// (unpaid, linked by previous_id). Idempotent: when the copy exists it is
// returned as it is. Admin only.
func (t *Tenant) CreateNextRecurring(ctx context.Context, actor Actor, id int64) (Expense, error) {
	if err := mayManageFinance(actor, "managing expenses"); err != nil {
		return Expense{}, err
	}
	today := civilDate(t.db.now(), t.Info.Location())
	var out Expense
	err := t.tx(ctx, func(tx pgx.Tx) error {
		prev, err := getExpenseTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if !prev.Recurring {
			return invalid("recurring", ReasonNotRecurring)
		}
		n := nextOf(prev, today)
		var newID int64
		// The unique previous_id makes two concurrent calls create one copy.
		err = tx.QueryRow(ctx, `insert into expenses (name, amount, fixed, recurring, due_date, notes, previous_id, created_at)
			values ($1, $2, $3, true, $4, $5, $6, $7)
			on conflict (previous_id) do nothing returning id`,
			n.Name, n.Amount, n.Fixed, n.DueDate, n.Notes, id, t.db.now()).Scan(&newID)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			if err := tx.QueryRow(ctx, `select id from expenses where previous_id = $1`, id).Scan(&newID); err != nil {
				return fmt.Errorf("read next expense: %w", err)
			}
		case err != nil:
			return fmt.Errorf("insert next expense: %w", err)
		default:
			if err := audit(ctx, tx, actor, "create", "expense", newID, map[string]any{
				"previous_id": id, "due_date": n.DueDate.Format(time.DateOnly), "amount": n.Amount,
			}); err != nil {
				return err
			}
			if err := t.notifyChange(ctx, tx, "expense", newID, "create"); err != nil {
				return err
			}
		}
		out, err = getExpenseTx(ctx, tx, newID)
		return err
	})
	if err != nil {
		return Expense{}, fmt.Errorf("create next recurring expense: %w", err)
	}
	return out, nil
}

// UnpayExpense marks a paid expense unpaid again (a payment recorded by
// mistake), admin only: paid_at is forgotten, and the audit row keeps the
// date it had. A recurring expense's next month's copy, if already made,
// stays (it is an expense of its own). An expense that is not paid is
// returned as it is, with nothing written: the state asked for holds.
func (t *Tenant) UnpayExpense(ctx context.Context, actor Actor, id int64) (Expense, error) {
	if err := mayManageFinance(actor, "managing expenses"); err != nil {
		return Expense{}, err
	}
	var out Expense
	err := t.tx(ctx, func(tx pgx.Tx) error {
		before, err := scanExpense(tx.QueryRow(ctx, expenseSelect+` where e.id = $1 for update of e`, id))
		if err != nil {
			return notFound(err, EntityExpense, id)
		}
		if !before.Paid {
			out = before
			return nil
		}
		if _, err := tx.Exec(ctx, `update expenses set paid = false, paid_at = null where id = $1`, id); err != nil {
			return fmt.Errorf("unpay expense: %w", err)
		}
		if out, err = getExpenseTx(ctx, tx, id); err != nil {
			return err
		}
		if err := audit(ctx, tx, actor, "unpaid", "expense", id,
			map[string]any{"paid_at": before.PaidAt.Format(time.DateOnly)}); err != nil {
			return err
		}
		return t.notifyChange(ctx, tx, "expense", id, "unpaid")
	})
	if err != nil {
		return Expense{}, fmt.Errorf("unpay expense: %w", err)
	}
	return out, nil
}

// DeleteExpense removes an expense for good (admin only; one entered by
// mistake), paid or not; the audit row keeps what it was. Its notifications
// go with it; a next month's copy of it stays, no longer linked to it.
func (t *Tenant) DeleteExpense(ctx context.Context, actor Actor, id int64) error {
	if err := mayManageFinance(actor, "managing expenses"); err != nil {
		return err
	}
	err := t.tx(ctx, func(tx pgx.Tx) error {
		before, err := scanExpense(tx.QueryRow(ctx, expenseSelect+` where e.id = $1 for update of e`, id))
		if err != nil {
			return notFound(err, EntityExpense, id)
		}
		if _, err := tx.Exec(ctx, `delete from expenses where id = $1`, id); err != nil {
			return fmt.Errorf("delete expense: %w", err)
		}
		if err := audit(ctx, tx, actor, "delete", "expense", id, map[string]any{"before": before}); err != nil {
			return err
		}
		return t.notifyChange(ctx, tx, "expense", id, "delete")
	})
	if err != nil {
		return fmt.Errorf("delete expense: %w", err)
	}
	return nil
}
