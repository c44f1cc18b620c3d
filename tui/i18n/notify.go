package i18n

import (
	"fmt"

	"consultorio/store"
)

// Notify holds the words of the notifications fed by events (issue 13),
// the waiting list and the overdue setting, for every door (the scripted
// commands now, the notifications screen after the TUI split). The
// notifications the periodic scan writes carry their own title and message
// (in the clinic's language); the event ones carry facts
// (store.NotificationData), worded here in the reader's language.
type Notify struct {
	// Titles (%s: the patient, or the account) and messages of each event.
	BookedTitle, BookedMsg, BookedSeriesMsg string // by, patient, start, room (, count)
	CancelledTitle, CancelledMsg            string // by, patient, start, reason
	MovedTitle, MovedMsg                    string // by, patient, from, to
	LockedTitle, LockedMsg                  string // account, until
	SlotTitle, SlotMsg                      string // specialist, start, minutes, room, waiting entry
	// The scripted commands' confirmations.
	Marked, MarkedAll                              string // id; count
	NoWaitlist, AnySpecialist                      string
	WaitlistAdded, WaitlistRemoved, WaitlistBooked string // entry id (, session id)
	// The settings' label of store.Settings.PaymentOverdueDays.
	OverdueDays string

	// The notifications screen: columns, keys, states.
	Empty                         string
	ColWhen, ColTitle, ColMessage string
	UnreadMark, ReadMark          string // first column: unread or read (readable without colour)
	KeyOpen, KeyRead, KeyAllRead  string
	KeyWaitlist                   string
	ReadDone, AllReadDone         string // status line; AllReadDone: count
	NoLink                        string // enter on a notice that leads nowhere
	// The waiting-list page.
	WaitTitle, WaitEmpty                                           string
	ColPatient, ColSpecialist, ColFrom, ColUntil, ColNote, ColSlot string
	KeyAdd, KeyRemove, KeyBook                                     string
	AddTitle, Patient, Specialist, From, Until, Note               string
	Room, Start, Duration, DurationHint                            string
	BadID, BadTime                                                 string
	ConfirmRemove                                                  string // patient
	ConfirmBook                                                    string // patient, date-time, specialist, room
	BookTitle                                                      string
	Added, Removed, Booked                                         string
}

var notifyES = Notify{
	BookedTitle:     "Nueva sesión: %s",
	BookedMsg:       "%s reservó una sesión de %s el %s en %s.",
	BookedSeriesMsg: "%s reservó %[5]d sesiones de %[2]s desde el %[3]s en %[4]s.",
	CancelledTitle:  "Sesión cancelada: %s",
	CancelledMsg:    "%s canceló la sesión de %s del %s (motivo: %s).",
	MovedTitle:      "Sesión movida: %s",
	MovedMsg:        "%s movió la sesión de %s del %s al %s.",
	LockedTitle:     "Cuenta bloqueada: %s",
	LockedMsg:       "Demasiados intentos fallidos: %s queda bloqueada hasta el %s.",
	SlotTitle:       "Horario libre para %s",
	SlotMsg:         "%s, %s (%d min), %s: se liberó y encaja con la lista de espera n.º %d.",
	Marked:          "Notificación %d marcada como leída.",
	MarkedAll:       "%d notificaciones marcadas como leídas.",
	NoWaitlist:      "No hay pacientes en lista de espera.",
	AnySpecialist:   "cualquiera",
	WaitlistAdded:   "Agregado a la lista de espera (n.º %d).",
	WaitlistRemoved: "Quitado de la lista de espera (n.º %d).",
	WaitlistBooked:  "Lista de espera n.º %d: sesión n.º %d reservada.",
	OverdueDays:     "Días para pago vencido",

	Empty:   "No hay avisos.",
	ColWhen: "Fecha", ColTitle: "Aviso", ColMessage: "Detalle", UnreadMark: "●", ReadMark: " ",
	KeyOpen: "abrir", KeyRead: "leído", KeyAllRead: "todo leído", KeyWaitlist: "lista de espera",
	ReadDone: "Aviso marcado como leído.", AllReadDone: "%d avisos marcados como leídos.",
	NoLink:    "Este aviso no lleva a ningún registro.",
	WaitTitle: "Lista de espera", WaitEmpty: "No hay pacientes en lista de espera.",
	ColPatient: "Paciente", ColSpecialist: "Especialista", ColFrom: "Desde", ColUntil: "Hasta", ColNote: "Nota",
	ColSlot: "Horario libre",
	KeyAdd:  "agregar", KeyRemove: "quitar", KeyBook: "reservar",
	AddTitle: "Agregar a la lista de espera", Patient: "Paciente",
	Specialist: "Especialista", From: "Desde (AAAA-MM-DD HH:MM)", Until: "Hasta (AAAA-MM-DD HH:MM)", Note: "Nota",
	Room: "Consultorio", Start: "Inicio (AAAA-MM-DD HH:MM)", Duration: "Duración (min)", DurationHint: "vacío: la de la clínica",
	BadID: "Escriba un número", BadTime: "Escriba fecha y hora como 2026-11-23 10:00",
	ConfirmRemove: "¿Quitar a %s de la lista de espera?",
	ConfirmBook:   "¿Reservar a %s el %s con %s en %s?",
	BookTitle:     "Reservar desde la lista de espera",
	Added:         "Agregado a la lista de espera.", Removed: "Quitado de la lista de espera.", Booked: "Sesión reservada; el paciente salió de la lista de espera.",
}

