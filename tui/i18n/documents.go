package i18n

import "consultorio/store"

// Documents: the printable documents (agenda, cash close, statement,
// receipt) and the screens that show them before printing.
type Documents struct {
	Issued      string // date-time
	Page        string // page number, page count
	AgendaTitle string // long date
	AgendaOf    string // specialist name
	NoSessions  string
	Time        string
	Patient     string
	Specialist  string
	Room        string
	Status      string
	Session     string

	CashCloseTitle string // long date
	Method         string
	Count          string
	Total          string
	NoPayments     string
	Reference      string

	StatementTitle string
	Document       string // patient's document number, label
	Date           string
	Amount         string
	Paid           string
	PaidOn         string
	Owed           string
	NotCharged     string
	TotalPaid      string
	Balance        string
	NoLines        string

	ReceiptTitle string // number
	Received     string // "received from"
	Concept      string // session date-time, specialist
	IssuedBy     string

	KeyCashClose string
	KeyStatement string
	KeyReceipt   string
	KeyPrevDay   string
	KeyNextDay   string
	KeyToday     string
	PDFHint      string // how to get the PDF: the scripted command line
	// The file names the hint saves each PDF to.
	FileCashClose, FileStatement, FileReceipt string
}

var esDocuments = Documents{
	Issued:      "Emitido el %s",
	Page:        "Página %d de %s",
	AgendaTitle: "Agenda del %s",
	AgendaOf:    "Agenda de %s",
	NoSessions:  "Sin sesiones.",
	Time:        "Hora",
	Patient:     "Paciente",
	Specialist:  "Especialista",
	Room:        "Sala",
	Status:      "Estado",
	Session:     "Sesión",

	CashCloseTitle: "Cierre de caja del %s",
	Method:         "Medio de pago",
	Count:          "Cant.",
	Total:          "Total",
	NoPayments:     "No hay pagos registrados ese día.",
	Reference:      "Referencia",

	StatementTitle: "Estado de cuenta",
	Document:       "Documento",
	Date:           "Fecha",
	Amount:         "Importe",
	Paid:           "Pagado",
	PaidOn:         "pagado el %s (%s)",
	Owed:           "adeuda",
	NotCharged:     "sin cargo aún",
	TotalPaid:      "Total pagado",
	Balance:        "Saldo pendiente",
	NoLines:        "El paciente no tiene sesiones.",

	ReceiptTitle: "Recibo n.º %d",
	Received:     "Recibimos de",
	Concept:      "Por la sesión del %s con %s",
	IssuedBy:     "Emitido por",

	KeyCashClose:  "cierre de caja",
	KeyStatement:  "estado de cuenta",
	KeyReceipt:    "recibo",
	KeyPrevDay:    "día anterior",
	KeyNextDay:    "día siguiente",
	KeyToday:      "hoy",
	PDFHint:       "PDF: %s",
	FileCashClose: "caja.pdf", FileStatement: "estado.pdf", FileReceipt: "recibo.pdf",
}

var enDocuments = Documents{
	Issued:      "Issued %s",
	Page:        "Page %d of %s",
	AgendaTitle: "Agenda for %s",
	AgendaOf:    "Agenda of %s",
	NoSessions:  "No sessions.",
	Time:        "Time",
	Patient:     "Patient",
	Specialist:  "Specialist",
	Room:        "Room",
	Status:      "Status",
	Session:     "Session",

	CashCloseTitle: "Cash close for %s",
	Method:         "Payment method",
	Count:          "Count",
	Total:          "Total",
	NoPayments:     "No payments recorded that day.",
	Reference:      "Reference",

	StatementTitle: "Patient statement",
	Document:       "Document",
	Date:           "Date",
	Amount:         "Amount",
	Paid:           "Paid",
	PaidOn:         "paid on %s (%s)",
	Owed:           "owed",
	NotCharged:     "not charged yet",
	TotalPaid:      "Total paid",
	Balance:        "Balance owed",
	NoLines:        "The patient has no sessions.",

	ReceiptTitle: "Receipt no. %d",
	Received:     "Received from",
	Concept:      "For the session of %s with %s",
	IssuedBy:     "Issued by",

	KeyCashClose:  "cash close",
	KeyStatement:  "statement",
	KeyReceipt:    "receipt",
	KeyPrevDay:    "previous day",
	KeyNextDay:    "next day",
	KeyToday:      "today",
	PDFHint:       "PDF: %s",
	FileCashClose: "cash-close.pdf", FileStatement: "statement.pdf", FileReceipt: "receipt.pdf",
}

// ReasonName is a cancel reason in the catalog's language (the stored word
// when unknown).
func (m *Messages) ReasonName(reason string) string {
	switch reason {
	case store.CancelPatient:
		return m.Sessions.ReasonPatient
	case store.CancelTherapist:
		return m.Sessions.ReasonTherapist
	case store.CancelClinic:
		return m.Sessions.ReasonClinic
	case store.CancelNoShow:
		return m.Sessions.ReasonNoShow
	case store.CancelOther:
		return m.Sessions.ReasonOther
	case store.CancelRescheduled:
		return m.Sessions.ReasonRescheduled
	}
	return reason
}

// MethodName is a payment method in the catalog's language (the stored
// word when unknown).
func (m *Messages) MethodName(method string) string {
	switch method {
	case store.MethodCash:
		return m.Sessions.MethodCash
	case store.MethodCard:
		return m.Sessions.MethodCard
	case store.MethodTransfer:
		return m.Sessions.MethodTransfer
	case store.MethodOther:
		return m.Sessions.MethodOther
	}
	return method
}

// PolicyName is a second-factor policy in the catalog's language.
func (m *Messages) PolicyName(p store.SecondFactorPolicy) string {
	switch p {
	case store.SecondFactorAdmins:
		return m.SecondFactor.PolicyAdmins
	case store.SecondFactorEveryone:
		return m.SecondFactor.PolicyEveryone
	}
	return m.SecondFactor.PolicyOff
}

// LangName is a clinic language by its own name (Español, English).
func (m *Messages) LangName(lang string) string {
	if lang == "en" {
		return m.ClinicSettings.LangEN
	}
	return m.ClinicSettings.LangES
}

// StatusName is a session status in the catalog's language (the stored
// word when unknown).
func (m *Messages) StatusName(status string) string {
	switch status {
	case store.SessionUnplanned:
		return m.Sessions.StatusUnplanned
	case store.SessionPlanned:
		return m.Sessions.StatusPlanned
	case store.SessionCompleted:
		return m.Sessions.StatusCompleted
	case store.SessionCancelled:
		return m.Sessions.StatusCancelled
	}
	return status
}

// MethodName is a payment method in the user's language.
func (l *Locale) MethodName(method string) string { return l.M.MethodName(method) }

// StatusName is a session status in the user's language.
func (l *Locale) StatusName(status string) string { return l.M.StatusName(status) }
