package cmd

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

func TestOutboxCommands(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// The fixture's three staff users were invited: three messages wait
	// (no SMTP server in this test).
	var list []OutboxView
	if err := json.Unmarshal([]byte(f.ok(f.admin, "outbox", "list", "--json")), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 {
		t.Fatalf("outbox list = %+v", list)
	}
	for _, v := range list {
		if v.Kind != "invitation" || v.State != "pending" || v.NextAttemptAt == nil {
			t.Errorf("outbox item %+v", v)
		}
	}
	text := f.ok(f.desk, "outbox", "list")
	if !strings.Contains(text, "ana@clinic-a.test") || !strings.Contains(text, "invitación") || !strings.Contains(text, "en cola") {
		t.Errorf("outbox list as reception:\n%s", text)
	}
	f.fails(1, "Su rol no permite", f.drA, "outbox", "list")
	f.fails(2, "", f.admin, "outbox", "resend", "x")
	f.fails(1, "", f.admin, "outbox", "resend", "999")
	out := f.ok(f.desk, "outbox", "resend", strconv.FormatInt(list[0].ID, 10))
	if !strings.Contains(out, "puesto de nuevo en cola") {
		t.Errorf("resend: %q", out)
	}

	if out := f.ok(f.admin, "outbox", "settings"); !strings.Contains(out, "correo a pacientes:") || !strings.Contains(out, "horas del recordatorio: 24") {
		t.Errorf("settings: %q", out)
	}
	f.fails(1, "Su rol no permite", f.desk, "outbox", "settings", "--patient-mail")
	f.fails(1, "Horas antes del recordatorio: debe estar entre 1 y 168", f.admin, "outbox", "settings", "--reminder-hours", "500")
	var ms struct {
		PatientMail   bool   `json:"patient_mail"`
		ReminderHours int    `json:"reminder_hours"`
		FromName      string `json:"from_name"`
	}
	if err := json.Unmarshal([]byte(f.ok(f.admin, "outbox", "settings", "--patient-mail", "--reminder-hours", "48",
		"--from-name", "Clínica A", "--json")), &ms); err != nil {
		t.Fatal(err)
	}
	if !ms.PatientMail || ms.ReminderHours != 48 || ms.FromName != "Clínica A" {
		t.Errorf("settings after update: %+v", ms)
	}

	pid := strconv.FormatInt(f.patA.ID, 10)
	if out := f.ok(f.desk, "patients", "mail", pid, "--opt-out", "--lang", "en"); !strings.Contains(out, "sin correos: sí") {
		t.Errorf("patients mail: %q", out)
	}
	f.fails(1, "", f.desk, "patients", "mail", pid, "--lang", "fr")
}
