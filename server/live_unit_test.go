package server

import (
	"context"
	"testing"
	"time"

	"consultorio/store"
	"consultorio/tui"
)

// A burst of changes reaches the program as two messages: the first at
// once, the rest merged into one (no entity when they differ); a resync
// names no entity; a closed channel ends the forwarding.
func TestCoalesceChanges(t *testing.T) {
	t.Parallel()
	ch := make(chan store.Change, 16)
	got := make(chan tui.ChangedMsg, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		// A long interval: the burst below surely falls inside it.
		coalesceChanges(context.Background(), ch, time.Second, func(m tui.ChangedMsg) { got <- m })
	}()
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

	ch <- store.Change{Entity: "session", ID: 1}
	if m := recv(); m.Entity != "session" {
		t.Fatalf("first message %+v, want session", m)
	}
	for i := range 5 {
		ch <- store.Change{Entity: "session", ID: int64(i)}
	}
	ch <- store.Change{Entity: "payment", ID: 9}
	if m := recv(); m.Entity != "" {
		t.Fatalf("merged message %+v, want no entity", m)
	}
	ch <- store.Change{Entity: store.ChangeResync}
	if m := recv(); m.Entity != "" {
		t.Fatalf("resync gave %+v", m)
	}
	ch <- store.Change{Entity: "expense"}
	if m := recv(); m.Entity != "expense" {
		t.Fatalf("single change gave %+v", m)
	}
	select {
	case m := <-got:
		t.Fatalf("an extra message %+v", m)
	default:
	}
	close(ch)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("forwarding did not end when the channel closed")
	}
}
