package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
)

// The front desk's documents (issue 13): a day's cash close, a patient's
// statement and the receipt of one payment. Each is one read in one
// transaction; the doors show or print the value they return (printout/
// renders them as PDF). None of them carries a specialist's pay: they are
// made of payments, which reception may read.

// CashMethodTotal is what one payment method took in a day.
type CashMethodTotal struct {
	Method string          `json:"method"`
	Count  int             `json:"count"`
	Total  decimal.Decimal `json:"total"`
}

// CashClose is one day's takings: the payments marked paid with that date,
// totalled by method (every method listed, in PaymentMethods order, zeros
// included, so the sheet always has the same lines).
type CashClose struct {
	Clinic   string            `json:"clinic"`
	Day      time.Time         `json:"day"` // a calendar date (midnight UTC)
	Methods  []CashMethodTotal `json:"methods"`
	Payments []Payment         `json:"payments"` // by method, then payment id
	Count    int               `json:"count"`
	Total    decimal.Decimal   `json:"total"`
	IssuedAt time.Time         `json:"issued_at"`
}

// CashClose is the cash close of day (its calendar date as written; zero:
// today in the clinic). Admin and reception.
func (t *Tenant) CashClose(ctx context.Context, actor Actor, day time.Time) (CashClose, error) {
	if !actor.MayCloseCash() {
		return CashClose{}, forbidden("closing the cash")
	}
	loc := t.Info.Location()
	now := t.db.now()
	if day.IsZero() {
		day = civilDate(now, loc)
	}
	day = asDate(day)
	out := CashClose{Day: day, IssuedAt: now.In(loc), Total: decimal.Zero}
	byMethod := map[string]*CashMethodTotal{}
	for _, m := range PaymentMethods() {
		out.Methods = append(out.Methods, CashMethodTotal{Method: m, Total: decimal.Zero})
	}
	for i := range out.Methods {
		byMethod[out.Methods[i].Method] = &out.Methods[i]
	}
	err := t.tx(ctx, func(tx pgx.Tx) error {
		var err error
		if out.Clinic, err = t.clinicNameIn(ctx, tx); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, paymentSelect+` where pay.paid and pay.paid_on = $1
			order by array_position($2::text[], pay.method), pay.id`, day, PaymentMethods())
		if err != nil {
			return err
		}
		out.Payments, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Payment, error) { return scanPayment(r, loc) })
		return err
	})
	if err != nil {
		return CashClose{}, fmt.Errorf("cash close %s: %w", day.Format(time.DateOnly), err)
	}
	for _, p := range out.Payments {
		m := byMethod[p.Method] // the schema accepts exactly PaymentMethods
		if m == nil {
			return CashClose{}, fmt.Errorf("cash close: payment #%d has unknown method %q", p.ID, p.Method)
		}
		m.Count++
		m.Total = m.Total.Add(p.Amount)
		out.Count++
		out.Total = out.Total.Add(p.Amount)
	}
	return out, nil
}

// StatementLine is one session of a patient's statement with its payment.
type StatementLine struct {
	SessionID      int64            `json:"session_id"`
	StartsAt       time.Time        `json:"starts_at"` // in the clinic's time zone
	SpecialistName string           `json:"specialist_name"`
	Status         string           `json:"status"`
	Amount         *decimal.Decimal `json:"amount"` // nil: no payment yet (not charged)
	Paid           bool             `json:"paid"`
	PaidOn         *time.Time       `json:"paid_on"`
	Method         string           `json:"method"`
	// Owed: the amount is due (a completed session not paid).
	Owed bool `json:"owed"`
}

// Statement is a patient's account: every session that was charged or is
// still to come, what was paid and what is owed. Balance is the patient
// balance of PRODUCT.md (unpaid amounts of completed sessions).
type Statement struct {
	Clinic          string          `json:"clinic"`
	PatientID       int64           `json:"patient_id"`
	PatientName     string          `json:"patient_name"`
	PatientDocument string          `json:"patient_document"`
	Lines           []StatementLine `json:"lines"` // oldest first
	Paid            decimal.Decimal `json:"paid"`
	Balance         decimal.Decimal `json:"balance"`
	IssuedAt        time.Time       `json:"issued_at"`
}

