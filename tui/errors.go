package tui

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"consultorio/store"
	"consultorio/tui/i18n"
	"consultorio/tui/sanitize"
)

// ErrorText says what went wrong in the user's language, for the status
// line or a form. The store's typed errors get their own sentences; their
// free-text details (field messages) are shown sanitized as the store wrote
// them. An unexpected error shows its (sanitized) text so it can be
// reported. A cancelled context — the session is ending — says nothing.
func ErrorText(l *i18n.Locale, err error) string {
	if err == nil || errors.Is(err, context.Canceled) {
		return ""
	}
	e := l.M.Errors
	var (
		ve *store.ValidationError
		fe *store.ForbiddenError
		ce *store.ConflictError
		le *store.LimitError
		te *store.TextError
		lk *store.LockedError
		oe *store.OverlapError
	)
	switch {
	case errors.Is(err, store.ErrDiskFull):
		return l.M.Storage.DiskFull
	case errors.Is(err, store.ErrBadCredentials):
		return fmt.Sprintf(e.BadCredentials, store.MaxFailedLogins, int(store.LockoutDuration.Minutes()))
	case errors.As(err, &lk): // second factor only (see store.LockedError)
		return fmt.Sprintf(e.Locked, l.Time(lk.Until))
	case errors.Is(err, store.ErrTenantSuspended):
		return e.Suspended
	case errors.Is(err, store.ErrAccountDisabled):
		return e.AccountInactive
	case errors.Is(err, store.ErrSetupCodeExpired):
		return e.SetupCodeExpired
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrNoSuchTenant):
		return e.NotFound
	case errors.As(err, &fe):
		return e.Forbidden
	case errors.As(err, &le):
		what := le.What
		switch le.What {
		case "specialists":
			what = e.LimitSpecialists
		case "patients":
			what = e.LimitPatients
		case "users":
			what = e.LimitUsers
		}
		return fmt.Sprintf(e.Limit, le.Limit, sanitize.Line(what), le.Count)
	case errors.As(err, &ce):
		return fmt.Sprintf(e.Conflict, sanitize.Line(ce.Field), sanitize.Line(ce.Msg))
	case errors.As(err, &oe):
		if oe.SessionID != 0 {
			return fmt.Sprintf(e.OverlapWith, oe.SessionID, l.DateTime(oe.Start), l.Time(oe.End))
		}
		return e.Overlap
	case errors.As(err, &te):
		return TextErrorText(l, te)
	case errors.As(err, &ve):
		return fmt.Sprintf(e.Validation, fieldMessages(ve.Fields))
	}
	return fmt.Sprintf(e.Unexpected, sanitize.Line(err.Error()))
}

// fieldMessages renders "field: message; field: message" in a stable order.
func fieldMessages(fields map[string]string) string {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = sanitize.Line(k + ": " + fields[k])
	}
	return strings.Join(parts, "; ")
}

// TextErrorText says which character of which field the store refused, and
// why: «notes»: el carácter U+202E (RIGHT-TO-LEFT OVERRIDE) en la posición 5
// no está permitido: cambia el orden en que se muestra el texto.
func TextErrorText(l *i18n.Locale, te *store.TextError) string {
	in := l.M.Input
	why := map[store.TextProblem]string{store.TextBidi: in.Bidi, store.TextInvisible: in.Invisible,
		store.TextControl: in.Control, store.TextEncoding: in.Encoding}[te.Problem]
	return fmt.Sprintf(in.Refused, sanitize.Line(te.Field), te.CodePoint(), te.CharName(), te.Pos, why)
}
