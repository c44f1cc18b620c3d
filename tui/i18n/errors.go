package i18n

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"consultorio/store"
)

// The error catalogue: the one place where an error becomes words. Every
// door (TUI screens, scripted commands, the local CLI) shows failures through
// Locale.Error, so a person reads the same sentence, in their language, for
// the same failure wherever it happened. Errors with no words of their own
// (bugs, unclassified failures) are never shown: the person reads "Something
// went wrong (ref 7f3a…)" and the full error goes to the log under that ref.

// Error says what went wrong, in l's language. An internal error is logged on
// log (nil: not logged) with its reference; the text quotes the reference.
func (l *Locale) Error(log *slog.Logger, err error) string {
	text, ref := l.ErrorText(err)
	if ref != "" && log != nil {
		log.Error("internal error", "ref", ref, "err", err)
	}
	return text
}

// InputError is a value a door could not read (a date typed in a form),
// already worded in the user's language.
type InputError string

func (e InputError) Error() string { return string(e) }

// ErrorText is Error without logging: the text, and the reference ("" when
// the error has words of its own) under which the caller must log err.
func (l *Locale) ErrorText(err error) (text, ref string) {
	if err == nil {
		return "", ""
	}
	e := &l.M.Errors
	if errors.Is(err, context.Canceled) {
		return e.Cancelled, ""
	}
	var ie InputError
	if errors.As(err, &ie) {
		return string(ie), ""
	}
	if msg, ok := l.AmountError(err); ok {
		return capitalize(msg) + ".", ""
	}
	err = store.Classify(err)
	var (
		ve *store.ValidationError
		ce *store.ConflictError
		nf *store.NotFoundError
		bc *store.BookingConflicts
		oe *store.OverlapError
		se *store.StatusError
		le *store.LimitError
		lk *store.LockedError
		te *store.TextError
		dn *store.DataNewerError
		ap *store.AlreadyPaidError
		pb *store.PatientBusyError
	)
	code := store.CodeOf(err)
	var (
		tl *store.TooLargeError
		ae *store.ArchiveError
	)
	switch {
	case errors.As(err, &tl):
		return fmt.Sprintf(l.M.Files.TooLarge, l.Bytes(tl.Limit)), ""
	case errors.As(err, &ae):
		f := l.M.Files
		why := map[string]string{"format": f.ArchiveFormat, "version": f.ArchiveVersion, "checksum": f.ArchiveChecksum,
			"rows": f.ArchiveRows, "layout": f.ArchiveLayout, "attachment": f.ArchiveFile}[ae.Reason]
		if why == "" {
			why = f.ArchiveLayout
		}
		return fmt.Sprintf(f.ArchiveRefused, why), ""
	}
	switch code {
	case store.CodeInvalid:
		if errors.As(err, &te) {
			return l.TextError(te), ""
		}
		if errors.As(err, &ve) {
			return fmt.Sprintf(e.Validation, l.fieldList(ve.Fields)), ""
		}
	case store.CodeNotFound:
		switch {
		case errors.Is(err, store.ErrNoSuchTenant):
			return fmt.Sprintf(e.NotFoundWhat, l.entity(store.EntityClinic, nil)), ""
		case errors.As(err, &nf):
			return fmt.Sprintf(e.NotFoundWhat, l.entity(nf.What, nf.ID)), ""
		}
		return e.NotFound, ""
	case store.CodeConflict:
		switch {
		case errors.As(err, &bc):
			return l.bookingConflicts(bc), ""
		case errors.As(err, &ap):
			on := "—"
			if ap.PaidOn != nil {
				on = ap.PaidOn.Format(l.DateLayout())
			}
			return fmt.Sprintf(e.AlreadyPaid, ap.SessionID, l.Money(ap.Amount), on), ""
		case errors.As(err, &pb):
			c := pb.Sessions[0]
			return fmt.Sprintf(l.M.Availability.PatientBusy, c.ID, l.DateTime(c.StartsAt), l.Time(c.EndsAt),
				c.SpecialistName), ""
		case errors.As(err, &oe):
			return l.bookingConflicts(&store.BookingConflicts{Dates: []store.DateConflict{
				{Start: oe.Start, Overlap: oe, FreeSlots: oe.FreeSlots}}}), ""
		case errors.As(err, &dn):
			data := dn.Data.BinaryVersion
			if data == "" {
				data = "?"
			}
			return fmt.Sprintf(e.DataNewer, data, dn.Data.PublicVersion, dn.Data.TenantVersion,
				dn.Binary.BinaryVersion, dn.Binary.PublicVersion, dn.Binary.TenantVersion), ""
		case errors.As(err, &se):
			return fmt.Sprintf(e.Status, se.SessionID, l.pick(sessionStatusText, se.Status),
				l.pick(sessionActionText, se.Action)), ""
		case errors.As(err, &ce):
			if ce.Field == "" {
				// A sentence of its own (reasons are lower-case phrases).
				return capitalize(l.Reason(ce.Reason, ce.Args)) + ".", ""
			}
			return fmt.Sprintf(e.Conflict, l.FieldLabel(ce.Field), l.Reason(ce.Reason, ce.Args)), ""
		}
	case store.CodeForbidden:
		return e.Forbidden, ""
	case store.CodeLimit:
		if errors.As(err, &le) {
			return fmt.Sprintf(e.Limit, le.Limit, l.pick(limitText, le.What), le.Count), ""
		}
	case store.CodeLocked:
		if errors.As(err, &lk) {
			return fmt.Sprintf(e.Locked, l.Time(lk.Until)), ""
		}
	case store.CodeSuspended:
		return e.Suspended, ""
	case store.CodeBadCredentials:
		if errors.Is(err, store.ErrBadSecondFactor) {
			return l.M.SecondFactor.BadCode, ""
		}
		return fmt.Sprintf(e.BadCredentials, store.MaxFailedLogins, int(store.LockoutDuration.Minutes())), ""
	case store.CodeDisabled:
		return e.AccountInactive, ""
	case store.CodeExpired:
		return e.SetupCodeExpired, ""
	case store.CodeUnavailable:
		if errors.Is(err, store.ErrDiskFull) {
			return l.M.Storage.DiskFull, ""
		}
		return e.Unavailable, ""
	}
	// A typed error this catalogue has no sentence of its own for: its
	// code's general one.
	switch code {
	case store.CodeInvalid:
		return e.InvalidAny, ""
	case store.CodeConflict:
		return e.ConflictAny, ""
	case store.CodeLimit:
		return e.LimitAny, ""
	case store.CodeLocked:
		return e.LockedAny, ""
	}
	ref = NewRef()
	return fmt.Sprintf(e.Internal, ref), ref
}

