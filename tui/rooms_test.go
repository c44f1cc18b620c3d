package tui

import (
	"context"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"consultorio/store"
	"consultorio/store/storetest"
)

// TestRoomsScreen: create a room through the form, add equipment inline
// (new catalog item + quantity in one form), assign a specialist, add from
// the catalog (golden of the room), remove equipment, and see the catalog.
func TestRoomsScreen(t *testing.T) {
	t.Parallel()
	tn, admin := admClinic(t)
	ctx := context.Background()
	ana := admSpecialist(t, tn, "Ana", "Quispe", "40000001")
	admSpecialist(t, tn, "Beto", "Flores", "40000002")
	if _, err := tn.CreateEquipment(ctx, store.System, "Camilla", "camilla"); err != nil {
		t.Fatal(err)
	}

	term := admStart(t, tn, admin, 80, 24, []string{"5"}, "No hay salas registradas.", "n nuevo")
	term.Key("n")
	term.WaitFor(t, "Salas › Nueva sala")
	admFill(t, term, "Nombre", "Sala Azul")
	focused(t, term, "Capacidad")
	term.Key("ctrl+u")
	admFill(t, term, "Capacidad", "2")
	admFill(t, term, "Ubicación", "Piso 2")
	admSettled(t, term, "✓ Guardado.", "Salas › Sala Azul", "Sin equipo.", "i equipo nuevo")

	// Inline equipment: a new catalog item and its quantity in one form.
	term.Key("i")
	term.WaitFor(t, "Salas › Sala Azul › Equipo nuevo")
	admFill(t, term, "Equipo", "Pelota terapéutica")
	admFill(t, term, "Código", "pelota-1")
	focused(t, term, "Cantidad")
	term.Key("ctrl+u")
	admFill(t, term, "Cantidad", "3")
	admSettled(t, term, "✓ Equipo agregado.", "Pelota terapéutica", "pelota-1")

	// Assign Flores, Beto (first in the list) — then swap to Quispe, Ana.
	term.Key("s")
	focused(t, term, "Especialistas de la sala")
	term.WaitFor(t, "Flores, Beto", "Quispe, Ana")
	term.Key("down")
	term.Key("space")
	term.Key("enter")
	admSettled(t, term, "✓ Guardado.", "Especialistas: Ana Quispe")

	// From the catalog.
	term.Key("k")
	focused(t, term, "Equipo")
	term.WaitFor(t, "Camilla (camilla)")
	term.Key("enter")
	admFill(t, term, "Cantidad", "")
	s := admSettled(t, term, "✓ Equipo agregado.", "Camilla", "Pelota terapéutica")
	golden.RequireEqual(t, s)

	// Remove the selected (first) item: Camilla.
	term.Key("x")
	term.WaitFor(t, "¿Quitar Camilla de la sala Sala Azul?")
	term.Key("y")
	s = admSettled(t, term, "✓ Equipo quitado.", "Pelota terapéutica")
	if strings.Contains(s, "Camilla") {
		t.Fatalf("Camilla still in the room:\n%s", s)
	}
	rooms, err := tn.ListRooms(ctx, store.System, true)
	if err != nil || len(rooms) != 1 {
		t.Fatalf("rooms: %+v %v", rooms, err)
	}
	r := rooms[0]
	if r.Name != "Sala Azul" || r.Capacity != 2 || r.Location != "Piso 2" || len(r.SpecialistIDs) != 1 || r.SpecialistIDs[0] != ana.ID ||
		len(r.Equipment) != 1 || r.Equipment[0].Name != "Pelota terapéutica" || r.Equipment[0].Code != "pelota-1" || r.Equipment[0].Quantity != 3 {
		t.Fatalf("room saved wrong: %+v", r)
	}

	// The list and the catalog.
	term.Key("esc")
	admSettled(t, term, "Sala Azul", "Ana Quispe", "Pelota terapéutica ×3")
	term.Key("c")
	admSettled(t, term, "Salas › Catálogo de equipo", "Camilla", "Pelota terapéutica", "Sala Azul ×3")
}

// TestRoomsGolden120x40: a larger window gives the flexible columns (the
// specialists and equipment of each room) the extra width; reception reads
// the list without write keys.
func TestRoomsGolden120x40(t *testing.T) {
	t.Parallel()
	tn, _ := admClinic(t)
	ctx := context.Background()
	ana := admSpecialist(t, tn, "Ana", "Quispe", "40000001")
	beto := admSpecialist(t, tn, "Beto", "Flores", "40000002")
	for i, name := range []string{"Sala Azul", "Sala Verde\x1b[2J"} {
		// The escape is refused today (issue 12); stored before, it must
		// still draw harmlessly: written past the input check.
		clean := strings.ReplaceAll(name, "\x1b", "")
		r, err := tn.CreateRoom(ctx, store.System, store.RoomInput{Name: clean, Capacity: i + 1, Location: "Piso 1"})
		if err != nil {
			t.Fatal(err)
		}
		storetest.SetRaw(t, tn, "rooms", "name", r.ID, name)
		if _, err := tn.SetRoomSpecialists(ctx, store.System, r.ID, []int64{ana.ID, beto.ID}); err != nil {
			t.Fatal(err)
		}
		withEq, err := tn.AddRoomEquipmentNew(ctx, store.System, r.ID, "Espejo "+clean, "", 2)
		if err != nil {
			t.Fatal(err)
		}
		storetest.SetRaw(t, tn, "equipment", "name", withEq.Equipment[0].EquipmentID, "Espejo "+name)
	}
	rec := admStaffUser(t, tn, "rosa@clinic-a.test", "Rosa Quispe", store.RoleReception)
	term := admStart(t, tn, rec, 120, 40, []string{"5"}, "Sala Verde␛[2J", "Ana Quispe, Beto Flores", "c catálogo")
	s := term.Screen()
	if strings.Contains(s, "n nuevo") || strings.Contains(s, "e editar") {
		t.Fatalf("reception is offered write keys:\n%s", s)
	}
	golden.RequireEqual(t, s)
}
