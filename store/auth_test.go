package store_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	gossh "golang.org/x/crypto/ssh"

	"consultorio/store"
	"consultorio/store/storetest"
)

func newFakeClock() *storetest.Clock {
	return storetest.NewClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
}

// newKey returns an OpenSSH public key line and its SHA256 fingerprint.
func newKey(t *testing.T, comment string) (line, fp string) {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := gossh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(gossh.MarshalAuthorizedKey(pk))) + " " + comment, gossh.FingerprintSHA256(pk)
}

const adminPassword = "correct horse battery"

// activateAdmin does what a new clinic admin does: logs in with the setup
// code and chooses a password. It returns the admin.
func activateAdmin(t *testing.T, tn *store.Tenant, prov *store.Provisioned) *store.User {
	t.Helper()
	ctx := context.Background()
	u, err := tn.LoginSetupCode(ctx, prov.Tenant.AdminEmail, prov.SetupCode, "10.0.0.1:5000")
	if err != nil {
		t.Fatalf("setup-code login: %v", err)
	}
	if err := tn.SetPassword(ctx, u.ID, adminPassword); err != nil {
		t.Fatalf("set password: %v", err)
	}
	return u
}

// wantLocked checks that a login was refused with the answer every failure
// gets (a locked account must not be told apart from a wrong password) and
// that the account is locked until until.
func wantLocked(t *testing.T, err error, got *time.Time, until time.Time) {
	t.Helper()
	if !errors.Is(err, store.ErrBadCredentials) {
		t.Fatalf("want ErrBadCredentials, got %v", err)
	}
	if got == nil || !got.Equal(until) {
		t.Fatalf("locked until %v, want %v", got, until)
	}
}

// operatorLockedUntil reads an operator's lock (nil: not locked).
func operatorLockedUntil(t *testing.T, db *store.DB, email string) *time.Time {
	t.Helper()
	var until *time.Time
	if err := db.Pool().QueryRow(context.Background(), "select locked_until from public.operators where email = $1", email).Scan(&until); err != nil {
		t.Fatal(err)
	}
	return until
}

// lockedUntil reads a staff user's lock (nil: not locked).
func lockedUntil(t *testing.T, tn *store.Tenant, email string) *time.Time {
	t.Helper()
	var until *time.Time
	if err := tn.Exec(context.Background(), func(tx pgx.Tx) error {
		return tx.QueryRow(context.Background(), "select locked_until from users where email = $1", email).Scan(&until)
	}); err != nil {
		t.Fatal(err)
	}
	return until
}

func TestLoginLockout(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	db := storetest.NewDBWith(t, store.Options{Clock: clock})
	tn, prov := storetest.NewTenant(t, db, "clinic-a")
	ctx := context.Background()
	activateAdmin(t, tn, prov)
	email := prov.Tenant.AdminEmail

	// A success resets the counter: 4 failures, a success, 4 failures: not locked.
	for round := 0; round < 2; round++ {
		for i := 0; i < store.MaxFailedLogins-1; i++ {
			if _, err := tn.LoginPassword(ctx, email, "wrong password!", "10.0.0.9:1"); !errors.Is(err, store.ErrBadCredentials) {
				t.Fatalf("round %d attempt %d: want ErrBadCredentials, got %v", round, i+1, err)
			}
		}
		if round == 0 {
			if _, err := tn.LoginPassword(ctx, email, adminPassword, "10.0.0.1:1"); err != nil {
				t.Fatalf("right password after 4 failures: %v", err)
			}
		}
	}
	// The fifth consecutive failure locks the account for 15 minutes.
	_, err := tn.LoginPassword(ctx, email, "wrong password!", "10.0.0.9:1")
	until := clock.Now().Add(store.LockoutDuration)
	wantLocked(t, err, lockedUntil(t, tn, email), until)
	// While locked, even the right password is refused (and the code path too).
	_, err = tn.LoginPassword(ctx, email, adminPassword, "10.0.0.1:1")
	wantLocked(t, err, lockedUntil(t, tn, email), until)
	clock.Advance(store.LockoutDuration - time.Second)
	_, err = tn.LoginPassword(ctx, email, adminPassword, "10.0.0.1:1")
	wantLocked(t, err, lockedUntil(t, tn, email), until)
	// The lock was committed although every login failed.
	var n int
	if err := tn.Exec(ctx, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, "select count(*) from users where locked_until is not null").Scan(&n)
	}); err != nil || n != 1 {
		t.Fatalf("persisted locks: %d, %v", n, err)
	}
	// After 15 minutes the right password works again.
	clock.Advance(time.Second)
	u, err := tn.LoginPassword(ctx, email, adminPassword, "10.0.0.1:1")
	if err != nil {
		t.Fatalf("after the lock expired: %v", err)
	}
	if u.LastLoginAt == nil || !u.LastLoginAt.Equal(clock.Now()) {
		t.Errorf("last_login_at = %v, want %v", u.LastLoginAt, clock.Now())
	}
	// The clinic's audit log recorded the failures and the lock, without secrets.
	entries, err := tn.AuditLog(ctx, u.Actor(""), store.AuditFilter{Action: "auth.locked"})
	if err != nil || len(entries) != 1 || entries[0].RemoteAddr != "10.0.0.9:1" {
		t.Fatalf("auth.locked audit rows: %+v, %v", entries, err)
	}
	all, err := tn.AuditLog(ctx, u.Actor(""), store.AuditFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range all {
		if strings.Contains(string(e.Detail), adminPassword) || strings.Contains(string(e.Detail), "wrong password!") {
			t.Fatalf("audit row %d holds a secret: %s", e.ID, e.Detail)
		}
	}
}

