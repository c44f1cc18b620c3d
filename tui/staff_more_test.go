package tui

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/shopspring/decimal"

	"consultorio/store"
	"consultorio/store/storetest"
	"consultorio/tui/clinic"
	"consultorio/tui/kit"
)

var hhmmRe = regexp.MustCompile(`\b\d\d:\d\d\b`)

// maskClock hides the dates and times a real clock stamps (a lock's end).
func maskClock(s string) string { return hhmmRe.ReplaceAllString(admMaskTimes(s), "hh:mm") }

// lockOut locks a user out with wrong passwords, as an attacker would.
func lockOut(t *testing.T, tn *store.Tenant, u *store.User) {
	t.Helper()
	if err := tn.SetPassword(context.Background(), u.ID, "una clave larga"); err != nil {
		t.Fatal(err)
	}
	for range store.MaxFailedLogins {
		if _, err := tn.LoginPassword(context.Background(), u.Email, "equivocada-123", "x"); err == nil {
			t.Fatal("a wrong password logged in")
		}
	}
}

// screenKey is the digit that opens screen id for u (ScreenDef.Number).
func screenKey(t *testing.T, u *store.User, id kit.ScreenID) string {
	t.Helper()
	for _, d := range clinic.Screens() {
		if d.ID == id && d.Allows(u.Actor("")) && d.Number > 0 {
			return fmt.Sprint(d.Number % 10) // one digit per screen, for every role
		}
	}
	t.Fatalf("%s has no digit for %s", u.Role, id)
	return ""
}

// Issue 13: the staff list marks a locked account (with the lock column,
// only while someone is locked), the detail says until when, the admin
// unlocks it there with u, and the detail follows an edit made from it
// (it used to show the user as first opened).
func TestStaffLockedAndUnlock(t *testing.T) {
	t.Parallel()
	tn, admin := admClinic(t)
	rosa := admStaffUser(t, tn, "rosa@clinic-a.test", "Rosa Quispe", store.RoleReception)
	lockOut(t, tn, rosa)

	term := admStart(t, tn, admin, 80, 24, []string{"0"}, "Rosa Quispe", "Bloqueo")
	// The badge too: the unread count loads without the spinner, so a
	// settled list does not mean it has arrived.
	list := maskClock(admSettled(t, term, "Rosa Quispe", "Bloqueo", "● 1 sin leer"))
	t.Run("list", func(t *testing.T) { golden.RequireEqual(t, list) })

	admSelectRow(t, term, "Rosa Quispe")
	term.Key("enter")
	detail := admSettled(t, term, "Personal › Rosa Quispe", "bloqueada hasta")
	t.Run("detail", func(t *testing.T) { golden.RequireEqual(t, maskClock(detail)) })

	// An edit from the detail shows at once.
	term.Key("e")
	focused(t, term, "Nombre completo")
	term.Key("ctrl+u")
	admFill(t, term, "Nombre completo", "Rosa Mena")
	focused(t, term, "Rol")
	term.Key("enter")
	focused(t, term, "Idioma")
	term.Key("enter")
	admSettled(t, term, "Personal › Rosa Mena", "bloqueada hasta")

	term.Key("u")
	term.WaitFor(t, "¿Desbloquear la cuenta de Rosa Mena?")
	term.Key("left") // huh's confirm starts on "No"
	term.Key("enter")
	s := admSettled(t, term, "✓ Cuenta de Rosa Mena desbloqueada.")
	if strings.Contains(s, "bloqueada hasta") {
		t.Errorf("still shown as locked:\n%s", s)
	}
	if u, err := tn.GetUser(context.Background(), store.System, rosa.ID); err != nil || u.Locked() {
		t.Fatalf("after the unlock: %+v %v", u, err)
	}
	term.Key("esc")
	term.WaitGone(t, "Personal › Rosa Mena")
	if s := admSettled(t, term, "Rosa Mena"); strings.Contains(s, "Bloqueo") {
		t.Errorf("the lock column stays with nobody locked:\n%s", s)
	}
}

