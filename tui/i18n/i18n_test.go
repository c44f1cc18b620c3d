package i18n

import (
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// walk calls fn with the path and value of every string in a catalog.
func walk(v reflect.Value, path string, fn func(path, s string)) {
	switch v.Kind() {
	case reflect.String:
		fn(path, v.String())
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			walk(v.Field(i), path+"."+v.Type().Field(i).Name, fn)
		}
	case reflect.Array, reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			walk(v.Index(i), path+"["+string(rune('0'+i%10))+"]", fn)
		}
	default:
		panic("unexpected kind in catalog at " + path + ": " + v.Kind().String())
	}
}

var verb = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]`)

func verbs(s string) []string {
	var out []string
	for _, m := range verb.FindAllString(s, -1) {
		if m != "%%" {
			// %[2]s and %s differ in form, not in the argument type.
			out = append(out, m[len(m)-1:])
		}
	}
	return out
}

func TestCatalogsComplete(t *testing.T) {
	esStrings := map[string]string{}
	walk(reflect.ValueOf(es), "es", func(p, s string) { esStrings[strings.TrimPrefix(p, "es")] = s })
	n := 0
	walk(reflect.ValueOf(en), "en", func(p, s string) {
		n++
		key := strings.TrimPrefix(p, "en")
		e := esStrings[key]
		if strings.TrimSpace(s) == "" {
			t.Errorf("en%s is empty", key)
		}
		if strings.TrimSpace(e) == "" {
			t.Errorf("es%s is empty", key)
		}
		ve, vn := verbs(e), verbs(s)
		if strings.Join(ve, ",") != strings.Join(vn, ",") {
			// Same verb kinds, in any order when indexed explicitly.
			if !sameMultiset(ve, vn) || !strings.Contains(e+s, "%[") {
				t.Errorf("%s: format verbs differ: es %q %v, en %q %v", key, e, ve, s, vn)
			}
		}
	})
	if n < 100 {
		t.Fatalf("walked only %d strings; the catalog walk is broken", n)
	}
}

func sameMultiset(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for _, v := range m {
		if v != 0 {
			return false
		}
	}
	return true
}

func TestLangChoice(t *testing.T) {
	cases := []struct {
		user, clinic string
		want         Lang
	}{
		{"", "", ES}, {"", "es", ES}, {"", "en", EN}, {"en", "es", EN}, {"es", "en", ES}, {"fr", "en", ES},
	}
	for _, c := range cases {
		if got := Pick(c.user, c.clinic); got != c.want {
			t.Errorf("Pick(%q,%q) = %s, want %s", c.user, c.clinic, got, c.want)
		}
	}
	if For(EN).Nav.Patients != "Patients" || For(ES).Nav.Patients != "Pacientes" {
		t.Fatal("For returns the wrong catalog")
	}
}

func TestMoney(t *testing.T) {
	cases := []struct {
		cur, amount, want string
	}{
		{"PEN", "1234.5", "S/ 1,234.50"},
		{"PEN", "0", "S/ 0.00"},
		{"PEN", "999.999", "S/ 1,000.00"},
		{"PEN", "-20", "-S/ 20.00"},
		{"PEN", "-0.001", "S/ 0.00"},
		{"pen", "1234567.891", "S/ 1,234,567.89"},
		{"USD", "100", "US$ 100.00"},
		{"EUR", "12345.6", "€ 12.345,60"},
		{"CLP", "15990.4", "CLP$ 15.990"},
		{"BRL", "10", "R$ 10,00"},
		{"XAU", "1", "XAU 1.00"},
		{"", "5", "S/ 5.00"},
	}
	for _, c := range cases {
		l := NewLocale(ES, c.cur, nil)
		got := l.Money(decimal.RequireFromString(c.amount))
		if got != c.want {
			t.Errorf("%s %s: got %q, want %q", c.cur, c.amount, got, c.want)
		}
	}
}

func TestDates(t *testing.T) {
	lima, err := time.LoadLocation("America/Lima")
	if err != nil {
		t.Fatal(err)
	}
	// 02:30 UTC on Dec 1 is still Nov 30 in Lima (UTC-5).
	ts := time.Date(2026, 12, 1, 2, 30, 0, 0, time.UTC)
	es := NewLocale(ES, "PEN", lima)
	en := NewLocale(EN, "PEN", lima)
	if got := es.Date(ts); got != "30/11/2026" {
		t.Errorf("es date %q", got)
	}
	if got := en.Date(ts); got != "2026-11-30" {
		t.Errorf("en date %q", got)
	}
	if got := es.DateTime(ts); got != "30/11/2026 21:30" {
		t.Errorf("es datetime %q", got)
	}
	if got := es.LongDate(ts); got != "lunes 30 de noviembre de 2026" {
		t.Errorf("es long %q", got)
	}
	if got := en.LongDate(ts); got != "Monday, November 30, 2026" {
		t.Errorf("en long %q", got)
	}
	for _, in := range []string{"31/12/2026", "2026-12-31", " 31/12/2026 "} {
		d, err := es.ParseDate(in)
		if err != nil || d.Format("2006-01-02") != "2026-12-31" || d.Location() != lima {
			t.Errorf("es ParseDate(%q) = %v, %v", in, d, err)
		}
	}
	if _, err := en.ParseDate("31/12/2026"); err == nil {
		t.Error("en accepted dd/mm/yyyy")
	}
	birth := time.Date(2000, 12, 1, 0, 0, 0, 0, time.UTC)
	if a := es.Age(birth, ts); a != 25 { // Nov 30 in Lima: birthday not reached
		t.Errorf("age %d", a)
	}
	if a := es.Age(birth, ts.Add(24*time.Hour)); a != 26 {
		t.Errorf("age on birthday %d", a)
	}
	if es.Role("reception") != "Recepción" || en.Role("admin") != "Administrator" {
		t.Error("role names")
	}
}

// A typed amount that cannot be read is told in the user's language; an
// ambiguous one names both readings, written the clinic's way.
func TestAmountErrors(t *testing.T) {
	for _, c := range []struct {
		lang    Lang
		cur, in string
		want    []string
	}{
		{lang: ES, cur: "PEN", in: "1,234", want: []string{`"1,234" es ambiguo`, "1234.00 (separador de miles)", "1.234 (decimales)"}},
		{lang: EN, cur: "PEN", in: "1,234", want: []string{`"1,234" is ambiguous`, "1234.00 (thousands separator)", "1.234 (decimals)"}},
		{lang: ES, cur: "EUR", in: "1.234", want: []string{`"1.234" es ambiguo`, "1234,00 (separador", "1,234 (decimales)"}},
		{lang: ES, cur: "PEN", in: "diez", want: []string{`"diez" no es un monto`}},
		{lang: EN, cur: "PEN", in: "1,505", want: []string{"1505.00", "1.505"}},
		{lang: EN, cur: "PEN", in: "1.2345", want: []string{`"1.2345" has more than two decimals`}},
		{lang: ES, cur: "PEN", in: "10000000000", want: []string{"demasiado grande (máximo S/ 9,999,999,999.99)"}},
		{lang: EN, cur: "PEN", in: " ", want: []string{"enter an amount"}},
		{lang: ES, cur: "PEN", in: "-5", want: []string{`"-5" es negativo`}},
	} {
		l := NewLocale(c.lang, c.cur, nil)
		_, err := l.ReadMoney(c.in)
		if err == nil {
			t.Errorf("%s %q: no error", c.lang, c.in)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s %s %q: %q lacks %q", c.lang, c.cur, c.in, err, w)
			}
		}
	}
	l := NewLocale(EN, "PEN", nil)
	if d, err := l.ReadMoney("S/ 75,50"); err != nil || !d.Equal(decimal.RequireFromString("75.5")) {
		t.Errorf("ParseMoney(S/ 75,50) = %s, %v", d, err)
	}
	if _, ok := l.AmountError(errors.New("other")); ok {
		t.Error("AmountError words an error that is not about an amount")
	}
}

// TestCommandTextsOnce: a command text has one Spanish, in one of the
// maps of commandTexts (a key written in both would have two).
func TestCommandTextsOnce(t *testing.T) {
	for l, maps := range commandTexts {
		seen := map[string]int{}
		for i, m := range maps {
			for k := range m {
				if j, ok := seen[k]; ok {
					t.Errorf("%s: %q is in map %d and map %d of commandTexts", l, k, j, i)
				}
				seen[k] = i
			}
		}
	}
}
