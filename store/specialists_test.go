package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/shopspring/decimal"

	"consultorio/store"
	"consultorio/store/storetest"
)

func clNewSpecialist(t *testing.T, tn *store.Tenant, first, last, doc string) store.Specialist {
	t.Helper()
	s, err := tn.CreateSpecialist(context.Background(), store.System, store.SpecialistInput{
		FirstName: first, LastName: last, Specialty: "Psicología", Document: doc, Phone: "999 111 222",
		Email: first + "@example.com", CompType: store.CompPercent, CompValue: decimal.NewFromInt(40),
	})
	if err != nil {
		t.Fatalf("create specialist %s %s: %v", first, last, err)
	}
	return s
}

func TestSpecialists(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	a, _ := storetest.NewTenant(t, db, "clinic-a")
	ctx := context.Background()

	in := store.SpecialistInput{FirstName: " Lucía ", LastName: "Quispe", Specialty: "Terapia de lenguaje",
		Document: "40123456", Phone: "987654321", Email: "lucia@example.com", CompType: "fixed", CompValue: decimal.RequireFromString("2500.50")}
	for _, actor := range []store.Actor{clReception("a"), clSpecialist("a", 1)} {
		if _, err := a.CreateSpecialist(ctx, actor, in); !isForbidden(err) {
			t.Errorf("%s creates a specialist: want forbidden, got %v", actor.Role, err)
		}
	}
	lucia, err := a.CreateSpecialist(ctx, clAdmin("a"), in)
	if err != nil {
		t.Fatal(err)
	}
	if lucia.FirstName != "Lucía" || !lucia.Active || lucia.CompType != "fixed" || !lucia.CompValue.Equal(decimal.RequireFromString("2500.5")) {
		t.Fatalf("created: %+v", lucia)
	}
	clRequireAudit(t, a, "create", "specialist", lucia.ID, 1)

	// Validation with field names; the document is unique.
	_, err = a.CreateSpecialist(ctx, clAdmin("a"), store.SpecialistInput{FirstName: "", LastName: " ", Document: " ",
		Email: "not-an-email", CompType: "percent", CompValue: decimal.NewFromInt(150)})
	clWantFields(t, err, "first_name", "last_name", "document", "email", "comp_value")
	if _, err := a.CreateSpecialist(ctx, clAdmin("a"), store.SpecialistInput{FirstName: "A", LastName: "X\x00", Document: "9"}); !isTextError(err, "last_name") {
		t.Errorf("NUL in the last name: %v", err)
	}
	_, err = a.CreateSpecialist(ctx, clAdmin("a"), store.SpecialistInput{FirstName: "A", LastName: "B", Document: "1",
		CompType: "hourly"})
	clWantFields(t, err, "comp_type")
	_, err = a.CreateSpecialist(ctx, clAdmin("a"), store.SpecialistInput{FirstName: "A", LastName: "B", Document: "1",
		CompType: "fixed", CompValue: decimal.RequireFromString("-1")})
	clWantFields(t, err, "comp_value")
	dup := in
	dup.FirstName = "Otra"
	_, err = a.CreateSpecialist(ctx, clAdmin("a"), dup)
	var ce *store.ConflictError
	if !errors.As(err, &ce) || ce.Field != "document" {
		t.Fatalf("duplicate document: want conflict on document, got %v", err)
	}
	// A percentage of 100 is fine; the default compensation is percent 0.
	full, err := a.CreateSpecialist(ctx, clAdmin("a"), store.SpecialistInput{FirstName: "Ana", LastName: "Alva", Document: "2",
		CompType: "percent", CompValue: decimal.NewFromInt(100)})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := a.CreateSpecialist(ctx, clAdmin("a"), store.SpecialistInput{FirstName: "Beto", LastName: "Zea", Document: "3"})
	if err != nil || plain.CompType != store.CompPercent || !plain.CompValue.IsZero() || plain.Email != "" {
		t.Fatalf("defaults: %+v %v", plain, err)
	}

	// Update (admin only), with the conflict on document.
	edit := lucia.Input()
	edit.Phone, edit.Specialty = "01 555 0000", "Fonoaudiología"
	if _, err := a.UpdateSpecialist(ctx, clReception("a"), lucia.ID, edit); !isForbidden(err) {
		t.Errorf("reception edits a specialist: %v", err)
	}
	upd, err := a.UpdateSpecialist(ctx, clAdmin("a"), lucia.ID, edit)
	if err != nil || upd.Phone != "01 555 0000" || upd.Specialty != "Fonoaudiología" {
		t.Fatalf("update: %+v %v", upd, err)
	}
	rows := clRequireAudit(t, a, "update", "specialist", lucia.ID, 1)
	if string(rows[0].Detail) != `{"changed": ["phone", "specialty"]}` {
		t.Errorf("update audit detail: %s", rows[0].Detail)
	}
	edit.Document = "2"
	if _, err := a.UpdateSpecialist(ctx, clAdmin("a"), lucia.ID, edit); !errors.As(err, &ce) || ce.Field != "document" {
		t.Errorf("update to a taken document: %v", err)
	}
	if _, err := a.UpdateSpecialist(ctx, clAdmin("a"), 999999, edit); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("update unknown: %v", err)
	}
	// Linking to a user that does not exist is refused with the field name.
	edit = lucia.Input()
	ghost := int64(424242)
	edit.UserID = &ghost
	_, err = a.UpdateSpecialist(ctx, clAdmin("a"), lucia.ID, edit)
	clWantFields(t, err, "user_id")

	// Deactivate: gone from the default list, kept with includeInactive.
	if _, err := a.DeactivateSpecialist(ctx, clReception("a"), plain.ID); !isForbidden(err) {
		t.Errorf("reception deactivates: %v", err)
	}
	if s, err := a.DeactivateSpecialist(ctx, clAdmin("a"), plain.ID); err != nil || s.Active {
		t.Fatalf("deactivate: %+v %v", s, err)
	}
	list, err := a.ListSpecialists(ctx, clReception("a"), false)
	if err != nil {
		t.Fatal(err)
	}
	if names := clSpecialistNames(list); names != "Ana Alva, Lucía Quispe" {
		t.Errorf("active list: %s", names)
	}
	list, _ = a.ListSpecialists(ctx, clReception("a"), true)
	if names := clSpecialistNames(list); names != "Ana Alva, Lucía Quispe, Beto Zea" {
		t.Errorf("full list: %s", names)
	}
	if list[0].Document != "2" || list[0].Redacted {
		t.Errorf("reception sees staff data: %+v", list[0])
	}

	// A specialist sees colleagues' names and specialties only, and their
	// own record whole.
	list, err = a.ListSpecialists(ctx, clSpecialist("a", lucia.ID), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list {
		if s.ID == lucia.ID {
			if s.Redacted || s.Document != "40123456" || s.Phone == "" {
				t.Errorf("own record redacted: %+v", s)
			}
			continue
		}
		if !s.Redacted || s.Document != "" || s.Phone != "" || s.Email != "" || !s.CompValue.IsZero() || s.FirstName == "" {
			t.Errorf("colleague not redacted: %+v", s)
		}
	}
	if s, err := a.GetSpecialist(ctx, clSpecialist("a", lucia.ID), full.ID); err != nil || !s.Redacted || s.Document != "" {
		t.Errorf("get colleague: %+v %v", s, err)
	}
	if s, err := a.GetSpecialist(ctx, clReception("a"), full.ID); err != nil || s.Redacted || s.Document != "2" {
		t.Errorf("reception gets: %+v %v", s, err)
	}
	clRequireAudit(t, a, "deactivate", "specialist", plain.ID, 1)
}

