package i18n

import (
	"fmt"
	"time"
)

// Script is the human text of the scripted commands (`ssh demo@host agenda`)
// that is not data: empty states and headings. Labels of tables and fields
// stay English, like the --json keys, so scripts can rely on them.
type Script struct {
	NoPatients       string
	NoSessions       string
	NoSpecialists    string
	NoRooms          string
	NoKeys           string
	NoExpenses       string
	NoPayments       string
	NoPaymentHistory string
	NoNotifications  string
	NoClinics        string
	NoInvoices       string
	NoEquipment      string
	NoAudit          string
	NoOutbox         string
	BookingFree      string
	// AgendaDay heads the agenda of a day: %s is the day as LongDate writes it.
	AgendaDay string
}

var scriptES = Script{
	NoPatients:       "No hay pacientes.",
	NoSessions:       "No hay sesiones.",
	NoSpecialists:    "No hay especialistas.",
	NoRooms:          "No hay salas.",
	NoKeys:           "No hay llaves.",
	NoExpenses:       "No hay gastos.",
	NoPayments:       "No hay pagos.",
	NoPaymentHistory: "El pago no tiene historial.",
	NoNotifications:  "No hay notificaciones.",
	NoClinics:        "No hay clínicas.",
	NoInvoices:       "No hay facturas.",
	NoEquipment:      "No hay equipos.",
	NoAudit:          "No hay registros de auditoría.",
	NoOutbox:         "No hay correos salientes.",
	BookingFree:      "Horario libre: la reserva se puede hacer.",
	AgendaDay:        "Agenda del %s",
}

var scriptEN = Script{
	NoPatients:       "No patients.",
	NoSessions:       "No sessions.",
	NoSpecialists:    "No specialists.",
	NoRooms:          "No rooms.",
	NoKeys:           "No keys.",
	NoExpenses:       "No expenses.",
	NoPayments:       "No payments.",
	NoPaymentHistory: "No payment history.",
	NoNotifications:  "No notifications.",
	NoClinics:        "No clinics.",
	NoInvoices:       "No invoices.",
	NoEquipment:      "No equipment.",
	NoAudit:          "No audit entries.",
	NoOutbox:         "No outgoing e-mail.",
	BookingFree:      "Free: the booking can be made.",
	AgendaDay:        "Agenda for %s",
}

// ScriptFor is the scripted commands' text in a language.
func ScriptFor(l Lang) *Script {
	if l == EN {
		return &scriptEN
	}
	return &scriptES
}

// LongDate writes a calendar date with its weekday and month names, the
// one long format of each language (screens, PDFs, commands):
// "martes 1 de diciembre de 2026", "Tuesday, December 1, 2026".
func LongDate(l Lang, d time.Time) string { return longDate(l, &For(l).Dates, d) }

// longDate is LongDate with the names of m (an ASCII-mode copy of the
// catalogue writes "sabado", not "sábado").
func longDate(l Lang, m *Dates, d time.Time) string {
	if l == EN {
		return fmt.Sprintf("%s, %s %d, %d", m.Weekdays[d.Weekday()], m.Months[d.Month()-1], d.Day(), d.Year())
	}
	return fmt.Sprintf("%s %d de %s de %d", m.Weekdays[d.Weekday()], d.Day(), m.Months[d.Month()-1], d.Year())
}

// MonthName writes a month with its name: "noviembre de 2026", "November 2026".
func MonthName(l Lang, d time.Time) string {
	m := For(l).Dates
	if l == EN {
		return fmt.Sprintf("%s %d", m.Months[d.Month()-1], d.Year())
	}
	return fmt.Sprintf("%s de %d", m.Months[d.Month()-1], d.Year())
}
