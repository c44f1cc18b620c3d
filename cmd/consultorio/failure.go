package main

import (
	"errors"
	"fmt"

	"consultorio/store"
	"consultorio/tui/i18n"
)

// incident is a failure that a summary line of the CLI reports (migrate,
// serve's upgrade of the clinics, the pool of spare schemas) and that does
// not end the command at once, so it never reaches cmd.Report, where other
// failures get their words. The line shows no internal text: an error
// the catalogue has words for is shown in them; any other (PostgreSQL's
// text and SQLSTATE, the driver's, a path), and every migration PostgreSQL
// refused, goes to the CLI's log under Ref, which the line quotes. The
// summaries of --json embed it: "error" and "ref".
type incident struct {
	Error string `json:"error,omitempty"` // the words in English
	Ref   string `json:"ref,omitempty"`   // "" when the error has words of its own
	shown string // the words in the operator's language
}

// incident logs err, unless the catalogue words it, on cfg's log under a new
// reference, with msg and attrs (key, value pairs: the schema...), and
// returns what the operator reads of it.
func (cfg *config) incident(err error, msg string, attrs ...any) incident {
	en, ref := i18n.NewLocale(i18n.EN, "", nil).ErrorText(err)
	if ref == "" && failedMigration(err) > 0 {
		// The catalogue's words for a SQLSTATE ("already taken") are about a
		// clinic's data; a migration's failure is fixed by its full text.
		ref = i18n.NewRef()
	}
	if ref != "" {
		cfg.log.Error(msg, append(append([]any{"ref", ref}, attrs...), "err", err)...)
		return incident{Ref: ref, Error: phraseIn(i18n.EN, "see the log, ref %s", ref),
			shown: phraseIn(cfg.lang, "see the log, ref %s", ref)}
	}
	shown, _ := i18n.NewLocale(cfg.lang, "", nil).ErrorText(err)
	return incident{Error: en, shown: shown}
}

// failedMigration is the version of the migration PostgreSQL refused, when
// err says so (store.MigrationError), else 0.
func failedMigration(err error) int {
	var me *store.MigrationError
	if errors.As(err, &me) {
		return me.Version
	}
	return 0
}

// phraseIn is phrase in a language named (--json's English) instead of the
// command tree's.
func phraseIn(lang i18n.Lang, format string, a ...any) string {
	return fmt.Sprintf(i18n.CommandText(lang, format), a...)
}
