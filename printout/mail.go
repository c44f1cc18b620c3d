package printout

import (
	"context"
	"time"

	"consultorio/store"
)

// Sending a document by e-mail: the same document the --pdf commands and
// the TUI print, made now for the actor (the store operation underneath
// checks the permission), queued in the clinic's outbox as an attachment
// (store.Tenant.QueueDocument). to "" sends it to the default address: the
// patient's own (receipt, statement), the user's own (cash close, agenda).
// Every door (scripted `--mail`, the TUI) calls these.

// MailReceipt sends the receipt of a session's payment.
func (d Documents) MailReceipt(ctx context.Context, actor store.Actor, sessionID int64, to string) (store.OutboxItem, error) {
	r, err := d.Tenant.PaymentReceipt(ctx, actor, sessionID)
	if err != nil {
		return store.OutboxItem{}, err
	}
	pdf, err := Receipt(d.Locale, r)
	if err != nil {
		return store.OutboxItem{}, err
	}
	return d.queue(ctx, actor, store.DocumentDelivery{Document: store.DocReceipt, To: to,
		PatientID: r.Payment.PatientID, Number: r.Number, Patient: r.Payment.PatientName, PDF: pdf})
}

// MailStatement sends a patient's statement.
func (d Documents) MailStatement(ctx context.Context, actor store.Actor, patientID int64, to string) (store.OutboxItem, error) {
	st, err := d.Tenant.PatientStatement(ctx, actor, patientID)
	if err != nil {
		return store.OutboxItem{}, err
	}
	pdf, err := Statement(d.Locale, st)
	if err != nil {
		return store.OutboxItem{}, err
	}
	return d.queue(ctx, actor, store.DocumentDelivery{Document: store.DocStatement, To: to,
		PatientID: st.PatientID, Patient: st.PatientName, PDF: pdf})
}

// MailCashClose sends the cash close of a day (zero: today).
func (d Documents) MailCashClose(ctx context.Context, actor store.Actor, day time.Time, to string) (store.OutboxItem, error) {
	cc, err := d.Tenant.CashClose(ctx, actor, day)
	if err != nil {
		return store.OutboxItem{}, err
	}
	pdf, err := CashClose(d.Locale, cc)
	if err != nil {
		return store.OutboxItem{}, err
	}
	return d.queue(ctx, actor, store.DocumentDelivery{Document: store.DocCashClose, To: to, Day: cc.Day, PDF: pdf})
}

// MailAgenda sends the agenda of a day, narrowed by f as the agenda is.
func (d Documents) MailAgenda(ctx context.Context, actor store.Actor, day time.Time, f store.AgendaFilter, to string) (store.OutboxItem, error) {
	pdf, err := d.AgendaPDF(ctx, actor, day, f)
	if err != nil {
		return store.OutboxItem{}, err
	}
	return d.queue(ctx, actor, store.DocumentDelivery{Document: store.DocAgenda, To: to, Day: day, PDF: pdf})
}

// queue sends the document in the language it was made in.
func (d Documents) queue(ctx context.Context, actor store.Actor, dd store.DocumentDelivery) (store.OutboxItem, error) {
	dd.Lang = string(d.Locale.Lang)
	return d.Tenant.QueueDocument(ctx, actor, dd)
}
