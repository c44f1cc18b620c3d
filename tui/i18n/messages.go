// Package i18n holds every text the terminal UI shows, in Spanish (the
// default) and English, and the clinic's conventions for money and dates.
//
// The catalog is typed: a screen reads m.Login.Password, not T("login.pw"),
// so a missing or misspelt key is a compile error, and a test walks both
// catalogs to check that no string is empty and that format verbs match.
//
// Adding texts for a new screen: declare a struct type for the screen in its
// own file (e.g. patients.go: type Patients struct{...}), add one field of
// that type to Messages, and fill it in es.go and en.go. Strings with
// arguments use fmt verbs; both languages must use the same verbs in the
// same order (explicit indexes like %[2]s are allowed).
package i18n

// Lang is a UI language.
type Lang string

// Supported languages. Spanish is the default.
const (
	ES Lang = "es"
	EN Lang = "en"
)

// ParseLang maps a stored language code to a Lang; anything unknown or empty
// is Spanish, the product's default.
func ParseLang(s string) Lang {
	if Lang(s) == EN {
		return EN
	}
	return ES
}

// Pick chooses the user's language when set, else the clinic's.
func Pick(userLang, clinicLang string) Lang {
	if userLang != "" {
		return ParseLang(userLang)
	}
	return ParseLang(clinicLang)
}

// For returns the catalog of a language.
func For(l Lang) *Messages {
	if l == EN {
		return &en
	}
	return &es
}

// Messages is the whole catalog of one language.
type Messages struct {
	Shell Shell
	Nav   Nav
	Panel PanelNav
	Roles Roles
	Login Login
	// SecondFactor: TOTP steps of the login and the policy (secondfactor.go).
	SecondFactor SecondFactor
	Form         Form
	Errors       Errors
	Input        Input // refused characters in typed text (input.go)
	Dates        Dates

	Amounts Amounts // amounts typed by a user (money.go)

	Storage Storage // the server cannot store data (storage.go)
	CLI     CLI     // the local administration CLI's own failures (cli.go)

	// Agenda, sessions, payments, expenses, finance (agenda.go).
	Agenda   Agenda
	Sessions Sessions
	// Documents: printable documents and their screens (documents.go).
	Documents Documents
	Payments  Payments
	Expenses  Expenses
	Finance   Finance

	Ops PanelScreens // operator panel screens (panelscreens.go)

	// Screens.
	Patients Patients

	// Administration screens (admin.go).
	Admin          Admin
	Specialists    Specialists
	Staff          Staff
	Logins         Logins
	Outbox         Outbox
	Files          Files
	ClinicSettings ClinicSettings
	Rooms          Rooms
	ClinicAudit    ClinicAudit
	AuditChain     AuditChain // verification line of both audit screens (auditchain.go)

	Availability Availability // clinic hours, closures, specialists' hours and absences (availability.go)
}

// Shell: the frame around every screen.
type Shell struct {
	AppName   string
	PanelName string
	KeyQuit   string // help text of the logout key
	KeyHelp   string
	// KeyASCII, ASCIIOn, ASCIIOff: the key that turns ASCII mode on or
	// off (issue 13) and its confirmations.
	KeyASCII     string
	ASCIIOn      string
	ASCIIOff     string
	KeyNext      string
	KeyPrev      string
	KeyJump      string
	KeyBack      string
	KeyScroll    string // moving a page taller than the window
	Loading      string
	TooSmall     string // need W, H; have W, H
	TooSmallHint string
	SessionEnded string // reason
	LoggedOut    string
	Unread       string // count
	MoroseBanner string // shown to a morose clinic's admins under the header
	Placeholder  string
	NoScreens    string
	MoreLeft     string
	MoreRight    string
}

// Nav: the clinic's screens as the navigation bar names them.
type Nav struct {
	Agenda        string
	Sessions      string
	Patients      string
	Specialists   string
	Rooms         string
	Payments      string
	Expenses      string
	Finance       string
	Notifications string
	Staff         string
	Audit         string
	Logins        string // the user's open sessions (every staff user's for an admin)
}

