package i18n

import "consultorio/store"

// Availability: the availability page (clinic week, closures, a
// specialist's hours and absences), opened from the agenda with "a", and
// the words a booking conflict uses when a date lies outside it.
type Availability struct {
	Title        string
	Week         string
	Closed       string
	OwnHours     string // marks a weekday with hours of its own
	NoClosures   string
	Specialist   string // label before the chosen specialist
	NoSpecialist string
	ClinicHours  string // a specialist without own hours
	Hours        string
	NoAbsences   string
	// the list of closures and absences: its kind column and the kinds
	ColKind, KindClosure, KindAbsence string
	// keys
	KeyDay, KeyClose, KeyHours, KeyAbsence, KeyDelete, KeySpecialist, KeyMove string
	// forms
	Weekday, Open, Opens, Closes, From, To, Reason string
	Ranges, RangesHint, BadTime, BadRanges         string
	DeleteClosure, DeleteAbsence                   string // questions, with the item
	Saved, Deleted                                 string
	BookedThen                                     string // count of sessions already booked in a new closure/absence
	// booking conflicts outside the availability: date-time first
	UnavailableClinicHours, UnavailableClosure, UnavailableSpecialistHours, UnavailableAbsence string
	Override, OverrideHint                                                                     string
	// the patient already has a session then: session id, start, end, specialist
	PatientBusy, PatientBusyOK string
}

var esAvailability = Availability{
	Title: "Disponibilidad", Week: "Horario de la clínica", Closed: "cerrado", OwnHours: "*",
	NoClosures: "Sin cierres próximos.",
	Specialist: "Especialista", NoSpecialist: "No hay especialistas.",
	ClinicHours: "el de la clínica", Hours: "Horario", NoAbsences: "Sin ausencias próximas.",
	ColKind: "Tipo", KindClosure: "Cierre", KindAbsence: "Ausencia",
	KeyDay: "día", KeyClose: "cierre", KeyHours: "horario esp.", KeyAbsence: "ausencia", KeyDelete: "borrar",
	KeySpecialist: "especialista", KeyMove: "mover",
	Weekday: "Día de la semana", Open: "¿Abre ese día?", Opens: "Abre (HH:MM)", Closes: "Cierra (HH:MM)",
	From: "Desde", To: "Hasta", Reason: "Motivo",
	Ranges: "Horas (HH:MM-HH:MM, separadas por comas)", RangesHint: "vacío: no atiende ese día",
	BadTime: "Hora no válida (HH:MM)", BadRanges: "Escribe rangos como 09:00-13:00, 15:00-19:00",
	DeleteClosure: "¿Quitar el cierre %s?", DeleteAbsence: "¿Quitar la ausencia %s?",
	Saved: "Disponibilidad guardada", Deleted: "Eliminado",
	BookedThen:             "Guardado; %d sesiones ya reservadas en ese periodo se mantienen: avisa a los pacientes",
	UnavailableClinicHours: "%s: la clínica no atiende a esa hora", UnavailableClosure: "%s: la clínica está cerrada ese día",
	UnavailableSpecialistHours: "%s: el especialista no atiende a esa hora", UnavailableAbsence: "%s: el especialista está ausente",
	PatientBusy:   "El paciente ya tiene la sesión n.º %d (%s–%s) con %s.",
	PatientBusyOK: "¿Agendar igualmente, a la vez que esa sesión?",
	Override:      "Reservar igualmente: motivo (solo admin)", OverrideHint: "vacío: respetar la disponibilidad; queda en la auditoría",
}

var enAvailability = Availability{
	Title: "Availability", Week: "Clinic hours", Closed: "closed", OwnHours: "*",
	NoClosures: "No closures ahead.",
	Specialist: "Specialist", NoSpecialist: "No specialists.",
	ClinicHours: "the clinic's", Hours: "Hours", NoAbsences: "No absences ahead.",
	ColKind: "Kind", KindClosure: "Closure", KindAbsence: "Absence",
	KeyDay: "day", KeyClose: "closure", KeyHours: "spec. hours", KeyAbsence: "absence", KeyDelete: "delete",
	KeySpecialist: "specialist", KeyMove: "move",
	Weekday: "Weekday", Open: "Open that day?", Opens: "Opens (HH:MM)", Closes: "Closes (HH:MM)",
	From: "From", To: "To", Reason: "Reason",
	Ranges: "Hours (HH:MM-HH:MM, comma-separated)", RangesHint: "empty: does not work that day",
	BadTime: "Not a time (HH:MM)", BadRanges: "Write ranges like 09:00-13:00, 15:00-19:00",
	DeleteClosure: "Remove the closure %s?", DeleteAbsence: "Remove the absence %s?",
	Saved: "Availability saved", Deleted: "Removed",
	BookedThen:             "Saved; %d sessions already booked then are kept: tell the patients",
	UnavailableClinicHours: "%s: the clinic is not open then", UnavailableClosure: "%s: the clinic is closed that day",
	UnavailableSpecialistHours: "%s: the specialist does not work then", UnavailableAbsence: "%s: the specialist is away then",
	PatientBusy:   "The patient already has session #%d (%s–%s) with %s.",
	PatientBusyOK: "Book anyway, at the same time as that session?",
	Override:      "Book anyway: reason (admin only)", OverrideHint: "empty: keep to the availability; it is audited",
}

// Unavailable is the sentence (with a %s for the date and time) of a booking
// refused for being outside the availability, "" for any other resource
// (a clash with a session).
func (l *Locale) Unavailable(resource string) string {
	m := l.M.Availability
	switch resource {
	case store.ResourceClinicHours:
		return m.UnavailableClinicHours
	case store.ResourceClosure:
		return m.UnavailableClosure
	case store.ResourceSpecialistHours:
		return m.UnavailableSpecialistHours
	case store.ResourceAbsence:
		return m.UnavailableAbsence
	}
	return ""
}