// PatientStatement is the statement of a patient: sessions (cancelled ones
// only when a payment of them is still paid), payments and balance. Admin
// and reception.
func (t *Tenant) PatientStatement(ctx context.Context, actor Actor, patientID int64) (Statement, error) {
	if !actor.MayIssueStatements() {
		return Statement{}, forbidden("patient statements")
	}
	loc := t.Info.Location()
	out := Statement{PatientID: patientID, IssuedAt: t.db.now().In(loc), Paid: decimal.Zero, Balance: decimal.Zero,
		Lines: []StatementLine{}}
	err := t.tx(ctx, func(tx pgx.Tx) error {
		var err error
		if out.Clinic, err = t.clinicNameIn(ctx, tx); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `select first_name || ' ' || surname, coalesce(document, '') from patients where id = $1`,
			patientID).Scan(&out.PatientName, &out.PatientDocument); err != nil {
			return notFound(err, EntityPatient, patientID)
		}
		rows, err := tx.Query(ctx, `select s.id, s.starts_at, sp.first_name || ' ' || sp.last_name, s.status,
				pay.amount, coalesce(pay.paid, false), pay.paid_on, coalesce(pay.method, '')
			from sessions s
			join specialists sp on sp.id = s.specialist_id
			left join payments pay on pay.session_id = s.id
			where s.patient_id = $1 and (s.status <> 'cancelled' or coalesce(pay.paid, false))
			order by s.starts_at, s.id`, patientID)
		if err != nil {
			return err
		}
		out.Lines, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (StatementLine, error) {
			var l StatementLine
			err := r.Scan(&l.SessionID, &l.StartsAt, &l.SpecialistName, &l.Status, &l.Amount, &l.Paid, &l.PaidOn, &l.Method)
			l.StartsAt = l.StartsAt.In(loc)
			return l, err
		})
		return err
	})
	if err != nil {
		return Statement{}, fmt.Errorf("statement of patient #%d: %w", patientID, err)
	}
	for i, l := range out.Lines {
		switch {
		case l.Amount == nil:
		case l.Paid:
			out.Paid = out.Paid.Add(*l.Amount)
		case l.Status == SessionCompleted:
			out.Lines[i].Owed = true
			out.Balance = out.Balance.Add(*l.Amount)
		}
	}
	return out, nil
}

// Receipt is the proof of one paid payment.
type Receipt struct {
	Clinic          string    `json:"clinic"`
	Number          int64     `json:"number"` // the payment's id
	Payment         Payment   `json:"payment"`
	PatientDocument string    `json:"patient_document"`
	IssuedAt        time.Time `json:"issued_at"`
	IssuedBy        string    `json:"issued_by"`
}

// PaymentReceipt is the receipt of the payment of a session; the payment
// must be paid (an unpaid one is a StatusError). Whoever may read the
// payment may have its receipt (admin and reception: any; a specialist:
// their own sessions').
func (t *Tenant) PaymentReceipt(ctx context.Context, actor Actor, sessionID int64) (Receipt, error) {
	loc := t.Info.Location()
	out := Receipt{IssuedAt: t.db.now().In(loc), IssuedBy: actor.Name}
	err := t.tx(ctx, func(tx pgx.Tx) error {
		var err error
		if out.Payment, err = getPaymentTx(ctx, tx, sessionID, loc); err != nil {
			return err
		}
		if !actor.MaySeeSessionsOf(out.Payment.SpecialistID) {
			return &NotFoundError{What: EntityPayment, ID: sessionID}
		}
		if !out.Payment.Paid {
			return &StatusError{SessionID: sessionID, Status: "unpaid", Action: "receipt"}
		}
		out.Number = out.Payment.ID
		if err := tx.QueryRow(ctx, `select coalesce(document, '') from patients where id = $1`,
			out.Payment.PatientID).Scan(&out.PatientDocument); err != nil {
			return fmt.Errorf("patient document: %w", err)
		}
		out.Clinic, err = t.clinicNameIn(ctx, tx)
		return err
	})
	if err != nil {
		return Receipt{}, fmt.Errorf("receipt of session #%d: %w", sessionID, err)
	}
	return out, nil
}

// clinicNameIn reads the clinic's settings in tx and names the clinic as
// every document and message does (clinicName).
func (t *Tenant) clinicNameIn(ctx context.Context, tx pgx.Tx) (string, error) {
	s, err := readSettings(ctx, tx)
	if err != nil {
		return "", fmt.Errorf("clinic name: %w", err)
	}
	return clinicName(s, t.Info), nil
}
