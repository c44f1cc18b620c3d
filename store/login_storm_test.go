package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"consultorio/store"
	"consultorio/store/storetest"
)

// countingCheck wraps store.CheckPassword (store.Options.CheckPassword): it
// counts the checks made against each hash and the most that ran at once.
type countingCheck struct {
	hold     time.Duration // inside the check, so that overlapping ones overlap longer
	mu       sync.Mutex
	byHash   map[string]int
	inFlight atomic.Int64
	peak     atomic.Int64
}

func newCountingCheck(hold time.Duration) *countingCheck {
	return &countingCheck{hold: hold, byHash: map[string]int{}}
}

func (c *countingCheck) check(hash, password string) bool {
	n := c.inFlight.Add(1)
	defer c.inFlight.Add(-1)
	for p := c.peak.Load(); n > p && !c.peak.CompareAndSwap(p, n); p = c.peak.Load() {
	}
	c.mu.Lock()
	c.byHash[hash]++
	c.mu.Unlock()
	time.Sleep(c.hold)
	return store.CheckPassword(hash, password)
}

func (c *countingCheck) calls(hash string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byHash[hash]
}

func (c *countingCheck) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.byHash {
		n += v
	}
	return n
}

func passwordHash(t *testing.T, tn *store.Tenant, email string) string {
	t.Helper()
	var h string
	if err := tn.Exec(context.Background(), func(tx pgx.Tx) error {
		return tx.QueryRow(context.Background(), "select password_hash from users where email = $1", email).Scan(&h)
	}); err != nil {
		t.Fatal(err)
	}
	return h
}

