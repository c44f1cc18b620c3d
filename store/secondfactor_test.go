package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"consultorio/store"
	"consultorio/store/storetest"
)

func code(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func secondFactorClinic(t *testing.T, schema string) (*store.Tenant, *store.User, *storetest.Clock) {
	t.Helper()
	clk := storetest.NewClock(time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC))
	db := storetest.NewDBWith(t, store.Options{Clock: clk})
	tn, _ := storetest.NewTenant(t, db, schema)
	u, err := tn.UserByEmail(context.Background(), store.System, "admin@"+schema+".test")
	if err != nil {
		t.Fatal(err)
	}
	return tn, u, clk
}

func TestSecondFactorPolicy(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		p                 store.SecondFactorPolicy
		admin, spec, desk bool
	}{
		{store.SecondFactorOff, false, false, false},
		{store.SecondFactorAdmins, true, false, false},
		{store.SecondFactorEveryone, true, true, true},
	} {
		if c.p.Requires(store.RoleAdmin) != c.admin || c.p.Requires(store.RoleSpecialist) != c.spec ||
			c.p.Requires(store.RoleReception) != c.desk {
			t.Errorf("policy %s: wrong roles", c.p)
		}
	}
	tn, admin, _ := secondFactorClinic(t, "mfa-policy")
	ctx := context.Background()
	if p, err := tn.SecondFactorPolicy(ctx); err != nil || p != store.SecondFactorOff {
		t.Fatalf("default policy %q %v, want off", p, err)
	}
	if err := tn.SetSecondFactorPolicy(ctx, admin.Actor(""), "sometimes"); err == nil {
		t.Error("unknown policy accepted")
	}
	desk := admin.Actor("")
	desk.Role = store.RoleReception
	if err := tn.SetSecondFactorPolicy(ctx, desk, store.SecondFactorAdmins); err == nil {
		t.Error("reception changed the policy")
	}
	if err := tn.SetSecondFactorPolicy(ctx, admin.Actor(""), store.SecondFactorAdmins); err != nil {
		t.Fatal(err)
	}
	if need, err := tn.SecondFactor(admin, "").Required(ctx); err != nil || !need {
		t.Errorf("admin under 'admins': need %v %v", need, err)
	}
}

// Enrolment, codes once, recovery codes once, lockout, grants.
func TestSecondFactorFlow(t *testing.T) {
	t.Parallel()
	tn, u, clk := secondFactorClinic(t, "mfa-flow")
	ctx := context.Background()
	if ok, _ := tn.SecondFactor(u, "").Enrolled(ctx); ok {
		t.Fatal("enrolled before enrolling")
	}
	if err := tn.SecondFactor(u, "").Verify(ctx, "123456"); !errors.Is(err, store.ErrBadSecondFactor) {
		t.Fatalf("code without an authenticator: %v", err)
	}
	en, err := tn.SecondFactor(u, "").Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if en.URI != "otpauth://totp/Consultorio:admin@mfa-flow.test?secret="+en.Secret {
		t.Fatalf("uri %q", en.URI)
	}
	if _, err := tn.SecondFactor(u, "").Confirm(ctx, "000000"); !errors.Is(err, store.ErrBadSecondFactor) {
		t.Fatalf("wrong first code: %v", err)
	}
	codes, err := tn.SecondFactor(u, "").Confirm(ctx, code(t, en.Secret, clk.Now()))
	if err != nil {
		t.Fatal(err)
	}
	if len(codes) != store.RecoveryCodes {
		t.Fatalf("%d recovery codes", len(codes))
	}
	if ok, _ := tn.SecondFactor(u, "").Enrolled(ctx); !ok {
		t.Fatal("not enrolled after confirming")
	}
	// The confirming code's step is spent: the same code again is refused.
	if err := tn.SecondFactor(u, "").Verify(ctx, code(t, en.Secret, clk.Now())); !errors.Is(err, store.ErrBadSecondFactor) {
		t.Fatalf("replayed code: %v", err)
	}
	clk.Advance(30 * time.Second)
	c := code(t, en.Secret, clk.Now())
	if err := tn.SecondFactor(u, "").Verify(ctx, c); err != nil {
		t.Fatalf("next code: %v", err)
	}
	if err := tn.SecondFactor(u, "").Verify(ctx, c); !errors.Is(err, store.ErrBadSecondFactor) {
		t.Fatalf("same code twice: %v", err)
	}
	// One step of drift is tolerated.
	clk.Advance(60 * time.Second)
	if err := tn.SecondFactor(u, "").Verify(ctx, code(t, en.Secret, clk.Now().Add(30*time.Second))); err != nil {
		t.Fatalf("code from a clock 30 s ahead: %v", err)
	}
	// Recovery codes work once, in any case and with or without the dash.
	rc := strings.ToLower(strings.ReplaceAll(codes[3], "-", ""))
	if err := tn.SecondFactor(u, "").Verify(ctx, rc); err != nil {
		t.Fatalf("recovery code: %v", err)
	}
	if err := tn.SecondFactor(u, "").Verify(ctx, codes[3]); !errors.Is(err, store.ErrBadSecondFactor) {
		t.Fatalf("recovery code twice: %v", err)
	}
	// Wrong codes lock the account like wrong passwords; then even a right
	// code is refused.
	var locked *store.LockedError
	for i := range store.MaxFailedLogins {
		err := tn.SecondFactor(u, "").Verify(ctx, "000000")
		if i < store.MaxFailedLogins-2 && !errors.Is(err, store.ErrBadSecondFactor) {
			t.Fatalf("attempt %d: %v", i, err)
		}
		if errors.As(err, &locked) {
			break
		}
	}
	if locked == nil {
		t.Fatal("wrong codes never locked the account")
	}
	clk.Advance(30 * time.Second)
	if err := tn.SecondFactor(u, "").Verify(ctx, code(t, en.Secret, clk.Now())); !errors.As(err, &locked) {
		t.Fatalf("right code while locked: %v", err)
	}
	// Reset (lost phone): no secret, no codes.
	if err := tn.ResetSecondFactor(ctx, u.Actor(""), u.ID); err != nil {
		t.Fatal(err)
	}
	if ok, _ := tn.SecondFactor(u, "").Enrolled(ctx); ok {
		t.Error("still enrolled after reset")
	}
}

