package store

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/puddle/v2"

	"consultorio/store/clinicpool"
)

// Errors are values: every error a store operation returns to a door has a
// Code (CodeOf) and, where it matters, arguments as data (a field and a
// Reason, the clashing session, the plan limit...). The words a person reads
// are chosen by the door's catalogue (tui/i18n) in the person's language;
// the Error() strings here are for logs only and are never shown.

// Code says what kind of failure an error is. Its String is a stable English
// name, usable in --json output and in exit-code mapping.
type Code int

// Codes. CodeInternal is anything unexpected: the door shows a reference and
// logs the error.
const (
	CodeInternal       Code = iota // unexpected: a bug or an unclassified failure
	CodeInvalid                    // the input is wrong (ValidationError)
	CodeNotFound                   // the record does not exist or is not visible
	CodeConflict                   // the request clashes with the data (taken, overlap, wrong state)
	CodeForbidden                  // the actor's role does not allow it
	CodeLimit                      // a plan limit is reached
	CodeLocked                     // the account is locked after failed logins
	CodeSuspended                  // the clinic is suspended
	CodeBadCredentials             // wrong e-mail, password or code
	CodeDisabled                   // the account is deactivated
	CodeExpired                    // a setup code expired
	CodeUnavailable                // the database cannot be reached now; try again
	codeCount
)

var codeNames = [codeCount]string{
	CodeInternal:       "internal",
	CodeInvalid:        "invalid",
	CodeNotFound:       "not_found",
	CodeConflict:       "conflict",
	CodeForbidden:      "forbidden",
	CodeLimit:          "limit",
	CodeLocked:         "locked",
	CodeSuspended:      "suspended",
	CodeBadCredentials: "bad_credentials",
	CodeDisabled:       "disabled",
	CodeExpired:        "expired",
	CodeUnavailable:    "unavailable",
}

func (c Code) String() string {
	if c < 0 || c >= codeCount {
		return fmt.Sprintf("code(%d)", int(c))
	}
	return codeNames[c]
}

// MarshalText makes a Code its stable name in JSON.
func (c Code) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// Codes lists every Code, for catalogues and their tests.
func Codes() []Code {
	out := make([]Code, codeCount)
	for i := range out {
		out[i] = Code(i)
	}
	return out
}

// coded is implemented by every typed error of this package.
type coded interface{ Code() Code }

// CodeOf classifies err (which must not be nil): the code of the first typed
// error in its chain, after database failures are classified (Classify);
// CodeInternal if none.
func CodeOf(err error) Code {
	var c coded
	if errors.As(Classify(err), &c) {
		return c.Code()
	}
	return CodeInternal
}

// Reason says why a field is invalid or a request conflicts. Its String is a
// stable English name; the words are the catalogue's. Each reason takes a
// fixed number of arguments (NArgs), kept in FieldError.Args /
// ConflictError.Args in the order documented on the constant.
type Reason int

