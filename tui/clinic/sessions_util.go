package clinic

import (
	"strconv"
	"strings"
	"time"

	"consultorio/store"
	"consultorio/tui/i18n"
	"consultorio/tui/sanitize"
)

// Helpers shared by the agenda, sessions, payments, expenses and finance
// screens (prefixed ag… so they cannot collide with other screens' helpers).

// agMidnight is the start of t's calendar day in loc.
func agMidnight(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
}

// agMonthStart is the first day of t's month in loc.
func agMonthStart(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, loc)
}

// agCivil is a calendar date of the clinic as the store wants dates "as
// written" (midnight UTC of the same Y-M-D).
func agCivil(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// agParseClock reads "HH:MM" (or "H:MM", "HHMM", "H").
func agParseClock(s string) (time.Duration, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"15:04", "15.04", "1504", "15"} {
		if t, err := time.Parse(layout, s); err == nil {
			return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, true
		}
	}
	return 0, false
}

// agParseInt reads a non-negative integer; "" gives def.
func agParseInt(s string, def int) (int, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return def, true
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0
}

// agStatusName is a session status in the user's language (an unknown
// stored word made safe to show).
func agStatusName(m *i18n.Messages, status string) string { return sanitize.Line(m.StatusName(status)) }

// agReasonName is a cancel reason in the user's language (an unknown
// stored word made safe to show).
func agReasonName(m *i18n.Messages, reason string) string { return sanitize.Line(m.ReasonName(reason)) }

// agMethodName is a payment method in the user's language (an unknown
// stored word made safe to show).
func agMethodName(m *i18n.Messages, method string) string { return sanitize.Line(m.MethodName(method)) }

// agMark is the marker of a session's status (the agenda's legend): it
// tells the status without colour. A "$" follows when it is paid.
func agMark(s store.Session) string {
	m := "○"
	switch s.Status {
	case store.SessionPlanned:
		m = "●"
	case store.SessionCompleted:
		m = "✓"
	case store.SessionCancelled:
		m = "✗"
	}
	if s.Paid {
		m += "$"
	}
	return m
}
