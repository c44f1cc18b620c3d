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

// Payment methods.
const (
	MethodCash     = "cash"
	MethodCard     = "card"
	MethodTransfer = "transfer"
	MethodOther    = "other"
)

// PaymentMethods lists the accepted payment methods.
func PaymentMethods() []string { return []string{MethodCash, MethodCard, MethodTransfer, MethodOther} }

// Payment is the (single) payment of a session, with the session's context
// for lists.
type Payment struct {
	ID          int64           `json:"id"`
	SessionID   int64           `json:"session_id"`
	Amount      decimal.Decimal `json:"amount"`
	Paid        bool            `json:"paid"`
	PaidOn      *time.Time      `json:"paid_on"` // a calendar date (UTC midnight)
	Method      string          `json:"method"`  // "" until first paid
	Reference   string          `json:"reference"`
	Observation string          `json:"observation"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`

	SessionStart   time.Time `json:"session_start"` // in the clinic's time zone
	SessionStatus  string    `json:"session_status"`
	PatientID      int64     `json:"patient_id"`
	PatientName    string    `json:"patient_name"`
	SpecialistID   int64     `json:"specialist_id"`
	SpecialistName string    `json:"specialist_name"`
}

// PaymentInput says how a payment was made. Zero fields take defaults.
type PaymentInput struct {
	Amount      *decimal.Decimal // default: the payment's amount, else the patient's session price
	Method      string           // cash (default), card, transfer, other
	Reference   string
	Observation string     // kept as it is when empty
	Date        *time.Time // its calendar date as written; default: today in the clinic
}

// PaymentLogEntry is one paid/unpaid/created/moved event of a payment.
type PaymentLogEntry struct {
	ID        int64           `json:"id"`
	PaymentID int64           `json:"payment_id"`
	SessionID int64           `json:"session_id"` // the session paid for at that moment
	Action    string          `json:"action"`     // created, paid, unpaid, moved
	Amount    decimal.Decimal `json:"amount"`
	Method    string          `json:"method"`
	Reference string          `json:"reference"`
	UserID    *int64          `json:"user_id"`
	UserName  string          `json:"user_name"`
	CreatedAt time.Time       `json:"created_at"`
}

// PaymentFilter narrows ListPayments; zero fields do not filter.
type PaymentFilter struct {
	// Month (any day of it; its year and month as written): paid payments
	// dated in that month of the clinic's calendar, and unpaid payments of
	// sessions starting in it. Zero: every month.
	Month        time.Time
	Unpaid       bool // only unpaid payments
	SpecialistID int64
	PatientID    int64
	Limit        int // rows returned (default 1000, at most 10000); totals cover every match
}

// PaymentList is a listing with its totals. With a Month, TotalPaid is the
// month's collected income as the finance dashboard counts it.
type PaymentList struct {
	Payments    []Payment       `json:"payments"`
	TotalPaid   decimal.Decimal `json:"total_paid"`
	TotalUnpaid decimal.Decimal `json:"total_unpaid"`
}

// maxAmount is the largest numeric(12,2).
var maxAmount = MaxMoney.Decimal()

// resolve applies the defaults and validates: amount def when unset, method
// cash, date today in the clinic (never in the future).
func (in PaymentInput) resolve(def decimal.Decimal, now time.Time, loc *time.Location) (decimal.Decimal, string, time.Time, error) {
	if err := checkTexts(oneLine("method", in.Method), oneLine("reference", in.Reference),
		multiLine("observation", in.Observation)); err != nil {
		return decimal.Decimal{}, "", time.Time{}, err
	}
	v := validation{}
	amount := def
	if in.Amount != nil {
		amount = *in.Amount
	}
	switch {
	case amount.IsNegative():
		v.add("amount", ReasonNegative)
	case !amount.Equal(amount.Round(2)):
		v.add("amount", ReasonDecimals)
	case amount.GreaterThan(maxAmount):
		v.add("amount", ReasonTooLarge)
	}
	method := strings.TrimSpace(in.Method)
	if method == "" {
		method = MethodCash
	}
	if method != MethodCash && method != MethodCard && method != MethodTransfer && method != MethodOther {
		v.add("method", ReasonOneOf, strings.Join(PaymentMethods(), ", "))
	}
	if len(in.Reference) > 200 {
		v.add("reference", ReasonTooLong, 200)
	}
	if len(in.Observation) > maxCancelDetail {
		v.add("observation", ReasonTooLong, maxCancelDetail)
	}
	today := civilDate(now, loc)
	date := today
	if in.Date != nil {
		date = asDate(*in.Date)
		if date.After(today) {
			v.add("paid_on", ReasonFuture)
		}
	}
	return amount, method, date, v.err()
}