// Concurrent wrong guesses cannot get more than the allowed failures counted
// before the lock, and a right answer racing with them never wins after it.
func TestLoginLockoutConcurrent(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	tn, prov := storetest.NewTenant(t, db, "clinic-a")
	ctx := context.Background()
	activateAdmin(t, tn, prov)
	var wg sync.WaitGroup
	errs := make([]error, 12)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = tn.LoginPassword(ctx, prov.Tenant.AdminEmail, "wrong password!", "10.0.0.9:1")
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if !errors.Is(err, store.ErrBadCredentials) {
			t.Fatalf("unexpected error %v", err)
		}
	}
	if lockedUntil(t, tn, prov.Tenant.AdminEmail) == nil {
		t.Fatal("12 wrong guesses did not lock the account")
	}
	if _, err := tn.LoginPassword(ctx, prov.Tenant.AdminEmail, adminPassword, "10.0.0.1:1"); !errors.Is(err, store.ErrBadCredentials) {
		t.Fatalf("right password after the lock: %v", err)
	}
}

func TestSetupCodeLogin(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	db := storetest.NewDBWith(t, store.Options{Clock: clock})
	tn, prov := storetest.NewTenant(t, db, "clinic-a")
	ctx := context.Background()
	email := prov.Tenant.AdminEmail

	// Before choosing a password the admin cannot log in with any password.
	if _, err := tn.LoginPassword(ctx, email, "", "x"); !errors.Is(err, store.ErrBadCredentials) {
		t.Fatalf("password login without a password: %v", err)
	}
	if _, err := tn.LoginSetupCode(ctx, email, "AAAA-BBBB-CCCC", "x"); !errors.Is(err, store.ErrBadCredentials) {
		t.Fatalf("wrong code: %v", err)
	}
	// The code is accepted in lower case and without dashes, as typed on a phone.
	typed := strings.ToLower(strings.ReplaceAll(prov.SetupCode, "-", ""))
	u, err := tn.LoginSetupCode(ctx, strings.ToUpper(email), typed, "x")
	if err != nil {
		t.Fatalf("right code: %v", err)
	}
	if u.Role != store.RoleAdmin || u.HasPassword || u.Email != email || !u.Active {
		t.Fatalf("user after setup login: %+v", u)
	}
	if err := tn.SetPassword(ctx, u.ID, adminPassword); err != nil {
		t.Fatal(err)
	}
	u, err = tn.LoginPassword(ctx, email, adminPassword, "x")
	if err != nil || !u.HasPassword {
		t.Fatalf("password login after setup: %+v, %v", u, err)
	}
	// The code was consumed.
	if _, err := tn.LoginSetupCode(ctx, email, prov.SetupCode, "x"); !errors.Is(err, store.ErrBadCredentials) {
		t.Fatalf("used code: %v", err)
	}
	// Only hashes are stored.
	var pwHash string
	if err := tn.Exec(ctx, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, "select password_hash from users where id = $1", u.ID).Scan(&pwHash)
	}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(pwHash, "$argon2id$") || strings.Contains(pwHash, adminPassword) {
		t.Fatalf("stored password hash %q", pwHash)
	}
}

