package i18n

// SessionsEdit: the words of a session edit (specialist, room, duration),
// of moving or cancelling several sessions of a series, and of the prepaid
// questions (issue 13). Its own catalogue until the screens' catalogue
// takes it in (the TUI split): SessionsEditFor picks the language.
type SessionsEdit struct {
	// Scripted commands: the heading of a list of sessions changed at once.
	Moved, Cancelled string // %d: how many
	NoCredits        string // `patients credits` with none

	// The session detail's edit form.
	KeyEdit, EditTitle               string
	Specialist, Room, Duration       string
	DurationHint, Saved, NothingToDo string

	// Which sessions of a series a move or a cancellation covers.
	ScopeTitle, ScopeThis, ScopeFollowing, ScopeAll string

	// Booking paid in advance: how it was paid.
	PaidHow, Reference string
	// Cancelling sessions paid in advance: what becomes of the payment.
	PrepaidTitle, PrepaidCredit, PrepaidRefund, PrepaidKeep string

	// The patient file's sessions tab and the sessions screen's filters.
	KeyBook, KeyOpen, FilterPatient, FilterRoom, AllRooms, AllPatients string
	KeyByPatient                                                       string

	// The session page: its series, and the payment log's new actions.
	InSeries, LogRefunded, LogCredited string

	// The patient file's payments tab: credits held for the next session.
	Credits    string // total, count
	CreditHint string
	CreditLine string // date, amount, session id
}

var esSessionsEdit = SessionsEdit{
	Moved: "Se movieron %d sesiones.", Cancelled: "Se cancelaron %d sesiones.",
	NoCredits: "El paciente no tiene créditos.",
	KeyEdit:   "editar", EditTitle: "Editar la sesión n.º %d",
	Specialist: "Especialista", Room: "Sala", Duration: "Duración (minutos)",
	DurationHint: "entre 5 y 720", Saved: "Sesión actualizada", NothingToDo: "Nada que cambiar",
	ScopeTitle: "Esta sesión es parte de una serie: ¿a cuáles se aplica?",
	ScopeThis:  "Solo a esta", ScopeFollowing: "A esta y las siguientes", ScopeAll: "A toda la serie",
	PaidHow: "¿Cómo se pagó?", Reference: "Referencia (opcional)",
	PrepaidTitle:  "Se pagó por adelantado: ¿qué pasa con el pago?",
	PrepaidCredit: "Queda como crédito para la próxima sesión del paciente",
	PrepaidRefund: "Se devuelve al paciente (queda registrado)",
	PrepaidKeep:   "Lo retiene la clínica (cancelación tardía, inasistencia)",
	KeyBook:       "agendar", KeyOpen: "abrir", FilterPatient: "Paciente", FilterRoom: "Sala",
	AllRooms: "todas las salas", AllPatients: "todos los pacientes", KeyByPatient: "solo este paciente",
	InSeries: "Parte de la serie n.º %d", LogRefunded: "devuelto", LogCredited: "queda como crédito",
	Credits:    "Crédito a favor: %s (%d)",
	CreditHint: "Paga la próxima sesión que se agende (n).",
	CreditLine: "%s  %12s  de la sesión n.º %d",
}

var enSessionsEdit = SessionsEdit{
	Moved: "Moved %d sessions.", Cancelled: "Cancelled %d sessions.",
	NoCredits: "The patient has no credits.",
	KeyEdit:   "edit", EditTitle: "Edit session #%d",
	Specialist: "Specialist", Room: "Room", Duration: "Duration (minutes)",
	DurationHint: "between 5 and 720", Saved: "Session updated", NothingToDo: "Nothing to change",
	ScopeTitle: "This session is part of a series: which ones?",
	ScopeThis:  "This one only", ScopeFollowing: "This one and the following", ScopeAll: "The whole series",
	PaidHow: "How was it paid?", Reference: "Reference (optional)",
	PrepaidTitle:  "It was paid in advance: what becomes of the payment?",
	PrepaidCredit: "Kept as credit for the patient's next session",
	PrepaidRefund: "Refunded to the patient (recorded)",
	PrepaidKeep:   "Kept by the clinic (late cancellation, no-show)",
	KeyBook:       "book", KeyOpen: "open", FilterPatient: "Patient", FilterRoom: "Room",
	AllRooms: "all rooms", AllPatients: "all patients", KeyByPatient: "this patient only",
	InSeries: "Part of series #%d", LogRefunded: "refunded", LogCredited: "kept as credit",
	Credits:    "Credit held: %s (%d)",
	CreditHint: "It pays the next session booked (n).",
	CreditLine: "%s  %12s  from session #%d",
}

// SessionsEditFor is the SessionsEdit catalogue of a language.
func SessionsEditFor(l Lang) *SessionsEdit {
	if l == EN {
		return &enSessionsEdit
	}
	return &esSessionsEdit
}

// The fields and the action these changes name in their errors.
func init() {
	fieldText["scope"] = [2]string{"Sesiones de la serie", "Sessions of the series"}
	fieldText["prepaid"] = [2]string{"Pago adelantado (crédito, devolución o retener)",
		"Payment in advance (credit, refund or keep)"}
	sessionActionText["edit"] = [2]string{"editar", "edit"}
}
