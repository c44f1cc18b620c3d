package store

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// Money is an amount of the clinic's currency, in cents (hundredths). It is
// the one type every door reads amounts into (ParseMoney) and writes them
// out from (Format); the records keep decimal.Decimal, PostgreSQL's numeric,
// and convert at the edge with MoneyOf and Decimal.
type Money struct{ Cents int64 }

// MaxMoney is the largest amount a column numeric(12,2) holds: 9999999999.99.
var MaxMoney = Money{Cents: 999_999_999_999}

// MoneyOf is d in cents, rounded half away from zero (sums of percentages
// can carry more decimals than a stored amount). Amounts beyond what int64
// cents hold saturate; no clinic sum comes near them.
func MoneyOf(d decimal.Decimal) Money {
	c := d.Shift(2).Round(0)
	switch {
	case c.GreaterThan(decimal.NewFromInt(1<<63 - 1)):
		return Money{Cents: 1<<63 - 1}
	case c.LessThan(decimal.NewFromInt(-1 << 63)):
		return Money{Cents: -1 << 63}
	}
	return Money{Cents: c.IntPart()}
}

// Decimal is m as the records keep it.
func (m Money) Decimal() decimal.Decimal { return decimal.New(m.Cents, -2) }

// String is m as scripts and JSON write it: "1234.50".
func (m Money) String() string { return m.Format(PlainMoney) }

// validMoney tells whether d is a Money exactly: at most two decimals and
// within numeric(12,2).
func validMoney(d decimal.Decimal) bool {
	return d.Equal(d.Round(2)) && d.Abs().LessThanOrEqual(MaxMoney.Decimal())
}

// MoneyFormat is how amounts of one currency are written: the symbol before
// them, the decimal mark, the thousands separator (0: none) and the places
// shown (0 for currencies without a minor unit in everyday use).
type MoneyFormat struct {
	Symbol  string
	Decimal rune
	Group   rune
	Places  int
	code    string // ISO 4217, also accepted as a symbol when parsing
}

// PlainMoney is the format of scripts, --json and CSV exports: no symbol, a
// decimal point, no grouping, two decimals ("1234.50"), whatever the clinic.
var PlainMoney = MoneyFormat{Decimal: '.', Places: 2}

// currencyFormats are the conventions people in the clinics' region expect.
// The decimal mark follows the country of the currency: Peru, Mexico and the
// English-speaking ones write 1,234.50; the euro area (Spain), Argentina,
// Chile, Colombia, Brazil, Uruguay, Paraguay and Bolivia write 1.234,50.
var currencyFormats = map[string]MoneyFormat{
	"PEN": {Symbol: "S/", Decimal: '.', Group: ',', Places: 2},
	"USD": {Symbol: "US$", Decimal: '.', Group: ',', Places: 2},
	"MXN": {Symbol: "MX$", Decimal: '.', Group: ',', Places: 2},
	"GBP": {Symbol: "£", Decimal: '.', Group: ',', Places: 2},
	"CAD": {Symbol: "CA$", Decimal: '.', Group: ',', Places: 2},
	"JPY": {Symbol: "¥", Decimal: '.', Group: ',', Places: 0},
	"KRW": {Symbol: "KRW", Decimal: '.', Group: ',', Places: 0},
	"EUR": {Symbol: "€", Decimal: ',', Group: '.', Places: 2},
	"ARS": {Symbol: "AR$", Decimal: ',', Group: '.', Places: 2},
	"CLP": {Symbol: "CLP$", Decimal: ',', Group: '.', Places: 0},
	"COP": {Symbol: "COL$", Decimal: ',', Group: '.', Places: 2},
	"BRL": {Symbol: "R$", Decimal: ',', Group: '.', Places: 2},
	"UYU": {Symbol: "$U", Decimal: ',', Group: '.', Places: 2},
	"PYG": {Symbol: "₲", Decimal: ',', Group: '.', Places: 0},
	"BOB": {Symbol: "Bs", Decimal: ',', Group: '.', Places: 2},
}

// MoneyFormatOf is the format of a clinic's currency (its ISO code, as the
// settings keep it). An unknown currency shows its code as the symbol with
// 1,234.50.
func MoneyFormatOf(currency string) MoneyFormat {
	code := strings.ToUpper(strings.TrimSpace(currency))
	f, ok := currencyFormats[code]
	if !ok {
		f = MoneyFormat{Symbol: code, Decimal: '.', Group: ',', Places: 2}
	}
	f.code = code
	return f
}

