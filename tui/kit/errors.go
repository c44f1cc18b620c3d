package kit

import (
	"context"
	"errors"
	"log/slog"

	"consultorio/tui/i18n"
	"consultorio/tui/sanitize"
)

// ErrorText says what went wrong in the user's language, for the status
// line or a form, through the one error catalogue (i18n.Locale.Error): typed
// store errors get their sentences, anything else a reference that log
// receives with the full error. A cancelled context — the session is ending
// — says nothing.
func ErrorText(log *slog.Logger, l *i18n.Locale, err error) string {
	if err == nil || errors.Is(err, context.Canceled) {
		return ""
	}
	// Arguments of a reason can hold what someone typed (a name, a domain).
	return sanitize.Line(l.Error(log, err))
}

// ErrorText is the error's text for this screen's user (see ErrorText).
func (e *Env) ErrorText(err error) string { return ErrorText(e.Host.Log(), e.L, err) }