// Reasons. Keep reasonInfo in step.
const (
	ReasonNone                Reason = iota
	ReasonRequired                   // empty
	ReasonTooLong                    // args: the maximum number of characters
	ReasonTooShort                   // args: the minimum number of characters
	ReasonRange                      // args: min, max
	ReasonMinutesRange               // args: min, max (minutes)
	ReasonNegative                   // must not be negative
	ReasonNotPositive                // must be greater than 0
	ReasonDecimals                   // at most 2 decimals
	ReasonTooLarge                   // the amount is too large
	ReasonAmount                     // at most 2 decimals and fewer than 11 digits
	ReasonPercent                    // a percentage must be at most 100
	ReasonOneOf                      // args: the accepted values, as one string "a, b, c"
	ReasonEmail                      // not an e-mail address
	ReasonFuture                     // must not be in the future
	ReasonTooOld                     // must be in 1900 or later
	ReasonPublicKey                  // not an OpenSSH public key
	ReasonBadText                    // the database refused a character of the text
	ReasonTimezone                   // unknown time zone
	ReasonCurrency                   // not a 3-letter ISO code
	ReasonLang                       // not es or en
	ReasonTimeOfDay                  // not a time like 08:00
	ReasonWorkEnd                    // work_end must be after work_start
	ReasonWorkDays                   // no working day chosen
	ReasonWeekday                    // days are 1 (Monday) to 7 (Sunday)
	ReasonMonth                      // not a month like 2026-03
	ReasonDomain                     // args: the domain
	ReasonSlug                       // not a slug like camilla-2
	ReasonSchemaStart                // must start with a-z
	ReasonSchemaChars                // letters, digits, '-', '_' only
	ReasonSchemaComment              // must not contain "--"
	ReasonSchemaReserved             // args: the reserved name or prefix
	ReasonNoSuch                     // the referenced record (named by the field) does not exist
	ReasonInactive                   // the referenced record is deactivated
	ReasonSpecialistOrRoom           // a booking needs a specialist or a room
	ReasonMaxSessions                // args: the maximum sessions in one booking
	ReasonDatesOverlap               // args: two time.Time of the booking that overlap
	ReasonObservationRequired        // an observation is required to complete a session
	ReasonNotRecurring               // the expense is not recurring
	ReasonSelf                       // one cannot do this to oneself
	ReasonPasswordDigits             // a password must not be only digits
	ReasonConfirmName                // args: the name to type to confirm
	ReasonHasSessions                // args: the number of sessions (archive instead)
	ReasonRejected                   // the database refused the value (a check constraint)
	ReasonTaken                      // conflict: the value is already taken
	ReasonTakenBy                    // conflict: args: the id of the patient holding the document
	ReasonTakenByArchived            // conflict: args: the id of the archived patient holding it
	ReasonOtherClinic                // conflict: args: the domain, owned by another clinic
	ReasonAlreadyHere                // conflict: args: the domain, already this clinic's
	ReasonLinked                     // conflict: the user is linked to another specialist
	ReasonLastAdmin                  // conflict: the clinic must keep an active admin
	ReasonPaid                       // conflict: args: invoice id, already paid
	ReasonNotPaid                    // conflict: args: invoice id, not paid
	ReasonArchived                   // conflict: the clinic is archived
	ReasonNotArchived                // conflict: the clinic is not archived
	ReasonInUse                      // conflict: other records still refer to it
	ReasonOverlap                    // conflict: the database's exclusion constraint fired
	ReasonHostName                   // args: the name, part of the server's own host name
	ReasonNumber                     // not a whole number
	ReasonCodeSent                   // an invitation that was sent no longer holds its setup code
	ReasonEndBeforeStart             // an end (closing time, last day) must be after its start
	ReasonRangesOverlap              // the time ranges of one day overlap
	ReasonMaxDays                    // args: the most days a span may last
	ReasonNodeAddress                // not HOST:PORT
	ReasonNoNode                     // args: the node, not an active worker of the Citus cluster
	ReasonNotCitus                   // conflict: the database is not a Citus cluster
	reasonCount
)

var reasonInfo = [reasonCount]struct {
	name  string
	nargs int
}{
	ReasonNone:                {"none", 0},
	ReasonRequired:            {"required", 0},
	ReasonTooLong:             {"too_long", 1},
	ReasonTooShort:            {"too_short", 1},
	ReasonRange:               {"range", 2},
	ReasonMinutesRange:        {"minutes_range", 2},
	ReasonNegative:            {"negative", 0},
	ReasonNotPositive:         {"not_positive", 0},
	ReasonDecimals:            {"decimals", 0},
	ReasonTooLarge:            {"too_large", 0},
	ReasonAmount:              {"amount", 0},
	ReasonPercent:             {"percent", 0},
	ReasonOneOf:               {"one_of", 1},
	ReasonEmail:               {"email", 0},
	ReasonFuture:              {"future", 0},
	ReasonTooOld:              {"too_old", 0},
	ReasonPublicKey:           {"public_key", 0},
	ReasonBadText:             {"bad_text", 0},
	ReasonTimezone:            {"timezone", 0},
	ReasonCurrency:            {"currency", 0},
	ReasonLang:                {"lang", 0},
	ReasonTimeOfDay:           {"time_of_day", 0},
	ReasonWorkEnd:             {"work_end", 0},
	ReasonWorkDays:            {"work_days", 0},
	ReasonWeekday:             {"weekday", 0},
	ReasonMonth:               {"month", 0},
	ReasonDomain:              {"domain", 1},
	ReasonSlug:                {"slug", 0},
	ReasonSchemaStart:         {"schema_start", 0},
	ReasonSchemaChars:         {"schema_chars", 0},
	ReasonSchemaComment:       {"schema_comment", 0},
	ReasonSchemaReserved:      {"schema_reserved", 1},
	ReasonNoSuch:              {"no_such", 0},
	ReasonInactive:            {"inactive", 0},
	ReasonSpecialistOrRoom:    {"specialist_or_room", 0},
	ReasonMaxSessions:         {"max_sessions", 1},
	ReasonDatesOverlap:        {"dates_overlap", 2},
	ReasonObservationRequired: {"observation_required", 0},
	ReasonNotRecurring:        {"not_recurring", 0},
	ReasonSelf:                {"self", 0},
	ReasonPasswordDigits:      {"password_digits", 0},
	ReasonConfirmName:         {"confirm_name", 1},
	ReasonHasSessions:         {"has_sessions", 1},
	ReasonRejected:            {"rejected", 0},
	ReasonTaken:               {"taken", 0},
	ReasonTakenBy:             {"taken_by", 1},
	ReasonTakenByArchived:     {"taken_by_archived", 1},
	ReasonOtherClinic:         {"other_clinic", 1},
	ReasonAlreadyHere:         {"already_here", 1},
	ReasonLinked:              {"linked", 0},
	ReasonLastAdmin:           {"last_admin", 0},
	ReasonPaid:                {"paid", 1},
	ReasonNotPaid:             {"not_paid", 1},
	ReasonArchived:            {"archived", 0},
	ReasonNotArchived:         {"not_archived", 0},
	ReasonInUse:               {"in_use", 0},
	ReasonOverlap:             {"overlap", 0},
	ReasonHostName:            {"host_name", 1},
	ReasonNumber:              {"number", 0},
	ReasonCodeSent:            {"code_sent", 0},
	ReasonEndBeforeStart:      {"end_before_start", 0},
	ReasonRangesOverlap:       {"ranges_overlap", 0},
	ReasonMaxDays:             {"max_days", 1},
	ReasonNodeAddress:         {"node_address", 0},
	ReasonNoNode:              {"no_node", 1},
	ReasonNotCitus:            {"not_citus", 0},
}

