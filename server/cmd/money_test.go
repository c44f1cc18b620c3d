package cmd

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"consultorio/store"
)

// An amount written with a decimal comma is stored as meant; one that reads
// two ways is refused as a usage error naming both readings, in the user's
// language, and stores nothing.
func TestPatientsAddPriceAsWritten(t *testing.T) {
	f := newFixture(t)
	u, _, err := f.tn.CreateUser(f.ctx, store.System, store.NewUser{Email: "eve@clinic-a.test", Name: "Eve Reception",
		Role: store.RoleReception, Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	add := func(price, doc string) []string {
		return []string{"patients", "add", "--first-name", "Rosa", "--surname", "Paz", "--birth-date", "1990-01-01",
			"--document", doc, "--price", price}
	}
	for i, price := range []string{"75,50", "75.50", "S/ 75,5"} {
		var p PatientView
		f.okJSON(&p, f.desk, add(price, "5000000"+string(rune('0'+i)))...)
		stored, err := f.tn.GetPatient(f.ctx, store.System, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !stored.CostSession.Equal(decimal.RequireFromString("75.50")) || p.CostSession != "75.50" {
			t.Errorf("--price %s stored %s (shown %s), want 75.50", price, stored.CostSession, p.CostSession)
		}
	}
	var p PatientView
	f.okJSON(&p, f.desk, add("1.234,50", "50000010")...)
	if p.CostSession != "1234.50" {
		t.Errorf("--price 1.234,50 stored %s", p.CostSession)
	}

	for _, tc := range []struct {
		u    *store.User
		want []string
	}{
		{f.desk, []string{`--price: "1,234" es ambiguo`, "1234.00 (separador de miles)", "1.234 (decimales)"}},
		{u, []string{`--price: "1,234" is ambiguous`, "1234.00 (thousands separator)", "1.234 (decimals)"}},
	} {
		r := f.fails(2, tc.want[0], tc.u, add("1,234", "50000020")...)
		for _, w := range tc.want[1:] {
			if !strings.Contains(r.err, w) {
				t.Errorf("%s: %q lacks %q", tc.u.Email, r.err, w)
			}
		}
	}
	var list []PatientView
	f.okJSON(&list, f.admin, "patients", "list", "--search", "Paz")
	if len(list) != 4 {
		t.Errorf("%d patients Paz, want the 4 added (the ambiguous ones refused)", len(list))
	}
}
