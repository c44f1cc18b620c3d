package store_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/shopspring/decimal"

	"consultorio/store"
)

func cents(c int64) store.Money { return store.Money{Cents: c} }

// Every way the clinics' staff write an amount reads as that amount, in
// any clinic's currency.
func TestParseMoneyAccepts(t *testing.T) {
	pen := store.MoneyFormatOf("PEN")
	eur := store.MoneyFormatOf("eur")
	for _, tc := range []struct {
		in   string
		f    store.MoneyFormat
		want store.Money
	}{
		{"80", pen, cents(8000)},
		{" 80 ", pen, cents(8000)},
		{"75,50", pen, cents(7550)},
		{"75.50", pen, cents(7550)},
		{"75,5", pen, cents(7550)},
		{"75.5", eur, cents(7550)},
		{"0,05", pen, cents(5)},
		{"1.234,50", pen, cents(123450)},
		{"1,234.50", pen, cents(123450)},
		{"1 234,50", pen, cents(123450)},
		{"1\u00a0234,50", pen, cents(123450)}, // no-break space
		{"1\u2009234,50", pen, cents(123450)}, // thin space
		{"1\u202f234.50", eur, cents(123450)}, // narrow no-break space
		{"1 234", pen, cents(123400)},
		{"1.234.567", pen, cents(123456700)},
		{"1,234,567", pen, cents(123456700)},
		{"1.234.567,89", eur, cents(123456789)},
		{"1,234,567.89", eur, cents(123456789)},
		{"1234", pen, cents(123400)},
		{"1234.5", pen, cents(123450)},
		{"007", pen, cents(700)},
		{"0", pen, cents(0)},
		{"S/ 75.50", pen, cents(7550)},
		{"S/75,50", pen, cents(7550)},
		{"pen 80", pen, cents(8000)},
		{"80 PEN", pen, cents(8000)},
		{"75,50 €", eur, cents(7550)},
		{"€ 1.234,50", eur, cents(123450)},
		{"-0", pen, cents(0)},
		{"-S/ 0.00", pen, cents(0)},
		{"9999999999.99", pen, store.MaxMoney},
		{"9.999.999.999,99", pen, store.MaxMoney},
		// A currency without decimals: one group of three is thousands.
		{"15.990", store.MoneyFormatOf("CLP"), cents(1599000)},
		{"15,990", store.MoneyFormatOf("CLP"), cents(1599000)},
		{"CLP$ 15.990", store.MoneyFormatOf("CLP"), cents(1599000)},
		{"1234.5", store.PlainMoney, cents(123450)},
	} {
		got, err := store.ParseMoney(tc.in, tc.f)
		if err != nil || got != tc.want {
			t.Errorf("ParseMoney(%q, %s) = %v, %v; want %v", tc.in, tc.f.Symbol, got, err, tc.want)
		}
	}
}

// What is not an amount is refused with the reason, as data.
func TestParseMoneyRejects(t *testing.T) {
	pen := store.MoneyFormatOf("PEN")
	for _, tc := range []struct {
		in   string
		want store.AmountReason
	}{
		{"", store.AmountEmpty},
		{"   ", store.AmountEmpty},
		{"ten", store.AmountMalformed},
		{"1e3", store.AmountMalformed},
		{"0x10", store.AmountMalformed},
		{"+5", store.AmountMalformed},
		{"--5", store.AmountMalformed},
		{"S/", store.AmountMalformed},
		{"US$ 5", store.AmountMalformed}, // another currency's symbol
		{"80.", store.AmountMalformed},
		{",50", store.AmountMalformed},
		{"1,,5", store.AmountMalformed},
		{"1. 5", store.AmountMalformed},
		{"12,34,567", store.AmountMalformed},    // not groups of three
		{"1.234.50", store.AmountMalformed},     // the last group is not three digits
		{"1,234 567.00", store.AmountMalformed}, // two kinds of grouping
		{"1234,567.8", store.AmountMalformed},   // first group longer than three
		{"1.234,5.0", store.AmountMalformed},
		{"0,505", store.AmountDecimals},
		{"1234,567", store.AmountDecimals},
		{"1,2345", store.AmountDecimals},
		{"1.234,567", store.AmountDecimals},
		{"1,234.567", store.AmountDecimals},
		{"1 234,567", store.AmountDecimals},
		{"-S/ 20.00", store.AmountNegative},
		{"S/ -20.00", store.AmountNegative},
		{"-1.234,50", store.AmountNegative},
		{"- 5", store.AmountNegative},
		{"-S/", store.AmountMalformed},
		{"10000000000", store.AmountTooLarge},
		{"10.000.000.000,00", store.AmountTooLarge},
		{"99999999999999999999999", store.AmountTooLarge},
	} {
		m, err := store.ParseMoney(tc.in, pen)
		var ae *store.AmountError
		if !errors.As(err, &ae) || ae.Reason != tc.want || ae.Input != tc.in {
			t.Errorf("ParseMoney(%q) = %v, %v; want an AmountError with reason %d", tc.in, m, err, tc.want)
		}
	}
}

