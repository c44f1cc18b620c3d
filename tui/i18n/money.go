package i18n

import (
	"errors"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"consultorio/store"
)

// Amounts: what a person is told about an amount they wrote, from
// store.ParseMoney's errors. Every door (forms, scripted commands, the
// local CLI) shows these words.
type Amounts struct {
	Empty     string
	Malformed string // input
	Decimals  string // input
	TooLarge  string // input, the largest amount
	Negative  string // input
	Ambiguous string // input, the thousands reading, the decimal reading
}

var esAmounts = Amounts{
	Empty:     "escriba un monto, p. ej. 80 o 75,50",
	Malformed: "%q no es un monto (ejemplos: 80 · 75,50 · 1.234,50 · 1,234.50)",
	Decimals:  "%q tiene más de dos decimales",
	TooLarge:  "%q es demasiado grande (máximo %s)",
	Negative:  "%q es negativo; el monto no puede ser negativo",
	Ambiguous: "%[1]q es ambiguo: puede ser %[2]s (separador de miles) o %[3]s (decimales); escríbalo sin separador de miles o con dos decimales",
}

var enAmounts = Amounts{
	Empty:     "enter an amount, e.g. 80 or 75.50",
	Malformed: "%q is not an amount (examples: 80 · 75.50 · 1,234.50 · 1.234,50)",
	Decimals:  "%q has more than two decimals",
	TooLarge:  "%q is too large (at most %s)",
	Negative:  "%q is negative; the amount cannot be negative",
	Ambiguous: "%[1]q is ambiguous: it may be %[2]s (thousands separator) or %[3]s (decimals); write it without a thousands separator or with two decimals",
}

// MoneyFormat is how the clinic writes amounts (its currency's convention).
func (l *Locale) MoneyFormat() store.MoneyFormat { return store.MoneyFormatOf(l.Currency) }

// ReadMoney reads an amount a user typed (store.ParseMoney, with the
// clinic's symbol allowed); a failure is already in the user's words.
func (l *Locale) ReadMoney(s string) (decimal.Decimal, error) {
	m, err := store.ParseMoney(s, l.MoneyFormat())
	if err != nil {
		msg, _ := l.AmountError(err)
		return decimal.Decimal{}, InputError(msg)
	}
	return m.Decimal(), nil
}

// AmountError words an error of store.ParseMoney in the user's language;
// ok is false for any other error. The readings of an ambiguous amount are
// written with the clinic's decimal mark and no grouping, so each reads one
// way only: "1234.00" or "1.234".
func (l *Locale) AmountError(err error) (msg string, ok bool) {
	m := l.M.Amounts
	bare := l.MoneyFormat()
	bare.Symbol, bare.Group = "", 0
	var amb *store.AmbiguousAmountError
	var ae *store.AmountError
	switch {
	case errors.As(err, &amb):
		return fmt.Sprintf(m.Ambiguous, amb.Input, amb.Thousands.Format(bare),
			decimalText(amb.Decimal, bare.Decimal)), true
	case errors.As(err, &ae):
		switch ae.Reason {
		case store.AmountEmpty:
			return m.Empty, true
		case store.AmountDecimals:
			return fmt.Sprintf(m.Decimals, ae.Input), true
		case store.AmountNegative:
			return fmt.Sprintf(m.Negative, ae.Input), true
		case store.AmountTooLarge:
			return fmt.Sprintf(m.TooLarge, ae.Input, store.MaxMoney.Format(l.MoneyFormat())), true
		}
		return fmt.Sprintf(m.Malformed, ae.Input), true
	}
	return "", false
}

// decimalText writes d as it is (all its decimals) with the decimal mark.
func decimalText(d decimal.Decimal, mark rune) string {
	s := d.String()
	if mark != '.' {
		s = strings.Replace(s, ".", string(mark), 1)
	}
	return s
}
