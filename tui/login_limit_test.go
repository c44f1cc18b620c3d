package tui

import (
	"context"
	"errors"
	"sync"
	"testing"

	"consultorio/tui/tuitest"
)

// fakeLimiter refuses once max failures were counted.
type fakeLimiter struct {
	mu       sync.Mutex
	max      int
	failures int
	allows   int
}

func (f *fakeLimiter) Allow() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.allows++
	if f.failures >= f.max {
		return errors.New("blocked")
	}
	return nil
}

func (f *fakeLimiter) Failed() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures++
}

func (f *fakeLimiter) counts() (allows, failures int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.allows, f.failures
}

// TestLoginLimiter: every attempt asks the limiter first and a wrong
// password is reported to it; once it refuses, even the right password is
// refused with the address message, and OnLogin hears nothing until a
// login succeeds.
func TestLoginLimiter(t *testing.T) {
	t.Parallel()
	tn, prov, _ := clinicWithAdmin(t, true)
	lim := &fakeLimiter{max: 1}
	var mu sync.Mutex
	var logins []string
	m := NewClinicApp(context.Background(), ClinicSession{Tenant: tn, RemoteAddr: "198.51.100.4:40000", Width: 80, Height: 24,
		Limiter: lim, OnLogin: func(email string) { mu.Lock(); logins = append(logins, email); mu.Unlock() }})
	term := tuitest.Start(t, m, 80, 24)
	term.WaitFor(t, "Ingresar a Clínica clinic-a", "Correo electrónico")

	typePasswordLogin(t, term, prov.Tenant.AdminEmail, "no es la clave")
	term.WaitFor(t, "✗ Correo o contraseña incorrectos.")
	if a, f := lim.counts(); a != 1 || f != 1 {
		t.Fatalf("after a wrong password: %d allows, %d failures; want 1, 1", a, f)
	}
	focused(t, term, "Contraseña")
	term.Type(goodPassword)
	term.Key("enter")
	term.WaitFor(t, "✗ Demasiados intentos fallidos desde su dirección")
	if a, f := lim.counts(); a != 2 || f != 1 {
		t.Fatalf("after the refusal: %d allows, %d failures; want 2, 1", a, f)
	}
	mu.Lock()
	if len(logins) != 0 {
		t.Fatalf("OnLogin called for a refused attempt: %q", logins)
	}
	mu.Unlock()

	// The address's window passes: the right password logs in.
	lim.mu.Lock()
	lim.failures = 0
	lim.mu.Unlock()
	focused(t, term, "Contraseña")
	term.Type(goodPassword)
	term.Key("enter")
	term.WaitFor(t, "[1 Agenda]", "Admin clinic-a")
	mu.Lock()
	defer mu.Unlock()
	if len(logins) != 1 || logins[0] != prov.Tenant.AdminEmail {
		t.Fatalf("OnLogin heard %q, want the admin's e-mail", logins)
	}
}
