package tui

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/shopspring/decimal"

	"consultorio/store"
	"consultorio/tui/tuitest"
)

// selectedLine is the line of an ASCII-mode screen that kit.Table marks
// as selected ("›" in the margin, ">" in ASCII mode), or "".
func selectedLine(screen string) string {
	for _, l := range strings.Split(screen, "\n") {
		if strings.HasPrefix(l, ">") {
			return l
		}
	}
	return ""
}

// shownRows is how many of rows(0..n-1) the screen shows.
func shownRows(screen string, n int, row func(int) string) int {
	shown := 0
	for i := range n {
		if strings.Contains(screen, row(i)) {
			shown++
		}
	}
	return shown
}

// TestListKeysMoveTheSelection: on the sessions, payments and expenses
// lists (kit.Table) every moving key they had keeps moving the selection,
// which ASCII mode marks with ">": up/down, k/j, pgup/pgdown by a page,
// home/end and g/G; the window scrolls to keep it in view. A document (the
// cash close) is only to read: the same keys scroll it and nothing is
// marked.
func TestListKeysMoveTheSelection(t *testing.T) {
	t.Parallel()
	f := newAgFixture(t)
	const n = 30
	// 30 weekly sessions from today, paid in advance today (30 payments
	// in December, 30 lines of today's cash close).
	booked, err := f.tn.BookSession(f.ctx, f.actor, store.Booking{PatientID: f.patients[0].ID,
		SpecialistID: f.specs[0].ID, RoomID: f.rooms[0].ID, Start: time.Date(2026, 12, 1, 10, 0, 0, 0, f.lima),
		DurationMin: 60, PaidInAdvance: true, Repeat: store.Repeat{WeeklyCount: n}})
	if err != nil || len(booked) != n {
		t.Fatalf("booking %d weekly sessions: %d, %v", n, len(booked), err)
	}
	for i := range n {
		due := time.Date(2026, 12, 1+i, 0, 0, 0, 0, time.UTC)
		if _, err := f.tn.CreateExpense(f.ctx, f.actor, store.ExpenseInput{Name: fmt.Sprintf("Gasto %02d", i),
			Amount: decimal.NewFromInt(10), DueDate: &due}); err != nil {
			t.Fatal(err)
		}
	}
	when := func(i int) string { return booked[i].StartsAt.In(f.lima).Format("02/01/2006 15:04") }
	term := tuitest.Start(t, NewClinicApp(context.Background(), ClinicSession{Tenant: f.tn, User: f.admin,
		RemoteAddr: "192.0.2.1:1", Width: 80, Height: 24, DarkBackground: true, ASCII: true}), 80, 24)
	asciiSettled(t, term, "[1 Agenda]")

	for _, c := range []struct {
		key, active string
		row         func(int) string
	}{
		{"2", "[2 Sesiones]", when},
		{"6", "[6 Pagos]", when},
		{"7", "[7 Gastos]", func(i int) string { return fmt.Sprintf("Gasto %02d", i) }},
	} {
		term.Key(c.key)
		screen := term.WaitUntil(t, c.active+" with its first row selected", func(s string) bool {
			return strings.Contains(s, c.active) && strings.Contains(selectedLine(s), c.row(0))
		})
		page := shownRows(screen, n, c.row)
		if page < 5 || page >= n {
			t.Fatalf("%s: %d of %d rows shown at 80x24:\n%s", c.active, page, n, screen)
		}
		last := min(2*page, n-1) // two pages down, or the last row
		for _, step := range []struct {
			key string
			row int
		}{
			{"down", 1}, {"j", 2}, {"k", 1}, {"up", 0}, {"G", n - 1}, {"g", 0}, {"end", n - 1}, {"home", 0},
			{"pgdown", page}, {"pgdown", last}, {"pgup", last - page}, {"pgup", 0},
		} {
			term.Key(step.key)
			term.WaitUntil(t, fmt.Sprintf("%s: %s selects row %d (%s) in view", c.active, step.key, step.row, c.row(step.row)),
				func(s string) bool {
					return strings.Contains(selectedLine(s), c.row(step.row)) && shownRows(s, n, c.row) == page
				})
		}
	}

	// The cash close, from the payments list: only to read.
	term.Key("6")
	asciiSettled(t, term, "[6 Pagos]")
	term.Key("c")
	ref := func(i int) string { return "#" + strconv.FormatInt(booked[i].ID, 10) + " " }
	screen := term.WaitFor(t, "Cierre de caja", ref(0))
	page := shownRows(screen, n, ref)
	if page < 3 || page >= n || selectedLine(screen) != "" {
		t.Fatalf("cash close: %d of %d rows shown, a row selected:\n%s", page, n, screen)
	}
	for _, step := range []struct {
		key   string
		first int
	}{{"down", 1}, {"j", 2}, {"k", 1}, {"up", 0}, {"end", n - page}, {"home", 0}, {"pgdown", page}, {"pgup", 0}} {
		term.Key(step.key)
		term.WaitUntil(t, fmt.Sprintf("cash close: %s shows rows %d to %d", step.key, step.first, step.first+page-1),
			func(s string) bool {
				return selectedLine(s) == "" && strings.Contains(s, ref(step.first)) && strings.Contains(s, ref(step.first+page-1)) &&
					(step.first == 0 || !strings.Contains(s, ref(step.first-1)))
			})
	}
}