// parallel runs n calls of fn at once (released together) and returns
// their errors.
func parallel(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = fn(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

// N wrong passwords sent at once against an account get exactly
// MaxFailedLogins of them checked against its real hash: each attempt is
// counted in the database before its hash is computed, so the ones beyond
// the limit find the account locked and only check the dummy (issue 12, F5).
func TestParallelWrongPasswordsCheckOnlyTheAllowedAttempts(t *testing.T) {
	t.Parallel()
	cc := newCountingCheck(0)
	db := storetest.NewDBWith(t, store.Options{MaxConns: 8, MaxConcurrentHashes: 4, CheckPassword: cc.check})
	tn, prov := storetest.NewTenant(t, db, "clinic-a")
	ctx := context.Background()
	activateAdmin(t, tn, prov)
	email := prov.Tenant.AdminEmail
	real := passwordHash(t, tn, email)

	const n = 20
	errs := parallel(n, func(int) error {
		_, err := tn.LoginPassword(ctx, email, "wrong password!", "10.0.0.9:1")
		return err
	})
	for i, err := range errs {
		if !errors.Is(err, store.ErrBadCredentials) || err.Error() != store.ErrBadCredentials.Error() {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	if got := cc.calls(real); got != store.MaxFailedLogins {
		t.Fatalf("%d parallel wrong passwords: %d checked against the real hash, want exactly %d", n, got, store.MaxFailedLogins)
	}
	if got := cc.total(); got != n {
		t.Fatalf("%d attempts made %d hash checks, want one each (the dummy for the refused ones)", n, got)
	}
	if lockedUntil(t, tn, email) == nil {
		t.Fatal("the account is not locked")
	}
	// Locked: the right password is not even checked.
	if _, err := tn.LoginPassword(ctx, email, adminPassword, "10.0.0.1:1"); !errors.Is(err, store.ErrBadCredentials) {
		t.Fatalf("right password while locked: %v", err)
	}
	if got := cc.calls(real); got != store.MaxFailedLogins {
		t.Fatalf("the right password was checked while locked (%d checks)", got)
	}
}

// A storm of logins (unknown e-mails, wrong and right passwords, clinic and
// panel) never has more argon2id computations running than the bound, so
// memory stays at bound × 19 MiB however many attempts arrive.
func TestLoginStormBoundsConcurrentHashes(t *testing.T) {
	t.Parallel()
	const bound = 2
	cc := newCountingCheck(20 * time.Millisecond)
	db := storetest.NewDBWith(t, store.Options{MaxConns: 16, MaxConcurrentHashes: bound, CheckPassword: cc.check})
	tn, prov := storetest.NewTenant(t, db, "clinic-a")
	ctx := context.Background()
	activateAdmin(t, tn, prov)

	const n = 40
	errs := parallel(n, func(i int) error {
		var err error
		switch i % 4 {
		case 0:
			_, err = tn.LoginPassword(ctx, fmt.Sprintf("nobody%d@clinic-a.test", i), "whatever 123", "10.0.0.9:1")
		case 1:
			_, err = tn.LoginPassword(ctx, prov.Tenant.AdminEmail, "wrong password!", "10.0.0.9:1")
		case 2:
			_, err = tn.LoginPassword(ctx, prov.Tenant.AdminEmail, adminPassword, "10.0.0.1:1")
		default:
			_, err = db.OperatorLoginPassword(ctx, fmt.Sprintf("nobody%d@service.test", i), "whatever 123", "10.0.0.9:1")
		}
		if err != nil && !errors.Is(err, store.ErrBadCredentials) {
			return err
		}
		return nil
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("login %d: %v", i, err)
		}
	}
	if got := cc.total(); got != n {
		t.Fatalf("%d logins made %d hash checks, want %d", n, got, n)
	}
	if peak := cc.peak.Load(); peak != bound {
		t.Fatalf("at most %d hash checks ran at once, want the bound %d", peak, bound)
	}
}

// An unknown e-mail, a locked account and a wrong password get the same
// error with the same text, and each costs one argon2id check (the dummy
// for the first two), in the clinic and in the panel (issue 12, F8).
func TestUnknownLockedAndWrongLookAlike(t *testing.T) {
	t.Parallel()
	cc := newCountingCheck(0)
	clock := newFakeClock()
	db := storetest.NewDBWith(t, store.Options{Clock: clock, CheckPassword: cc.check})
	tn, prov := storetest.NewTenant(t, db, "clinic-a")
	ctx := context.Background()
	activateAdmin(t, tn, prov)
	locked, _, err := tn.CreateUser(ctx, store.Actor{UserID: 1, Role: store.RoleAdmin}, store.NewUser{
		Email: "locked@clinic-a.test", Name: "Locked", Role: store.RoleReception})
	if err != nil {
		t.Fatal(err)
	}
	if err := tn.SetPassword(ctx, locked.ID, "locked's password"); err != nil {
		t.Fatal(err)
	}
	for range store.MaxFailedLogins {
		_, _ = tn.LoginPassword(ctx, locked.Email, "wrong password!", "x")
	}
	if lockedUntil(t, tn, locked.Email) == nil {
		t.Fatal("not locked")
	}
	op, code, err := db.CreateOperator(ctx, store.CLI, "ops@service.test", "Ops", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.OperatorLoginSetupCode(ctx, op.Email, code, "x"); err != nil {
		t.Fatal(err)
	}
	if err := db.SetOperatorPassword(ctx, op.ID, adminPassword); err != nil {
		t.Fatal(err)
	}
	for range store.MaxFailedLogins {
		_, _ = db.OperatorLoginPassword(ctx, op.Email, "wrong password!", "x")
	}

	attempts := []struct {
		name  string
		login func() error
	}{
		{"wrong password", func() error {
			_, err := tn.LoginPassword(ctx, prov.Tenant.AdminEmail, "wrong password!", "x")
			return err
		}},
		{"unknown e-mail", func() error {
			_, err := tn.LoginPassword(ctx, "nobody@clinic-a.test", "wrong password!", "x")
			return err
		}},
		{"locked, wrong password", func() error { _, err := tn.LoginPassword(ctx, locked.Email, "wrong password!", "x"); return err }},
		{"locked, right password", func() error { _, err := tn.LoginPassword(ctx, locked.Email, "locked's password", "x"); return err }},
		{"panel, unknown e-mail", func() error {
			_, err := db.OperatorLoginPassword(ctx, "nobody@service.test", adminPassword, "x")
			return err
		}},
		{"panel, locked, right password", func() error { _, err := db.OperatorLoginPassword(ctx, op.Email, adminPassword, "x"); return err }},
	}
	for _, a := range attempts {
		before := cc.total()
		err := a.login()
		if !errors.Is(err, store.ErrBadCredentials) || err.Error() != store.ErrBadCredentials.Error() {
			t.Errorf("%s: got %v, want exactly ErrBadCredentials", a.name, err)
		}
		if n := cc.total() - before; n != 1 {
			t.Errorf("%s: %d password checks, want 1 (same cost as a wrong password)", a.name, n)
		}
	}
}
