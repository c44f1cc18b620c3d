package tui

import (
	"context"
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/shopspring/decimal"

	"consultorio/store"
	"consultorio/tui/clinic"
	"consultorio/tui/i18n"
	"consultorio/tui/kit"
)

// BenchmarkAgendaDay500: the agenda's day view of a day with 500 sessions
// (4 specialists × 125 sessions of 5 minutes, 4 rooms): "load" is the
// screen's database work (settings, specialists, rooms, store.Agenda),
// "render" is applying the result and drawing the view at 80x24 and at
// 200x60, "load+render" both.
//
//	go test ./tui/ -run '^$' -bench AgendaDay500 -benchtime 200x
func BenchmarkAgendaDay500(b *testing.B) {
	f := newAgFixture(b)
	for i := 2; i < 4; i++ {
		s, err := f.tn.CreateSpecialist(f.ctx, f.actor, store.SpecialistInput{FirstName: "Esp", LastName: fmt.Sprint(i),
			Document: fmt.Sprintf("5000000%d", i), CompType: store.CompFixed, CompValue: decimal.NewFromInt(1000)})
		if err != nil {
			b.Fatal(err)
		}
		f.specs = append(f.specs, s)
		r, err := f.tn.CreateRoom(f.ctx, f.actor, store.RoomInput{Name: fmt.Sprintf("Sala %d", i+1), Capacity: 1})
		if err != nil {
			b.Fatal(err)
		}
		f.rooms = append(f.rooms, r)
	}
	day := time.Date(2026, 12, 1, 8, 0, 0, 0, f.lima)
	for sp := 0; sp < 4; sp++ {
		// 125 sessions each, booked in series of up to 60 dates.
		for start := 0; start < 125; start += 60 {
			var extra []time.Time
			for k := start + 1; k < min(start+60, 125); k++ {
				extra = append(extra, day.Add(time.Duration(k*5)*time.Minute))
			}
			if _, err := f.tn.BookSession(f.ctx, f.actor, store.Booking{PatientID: f.patients[sp%3].ID,
				SpecialistID: f.specs[sp].ID, RoomID: f.rooms[sp].ID, Start: day.Add(time.Duration(start*5) * time.Minute),
				DurationMin: 5, Repeat: store.Repeat{ExtraDates: extra}}); err != nil {
				b.Fatal(err)
			}
		}
	}
	ctx := context.Background()
	a := newClinicApp(ctx, ClinicSession{Tenant: f.tn, User: f.admin, Width: 80, Height: 24}, f.tn, clinic.Screens())
	l := i18n.NewLocale(i18n.ES, "PEN", f.lima)
	env := &kit.Env{Ctx: ctx, L: l, M: l.M, Tenant: f.tn, User: f.admin, Actor: f.actor, ID: kit.ScreenAgenda, Host: host{a}}
	p := clinic.NewAgendaPage(env, nil)
	from, to := p.RangeOf(clinic.AgDayView, p.Day)
	load := func() clinic.AgendaLoaded {
		out := clinic.LoadAgenda(ctx, env, p.Seq, clinic.AgDayView, p.Day, from, to, store.AgendaFilter{})
		if out.Err != nil {
			b.Fatal(out.Err)
		}
		if len(out.Sessions) != 500 {
			b.Fatalf("%d sessions, want 500", len(out.Sessions))
		}
		return out
	}
	render := func(msg clinic.AgendaLoaded, w, h int) {
		p.Update(agWinSize(w, h))
		p.Update(msg)
		if v := p.View(w, h); len(v) == 0 {
			b.Fatal("empty view")
		}
	}
	msg := load()
	b.Run("load", func(b *testing.B) {
		for b.Loop() {
			load()
		}
	})
	b.Run("render80x24", func(b *testing.B) {
		for b.Loop() {
			render(msg, 80, 20)
		}
	})
	b.Run("render200x60", func(b *testing.B) {
		for b.Loop() {
			render(msg, 200, 56)
		}
	})
	b.Run("load+render80x24", func(b *testing.B) {
		for b.Loop() {
			render(load(), 80, 20)
		}
	})
}

func agWinSize(w, h int) tea.WindowSizeMsg { return tea.WindowSizeMsg{Width: w, Height: h} }