func (r Reason) String() string {
	if r < 0 || r >= reasonCount {
		return fmt.Sprintf("reason(%d)", int(r))
	}
	return reasonInfo[r].name
}

// MarshalText makes a Reason its stable name in JSON.
func (r Reason) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// NArgs is how many arguments the reason carries.
func (r Reason) NArgs() int {
	if r < 0 || r >= reasonCount {
		return 0
	}
	return reasonInfo[r].nargs
}

// Reasons lists every Reason but ReasonNone, for catalogues and their tests.
func Reasons() []Reason {
	out := make([]Reason, 0, reasonCount-1)
	for r := ReasonNone + 1; r < reasonCount; r++ {
		out = append(out, r)
	}
	return out
}

// Sentinel is a failure without arguments, matched with errors.Is.
type Sentinel struct {
	code Code
	name string // for logs
}

func (s *Sentinel) Error() string { return s.name }

// Code is the sentinel's code.
func (s *Sentinel) Code() Code { return s.code }

// Failures without arguments.
var (
	// ErrNotFound: the record does not exist (or is not visible to the
	// caller). A *NotFoundError says which record, and matches it too.
	ErrNotFound = &Sentinel{CodeNotFound, "not found"}
	// ErrTenantSuspended: the clinic is suspended; nobody of it may work.
	ErrTenantSuspended = &Sentinel{CodeSuspended, "this clinic is suspended; contact the service operator"}
)

// NotFoundError says which record was not found. errors.Is(err, ErrNotFound)
// matches it.
type NotFoundError struct {
	What Entity // the kind of record
	ID   any    // its id or key (int64 or string), nil if the caller did not say
}

func (e *NotFoundError) Error() string {
	if e.ID == nil {
		return string(e.What) + ": not found"
	}
	return fmt.Sprintf("%s %v: not found", e.What, e.ID)
}

// Code is CodeNotFound.
func (e *NotFoundError) Code() Code { return CodeNotFound }

// Is makes errors.Is(err, ErrNotFound) true.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// Entity names a kind of record, a stable English name.
type Entity string

// Entities a NotFoundError can name.
const (
	EntityPatient      Entity = "patient"
	EntitySession      Entity = "session"
	EntitySpecialist   Entity = "specialist"
	EntityRoom         Entity = "room"
	EntityUser         Entity = "user"
	EntityKey          Entity = "key"
	EntityOperator     Entity = "operator"
	EntityOperatorKey  Entity = "operator_key"
	EntityInvoice      Entity = "invoice"
	EntityExpense      Entity = "expense"
	EntityPayment      Entity = "payment"
	EntityDomain       Entity = "domain"
	EntityClinic       Entity = "clinic"
	EntityEquipment    Entity = "equipment"
	EntityNotification Entity = "notification"
	EntityLogin        Entity = "login"      // an open session (logins)
	EntityMessage      Entity = "message"    // an outgoing e-mail (outbox)
	EntityAttachment   Entity = "attachment" // a patient's file
	EntityClosure      Entity = "closure"
	EntityAbsence      Entity = "absence"
	EntityWaitlist     Entity = "waitlist" // an entry of the waiting list
)

