package tui

import (
	"strings"
	"testing"
	"time"

	"consultorio/store"
	"consultorio/tui/kit"
)

// TestAgendaWeekAndMonth: the week view counts sessions per day and hour,
// the month overview per day; enter goes back to that day's view; moving
// by day, week and month changes the date shown.
func TestAgendaWeekAndMonth(t *testing.T) {
	t.Parallel()
	f := newAgFixture(t)
	f.book(0, 0, 0, 9, 0, 60)
	f.book(1, 1, 1, 9, 0, 60)
	f.book(2, 0, 0, 15, 0, 60)
	if _, err := f.tn.BookSession(f.ctx, f.actor, store.Booking{PatientID: f.patients[0].ID, SpecialistID: f.specs[0].ID,
		RoomID: f.rooms[0].ID, Start: time.Date(2026, 12, 3, 10, 0, 0, 0, f.lima)}); err != nil {
		t.Fatal(err)
	}
	term := f.start(t, 80, 24)
	term.WaitFor(t, "martes 1 de diciembre de 2026")
	term.Key(".")
	term.WaitFor(t, "miércoles 2 de diciembre de 2026", "0 ses.")
	term.Key("]")
	term.WaitFor(t, "miércoles 9 de diciembre de 2026")
	term.Key("{")
	term.WaitFor(t, "lunes 9 de noviembre de 2026")
	term.Key("t")
	term.WaitFor(t, "martes 1 de diciembre de 2026", "3 ses.")

	term.Key("v")
	screen := term.WaitFor(t, "Semana del 30/11/2026", "4 ses.", "lun 30", "mar 1", "jue 3")
	lines := strings.Split(screen, "\n")
	var nine, total string
	for _, l := range lines {
		if strings.HasPrefix(l, "09:00") {
			nine = l
		}
		if strings.HasPrefix(l, "Total") {
			total = l
		}
	}
	// 09:00: two sessions on Tuesday; totals: Tue 3, Thu 1.
	if f := strings.Fields(strings.ReplaceAll(nine, "│", " ")); len(f) < 8 || f[2] != "2" {
		t.Fatalf("09:00 row %q:\n%s", nine, screen)
	}
	if f := strings.Fields(strings.ReplaceAll(total, "│", " ")); len(f) < 8 || f[2] != "3" || f[4] != "1" {
		t.Fatalf("totals row %q:\n%s", total, screen)
	}

	term.Key("v")
	// The heading counts the month (4), the days their own (3 and 1).
	term.WaitFor(t, "diciembre 2026", "lun", "dom", "4 ses.", "3 ses.", "1 ses.")
	term.Key("right")
	term.Key("right")
	term.Key("enter")
	term.WaitFor(t, "jueves 3 de diciembre de 2026", "1 ses.", "○ Ana García")
}

// TestAgendaSpecialistSeesOwn: a specialist's agenda has only their own
// column, and their session page offers no payment actions.
func TestAgendaSpecialistSeesOwn(t *testing.T) {
	t.Parallel()
	f := newAgFixture(t)
	f.book(0, 0, 0, 9, 0, 60)
	f.book(1, 1, 1, 9, 0, 60)
	u, _, err := f.tn.CreateUser(f.ctx, f.actor, store.NewUser{Email: "luis@clinic-a.test", Name: "Luis Soto", Role: store.RoleSpecialist})
	if err != nil {
		t.Fatal(err)
	}
	id := u.ID
	if _, err := f.tn.UpdateSpecialist(f.ctx, f.actor, f.specs[0].ID, store.SpecialistInput{UserID: &id,
		FirstName: "Luis", LastName: "Soto", Document: "40000000", CompType: store.CompPercent}); err != nil {
		t.Fatal(err)
	}
	if u, err = f.tn.UserByEmail(f.ctx, f.actor, "luis@clinic-a.test"); err != nil || u.SpecialistID != f.specs[0].ID {
		t.Fatalf("specialist user: %+v, %v", u, err)
	}
	f.admin = u
	term := f.start(t, 80, 24)
	screen := term.WaitFor(t, "Luis Soto", "○ Ana García", "1 ses.")
	if strings.Contains(screen, "María Rojas") || strings.Contains(screen, "Pedro Quispe") {
		t.Fatalf("a specialist sees a colleague's agenda:\n%s", screen)
	}
	term.Key("enter")
	screen = term.WaitFor(t, "Sesión n.º", "c completar", "x cancelar")
	if strings.Contains(screen, "p pagar") {
		t.Fatalf("a specialist is offered to record payments:\n%s", screen)
	}
}

// TestAgendaScrollsColumnsAndRooms: four specialists do not fit in 80
// columns: the header marks the hidden ones and moving right scrolls; r
// switches to one column per room.
func TestAgendaScrollsColumnsAndRooms(t *testing.T) {
	t.Parallel()
	f := newAgFixture(t)
	for i, n := range [][2]string{{"Carla", "Vega"}, {"Jorge", "Zúñiga"}} {
		s, err := f.tn.CreateSpecialist(f.ctx, f.actor, store.SpecialistInput{FirstName: n[0], LastName: n[1],
			Document: "4100000" + string(rune('0'+i)), CompType: store.CompPercent})
		if err != nil {
			t.Fatal(err)
		}
		f.specs = append(f.specs, s)
	}
	f.book(0, 3, 1, 9, 0, 60) // Jorge Zúñiga, the last column
	term := f.start(t, 80, 24)
	screen := term.WaitFor(t, "María Rojas", "Luis Soto", "Carla Vega", "›")
	if strings.Contains(screen, "Jorge Zúñiga") {
		t.Fatalf("four columns drawn in 80 cells:\n%s", screen)
	}
	for range 3 {
		term.Key("right")
	}
	screen = term.WaitFor(t, "Jorge Zúñiga", "‹", "○ Ana García")
	if strings.Contains(screen, "María Rojas") {
		t.Fatalf("the first column is still shown after scrolling:\n%s", screen)
	}
	term.Key("r")
	term.WaitFor(t, "por sala", "Sala 1", "Sala 2", "○ Ana García · Jorge")
}

// TestChangedMsgTouches: screens reload for the entities they show.
func TestChangedMsgTouches(t *testing.T) {
	t.Parallel()
	if !(kit.ChangedMsg{}).Touches("expense") || !(kit.ChangedMsg{Entity: "session"}).Touches("session", "payment") ||
		(kit.ChangedMsg{Entity: "expense"}).Touches("session", "payment") {
		t.Fatal("ChangedMsg.Touches")
	}
}

// TestAgendaFilter: f shows one specialist only (and the heading says so).
func TestAgendaFilter(t *testing.T) {
	t.Parallel()
	f := newAgFixture(t)
	f.book(0, 0, 0, 9, 0, 60) // Luis
	f.book(1, 1, 1, 9, 0, 60) // María
	term := f.start(t, 80, 24)
	term.WaitFor(t, "○ Ana García", "○ Pedro Quispe")
	term.Key("f")
	term.WaitFor(t, "┃ Mostrar solo", "(todos)")
	term.Key("down")
	term.Key("down") // (todos), María Rojas, Luis Soto
	term.Key("enter")
	screen := term.WaitFor(t, "filtro: Luis Soto", "1 ses.", "○ Ana García")
	if strings.Contains(screen, "María Rojas") || strings.Contains(screen, "Pedro Quispe") {
		t.Fatalf("the filter shows another specialist:\n%s", screen)
	}
}
