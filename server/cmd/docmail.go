package cmd

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"consultorio/printout"
	"consultorio/store"
	"consultorio/tui/i18n"
)

// --mail[=ADDR] on the document commands (cash-close, patients statement,
// payments receipt, agenda): the same document as --pdf, queued as a PDF
// attachment in the clinic's outbox (printout.Documents.Mail…). Bare, it
// goes to the default address: the patient's own for a receipt or a
// statement, the user's own for the agenda and the cash close.

// mailTo is the value of --mail: whether it was given, and the address
// ("" = the default).
type mailTo struct {
	given bool
	addr  string
}

// mailDefault is what a bare --mail stands for.
const mailDefault = "default"

func (m *mailTo) Set(s string) error {
	m.given = true
	if s != mailDefault {
		m.addr = s
	}
	return nil
}
func (m *mailTo) String() string { return m.addr }
func (m *mailTo) Type() string   { return "ADDR" }

// mailFlag adds --mail[=ADDR] to a document command.
func mailFlag(c *cobra.Command, m *mailTo, usage string) {
	c.Flags().Var(m, "mail", usage)
	c.Flags().Lookup("mail").NoOptDefVal = mailDefault
}

// docFlags are a document command's --pdf and --mail[=ADDR].
type docFlags struct {
	pdf  bool
	mail mailTo
}

// add puts --pdf and --mail on c; mailUsage says where a bare --mail goes.
func (d *docFlags) add(c *cobra.Command, mailUsage string) {
	pdfFlag(c, &d.pdf)
	mailFlag(c, &d.mail, mailUsage)
}

// deliver is the part every document command shares: it refuses --mail with
// --pdf (one document goes one way) and --pdf where the bytes cannot arrive
// whole, then queues the e-mail through mail or writes the PDF that render
// makes. handled is false when neither was asked: the caller prints the text.
func (e *Env) deliver(c *cobra.Command, d docFlags,
	mail func(docs printout.Documents, addr string) (store.OutboxItem, error),
	render func(docs printout.Documents) ([]byte, error)) (handled bool, err error) {
	if d.mail.given && d.pdf {
		return true, usagef("%s: --mail and --pdf exclude each other", c.CommandPath())
	}
	if err := e.checkPDF(c, d.pdf); err != nil {
		return true, err
	}
	switch {
	case d.mail.given:
		return true, e.mailDocument(c, func(docs printout.Documents) (store.OutboxItem, error) {
			return mail(docs, d.mail.addr)
		})
	case d.pdf:
		b, err := render(e.documents())
		if err != nil {
			return true, err
		}
		return true, writePDF(c, b)
	}
	return false, nil
}

// mailDocument queues a document through send and says where it went
// (--json: the outbox row).
func (e *Env) mailDocument(c *cobra.Command, send func(d printout.Documents) (store.OutboxItem, error)) error {
	it, err := send(e.documents())
	if err != nil {
		return err
	}
	return output(c, it, func(w io.Writer) error {
		_, err := fmt.Fprintln(w, sanitize(fmt.Sprintf(i18n.DocMailFor(e.lang()).Queued, it.Recipient, it.ID)))
		return err
	})
}
