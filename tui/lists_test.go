package tui

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

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