// Currencies lists the currencies with a known format, for tests and pickers.
func Currencies() []string {
	out := make([]string, 0, len(currencyFormats))
	for c := range currencyFormats {
		out = append(out, c)
	}
	return out
}

// Format writes m in f: "S/ 1,234.50", "€ 1.234,50", "CLP$ 15.990",
// "1234.50" (PlainMoney). A negative amount puts the sign first:
// "-S/ 20.00"; one that rounds to zero shows no sign. Zero-place formats
// round half away from zero.
func (m Money) Format(f MoneyFormat) string {
	neg := m.Cents < 0
	abs := uint64(m.Cents)
	if neg {
		abs = -abs // two's complement: right for math.MinInt64 too
	}
	whole, frac := abs/100, abs%100
	if f.Places == 0 {
		whole, frac = (abs+50)/100, 0
	}
	var b strings.Builder
	if neg && (whole != 0 || frac != 0) {
		b.WriteByte('-')
	}
	if f.Symbol != "" {
		b.WriteString(f.Symbol)
		b.WriteByte(' ')
	}
	digits := fmt.Sprint(whole)
	for i, c := range digits {
		if i > 0 && f.Group != 0 && (len(digits)-i)%3 == 0 {
			b.WriteRune(f.Group)
		}
		b.WriteRune(c)
	}
	if f.Places > 0 {
		b.WriteRune(f.Decimal)
		fmt.Fprintf(&b, "%02d", frac)
	}
	return b.String()
}

// AmountReason says why a text is not an amount.
type AmountReason int

// Reasons of an AmountError.
const (
	AmountEmpty     AmountReason = iota + 1 // nothing written
	AmountMalformed                         // not digits with separators
	AmountDecimals                          // more than two decimals
	AmountTooLarge                          // beyond MaxMoney
	AmountNegative                          // a sign: no amount entered may be negative
)

// AmountError: Input is not an amount, for Reason. The words come from the
// catalogue (tui/i18n); Error is for logs.
type AmountError struct {
	Input  string
	Reason AmountReason
}

// Code is CodeInvalid.
func (e *AmountError) Code() Code { return CodeInvalid }

func (e *AmountError) Error() string {
	why := map[AmountReason]string{AmountEmpty: "empty", AmountMalformed: "malformed",
		AmountDecimals: "more than two decimals", AmountTooLarge: "too large", AmountNegative: "negative"}[e.Reason]
	return fmt.Sprintf("amount %q: %s", e.Input, why)
}

// AmbiguousAmountError: Input has one separator followed by exactly three
// digits ("1,234", "1.234"), which reads as a thousands separator
// (Thousands, 1234.00) or as a decimal mark (Decimal, 1.234). Nobody can
// tell which was meant, so neither is taken.
type AmbiguousAmountError struct {
	Input     string
	Thousands Money
	Decimal   decimal.Decimal
}

// Code is CodeInvalid.
func (e *AmbiguousAmountError) Code() Code { return CodeInvalid }

func (e *AmbiguousAmountError) Error() string {
	return fmt.Sprintf("amount %q is ambiguous: %s or %s", e.Input, e.Thousands, e.Decimal)
}

