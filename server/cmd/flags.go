package cmd

import (
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/spf13/pflag"

	"consultorio/tui/i18n"
)

// Typed flags. Every flag is bound to a variable of its type when the
// command is built; a value that does not parse (--limit x, --date
// 2026-13-01, --patient abc) fails while cobra parses the command line, and
// the root turns that flag error into a UsageError: exit status 2, before
// the command runs. Commands then read plain variables: no lookups by name
// whose errors could be dropped.
//
// The value types below add the formats of the scripted commands
// (PRODUCT.md §1) to pflag's own (string, bool, int).

// idValue is a record id: a positive integer ("#12" is accepted, as lists
// print ids).
type idValue struct{ p *int64 }

func (v idValue) Set(s string) error {
	id, err := parseIDText(s)
	if err != nil {
		return err
	}
	*v.p = id
	return nil
}
func (v idValue) String() string {
	if v.p == nil || *v.p == 0 {
		return ""
	}
	return strconv.FormatInt(*v.p, 10)
}
func (idValue) Type() string { return "id" }

// idVar binds an id flag; 0 means not given.
func idVar(f *pflag.FlagSet, p *int64, name, usage string) { f.Var(idValue{p}, name, usage) }

// optIDValue sets *p to a new id only when the flag is given.
type optIDValue struct{ p **int64 }

func (v optIDValue) Set(s string) error {
	id, err := parseIDText(s)
	if err != nil {
		return err
	}
	*v.p = &id
	return nil
}
func (v optIDValue) String() string {
	if v.p == nil || *v.p == nil {
		return ""
	}
	return strconv.FormatInt(**v.p, 10)
}
func (optIDValue) Type() string { return "id" }

func optIDVar(f *pflag.FlagSet, p **int64, name, usage string) { f.Var(optIDValue{p}, name, usage) }

// badValue says what a flag's value should have been ("not a date
// YYYY-MM-DD"); flagError puts it after the flag and the value.
type badValue string

func (b badValue) Error() string { return string(b) }

// badValuef is a badValue with arguments.
type badValuef struct{ words }

func (b badValuef) Error() string { return b.in(i18n.EN) }

var errNotID = badValue("not a positive integer id")

func parseIDText(s string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(s), "#"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNotID
	}
	return id, nil
}

// countValue is a count that must be at least min (a --limit of 0 or -3
// is as wrong as "x").
type countValue struct {
	p   *int
	min int
}

func (v countValue) Set(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < v.min {
		return badValuef{words{"not a whole number of at least %d", []any{v.min}}}
	}
	*v.p = n
	return nil
}
func (v countValue) String() string { return strconv.Itoa(*v.p) }
func (countValue) Type() string     { return "int" }

// countVar binds an int flag with a lower bound and a default.
func countVar(f *pflag.FlagSet, p *int, name string, def, min int, usage string) {
	*p = def
	f.Var(countValue{p: p, min: min}, name, usage)
}

// dateValue is a calendar date YYYY-MM-DD, kept as midnight UTC ("as
// written", the form the store takes).
type dateValue struct{ p *time.Time }

func (v dateValue) Set(s string) error {
	d, err := time.Parse(dateLayout, strings.TrimSpace(s))
	if err != nil {
		return badValue("not a date YYYY-MM-DD")
	}
	*v.p = d
	return nil
}
func (v dateValue) String() string { return fmtDate(*v.p) }
func (dateValue) Type() string     { return "date" }

func dateVar(f *pflag.FlagSet, p *time.Time, name, usage string) { f.Var(dateValue{p}, name, usage) }

// optDateValue sets *p only when the flag is given.
type optDateValue struct{ p **time.Time }

func (v optDateValue) Set(s string) error {
	var d time.Time
	if err := (dateValue{&d}).Set(s); err != nil {
		return err
	}
	*v.p = &d
	return nil
}
func (v optDateValue) String() string {
	if v.p == nil || *v.p == nil {
		return ""
	}
	return fmtDate(**v.p)
}
func (optDateValue) Type() string { return "date" }

func optDateVar(f *pflag.FlagSet, p **time.Time, name, usage string) {
	f.Var(optDateValue{p}, name, usage)
}

// monthValue is YYYY-MM, kept as the first day of the month (as written).
type monthValue struct{ p *time.Time }

func (v monthValue) Set(s string) error {
	m, err := time.Parse(monthLayout, strings.TrimSpace(s))
	if err != nil {
		return badValue("not a month YYYY-MM")
	}
	*v.p = m
	return nil
}
func (v monthValue) String() string {
	if v.p.IsZero() {
		return ""
	}
	return v.p.Format(monthLayout)
}
func (monthValue) Type() string { return "month" }

func monthVar(f *pflag.FlagSet, p *time.Time, name, usage string) { f.Var(monthValue{p}, name, usage) }

// timeValue is YYYY-MM-DD HH:MM (or with a T) in the clinic's time zone.
type timeValue struct {
	p   *time.Time
	loc func() *time.Location
}

