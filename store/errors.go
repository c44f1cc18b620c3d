package store

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Errors the UI and the scripted commands can show as they are. Match them
// with errors.Is / errors.As.
var (
	// ErrNotFound: the record does not exist (or is not visible to the caller).
	ErrNotFound = errors.New("not found")
	// ErrTenantSuspended: the clinic is suspended; nobody of it may work.
	ErrTenantSuspended = errors.New("this clinic is suspended; contact the service operator")
)

// ValidationError names the fields that are wrong and why.
type ValidationError struct {
	Fields map[string]string // field (snake_case, as in the data model) → message
}

func (e *ValidationError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + e.Fields[k]
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// validation collects field errors; err() is nil when there are none.
type validation map[string]string

func (v validation) add(field, msg string) {
	if _, ok := v[field]; !ok {
		v[field] = msg
	}
}

func (v validation) err() error {
	if len(v) == 0 {
		return nil
	}
	return &ValidationError{Fields: v}
}

func invalid(field, msg string) error { return &ValidationError{Fields: map[string]string{field: msg}} }

// OverlapError: a session would overlap another non-cancelled session of the
// same specialist or room. FreeSlots are the next starts where the same
// session (duration, specialist and room) fits, computed by the store with
// the rules its check applies — working days and hours of the clinic
// settings, both resources free, the session being moved left out — so
// every door shows the same suggestions and each one can be booked.
type OverlapError struct {
	Resource  string // "specialist" or "room"
	SessionID int64  // the clashing session (0 if the database did not say)
	Start     time.Time
	End       time.Time
	FreeSlots []time.Time // in the clinic's time zone; empty when none within the search horizon
}

func (e *OverlapError) Error() string {
	if e.SessionID == 0 {
		return fmt.Sprintf("the %s already has a session at that time", e.Resource)
	}
	return fmt.Sprintf("the %s already has session #%d from %s to %s", e.Resource, e.SessionID,
		e.Start.Format("2006-01-02 15:04"), e.End.Format("15:04"))
}

// LimitError: a plan limit is reached.
type LimitError struct {
	What  string // "specialists", "patients", "users"
	Limit int
	Count int
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("the plan allows %d active %s and the clinic has %d", e.Limit, e.What, e.Count)
}

// LockedError: too many failed attempts; the account is locked until Until.
// Only the second factor answers with it: whoever gets there has typed the
// right password, so the lock reveals nothing. The first factor answers
// ErrBadCredentials for a locked account, as for an unknown one.
type LockedError struct{ Until time.Time }

func (e *LockedError) Error() string {
	return fmt.Sprintf("account locked after too many failed attempts; try again after %s UTC", e.Until.UTC().Format("15:04"))
}

// ForbiddenError: the actor's role does not allow the action.
type ForbiddenError struct{ Action string }

func (e *ForbiddenError) Error() string {
	return "your role does not allow " + e.Action
}

func forbidden(action string) error { return &ForbiddenError{Action: action} }

// ConflictError: a unique value is already taken.
type ConflictError struct {
	Field string
	Msg   string
}

func (e *ConflictError) Error() string { return e.Field + ": " + e.Msg }

// PostgreSQL error codes we translate.
const (
	pgUniqueViolation    = "23505"
	pgExclusionViolation = "23P01"
	pgCheckViolation     = "23514"
	pgForeignKey         = "23503"
	pgInsufficientPriv   = "42501"
)

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

// notFound maps pgx.ErrNoRows to ErrNotFound, wrapped with what was sought.
func notFound(err error, what string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return err
}
