package tui

import (
	"context"
	"strings"
	"testing"

	"consultorio/store"
)

// TestLoginsPage (80x24): from the staff screen an admin opens the open
// sessions, sees user, door, address, times and its own marked; "?" shows
// the page's keys; x asks before ending Rosa's session, which the store then
// records as ended by the admin.
func TestLoginsPage(t *testing.T) {
	tn, admin := admClinic(t)
	ctx := context.Background()
	rosa := admStaffUser(t, tn, "rosa@clinic-a.test", "Rosa Quispe", store.RoleReception)
	rosaID, err := tn.LoginBook().Open(ctx, rosa.ID, store.DoorTUI, "198.51.100.23:40000", "srv")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tn.LoginBook().Open(ctx, admin.ID, store.DoorCommand, "192.0.2.7:5555", "srv"); err != nil {
		t.Fatal(err)
	}

	term := admStart(t, tn, admin, 80, 24, []string{"0"}, "Rosa Quispe")
	term.Key("o")
	admSettled(t, term, "Personal › Sesiones abiertas", "Usuario", "Acceso", "Dirección",
		"Rosa Quispe", "pantalla", "198.51.100.23:40000", "comando")
	term.Key("?")
	term.WaitFor(t, "x terminar sesión", "r recargar", "esc volver")
	term.Key("?")
	admSelectRow(t, term, "Rosa Quispe")
	term.Key("x")
	term.WaitFor(t, "¿Terminar la sesión de Rosa Quispe desde 198.51.100.23:40000?")
	term.Key("left") // huh's confirm starts on "No"
	term.Key("enter")
	s := admSettled(t, term, "✓ Sesión terminada.")
	if strings.Contains(s, "Rosa Quispe") {
		t.Errorf("ended session still listed:\n%s", s)
	}
	ended, err := tn.LoginBook().Ended(ctx, []int64{rosaID})
	if err != nil || ended[rosaID] != admin.Name {
		t.Fatalf("ended = %v, %v", ended, err)
	}
}