func (v timeValue) Set(s string) error {
	s = strings.TrimSpace(s)
	for _, layout := range []string{timeLayout, "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(layout, s, v.loc()); err == nil {
			*v.p = t
			return nil
		}
	}
	return badValue("not a time YYYY-MM-DD HH:MM")
}
func (v timeValue) String() string {
	if v.p.IsZero() {
		return ""
	}
	return v.p.Format(timeLayout)
}
func (timeValue) Type() string { return "time" }

func timeVar(f *pflag.FlagSet, p *time.Time, loc func() *time.Location, name, usage string) {
	f.Var(timeValue{p: p, loc: loc}, name, usage)
}

// moneyValue is an amount as people write it ("80", "75,50", "1.234,50"),
// read by the door's reader (store.ParseMoney in the user's locale); its
// error is already in the user's words.
type moneyValue struct {
	p    *decimal.Decimal
	read func(string) (decimal.Decimal, error)
}

func (v moneyValue) Set(s string) error {
	d, err := v.read(s)
	if err != nil {
		return flagWords(err.Error())
	}
	*v.p = d
	return nil
}
func (v moneyValue) String() string { return v.p.String() }
func (moneyValue) Type() string     { return "amount" }

func moneyVar(f *pflag.FlagSet, p *decimal.Decimal, read func(string) (decimal.Decimal, error), name, usage string) {
	f.Var(moneyValue{p: p, read: read}, name, usage)
}

// optMoneyValue sets *p only when the flag is given.
type optMoneyValue struct {
	p    **decimal.Decimal
	read func(string) (decimal.Decimal, error)
}

func (v optMoneyValue) Set(s string) error {
	var d decimal.Decimal
	if err := (moneyValue{p: &d, read: v.read}).Set(s); err != nil {
		return err
	}
	*v.p = &d
	return nil
}
func (v optMoneyValue) String() string {
	if v.p == nil || *v.p == nil {
		return ""
	}
	return (**v.p).String()
}
func (optMoneyValue) Type() string { return "amount" }

func optMoneyVar(f *pflag.FlagSet, p **decimal.Decimal, read func(string) (decimal.Decimal, error), name, usage string) {
	f.Var(optMoneyValue{p: p, read: read}, name, usage)
}

// flagWords is the whole of what is wrong with a flag's value, already in
// the user's words ("\"ten\" no es un monto …"); flagError puts it after
// the flag's name.
type flagWords string

func (w flagWords) Error() string { return string(w) }

// choiceValue is one of a fixed set of words.
type choiceValue struct {
	p       *string
	choices []string
}

func (v choiceValue) Set(s string) error {
	s = strings.TrimSpace(s)
	for _, c := range v.choices {
		if s == c {
			*v.p = s
			return nil
		}
	}
	return badValuef{words{"not one of %s", []any{strings.Join(v.choices, ", ")}}}
}
func (v choiceValue) String() string { return *v.p }
func (choiceValue) Type() string     { return "string" }

func choiceVar(f *pflag.FlagSet, p *string, name, usage string, choices ...string) {
	f.Var(choiceValue{p: p, choices: choices}, name, usage)
}

// optCountValue sets *p to a count of at least min, only when given.
type optCountValue struct {
	p   **int
	min int
}

func (v optCountValue) Set(s string) error {
	var n int
	if err := (countValue{p: &n, min: v.min}).Set(s); err != nil {
		return err
	}
	*v.p = &n
	return nil
}
func (v optCountValue) String() string {
	if v.p == nil || *v.p == nil {
		return ""
	}
	return strconv.Itoa(**v.p)
}
func (optCountValue) Type() string { return "int" }

func optCountVar(f *pflag.FlagSet, p **int, name string, min int, usage string) {
	f.Var(optCountValue{p: p, min: min}, name, usage)
}

// planLimitValue is a plan limit: a number, or "none" (no limit: -1 for the
// store); set only when given.
type planLimitValue struct{ p **int }

func (v planLimitValue) Set(s string) error {
	n := -1
	if !strings.EqualFold(strings.TrimSpace(s), "none") {
		var err error
		if n, err = strconv.Atoi(strings.TrimSpace(s)); err != nil || n < 0 {
			return badValue("not a number or none")
		}
	}
	*v.p = &n
	return nil
}
func (v planLimitValue) String() string {
	if v.p == nil || *v.p == nil {
		return ""
	}
	return strconv.Itoa(**v.p)
}
func (planLimitValue) Type() string { return "limit" }

// optStringVar sets *p only when the flag is given (an update's "leave as
// it is" is nil, "clear it" is "").
type optStringValue struct{ p **string }

func (v optStringValue) Set(s string) error { *v.p = &s; return nil }
func (v optStringValue) String() string {
	if v.p == nil || *v.p == nil {
		return ""
	}
	return **v.p
}
func (optStringValue) Type() string { return "string" }

func optStringVar(f *pflag.FlagSet, p **string, name, usage string) {
	f.Var(optStringValue{p}, name, usage)
}

// CountVar binds an int flag of at least min, for commands outside this
// package that share the tree's conventions (a bad value: exit 2).
func CountVar(f *pflag.FlagSet, p *int, name string, def, min int, usage string) {
	countVar(f, p, name, def, min, usage)
}