var notifyEN = Notify{
	BookedTitle:     "New session: %s",
	BookedMsg:       "%s booked a session of %s on %s in %s.",
	BookedSeriesMsg: "%s booked %[5]d sessions of %[2]s from %[3]s in %[4]s.",
	CancelledTitle:  "Session cancelled: %s",
	CancelledMsg:    "%s cancelled the session of %s on %s (reason: %s).",
	MovedTitle:      "Session moved: %s",
	MovedMsg:        "%s moved the session of %s from %s to %s.",
	LockedTitle:     "Account locked: %s",
	LockedMsg:       "Too many failed attempts: %s is locked until %s.",
	SlotTitle:       "Free slot for %s",
	SlotMsg:         "%s, %s (%d min), %s: freed, and it fits waiting-list entry #%d.",
	Marked:          "Notification %d marked read.",
	MarkedAll:       "%d notifications marked read.",
	NoWaitlist:      "Nobody is on the waiting list.",
	AnySpecialist:   "any",
	WaitlistAdded:   "Added to the waiting list (#%d).",
	WaitlistRemoved: "Removed from the waiting list (#%d).",
	WaitlistBooked:  "Waiting-list entry #%d: session #%d booked.",
	OverdueDays:     "Days until a payment is overdue",

	Empty:   "No notifications.",
	ColWhen: "Date", ColTitle: "Notice", ColMessage: "Details", UnreadMark: "●", ReadMark: " ",
	KeyOpen: "open", KeyRead: "read", KeyAllRead: "all read", KeyWaitlist: "waiting list",
	ReadDone: "Notification marked read.", AllReadDone: "%d notifications marked read.",
	NoLink:    "This notification leads to no record.",
	WaitTitle: "Waiting list", WaitEmpty: "Nobody is on the waiting list.",
	ColPatient: "Patient", ColSpecialist: "Specialist", ColFrom: "From", ColUntil: "Until", ColNote: "Note",
	ColSlot: "Free slot",
	KeyAdd:  "add", KeyRemove: "remove", KeyBook: "book",
	AddTitle: "Add to the waiting list", Patient: "Patient",
	Specialist: "Specialist", From: "From (YYYY-MM-DD HH:MM)", Until: "Until (YYYY-MM-DD HH:MM)", Note: "Note",
	Room: "Room", Start: "Start (YYYY-MM-DD HH:MM)", Duration: "Duration (min)", DurationHint: "empty: the clinic's",
	BadID: "Type a number", BadTime: "Type a date and time like 2026-11-23 10:00",
	ConfirmRemove: "Remove %s from the waiting list?",
	ConfirmBook:   "Book %s on %s with %s in %s?",
	BookTitle:     "Book from the waiting list",
	Added:         "Added to the waiting list.", Removed: "Removed from the waiting list.", Booked: "Session booked; the patient left the waiting list.",
}

// NotifyFor is the notification words of a language.
func NotifyFor(l Lang) *Notify {
	if l == EN {
		return &notifyEN
	}
	return &notifyES
}

// NotificationText is a notification's title and message in the locale's
// language: an event's worded from its facts, a scan's as it was written.
func (l *Locale) NotificationText(n store.Notification) (title, message string) {
	w := NotifyFor(l.Lang)
	d := n.Data
	at := ""
	if d.Start != nil {
		at = l.DateTime(*d.Start)
	}
	switch n.Type {
	case store.NotifySessionBooked:
		if d.Count > 1 {
			return fmt.Sprintf(w.BookedTitle, d.Patient), fmt.Sprintf(w.BookedSeriesMsg, d.By, d.Patient, at, d.Room, d.Count)
		}
		return fmt.Sprintf(w.BookedTitle, d.Patient), fmt.Sprintf(w.BookedMsg, d.By, d.Patient, at, d.Room)
	case store.NotifySessionCancelled:
		return fmt.Sprintf(w.CancelledTitle, d.Patient), fmt.Sprintf(w.CancelledMsg, d.By, d.Patient, at, l.cancelReason(d.Reason))
	case store.NotifySessionMoved:
		to := ""
		if d.NewStart != nil {
			to = l.DateTime(*d.NewStart)
		}
		return fmt.Sprintf(w.MovedTitle, d.Patient), fmt.Sprintf(w.MovedMsg, d.By, d.Patient, at, to)
	case store.NotifyAccountLocked:
		until := ""
		if d.Until != nil {
			until = l.DateTime(*d.Until)
		}
		return fmt.Sprintf(w.LockedTitle, d.User), fmt.Sprintf(w.LockedMsg, d.User, until)
	case store.NotifySlotFreed:
		var entry int64
		if n.WaitlistID != nil {
			entry = *n.WaitlistID
		}
		return fmt.Sprintf(w.SlotTitle, d.Patient), fmt.Sprintf(w.SlotMsg, d.Specialist, at, d.DurationMin, d.Room, entry)
	}
	return n.Title, n.Message
}

// cancelReason is a session's cancel reason in the locale's language (the
// stored word when unknown).
func (l *Locale) cancelReason(r string) string {
	s := l.M.Sessions
	switch r {
	case "patient":
		return s.ReasonPatient
	case "therapist":
		return s.ReasonTherapist
	case "clinic":
		return s.ReasonClinic
	case "no_show":
		return s.ReasonNoShow
	case "other":
		return s.ReasonOther
	case "rescheduled":
		return s.ReasonRescheduled
	}
	return r
}
