package i18n

import (
	"testing"

	"consultorio/store"
)

// TestEnumNames: every stored enum word (cancel reason, payment method,
// session status) has a name in both languages, and the lookups share one
// shape: an unknown stored word comes back as it is.
func TestEnumNames(t *testing.T) {
	lookups := map[string]struct {
		name  func(m *Messages, word string) string
		words []string
	}{
		"ReasonName": {(*Messages).ReasonName, append(store.CancelReasons(), store.CancelRescheduled)},
		"MethodName": {(*Messages).MethodName, []string{store.MethodCash, store.MethodCard, store.MethodTransfer, store.MethodOther}},
		"StatusName": {(*Messages).StatusName, []string{store.SessionUnplanned, store.SessionPlanned, store.SessionCompleted, store.SessionCancelled}},
	}
	for fn, l := range lookups {
		for _, lang := range []Lang{ES, EN} {
			m := For(lang)
			for _, w := range l.words {
				// The stored words are English: in Spanish a name equal
				// to the word means the catalogue has none.
				if got := l.name(m, w); got == "" || (lang == ES && got == w) {
					t.Errorf("%s(%q) in %s = %q: no catalogue name", fn, w, lang, got)
				}
			}
			if got := l.name(m, "mystery"); got != "mystery" {
				t.Errorf("%s(unknown) in %s = %q, want the stored word", fn, lang, got)
			}
		}
	}
}
