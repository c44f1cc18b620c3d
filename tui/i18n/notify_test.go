package i18n

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"consultorio/store"
)

// TestEveryNotificationTypeIsWorded: an event notification carries facts
// only; each type reads as a full title and message in both languages,
// with every fact in its place (a wrong verb count shows as "%!").
func TestEveryNotificationTypeIsWorded(t *testing.T) {
	start := time.Date(2026, 11, 12, 15, 0, 0, 0, time.UTC)
	moved := start.Add(24 * time.Hour)
	entry := int64(41)
	for _, typ := range store.NotificationTypes() {
		for _, count := range []int{0, 3} {
			n := store.Notification{Type: typ, Title: "scan title", Message: "scan message", WaitlistID: &entry,
				Data: store.NotificationData{Patient: "Ana Pérez", Specialist: "Rosa Mena", Room: "Sala 1", Start: &start,
					DurationMin: 45, NewStart: &moved, Count: count, Reason: "no_show", By: "Desk", User: "luis@x.test",
					Until: &start, Note: "tardes"}}
			texts := map[Lang]string{}
			for _, l := range locales() {
				title, msg := l.NotificationText(n)
				all := title + " | " + msg
				texts[l.Lang] = all
				if strings.TrimSpace(title) == "" || strings.TrimSpace(msg) == "" || strings.Contains(all, "%!") {
					t.Errorf("%s (%s): %q", typ, l.Lang, all)
				}
			}
			if texts[ES] == texts[EN] && !strings.HasPrefix(texts[ES], "scan title") {
				t.Errorf("%s: same text in both languages: %q", typ, texts[ES])
			}
		}
	}
	es := locales()[0]
	_, msg := es.NotificationText(store.Notification{Type: store.NotifySessionCancelled,
		Data: store.NotificationData{Patient: "Ana", Start: &start, Reason: "no_show", By: "Desk"}})
	if !strings.Contains(msg, es.M.Sessions.ReasonNoShow) || !strings.Contains(msg, es.DateTime(start)) {
		t.Errorf("cancellation: %q", msg)
	}
}

// TestNotifyCatalogueComplete: every text of the notifications catalogue is
// there in both languages, with the same verbs.
func TestNotifyCatalogueComplete(t *testing.T) {
	es, en := reflect.ValueOf(*NotifyFor(ES)), reflect.ValueOf(*NotifyFor(EN))
	verbs := regexp.MustCompile(`%(\[\d\])?[sdv]`)
	for i := range es.NumField() {
		name := es.Type().Field(i).Name
		a, b := es.Field(i).String(), en.Field(i).String()
		if a == "" || b == "" {
			t.Errorf("%s: es %q, en %q", name, a, b)
		}
		if len(verbs.FindAllString(a, -1)) != len(verbs.FindAllString(b, -1)) {
			t.Errorf("%s: verbs differ: %q / %q", name, a, b)
		}
	}
}
