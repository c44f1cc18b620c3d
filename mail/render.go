package mail

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"consultorio/store"
	"consultorio/tui/sanitize"
)

// Message is a rendered e-mail: plain text, with optional attachments.
type Message struct {
	Subject     string
	Text        string
	Attachments []Attachment
}

// Attachment is one file of a Message.
type Attachment struct {
	Name        string
	ContentType string
	Data        []byte
}

// ConnectLine gives the command that reaches a clinic ("ssh -p 2222
// demo@host"), built by the server from the address it really listens on
// (tui/sshline).
type ConnectLine func(user string) string

// Render turns a claimed outbox row into the message its recipient reads,
// in the row's language. now stamps the .ics.
func Render(c store.ClaimedMail, connect ConnectLine, now time.Time) (Message, error) {
	w := words[c.Lang]
	if w == nil {
		w = words["es"]
	}
	switch c.Kind {
	case store.MailInvitation:
		var p store.InvitationMail
		if err := json.Unmarshal(c.Payload, &p); err != nil {
			return Message{}, fmt.Errorf("invitation #%d: %w", c.ID, err)
		}
		if p.Code == "" {
			return Message{}, fmt.Errorf("invitation #%d holds no setup code", c.ID)
		}
		return Message{
			Subject: fmt.Sprintf(w.inviteSubject, clean(p.Clinic)),
			Text: fmt.Sprintf(w.inviteBody, clean(p.Name), clean(p.Clinic), w.role(p.Role), connect(p.Schema),
				p.Email, p.Code, p.Expires.UTC().Format("2006-01-02 15:04 MST")),
		}, nil
	case store.MailReminder, store.MailCancellation, store.MailMove, store.MailChange:
		var p store.SessionMail
		if err := json.Unmarshal(c.Payload, &p); err != nil {
			return Message{}, fmt.Errorf("%s #%d: %w", c.Kind, c.ID, err)
		}
		return renderSession(c, p, w, now), nil
	case store.MailAgenda:
		var p store.AgendaMail
		if err := json.Unmarshal(c.Payload, &p); err != nil {
			return Message{}, fmt.Errorf("agenda #%d: %w", c.ID, err)
		}
		loc := location(p.Timezone)
		day, err := time.ParseInLocation(time.DateOnly, p.Day, loc)
		if err != nil {
			return Message{}, fmt.Errorf("agenda #%d: day %q: %w", c.ID, p.Day, err)
		}
		var b strings.Builder
		fmt.Fprintf(&b, w.agendaIntro, clean(p.Specialist), w.date(day), clean(p.Clinic))
		for _, it := range p.Items {
			fmt.Fprintf(&b, "  %s  %3d min  %-28s  %s\n", it.Start.In(loc).Format("15:04"), it.DurationMin,
				clean(it.Patient), clean(it.Room))
		}
		fmt.Fprintf(&b, w.agendaCount, len(p.Items))
		return Message{Subject: fmt.Sprintf(w.agendaSubject, w.date(day)), Text: b.String()}, nil
	case store.MailDocument:
		var p store.DocumentMail
		if err := json.Unmarshal(c.Payload, &p); err != nil {
			return Message{}, fmt.Errorf("document #%d: %w", c.ID, err)
		}
		return renderDocument(c, p, w)
	}
	return Message{}, fmt.Errorf("outbox #%d: unknown kind %q", c.ID, c.Kind)
}

// renderDocument is a printable document as a PDF attachment, with a
// subject and a line that say what it is.
func renderDocument(c store.ClaimedMail, p store.DocumentMail, w *lang) (Message, error) {
	d, ok := w.docs[p.Document]
	if !ok {
		return Message{}, fmt.Errorf("document #%d: unknown document %q", c.ID, p.Document)
	}
	if len(p.PDF) == 0 {
		return Message{}, fmt.Errorf("document #%d holds no PDF", c.ID)
	}
	var arg any
	file := d.file
	switch p.Document {
	case store.DocReceipt:
		arg, file = p.Number, fmt.Sprintf(file, p.Number)
	case store.DocStatement:
		arg = clean(p.Patient)
	default:
		day, err := time.Parse(time.DateOnly, p.Day)
		if err != nil {
			return Message{}, fmt.Errorf("document #%d: day %q: %w", c.ID, p.Day, err)
		}
		arg, file = w.date(day), fmt.Sprintf(file, p.Day)
	}
	clinic := clean(p.Clinic)
	return Message{
		Subject:     fmt.Sprintf(w.docSubject, fmt.Sprintf(d.title, arg), clinic),
		Text:        fmt.Sprintf(w.docBody, fmt.Sprintf(d.phrase, arg), clinic),
		Attachments: []Attachment{{Name: file, ContentType: "application/pdf", Data: p.PDF}},
	}, nil
}

func renderSession(c store.ClaimedMail, p store.SessionMail, w *lang, now time.Time) Message {
	loc := location(p.Timezone)
	when := w.dateTime(p.Start.In(loc))
	clinic, patient, specialist, room := clean(p.Clinic), clean(p.Patient), clean(p.Specialist), clean(p.Room)
	ev := Event{
		UID:      fmt.Sprintf("session-%d@consultorio", p.SessionID),
		Start:    p.Start,
		Duration: time.Duration(p.DurationMin) * time.Minute,
		Summary:  fmt.Sprintf(w.eventSummary, specialist, clinic),
		Location: clinic + ", " + room,
	}
	var m Message
	switch c.Kind {
	case store.MailReminder:
		m.Subject = fmt.Sprintf(w.reminderSubject, when)
		m.Text = fmt.Sprintf(w.reminderBody, patient, when, p.DurationMin, specialist, room, clinic)
	case store.MailCancellation:
		m.Subject = fmt.Sprintf(w.cancelSubject, when)
		m.Text = fmt.Sprintf(w.cancelBody, patient, when, specialist, clinic)
		ev.Cancelled, ev.Sequence = true, 1
	case store.MailMove:
		old := ""
		if p.OldStart != nil {
			old = w.dateTime(p.OldStart.In(loc))
		}
		m.Subject = fmt.Sprintf(w.moveSubject, when)
		m.Text = fmt.Sprintf(w.moveBody, patient, old, when, p.DurationMin, specialist, room, clinic)
	case store.MailChange:
		m.Subject = fmt.Sprintf(w.changeSubject, when)
		m.Text = fmt.Sprintf(w.changeBody, patient, when, p.DurationMin, specialist, room, p.OldDurationMin,
			clean(p.OldSpecialist), clean(p.OldRoom), clinic)
		ev.Sequence = 1 // an update of the event the patient may have saved
	}
	ev.Description = m.Text
	m.Attachments = []Attachment{{Name: "cita.ics", ContentType: "text/calendar", Data: ICS(ev, now)}}
	if c.Lang == "en" {
		m.Attachments[0].Name = "appointment.ics"
	}
	return m
}

// clean makes stored text safe to put in a message: no control characters
// or escape sequences (a name is typed by staff, an e-mail is read by
// anyone's mail program).
func clean(s string) string { return sanitize.Line(s) }

func location(name string) *time.Location {
	if loc, err := time.LoadLocation(name); err == nil {
		return loc
	}
	return time.UTC
}
