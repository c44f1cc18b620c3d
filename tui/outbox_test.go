package tui

import (
	"context"
	"strings"
	"testing"

	"consultorio/store"
)

// TestOutboxPage (80x24): from the staff screen an admin opens the
// outgoing e-mail, sees the invitation that adding Rosa queued (kind,
// recipient, state in Spanish); x asks before queuing it again, which the
// store records (tries back to 0, state queued).
func TestOutboxPage(t *testing.T) {
	t.Parallel()
	tn, admin := admClinic(t)
	ctx := context.Background()
	admStaffUser(t, tn, "rosa@clinic-a.test", "Rosa Quispe", store.RoleReception)

	term := admStart(t, tn, admin, 80, 24, []string{"0"}, "Rosa Quispe")
	term.Key("m")
	admSettled(t, term, "Personal › Correo saliente", "Tipo", "Para", "Estado",
		"invitación", "rosa@clinic-a.test", "en cola")
	term.Key("?")
	term.WaitFor(t, "x reenviar", "r recargar", "esc volver")
	term.Key("?")
	// The only message is selected (its row starts with ›).
	term.Key("x")
	term.WaitFor(t, "¿Reenviar el correo")
	term.Key("left") // huh's confirm starts on "No"
	term.Key("enter")
	admSettled(t, term, "✓ Correo en cola otra vez.")
	items, err := tn.Outbox(ctx, store.System, 0)
	if err != nil {
		t.Fatal(err)
	}
	var resent int
	for _, o := range items {
		if o.Recipient == "rosa@clinic-a.test" {
			resent++
			if o.State != store.MailPending || o.Attempts != 0 {
				t.Errorf("after resend: %+v", o)
			}
		}
	}
	if resent != 1 {
		t.Fatalf("outbox = %+v", items)
	}
	a, err := tn.AuditLog(ctx, store.System, store.AuditFilter{Action: "mail.resend"})
	if err != nil || len(a) != 1 {
		t.Errorf("audit of the resend: %v, %v", a, err)
	}
	if strings.Contains(term.Screen(), "Error") {
		t.Errorf("screen shows an error:\n%s", term.Screen())
	}
}