// Scripted commands under the policy: a security key, or a grant from an
// interactive login with the second factor, for a limited time.
func TestCommandGrants(t *testing.T) {
	t.Parallel()
	tn, u, clk := secondFactorClinic(t, "mfa-grants")
	ctx := context.Background()
	may := func(keyType, fp string) bool {
		t.Helper()
		ok, err := tn.SecondFactor(u, "").MayRunCommands(ctx, keyType, fp)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !may("ssh-ed25519", "SHA256:a") {
		t.Fatal("policy off, yet commands refused")
	}
	if err := tn.SetSecondFactorPolicy(ctx, u.Actor(""), store.SecondFactorAdmins); err != nil {
		t.Fatal(err)
	}
	if may("ssh-ed25519", "SHA256:a") {
		t.Fatal("a plain key ran a command with no second factor")
	}
	if !may("sk-ssh-ed25519@openssh.com", "SHA256:sk") {
		t.Fatal("a security key does not satisfy the policy")
	}
	if err := tn.SecondFactor(u, "").GrantCommands(ctx, "SHA256:a"); err != nil {
		t.Fatal(err)
	}
	if !may("ssh-ed25519", "SHA256:a") || may("ssh-ed25519", "SHA256:b") {
		t.Fatal("the grant is not bound to its key")
	}
	clk.Advance(store.CommandGrantTTL + time.Second)
	if may("ssh-ed25519", "SHA256:a") {
		t.Fatal("the grant outlived its time")
	}
}

func TestOperatorSecondFactor(t *testing.T) {
	t.Parallel()
	clk := storetest.NewClock(time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC))
	db := storetest.NewDBWith(t, store.Options{Clock: clk})
	ctx := context.Background()
	op, _, err := db.CreateOperator(ctx, store.CLI, "ops@mfa.test", "Ops", "")
	if err != nil {
		t.Fatal(err)
	}
	en, err := db.OperatorSecondFactor(op, "").Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	codes, err := db.OperatorSecondFactor(op, "").Confirm(ctx, code(t, en.Secret, clk.Now()))
	if err != nil || len(codes) != store.RecoveryCodes {
		t.Fatalf("confirm: %v %d", err, len(codes))
	}
	clk.Advance(30 * time.Second)
	if err := db.OperatorSecondFactor(op, "").Verify(ctx, code(t, en.Secret, clk.Now())); err != nil {
		t.Fatal(err)
	}
	if err := db.OperatorSecondFactor(op, "").Verify(ctx, codes[0]); err != nil {
		t.Fatal(err)
	}
	if err := db.OperatorSecondFactor(op, "").Verify(ctx, codes[0]); !errors.Is(err, store.ErrBadSecondFactor) {
		t.Fatalf("recovery code twice: %v", err)
	}
	if ok, _ := db.OperatorSecondFactor(op, "").MayRunCommands(ctx, "ssh-ed25519", "SHA256:x"); ok {
		t.Fatal("operator ran commands without a grant")
	}
	if err := db.OperatorSecondFactor(op, "").GrantCommands(ctx, "SHA256:x"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := db.OperatorSecondFactor(op, "").MayRunCommands(ctx, "ssh-ed25519", "SHA256:x"); !ok {
		t.Fatal("grant ignored")
	}
}

// TOTP secrets are sealed with the installation's key: the database holds
// neither the secret nor anything that opens without the key, and secrets
// stored in clear by an older version are sealed by
// SealSecondFactorSecrets and keep working.
func TestTOTPSecretsAreSealed(t *testing.T) {
	t.Parallel()
	clk := storetest.NewClock(time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC))
	db := storetest.NewDBWith(t, store.Options{Clock: clk})
	ctx := context.Background()
	tn, _ := storetest.NewTenant(t, db, "mfa-seal")
	u, err := tn.UserByEmail(ctx, store.System, "admin@mfa-seal.test")
	if err != nil {
		t.Fatal(err)
	}
	owner := storetest.Owner(t, db) // reads and writes past the store, as a dump or an old version would
	column := func() string {
		t.Helper()
		var v string
		if err := owner.QueryRow(ctx, `select coalesce(totp_secret, totp_pending, '') from "mfa-seal".users where id = $1`, u.ID).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	f := tn.SecondFactor(u, "")
	en, err := f.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v := column(); strings.Contains(v, en.Secret) || !strings.HasPrefix(v, "sealed1:") {
		t.Fatalf("pending secret stored as %q (secret %s)", v, en.Secret)
	}
	if _, err := f.Confirm(ctx, code(t, en.Secret, clk.Now())); err != nil {
		t.Fatal(err)
	}
	if v := column(); strings.Contains(v, en.Secret) || !strings.HasPrefix(v, "sealed1:") {
		t.Fatalf("secret stored as %q (secret %s)", v, en.Secret)
	}

	// Another installation's key (or none) does not open it.
	for name, key := range map[string][]byte{"other key": []byte("another installation's key 32 by"), "no key": {}} {
		other := storetest.NewDBWith(t, store.Options{Clock: clk, SecretKey: key})
		otn, err := other.Tenant(ctx, "mfa-seal")
		if err == nil {
			err = otn.SecondFactor(u, "").Verify(ctx, code(t, en.Secret, clk.Now().Add(30*time.Second)))
		}
		if err == nil || errors.Is(err, store.ErrBadSecondFactor) {
			t.Errorf("%s: verify gave %v, want a failure to open the secret", name, err)
		}
	}

	// A secret in clear, as an older version stored it, is sealed at start
	// and still checks.
	if _, err := owner.Exec(ctx, `update "mfa-seal".users set totp_secret = $2 where id = $1`, u.ID, en.Secret); err != nil {
		t.Fatal(err)
	}
	op, _, err := db.CreateOperator(ctx, store.CLI, "ops@mfa-seal.test", "Ops", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Exec(ctx, `update public.operators set totp_secret = $2 where id = $1`, op.ID, en.Secret); err != nil {
		t.Fatal(err)
	}
	n, err := db.SealSecondFactorSecrets(ctx)
	if err != nil || n != 2 {
		t.Fatalf("sealed %d accounts (%v), want 2", n, err)
	}
	if v := column(); strings.Contains(v, en.Secret) || !strings.HasPrefix(v, "sealed1:") {
		t.Fatalf("after sealing, stored as %q", v)
	}
	var opv string
	if err := owner.QueryRow(ctx, `select totp_secret from public.operators where id = $1`, op.ID).Scan(&opv); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(opv, en.Secret) {
		t.Fatalf("operator's secret still in clear: %q", opv)
	}
	if n, err := db.SealSecondFactorSecrets(ctx); err != nil || n != 0 {
		t.Fatalf("second run sealed %d (%v), want 0", n, err)
	}
	clk.Advance(time.Minute)
	if err := tn.SecondFactor(u, "").Verify(ctx, code(t, en.Secret, clk.Now())); err != nil {
		t.Fatalf("code after sealing: %v", err)
	}
	if err := db.OperatorSecondFactor(op, "").Verify(ctx, code(t, en.Secret, clk.Now())); err != nil {
		t.Fatalf("operator's code after sealing: %v", err)
	}
}
