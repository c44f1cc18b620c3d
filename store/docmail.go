package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Printable documents delivered by e-mail (issue 14). The PDF is made by
// the door's document maker (printout.Documents, which reads the data
// through the store operation and so applies its permission) at the time it
// is asked for, and queued here with its recipient: what the user saw is
// what is sent, and the clinic's outbox shows it like any other message.

// MailDocument is the outbox kind of a document sent as an attachment.
const MailDocument MailKind = "document"

// DocumentKind names a printable document; stable English in --json and
// in the outbox's payload.
type DocumentKind string

// Documents that can be sent.
const (
	DocReceipt   DocumentKind = "receipt"    // a payment's receipt
	DocStatement DocumentKind = "statement"  // a patient's statement
	DocCashClose DocumentKind = "cash_close" // a day's cash close
	DocAgenda    DocumentKind = "agenda"     // a day's agenda
)

// ForPatient tells whether a document is about one patient, and so goes to
// the patient's own address by default; the others go to the user's.
func (k DocumentKind) ForPatient() bool { return k == DocReceipt || k == DocStatement }

// DocumentMail is the payload of MailDocument: the facts of the subject
// and the PDF itself.
type DocumentMail struct {
	Clinic   string       `json:"clinic"`
	Document DocumentKind `json:"document"`
	Number   int64        `json:"number,omitempty"`  // receipt number
	Patient  string       `json:"patient,omitempty"` // statement, receipt
	Day      string       `json:"day,omitempty"`     // agenda, cash close: YYYY-MM-DD
	PDF      []byte       `json:"pdf"`
}

// DocumentDelivery asks for one document to be sent.
type DocumentDelivery struct {
	Document DocumentKind
	// To is the address; "" sends to the default: the patient's own address
	// (receipt, statement), else the acting user's.
	To string
	// PatientID is whose address is the default of a patient's document.
	PatientID int64
	Number    int64
	Patient   string
	Day       time.Time
	// Lang is the language of the message, the PDF's ("" = the clinic's).
	Lang string
	PDF  []byte
}

// QueueDocument queues a document as an e-mail attachment, due now, and
// audits who sent what to whom. The recipient is checked like any address
// the clinic stores; a patient or user without an address, when no other
// is given, is an invalid "email".
func (t *Tenant) QueueDocument(ctx context.Context, actor Actor, d DocumentDelivery) (OutboxItem, error) {
	switch d.Document {
	case DocReceipt, DocStatement, DocCashClose, DocAgenda:
	default:
		return OutboxItem{}, invalid("document", ReasonOneOf, "receipt, statement, cash_close, agenda")
	}
	if err := checkTexts(oneLine("email", d.To)); err != nil {
		return OutboxItem{}, err
	}
	d.To = normalizeEmail(d.To)
	if d.To != "" && !validEmail(d.To) {
		return OutboxItem{}, invalid("email", ReasonEmail)
	}
	if len(d.PDF) == 0 {
		return OutboxItem{}, fmt.Errorf("queue %s: no PDF", d.Document)
	}
	var out OutboxItem
	err := t.tx(ctx, func(tx pgx.Tx) error {
		s, err := readSettings(ctx, tx)
		if err != nil {
			return err
		}
		to, err := documentRecipient(ctx, tx, actor, d)
		if err != nil {
			return err
		}
		lang := d.Lang
		if lang != "es" && lang != "en" {
			lang = s.Lang
		}
		p := DocumentMail{Clinic: clinicName(s, t.Info), Document: d.Document, Number: d.Number,
			Patient: d.Patient, PDF: d.PDF}
		if !d.Day.IsZero() {
			p.Day = d.Day.Format(time.DateOnly)
		}
		id, err := insertMail(ctx, tx, t.db.now(), MailDocument, to, lang, p, "", nil)
		if err != nil {
			return err
		}
		if out, err = scanOutbox(tx.QueryRow(ctx, `select `+outboxColumns+` from outbox where id = $1`, id)); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "document.mail", "outbox", out.ID,
			map[string]any{"document": d.Document, "to": to, "patient_id": d.PatientID})
	})
	if err != nil {
		return OutboxItem{}, wrapOp("mail "+string(d.Document), err)
	}
	return out, nil
}

// documentRecipient is the address a document goes to: the one given, else
// the patient's (their own documents) or the acting user's.
func documentRecipient(ctx context.Context, tx pgx.Tx, actor Actor, d DocumentDelivery) (string, error) {
	if d.To != "" {
		return d.To, nil
	}
	var email *string
	var err error
	if d.Document.ForPatient() {
		err = tx.QueryRow(ctx, `select email::text from patients where id = $1`, d.PatientID).Scan(&email)
		if err != nil {
			return "", notFound(err, EntityPatient, d.PatientID)
		}
	} else {
		err = tx.QueryRow(ctx, `select email::text from users where id = $1`, actor.UserID).Scan(&email)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return "", fmt.Errorf("user's address: %w", err)
		}
	}
	if email == nil || strings.TrimSpace(*email) == "" {
		return "", invalid("email", ReasonRequired)
	}
	return *email, nil
}