const paymentSelect = `select pay.id, pay.session_id, pay.amount, pay.paid, pay.paid_on, coalesce(pay.method, ''),
		pay.reference, pay.observation, pay.created_at, pay.updated_at,
		s.starts_at, s.status, s.patient_id, p.first_name || ' ' || p.surname,
		s.specialist_id, sp.first_name || ' ' || sp.last_name
	from payments pay
	join sessions s on s.id = pay.session_id
	join patients p on p.id = s.patient_id
	join specialists sp on sp.id = s.specialist_id`

func scanPayment(row pgx.Row, loc *time.Location) (Payment, error) {
	var p Payment
	err := row.Scan(&p.ID, &p.SessionID, &p.Amount, &p.Paid, &p.PaidOn, &p.Method, &p.Reference, &p.Observation,
		&p.CreatedAt, &p.UpdatedAt, &p.SessionStart, &p.SessionStatus, &p.PatientID, &p.PatientName,
		&p.SpecialistID, &p.SpecialistName)
	p.SessionStart = p.SessionStart.In(loc)
	return p, err
}

func getPaymentTx(ctx context.Context, tx pgx.Tx, sessionID int64, loc *time.Location) (Payment, error) {
	p, err := scanPayment(tx.QueryRow(ctx, paymentSelect+` where pay.session_id = $1`, sessionID), loc)
	if err != nil {
		return p, notFound(err, EntityPayment, sessionID)
	}
	return p, nil
}

// logPayment appends a payment log row (in the change's transaction).
func logPayment(ctx context.Context, tx pgx.Tx, actor Actor, paymentID, sessionID int64, action string,
	amount decimal.Decimal, method *string, reference string) error {
	var uid *int64
	if actor.UserID != 0 {
		uid = &actor.UserID
	}
	if _, err := tx.Exec(ctx, `insert into payment_log (payment_id, session_id, action, amount, method, reference, user_id)
		values ($1, $2, $3, $4, $5, $6, $7)`, paymentID, sessionID, action, amount, method, reference, uid); err != nil {
		return fmt.Errorf("payment log: %w", err)
	}
	return nil
}

// AlreadyPaidError: the session's payment is already paid; marking it paid
// again is refused (mark it unpaid first to correct it).
type AlreadyPaidError struct {
	SessionID int64
	Amount    decimal.Decimal
	PaidOn    *time.Time // calendar date
}

func (e *AlreadyPaidError) Error() string {
	on := ""
	if e.PaidOn != nil {
		on = " on " + e.PaidOn.Format(time.DateOnly)
	}
	return fmt.Sprintf("session #%d is already paid (%s%s); mark it unpaid first to change the payment",
		e.SessionID, e.Amount.StringFixed(2), on)
}

// Code is CodeConflict.
func (e *AlreadyPaidError) Code() Code { return CodeConflict }

// markPaidTx marks the session's payment paid, creating it when missing
// (amount default: price). The caller holds the session row lock (or has
// just inserted the session) and has checked the role.
func (t *Tenant) markPaidTx(ctx context.Context, tx pgx.Tx, actor Actor, sessionID int64, price decimal.Decimal,
	in PaymentInput, loc *time.Location) (int64, error) {
	var payID int64
	var current decimal.Decimal
	var paid bool
	var paidOn *time.Time
	err := tx.QueryRow(ctx, `select id, amount, paid, paid_on from payments where session_id = $1 for update`, sessionID).
		Scan(&payID, &current, &paid, &paidOn)
	exists := err == nil
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("read payment: %w", err)
	}
	if exists {
		price = current
	}
	amount, method, date, err := in.resolve(price, t.db.now(), loc)
	if err != nil {
		return 0, err
	}
	if paid {
		// Marking it paid again used to overwrite the payment and log a second
		// collection: a correction is "mark unpaid", then paid as it should be.
		return 0, &AlreadyPaidError{SessionID: sessionID, Amount: current, PaidOn: paidOn}
	}
	reference, observation := strings.TrimSpace(in.Reference), strings.TrimSpace(in.Observation)
	if exists {
		_, err = tx.Exec(ctx, `update payments set amount = $2, paid = true, paid_on = $3, method = $4, reference = $5,
				observation = case when $6 = '' then observation else $6 end, updated_at = now()
			where id = $1`, payID, amount, date, method, reference, observation)
	} else {
		err = tx.QueryRow(ctx, `insert into payments (session_id, amount, paid, paid_on, method, reference, observation)
			values ($1, $2, true, $3, $4, $5, $6) returning id`, sessionID, amount, date, method, reference, observation).Scan(&payID)
	}
	if err != nil {
		return 0, fmt.Errorf("mark paid: %w", err)
	}
	if err := logPayment(ctx, tx, actor, payID, sessionID, "paid", amount, &method, reference); err != nil {
		return 0, err
	}
	if err := audit(ctx, tx, actor, "paid", "payment", payID, map[string]any{
		"session_id": sessionID, "amount": amount, "method": method, "reference": reference,
		"paid_on": date.Format(time.DateOnly), "created": !exists,
	}); err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, `update notifications set resolved_at = now()
			where payment_id = $1 and resolved_at is null`, payID); err != nil {
		return 0, fmt.Errorf("resolve notifications: %w", err)
	}
	if err := t.notifyChange(ctx, tx, "payment", payID, "paid"); err != nil {
		return 0, err
	}
	return payID, nil
}

