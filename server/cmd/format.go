package cmd

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"

	"consultorio/store"
	"consultorio/tui/i18n"
)

// The scripted commands' formats (PRODUCT.md §1): dates YYYY-MM-DD, times
// YYYY-MM-DD HH:MM in the clinic's time zone, months YYYY-MM, amounts as
// decimal strings with two decimals.
const (
	dateLayout  = "2006-01-02"
	timeLayout  = "2006-01-02 15:04"
	monthLayout = "2006-01"
)

// loc is the clinic's time zone.
func (e *Env) loc() *time.Location { return e.Tenant.Info.Location() }

// today is the clinic's current date as written (midnight UTC), the form
// the store takes for calendar dates.
func (e *Env) today() time.Time {
	y, m, d := e.Tenant.DB().Now().In(e.loc()).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// ---- output ----

// fmtTime is an instant in the clinic's time zone.
func fmtTime(t time.Time, loc *time.Location) string { return t.In(loc).Format(timeLayout) }

func fmtTimePtr(t *time.Time, loc *time.Location) *string {
	if t == nil || t.IsZero() {
		return nil
	}
	s := fmtTime(*t, loc)
	return &s
}

// fmtDate is a calendar date the store keeps as midnight UTC: written as
// stored, without a zone conversion that could move it a day.
func fmtDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(dateLayout)
}

func fmtDatePtr(t *time.Time) *string {
	if t == nil || t.IsZero() {
		return nil
	}
	s := fmtDate(*t)
	return &s
}

// fmtMonth is the month of a first-of-month instant in the clinic's zone.
func fmtMonth(t time.Time, loc *time.Location) string { return t.In(loc).Format(monthLayout) }

// money is an amount as scripts read it, whatever the clinic: "1234.50"
// (store.PlainMoney).
func money(d decimal.Decimal) string { return store.MoneyOf(d).String() }

// locale is the user's language with the clinic's conventions (an operator:
// the operator's language, plain amounts).
func (e *Env) locale() *i18n.Locale {
	if e.Tenant != nil {
		return i18n.NewLocale(e.lang(), e.Tenant.Info.Currency, e.loc())
	}
	return i18n.NewLocale(e.lang(), "", nil)
}

// readMoney reads an amount flag the way people write it ("75,50",
// "1.234,50", see store.ParseMoney); what is wrong with a value that is not
// one, or is ambiguous ("1,234"), comes in the user's language.
func (e *Env) readMoney(s string) (decimal.Decimal, error) { return e.locale().ReadMoney(s) }

func moneyPtr(d *decimal.Decimal) *string {
	if d == nil {
		return nil
	}
	s := money(*d)
	return &s
}

// orDash is s, or "-" for an empty text cell.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// yesNo is "yes" or "no" in the language of w (a command's output).
func yesNo(w io.Writer, b bool) string {
	if b {
		return i18n.CommandText(outLang(w), "yes")
	}
	return i18n.CommandText(outLang(w), "no")
}

// term is a stored English word with no name of its own in the catalogue's
// enums (a clinic's status, a pay basis), in the language of w.
func term(w io.Writer, s string) string { return i18n.CommandText(outLang(w), s) }

// msgs is the catalogue in the language of w (a command's output): the
// names of stored words (status, method, reason, role), weekdays.
func msgs(w io.Writer) *i18n.Messages { return i18n.For(outLang(w)) }

// roleName is a staff role's name in the language of w.
func roleName(w io.Writer, r string) string { return i18n.NewLocale(outLang(w), "", nil).Role(r) }

// say writes one line for the user to w (a command's output): format is
// English, the key of its words in the catalogue (i18n.CommandText), and
// arguments of type word or words (plural) are translated too.
func say(w io.Writer, format string, a ...any) error {
	_, err := fmt.Fprintln(w, phrase(w, format, a...))
	return err
}

// Say writes one line to w in the language of c's tree (Execute sets it),
// for commands outside this package (the local CLI's): format is English,
// the key of its words in the catalogue (i18n.CommandText).
func Say(c *cobra.Command, w io.Writer, format string, a ...any) error {
	_, err := fmt.Fprintln(w, Phrase(c, format, a...))
	return err
}

// Phrase is Say's text without writing it.
func Phrase(c *cobra.Command, format string, a ...any) string {
	return words{format, a}.in(treeLang(c))
}

// phrase is say's text without writing it: a value or a cell in the
// language of w.
func phrase(w io.Writer, format string, a ...any) string { return words{format, a}.in(outLang(w)) }

func idStr(id *int64) string {
	if id == nil {
		return ""
	}
	return strconv.FormatInt(*id, 10)
}

// ---- input (mistakes here are usage errors: exit status 2) ----

// parseID reads a record id given as an argument: a positive integer.
func parseID(what, s string) (int64, error) {
	id, err := parseIDText(s)
	if err != nil {
		return 0, usagef("%s must be a positive integer id, not %q", word(what), s)
	}
	return id, nil
}

func given(c *cobra.Command, name string) bool { return c.Flags().Changed(name) }

// require is a usage error naming the required flags that were not given.
// (cobra's MarkFlagRequired error does not pass through the flag error
// hook, so it would not be typed as a usage error.)
func require(c *cobra.Command, names ...string) error {
	var missing []string
	for _, n := range names {
		if !given(c, n) {
			missing = append(missing, "--"+n)
		}
	}
	if len(missing) > 0 {
		return usagef("%s: missing required flag(s) %s", c.CommandPath(), strings.Join(missing, ", "))
	}
	return nil
}

// textsFor is the scripted commands' text in a language.
func textsFor(l i18n.Lang) *i18n.Script { return i18n.ScriptFor(l) }

// emptyState prints the line a list prints when it has nothing.
func emptyState(w io.Writer, text string) error {
	_, err := fmt.Fprintln(w, text)
	return err
}

// ---- errors ----

// shownError is a failure whose message the command composed for the user
// (e.g. an overlap with the free slots that follow it); it keeps the store
// error for errors.As.
type shownError struct {
	msg   string
	words func(*i18n.Messages) string // if set, the words, in the language reported in
	err   error
}

func (e *shownError) Error() string { return e.msg }

func (e *shownError) Unwrap() error { return e.err }

// Shown is a failure whose words a command composed (they must not hold an
// error's own text); err, if any, is what went wrong underneath: worded by
// the catalogue when it has a code, else logged while msg is shown.
func Shown(msg string, err error) error { return &shownError{msg: msg, err: err} }

// Worded is Shown with words taken from the catalogue in the language the
// failure is reported in.
func Worded(words func(*i18n.Messages) string, err error) error {
	return &shownError{msg: words(i18n.For(i18n.EN)), words: words, err: err}
}

// plural is "1 session" / "2 sessions", an argument of say, phrase or
// words: one and many are English words, translated with the rest.
func plural(n int, one, many string) words {
	if n == 1 {
		return words{format: "%d %s", args: []any{n, word(one)}}
	}
	return words{format: "%d %s", args: []any{n, word(many)}}
}
