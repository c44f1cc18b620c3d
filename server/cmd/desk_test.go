package cmd

import (
	"strings"
	"testing"
)

// Marking a paid session paid again exits 1 saying so; nothing changes.
func TestMarkPaidTwiceExitsOne(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.book("2026-12-01 10:00")
	f.ok(f.desk, "payments", "mark-paid", id64(s.ID), "--method", "card")
	f.fails(1, "ya está pagada", f.desk, "payments", "mark-paid", id64(s.ID), "--amount", "10")
	var p struct {
		Amount string `json:"amount"`
		Method string `json:"method"`
	}
	f.okJSON(&p, f.desk, "payments", "show", id64(s.ID))
	if p.Amount != "80.00" || p.Method != "card" {
		t.Errorf("payment changed: %+v", p)
	}
}

// Reception never sees a specialist's pay rate or earnings through a
// command: not in the list (text or JSON),
// not in the finance figures (payroll) nor in any export.
func TestReceptionNeverSeesSpecialistPay(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.book("2026-12-01 10:00")
	f.ok(f.desk, "payments", "mark-paid", id64(s.ID))
	var list []SpecialistView
	f.okJSON(&list, f.desk, "specialists", "list")
	for _, v := range list {
		if v.CompValue != nil || v.CompType != "" {
			t.Errorf("reception's list shows pay: %+v", v)
		}
	}
	for _, out := range []string{
		f.ok(f.desk, "specialists", "list"),
		f.ok(f.desk, "specialists", "list", "--json"),
		f.ok(f.desk, "export", "payments", "--month", "2026-12"),
		f.ok(f.desk, "export", "sessions", "--month", "2026-12"),
	} {
		for _, leak := range []string{"1500", "porcentaje 40", "fijo", "percent 40", "fixed", "comp_value\": \"", "pago:", "pay:"} {
			if strings.Contains(out, leak) {
				t.Errorf("reception sees %q:\n%s", leak, out)
			}
		}
	}
	f.fails(1, "Su rol no permite esta acción", f.desk, "finance", "--month", "2026-12")
	// The admin does see it (the check above can fail).
	if out := f.ok(f.admin, "specialists", "list"); !strings.Contains(out, "fijo 1500") {
		t.Errorf("admin does not see the pay:\n%s", out)
	}
}

// The patient's own double booking exits 1 naming the session, until
// --allow-patient-overlap says it is meant.
func TestPatientOverlapCommand(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.book("2026-12-01 10:00")
	args := []string{"sessions", "book", "--patient", id64(f.patA.ID), "--specialist", id64(f.specB.ID),
		"--room", id64(f.room2.ID), "--start", "2026-12-01 10:30"}
	f.fails(1, "El paciente ya tiene la sesión n.º "+id64(s.ID)+" (01/12/2026 10:00–11:00) con Ana Torres", f.desk, args...)
	f.ok(f.desk, append(args, "--allow-patient-overlap")...)
}
