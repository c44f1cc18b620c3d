package i18n

// DocMail is what a door says after queueing a printable document as an
// e-mail attachment (scripted `--mail`, the TUI's "send by e-mail").
type DocMail struct {
	// Queued: %s the recipient, %d the outbox number.
	Queued string
	// Key names the document pages' key that sends the document by
	// e-mail (to the patient's address, or the user's own).
	Key string
}

var docMailES = DocMail{
	Queued: "Documento en la bandeja de salida para %s (correo #%d); se envía en el próximo envío de correos.",
	Key:    "enviar por correo",
}

var docMailEN = DocMail{
	Queued: "Document queued for %s (e-mail #%d); it goes out with the next e-mail run.",
	Key:    "send by e-mail",
}

// DocMailFor is the document-mail text in a language.
func DocMailFor(l Lang) *DocMail {
	if l == EN {
		return &docMailEN
	}
	return &docMailES
}
