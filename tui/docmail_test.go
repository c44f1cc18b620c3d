package tui

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"consultorio/store"
)

// On a document page (here the receipt, from the payments screen) e sends
// the document by e-mail: the key is in the help line; a patient without an
// address is refused in words; with one, the PDF is queued in the clinic's
// outbox for the patient and the status line says where it goes.
func TestSendDocumentByMailKey(t *testing.T) {
	t.Parallel()
	f := newAgFixture(t)
	s := f.book(0, 0, 0, 9, 0, 60)
	amt := decimal.NewFromInt(70)
	if _, err := f.tn.MarkPaid(f.ctx, f.actor, s.ID, store.PaymentInput{Amount: &amt, Method: store.MethodCash}); err != nil {
		t.Fatal(err)
	}
	term := f.start(t, 80, 24)
	term.WaitFor(t, "María Rojas")
	term.Key("6")
	term.WaitFor(t, "Pagos · diciembre 2026", "r recibo")
	term.Key("r")
	term.WaitFor(t, "Recibo n.º", "Ana García", "e enviar por correo")
	term.Key("e")
	term.WaitFor(t, "Correo: es obligatorio") // Ana has no address: the refusal names the field
	documents := func() []store.OutboxItem {
		items, err := f.tn.Outbox(f.ctx, store.System, 0)
		if err != nil {
			t.Fatal(err)
		}
		var docs []store.OutboxItem
		for _, it := range items {
			if it.Kind == store.MailDocument {
				docs = append(docs, it)
			}
		}
		return docs
	}
	if n := len(documents()); n != 0 {
		t.Fatalf("a document was queued for a patient without an address: %d", n)
	}

	in := store.PatientInput{FirstName: "Ana", Surname: "García", BirthDate: f.patients[0].BirthDate,
		CostSession: decimal.NewFromInt(80), Status: store.PatientActive, Email: "ana.garcia@correo.test"}
	if _, err := f.tn.UpdatePatient(f.ctx, f.actor, f.patients[0].ID, in); err != nil {
		t.Fatal(err)
	}
	term.Key("e")
	term.WaitFor(t, "Documento en la bandeja de salida para ana.garcia@correo.test")
	docs := documents()
	if len(docs) != 1 {
		t.Fatalf("%d documents in the outbox after e, want 1", len(docs))
	}
	var p store.DocumentMail
	if err := json.Unmarshal(docs[0].Payload, &p); err != nil {
		t.Fatal(err)
	}
	if docs[0].Recipient != "ana.garcia@correo.test" || docs[0].State != store.MailPending || p.Document != store.DocReceipt ||
		p.Patient != "Ana García" || !strings.HasPrefix(string(p.PDF), "%PDF-") {
		t.Fatalf("outbox after e: %s to %s (%s), payload %s for %q", docs[0].Kind, docs[0].Recipient, docs[0].State,
			p.Document, p.Patient)
	}
}
