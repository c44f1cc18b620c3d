package i18n

import (
	"testing"

	"consultorio/store"
)

// Every reason a try of an e-mail can fail with, and every kind of message,
// has words in both languages on the outbox page: a failure is never shown
// as its stable English value, nor as the SMTP server's text.
func TestEveryMailFailureAndKindHasWords(t *testing.T) {
	for _, l := range []Lang{ES, EN} {
		o := For(l).Outbox
		for _, r := range store.MailFailures() {
			if got := o.Reason(r); got == r || got == "" {
				t.Errorf("%s: no words for the mail failure %q", l, r)
			}
		}
		for _, k := range store.MailKinds() {
			if got := o.Kind(string(k)); got == "" || (l == ES && got == string(k) && k != store.MailAgenda) {
				t.Errorf("%s: no words for the mail kind %q", l, k)
			}
		}
	}
}
