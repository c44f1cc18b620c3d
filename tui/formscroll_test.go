package tui

import (
	"strings"
	"testing"
)

// Forms at 80x24 open, after a failed save, on the field the store
// refused, with its message in view — even when that field is below the
// fold of a long form or on a later page of it.

// TestPatientFormScrollsToRefusedField: an e-mail the store refuses, typed
// in a field that is not on screen when the form opens.
func TestPatientFormScrollsToRefusedField(t *testing.T) {
	t.Parallel()
	pc := newPatientsClinic(t)
	term := pc.start(t, pc.admin, 80, 24)
	settled(t, term, "Quispe Mamani")
	term.Key("n")
	opened := term.WaitFor(t, "Nombre")
	if strings.Contains(opened, "Correo electrónico") {
		t.Fatalf("the fixture needs the e-mail field below the fold at 80x24:\n%s", opened)
	}
	admFill(t, term, "Nombre", "Lucía")
	admFill(t, term, "Apellidos", "Ramos Ortiz")
	admFill(t, term, "Fecha de nacimiento", "15/08/2012")
	for _, f := range []string{"Sexo", "Documento", "Dirección", "Teléfono"} {
		focused(t, term, f)
		term.Key("enter")
	}
	admFill(t, term, "Correo electrónico", "no-es-correo")
	for range 12 { // marital status … status: the last enter saves
		term.Key("enter")
	}
	s := settled(t, term, "no es un correo válido", "✗ No es un correo válido")
	focused(t, term, "Correo electrónico")
	if !strings.Contains(s, "no-es-correo") {
		t.Errorf("the refused value is not in view:\n%s", s)
	}
	fieldAndMessageTogether(t, s, "Correo electrónico", "✗ No es un correo válido")
}

// TestSettingsFormOpensOnRefusedField: a default duration out of the
// store's range, on the form's second page; the form used to reopen on the
// first page with the error under it.
func TestSettingsFormOpensOnRefusedField(t *testing.T) {
	t.Parallel()
	tn, admin := admClinic(t)
	term := admStart(t, tn, admin, 80, 24, []string{"0"}, "Admin clinic-a")
	term.Key("s")
	admSettled(t, term, "Personal › Ajustes de la clínica", "e editar")
	term.Key("e")
	focused(t, term, "Nombre de la clínica")
	for _, f := range []string{"Nombre de la clínica", "Zona horaria", "Moneda", "Idioma"} {
		focused(t, term, f)
		term.Key("enter")
	}
	focused(t, term, "Duración por defecto")
	term.Key("ctrl+u")
	admFill(t, term, "Duración por defecto", "3")
	for range 8 { // through the rest of the pages: the last enter saves
		term.Key("enter")
	}
	s := admSettled(t, term, "debe estar entre 5 y 480 minutos")
	focused(t, term, "Duración por defecto")
	if !strings.Contains(s, "3") {
		t.Errorf("the refused value is not in view:\n%s", s)
	}
}

// fieldAndMessageTogether checks that message is shown within a few lines
// under the field's title.
func fieldAndMessageTogether(t *testing.T, screen, title, message string) {
	t.Helper()
	lines := strings.Split(screen, "\n")
	for i, l := range lines {
		if !strings.Contains(l, title) {
			continue
		}
		for _, n := range lines[i:min(i+4, len(lines))] {
			if strings.Contains(n, message) {
				return
			}
		}
	}
	t.Errorf("%q is not shown under %q:\n%s", message, title, screen)
}
