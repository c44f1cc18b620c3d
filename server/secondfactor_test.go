package server

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	gossh "golang.org/x/crypto/ssh"

	"consultorio/store"
	"consultorio/store/storetest"
)

// totpCodes gives a code of secret for each login: each one of a later
// time step than the last (a step is accepted once), starting one step
// back (the server accepts one step of drift either way).
type totpCodes struct {
	t      testing.TB
	secret string
	mu     sync.Mutex
	next   time.Time
}

func (c *totpCodes) code() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := time.Now().Add(-30 * time.Second); c.next.Before(now) {
		c.next = now
	}
	code, err := totp.GenerateCode(c.secret, c.next)
	if err != nil {
		c.t.Fatal(err)
	}
	c.next = c.next.Add(30 * time.Second)
	return code
}

// enrolOperator gives an operator an authenticator (as their first login
// would) and returns its codes.
func enrolOperator(t testing.TB, db *store.DB, op *store.Operator) *totpCodes {
	t.Helper()
	ctx := context.Background()
	en, err := db.OperatorSecondFactor(op, "").Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := &totpCodes{t: t, secret: en.Secret}
	if _, err := db.OperatorSecondFactor(op, "test").Confirm(ctx, c.code()); err != nil {
		t.Fatal(err)
	}
	return c
}

// grantOperatorKey lets an operator's key run panel commands, as an
// interactive login with the second factor does.
func grantOperatorKey(t testing.TB, db *store.DB, op *store.Operator, key gossh.Signer) {
	t.Helper()
	if err := db.OperatorSecondFactor(op, "").GrantCommands(context.Background(), gossh.FingerprintSHA256(key.PublicKey())); err != nil {
		t.Fatal(err)
	}
}

// A clinic with the policy "admins", over SSH: the admin's key alone gets
// the code prompt, not the agenda; with the code the agenda opens and the
// key may run commands; before that, a command is refused with a message
// in the clinic's language and exit 1. Reception is not bound.
func TestSecondFactorOverSSH(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	ctx := context.Background()
	a := newClinic(t, db, "clinic-a")
	key, line := newKey(t)
	a.addKey(t, a.admin.ID, line)
	if err := a.tn.SetSecondFactorPolicy(ctx, a.admin.Actor(""), store.SecondFactorAdmins); err != nil {
		t.Fatal(err)
	}
	en, err := a.tn.SecondFactor(a.admin, "").Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	codes := &totpCodes{t: t, secret: en.Secret}
	if _, err := a.tn.SecondFactor(a.admin, "test").Confirm(ctx, codes.code()); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, db)

	_, errOut, code := run(t, mustDial(t, srv.addr, "clinic-a", keyAuth(key)), "whoami")
	if code != 1 || !strings.Contains(errOut, "Esta clínica exige verificación en dos pasos") || !strings.Contains(errOut, "12 horas") {
		t.Fatalf("command before the second factor: exit %d, %q", code, errOut)
	}

	tm := openTerm(t, mustDial(t, srv.addr, "clinic-a", keyAuth(key)), 80, 24)
	tm.focused("Código de verificación")
	if scr := tm.screen(); strings.Contains(scr, "Agenda") {
		t.Fatalf("the agenda shows before the code:\n%s", scr)
	}
	tm.typeText("000000" + keyEnter)
	tm.waitFor("Código incorrecto o ya usado.")
	tm.focused("Código de verificación")
	tm.typeText(codes.code() + keyEnter)
	tm.waitFor("[1 Agenda]")

	if w := whoami(t, mustDial(t, srv.addr, "clinic-a", keyAuth(key))); w.Email != a.admin.Email {
		t.Fatalf("command after the second factor: %+v", w)
	}

	// Reception is not bound by "admins".
	desk, _, err := a.tn.CreateUser(ctx, store.System, store.NewUser{Email: "desk@clinic-a.test", Name: "Desk",
		Role: store.RoleReception})
	if err != nil {
		t.Fatal(err)
	}
	deskKey, deskLine := newKey(t)
	a.addKey(t, desk.ID, deskLine)
	if w := whoami(t, mustDial(t, srv.addr, "clinic-a", keyAuth(deskKey))); w.Email != "desk@clinic-a.test" {
		t.Fatalf("reception's command: %+v", w)
	}
}
