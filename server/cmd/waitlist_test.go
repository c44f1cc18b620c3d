package cmd

import (
	"encoding/json"
	"strings"
	"testing"
)

// Event notifications through the scripted commands: listed unread first
// with their words in the user's language and their link as data, marked
// read one by one or all at once.
func TestNotificationsListEvents(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.book("2026-11-23 10:00") // the desk books on specialist A's agenda
	var list []NotificationView
	f.okJSON(&list, f.drA, "notifications", "list")
	if len(list) != 1 {
		t.Fatalf("specialist A: %+v", list)
	}
	n := list[0]
	if n.Type != "session_booked" || n.Link.Kind != "session" || n.Link.ID != s.ID || n.Data.Patient != "Lucía Mendoza" ||
		n.Data.StartsAt == nil || *n.Data.StartsAt != "2026-11-23 10:00" || n.Data.By != "Rosa Recepción" ||
		n.Title != "Nueva sesión: Lucía Mendoza" || !strings.Contains(n.Message, "23/11/2026 10:00") || n.Read {
		t.Fatalf("booked notice: %+v", n)
	}
	// Stable English keys, whatever the language.
	raw := f.ok(f.drA, "notifications", "list", "--json")
	var objs []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &objs); err != nil || len(objs) != 1 {
		t.Fatalf("json: %v %s", err, raw)
	}
	for _, k := range []string{"id", "type", "title", "message", "link", "data", "read", "waitlist_id", "about_user_id"} {
		if _, ok := objs[0][k]; !ok {
			t.Errorf("key %q missing: %s", k, raw)
		}
	}
	if out := f.ok(f.drA, "notifications"); !strings.Contains(out, "Nueva sesión: Lucía Mendoza") || !strings.Contains(out, "session "+id64(s.ID)) {
		t.Errorf("text list: %q", out)
	}
	f.okJSON(&list, f.drB, "notifications", "list")
	if len(list) != 0 {
		t.Fatalf("specialist B: %+v", list)
	}
	if out := f.ok(f.drA, "notifications", "read", id64(n.ID)); !strings.Contains(out, "marcada como leída") {
		t.Errorf("read: %q", out)
	}
	f.okJSON(&list, f.drA, "notifications", "list", "--all")
	if len(list) != 1 || !list[0].Read {
		t.Fatalf("after read: %+v", list)
	}
	f.fails(2, "--all", f.drA, "notifications", "read")
	f.fails(2, "--all", f.drA, "notifications", "read", "1", "--all")
}