// ParseMoney reads an amount as people write it, whatever their habit:
// "80", "75,50", "75.50", "1.234,50", "1,234.50", "1 234,50" (space,
// no-break or thin space between thousands), with at most two decimals, and
// optionally f's symbol or currency code before or after ("S/ 75.50").
//
// The decimal mark is the last "." or ",", when the other kind (or a space)
// groups the thousands before it, or when one or two digits follow it. A
// mark that appears more than once groups thousands. A single "." or ","
// followed by exactly three digits ("1,234") is ambiguous and refused with
// an AmbiguousAmountError, except in a currency without decimals (CLP),
// where it can only group thousands.
//
// No amount a clinic enters may be negative (prices, payments, expenses,
// pay, fees), so a leading "-" is refused as AmountNegative: a sign is
// only written by Format, for balances shown. A field that one day needs a
// negative amount gets its own signed reading; none does today. Other
// failures are an AmountError too.
func ParseMoney(s string, f MoneyFormat) (Money, error) {
	fail := func(r AmountReason) (Money, error) { return Money{}, &AmountError{Input: s, Reason: r} }
	t := strings.TrimSpace(s)
	if t == "" {
		return fail(AmountEmpty)
	}
	neg := false
	t, neg = cutMinus(t)
	t = cutSymbol(t, f)
	if !neg {
		t, neg = cutMinus(t)
	}
	if t == "" {
		return fail(AmountMalformed)
	}

	// Split into digit runs and the single separators between them.
	var groups []string
	var seps []rune
	start := 0
	for i, r := range t {
		switch {
		case r >= '0' && r <= '9':
			continue
		case r == '.' || r == ',' || unicode.IsSpace(r):
			if i == start { // leading, or two separators in a row
				return fail(AmountMalformed)
			}
			groups = append(groups, t[start:i])
			start = i + utf8.RuneLen(r)
			if unicode.IsSpace(r) {
				r = ' '
			}
			seps = append(seps, r)
		default:
			return fail(AmountMalformed)
		}
	}
	if start == len(t) { // trailing separator
		return fail(AmountMalformed)
	}
	groups = append(groups, t[start:])

	// Which separator, if any, is the decimal mark.
	frac := ""
	if n := len(seps); n > 0 {
		last := seps[n-1]
		if last != ' ' && strings.Count(string(seps), string(last)) == 1 {
			fracDigits := groups[n]
			switch {
			case n > 1, len(fracDigits) != 3:
				// Grouping before it, or not a thousands group: a decimal mark.
				frac, groups, seps = fracDigits, groups[:n], seps[:n-1]
			case groups[0][0] == '0' || len(groups[0]) > 3:
				// "0,500", "1234,567": cannot be thousands.
				frac, groups, seps = fracDigits, groups[:n], seps[:n-1]
			case f.Places == 0:
				// A currency without decimals: it groups thousands.
			default:
				th, err := parseGroups(s, groups, seps)
				if err != nil {
					return Money{}, err
				}
				v, _ := strconv.ParseInt(groups[0]+fracDigits, 10, 64) // six digits at most
				dec := decimal.New(v, -3)
				if neg {
					th.Cents, dec = -th.Cents, dec.Neg()
				}
				return Money{}, &AmbiguousAmountError{Input: s, Thousands: th, Decimal: dec}
			}
		}
	}
	if len(frac) > 2 {
		return fail(AmountDecimals)
	}
	m, err := parseGroups(s, groups, seps)
	if err != nil {
		return Money{}, err
	}
	if frac != "" {
		c := int64(frac[0] - '0')
		if len(frac) == 1 {
			c *= 10
		} else {
			c = c*10 + int64(frac[1]-'0')
		}
		m.Cents += c // parseGroups kept the whole part within MaxMoney
	}
	if neg && m.Cents != 0 {
		return fail(AmountNegative)
	}
	return m, nil
}

// parseGroups reads the whole part: one run of digits, or groups of three
// after a first of one to three, all separated by the same character.
func parseGroups(input string, groups []string, seps []rune) (Money, error) {
	if len(seps) > 0 {
		if len(groups[0]) > 3 {
			return Money{}, &AmountError{Input: input, Reason: AmountMalformed}
		}
		for i, g := range groups[1:] {
			if len(g) != 3 || seps[i] != seps[0] {
				return Money{}, &AmountError{Input: input, Reason: AmountMalformed}
			}
		}
	}
	digits := strings.TrimLeft(strings.Join(groups, ""), "0")
	if len(digits) > 10 {
		return Money{}, &AmountError{Input: input, Reason: AmountTooLarge}
	}
	var whole int64
	for _, d := range digits {
		whole = whole*10 + int64(d-'0')
	}
	return Money{Cents: whole * 100}, nil
}

func cutMinus(s string) (string, bool) {
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		return strings.TrimSpace(rest), true
	}
	return s, false
}

// cutSymbol removes f's symbol or currency code written before or after the
// number.
func cutSymbol(s string, f MoneyFormat) string {
	for _, sym := range []string{f.Symbol, f.code} {
		if sym == "" {
			continue
		}
		if len(s) >= len(sym) && strings.EqualFold(s[:len(sym)], sym) {
			return strings.TrimSpace(s[len(sym):])
		}
		if len(s) >= len(sym) && strings.EqualFold(s[len(s)-len(sym):], sym) {
			return strings.TrimSpace(s[:len(s)-len(sym)])
		}
	}
	return s
}
