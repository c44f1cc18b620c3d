package cmd

import (
	"fmt"
	"strings"
	"testing"
)

// `sessions edit`: a clash exits 1 naming the session and the next free
// slots; a free change prints the edited session; no change asked, a bad
// value or an unknown session are usage (2) and failure (1).
func TestSessionsEditCommand(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.book("2026-12-01 10:00")
	var blocker SessionView
	f.okJSON(&blocker, f.desk, "sessions", "book", "--patient", id64(f.patB.ID), "--specialist", id64(f.specB.ID),
		"--room", id64(f.room2.ID), "--start", "2026-12-01 10:30")
	r := f.fails(1, "Se cruza con la sesión n.º "+id64(blocker.ID), f.desk, "sessions", "edit", id64(s.ID),
		"--specialist", id64(f.specB.ID))
	if want := "(libre: 01/12/2026 11:30"; !strings.Contains(r.err, want) {
		t.Errorf("edit clash without free slots %q: %q", want, r.err)
	}
	var got SessionView
	f.okJSON(&got, f.desk, "sessions", "edit", id64(s.ID), "--duration", "30")
	if got.ID != s.ID || got.EndsAt != "2026-12-01 10:30" || got.SpecialistID != f.specA.ID {
		t.Errorf("duration edit: %+v", got)
	}
	// Ends when Beto's session starts: Beto can take it now.
	f.okJSON(&got, f.desk, "sessions", "edit", id64(s.ID), "--specialist", id64(f.specB.ID))
	if got.SpecialistID != f.specB.ID || got.SpecialistName != "Beto Ríos" || got.StartsAt != "2026-12-01 10:00" {
		t.Errorf("specialist edit: %+v", got)
	}
	f.fails(2, "--specialist, --room", f.desk, "sessions", "edit", id64(s.ID))
	f.fails(2, "--duration", f.desk, "sessions", "edit", id64(s.ID), "--duration", "x")
	f.fails(1, "", f.desk, "sessions", "edit", "999999", "--duration", "30")
	// Ana no longer has it: she cannot hand it back.
	f.fails(1, "", f.drA, "sessions", "edit", id64(s.ID), "--specialist", id64(f.specA.ID))
}

// `sessions move --scope` and `sessions cancel --scope` over a weekly
// series; a move with one clashing date exits 1 and moves nothing.
func TestSessionsSeriesCommands(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var series []SessionView
	f.okJSON(&series, f.desk, "sessions", "book", "--patient", id64(f.patB.ID), "--specialist", id64(f.specB.ID),
		"--room", id64(f.room2.ID), "--start", "2026-12-01 10:00", "--weekly", "3")
	if len(series) != 3 || series[0].SeriesID == nil || *series[0].SeriesID != series[0].ID {
		t.Fatalf("series: %+v", series)
	}
	var moved []SessionView
	f.okJSON(&moved, f.desk, "sessions", "move", id64(series[1].ID), "--start", "2026-12-09 11:00", "--scope", "following")
	if len(moved) != 2 || moved[0].StartsAt != "2026-12-09 11:00" || moved[1].StartsAt != "2026-12-16 11:00" ||
		*moved[1].RescheduledFrom != series[2].ID {
		t.Fatalf("move following: %+v", moved)
	}
	f.fails(2, "--scope", f.desk, "sessions", "move", id64(series[0].ID), "--start", "2026-12-02 10:00", "--scope", "some")
	f.fails(2, "--start", f.desk, "sessions", "move", id64(series[0].ID))

	var blocker SessionView
	f.okJSON(&blocker, f.desk, "sessions", "book", "--patient", id64(f.patA.ID), "--specialist", id64(f.specB.ID),
		"--room", id64(f.room.ID), "--start", "2026-12-10 15:00")
	f.fails(1, "Se cruza con la sesión n.º "+id64(blocker.ID), f.desk, "sessions", "move", id64(series[0].ID),
		"--start", "2026-12-02 15:00", "--scope", "all")
	open := func() string {
		var list []SessionView
		f.okJSON(&list, f.desk, "sessions", "list", "--patient", id64(f.patB.ID), "--status", "unplanned")
		var starts []string
		for _, s := range list {
			starts = append(starts, s.StartsAt)
		}
		return fmt.Sprint(starts)
	}
	if got, want := open(), "[2026-12-01 10:00 2026-12-09 11:00 2026-12-16 11:00]"; got != want {
		t.Errorf("after a refused move: %s, want %s", got, want)
	}
	var cancelled []SessionView
	f.okJSON(&cancelled, f.desk, "sessions", "cancel", id64(moved[0].ID), "--reason", "clinic", "--scope", "all")
	if len(cancelled) != 3 || cancelled[0].ID != series[0].ID || cancelled[2].Status != "cancelled" {
		t.Errorf("cancel all: %+v", cancelled)
	}
	if got := open(); got != "[]" {
		t.Errorf("open after cancel all: %s", got)
	}
}