// Entities lists every Entity, for catalogues and their tests.
func Entities() []Entity {
	return []Entity{EntityPatient, EntitySession, EntitySpecialist, EntityRoom, EntityUser, EntityKey,
		EntityOperator, EntityOperatorKey, EntityInvoice, EntityExpense, EntityPayment, EntityDomain,
		EntityClinic, EntityEquipment, EntityNotification, EntityLogin, EntityMessage, EntityAttachment,
		EntityClosure, EntityAbsence, EntityWaitlist}
}

// FieldError is why one field is invalid.
type FieldError struct {
	Reason Reason `json:"reason"`
	Args   []any  `json:"args,omitempty"`
}

func (f FieldError) String() string {
	if len(f.Args) == 0 {
		return f.Reason.String()
	}
	return fmt.Sprintf("%s%v", f.Reason, f.Args)
}

// ValidationError names the fields that are wrong and why. The field "" is
// the request as a whole (the database refused some text of it).
type ValidationError struct {
	Fields map[string]FieldError // field (snake_case, as in the data model) → why
	cause  error                 // the database error it was classified from, for logs
}

func (e *ValidationError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + e.Fields[k].String()
	}
	s := "invalid input: " + strings.Join(parts, "; ")
	if e.cause != nil {
		s += ": " + e.cause.Error()
	}
	return s
}

// Code is CodeInvalid.
func (e *ValidationError) Code() Code { return CodeInvalid }

// Unwrap is the database error the validation error was classified from.
func (e *ValidationError) Unwrap() error { return e.cause }

// Reason is why field is invalid (ReasonNone if it is not).
func (e *ValidationError) Reason(field string) Reason { return e.Fields[field].Reason }

// validation collects field errors; err() is nil when there are none.
type validation map[string]FieldError

// add records why field is invalid, unless it already has a reason.
func (v validation) add(field string, r Reason, args ...any) {
	if _, ok := v[field]; !ok {
		v[field] = FieldError{Reason: r, Args: args}
	}
}

func (v validation) err() error {
	if len(v) == 0 {
		return nil
	}
	return &ValidationError{Fields: v}
}

func invalid(field string, r Reason, args ...any) error {
	return &ValidationError{Fields: map[string]FieldError{field: {Reason: r, Args: args}}}
}

// OverlapError: a session would overlap another non-cancelled session of the
// same specialist or room. FreeSlots are the next starts where the same
// session (duration, specialist and room) fits, computed by the store with
// the rules its check applies — working days and hours of the clinic
// settings, both resources free, the session being moved left out — so
// every door shows the same suggestions and each one can be booked.
//
// The same error says a date lies outside the availability (Resource one of
// the Resource… constants of availability.go other than specialist and room;
// SessionID 0, Start and End the session asked for): an admin may book it
// anyway with a reason.
type OverlapError struct {
	Resource  string      `json:"resource"`   // ResourceSpecialist, ResourceRoom, or an availability one
	SessionID int64       `json:"session_id"` // the clashing session (0 if the database did not say)
	Start     time.Time   `json:"start"`
	End       time.Time   `json:"end"`
	FreeSlots []time.Time `json:"free_slots"` // in the clinic's time zone; empty when none within the search horizon
}

func (e *OverlapError) Error() string {
	switch e.Resource {
	case ResourceClinicHours:
		return "the clinic is not open then"
	case ResourceClosure:
		return "the clinic is closed that day"
	case ResourceSpecialistHours:
		return "the specialist does not work then"
	case ResourceAbsence:
		return "the specialist is absent then"
	}
	if e.SessionID == 0 {
		return fmt.Sprintf("the %s already has a session at that time", e.Resource)
	}
	return fmt.Sprintf("the %s already has session #%d from %s to %s", e.Resource, e.SessionID,
		e.Start.Format("2006-01-02 15:04"), e.End.Format("15:04"))
}

// Code is CodeConflict.
func (e *OverlapError) Code() Code { return CodeConflict }

// LimitError: a plan limit is reached.
type LimitError struct {
	What  string // "specialists", "patients", "users"
	Limit int
	Count int
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("the plan allows %d active %s and the clinic has %d", e.Limit, e.What, e.Count)
}

// Code is CodeLimit.
func (e *LimitError) Code() Code { return CodeLimit }

// LockedError: too many failed attempts; the account is locked until Until.
// Only the second factor answers with it: whoever gets there has typed the
// right password, so the lock reveals nothing. The first factor answers
// ErrBadCredentials for a locked account, as for an unknown one.
type LockedError struct{ Until time.Time }

