package server

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"consultorio/mail"
	"consultorio/mail/mailtest"
	"consultorio/server/cmd"
	"consultorio/store"
	"consultorio/store/storetest"
)

// An operator creates a clinic over SSH (`ssh panel@host tenants create`);
// its admin receives, through the clinic's outbox and the server's e-mail
// job, the invitation with the setup code the command printed and the ssh
// line of this server: the host name it was configured with and the port
// it really bound (":0" here), not anything from the environment. The
// SMTP server wants STARTTLS and a login, as real ones do.
func TestFirstAdminInvitationOverSSH(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	ctx := context.Background()
	pit := mailtest.StartWith(t, mailtest.Options{STARTTLS: true, Users: map[string]string{"relay": "relay-pw-1"}})
	opKey, opLine := newKey(t)
	op, _, err := db.CreateOperator(ctx, store.CLI, "ops@example.com", "Ops", opLine)
	if err != nil {
		t.Fatal(err)
	}
	grantOperatorKey(t, db, op, opKey)
	srv := startServer(t, db, withConfig(func(c *Config) {
		c.ConnectHost = "consultorio.example.com"
		c.MailEvery = 100 * time.Millisecond
		c.Mail = mail.Config{Host: "127.0.0.1", Port: pit.SMTPPort, Security: mail.StartTLS, User: "relay",
			Password: "relay-pw-1", From: "no-reply@consultorio.example.com", Timeout: 10 * time.Second,
			RootCAs: pit.RootCAs}
	}))
	_, port, err := net.SplitHostPort(srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	panel := mustDial(t, srv.addr, "panel", keyAuth(opKey))
	var created cmd.CreatedTenant
	runJSON(t, panel, &created, "tenants create clinic-n --name 'Clínica Ñandú' --admin-email ines@n.test --admin-name 'Inés Ñáñez' --monthly-fee 90")
	if created.SetupCode == "" {
		t.Fatalf("tenants create = %+v", created)
	}

	var got []mailtest.Summary
	waitUntil(t, "the admin's invitation in Mailpit", func() bool {
		got = pit.To("ines@n.test")
		return len(got) > 0
	})
	m := pit.Message(got[0].ID)
	if m.Subject != "Su acceso a Clínica Ñandú" || m.From.Name != "Clínica Ñandú" {
		t.Errorf("subject %q from %+v", m.Subject, m.From)
	}
	line := "ssh -p " + port + " clinic-n@consultorio.example.com"
	for _, want := range []string{"Hola, Inés Ñáñez:", "administrador(a)", line, created.SetupCode} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("invitation lacks %q:\n%s", want, m.Text)
		}
	}
	// Sent once; the clinic's outbox shows it sent, its code erased.
	tn, err := db.Tenant(ctx, "clinic-n")
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the invitation recorded as sent", func() bool {
		items, err := tn.Outbox(ctx, store.System, 0)
		return err == nil && len(items) == 1 && items[0].State == store.MailSent &&
			!strings.Contains(string(items[0].Payload), created.SetupCode)
	})
	time.Sleep(300 * time.Millisecond) // three more runs of the job
	if n := len(pit.To("ines@n.test")); n != 1 {
		t.Errorf("the admin received %d invitations, want 1", n)
	}
}