// Issue 13: every role changes their own password from Accesos (p): the
// new one twice, the current one checked by the store.
func TestOwnPasswordForm(t *testing.T) {
	t.Parallel()
	tn, _ := admClinic(t)
	rosa := admStaffUser(t, tn, "rosa@clinic-a.test", "Rosa Quispe", store.RoleReception)
	const old, next = "la clave de siempre", "una clave nueva larga"
	if err := tn.SetPassword(context.Background(), rosa.ID, old); err != nil {
		t.Fatal(err)
	}
	rosa, _ = tn.GetUser(context.Background(), store.System, rosa.ID)
	term := admStart(t, tn, rosa, 80, 24, []string{"shift+tab"}, "Sesiones abiertas", "p mi contraseña") // Accesos: reception's last screen, no digit
	term.Key("p")
	form := admSettled(t, term, "Accesos › Cambiar mi contraseña", "Contraseña actual")
	t.Run("form", func(t *testing.T) { golden.RequireEqual(t, form) })

	// The two new ones differ: said under the field, nothing saved.
	admFill(t, term, "Contraseña actual", old)
	admFill(t, term, "Contraseña nueva", next)
	focused(t, term, "Repita la contraseña nueva")
	term.Type("otra distinta")
	term.Key("enter")
	term.WaitFor(t, "Las dos contraseñas nuevas no coinciden.")
	if strings.Contains(term.Screen(), next) || strings.Contains(term.Screen(), old) {
		t.Fatalf("a password is shown:\n%s", term.Screen())
	}
	term.Key("ctrl+u")
	term.Type(next)
	term.Key("enter")
	admSettled(t, term, "✓ Contraseña cambiada.")
	if _, err := tn.LoginPassword(context.Background(), rosa.Email, next, "x"); err != nil {
		t.Errorf("the new password: %v", err)
	}

	// A wrong current password: the login's words under the form.
	term.Key("p")
	admFill(t, term, "Contraseña actual", "no es esta")
	admFill(t, term, "Contraseña nueva", "otra clave larga")
	admFill(t, term, "Repita la contraseña nueva", "otra clave larga")
	admSettled(t, term, "Correo o contraseña incorrectos")
}

// Issue 13: the equipment catalog's items are renamed (e) and deleted (x);
// one a room holds is refused with the store's reason.
func TestEquipmentCatalogEditDelete(t *testing.T) {
	t.Parallel()
	tn, admin := admClinic(t)
	ctx := context.Background()
	room, err := tn.CreateRoom(ctx, store.System, store.RoomInput{Name: "Sala Verde"})
	if err != nil {
		t.Fatal(err)
	}
	bed, err := tn.CreateEquipment(ctx, store.System, "Camilla", "camilla")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tn.AddRoomEquipment(ctx, store.System, room.ID, bed.ID, 1); err != nil {
		t.Fatal(err)
	}
	term := admStart(t, tn, admin, 80, 24, []string{screenKey(t, admin, kit.ScreenRooms)}, "Sala Verde")
	term.Key("c")
	catalog := admSettled(t, term, "Camilla", "e editar equipo", "x eliminar equipo")
	t.Run("catalog", func(t *testing.T) { golden.RequireEqual(t, admMaskTimes(catalog)) })

	term.Key("e")
	focused(t, term, "Equipo")
	term.Key("ctrl+u")
	admFill(t, term, "Equipo", "Camilla plegable")
	admFill(t, term, "Código", "")
	admSettled(t, term, "✓ Guardado.", "Camilla plegable")

	term.Key("x")
	term.WaitFor(t, "¿Eliminar «Camilla plegable» del catálogo de equipos?")
	term.Key("left")
	term.Key("enter")
	admSettled(t, term, "✗ Otros registros dependen de este.")
	term.Key("esc")
	if _, err := tn.RemoveRoomEquipment(ctx, store.System, room.ID, bed.ID); err != nil {
		t.Fatal(err)
	}
	term.Key("x")
	term.WaitFor(t, "¿Eliminar «Camilla plegable» del catálogo de equipos?")
	term.Key("left")
	term.Key("enter")
	admSettled(t, term, "✓ «Camilla plegable» eliminado del catálogo.")
	if list, _ := tn.ListEquipment(ctx, store.System); len(list) != 0 {
		t.Errorf("catalog after the delete: %+v", list)
	}
}

// Issue 13: a paid expense is marked unpaid again (u) and an expense is
// deleted (x), each after a yes.
func TestExpensesUnpayDelete(t *testing.T) {
	t.Parallel()
	tn, admin := admClinic(t)
	ctx := context.Background()
	due := time.Now()
	ex, err := tn.CreateExpense(ctx, store.System, store.ExpenseInput{Name: "Luz", Amount: decimal.RequireFromString("120"),
		DueDate: &due})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := tn.PayExpense(ctx, store.System, ex.ID, nil); err != nil {
		t.Fatal(err)
	}
	term := admStart(t, tn, admin, 80, 24, []string{screenKey(t, admin, kit.ScreenExpenses)}, "Luz", "pagado")
	term.Key("u")
	term.WaitFor(t, "¿Marcar «Luz» como no pagado?")
	term.Key("left")
	term.Key("enter")
	admSettled(t, term, "✓ «Luz» marcado como no pagado.")
	if e, _ := tn.GetExpense(ctx, store.System, ex.ID); e.Paid {
		t.Fatalf("still paid: %+v", e)
	}
	term.Key("x")
	term.WaitFor(t, "¿Eliminar el gasto «Luz»")
	term.Key("left")
	term.Key("enter")
	admSettled(t, term, fmt.Sprintf("✓ Gasto n.º %d eliminado.", ex.ID))
	if _, err := tn.GetExpense(ctx, store.System, ex.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("after the delete: %v", err)
	}
}

