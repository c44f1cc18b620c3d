package i18n

import (
	"reflect"
	"strings"
	"testing"
)

// The StaffMore catalogue is complete in both languages, with the same
// format verbs in each.
func TestStaffMoreComplete(t *testing.T) {
	es := map[string]string{}
	walk(reflect.ValueOf(*StaffMoreFor(ES)), "", func(p, s string) { es[p] = s })
	n := 0
	walk(reflect.ValueOf(*StaffMoreFor(EN)), "", func(p, s string) {
		n++
		if strings.TrimSpace(s) == "" || strings.TrimSpace(es[p]) == "" {
			t.Errorf("%s: empty in a language (es %q, en %q)", p, es[p], s)
		}
		if a, b := verbs(es[p]), verbs(s); strings.Join(a, ",") != strings.Join(b, ",") {
			t.Errorf("%s: format verbs differ: es %v, en %v", p, a, b)
		}
	})
	if n != reflect.TypeOf(StaffMore{}).NumField() {
		t.Fatalf("walked %d strings of %d fields", n, reflect.TypeOf(StaffMore{}).NumField())
	}
}
