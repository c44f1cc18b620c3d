package tui

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"
	"github.com/shopspring/decimal"

	"consultorio/store"
	"consultorio/tui/clinic"
	"consultorio/tui/kit"
)

// agMoveBudget is the most one cursor move in the agenda's day view may
// send (issue 16: "bytes sent per cursor move in the agenda ≤ 48 B").
const agMoveBudget = 48

// TestAgendaCursorMoveSendsOnlyTheMarker: a cursor move in the day view,
// between booked cells whose names fill them, sends at most agMoveBudget
// bytes through the renderer Bubble Tea uses (ultraviolet's, which writes
// only the cells that changed), and none of the names: only the marker
// cells are rewritten. Drawn in the colour sheet and in ASCII mode, moving
// down a column and across a row.
func TestAgendaCursorMoveSendsOnlyTheMarker(t *testing.T) {
	t.Parallel()
	f := newAgFixture(t)
	// Names longer than a cell (35 columns at 80×24 with two specialists).
	names := [][2]string{
		{"Maximiliano Alejandro", "Fernández Villanueva Quispe"},
		{"María Fernanda Guadalupe", "Huamán Castañeda de la Cruz"},
		{"Juan Bautista Eleuterio", "Rodríguez Santisteban Apaza"},
		{"Rosa Elvira Concepción", "Condori Mamani de Saavedra"},
	}
	var long []store.Patient
	for i, n := range names {
		p, err := f.tn.CreatePatient(f.ctx, f.actor, store.PatientInput{FirstName: n[0], Surname: n[1],
			BirthDate: time.Date(1980, 2, 1+i, 0, 0, 0, 0, time.UTC), CostSession: decimal.NewFromInt(80),
			Status: store.PatientActive})
		if err != nil {
			t.Fatal(err)
		}
		long = append(long, p)
	}
	// 09:00 and 10:00 for both specialists: the cursor starts on 09:00
	// (the fixture's clock says 09:30).
	for i, at := range [][2]int{{0, 9}, {0, 10}, {1, 9}, {1, 10}} {
		if _, err := f.tn.BookSession(f.ctx, f.actor, store.Booking{PatientID: long[i].ID,
			SpecialistID: f.specs[at[0]].ID, RoomID: f.rooms[at[0]].ID,
			Start: time.Date(2026, 12, 1, at[1], 0, 0, 0, f.lima), DurationMin: 60}); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		name     string
		ascii    bool
		key      tea.KeyPressMsg
		row      string // the time of the row the marker reaches
		from, to int    // its column before and after
	}{
		{"colour/down", false, tea.KeyPressMsg{Code: tea.KeyDown}, "10:00", 6, 6},
		{"colour/right", false, tea.KeyPressMsg{Code: tea.KeyRight}, "09:00", 6, 42},
		{"ascii/down", true, tea.KeyPressMsg{Code: tea.KeyDown}, "10:00", 6, 6},
		{"ascii/right", true, tea.KeyPressMsg{Code: tea.KeyRight}, "09:00", 6, 42},
	} {
		t.Run(c.name, func(t *testing.T) {
			marker := "›"
			if c.ascii {
				marker = ">"
			}
			before, after := agMoveFrames(t, f, c.ascii, c.key)
			sent := agRenderDiff(t, before, after)
			t.Logf("the move sent %d B: %q", len(sent), sent)
			if len(sent) == 0 || len(sent) > agMoveBudget {
				t.Errorf("the move sent %d B, want 1 to %d: %q", len(sent), agMoveBudget, sent)
			}
			for _, n := range names {
				if first, _, _ := strings.Cut(n[0], " "); strings.Contains(sent, first) {
					t.Errorf("the move rewrote a name (%s): %q", first, sent)
				}
			}
			// The marker is what moved, and it is the selection.
			if at := agMarkerAt(before, "09:00", marker); at != c.from {
				t.Errorf("before the move the marker is at column %d of 09:00, want %d:\n%s", at, c.from, ansi.Strip(before))
			}
			if at := agMarkerAt(after, c.row, marker); at != c.to {
				t.Errorf("after the move the marker is at column %d of %s, want %d:\n%s", at, c.row, c.to, ansi.Strip(after))
			}
		})
	}
}

// agMarkerAt is the column of the selection marker in the row of the day
// grid that starts with hhmm (-1: none), and checks the marker is drawn in
// reverse video.
func agMarkerAt(frame, hhmm, marker string) int {
	for _, line := range strings.Split(frame, "\n") {
		plain := ansi.Strip(line)
		if !strings.HasPrefix(plain, hhmm) {
			continue
		}
		if !strings.Contains(line, "\x1b[1;7m"+marker) {
			return -1
		}
		if i := strings.Index(plain, marker); i >= 0 {
			return ansi.StringWidth(plain[:i])
		}
	}
	return -1
}

// agMoveFrames draws the agenda's day of f at 80×24 before and after the
// key, as the frames the app writes (the page below the two lines of the
// shell's bar and tabs, in ASCII mode through kit.ASCIIFrame).
func agMoveFrames(t *testing.T, f *agFixture, ascii bool, k tea.KeyPressMsg) (string, string) {
	t.Helper()
	ctx := context.Background()
	a := newClinicApp(ctx, ClinicSession{Tenant: f.tn, User: f.admin, Width: 80, Height: 24, DarkBackground: true,
		ASCII: ascii}, f.tn, clinic.Screens())
	env := &kit.Env{Ctx: ctx, L: a.loc, M: a.loc.M, Clock: f.tn.DB(), Tenant: f.tn, User: f.admin, Actor: f.actor,
		ID: kit.ScreenAgenda, Host: host{a}}
	p := clinic.NewAgendaPage(env, nil)
	w, h := a.bodySize()
	p.Update(agWinSize(w, h))
	from, to := p.RangeOf(clinic.AgDayView, p.Day)
	loaded := clinic.LoadAgenda(ctx, env, p.Seq, clinic.AgDayView, p.Day, from, to, store.AgendaFilter{})
	if loaded.Err != nil {
		t.Fatal(loaded.Err)
	}
	p.Update(loaded)
	frame := func() string {
		s := " Consultorio · clinic-a\n[1 Agenda] 2 Sesiones\n" + p.View(w, h)
		if ascii {
			s = kit.ASCIIFrame(s)
		}
		return s
	}
	before := frame()
	p.Update(k)
	return before, frame()
}

// agRenderDiff is what the renderer writes to go from the frame before to
// the frame after: an ultraviolet TerminalRenderer set up as Bubble Tea's
// is in the alternate screen (as server/frames_test.go does).
func agRenderDiff(t *testing.T, before, after string) string {
	t.Helper()
	const w, h = 80, 24
	var out bytes.Buffer
	r := uv.NewTerminalRenderer(&out, []string{"TERM=xterm-256color"})
	// Without a profile the renderer writes no styles at all; an SSH
	// client's TERM=xterm-256color gets this one.
	r.SetColorProfile(colorprofile.ANSI256)
	r.SetFullscreen(true)
	r.SetRelativeCursor(false)
	r.SetScrollOptim(true)
	r.EnterAltScreen()
	for i, frame := range []string{before, after} {
		b := uv.NewScreenBuffer(w, h)
		uv.NewStyledString(frame).Draw(b, b.Bounds())
		if i == 1 {
			out.Reset()
		}
		r.Render(b.RenderBuffer)
		if err := r.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	return out.String()
}
