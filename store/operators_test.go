package store_test

import (
	"context"
	"errors"
	"testing"

	"consultorio/store"
	"consultorio/store/storetest"
)

func TestOperatorLogin(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	db := storetest.NewDBWith(t, store.Options{Clock: clock})
	ctx := context.Background()
	line, fp := newKey(t, "op@laptop")
	op, code, err := db.CreateOperator(ctx, store.CLI, " Olga@Service.test ", "", line)
	if err != nil {
		t.Fatal(err)
	}
	if op.Email != "olga@service.test" || op.Name != "olga@service.test" || !op.Active || op.HasPassword || code == "" {
		t.Fatalf("operator: %+v, code %q", op, code)
	}
	var ce *store.ConflictError
	if _, _, err := db.CreateOperator(ctx, store.CLI, "OLGA@service.test", "Olga", ""); !errors.As(err, &ce) || ce.Field != "email" {
		t.Fatalf("duplicate e-mail: %v", err)
	}
	if _, _, err := db.CreateOperator(ctx, store.CLI, "not an e-mail", "", ""); !isValidation(err, "email") {
		t.Fatalf("bad e-mail: %v", err)
	}

	// Key login.
	got, err := db.OperatorByKey(ctx, fp)
	if err != nil || got.ID != op.ID || got.LastLoginAt != nil {
		t.Fatalf("operator by key (only reads): %+v, %v", got, err)
	}
	if err := db.OperatorKeyLogin(ctx, op.ID, fp); err != nil {
		t.Fatal(err)
	}
	if got, err = db.OperatorByKey(ctx, fp); err != nil || got.LastLoginAt == nil {
		t.Fatalf("after OperatorKeyLogin: %+v, %v", got, err)
	}
	// Setup code, then password.
	if _, err := db.OperatorLoginSetupCode(ctx, op.Email, "AAAA-BBBB-CCCC", "x"); !errors.Is(err, store.ErrBadCredentials) {
		t.Fatalf("wrong code: %v", err)
	}
	if _, err := db.OperatorLoginSetupCode(ctx, op.Email, code, "x"); err != nil {
		t.Fatalf("right code: %v", err)
	}
	if err := db.SetOperatorPassword(ctx, op.ID, "123456789012"); !isValidation(err, "password") {
		t.Fatalf("digits-only password: %v", err)
	}
	if err := db.SetOperatorPassword(ctx, op.ID, adminPassword); err != nil {
		t.Fatal(err)
	}
	if _, err := db.OperatorLoginSetupCode(ctx, op.Email, code, "x"); !errors.Is(err, store.ErrBadCredentials) {
		t.Fatalf("used code: %v", err)
	}
	if got, err := db.OperatorLoginPassword(ctx, op.Email, adminPassword, "x"); err != nil || !got.HasPassword {
		t.Fatalf("password login: %+v, %v", got, err)
	}
	_, unknown := db.OperatorLoginPassword(ctx, "nobody@service.test", adminPassword, "x")
	if !errors.Is(unknown, store.ErrBadCredentials) {
		t.Fatalf("unknown operator: %v", unknown)
	}

	// Lockout: 5 failures lock for 15 minutes, even the right password is refused.
	for i := 1; i < store.MaxFailedLogins; i++ {
		if _, err := db.OperatorLoginPassword(ctx, op.Email, "wrong password!", "x"); !errors.Is(err, store.ErrBadCredentials) {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	_, err = db.OperatorLoginPassword(ctx, op.Email, "wrong password!", "x")
	wantLocked(t, err, operatorLockedUntil(t, db, op.Email), clock.Now().Add(store.LockoutDuration))
	_, err = db.OperatorLoginPassword(ctx, op.Email, adminPassword, "x")
	wantLocked(t, err, operatorLockedUntil(t, db, op.Email), clock.Now().Add(store.LockoutDuration))
	clock.Advance(store.LockoutDuration)
	if _, err := db.OperatorLoginPassword(ctx, op.Email, adminPassword, "x"); err != nil {
		t.Fatalf("after the lock: %v", err)
	}

	// Another key, added by the operator themself.
	line2, fp2 := newKey(t, "")
	k, err := db.AddOperatorKey(ctx, op.Actor("x"), op.ID, line2, "desktop")
	if err != nil || k.Fingerprint != fp2 || k.Label != "desktop" {
		t.Fatalf("add key: %+v, %v", k, err)
	}
	if _, err := db.AddOperatorKey(ctx, op.Actor("x"), op.ID, line2, ""); !errors.As(err, &ce) {
		t.Fatalf("same key twice: %v", err)
	}
	// The operator audit log has the creation and the key, never the code.
	var n int
	if err := db.Pool().QueryRow(ctx, `select count(*) from public.operator_audit
		where action in ('operator.create', 'operator.key_add') and after::text not like '%'||$1||'%'`, code).Scan(&n); err != nil || n != 2 {
		t.Fatalf("operator audit rows: %d, %v", n, err)
	}
}

// Staff and operators are separate worlds: neither's credentials or keys
// work in the other.
func TestOperatorsAndStaffAreSeparate(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	tn, prov := storetest.NewTenant(t, db, "clinic-a")
	ctx := context.Background()
	admin := activateAdmin(t, tn, prov)
	staffLine, staffFP := newKey(t, "")
	if _, err := tn.AddKey(ctx, admin.Actor("x"), admin.ID, staffLine, ""); err != nil {
		t.Fatal(err)
	}
	opLine, opFP := newKey(t, "")
	// An operator with the same e-mail as the clinic admin, and a different password.
	op, code, err := db.CreateOperator(ctx, store.CLI, prov.Tenant.AdminEmail, "Op", opLine)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetOperatorPassword(ctx, op.ID, "operator password 1"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.OperatorLoginPassword(ctx, admin.Email, adminPassword, "x"); !errors.Is(err, store.ErrBadCredentials) {
		t.Fatalf("staff password in the panel: %v", err)
	}
	if _, err := db.OperatorByKey(ctx, staffFP); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("staff key in the panel: %v", err)
	}
	if _, err := tn.UserByKey(ctx, opFP); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("operator key in the clinic: %v", err)
	}
	if _, err := tn.LoginSetupCode(ctx, op.Email, code, "x"); !errors.Is(err, store.ErrBadCredentials) {
		t.Fatalf("operator setup code in the clinic: %v", err)
	}
	if _, err := tn.LoginPassword(ctx, admin.Email, "operator password 1", "x"); !errors.Is(err, store.ErrBadCredentials) {
		t.Fatalf("operator password in the clinic: %v", err)
	}
	// A deactivated operator is not found by key.
	if _, err := db.Pool().Exec(ctx, `update public.operators set active = false where id = $1`, op.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.OperatorByKey(ctx, opFP); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("inactive operator by key: %v", err)
	}
	if _, err := db.OperatorLoginPassword(ctx, op.Email, "operator password 1", "x"); !errors.Is(err, store.ErrAccountDisabled) {
		t.Fatalf("inactive operator, right password: %v", err)
	}
}