func (e *LockedError) Error() string {
	return fmt.Sprintf("account locked after too many failed attempts; try again after %s UTC", e.Until.UTC().Format("15:04"))
}

// Code is CodeLocked.
func (e *LockedError) Code() Code { return CodeLocked }

// ForbiddenError: the actor's role does not allow the action. Action says
// what was refused, for the log; people are told their role does not allow
// it.
type ForbiddenError struct{ Action string }

func (e *ForbiddenError) Error() string {
	return "your role does not allow " + e.Action
}

// Code is CodeForbidden.
func (e *ForbiddenError) Code() Code { return CodeForbidden }

func forbidden(action string) error { return &ForbiddenError{Action: action} }

// ConflictError: the request clashes with stored data (a value already
// taken, a record in the wrong state).
type ConflictError struct {
	Field  string // the field that clashes (snake_case), "" for the request
	Reason Reason
	Args   []any
	cause  error // the database error it was classified from, for logs
}

func (e *ConflictError) Error() string {
	s := e.Field + ": " + FieldError{e.Reason, e.Args}.String()
	if e.cause != nil {
		s += ": " + e.cause.Error()
	}
	return s
}

// Code is CodeConflict.
func (e *ConflictError) Code() Code { return CodeConflict }

// Unwrap is the database error the conflict was classified from.
func (e *ConflictError) Unwrap() error { return e.cause }

func conflict(field string, r Reason, args ...any) error {
	return &ConflictError{Field: field, Reason: r, Args: args}
}

// UnavailableError: the database could not be reached or ended the
// connection (it is restarting, or overloaded). Trying again later may work.
type UnavailableError struct{ Err error }

func (e *UnavailableError) Error() string { return "database unavailable: " + e.Err.Error() }

// Code is CodeUnavailable.
func (e *UnavailableError) Code() Code { return CodeUnavailable }

func (e *UnavailableError) Unwrap() error { return e.Err }

// PostgreSQL error codes we translate.
const (
	pgUniqueViolation    = "23505"
	pgExclusionViolation = "23P01"
	pgCheckViolation     = "23514"
	pgForeignKey         = "23503"
	pgInsufficientPriv   = "42501"
)

// Classify is the one place where failures of the database are given a
// code: an error that already has one is returned as it is; a PostgreSQL or
// connection error becomes a typed error wrapping it (for the log); anything
// else is returned unchanged (CodeInternal).
func Classify(err error) error {
	if err == nil {
		return nil
	}
	var c coded
	if errors.As(err, &c) {
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch code := pe.Code; {
		case code == "22021" || code == "22P05": // invalid byte sequence, untranslatable character
			return &ValidationError{Fields: map[string]FieldError{"": {Reason: ReasonBadText}}, cause: err}
		case code == "22001": // string data right truncation
			return &ValidationError{Fields: map[string]FieldError{"": {Reason: ReasonTooLarge}}, cause: err}
		case code == pgCheckViolation || code == "23502" || strings.HasPrefix(code, "22"):
			return &ValidationError{Fields: map[string]FieldError{"": {Reason: ReasonRejected}}, cause: err}
		case code == pgDiskFull:
			return &DiskFullError{Err: err}
		case code == pgUniqueViolation:
			return &ConflictError{Reason: ReasonTaken, cause: err}
		case code == pgExclusionViolation:
			return &ConflictError{Reason: ReasonOverlap, cause: err}
		case code == pgForeignKey:
			return &ConflictError{Reason: ReasonInUse, cause: err}
		case strings.HasPrefix(code, "08"), // connection exception
			code == "57P01", code == "57P02", code == "57P03", // admin/crash shutdown, cannot connect now
			code == "53300",                  // too many connections
			code == "40001", code == "40P01": // serialization failure, deadlock: try again
			return &UnavailableError{Err: err}
		}
		return err
	}
	if unreachable(err) {
		return &UnavailableError{Err: err}
	}
	return err
}

// unreachable tells whether err is a failure to reach the database or a
// connection lost under a query.
func unreachable(err error) bool {
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) ||
		errors.Is(err, puddle.ErrClosedPool) || errors.Is(err, clinicpool.ErrClosed) || errors.Is(err, pgconn.ErrConnClosed) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, io.ErrUnexpectedEOF)
}

// pgCode returns the SQLSTATE of err, or "".
func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func pgConstraint(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.ConstraintName
	}
	return ""
}

// notFound maps pgx.ErrNoRows to a *NotFoundError naming what was sought.
func notFound(err error, what Entity, id any) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return &NotFoundError{What: what, ID: id}
	}
	return err
}