// TextError says which character of which field the store refused, and
// why: «Notas»: el carácter U+202E (RIGHT-TO-LEFT OVERRIDE) en la posición 5
// no está permitido: cambia el orden en que se muestra el texto.
func (l *Locale) TextError(te *store.TextError) string {
	in := l.M.Input
	why := map[store.TextProblem]string{store.TextBidi: in.Bidi, store.TextInvisible: in.Invisible,
		store.TextControl: in.Control, store.TextEncoding: in.Encoding}[te.Problem]
	return fmt.Sprintf(in.Refused, l.FieldLabel(te.Field), te.CodePoint(), te.CharName(), te.Pos, why)
}

// NewRef is a short random reference a person can quote to the operator:
// the one kind of reference every door logs an internal error under.
func NewRef() string {
	var b [4]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read does not fail (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// FieldText is why a field is invalid, as one sentence to show under it
// ("Es obligatorio.").
func (l *Locale) FieldText(fe store.FieldError) string {
	return capitalize(l.Reason(fe.Reason, fe.Args)) + "."
}

// Reason words a reason with its arguments, lower-case and without a final
// period ("debe tener como máximo 100 caracteres").
func (l *Locale) Reason(r store.Reason, args []any) string {
	t, ok := reasonText[r]
	if !ok {
		return l.M.Errors.Invalid
	}
	shown := make([]any, len(args))
	for i, a := range args {
		shown[i] = l.arg(a)
	}
	return fmt.Sprintf(t[l.idx()], shown...)
}

// FieldLabel is the name people read for a field of the data model.
func (l *Locale) FieldLabel(field string) string {
	if t, ok := fieldText[field]; ok {
		return t[l.idx()]
	}
	return field
}

// arg shows one argument of a reason: times in the clinic's zone, text as
// typed (the door sanitizes what it prints).
func (l *Locale) arg(a any) any {
	switch v := a.(type) {
	case time.Time:
		return l.DateTime(v)
	case fmt.Stringer:
		return v.String()
	}
	return a
}

func (l *Locale) idx() int {
	if l.Lang == EN {
		return 1
	}
	return 0
}

// pick is the text of key in table, or key itself when the table lacks it.
func (l *Locale) pick(table map[string][2]string, key string) string {
	if t, ok := table[key]; ok {
		return t[l.idx()]
	}
	return key
}

func (l *Locale) entity(what store.Entity, id any) string {
	s := l.pick(entityText, string(what))
	if id != nil {
		s += fmt.Sprintf(" %v", id)
	}
	return s
}

// fieldList renders "Field: reason; Field: reason" in a stable order.
func (l *Locale) fieldList(fields map[string]store.FieldError) string {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		why := l.Reason(fields[k].Reason, fields[k].Args)
		if k == "" {
			parts[i] = why
		} else {
			parts[i] = l.FieldLabel(k) + ": " + why
		}
	}
	return strings.Join(parts, "; ") + "."
}

func (l *Locale) overlap(oe *store.OverlapError) string {
	e := &l.M.Errors
	if why := l.Unavailable(oe.Resource); why != "" {
		return fmt.Sprintf(why, l.DateTime(oe.Start))
	}
	if oe.SessionID != 0 {
		if t, ok := entityText[oe.Resource]; ok {
			return fmt.Sprintf(e.OverlapSame, oe.SessionID, l.DateTime(oe.Start), l.Time(oe.End), t[l.idx()])
		}
		return fmt.Sprintf(e.OverlapWith, oe.SessionID, l.DateTime(oe.Start), l.Time(oe.End))
	}
	return e.Overlap
}

func (l *Locale) bookingConflicts(bc *store.BookingConflicts) string {
	e := &l.M.Errors
	var b strings.Builder
	free := func(d store.DateConflict) {
		if len(d.FreeSlots) > 0 {
			slots := make([]string, len(d.FreeSlots))
			for j, s := range d.FreeSlots {
				slots[j] = l.DateTime(s)
			}
			fmt.Fprintf(&b, e.FreeSlots, strings.Join(slots, ", "))
		}
	}
	// One date: the clash and where it would fit.
	if len(bc.Dates) == 1 {
		b.WriteString(strings.TrimSuffix(l.overlap(bc.Dates[0].Overlap), "."))
		free(bc.Dates[0])
		return b.String() + "."
	}
	fmt.Fprintf(&b, e.DatesConflict, len(bc.Dates))
	for i, d := range bc.Dates {
		if i > 0 {
			b.WriteString(";")
		}
		b.WriteString(" " + l.DateTime(d.Start) + ": " + strings.TrimSuffix(l.overlap(d.Overlap), "."))
		free(d)
	}
	return b.String() + "."
}

func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