// Issue 13: changing the clinic's time zone with sessions booked ahead
// says first what happens to them; saving again changes it.
func TestSettingsTimezoneWarning(t *testing.T) {
	t.Parallel()
	tn, admin := admClinic(t)
	ctx := context.Background()
	storetest.OpenAllHours(t, tn)
	spec := admSpecialist(t, tn, "Ana", "Paz", "111")
	room, err := tn.CreateRoom(ctx, store.System, store.RoomInput{Name: "Sala 1"})
	if err != nil {
		t.Fatal(err)
	}
	pat, err := tn.CreatePatient(ctx, store.System, store.PatientInput{FirstName: "Luis", Surname: "Rojas",
		BirthDate: time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().In(tn.Info.Location()).AddDate(0, 0, 2).Truncate(time.Hour)
	if _, err := tn.BookSession(ctx, store.System, store.Booking{PatientID: pat.ID, SpecialistID: spec.ID,
		RoomID: room.ID, Start: start}); err != nil {
		t.Fatal(err)
	}

	term := admStart(t, tn, admin, 80, 24, []string{"0"}, "Admin clinic-a")
	term.Key("s")
	admSettled(t, term, "America/Lima", "e editar")
	term.Key("e")
	// submit walks the form with what it holds, changing the zone once.
	submit := func(tz string) {
		t.Helper()
		admFill(t, term, "Nombre de la clínica", "")
		focused(t, term, "Zona horaria")
		if tz != "" {
			term.Key("ctrl+u")
		}
		admFill(t, term, "Zona horaria", tz)
		admFill(t, term, "Moneda", "")
		focused(t, term, "Idioma")
		term.Key("enter")
		admFill(t, term, "Duración por defecto", "")
		admFill(t, term, "Hora de inicio", "")
		admFill(t, term, "Hora de cierre", "")
		admFill(t, term, "Días para pago vencido", "")
		focused(t, term, "Días de atención")
		term.Key("enter")
		focused(t, term, "Verificación en dos pasos")
		term.Key("enter")
	}
	submit("Europe/Madrid")
	warn := admSettled(t, term, "Sesiones reservadas desde ahora: 1.", "Guarde otra vez")
	t.Run("warning", func(t *testing.T) { golden.RequireEqual(t, maskClock(warn)) })
	if s, _ := tn.Settings(ctx); s.Timezone != "America/Lima" {
		t.Fatalf("saved before the warning was answered: %s", s.Timezone)
	}
	// Save again: the form starts over with what was typed.
	submit("")
	admSettled(t, term, "✓ Ajustes guardados.", "Europe/Madrid")
	if s, _ := tn.Settings(ctx); s.Timezone != "Europe/Madrid" {
		t.Fatalf("not saved after the warning: %s", s.Timezone)
	}
}

// Issue 13: a settings change reaches an open session: the store's change
// (passed on by the server as a ChangedMsg) makes the session reload the
// clinic and speak its new language.
func TestSettingsApplyLive(t *testing.T) {
	t.Parallel()
	tn, admin := admClinic(t)
	ctx := context.Background()
	term := admStart(t, tn, admin, 80, 24, []string{"0"}, "Admin clinic-a", "Personal")
	s, err := tn.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s.Lang, s.DisplayName = "en", "Clínica Sol"
	if _, err := tn.UpdateSettings(ctx, store.System, s); err != nil {
		t.Fatal(err)
	}
	term.Send(kit.ChangedMsg{Entity: store.ChangeSettings})
	admSettled(t, term, "Staff", "Administrator")

	// Changes the server merged (or a resync) come unnamed: they may hide
	// a settings change, which applies all the same.
	s.Lang = "es"
	if _, err := tn.UpdateSettings(ctx, store.System, s); err != nil {
		t.Fatal(err)
	}
	term.Send(kit.ChangedMsg{})
	admSettled(t, term, "Personal", "Administrador")
}
