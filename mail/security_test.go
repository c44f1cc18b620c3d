package mail_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"consultorio/mail"
	"consultorio/mail/mailtest"
	"consultorio/store"
	"consultorio/store/storetest"
)

// The installation's SMTP server as real ones are set up: a certificate
// (made by the test, trusted through Config.RootCAs, never by skipping
// verification) and SMTP AUTH required. A message arrives over STARTTLS and
// over implicit TLS with the right login; a wrong password, a missing login
// and an untrusted certificate leave it retrying with a stable reason the
// doors word (never the server's text).
func TestSMTPSecurityAndLogin(t *testing.T) {
	t.Parallel()
	users := map[string]string{"consultorio": "s3cret-Passw0rd"}
	for _, tc := range []struct {
		name     string
		pit      mailtest.Options
		security mail.Security
		user     string
		password string
		trust    bool   // give the sender the test's certificate
		reason   string // "" = delivered
	}{
		{name: "starttls", pit: mailtest.Options{STARTTLS: true, Users: users}, security: mail.StartTLS,
			user: "consultorio", password: "s3cret-Passw0rd", trust: true},
		{name: "tls", pit: mailtest.Options{TLS: true, Users: users}, security: mail.TLS,
			user: "consultorio", password: "s3cret-Passw0rd", trust: true},
		{name: "wrongpw", pit: mailtest.Options{STARTTLS: true, Users: users}, security: mail.StartTLS,
			user: "consultorio", password: "wrong", trust: true, reason: store.MailAuthFailed},
		{name: "tlswrongpw", pit: mailtest.Options{TLS: true, Users: users}, security: mail.TLS,
			user: "consultorio", password: "wrong", trust: true, reason: store.MailAuthFailed},
		{name: "nologin", pit: mailtest.Options{STARTTLS: true, Users: users}, security: mail.StartTLS,
			trust: true, reason: store.MailAuthFailed},
		{name: "untrusted", pit: mailtest.Options{STARTTLS: true, Users: users}, security: mail.StartTLS,
			user: "consultorio", password: "s3cret-Passw0rd", reason: store.MailTLSFailed},
		{name: "tlsuntrusted", pit: mailtest.Options{TLS: true, Users: users}, security: mail.TLS,
			user: "consultorio", password: "s3cret-Passw0rd", reason: store.MailTLSFailed},
		// A server that requires STARTTLS is not talked to in the clear.
		{name: "plainrefused", pit: mailtest.Options{STARTTLS: true, Users: users}, security: mail.NoTLS,
			user: "consultorio", password: "s3cret-Passw0rd", trust: true, reason: store.MailAuthFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := storetest.NewClock(t0)
			db := storetest.NewDBWith(t, store.Options{Clock: clock})
			tn, _ := storetest.NewTenant(t, db, "smtp"+tc.name)
			pit := mailtest.StartWith(t, tc.pit)
			cfg := mail.Config{Host: "127.0.0.1", Port: pit.SMTPPort, Security: tc.security, User: tc.user,
				Password: tc.password, From: "no-reply@consultorio.test", Timeout: 10 * time.Second}
			if tc.trust {
				cfg.RootCAs = pit.RootCAs
			}
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			logs := &strings.Builder{}
			sender := mail.NewSender(cfg, db, connectLine, slog.New(slog.NewTextHandler(logs, nil)))
			ctx := context.Background()
			to := "eva@clinic.test"
			if _, _, err := tn.CreateUser(ctx, store.System, store.NewUser{Email: to, Name: "Eva Muñoz",
				Role: store.RoleReception}); err != nil {
				t.Fatal(err)
			}
			r, err := sender.SendTenant(ctx, tn)
			if err != nil {
				t.Fatal(err)
			}
			items, err := tn.Outbox(ctx, store.System, 0)
			if err != nil || len(items) != 1 {
				t.Fatalf("outbox = %+v, %v", items, err)
			}
			it := items[0]
			got := pit.To(to)
			if tc.reason == "" {
				if r.Sent != 1 || it.State != store.MailSent || len(got) != 1 {
					t.Fatalf("send = %+v, outbox %+v, mailpit holds %d; log:\n%s", r, it, len(got), logs)
				}
				if m := pit.Message(got[0].ID); !strings.Contains(m.Text, "Eva Muñoz") {
					t.Errorf("body: %q", m.Text)
				}
				return
			}
			if r.Failed != 1 || len(got) != 0 {
				t.Fatalf("send = %+v, mailpit holds %d", r, len(got))
			}
			if it.State != store.MailRetrying || it.LastError != tc.reason || it.Attempts != 1 {
				t.Fatalf("outbox after the failure = %+v (want retrying, %s); log:\n%s", it, tc.reason, logs)
			}
			// The reason is one of the stable values the doors word; the
			// server's own text stays in the log.
			if !strings.Contains(logs.String(), "mail not sent") {
				t.Errorf("the failure was not logged:\n%s", logs)
			}
		})
	}
}
