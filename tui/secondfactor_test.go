package tui

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"consultorio/store"
	"consultorio/tui/tuitest"
)

var (
	secretOnScreen   = regexp.MustCompile(`\b[A-Z2-7]{32}\b`)
	recoveryOnScreen = regexp.MustCompile(`\b[A-Z2-9]{5}-[A-Z2-9]{5}\b`)
)

// enrol goes through the enrolment steps on screen: reads the key under
// the QR code, types the first code for time now, and confirms the
// recovery codes, which it returns.
func enrol(t *testing.T, term *tuitest.Term, now time.Time) []string {
	t.Helper()
	s := term.WaitFor(t, "Active la verificación en dos pasos", "Clave:", "█", "Primer código de la aplicación")
	secret := secretOnScreen.FindString(s)
	if secret == "" {
		t.Fatalf("no key on the enrolment screen:\n%s", s)
	}
	if n := strings.Count(s, "\n"); n > 24 {
		t.Fatalf("enrolment screen has %d lines", n)
	}
	focused(t, term, "Primer código de la aplicación")
	term.Type("000000")
	term.Key("enter")
	term.WaitFor(t, "Código incorrecto o ya usado.")
	focused(t, term, "Primer código de la aplicación")
	c, err := totp.GenerateCode(secret, now)
	if err != nil {
		t.Fatal(err)
	}
	term.Type(c)
	term.Key("enter")
	s = term.WaitFor(t, "Códigos de recuperación", "Los he guardado")
	codes := recoveryOnScreen.FindAllString(s, -1)
	if len(codes) != store.RecoveryCodes {
		t.Fatalf("%d recovery codes on screen:\n%s", len(codes), s)
	}
	term.Key("enter")
	return codes
}

// A clinic whose policy is "admins": an admin identified by key cannot
// reach the shell without a code; a wrong code is refused, the right one
// lets them in and lets the key run commands; recovery codes work once.
func TestSecondFactorAdminKeyLogin(t *testing.T) {
	t.Parallel()
	tn, prov, clk := clinicWithAdmin(t, true)
	ctx := context.Background()
	u, err := tn.UserByEmail(ctx, store.System, prov.Tenant.AdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	if err := tn.SetSecondFactorPolicy(ctx, u.Actor(""), store.SecondFactorAdmins); err != nil {
		t.Fatal(err)
	}
	line, fp := newKey(t, "laptop")
	start := func() *tuitest.Term {
		m := NewClinicApp(ctx, ClinicSession{Tenant: tn, User: u, RemoteAddr: "198.51.100.4:40000",
			KeyFingerprint: fp, SecondFactor: true, Width: 80, Height: 24})
		return tuitest.Start(t, m, 80, 24)
	}
	_ = line

	// Not enrolled yet: the login enrols.
	term := start()
	codes := enrol(t, term, clk.Now())
	term.WaitFor(t, "[1 Agenda]", "Verificación en dos pasos activada.")
	if ok, err := tn.SecondFactor(u, "").MayRunCommands(ctx, "ssh-ed25519", fp); err != nil || !ok {
		t.Fatalf("key not granted commands after enrolment: %v %v", ok, err)
	}

	// Enrolled: a code is asked; the shell is not reachable without it.
	clk.Advance(time.Minute)
	term = start()
	focused(t, term, "Código de verificación")
	s := term.WaitFor(t, "Verificación en dos pasos")
	if strings.Contains(s, "Agenda") {
		t.Fatalf("the shell shows before the code:\n%s", s)
	}
	term.Key("esc") // no way around the form
	focused(t, term, "Código de verificación")
	term.Type("123456")
	term.Key("enter")
	term.WaitFor(t, "Código incorrecto o ya usado.")
	focused(t, term, "Código de verificación")
	term.Type(codes[0])
	term.Key("enter")
	term.WaitFor(t, "[1 Agenda]")

	// The same recovery code a second time is refused.
	term = start()
	focused(t, term, "Código de verificación")
	term.Type(codes[0])
	term.Key("enter")
	term.WaitFor(t, "Código incorrecto o ya usado.")
}