// PanelNav: the operator panel's screens.
type PanelNav struct {
	Clients   string
	Plans     string
	Billing   string
	Dashboard string
	Audit     string
	Logins    string // the operator's own open sessions
}

// Roles: staff roles as people read them.
type Roles struct {
	Admin      string
	Specialist string
	Reception  string
	Operator   string
}

// Login: the login form and first-login flow.
type Login struct {
	Title          string // clinic name
	PanelTitle     string
	Method         string
	MethodPassword string
	MethodCode     string
	Email          string
	Password       string
	SetupCode      string
	SetupCodeHint  string
	PasswordHint   string
	NewPassword    string
	RepeatPassword string
	PasswordRules  string
	Checking       string
	Saving         string
	OfferKey       string
	OfferKeyDesc   string // key type and comment
	Yes            string
	No             string
	KeyAdded       string
	PasswordSaved  string
	Welcome        string // user name
	Submit         string
	Next           string
	Back           string
	Cancel         string
}

// Form: help texts of the keys of embedded forms.
type Form struct {
	Next     string
	Prev     string
	Submit   string
	Cancel   string
	Toggle   string
	Select   string
	Up       string
	Down     string
	Filter   string
	NewLine  string
	Complete string
	Yes      string
	No       string
	YesKey   string // the letter that answers yes ("s" / "y"); "y" always works too

	TypeToConfirm string // the text to type
	Mismatch      string
}

// Errors: messages for what went wrong, shown in the status line or inline.
type Errors struct {
	Required        string
	EmailInvalid    string
	PasswordShort   string
	PasswordDigits  string
	PasswordsDiffer string
	// BadCredentials and BadSetupCode also stand for a locked account (the
	// store does not tell them apart, so nobody learns which e-mails
	// exist): failed attempts before the lock, minutes it lasts.
	BadCredentials   string
	BadSetupCode     string
	Locked           string // time HH:MM; after a right password, at the second factor
	RateLimited      string // too many failed logins from the client's address
	Suspended        string
	Forbidden        string
	NotFound         string
	NotFoundWhat     string // what (entity and id)
	Limit            string // limit, what, count
	Conflict         string // field label, reason
	AlreadyPaid      string // session id, amount, date
	Overlap          string
	OverlapWith      string // session id, start, end
	OverlapSame      string // session id, start, end, "specialist" or "room"
	DatesConflict    string // number of dates (followed by the dates)
	FreeSlots        string // free times
	Status           string // session id, its status, the refused action
	Validation       string // "field: reason; …"
	Invalid          string // a reason the catalogue does not know
	Unavailable      string // the database is restarting or unreachable
	Cancelled        string // the operation was cancelled
	Internal         string // reference to quote; the error is in the log
	InvalidAny       string // general sentences of codes, for typed errors
	ConflictAny      string // without a sentence of their own
	LimitAny         string
	LockedAny        string
	KeyNotRegistered string // detail
	AccountInactive  string
	SetupCodeExpired string
	EndSuspended     string // reasons a session is ended by the server
	EndShutdown      string
	EndIdle          string
	EndDeactivated   string
	EndLoginTimeout  string
	Busy             string // a session refused: the server has no free slot
	EndedBy          string // name of who ended the session
	SeeHelp          string // after a usage error of a command
	DataNewer        string // data's binary version, public, tenant; this binary's version, public, tenant
	AuthRequired     string // a command ran without a registered key
	AuditBroken      string // entry number, why (the chain's own stable word)
}

// Dates: names of months and weekdays.
type Dates struct {
	Months       [12]string
	Weekdays     [7]string // Sunday first, as time.Weekday
	WeekdaysAbbr [7]string
	Today        string
	Tomorrow     string
	Yesterday    string
}
