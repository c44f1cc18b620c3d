package tui

import (
	"context"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
)

// TestSettingsPage: an admin opens the clinic settings from Staff (golden)
// and edits name, default duration, the overdue threshold (a bad value is
// refused in Spanish under its field) and working days through the form;
// the store has them.
func TestSettingsPage(t *testing.T) {
	t.Parallel()
	tn, admin := admClinic(t)
	term := admStart(t, tn, admin, 80, 24, []string{"0"}, "Admin clinic-a")
	term.Key("s")
	s := admSettled(t, term, "Personal › Ajustes de la clínica", "Zona horaria:", "America/Lima", "e editar")
	t.Run("view", func(t *testing.T) { golden.RequireEqual(t, s) })

	term.Key("e")
	term.WaitFor(t, "Ajustes de la clínica › Editar")
	focused(t, term, "Nombre de la clínica")
	term.Key("ctrl+u")
	admFill(t, term, "Nombre de la clínica", "Clínica Sol")
	admFill(t, term, "Zona horaria", "")
	admFill(t, term, "Moneda", "")
	focused(t, term, "Idioma")
	term.Key("enter")
	focused(t, term, "Duración por defecto")
	term.Key("ctrl+u")
	admFill(t, term, "Duración por defecto", "45")
	admFill(t, term, "Hora de inicio", "")
	admFill(t, term, "Hora de cierre", "")
	// The overdue threshold: the core's rule (1–90) refuses 0 and 91 under
	// the field, in Spanish; 10 goes through.
	focused(t, term, "Días para pago vencido")
	term.WaitFor(t, "Días tras la sesión para avisar un pago pendiente (1–90).")
	for _, bad := range []string{"0", "91"} {
		term.Key("ctrl+u")
		admFill(t, term, "Días para pago vencido", bad)
		term.WaitFor(t, "Días para pago vencido: debe estar entre 1 y 90")
		focused(t, term, "Días para pago vencido")
	}
	term.Key("ctrl+u")
	admFill(t, term, "Días para pago vencido", "10")
	focused(t, term, "Días de atención")
	term.WaitFor(t, "domingo")
	term.Key("end")   // Sunday
	term.Key("space") // toggle it on
	term.Key("enter")
	focused(t, term, "Verificación en dos pasos")
	term.Key("down") // required for admins
	term.Key("enter")
	admSettled(t, term, "✓ Ajustes guardados.", "Clínica Sol", "45 minutos", "dom", "Exigida a administradores", "10 días")

	got, err := tn.Settings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got.DisplayName != "Clínica Sol" || got.DefaultDuration != 45 || !got.WorksOn(0) || got.SecondFactor != "admins" ||
		got.PaymentOverdueDays != 10 {
		t.Fatalf("settings saved wrong: %+v", got)
	}
}