func TestWaitlistCommands(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.book("2026-11-23 10:00") // Lucía with specialist A
	var e WaitlistView
	f.okJSON(&e, f.desk, "waitlist", "add", "--patient", id64(f.patB.ID), "--specialist", id64(f.specA.ID),
		"--from", "2026-11-23 08:00", "--until", "2026-11-23 20:00", "--note", "mañanas")
	if e.ID == 0 || e.PatientID != f.patB.ID || e.SpecialistID == nil || *e.SpecialistID != f.specA.ID ||
		e.From != "2026-11-23 08:00" || e.Note != "mañanas" {
		t.Fatalf("added: %+v", e)
	}
	var list []WaitlistView
	f.okJSON(&list, f.admin, "waitlist", "list")
	if len(list) != 1 || list[0].ID != e.ID {
		t.Fatalf("list: %+v", list)
	}
	if out := f.ok(f.desk, "waitlist", "list"); !strings.Contains(out, "Mario Quispe") {
		t.Errorf("text list: %q", out)
	}
	f.fails(1, "Su rol no permite", f.drA, "waitlist", "list")
	f.fails(2, "--from", f.desk, "waitlist", "add", "--patient", id64(f.patB.ID), "--until", "2026-11-23 20:00")
	f.fails(1, "Fin: debe ser posterior al inicio", f.desk, "waitlist", "add", "--patient", id64(f.patB.ID), "--from", "2026-11-23 20:00", "--until", "2026-11-23 08:00")

	// Lucía's session is cancelled: the desk is told the slot fits Mario.
	f.ok(f.drA, "sessions", "cancel", id64(s.ID), "--reason", "patient")
	var notes []NotificationView
	f.okJSON(&notes, f.desk, "notifications", "list")
	var freed *NotificationView
	for i := range notes {
		if notes[i].Type == "slot_freed" {
			freed = &notes[i]
		}
	}
	if freed == nil || freed.WaitlistID == nil || *freed.WaitlistID != e.ID || freed.Link.Kind != "waitlist" ||
		freed.SessionID == nil || *freed.SessionID != s.ID || freed.Data.StartsAt == nil || *freed.Data.StartsAt != "2026-11-23 10:00" {
		t.Fatalf("desk's notices: %+v", notes)
	}

	// Another patient books that slot first; booking Mario into it is
	// refused with the clash (exit 1), and his entry keeps waiting.
	other := f.patient("Nora", "Salas", f.specA.ID, "")
	var taken SessionView
	f.okJSON(&taken, f.desk, "sessions", "book", "--patient", id64(other.ID), "--specialist", id64(f.specA.ID),
		"--room", id64(f.room.ID), "--start", "2026-11-23 10:00")
	f.fails(1, "n.º "+id64(taken.ID), f.desk, "waitlist", "book", id64(e.ID), "--session", id64(s.ID))
	f.okJSON(&list, f.desk, "waitlist", "list")
	if len(list) != 1 {
		t.Fatalf("entry gone after a refused booking: %+v", list)
	}
	// Into a free slot given explicitly: booked in one step, entry gone.
	var booked SessionView
	f.okJSON(&booked, f.desk, "waitlist", "book", id64(e.ID), "--specialist", id64(f.specA.ID), "--room", id64(f.room.ID),
		"--start", "2026-11-23 15:00")
	if booked.PatientID != f.patB.ID || booked.StartsAt != "2026-11-23 15:00" {
		t.Fatalf("booked: %+v", booked)
	}
	f.okJSON(&list, f.desk, "waitlist", "list")
	if len(list) != 0 {
		t.Fatalf("after booking: %+v", list)
	}
	f.fails(1, "No se encontró", f.desk, "waitlist", "book", id64(e.ID), "--session", id64(s.ID))
	f.fails(2, "no ambos", f.desk, "waitlist", "book", id64(e.ID), "--session", id64(s.ID), "--room", id64(f.room.ID))
	f.fails(2, "--specialist", f.desk, "waitlist", "book", id64(e.ID))

	// remove
	f.okJSON(&e, f.desk, "waitlist", "add", "--patient", id64(f.patB.ID), "--from", "2026-11-24 08:00", "--until", "2026-11-24 20:00")
	if out := f.ok(f.desk, "waitlist", "remove", id64(e.ID)); !strings.Contains(out, id64(e.ID)) {
		t.Errorf("remove: %q", out)
	}
	f.fails(1, "No se encontró", f.desk, "waitlist", "remove", id64(e.ID))
}

func TestSettingsOverdueDays(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var s struct {
		PaymentOverdueDays int `json:"payment_overdue_days"`
	}
	f.okJSON(&s, f.admin, "settings", "update", "--overdue-days", "10")
	if s.PaymentOverdueDays != 10 {
		t.Fatalf("set: %+v", s)
	}
	f.okJSON(&s, f.admin, "settings", "update", "--duration", "50")
	if s.PaymentOverdueDays != 10 {
		t.Fatalf("kept: %+v", s)
	}
	f.fails(1, "Días para pago vencido: debe estar entre 1 y 90", f.admin, "settings", "update", "--overdue-days", "91")
	f.fails(2, "overdue-days", f.admin, "settings", "update", "--overdue-days", "0")
	f.fails(1, "Su rol no permite", f.desk, "settings", "update", "--overdue-days", "5")
}
