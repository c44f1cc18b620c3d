package mail

import (
	"time"

	"consultorio/store"
	"consultorio/tui/i18n"
)

// lang holds the words of the e-mails in one language. Format verbs are
// filled by Render in a fixed order (see each use).
type lang struct {
	code i18n.Lang

	inviteSubject, inviteBody               string
	roles                                   map[store.Role]string
	reminderSubject, reminderBody           string
	cancelSubject, cancelBody               string
	moveSubject, moveBody                   string
	changeSubject, changeBody               string
	eventSummary                            string
	agendaSubject, agendaIntro, agendaCount string
	// A document sent by e-mail: subject and body take what it is (its
	// title) and the clinic.
	docSubject, docBody string
	docs                map[store.DocumentKind]docWords
}

// docWords name one kind of document: its title for the subject and as a
// phrase in the body (%d the receipt number, %s the patient or the long
// date), and its file name (%d the number, %s the day YYYY-MM-DD).
type docWords struct{ title, phrase, file string }

// date is the product's one long date ("martes 8 de diciembre de 2026").
func (l *lang) date(t time.Time) string { return i18n.LongDate(l.code, t) }

func (l *lang) dateTime(t time.Time) string { return l.date(t) + ", " + t.Format("15:04") }

func (l *lang) role(r store.Role) string {
	if s, ok := l.roles[r]; ok {
		return s
	}
	return string(r)
}

var words = map[string]*lang{
	"es": {
		code:          i18n.ES,
		inviteSubject: "Su acceso a %s",
		inviteBody: `Hola, %s:

Le damos acceso a %s como %s.

Para entrar, escriba en una terminal:

    %s

Usuario: %s
Código de configuración (un solo uso): %s
El código vence el %s. Al entrar elegirá su contraseña.

Si no esperaba este mensaje, ignórelo.
`,
		roles:           map[store.Role]string{store.RoleAdmin: "administrador(a)", store.RoleSpecialist: "especialista", store.RoleReception: "recepción"},
		reminderSubject: "Recordatorio: su cita del %s",
		reminderBody: `Hola, %s:

Le recordamos su cita del %s (%d min)
con %s, en %s.

%s
`,
		cancelSubject: "Cita cancelada: %s",
		cancelBody: `Hola, %s:

Su cita del %s con %s ha sido cancelada.
Para reprogramarla, comuníquese con %s.
`,
		moveSubject: "Cita reprogramada: %s",
		moveBody: `Hola, %s:

Su cita del %s se ha movido al %s (%d min)
con %s, en %s.

%s
`,
		changeSubject: "Cambio en su cita: %s",
		changeBody: `Hola, %s:

Su cita del %s ha cambiado. Ahora es de %d min
con %s, en %s.
Antes: %d min con %s, en %s.

%s
`,
		eventSummary:  "Cita con %s (%s)",
		agendaSubject: "Su agenda del %s",
		agendaIntro:   "Hola, %s:\n\nSu agenda del %s en %s:\n\n",
		agendaCount:   "\nSesiones: %d\n",
		docSubject:    "%s - %s",
		docBody:       "Hola:\n\nLe enviamos adjunto, en PDF, %s de %s.\n",
		docs: map[store.DocumentKind]docWords{
			store.DocReceipt:   {title: "Recibo n.º %d", phrase: "el recibo n.º %d", file: "recibo-%d.pdf"},
			store.DocStatement: {title: "Estado de cuenta de %s", phrase: "el estado de cuenta de %s", file: "estado-de-cuenta.pdf"},
			store.DocCashClose: {title: "Cierre de caja del %s", phrase: "el cierre de caja del %s", file: "cierre-de-caja-%s.pdf"},
			store.DocAgenda:    {title: "Agenda del %s", phrase: "la agenda del %s", file: "agenda-%s.pdf"},
		},
	},
	"en": {
		code:          i18n.EN,
		inviteSubject: "Your access to %s",
		inviteBody: `Hello %s,

You have been given access to %s as %s.

To log in, type in a terminal:

    %s

User: %s
One-time setup code: %s
The code expires on %s. When you log in you will choose your password.

If you did not expect this message, ignore it.
`,
		roles:           map[store.Role]string{store.RoleAdmin: "administrator", store.RoleSpecialist: "specialist", store.RoleReception: "reception"},
		reminderSubject: "Reminder: your appointment on %s",
		reminderBody: `Hello %s,

This is a reminder of your appointment on %s (%d min)
with %s, in %s.

%s
`,
		cancelSubject: "Appointment cancelled: %s",
		cancelBody: `Hello %s,

Your appointment on %s with %s has been cancelled.
To book another one, please contact %s.
`,
		moveSubject: "Appointment moved: %s",
		moveBody: `Hello %s,

Your appointment on %s has been moved to %s (%d min)
with %s, in %s.

%s
`,
		changeSubject: "Appointment changed: %s",
		changeBody: `Hello %s,

Your appointment on %s has changed. It is now %d min
with %s, in %s.
Before: %d min with %s, in %s.

%s
`,
		eventSummary:  "Appointment with %s (%s)",
		agendaSubject: "Your agenda for %s",
		agendaIntro:   "Hello %s,\n\nYour agenda for %s at %s:\n\n",
		agendaCount:   "\nSessions: %d\n",
		docSubject:    "%s - %s",
		docBody:       "Hello,\n\nPlease find attached, as a PDF, %s from %s.\n",
		docs: map[store.DocumentKind]docWords{
			store.DocReceipt:   {title: "Receipt no. %d", phrase: "receipt no. %d", file: "receipt-%d.pdf"},
			store.DocStatement: {title: "Statement of %s", phrase: "the statement of %s", file: "statement.pdf"},
			store.DocCashClose: {title: "Cash close of %s", phrase: "the cash close of %s", file: "cash-close-%s.pdf"},
			store.DocAgenda:    {title: "Agenda of %s", phrase: "the agenda of %s", file: "agenda-%s.pdf"},
		},
	},
}
