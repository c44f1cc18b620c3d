package server

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"consultorio/store"
	"consultorio/store/storetest"
)

// TestUntilNextMinute: the server's minute tick is aligned to the whole
// minutes of the store's clock, and a timer firing a little early does not
// tick twice for one minute.
func TestUntilNextMinute(t *testing.T) {
	t.Parallel()
	clock := storetest.NewClock(time.Date(2026, 3, 2, 10, 0, 30, 0, time.UTC))
	steps := []struct {
		advance, want time.Duration
	}{
		{0, 30 * time.Second}, // 10:00:30 → 10:01
		{29*time.Second + 900*time.Millisecond, 60100 * time.Millisecond}, // 10:00:59.9 (early) → 10:02
		{100 * time.Millisecond, time.Minute},                             // 10:01:00 → 10:02
		{time.Millisecond, time.Minute - time.Millisecond},                // 10:01:00.001 → 10:02
	}
	for _, s := range steps {
		clock.Advance(s.advance)
		if got := untilNextMinute(clock.Now()); got != s.want {
			t.Errorf("at %s: next tick in %s, want %s", clock.Now().Format("15:04:05.000"), got, s.want)
		}
	}
}

// TestIdleSessionWaitsOnNothing: once its first screen is loaded, a terminal
// session has no TUI goroutine waiting (no ticker or timer of its own: its
// periodic work comes from the server's one minute tick) and sends nothing
// while nothing changes, however far the clock moves; the minute tick
// brings what did change (a new notification in the header's badge).
func TestIdleSessionWaitsOnNothing(t *testing.T) {
	// 10:00 in the clinic (America/Lima, UTC-5).
	clock := storetest.NewClock(time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC))
	db := storetest.NewDBWith(t, store.Options{Clock: clock})
	c := newClinic(t, db, "idle")
	key, line := newKey(t)
	c.addKey(t, c.admin.ID, line)
	srv := startServer(t, db)
	tm := openTerm(t, mustDial(t, srv.addr, "idle", keyAuth(key)), 80, 24)
	tm.waitFor("Administrador", "0 sin leer")

	before := settled(t, tm)

	clock.Advance(30 * time.Minute)
	time.Sleep(300 * time.Millisecond) // nine frame intervals at 30 FPS
	if after := tm.output(); after != before {
		t.Errorf("an idle session was sent %q", after[len(before):])
	}

	ctx := context.Background()
	due := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	if _, err := c.tn.CreateExpense(ctx, c.admin.Actor(""), store.ExpenseInput{Name: "Alquiler", Amount: decimal.NewFromInt(900), DueDate: &due}); err != nil {
		t.Fatal(err)
	}
	if created, _, err := c.tn.ScanNotifications(ctx, clock.Now()); err != nil || created == 0 {
		t.Fatalf("scan: %d created, %v", created, err)
	}
	srv.tickMinute()
	tm.waitFor("1 sin leer")
}

// settled waits until the session is at rest and returns what it was sent:
// no TUI goroutine at work, and the last frame (flushed at most a frame
// interval after the last change) has arrived.
func settled(t *testing.T, tm *term) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	before := ""
	for {
		busy := tuiGoroutines()
		out := tm.output()
		if busy == "" && out == before {
			return out
		}
		before = out
		if time.Now().After(deadline) {
			t.Fatalf("an idle session still has TUI goroutines waiting:\n%s", busy)
		}
		time.Sleep(200 * time.Millisecond) // six frame intervals at 30 FPS
	}
}

// TestIdleFormWaitsOnNothing: a session left on a form (here the login form,
// half an e-mail typed) waits on nothing and is sent nothing while nobody
// types. The forms' cursor is steady: a blinking one kept a timer running
// and the whole program updating and redrawing every 530 ms for as long as
// the form stayed open (third_party/PATCHES.md, huh).
func TestIdleFormWaitsOnNothing(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	newClinic(t, db, "idle")
	srv := startServer(t, db)
	tm := openTerm(t, mustDial(t, srv.addr, "idle", noKeyAuth()), 80, 24)
	tm.focused("Correo electrónico")
	tm.typeText("ana@")
	tm.waitFor("ana@")
	before := settled(t, tm)
	// Longer than two blinks of a blinking cursor.
	time.Sleep(1200 * time.Millisecond)
	if after := tm.output(); after != before {
		t.Errorf("an idle form was sent %q", after[len(before):])
	}
}

// tuiGoroutines returns the stacks of the goroutines running code of the
// tui package or of a Bubbles component (a cursor's blink or a spinner's
// tick waiting for its timer); "" if none.
func tuiGoroutines() string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "consultorio/tui.") || strings.Contains(g, "charm.land/bubbles/") {
			out = append(out, g)
		}
	}
	return strings.Join(out, "\n\n")
}