func clSpecialistNames(list []store.Specialist) string {
	s := ""
	for i, sp := range list {
		if i > 0 {
			s += ", "
		}
		s += sp.FullName()
	}
	return s
}

// Ten admins adding specialists at once under a limit of 4: exactly four
// are created, the others are told the limit and the count.
func TestSpecialistLimitIsRaceFree(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	a, _ := storetest.NewTenant(t, db, "clinic-a")
	ctx := context.Background()
	if a.Info.SpecialistsLimit != 4 {
		t.Fatalf("default limit %d", a.Info.SpecialistsLimit)
	}
	var wg sync.WaitGroup
	errs := make([]error, 10)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = a.CreateSpecialist(ctx, clAdmin("a"), store.SpecialistInput{
				FirstName: "Spec", LastName: fmt.Sprint(i), Document: fmt.Sprintf("DOC-%d", i)})
		})
	}
	wg.Wait()
	ok, limited := 0, 0
	for _, err := range errs {
		var le *store.LimitError
		switch {
		case err == nil:
			ok++
		case errors.As(err, &le):
			limited++
			if le.What != "specialists" || le.Limit != 4 || le.Count != 4 {
				t.Errorf("limit error: %+v", le)
			}
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 4 || limited != 6 {
		t.Fatalf("%d created, %d limited; want 4 and 6", ok, limited)
	}
	list, err := a.ListSpecialists(ctx, clAdmin("a"), true)
	if err != nil || len(list) != 4 {
		t.Fatalf("stored: %d %v", len(list), err)
	}

	// Deactivating frees a place; reactivating counts like creating.
	if _, err := a.DeactivateSpecialist(ctx, clAdmin("a"), list[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateSpecialist(ctx, clAdmin("a"), store.SpecialistInput{FirstName: "New", LastName: "One", Document: "NEW"}); err != nil {
		t.Fatal(err)
	}
	_, err = a.ActivateSpecialist(ctx, clAdmin("a"), list[0].ID)
	var le *store.LimitError
	if !errors.As(err, &le) || le.Limit != 4 || le.Count != 4 {
		t.Fatalf("activation over the limit: %v", err)
	}
	if err.Error() != "the plan allows 4 active specialists and the clinic has 4" {
		t.Errorf("message: %q", err)
	}
}

// Everything done through clinic A's handle touches only clinic A.
func TestSpecialistsAndRoomsIsolation(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	a, _ := storetest.NewTenant(t, db, "clinic-a")
	b, _ := storetest.NewTenant(t, db, "clinic-b")
	ctx := context.Background()

	// B has more rows, so B's ids do not exist in A.
	var bSpecs []store.Specialist
	var bRooms []store.Room
	for i := range 3 {
		bSpecs = append(bSpecs, clNewSpecialist(t, b, "B", fmt.Sprint(i), fmt.Sprint("B-", i)))
		r, err := b.CreateRoom(ctx, clAdmin("b"), store.RoomInput{Name: fmt.Sprint("Sala B", i)})
		if err != nil {
			t.Fatal(err)
		}
		bRooms = append(bRooms, r)
	}
	if _, err := b.CreateEquipment(ctx, clAdmin("b"), "Camilla", "camilla"); err != nil {
		t.Fatal(err)
	}
	var bLastEq store.Equipment
	var err error
	for i := range 3 {
		if bLastEq, err = b.CreateEquipment(ctx, clAdmin("b"), fmt.Sprint("Extra ", i), ""); err != nil {
			t.Fatal(err)
		}
	}
	aSpec := clNewSpecialist(t, a, "A", "Uno", "B-0") // same document as in B: no conflict across clinics
	aRoom, err := a.CreateRoom(ctx, clAdmin("a"), store.RoomInput{Name: "Sala B0"})
	if err != nil {
		t.Fatal(err)
	}

	last := bSpecs[2].ID
	if _, err := a.GetSpecialist(ctx, clAdmin("a"), last); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("get B's specialist through A: %v", err)
	}
	if _, err := a.UpdateSpecialist(ctx, clAdmin("a"), last, aSpec.Input()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("update B's specialist through A: %v", err)
	}
	if _, err := a.DeactivateSpecialist(ctx, clAdmin("a"), last); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deactivate B's specialist through A: %v", err)
	}
	if _, err := a.GetRoom(ctx, clAdmin("a"), bRooms[2].ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("get B's room through A: %v", err)
	}
	if _, err := a.UpdateRoom(ctx, clAdmin("a"), bRooms[2].ID, store.RoomInput{Name: "x"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("update B's room through A: %v", err)
	}
	if _, err := a.SetRoomSpecialists(ctx, clAdmin("a"), aRoom.ID, []int64{last}); err == nil {
		t.Errorf("assigning B's specialist to A's room worked")
	}
	if _, err := a.AddRoomEquipment(ctx, clAdmin("a"), aRoom.ID, bLastEq.ID, 1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("B's equipment into A's room: %v", err)
	}
	specs, _ := a.ListSpecialists(ctx, clAdmin("a"), true)
	rooms, _ := a.ListRooms(ctx, clAdmin("a"), true)
	eq, _ := a.ListEquipment(ctx, clAdmin("a"))
	if len(specs) != 1 || specs[0].ID != aSpec.ID || len(rooms) != 1 || rooms[0].ID != aRoom.ID || len(eq) != 0 {
		t.Errorf("A sees: %d specialists, %d rooms, %d equipment", len(specs), len(rooms), len(eq))
	}
	// B is as it was.
	specs, _ = b.ListSpecialists(ctx, clAdmin("b"), false)
	if len(specs) != 3 {
		t.Errorf("B has %d active specialists", len(specs))
	}
	if r, err := b.GetRoom(ctx, clAdmin("b"), bRooms[2].ID); err != nil || r.Name != "Sala B2" {
		t.Errorf("B's room: %+v %v", r, err)
	}
}