func TestSetupCodeExpires(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	db := storetest.NewDBWith(t, store.Options{Clock: clock})
	tn, prov := storetest.NewTenant(t, db, "clinic-a")
	ctx := context.Background()
	clock.Advance(store.SetupCodeTTL - time.Minute)
	if _, err := tn.LoginSetupCode(ctx, prov.Tenant.AdminEmail, prov.SetupCode, "x"); err != nil {
		t.Fatalf("code just before expiry: %v", err)
	}
	clock.Advance(time.Minute)
	if _, err := tn.LoginSetupCode(ctx, prov.Tenant.AdminEmail, prov.SetupCode, "x"); !errors.Is(err, store.ErrSetupCodeExpired) {
		t.Fatalf("expired code: %v", err)
	}
}

func TestPasswordRules(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	tn, prov := storetest.NewTenant(t, db, "clinic-a")
	ctx := context.Background()
	u, err := tn.LoginSetupCode(ctx, prov.Tenant.AdminEmail, prov.SetupCode, "x")
	if err != nil {
		t.Fatal(err)
	}
	for _, pw := range []string{"", "short", "123456789", "12345678901234"} {
		err := tn.SetPassword(ctx, u.ID, pw)
		var ve *store.ValidationError
		if !errors.As(err, &ve) || ve.Reason("password") == store.ReasonNone {
			t.Errorf("password %q: want a validation error on password, got %v", pw, err)
		}
	}
	// A refused password changed nothing: the code still works.
	if _, err := tn.LoginSetupCode(ctx, prov.Tenant.AdminEmail, prov.SetupCode, "x"); err != nil {
		t.Fatalf("code after refused passwords: %v", err)
	}
	if err := tn.SetPassword(ctx, u.ID, "ñandú 2026 ok"); err != nil {
		t.Fatalf("good password refused: %v", err)
	}
	if err := tn.SetPassword(ctx, 999999, adminPassword); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown user: %v", err)
	}
}

