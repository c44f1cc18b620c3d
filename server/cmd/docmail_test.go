package cmd

import (
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"consultorio/mail"
	"consultorio/mail/mailtest"
	"consultorio/store"
	"consultorio/tui/sshline"
)

// The printable documents by e-mail (`--mail[=ADDR]`): each is queued in
// the clinic's outbox and arrives at a real SMTP server as a PDF attachment
// that a PDF reader opens, with the accented names in its text. A bare
// --mail goes to the patient's own address (receipt, statement) or the
// user's own (cash close, agenda); --mail=ADDR elsewhere.
func TestDocumentsByMail(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	pit := mailtest.Start(t)
	f.ok(f.desk, "patients", "update", id64(f.patA.ID), "--email", "lucia@correo.test")
	s := f.book("2026-11-20 09:00")
	f.ok(f.desk, "payments", "mark-paid", id64(s.ID), "--amount", "80", "--method", "cash")

	var it store.OutboxItem
	f.okJSON(&it, f.desk, "payments", "receipt", id64(s.ID), "--mail")
	if it.Kind != store.MailDocument || it.Recipient != "lucia@correo.test" || it.State != store.MailPending {
		t.Fatalf("receipt --mail = %+v", it)
	}
	if out := f.ok(f.desk, "patients", "statement", id64(f.patA.ID), "--mail=contador@estudio.test"); !strings.Contains(out,
		"contador@estudio.test") {
		t.Errorf("statement --mail=ADDR said %q", out)
	}
	f.ok(f.desk, "cash-close", "--mail")                              // reception's own address
	f.ok(f.drA, "agenda", "--specialist", id64(f.specA.ID), "--mail") // Ana's own

	sender := mail.NewSender(mail.Config{Host: "127.0.0.1", Port: pit.SMTPPort, Security: mail.NoTLS,
		From: "no-reply@consultorio.test", Timeout: 10 * time.Second}, f.db,
		func(u string) string { return sshline.Addr{Host: "h", Port: 22}.For(u) },
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	// The staff's invitations go out too (3); then the 4 documents.
	if r, err := sender.SendTenant(f.ctx, f.tn); err != nil || r.Sent != 3+4 || r.Failed != 0 {
		t.Fatalf("send = %+v, %v", r, err)
	}
	for _, want := range []struct {
		to, subject, file string
		text              []string
	}{
		{"lucia@correo.test", "Recibo n.º", "recibo-", []string{"Lucía Mendoza", "80.00"}},
		{"contador@estudio.test", "Estado de cuenta de Lucía Mendoza", "estado-de-cuenta.pdf", []string{"Lucía Mendoza", "Ana Torres"}},
		{"desk@clinic-a.test", "Cierre de caja del viernes 20 de noviembre de 2026", "cierre-de-caja-2026-11-20.pdf",
			[]string{"Lucía Mendoza", "Ana Torres"}},
		{"ana@clinic-a.test", "Agenda del viernes 20 de noviembre de 2026", "agenda-2026-11-20.pdf",
			[]string{"Lucía Mendoza", "Ana Torres", "Consultorio 1"}},
	} {
		var got []mailtest.Summary
		for _, s := range pit.To(want.to) {
			if strings.HasPrefix(s.Subject, want.subject) { // not the staff's invitations
				got = append(got, s)
			}
		}
		if len(got) != 1 {
			t.Errorf("%s received %d messages %q..., want 1", want.to, len(got), want.subject)
			continue
		}
		m := pit.Message(got[0].ID)
		if len(m.Attachments) != 1 || !strings.HasSuffix(m.Subject, " - Clínica clinic-a") {
			t.Errorf("%s: subject %q, %d attachments", want.to, m.Subject, len(m.Attachments))
			continue
		}
		a := m.Attachments[0]
		if a.ContentType != "application/pdf" || !strings.HasPrefix(a.FileName, want.file) {
			t.Errorf("%s: attachment %+v", want.to, a)
		}
		text := pdfText(t, string(pit.Part(m.ID, a.PartID)))
		for _, w := range want.text {
			if !strings.Contains(text, w) {
				t.Errorf("%s: the PDF lacks %q:\n%s", want.to, w, text)
			}
		}
	}

	// Refusals: both --mail and --pdf; an address that is none; a patient
	// without an address; a specialist's cash close (not theirs to see).
	f.fails(2, "--mail", f.desk, "payments", "receipt", id64(s.ID), "--mail", "--pdf")
	f.fails(1, "", f.desk, "payments", "receipt", id64(s.ID), "--mail=not-an-address")
	f.fails(1, "", f.desk, "patients", "statement", id64(f.patB.ID), "--mail")
	f.fails(1, "", f.drA, "cash-close", "--mail")
	docs := 0
	items, _ := f.tn.Outbox(f.ctx, store.System, 0)
	for _, it := range items {
		if it.Kind == store.MailDocument {
			docs++
		}
	}
	if docs != 4 {
		t.Errorf("%d documents in the outbox after the refusals, want the 4 sent", docs)
	}
}
