package i18n

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"consultorio/store"
)

// The SessionsEdit catalogue is complete in both languages, with the same
// format verbs, like the main catalogue (TestCatalogsComplete).
func TestSessionsEditCatalogComplete(t *testing.T) {
	esStrings := map[string]string{}
	walk(reflect.ValueOf(esSessionsEdit), "", func(p, s string) { esStrings[p] = s })
	n := 0
	walk(reflect.ValueOf(enSessionsEdit), "", func(p, s string) {
		n++
		if strings.TrimSpace(s) == "" || strings.TrimSpace(esStrings[p]) == "" {
			t.Errorf("%s: empty (es %q, en %q)", p, esStrings[p], s)
		}
		if a, b := verbs(esStrings[p]), verbs(s); strings.Join(a, ",") != strings.Join(b, ",") {
			t.Errorf("%s: format verbs differ: es %v, en %v", p, a, b)
		}
	})
	if n < 20 {
		t.Fatalf("walked only %d strings", n)
	}
}

// A cancellation of a prepaid session without an answer reads as the
// missing field, by name, in each language (not as a generic failure).
func TestPrepaidChoiceErrorWords(t *testing.T) {
	err := &store.PrepaidChoiceError{SessionIDs: []int64{7}}
	for lang, want := range map[Lang]string{ES: "Pago adelantado (crédito, devolución o retener)",
		EN: "Payment in advance (credit, refund or keep)"} {
		l := NewLocale(lang, "PEN", time.UTC)
		text, ref := l.ErrorText(err)
		if ref != "" || !strings.Contains(text, want) {
			t.Errorf("%s: %q (ref %q), want it to name %q", lang, text, ref, want)
		}
	}
}
