package cmd

import (
	"errors"
	"strings"
	"testing"

	"consultorio/store"
)

// The staff screen's actions as commands: deactivate / activate / unlock /
// setup-code, and a user's keys added with --key and removed by fingerprint
// or by number.
func TestStaffActivationAndUnlock(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const password = "una clave larga"
	if err := f.tn.SetPassword(f.ctx, f.drA.ID, password); err != nil {
		t.Fatal(err)
	}

	var u UserView
	f.okJSON(&u, f.admin, "staff", "deactivate", f.drA.Email)
	if u.Active || u.Email != f.drA.Email {
		t.Errorf("deactivate = %+v", u)
	}
	if _, err := f.tn.LoginPassword(f.ctx, f.drA.Email, password, f.remote); err == nil {
		t.Errorf("a deactivated user logged in")
	}
	f.okJSON(&u, f.admin, "staff", "activate", id64(f.drA.ID)) // by id too
	if !u.Active {
		t.Errorf("activate = %+v", u)
	}
	f.fails(1, "Su rol no permite esta acción.", f.desk, "staff", "deactivate", f.drA.Email)
	f.fails(1, "No se encontró: usuario nadie@clinic-a.test.", f.admin, "staff", "activate", "nadie@clinic-a.test")
	f.fails(2, "faltan argumentos", f.admin, "staff", "deactivate")

	// Lock Ana out with wrong passwords; unlock lets the right one in at
	// once, without touching it.
	for range store.MaxFailedLogins {
		if _, err := f.tn.LoginPassword(f.ctx, f.drA.Email, "equivocada-123", f.remote); err == nil {
			t.Fatal("a wrong password logged in")
		}
	}
	// Locked: even the right password gets the answer a wrong one gets
	// (issue 12, F8).
	if _, err := f.tn.LoginPassword(f.ctx, f.drA.Email, password, f.remote); !errors.Is(err, store.ErrBadCredentials) {
		t.Fatalf("after %d failures: %v, want refused as a wrong password", store.MaxFailedLogins, err)
	}
	f.fails(1, "Su rol no permite esta acción.", f.desk, "staff", "unlock", f.drA.Email)
	if out := f.ok(f.admin, "staff", "unlock", f.drA.Email); !strings.Contains(out, f.drA.Email) {
		t.Errorf("unlock printed %q", out)
	}
	if _, err := f.tn.LoginPassword(f.ctx, f.drA.Email, password, f.remote); err != nil {
		t.Errorf("after unlock: %v", err)
	}
	entries, err := f.tn.AuditLog(f.ctx, f.admin.Actor(f.remote), store.AuditFilter{Action: "user.unlock"})
	if err != nil || len(entries) != 1 {
		t.Errorf("audit of the unlock: %v %+v", err, entries)
	}

	// A new setup code is shown once and logs in.
	var withCode UserView
	f.okJSON(&withCode, f.admin, "staff", "setup-code", f.desk.Email)
	if withCode.SetupCode == "" {
		t.Fatalf("setup-code = %+v", withCode)
	}
	if _, err := f.tn.LoginSetupCode(f.ctx, f.desk.Email, withCode.SetupCode, f.remote); err != nil {
		t.Errorf("the new setup code: %v", err)
	}
}

func TestStaffKeysAddAndRemove(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const (
		key1 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl rosa@desk"
		key2 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKKFPADknwYzHrHyxzQmtXvP7QFt9CCTiJEc5BHG/enx rosa@home"
	)
	var k1, k2 UserKeyView
	f.okJSON(&k1, f.admin, "staff", "keys", "add", f.desk.Email, "--key", key1)
	f.okJSON(&k2, f.admin, "staff", "keys", "add", f.desk.Email, "--key", key2, "--label", "casa")
	if k1.Label != "rosa@desk" || k2.Label != "casa" || k1.Fingerprint == k2.Fingerprint {
		t.Fatalf("keys add = %+v, %+v", k1, k2)
	}
	f.fails(2, "indique el usuario una sola vez", f.admin, "staff", "keys", "add", f.desk.Email, "--email", f.desk.Email, "--key", key1)
	f.fails(1, "Revise los datos: Llave pública: no es una llave pública OpenSSH.", f.admin, "staff", "keys", "add", f.desk.Email, "--key", "ssh-ed25519 not-base64")
	// The list numbers the keys; remove takes that number or a fingerprint.
	text := f.ok(f.admin, "staff", "keys", "list", f.desk.Email)
	if !strings.Contains(text, "N ") || !strings.Contains(text, k2.Fingerprint) {
		t.Errorf("keys list:\n%s", text)
	}
	f.fails(1, "No se encontró: llave 3.", f.admin, "staff", "keys", "remove", f.desk.Email, "3")
	f.fails(1, "Su rol no permite esta acción.", f.drA, "staff", "keys", "remove", f.desk.Email, "1")
	if out := f.ok(f.admin, "staff", "keys", "remove", f.desk.Email, "2"); !strings.Contains(out, k2.Fingerprint) {
		t.Errorf("remove 2 printed %q", out)
	}
	if u, err := f.tn.UserByKey(f.ctx, k2.Fingerprint); err == nil {
		t.Errorf("removed key still logs in as %s", u.Email)
	}
	if _, err := f.tn.UserByKey(f.ctx, k1.Fingerprint); err != nil {
		t.Errorf("the other key was removed too: %v", err)
	}
	// By fingerprint, with or without the SHA256: prefix; a user removes
	// their own.
	f.ok(f.desk, "staff", "keys", "remove", f.desk.Email, strings.TrimPrefix(k1.Fingerprint, "SHA256:"))
	var keys []UserKeyView
	f.okJSON(&keys, f.admin, "staff", "keys", "list", f.desk.Email)
	if len(keys) != 0 {
		t.Errorf("keys left: %+v", keys)
	}
	if text := f.ok(f.admin, "staff", "keys", "list", f.desk.Email); !strings.Contains(text, "No hay llaves.") {
		t.Errorf("empty key list:\n%s", text)
	}
}
