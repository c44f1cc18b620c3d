package tui

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"consultorio/store"
)

var admCodeRe = regexp.MustCompile(`[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}`)

// TestStaffScreen: the list (golden); creating a user shows the setup code
// once, on a page that says so, with the ssh line naming the clinic; the
// code works (issue 13: the ssh line is the server's, not "PORT"); it is gone once the page is closed; revoking a key.
func TestStaffScreen(t *testing.T) {
	t.Parallel()
	tn, admin := admClinic(t)
	ctx := context.Background()
	rosa := admStaffUser(t, tn, "rosa@clinic-a.test", "Rosa Quispe", store.RoleReception)
	line1, fp1 := newKey(t, "rosa@laptop")
	line2, fp2 := newKey(t, "rosa@phone")
	if _, err := tn.AddKey(ctx, store.System, rosa.ID, line1, "laptop"); err != nil {
		t.Fatal(err)
	}
	if _, err := tn.AddKey(ctx, store.System, rosa.ID, line2, "phone"); err != nil {
		t.Fatal(err)
	}

	term := admStart(t, tn, admin, 80, 24, []string{"0"}, "Rosa Quispe", "rosa@clinic-a.test", "Recepción")
	list := term.WaitFor(t, "Admin clinic-a", "n nuevo")
	t.Run("list", func(t *testing.T) { golden.RequireEqual(t, list) })

	// Create a specialist user.
	term.Key("n")
	term.WaitFor(t, "Personal › Nuevo usuario")
	admFill(t, term, "Correo electrónico", "luis@clinic-a.test")
	admFill(t, term, "Nombre completo", "Luis Soto")
	focused(t, term, "Rol")
	term.Key("down")
	term.Key("enter")
	focused(t, term, "Idioma")
	term.Key("enter")
	s := admSettled(t, term, "Personal › Código de configuración", "Código de configuración de Luis Soto <luis@clinic-a.test>:",
		"Se muestra solo esta vez", "ssh -p 2222 clinic-a@consultorio.example", "✓ Usuario creado.", "enter listo")
	code := admCodeRe.FindString(s)
	if code == "" {
		t.Fatalf("no setup code on the page:\n%s", s)
	}
	page := admMaskTimes(strings.Replace(s, code, "XXXX-XXXX-XXXX", 1))
	t.Run("code", func(t *testing.T) { golden.RequireEqual(t, page) })
	if _, err := tn.LoginSetupCode(ctx, "luis@clinic-a.test", code, "test"); err != nil {
		t.Fatalf("the code shown does not log in: %v", err)
	}
	u, err := tn.UserByEmail(ctx, store.System, "luis@clinic-a.test")
	if err != nil || u.Role != store.RoleSpecialist {
		t.Fatalf("user saved wrong: %+v %v", u, err)
	}

	// Closing the page forgets the code: neither the list nor the user's
	// page shows it again.
	term.Key("enter")
	s = admSettled(t, term, "Luis Soto", "Especialista")
	if strings.Contains(s, code) || strings.Contains(s, "Código de configuración de") {
		t.Fatalf("the code is still shown:\n%s", s)
	}
	admSelectRow(t, term, "Luis Soto")
	term.Key("enter")
	s = admSettled(t, term, "Personal › Luis Soto", "Sin llaves registradas.")
	if strings.Contains(s, code) {
		t.Fatalf("the code shows on the user's page:\n%s", s)
	}
	term.Key("esc")

	// Revoke Rosa's first key.
	admSelectRow(t, term, "Rosa Quispe")
	term.Key("enter")
	admSettled(t, term, "Personal › Rosa Quispe", "laptop", "phone", fp1[:20], "x revocar llave")
	term.Key("x")
	term.WaitFor(t, "Revocar llave", "¿Revocar la llave SHA256:")
	term.Key("y")
	s = admSettled(t, term, "✓ Llave revocada.", "phone")
	if strings.Contains(s, "laptop") {
		t.Fatalf("the revoked key is still listed:\n%s", s)
	}
	keys, err := tn.ListKeys(ctx, store.System, rosa.ID)
	if err != nil || len(keys) != 1 || keys[0].Fingerprint != fp2 {
		t.Fatalf("keys after revoking: %+v %v", keys, err)
	}

	// Edit her name and language from her page.
	term.Key("e")
	term.WaitFor(t, "Personal › Rosa Quispe\n")
	focused(t, term, "Nombre completo")
	term.Key("ctrl+u")
	admFill(t, term, "Nombre completo", "Rosa Díaz")
	focused(t, term, "Rol")
	term.Key("enter")
	focused(t, term, "Idioma")
	term.Key("down")
	term.Key("down")
	term.Key("enter")
	admSettled(t, term, "✓ Usuario guardado.", "Personal › Rosa Díaz", "Idioma:", "en")
	if u, err := tn.GetUser(ctx, store.System, rosa.ID); err != nil || u.Name != "Rosa Díaz" || u.Lang != "en" || u.Role != store.RoleReception {
		t.Fatalf("user saved wrong: %+v %v", u, err)
	}
}

// TestStaffReceptionReadOnly: reception lists staff and keys without any
// write key; a write key pressed anyway does nothing.
func TestStaffReceptionReadOnly(t *testing.T) {
	t.Parallel()
	tn, _ := admClinic(t)
	rec := admStaffUser(t, tn, "rosa@clinic-a.test", "Rosa Quispe", store.RoleReception)
	line, _ := newKey(t, "rosa@laptop")
	if _, err := tn.AddKey(context.Background(), store.System, rec.ID, line, "laptop"); err != nil {
		t.Fatal(err)
	}
	term := admStart(t, tn, rec, 80, 24, []string{"0"}, "Personal  (solo lectura)", "Rosa Quispe", "Admin clinic-a")
	s := term.Screen()
	for _, k := range []string{"n nuevo", "c código nuevo", "a activar"} {
		if strings.Contains(s, k) {
			t.Fatalf("reception is offered %q:\n%s", k, s)
		}
	}
	term.Key("n")
	term.Key("c")
	admSelectRow(t, term, "Rosa Quispe")
	term.Key("enter")
	s = admSettled(t, term, "Personal › Rosa Quispe", "laptop")
	if strings.Contains(s, "revocar") || strings.Contains(s, "Nuevo usuario") {
		t.Fatalf("reception can write:\n%s", s)
	}
	term.Key("x")
	term.Key("esc")
	term.Key("s")
	s = admSettled(t, term, "Ajustes de la clínica", "America/Lima")
	if strings.Contains(s, "e editar") {
		t.Fatalf("reception may edit the settings:\n%s", s)
	}
}

// TestStaffEditBreadcrumb: editing a user from their detail names them
// once in the breadcrumb (issue 13: "Personal › Rosa Quispe › Rosa Quispe").
func TestStaffEditBreadcrumb(t *testing.T) {
	t.Parallel()
	tn, admin := admClinic(t)
	admStaffUser(t, tn, "rosa@clinic-a.test", "Rosa Quispe", store.RoleReception)
	term := admStart(t, tn, admin, 80, 24, []string{"0"}, "Rosa Quispe")
	admSelectRow(t, term, "Rosa Quispe")
	term.Key("enter")
	admSettled(t, term, "Personal › Rosa Quispe")
	term.Key("e")
	s := term.WaitFor(t, "Nombre completo")
	if strings.Contains(s, "Rosa Quispe › Rosa Quispe") || !strings.Contains(s, "Personal › Rosa Quispe") {
		t.Fatalf("breadcrumb of the edit form:\n%s", s)
	}
}
