package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"consultorio/store"
	"consultorio/store/storetest"
)

// IdentifyKey answers, with the user, what the clinic's policy asks of
// that user's role: the server decides the second factor from it without
// reading the policy again.
func TestIdentifyKeyReadsThePolicyWithTheUser(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	tn, prov := storetest.NewTenant(t, db, "identify")
	ctx := context.Background()
	admin := activateAdmin(t, tn, prov)
	adminActor := admin.Actor("10.0.0.1:1")
	rec, _, _ := staff(t, tn, adminActor, "rosa@identify.test", store.RoleReception)
	adminLine, adminFP := newKey(t, "admin")
	recLine, recFP := newKey(t, "rosa")
	if _, err := tn.AddKey(ctx, adminActor, admin.ID, adminLine, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := tn.AddKey(ctx, adminActor, rec.ID, recLine, ""); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		policy         store.SecondFactorPolicy
		admin, recDesk bool
	}{
		{store.SecondFactorAdmins, true, false},
		{store.SecondFactorEveryone, true, true},
		{store.SecondFactorOff, false, false},
	} {
		if err := tn.SetSecondFactorPolicy(ctx, adminActor, c.policy); err != nil {
			t.Fatal(err)
		}
		for _, k := range []struct {
			fp   string
			id   int64
			want bool
		}{{adminFP, admin.ID, c.admin}, {recFP, rec.ID, c.recDesk}} {
			got, err := tn.IdentifyKey(ctx, k.fp)
			if err != nil || got.User == nil || got.User.ID != k.id {
				t.Fatalf("policy %s: identify %s: %+v, %v", c.policy, k.fp, got, err)
			}
			if got.SecondFactor != k.want {
				t.Errorf("policy %s: user %d: second factor %v, want %v", c.policy, k.id, got.SecondFactor, k.want)
			}
		}
	}
	_, unknown := newKey(t, "")
	if _, err := tn.IdentifyKey(ctx, unknown); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown key: %v", err)
	}
}

// OpenByKey records the key's use and the user's login with the open
// session, in one transaction.
func TestOpenByKeyRecordsTheLoginWithTheSession(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	db := storetest.NewDBWith(t, store.Options{Clock: storetest.NewClock(now)})
	tn, prov := storetest.NewTenant(t, db, "openbykey")
	ctx := context.Background()
	admin := activateAdmin(t, tn, prov)
	line, fp := newKey(t, "admin")
	if _, err := tn.AddKey(ctx, admin.Actor("10.0.0.1:1"), admin.ID, line, ""); err != nil {
		t.Fatal(err)
	}
	id, err := tn.LoginBook().OpenByKey(ctx, admin.ID, fp, store.DoorTUI, "192.0.2.1:1", "srv")
	if err != nil || id == 0 {
		t.Fatalf("open by key: %d, %v", id, err)
	}
	var keyUsed, lastLogin *time.Time
	var rows int
	if err := tn.Exec(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `select k.last_used_at, u.last_login_at from user_keys k join users u on u.id = k.user_id
			where k.fingerprint = $1`, fp).Scan(&keyUsed, &lastLogin); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `select count(*) from logins where id = $1 and account_id = $2`, id, admin.ID).Scan(&rows)
	}); err != nil {
		t.Fatal(err)
	}
	if keyUsed == nil || !keyUsed.Equal(now) || lastLogin == nil || !lastLogin.Equal(now) || rows != 1 {
		t.Fatalf("key used %v, last login %v, session rows %d; want %v, %v, 1", keyUsed, lastLogin, rows, now, now)
	}
}
