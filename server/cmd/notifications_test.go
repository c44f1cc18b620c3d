package cmd

import (
	"testing"
)

func TestNotifications(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.book("2026-11-21 10:00") // tomorrow
	if _, _, err := f.tn.ScanNotifications(f.ctx, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	var list []NotificationView
	f.okJSON(&list, f.desk, "notifications")
	if len(list) != 1 || list[0].Type != "session_tomorrow" || list[0].SessionID == nil || *list[0].SessionID != s.ID ||
		list[0].Read || list[0].Title == "" {
		t.Fatalf("reception's notifications = %+v", list)
	}
	// The session's specialist sees it, and that the desk booked it; the
	// other specialist sees neither.
	f.okJSON(&list, f.drA, "notifications")
	if len(list) != 2 || list[0].Type != "session_booked" && list[1].Type != "session_booked" {
		t.Errorf("specialist A's notifications = %+v", list)
	}
	f.okJSON(&list, f.drB, "notifications")
	if len(list) != 0 {
		t.Errorf("specialist B's notifications = %+v", list)
	}
	// Read state is per user.
	var marked map[string]int
	f.okJSON(&marked, f.desk, "notifications", "read", "--all")
	if marked["marked_read"] != 1 {
		t.Errorf("read --all = %v", marked)
	}
	f.okJSON(&list, f.desk, "notifications")
	if len(list) != 0 {
		t.Errorf("after read --all: %+v", list)
	}
	f.okJSON(&list, f.desk, "notifications", "--all")
	if len(list) != 1 || !list[0].Read {
		t.Errorf("--all after reading: %+v", list)
	}
	f.okJSON(&list, f.admin, "notifications")
	if len(list) != 1 {
		t.Fatalf("the admin's stays unread: %+v", list)
	}
	f.ok(f.admin, "notifications", "read", id64(list[0].ID))
	f.okJSON(&list, f.admin, "notifications")
	if len(list) != 0 {
		t.Errorf("after read ID: %+v", list)
	}
	f.fails(1, "No se encontró: aviso 99999.", f.drB, "notifications", "read", "99999")
	// Cancelling the session resolves it (and the booked notice) for
	// everyone; its specialist is told of the cancellation.
	f.ok(f.desk, "sessions", "cancel", id64(s.ID), "--reason", "clinic")
	f.okJSON(&list, f.drA, "notifications", "--all")
	if len(list) != 1 || list[0].Type != "session_cancelled" {
		t.Errorf("after cancelling: %+v", list)
	}
}