// One separator followed by exactly three digits could be either; the error
// carries both readings.
func TestParseMoneyAmbiguous(t *testing.T) {
	for _, tc := range []struct {
		in        string
		thousands store.Money
		dec       string
	}{
		{"1,234", cents(123400), "1.234"},
		{"1.234", cents(123400), "1.234"},
		{"75,505", cents(7550500), "75.505"},
		{"-999.999", cents(-99999900), "-999.999"},
		{"S/ 1,234", cents(123400), "1.234"},
	} {
		_, err := store.ParseMoney(tc.in, store.MoneyFormatOf("PEN"))
		var ae *store.AmbiguousAmountError
		if !errors.As(err, &ae) {
			t.Errorf("ParseMoney(%q): %v, want AmbiguousAmountError", tc.in, err)
			continue
		}
		if ae.Input != tc.in || ae.Thousands != tc.thousands || !ae.Decimal.Equal(decimal.RequireFromString(tc.dec)) {
			t.Errorf("ParseMoney(%q): %+v, want readings %v and %s", tc.in, ae, tc.thousands, tc.dec)
		}
	}
}

func TestMoneyFormat(t *testing.T) {
	for _, tc := range []struct {
		cur  string
		c    int64
		want string
	}{
		{"PEN", 123450, "S/ 1,234.50"},
		{"pen", 5, "S/ 0.05"},
		{"USD", 123456789, "US$ 1,234,567.89"},
		{"EUR", 1234560, "€ 12.345,60"},
		{"ARS", -2000, "-AR$ 20,00"},
		{"PEN", -2000, "-S/ 20.00"},
		{"CLP", 1599040, "CLP$ 15.990"},
		{"CLP", 1599050, "CLP$ 15.991"},
		{"CLP", -40, "CLP$ 0"}, // rounds to zero: no sign
		{"JPY", 99999, "¥ 1,000"},
		{"BRL", 1000, "R$ 10,00"},
		{"XYZ", 100, "XYZ 1.00"},
		{"PEN", 0, "S/ 0.00"},
		{"PEN", -1 << 63, "-S/ 92,233,720,368,547,758.08"},
	} {
		if got := cents(tc.c).Format(store.MoneyFormatOf(tc.cur)); got != tc.want {
			t.Errorf("%d cents in %s = %q, want %q", tc.c, tc.cur, got, tc.want)
		}
	}
	if got := cents(123450).String(); got != "1234.50" {
		t.Errorf("String = %q, want the plain 1234.50", got)
	}
}

func TestMoneyOf(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"75.5", 7550}, {"0.005", 1}, {"-0.005", -1}, {"12.344", 1234}, {"1e30", 1<<63 - 1}, {"-1e30", -1 << 63},
	} {
		if got := store.MoneyOf(decimal.RequireFromString(tc.in)); got.Cents != tc.want {
			t.Errorf("MoneyOf(%s) = %d, want %d", tc.in, got.Cents, tc.want)
		}
	}
	if d := cents(-123450).Decimal(); !d.Equal(decimal.RequireFromString("-1234.50")) {
		t.Errorf("Decimal = %s", d)
	}
}

// formats are every format the clinics can have, and the plain one.
func formats() []store.MoneyFormat {
	cs := store.Currencies()
	slices.Sort(cs)
	out := []store.MoneyFormat{store.PlainMoney, store.MoneyFormatOf("XYZ")}
	for _, c := range cs {
		out = append(out, store.MoneyFormatOf(c))
	}
	return out
}

// Whatever Format writes, ParseMoney reads back as the same amount (in a
// currency without decimals: the amount as shown, rounded to units); a
// negative one, which only balances show, is refused as negative.
func FuzzMoneyRoundTrip(f *testing.F) {
	for _, c := range []int64{0, 1, 99, 100, 7550, 123400, 123450, -2000, 999_999_999_999, -999_999_999_999, 50, 150} {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, c int64) {
		m := cents(c % (store.MaxMoney.Cents + 1))
		for _, mf := range formats() {
			want := m
			if mf.Places == 0 {
				want = store.MoneyOf(m.Decimal().Round(0))
			}
			s := m.Format(mf)
			got, err := store.ParseMoney(s, mf)
			if want.Cents > store.MaxMoney.Cents || want.Cents < -store.MaxMoney.Cents {
				// 9999999999.99 shown in whole units is one unit too many.
				var ae *store.AmountError
				if !errors.As(err, &ae) || ae.Reason != store.AmountTooLarge {
					t.Fatalf("ParseMoney(%q) = %v, %v; want too large", s, got, err)
				}
				continue
			}
			if want.Cents < 0 {
				var ae *store.AmountError
				if !errors.As(err, &ae) || ae.Reason != store.AmountNegative {
					t.Fatalf("ParseMoney(%q) = %v, %v; want negative", s, got, err)
				}
				continue
			}
			if err != nil || got != want {
				t.Fatalf("ParseMoney(Format(%d cents) = %q) = %v, %v", m.Cents, s, got, err)
			}
		}
	})
}

// Any text either reads as an amount within range that writes back and
// reads again the same, or is refused with a typed error; never a panic.
func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"80", "75,50", "1.234,50", "1,234.50", "1 234,50", "1,234", "S/ -3", "€ 1.234,5", "\u00a01\u2009000", "9999999999.99"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, mf := range formats() {
			m, err := store.ParseMoney(s, mf)
			if err != nil {
				var ae *store.AmountError
				var amb *store.AmbiguousAmountError
				if !errors.As(err, &ae) && !errors.As(err, &amb) {
					t.Fatalf("ParseMoney(%q): untyped error %v", s, err)
				}
				continue
			}
			if m.Cents > store.MaxMoney.Cents || m.Cents < 0 {
				t.Fatalf("ParseMoney(%q) = %d cents, negative or beyond numeric(12,2)", s, m.Cents)
			}
			if back, err := store.ParseMoney(m.String(), store.PlainMoney); err != nil || back != m {
				t.Fatalf("ParseMoney(%q) = %v, which reads back as %v, %v", s, m, back, err)
			}
		}
	})
}
