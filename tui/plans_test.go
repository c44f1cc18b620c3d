package tui

import (
	"context"
	"testing"
)

// TestPlansEditLimits: the Plans screen lists limits against usage; its
// form sets the specialists, patients and users limits (and only them).
func TestPlansEditLimits(t *testing.T) {
	t.Parallel()
	f := newPanelFixture(t)
	f.client(t, "clinica-sol", "Clínica del Sol", "350")
	term := f.start(t)
	term.WaitFor(t, "[1 Clientes]")
	term.Key("2")
	term.WaitFor(t, "[2 Planes]", "Clínica del Sol", "0/∞", "1/∞", "enter editar límites")
	term.Key("enter")
	focused(t, term, "Especialistas")
	term.Key("backspace")
	term.Type("2")
	term.Key("enter")
	focused(t, term, "Pacientes")
	term.Type("100")
	term.Key("enter")
	focused(t, term, "Usuarios")
	term.Type("5")
	term.Key("enter")
	term.WaitFor(t, "✓ Límites guardados.", "0/100", "1/5")
	ti, err := f.db.GetTenant(context.Background(), "clinica-sol")
	if err != nil || ti.SpecialistsLimit != 2 || ti.PatientsLimit == nil || *ti.PatientsLimit != 100 ||
		ti.UsersLimit == nil || *ti.UsersLimit != 5 || ti.Name != "Clínica del Sol" || ti.MonthlyFee.String() != "350" {
		t.Fatalf("after the form: %+v, %v", ti, err)
	}
	if f.auditRows(t, "tenant.update", "clinica-sol") != 1 {
		t.Fatal("no operator audit row for the limits")
	}
}
