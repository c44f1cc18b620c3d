package store

// The product's defaults (PRODUCT.md §4 clinic settings, §6 plans), defined
// once. Every door — the TUI forms, the scripted commands, the local CLI, the
// panel — takes them from here; the SQL column defaults of migrations repeat
// them and TestSchemaDefaultsAreTheStoreDefaults keeps the two equal.
const (
	// DefaultTimezone is a new clinic's time zone, and the calendar the
	// service itself bills in (the operator panel).
	DefaultTimezone = "America/Lima"
	// DefaultCurrency is a new clinic's currency, and the one the service
	// bills clinics in.
	DefaultCurrency = "PEN"
	// DefaultLang is a new clinic's language.
	DefaultLang = "es"
	// DefaultSessionMinutes is a new clinic's session length.
	DefaultSessionMinutes = 60
	// DefaultWorkStart and DefaultWorkEnd are a new clinic's working hours.
	DefaultWorkStart = "08:00"
	DefaultWorkEnd   = "20:00"
	// DefaultSpecialistsLimit is a new plan's limit of active specialists.
	DefaultSpecialistsLimit = 4
	// DefaultPageSize is how many rows a page of a list holds when the
	// caller does not say (patients; the scripted `--limit`).
	DefaultPageSize = 50
	// MaxPageSize bounds one page of patients.
	MaxPageSize = 500
	// DefaultSessionsLimit and MaxSessionsLimit bound one listing of sessions.
	DefaultSessionsLimit = 500
	MaxSessionsLimit     = 5000
	// DefaultNotificationsLimit and MaxNotificationsLimit bound one
	// listing of notifications.
	DefaultNotificationsLimit = 100
	MaxNotificationsLimit     = 500
	// DefaultPaymentOverdueDays: a session completed on day D whose payment
	// is unpaid becomes overdue at the clinic's midnight starting day D+N. A
	// week leaves room for the usual "I'll pay next session" without letting
	// a debt go unnoticed for a month. Each clinic may change it within
	// MinPaymentOverdueDays..MaxPaymentOverdueDays (settings).
	DefaultPaymentOverdueDays = 7
	MinPaymentOverdueDays     = 1
	MaxPaymentOverdueDays     = 90
	// DefaultAttachmentMaxBytes is the largest file a clinic may attach to
	// a patient (a phone photo, a scanned referral or lab report fit well
	// within it); Options.AttachmentMaxBytes overrides it per installation.
	DefaultAttachmentMaxBytes int64 = 20 << 20
)

// DefaultWorkDays are a new clinic's working days (ISO: Monday to Saturday).
func DefaultWorkDays() []int { return []int{1, 2, 3, 4, 5, 6} }

// DefaultSettings are the settings of a clinic nobody has configured yet.
func DefaultSettings() Settings {
	return Settings{Timezone: DefaultTimezone, Currency: DefaultCurrency, Lang: DefaultLang,
		DefaultDuration: DefaultSessionMinutes, WorkStart: DefaultWorkStart, WorkEnd: DefaultWorkEnd,
		WorkDays: DefaultWorkDays(), SecondFactor: SecondFactorOff, PaymentOverdueDays: DefaultPaymentOverdueDays}
}
