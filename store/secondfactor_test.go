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
	if need, err := tn.NeedsSecondFactor(ctx, admin); err != nil || !need {
		t.Errorf("admin under 'admins': need %v %v", need, err)
	}
}

// Enrolment, codes once, recovery codes once, lockout, grants.
func TestSecondFactorFlow(t *testing.T) {
	t.Parallel()
	tn, u, clk := secondFactorClinic(t, "mfa-flow")
	ctx := context.Background()
	if ok, _ := tn.HasTOTP(ctx, u.ID); ok {
		t.Fatal("enrolled before enrolling")
	}
	if err := tn.VerifySecondFactor(ctx, u, "123456", ""); !errors.Is(err, store.ErrBadSecondFactor) {
		t.Fatalf("code without an authenticator: %v", err)
	}
	en, err := tn.BeginTOTP(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if en.URI != "otpauth://totp/Consultorio:admin@mfa-flow.test?secret="+en.Secret {
		t.Fatalf("uri %q", en.URI)
	}
	if _, err := tn.ConfirmTOTP(ctx, u, "000000", ""); !errors.Is(err, store.ErrBadSecondFactor) {
		t.Fatalf("wrong first code: %v", err)
	}
	codes, err := tn.ConfirmTOTP(ctx, u, code(t, en.Secret, clk.Now()), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(codes) != store.RecoveryCodes {
		t.Fatalf("%d recovery codes", len(codes))
	}
	if ok, _ := tn.HasTOTP(ctx, u.ID); !ok {
		t.Fatal("not enrolled after confirming")
	}
	// The confirming code's step is spent: the same code again is refused.
	if err := tn.VerifySecondFactor(ctx, u, code(t, en.Secret, clk.Now()), ""); !errors.Is(err, store.ErrBadSecondFactor) {
		t.Fatalf("replayed code: %v", err)
	}
	clk.Advance(30 * time.Second)
	c := code(t, en.Secret, clk.Now())
	if err := tn.VerifySecondFactor(ctx, u, c, ""); err != nil {
		t.Fatalf("next code: %v", err)
	}
	if err := tn.VerifySecondFactor(ctx, u, c, ""); !errors.Is(err, store.ErrBadSecondFactor) {
		t.Fatalf("same code twice: %v", err)
	}
	// One step of drift is tolerated.
	clk.Advance(60 * time.Second)
	if err := tn.VerifySecondFactor(ctx, u, code(t, en.Secret, clk.Now().Add(30*time.Second)), ""); err != nil {
		t.Fatalf("code from a clock 30 s ahead: %v", err)
	}
	// Recovery codes work once, in any case and with or without the dash.
	rc := strings.ToLower(strings.ReplaceAll(codes[3], "-", ""))
	if err := tn.VerifySecondFactor(ctx, u, rc, ""); err != nil {
		t.Fatalf("recovery code: %v", err)
	}
	if err := tn.VerifySecondFactor(ctx, u, codes[3], ""); !errors.Is(err, store.ErrBadSecondFactor) {
		t.Fatalf("recovery code twice: %v", err)
	}
	// Wrong codes lock the account like wrong passwords; then even a right
	// code is refused.
	var locked *store.LockedError
	for i := range store.MaxFailedLogins {
		err := tn.VerifySecondFactor(ctx, u, "000000", "")
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
	if err := tn.VerifySecondFactor(ctx, u, code(t, en.Secret, clk.Now()), ""); !errors.As(err, &locked) {
		t.Fatalf("right code while locked: %v", err)
	}
	// Reset (lost phone): no secret, no codes.
	if err := tn.ResetSecondFactor(ctx, u.Actor(""), u.ID); err != nil {
		t.Fatal(err)
	}
	if ok, _ := tn.HasTOTP(ctx, u.ID); ok {
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
		ok, err := tn.MayRunCommands(ctx, u, keyType, fp)
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
	if err := tn.GrantCommands(ctx, u, "SHA256:a"); err != nil {
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
	en, err := db.BeginOperatorTOTP(ctx, op)
	if err != nil {
		t.Fatal(err)
	}
	codes, err := db.ConfirmOperatorTOTP(ctx, op, code(t, en.Secret, clk.Now()), "")
	if err != nil || len(codes) != store.RecoveryCodes {
		t.Fatalf("confirm: %v %d", err, len(codes))
	}
	clk.Advance(30 * time.Second)
	if err := db.VerifyOperatorSecondFactor(ctx, op, code(t, en.Secret, clk.Now()), ""); err != nil {
		t.Fatal(err)
	}
	if err := db.VerifyOperatorSecondFactor(ctx, op, codes[0], ""); err != nil {
		t.Fatal(err)
	}
	if err := db.VerifyOperatorSecondFactor(ctx, op, codes[0], ""); !errors.Is(err, store.ErrBadSecondFactor) {
		t.Fatalf("recovery code twice: %v", err)
	}
	if ok, _ := db.OperatorMayRunCommands(ctx, op, "ssh-ed25519", "SHA256:x"); ok {
		t.Fatal("operator ran commands without a grant")
	}
	if err := db.GrantOperatorCommands(ctx, op, "SHA256:x"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := db.OperatorMayRunCommands(ctx, op, "ssh-ed25519", "SHA256:x"); !ok {
		t.Fatal("grant ignored")
	}
}
