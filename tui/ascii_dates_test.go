package tui

import (
	"testing"
	"time"

	"consultorio/tui/i18n"
	"consultorio/tui/kit"
)

// TestASCIILongDates: the agenda's heading and the documents' titles write
// the long date with the locale's catalogue, so in ASCII mode the weekdays
// with accents are folded too (a vt100 showed "sábado" while every other
// word of the catalogue was folded). Every weekday, both languages.
func TestASCIILongDates(t *testing.T) {
	t.Parallel()
	lima, err := time.LoadLocation("America/Lima")
	if err != nil {
		t.Fatal(err)
	}
	want := map[i18n.Lang]string{i18n.ES: "sabado 5 de diciembre de 2026", i18n.EN: "Saturday, December 5, 2026"}
	for _, lang := range []i18n.Lang{i18n.ES, i18n.EN} {
		l := kit.ASCIILocale(i18n.NewLocale(lang, "PEN", lima))
		if got := l.LongDate(time.Date(2026, 12, 5, 10, 0, 0, 0, lima)); got != want[lang] {
			t.Errorf("%s: %q, want %q", lang, got, want[lang])
		}
		for d := range 7 {
			s := l.LongDate(time.Date(2026, 12, 6+d, 10, 0, 0, 0, lima))
			for _, r := range s {
				if r > 0x7f {
					t.Errorf("%s: %q is not ASCII", lang, s)
					break
				}
			}
		}
	}
	// Without ASCII mode the accents stay.
	if got := i18n.NewLocale(i18n.ES, "PEN", lima).LongDate(time.Date(2026, 12, 9, 10, 0, 0, 0, lima)); got != "miércoles 9 de diciembre de 2026" {
		t.Errorf("plain: %q", got)
	}
}