// moveStep is a moving key and the row it should select.
type moveStep struct {
	key string
	row int
}

// pressAndSee presses each step's key on a list of n rows (row(i) a text
// only row i has) and waits until the selected line (">" in ASCII mode)
// is that step's row, with page rows in view: it fails if a key does not
// move the selection.
func pressAndSee(t *testing.T, term *tuitest.Term, name string, n, page int, row func(int) string, steps []moveStep) {
	t.Helper()
	for _, step := range steps {
		term.Key(step.key)
		term.WaitUntil(t, fmt.Sprintf("%s: %s selects row %d (%s) in view", name, step.key, step.row, row(step.row)),
			func(s string) bool {
				return strings.Contains(selectedLine(s), row(step.row)) && shownRows(s, n, row) == page
			})
	}
}

// TestPickerAndPagesKeysMoveTheSelection: the lists that drew themselves
// before they were kit.Tables — the patient picker, the patients list
// (paged on the server), the availability page — keep every moving key
// they had, and the selection (">" in ASCII mode at 80x24) follows:
// up/down and pgup/pgdown in the picker (the typed text keeps the other
// keys), up/down/k/j/home/end in the patients list with ] and pgdown for
// the next page of the server, up/down/pgup/pgdown/home/end over the
// closures and absences. The availability page is pinned as a golden.
func TestPickerAndPagesKeysMoveTheSelection(t *testing.T) {
	t.Parallel()
	f := newAgFixture(t)
	for i := range 30 {
		if _, err := f.tn.CreatePatient(f.ctx, f.actor, store.PatientInput{FirstName: "Pac", Surname: fmt.Sprintf("Lista %02d", i),
			BirthDate: time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), CostSession: decimal.NewFromInt(80),
			Status: store.PatientActive}); err != nil {
			t.Fatal(err)
		}
	}
	all, err := f.tn.ListPatients(f.ctx, f.actor, store.PatientQuery{})
	if err != nil || len(all.Patients) != 33 {
		t.Fatalf("patients: %d, %v", len(all.Patients), err)
	}
	// 10 closures in January and 10 absences of each specialist in
	// February: 20 rows of the availability page whoever is shown.
	for i := range 10 {
		day := time.Date(2027, 1, 4+i, 0, 0, 0, 0, time.UTC)
		if _, err := f.tn.AddClosure(f.ctx, f.actor, store.Closure{FirstDay: day, LastDay: day, Reason: fmt.Sprintf("Cierre %02d", i)}); err != nil {
			t.Fatal(err)
		}
		for _, s := range f.specs {
			start := time.Date(2027, 2, 1+i, 9, 0, 0, 0, f.lima)
			if _, err := f.tn.AddAbsence(f.ctx, f.actor, store.Absence{SpecialistID: s.ID, Start: start, End: start.Add(2 * time.Hour),
				Reason: fmt.Sprintf("Ausencia %02d", i)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	term := tuitest.Start(t, NewClinicApp(context.Background(), ClinicSession{Tenant: f.tn, User: f.admin,
		RemoteAddr: "192.0.2.1:1", Width: 80, Height: 24, DarkBackground: true, ASCII: true}), 80, 24)
	asciiSettled(t, term, "[1 Agenda]")

	// The picker, from the agenda's booking form.
	n := len(all.Patients)
	named := func(i int) string { p := all.Patients[i]; return p.Surname + ", " + p.FirstName }
	term.Key("n")
	screen := term.WaitUntil(t, "the picker with its first row selected", func(s string) bool {
		return strings.Contains(s, "Buscar paciente") && strings.Contains(selectedLine(s), named(0))
	})
	page := shownRows(screen, n, named)
	if page < 5 || page >= n {
		t.Fatalf("picker: %d of %d rows shown at 80x24:\n%s", page, n, screen)
	}
	last := min(2*page, n-1)
	pressAndSee(t, term, "picker", n, page, named, []moveStep{{"down", 1}, {"down", 2}, {"up", 1}, {"up", 0},
		{"pgdown", page}, {"pgdown", last}, {"pgup", last - page}, {"pgup", 0}})
	term.Key("esc")
	term.WaitGone(t, "Buscar paciente")

	// The patients list: one page of the server in view; ] and pgdown ask
	// for the next, [ and pgup go back, each with its first row selected.
	surname := func(i int) string { return all.Patients[i].Surname }
	term.Key("3")
	screen = term.WaitUntil(t, "the patients list with its first row selected", func(s string) bool {
		return strings.Contains(s, "[3 Pacientes]") && strings.Contains(selectedLine(s), surname(0))
	})
	page = shownRows(screen, n, surname)
	if page < 5 || page >= n {
		t.Fatalf("patients: %d of %d rows shown at 80x24:\n%s", page, n, screen)
	}
	pressAndSee(t, term, "patients", n, page, surname, []moveStep{{"down", 1}, {"j", 2}, {"k", 1}, {"up", 0},
		{"end", page - 1}, {"home", 0}, {"end", page - 1}})
	for _, step := range []moveStep{{"]", page}, {"[", 0}, {"pgdown", page}, {"down", page + 1}, {"pgup", 0}} {
		term.Key(step.key)
		term.WaitUntil(t, fmt.Sprintf("patients: %s selects row %d (%s), its page in view", step.key, step.row, surname(step.row)),
			func(s string) bool {
				first := step.row / page * page
				return strings.Contains(selectedLine(s), surname(step.row)) && strings.Contains(s, surname(first)) &&
					!strings.Contains(s, surname(min(first+page, n-1))+" ")
			})
	}

	// The availability page, from the agenda: the closures, then the
	// shown specialist's absences.
	term.Key("1")
	asciiSettled(t, term, "[1 Agenda]")
	term.Key("a")
	screen = term.WaitUntil(t, "the availability page with its first closure selected", func(s string) bool {
		return strings.Contains(s, "Disponibilidad") && strings.Contains(selectedLine(s), "Cierre 00") && !strings.Contains(s, "Cargando")
	})
	t.Run("availability", func(t *testing.T) { golden.RequireEqual(t, screen) })
	item := func(i int) string {
		if i < 10 {
			return fmt.Sprintf("Cierre %02d", i)
		}
		return fmt.Sprintf("Ausencia %02d", i-10)
	}
	const items = 20
	page = shownRows(screen, items, item)
	if page < 5 || page >= items {
		t.Fatalf("availability: %d of %d rows shown at 80x24:\n%s", page, items, screen)
	}
	last = min(2*page, items-1)
	pressAndSee(t, term, "availability", items, page, item, []moveStep{{"down", 1}, {"up", 0}, {"end", items - 1},
		{"home", 0}, {"pgdown", page}, {"pgdown", last}, {"pgup", last - page}, {"pgup", 0}})
}

// TestPanelDomainsKeysMoveTheSelection: the operator panel's list of a
// client's domains is a kit.Table: up/down and k/j move the selection
// (">" in ASCII mode at 80x24), pgup/pgdown and home/end too, the window
// scrolling along; "p" acts on the selected domain. Pinned as a golden.
func TestPanelDomainsKeysMoveTheSelection(t *testing.T) {
	t.Parallel()
	f := newPanelFixture(t)
	f.client(t, "clinica-sol", "Clinica del Sol", "350")
	ctx := context.Background()
	const n = 25
	for i := range n {
		if _, err := f.db.AddDomain(ctx, store.CLI, "clinica-sol", fmt.Sprintf("d%02d.example.com", i)); err != nil {
			t.Fatal(err)
		}
	}
	ti, err := f.db.GetTenant(ctx, "clinica-sol")
	if err != nil || len(ti.Domains) != n {
		t.Fatalf("domains: %v, %v", ti.Domains, err)
	}
	domain := func(i int) string { return ti.Domains[i] }
	term := tuitest.Start(t, NewPanelApp(ctx, PanelSession{DB: f.db, Operator: f.op, RemoteAddr: "203.0.113.7:5000",
		Width: 80, Height: 24, SSHLine: f.connect.For, ASCII: true}), 80, 24)
	term.WaitFor(t, "Clinica del Sol")
	term.Key("enter")
	term.WaitFor(t, "d dominios")
	term.Key("d")
	screen := term.WaitUntil(t, "the domains with the first one selected", func(s string) bool {
		return strings.Contains(selectedLine(s), domain(0)+"  (principal)") && !strings.Contains(s, "Cargando")
	})
	t.Run("domains", func(t *testing.T) { golden.RequireEqual(t, screen) })
	page := shownRows(screen, n, domain)
	if page < 5 || page >= n {
		t.Fatalf("domains: %d of %d rows shown at 80x24:\n%s", page, n, screen)
	}
	last := min(2*page, n-1)
	pressAndSee(t, term, "domains", n, page, domain, []moveStep{{"down", 1}, {"j", 2}, {"k", 1}, {"up", 0},
		{"end", n - 1}, {"home", 0}, {"pgdown", page}, {"pgdown", last}, {"pgup", last - page}, {"pgup", 0}, {"down", 1}})
	term.Key("p")
	term.WaitFor(t, "Dominio principal cambiado")
	if ti, err := f.db.GetTenant(ctx, "clinica-sol"); err != nil || ti.Domains[0] != domain(1) {
		t.Fatalf("p made %v primary, want %s (%v)", ti.Domains, domain(1), err)
	}
}