// MarkPaid records the payment of a session: it creates the payment when the
// session has none (not for a cancelled session) or updates an unpaid one;
// an already paid one is refused with *AlreadyPaidError. Writes a
// payment log row and an audit row. Admin and reception only.
func (t *Tenant) MarkPaid(ctx context.Context, actor Actor, sessionID int64, in PaymentInput) (Payment, error) {
	if !actor.MayWritePayments() {
		return Payment{}, forbidden("recording payments")
	}
	loc := t.Info.Location()
	var out Payment
	err := t.tx(ctx, func(tx pgx.Tx) error {
		h, err := lockSession(ctx, tx, sessionID)
		if err != nil {
			return err
		}
		var price decimal.Decimal
		var has bool
		if err := tx.QueryRow(ctx, `select p.cost_session, exists(select 1 from payments where session_id = $2)
			from patients p where p.id = $1`, h.patientID, sessionID).Scan(&price, &has); err != nil {
			return fmt.Errorf("read price: %w", err)
		}
		if !has && h.status == SessionCancelled {
			return &StatusError{SessionID: sessionID, Status: h.status, Action: "charge"}
		}
		if _, err := t.markPaidTx(ctx, tx, actor, sessionID, price, in, loc); err != nil {
			return err
		}
		out, err = getPaymentTx(ctx, tx, sessionID, loc)
		return err
	})
	if err != nil {
		return Payment{}, fmt.Errorf("mark paid: %w", err)
	}
	return out, nil
}

// MarkUnpaid reverts a session's payment to unpaid (a mistake, a refund).
// Writes a payment log row and an audit row; an already unpaid payment is
// returned unchanged. Admin and reception only.
func (t *Tenant) MarkUnpaid(ctx context.Context, actor Actor, sessionID int64) (Payment, error) {
	if !actor.MayWritePayments() {
		return Payment{}, forbidden("recording payments")
	}
	loc := t.Info.Location()
	var out Payment
	err := t.tx(ctx, func(tx pgx.Tx) error {
		if _, err := lockSession(ctx, tx, sessionID); err != nil {
			return err
		}
		var payID int64
		var paid bool
		var amount decimal.Decimal
		var method *string
		var reference string
		err := tx.QueryRow(ctx, `select id, paid, amount, method, reference from payments where session_id = $1 for update`,
			sessionID).Scan(&payID, &paid, &amount, &method, &reference)
		if err != nil {
			return notFound(err, EntityPayment, sessionID)
		}
		if paid {
			if _, err := tx.Exec(ctx, `update payments set paid = false, paid_on = null, updated_at = now() where id = $1`,
				payID); err != nil {
				return fmt.Errorf("mark unpaid: %w", err)
			}
			if err := logPayment(ctx, tx, actor, payID, sessionID, "unpaid", amount, method, reference); err != nil {
				return err
			}
			if err := audit(ctx, tx, actor, "unpaid", "payment", payID, map[string]any{
				"session_id": sessionID, "amount": amount,
			}); err != nil {
				return err
			}
			if err := t.notifyChange(ctx, tx, "payment", payID, "unpaid"); err != nil {
				return err
			}
		}
		out, err = getPaymentTx(ctx, tx, sessionID, loc)
		return err
	})
	if err != nil {
		return Payment{}, fmt.Errorf("mark unpaid: %w", err)
	}
	return out, nil
}

