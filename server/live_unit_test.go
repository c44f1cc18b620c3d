package server

import (
	"testing"
	"time"

	"consultorio/store"
	"consultorio/tui"
)

// A burst of changes reaches the program as two messages: the first at
// once, the rest merged into one (no entity when they differ); a resync
// names no entity; after stop nothing more is sent.
func TestCoalesceChanges(t *testing.T) {
	t.Parallel()
	got := make(chan tui.ChangedMsg, 16)
	// A long interval: the burst below surely falls inside it.
	c := newChangeCoalescer(time.Second, func(m tui.ChangedMsg) { got <- m })
	recv := func() tui.ChangedMsg {
		t.Helper()
		select {
		case m := <-got:
			return m
		case <-time.After(5 * time.Second):
			t.Fatal("no message")
			return tui.ChangedMsg{}
		}
	}

	c.add(store.Change{Entity: "session", ID: 1})
	if m := recv(); m.Entity != "session" {
		t.Fatalf("first message %+v, want session", m)
	}
	for i := range 5 {
		c.add(store.Change{Entity: "session", ID: int64(i)})
	}
	c.add(store.Change{Entity: "payment", ID: 9})
	if m := recv(); m.Entity != "" {
		t.Fatalf("merged message %+v, want no entity", m)
	}
	c.add(store.Change{Entity: store.ChangeResync})
	if m := recv(); m.Entity != "" {
		t.Fatalf("resync gave %+v", m)
	}
	c.add(store.Change{Entity: "expense"})
	if m := recv(); m.Entity != "expense" {
		t.Fatalf("single change gave %+v", m)
	}
	select {
	case m := <-got:
		t.Fatalf("an extra message %+v", m)
	default:
	}
	// A change pending when the session ends is dropped, and so is one
	// after.
	c.add(store.Change{Entity: "session"})
	c.stop()
	c.add(store.Change{Entity: "payment"})
	select {
	case m := <-got:
		t.Fatalf("a message %+v after stop", m)
	case <-time.After(1500 * time.Millisecond):
	}
}