// Booking paid in advance says how (--method, --reference); cancelling it
// needs --prepaid: without it exit 1 naming the field, credit carries the
// payment to the next booking, refund records it.
func TestSessionsPrepaidCommands(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p := f.book("2026-12-03 10:00", "--method", "card", "--reference", "V-1")
	if !p.Paid || !p.PaidInAdvance || p.PaymentID == nil {
		t.Fatalf("prepaid by card: %+v", p)
	}
	log, err := f.tn.PaymentLog(f.ctx, f.admin.Actor(f.remote), p.ID)
	if err != nil || len(log) != 1 || log[0].Method != "card" || log[0].Reference != "V-1" {
		t.Fatalf("payment log %+v %v", log, err)
	}
	f.fails(1, "Pago adelantado (crédito, devolución o retener): es obligatorio", f.desk, "sessions", "cancel", id64(p.ID), "--reason", "patient")
	f.fails(2, "--prepaid", f.desk, "sessions", "cancel", id64(p.ID), "--reason", "patient", "--prepaid", "maybe")
	var got SessionView
	f.okJSON(&got, f.desk, "sessions", "cancel", id64(p.ID), "--reason", "patient", "--prepaid", "credit")
	if got.Status != "cancelled" {
		t.Fatalf("cancel as credit: %+v", got)
	}
	var credits []CreditView
	f.okJSON(&credits, f.desk, "patients", "credits", id64(f.patA.ID))
	if len(credits) != 1 || credits[0].FromSessionID != p.ID || credits[0].Amount != "80.00" || credits[0].UsedSessionID != nil {
		t.Fatalf("patients credits: %+v", credits)
	}
	f.fails(1, "", f.drA, "patients", "credits", id64(f.patA.ID))
	q := f.book("2026-12-10 10:00")
	f.okJSON(&credits, f.desk, "patients", "credits", id64(f.patA.ID))
	if len(credits) != 0 {
		t.Errorf("open credits after the next booking: %+v", credits)
	}
	if text := f.ok(f.desk, "patients", "credits", id64(f.patA.ID), "--all"); !strings.Contains(text, "#"+id64(q.ID)) {
		t.Errorf("patients credits --all:\n%s", text)
	}
	if !q.Paid || q.PaymentID == nil || *q.PaymentID != *p.PaymentID {
		t.Errorf("the credit did not pay the next session: %+v", q)
	}
	f.okJSON(&got, f.desk, "sessions", "cancel", id64(q.ID), "--reason", "therapist", "--prepaid", "refund")
	if got.Paid || got.Status != "cancelled" {
		t.Errorf("refunded: %+v", got)
	}
	log, _ = f.tn.PaymentLog(f.ctx, f.admin.Actor(f.remote), q.ID)
	if last := log[len(log)-1]; last.Action != "refunded" {
		t.Errorf("last payment log row: %+v", last)
	}
}

// `sessions list --patient` and `--room`.
func TestSessionsListFilterCommands(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a := f.book("2026-12-01 10:00")
	var b SessionView
	f.okJSON(&b, f.desk, "sessions", "book", "--patient", id64(f.patB.ID), "--specialist", id64(f.specB.ID),
		"--room", id64(f.room2.ID), "--start", "2026-12-01 10:00")
	for _, tc := range []struct {
		args []string
		want []int64
	}{
		{[]string{"--patient", id64(f.patA.ID)}, []int64{a.ID}},
		{[]string{"--patient", id64(f.patB.ID)}, []int64{b.ID}},
		{[]string{"--room", id64(f.room2.ID)}, []int64{b.ID}},
		{[]string{"--room", id64(f.room.ID), "--patient", id64(f.patB.ID)}, nil},
	} {
		var list []SessionView
		f.okJSON(&list, f.desk, append([]string{"sessions", "list"}, tc.args...)...)
		var ids []int64
		for _, s := range list {
			ids = append(ids, s.ID)
		}
		if fmt.Sprint(ids) != fmt.Sprint(tc.want) {
			t.Errorf("%v: %v, want %v", tc.args, ids, tc.want)
		}
	}
	f.fails(2, "--room", f.desk, "sessions", "list", "--room", "abc")
}