// GetPayment returns the payment of a session (ErrNotFound when it has
// none). A specialist reads only those of their own sessions.
func (t *Tenant) GetPayment(ctx context.Context, actor Actor, sessionID int64) (Payment, error) {
	var out Payment
	err := t.tx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = getPaymentTx(ctx, tx, sessionID, t.Info.Location())
		return err
	})
	if err == nil && !actor.MaySeeSessionsOf(out.SpecialistID) {
		err = &NotFoundError{What: EntityPayment, ID: sessionID}
	}
	if err != nil {
		return Payment{}, fmt.Errorf("get payment: %w", err)
	}
	return out, nil
}

// PaymentLog is the history of the payment of a session, oldest first,
// including what happened to it while it belonged to a session it was
// moved from (and, for that old session, the move itself).
func (t *Tenant) PaymentLog(ctx context.Context, actor Actor, sessionID int64) ([]PaymentLogEntry, error) {
	var out []PaymentLogEntry
	err := t.tx(ctx, func(tx pgx.Tx) error {
		var specialistID int64
		if err := tx.QueryRow(ctx, `select specialist_id from sessions where id = $1`, sessionID).Scan(&specialistID); err != nil {
			return notFound(err, EntitySession, sessionID)
		}
		if !actor.MaySeeSessionsOf(specialistID) {
			return &NotFoundError{What: EntitySession, ID: sessionID}
		}
		rows, err := tx.Query(ctx, `select l.id, l.payment_id, l.session_id, l.action, l.amount, coalesce(l.method, ''),
				l.reference, l.user_id, coalesce(u.name, ''), l.created_at
			from payment_log l left join users u on u.id = l.user_id
			where l.payment_id in (select id from payments where session_id = $1
			                       union select payment_id from payment_log where session_id = $1)
			order by l.created_at, l.id`, sessionID)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (PaymentLogEntry, error) {
			var e PaymentLogEntry
			err := r.Scan(&e.ID, &e.PaymentID, &e.SessionID, &e.Action, &e.Amount, &e.Method, &e.Reference,
				&e.UserID, &e.UserName, &e.CreatedAt)
			return e, err
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("payment log: %w", err)
	}
	return out, nil
}

// ListPayments lists payments ordered by session start, with the totals of
// every match. An unpaid payment of a cancelled session (a refunded
// pre-payment) is owed by nobody: it is left out, as the finance dashboard
// leaves it out of pending income. A specialist gets only the payments of
// their own sessions.
func (t *Tenant) ListPayments(ctx context.Context, actor Actor, f PaymentFilter) (PaymentList, error) {
	if f.Limit <= 0 {
		f.Limit = 1000
	}
	f.Limit = min(f.Limit, 10000)
	loc := t.Info.Location()
	var dFrom, dTo, tFrom, tTo *time.Time
	if !f.Month.IsZero() {
		from, to := monthBounds(f.Month, loc)
		df, dt := asDate(from), asDate(to)
		dFrom, dTo, tFrom, tTo = &df, &dt, &from, &to
	}
	const where = `
		where (pay.paid or s.status <> 'cancelled')
		  and ($1::date is null
		       or (pay.paid and pay.paid_on >= $1 and pay.paid_on < $2)
		       or (not pay.paid and s.starts_at >= $3 and s.starts_at < $4))
		  and (not $5 or not pay.paid)
		  and ($6 = 0 or s.specialist_id = $6) and ($7 = 0 or s.patient_id = $7) and ($8 = 0 or s.specialist_id = $8)`
	args := []any{dFrom, dTo, tFrom, tTo, f.Unpaid, f.SpecialistID, f.PatientID, specialistScope(actor)}
	out := PaymentList{Payments: []Payment{}}
	err := t.tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, paymentSelect+where+` order by s.starts_at, pay.id limit $9`, append(args, f.Limit)...)
		if err != nil {
			return err
		}
		out.Payments, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Payment, error) { return scanPayment(r, loc) })
		if err != nil {
			return err
		}
		return tx.QueryRow(ctx, `select coalesce(sum(pay.amount) filter (where pay.paid), 0),
				coalesce(sum(pay.amount) filter (where not pay.paid), 0)
			from payments pay join sessions s on s.id = pay.session_id`+where, args...).Scan(&out.TotalPaid, &out.TotalUnpaid)
	})
	if err != nil {
		return PaymentList{}, fmt.Errorf("list payments: %w", err)
	}
	return out, nil
}
