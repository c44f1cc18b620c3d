package i18n

import (
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"consultorio/store"
)

// Locale is what a screen needs to speak to one user of one clinic: the
// catalog in the user's language, and the clinic's currency and time zone.
//
// Conventions (documented here because scripts and people compare them):
//   - Money: currency symbol, a space, digits grouped by thousands and two
//     decimals, with the marks of the currency's country (store.MoneyFormatOf):
//     "S/ 1,234.50" for PEN, "US$ 1,234.50", "€ 1.234,50", "AR$ 1.234,50";
//     an unknown currency shows its ISO code ("XAU 1,234.50"). Zero-decimal
//     currencies (CLP, JPY, PYG, KRW) show no decimals. Negative amounts put
//     the sign first: "-S/ 20.00". The same in both languages: money is the
//     clinic's convention, not the reader's. Typed amounts are read by
//     store.ParseMoney, whatever the marks (Locale.ReadMoney).
//   - Dates: dd/mm/yyyy in Spanish (31/12/2026), ISO yyyy-mm-dd in English
//     (2026-12-31): unambiguous for both audiences. Times are 24-hour HH:MM.
//     Everything is shown in the clinic's time zone.
type Locale struct {
	Lang     Lang
	M        *Messages
	Currency string
	Loc      *time.Location
}

// NewLocale builds a locale; an empty currency is the product's default and
// a nil location UTC.
func NewLocale(lang Lang, currency string, loc *time.Location) *Locale {
	if currency == "" {
		currency = store.DefaultCurrency
	}
	if loc == nil {
		loc = time.UTC
	}
	return &Locale{Lang: lang, M: For(lang), Currency: strings.ToUpper(currency), Loc: loc}
}

// CurrencySymbol is the symbol shown before amounts.
func (l *Locale) CurrencySymbol() string { return l.MoneyFormat().Symbol }

// Money formats an amount in the clinic's currency: "S/ 1,234.50" (the one
// formatter, store.Money.Format).
func (l *Locale) Money(d decimal.Decimal) string { return store.MoneyOf(d).Format(l.MoneyFormat()) }

// Number formats an amount without the currency: "1,234.50" ("-20.00").
func (l *Locale) Number(d decimal.Decimal) string {
	f := l.MoneyFormat()
	f.Symbol = ""
	return store.MoneyOf(d).Format(f)
}

// DateLayout is the Go layout of a date in this language.
func (l *Locale) DateLayout() string {
	if l.Lang == EN {
		return "2006-01-02"
	}
	return "02/01/2006"
}

// DateHint is how the date format reads to a person ("dd/mm/aaaa").
func (l *Locale) DateHint() string {
	if l.Lang == EN {
		return "yyyy-mm-dd"
	}
	return "dd/mm/aaaa"
}

// Date formats the calendar date of t in the clinic's time zone.
func (l *Locale) Date(t time.Time) string { return t.In(l.Loc).Format(l.DateLayout()) }

// Time formats the clock time of t (24-hour) in the clinic's time zone.
func (l *Locale) Time(t time.Time) string { return t.In(l.Loc).Format("15:04") }

// DateTime formats date and time in the clinic's time zone.
func (l *Locale) DateTime(t time.Time) string {
	return t.In(l.Loc).Format(l.DateLayout() + " 15:04")
}

// LongDate reads like a heading: "martes 1 de diciembre de 2026" /
// "Tuesday, December 1, 2026".
// It is LongDate of the language, in the clinic's time zone, with the names
// of the locale's catalogue (folded to ASCII in ASCII mode).
func (l *Locale) LongDate(t time.Time) string { return longDate(l.Lang, &l.M.Dates, t.In(l.Loc)) }

// MonthYear names a month: "diciembre 2026" / "December 2026".
func (l *Locale) MonthYear(t time.Time) string {
	t = t.In(l.Loc)
	return fmt.Sprintf("%s %d", l.M.Dates.Months[t.Month()-1], t.Year())
}

// ParseDate reads a date typed by a user: the language's format or ISO
// (yyyy-mm-dd is always accepted), as midnight in the clinic's time zone.
func (l *Locale) ParseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	layouts := []string{"2006-01-02"}
	if l.Lang == ES {
		layouts = append(layouts, "02/01/2006", "2/1/2006")
	}
	for _, layout := range layouts {
		if t, err := time.ParseInLocation(layout, s, l.Loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, InputError(fmt.Sprintf(l.M.Agenda.BadDate, l.DateHint()))
}

// Role names a staff role ("admin", "specialist", "reception", "operator").
func (l *Locale) Role(role string) string {
	switch role {
	case "admin":
		return l.M.Roles.Admin
	case "specialist":
		return l.M.Roles.Specialist
	case "reception":
		return l.M.Roles.Reception
	case "operator":
		return l.M.Roles.Operator
	}
	return role
}

// Age in whole years at now (on the clinic's calendar). birth is a calendar
// date (as PostgreSQL's date type arrives: midnight UTC), read as it is.
func (l *Locale) Age(birth, now time.Time) int {
	b, n := birth, now.In(l.Loc)
	years := n.Year() - b.Year()
	if n.Month() < b.Month() || (n.Month() == b.Month() && n.Day() < b.Day()) {
		years--
	}
	return years
}
