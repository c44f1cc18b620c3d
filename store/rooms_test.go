package store_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"consultorio/store"
	"consultorio/store/storetest"
)

func TestRoomsAndEquipment(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	a, _ := storetest.NewTenant(t, db, "clinic-a")
	ctx := context.Background()
	s1 := clNewSpecialist(t, a, "Lucía", "Quispe", "1")
	s2 := clNewSpecialist(t, a, "Mario", "Rojas", "2")

	// Admin writes; reception and specialists only read.
	for _, actor := range []store.Actor{clReception("a"), clSpecialist("a", s1.ID)} {
		if _, err := a.CreateRoom(ctx, actor, store.RoomInput{Name: "Sala 1"}); !isForbidden(err) {
			t.Errorf("%s creates a room: %v", actor.Role, err)
		}
		if _, err := a.CreateEquipment(ctx, actor, "Camilla", ""); !isForbidden(err) {
			t.Errorf("%s creates equipment: %v", actor.Role, err)
		}
	}
	_, err := a.CreateRoom(ctx, clAdmin("a"), store.RoomInput{Name: " ", Capacity: -2, Location: strings.Repeat("l", 201)})
	clWantFields(t, err, "name", "capacity", "location")
	if _, err := a.CreateRoom(ctx, clAdmin("a"), store.RoomInput{Name: "Sala", Location: "a\x00b"}); !isTextError(err, "location") {
		t.Errorf("NUL in the location: %v", err)
	}

	room, err := a.CreateRoom(ctx, clAdmin("a"), store.RoomInput{Name: " Sala Azul ", Location: "Piso 2"})
	if err != nil {
		t.Fatal(err)
	}
	if room.Name != "Sala Azul" || room.Capacity != 1 || !room.Active || len(room.SpecialistIDs) != 0 || len(room.Equipment) != 0 {
		t.Fatalf("created: %+v", room)
	}
	_, err = a.CreateRoom(ctx, clAdmin("a"), store.RoomInput{Name: "Sala Azul"})
	var ce *store.ConflictError
	if !errors.As(err, &ce) || ce.Field != "name" {
		t.Fatalf("duplicate room name: %v", err)
	}
	other, err := a.CreateRoom(ctx, clAdmin("a"), store.RoomInput{Name: "Sala Roja", Capacity: 3})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.UpdateRoom(ctx, clAdmin("a"), other.ID, store.RoomInput{Name: "Sala Azul"}); !errors.As(err, &ce) || ce.Field != "name" {
		t.Errorf("rename to a taken name: %v", err)
	}
	if r, err := a.UpdateRoom(ctx, clAdmin("a"), other.ID, store.RoomInput{Name: "Sala Verde", Capacity: 4, Location: "Piso 1"}); err != nil || r.Name != "Sala Verde" || r.Capacity != 4 {
		t.Errorf("update: %+v %v", r, err)
	}

	// Specialists of a room: replaced as a set, unknown ids refused.
	if _, err := a.SetRoomSpecialists(ctx, clReception("a"), room.ID, []int64{s1.ID}); !isForbidden(err) {
		t.Errorf("reception assigns: %v", err)
	}
	r, err := a.SetRoomSpecialists(ctx, clAdmin("a"), room.ID, []int64{s2.ID, s1.ID, s2.ID})
	if err != nil || !slices.Equal(r.SpecialistIDs, []int64{s1.ID, s2.ID}) {
		t.Fatalf("assign: %+v %v", r.SpecialistIDs, err)
	}
	_, err = a.SetRoomSpecialists(ctx, clAdmin("a"), room.ID, []int64{s1.ID, 9999})
	clWantFields(t, err, "specialist_ids")
	if r, err = a.SetRoomSpecialists(ctx, clAdmin("a"), room.ID, nil); err != nil || len(r.SpecialistIDs) != 0 {
		t.Fatalf("clear: %+v %v", r.SpecialistIDs, err)
	}
	if r, err = a.SetRoomSpecialists(ctx, clAdmin("a"), room.ID, []int64{s2.ID}); err != nil || !slices.Equal(r.SpecialistIDs, []int64{s2.ID}) {
		t.Fatalf("reassign: %+v %v", r.SpecialistIDs, err)
	}

	// Equipment catalog: unique name, optional unique slug code.
	_, err = a.CreateEquipment(ctx, clAdmin("a"), "Espejo", "Espejo Grande")
	clWantFields(t, err, "code")
	_, err = a.CreateEquipment(ctx, clAdmin("a"), "", "a--b")
	clWantFields(t, err, "name", "code")
	mat, err := a.CreateEquipment(ctx, clAdmin("a"), "Colchoneta", "colchoneta")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateEquipment(ctx, clAdmin("a"), "Colchoneta", ""); !errors.As(err, &ce) || ce.Field != "name" {
		t.Errorf("duplicate equipment name: %v", err)
	}
	if _, err := a.CreateEquipment(ctx, clAdmin("a"), "Otra", "colchoneta"); !errors.As(err, &ce) || ce.Field != "code" {
		t.Errorf("duplicate equipment code: %v", err)
	}
	if _, err := a.CreateEquipment(ctx, clAdmin("a"), "Pelota", ""); err != nil {
		t.Errorf("equipment without code: %v", err)
	}

	// Room equipment: add, change quantity, inline creation, remove.
	if _, err := a.AddRoomEquipment(ctx, clAdmin("a"), room.ID, mat.ID, 0); err == nil {
		t.Error("quantity 0 accepted")
	}
	if r, err = a.AddRoomEquipment(ctx, clAdmin("a"), room.ID, mat.ID, 2); err != nil {
		t.Fatal(err)
	}
	if r, err = a.AddRoomEquipment(ctx, clAdmin("a"), room.ID, mat.ID, 5); err != nil || len(r.Equipment) != 1 || r.Equipment[0].Quantity != 5 {
		t.Fatalf("set quantity: %+v %v", r.Equipment, err)
	}
	if r, err = a.AddRoomEquipmentNew(ctx, clAdmin("a"), room.ID, "Balón terapéutico", "balon", 1); err != nil {
		t.Fatal(err)
	}
	want := []store.RoomEquipment{{Name: "Balón terapéutico", Code: "balon", Quantity: 1}, {EquipmentID: mat.ID, Name: "Colchoneta", Code: "colchoneta", Quantity: 5}}
	want[0].EquipmentID = r.Equipment[0].EquipmentID
	if !slices.Equal(r.Equipment, want) {
		t.Fatalf("room equipment: %+v", r.Equipment)
	}
	// Inline creation is one transaction: a bad quantity or a taken code
	// leaves no catalog entry behind.
	if _, err := a.AddRoomEquipmentNew(ctx, clAdmin("a"), room.ID, "Espejo", "colchoneta", 1); !errors.As(err, &ce) || ce.Field != "code" {
		t.Errorf("inline with a taken code: %v", err)
	}
	if _, err := a.AddRoomEquipmentNew(ctx, clAdmin("a"), 999999, "Espejo", "espejo", 1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("inline into an unknown room: %v", err)
	}
	cat, err := a.ListEquipment(ctx, clReception("a"))
	if err != nil || len(cat) != 3 {
		t.Fatalf("catalog: %+v %v", cat, err)
	}
	if r, err = a.RemoveRoomEquipment(ctx, clAdmin("a"), room.ID, mat.ID); err != nil || len(r.Equipment) != 1 {
		t.Fatalf("remove: %+v %v", r.Equipment, err)
	}
	if _, err := a.RemoveRoomEquipment(ctx, clAdmin("a"), room.ID, mat.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("remove twice: %v", err)
	}
	if _, err := a.RemoveRoomEquipment(ctx, clReception("a"), room.ID, mat.ID); !isForbidden(err) {
		t.Errorf("reception removes: %v", err)
	}

	// Deactivate a room; everyone reads the list.
	if _, err := a.SetRoomActive(ctx, clAdmin("a"), other.ID, false); err != nil {
		t.Fatal(err)
	}
	for _, actor := range []store.Actor{clAdmin("a"), clReception("a"), clSpecialist("a", s1.ID)} {
		rooms, err := a.ListRooms(ctx, actor, false)
		if err != nil || len(rooms) != 1 || rooms[0].ID != room.ID || len(rooms[0].Equipment) != 1 || !slices.Equal(rooms[0].SpecialistIDs, []int64{s2.ID}) {
			t.Errorf("%s lists rooms: %+v %v", actor.Role, rooms, err)
		}
	}
	if rooms, _ := a.ListRooms(ctx, clReception("a"), true); len(rooms) != 2 {
		t.Errorf("with inactive: %d rooms", len(rooms))
	}
	if got, err := a.GetRoom(ctx, clSpecialist("a", s1.ID), other.ID); err != nil || got.Active {
		t.Errorf("get inactive room: %+v %v", got, err)
	}
	// Every change left an audit row.
	clRequireAudit(t, a, "create", "room", 0, 2)
	clRequireAudit(t, a, "update", "room", room.ID, 7)
	clRequireAudit(t, a, "create", "equipment", 0, 3)
	clRequireAudit(t, a, "deactivate", "room", other.ID, 1)
}