func TestUnknownEmailLooksLikeWrongPassword(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	tn, prov := storetest.NewTenant(t, db, "clinic-a")
	ctx := context.Background()
	activateAdmin(t, tn, prov)
	_, wrong := tn.LoginPassword(ctx, prov.Tenant.AdminEmail, "wrong password!", "x")
	_, unknown := tn.LoginPassword(ctx, "nobody@clinic-a.test", "wrong password!", "x")
	_, unknownCode := tn.LoginSetupCode(ctx, "nobody@clinic-a.test", "AAAA-BBBB-CCCC", "x")
	_, empty := tn.LoginPassword(ctx, "", "", "x")
	for name, err := range map[string]error{"wrong": wrong, "unknown": unknown, "unknown code": unknownCode, "empty": empty} {
		if !errors.Is(err, store.ErrBadCredentials) || err.Error() != store.ErrBadCredentials.Error() {
			t.Errorf("%s: got %v", name, err)
		}
	}
	// Unknown e-mails never lock (there is no account to lock) and always answer the same.
	for i := 0; i < store.MaxFailedLogins+1; i++ {
		if _, err := tn.LoginPassword(ctx, "nobody@clinic-a.test", "x", "x"); !errors.Is(err, store.ErrBadCredentials) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
}

func TestUserByKey(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	a, prov := storetest.NewTenant(t, db, "clinic-a")
	b, _ := storetest.NewTenant(t, db, "clinic-b")
	ctx := context.Background()
	admin := activateAdmin(t, a, prov)
	line, fp := newKey(t, "ana@laptop")

	k, err := a.AddKey(ctx, admin.Actor("x"), admin.ID, line, "")
	if err != nil {
		t.Fatal(err)
	}
	if k.Fingerprint != fp || k.Label != "ana@laptop" || k.UserID != admin.ID {
		t.Fatalf("key: %+v", k)
	}
	u, err := a.UserByKey(ctx, fp)
	if err != nil || u.ID != admin.ID {
		t.Fatalf("user by key: %+v, %v", u, err)
	}
	// Finding the user only reads; KeyLogin records the login.
	var keyUsed, lastLogin *time.Time
	readUse := func() {
		t.Helper()
		if err := a.Exec(ctx, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, `select k.last_used_at, u.last_login_at from user_keys k join users u on u.id = k.user_id
				where k.fingerprint = $1`, fp).Scan(&keyUsed, &lastLogin)
		}); err != nil {
			t.Fatal(err)
		}
	}
	readUse()
	if keyUsed != nil {
		t.Fatalf("UserByKey recorded a use: %v", keyUsed)
	}
	if err := a.KeyLogin(ctx, u.ID, fp); err != nil {
		t.Fatal(err)
	}
	readUse()
	if keyUsed == nil || lastLogin == nil || !keyUsed.Equal(*lastLogin) {
		t.Fatalf("after KeyLogin: key used %v, last login %v", keyUsed, lastLogin)
	}
	// The key routes to clinic-a only.
	if schemas, err := db.TenantsForKey(ctx, fp); err != nil || len(schemas) != 1 || schemas[0] != "clinic-a" {
		t.Fatalf("routes: %v, %v", schemas, err)
	}
	// Another clinic and the panel do not know it.
	if _, err := b.UserByKey(ctx, fp); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("other clinic: %v", err)
	}
	if _, err := db.OperatorByKey(ctx, fp); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("operator lookup of a staff key: %v", err)
	}
	// The same key twice in one clinic is a conflict.
	var ce *store.ConflictError
	if _, err := a.AddKey(ctx, admin.Actor("x"), admin.ID, line, "again"); !errors.As(err, &ce) {
		t.Fatalf("duplicate key: %v", err)
	}
	// A receptionist cannot add keys for somebody else, but may for themself.
	var recID int64
	if err := a.Exec(ctx, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `insert into users (email, name, role) values ('rec@clinic-a.test', 'Rec', 'reception') returning id`).Scan(&recID)
	}); err != nil {
		t.Fatal(err)
	}
	rec := store.Actor{UserID: recID, Email: "rec@clinic-a.test", Role: store.RoleReception}
	other, _ := newKey(t, "")
	var fe *store.ForbiddenError
	if _, err := a.AddKey(ctx, rec, admin.ID, other, ""); !errors.As(err, &fe) {
		t.Fatalf("reception adding a key for the admin: %v", err)
	}
	if _, err := a.AddKey(ctx, rec, recID, other, "desk"); err != nil {
		t.Fatalf("reception adding their own key: %v", err)
	}
	if _, err := a.AddKey(ctx, rec, recID, "ssh-ed25519 garbage", ""); !isValidation(err, "public_key") {
		t.Fatalf("garbage key: %v", err)
	}
	// A deactivated user is not found by key, and cannot log in with the right password.
	if err := a.Exec(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `update users set active = false where id = $1`, admin.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.UserByKey(ctx, fp); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("inactive user by key: %v", err)
	}
	if _, err := a.LoginPassword(ctx, prov.Tenant.AdminEmail, adminPassword, "x"); !errors.Is(err, store.ErrAccountDisabled) {
		t.Fatalf("inactive user, right password: %v", err)
	}
	if _, err := a.LoginPassword(ctx, prov.Tenant.AdminEmail, "wrong password!", "x"); !errors.Is(err, store.ErrBadCredentials) {
		t.Fatalf("inactive user, wrong password: %v", err)
	}
	// Suspended clinic: nobody gets in, with a message saying why.
	if _, err := db.Pool().Exec(ctx, `update public.tenants set status = 'suspended' where schema_name = 'clinic-a'`); err != nil {
		t.Fatal(err)
	}
	if _, err := a.UserByKey(ctx, fp); !errors.Is(err, store.ErrTenantSuspended) {
		t.Fatalf("suspended clinic by key: %v", err)
	}
	if _, err := a.LoginPassword(ctx, "rec@clinic-a.test", "whatever!!", "x"); !errors.Is(err, store.ErrTenantSuspended) {
		t.Fatalf("suspended clinic by password: %v", err)
	}
}

func isValidation(err error, field string) bool {
	var ve *store.ValidationError
	return errors.As(err, &ve) && ve.Reason(field) != store.ReasonNone
}
