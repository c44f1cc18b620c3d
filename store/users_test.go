package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"consultorio/store"
	"consultorio/store/storetest"
)

func isForbidden(err error) bool {
	var fe *store.ForbiddenError
	return errors.As(err, &fe)
}

// staff creates a user with the admin actor and returns them and their actor.
func staff(t *testing.T, tn *store.Tenant, admin store.Actor, email string, role store.Role) (*store.User, store.Actor, string) {
	t.Helper()
	u, code, err := tn.CreateUser(context.Background(), admin, store.NewUser{Email: email, Name: "Name of " + email, Role: role})
	if err != nil {
		t.Fatalf("create %s: %v", email, err)
	}
	return u, u.Actor("10.0.0.2:1"), code
}

func TestCreateUserAndRoles(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	tn, prov := storetest.NewTenant(t, db, "clinic-a")
	ctx := context.Background()
	admin := activateAdmin(t, tn, prov).Actor("10.0.0.1:1")

	rec, recActor, recCode := staff(t, tn, admin, "Rosa@Clinic-A.test", store.RoleReception)
	if rec.Email != "rosa@clinic-a.test" || rec.Role != store.RoleReception || !rec.Active || rec.HasPassword || recCode == "" {
		t.Fatalf("created: %+v", rec)
	}
	_, specActor, _ := staff(t, tn, admin, "sam@clinic-a.test", store.RoleSpecialist)

	// The new user logs in with their code.
	if u, err := tn.LoginSetupCode(ctx, "rosa@clinic-a.test", recCode, "x"); err != nil || u.ID != rec.ID {
		t.Fatalf("new user's setup code: %+v, %v", u, err)
	}

	// Roles: reception reads staff but cannot create; a specialist cannot list.
	if _, _, err := tn.CreateUser(ctx, recActor, store.NewUser{Email: "x@clinic-a.test", Name: "X", Role: store.RoleAdmin}); !isForbidden(err) {
		t.Fatalf("reception creating a user: %v", err)
	}
	if _, err := tn.ListUsers(ctx, specActor); !isForbidden(err) {
		t.Fatalf("specialist listing users: %v", err)
	}
	users, err := tn.ListUsers(ctx, recActor)
	if err != nil || len(users) != 3 {
		t.Fatalf("reception listing users: %d, %v", len(users), err)
	}
	if _, err := tn.GetUser(ctx, specActor, rec.ID); !isForbidden(err) {
		t.Fatalf("specialist reading another user: %v", err)
	}
	if u, err := tn.GetUser(ctx, specActor, specActor.UserID); err != nil || u.Email != "sam@clinic-a.test" {
		t.Fatalf("specialist reading themself: %+v, %v", u, err)
	}
	if u, err := tn.UserByEmail(ctx, recActor, "SAM@clinic-a.test"); err != nil || u.ID != specActor.UserID {
		t.Fatalf("user by e-mail: %+v, %v", u, err)
	}
	if _, err := tn.UserByEmail(ctx, admin, "ghost@clinic-a.test"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown e-mail: %v", err)
	}

	// Duplicates (case-insensitive) and bad input.
	var ce *store.ConflictError
	if _, _, err := tn.CreateUser(ctx, admin, store.NewUser{Email: "ROSA@clinic-a.test", Name: "Rosa 2", Role: store.RoleReception}); !errors.As(err, &ce) || ce.Field != "email" {
		t.Fatalf("duplicate e-mail: %v", err)
	}
	_, _, err = tn.CreateUser(ctx, admin, store.NewUser{Email: "nope", Name: "  ", Role: "boss", Lang: "fr"})
	var ve *store.ValidationError
	if !errors.As(err, &ve) || len(ve.Fields) != 4 {
		t.Fatalf("bad input: want 4 field errors, got %v", err)
	}
	if _, _, err := tn.CreateUser(ctx, admin, store.NewUser{Email: "e@clinic-a.test", Name: "Eve\x1b[2J", Role: store.RoleReception}); !isTextError(err, "name") {
		t.Fatalf("escape sequence in a name: %v", err)
	}
	// Creation is audited, without the code.
	entries, err := tn.AuditLog(ctx, admin, store.AuditFilter{Action: "user.create"})
	if err != nil || len(entries) != 2 {
		t.Fatalf("user.create audit rows: %d, %v", len(entries), err)
	}
}

// The plan's users limit holds under concurrent creations.
func TestUsersLimitConcurrent(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	ctx := context.Background()
	limit := 3
	prov, err := db.CreateTenant(ctx, store.CLI, store.NewTenant{
		Schema: "clinic-a", Name: "A", AdminEmail: "admin@clinic-a.test", UsersLimit: &limit,
	})
	if err != nil {
		t.Fatal(err)
	}
	tn, err := db.Tenant(ctx, "clinic-a")
	if err != nil {
		t.Fatal(err)
	}
	admin := activateAdmin(t, tn, prov).Actor("x")
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, errs[i] = tn.CreateUser(ctx, admin, store.NewUser{
				Email: "user" + string(rune('a'+i)) + "@clinic-a.test", Name: "User", Role: store.RoleReception,
			})
		}()
	}
	wg.Wait()
	ok, limited := 0, 0
	for _, err := range errs {
		var le *store.LimitError
		switch {
		case err == nil:
			ok++
		case errors.As(err, &le):
			if le.What != "users" || le.Limit != 3 || le.Count != 3 {
				t.Errorf("limit error: %+v", le)
			}
			limited++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	// The admin is the first of the 3 users.
	if ok != limit-1 || limited != n-(limit-1) {
		t.Fatalf("%d created, %d refused; want %d and %d", ok, limited, limit-1, n-(limit-1))
	}
	// Reactivation counts too: deactivate one, create another, reactivate → refused.
	users, err := tn.ListUsers(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	var victim int64
	for _, u := range users {
		if u.Role == store.RoleReception {
			victim = u.ID
			break
		}
	}
	if err := tn.DeactivateUser(ctx, admin, victim); err != nil {
		t.Fatal(err)
	}
	if _, _, err := tn.CreateUser(ctx, admin, store.NewUser{Email: "late@clinic-a.test", Name: "Late", Role: store.RoleSpecialist}); err != nil {
		t.Fatalf("create after a deactivation: %v", err)
	}
	var le *store.LimitError
	if err := tn.ActivateUser(ctx, admin, victim); !errors.As(err, &le) {
		t.Fatalf("reactivation over the limit: %v", err)
	}
}

func TestUpdateAndDeactivateUser(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	tn, prov := storetest.NewTenant(t, db, "clinic-a")
	ctx := context.Background()
	adminUser := activateAdmin(t, tn, prov)
	admin := adminUser.Actor("x")
	rec, recActor, _ := staff(t, tn, admin, "rosa@clinic-a.test", store.RoleReception)

	// A user may change their own name and language, not their role.
	name, lang := "Rosa Pérez", "en"
	u, err := tn.UpdateUser(ctx, recActor, rec.ID, store.UserUpdate{Name: &name, Lang: &lang})
	if err != nil || u.Name != name || u.Lang != "en" || u.Role != store.RoleReception {
		t.Fatalf("self update: %+v, %v", u, err)
	}
	role := store.RoleAdmin
	if _, err := tn.UpdateUser(ctx, recActor, rec.ID, store.UserUpdate{Role: &role}); !isForbidden(err) {
		t.Fatalf("self promotion: %v", err)
	}
	if _, err := tn.UpdateUser(ctx, recActor, adminUser.ID, store.UserUpdate{Name: &name}); !isForbidden(err) {
		t.Fatalf("reception renaming the admin: %v", err)
	}
	// The last admin can be neither demoted nor deactivated.
	demote := store.RoleReception
	var ce *store.ConflictError
	if _, err := tn.UpdateUser(ctx, admin, adminUser.ID, store.UserUpdate{Role: &demote}); !errors.As(err, &ce) {
		t.Fatalf("demoting the last admin: %v", err)
	}
	if err := tn.DeactivateUser(ctx, admin, adminUser.ID); !isValidation(err, "user") {
		t.Fatalf("deactivating oneself: %v", err)
	}
	// Promote Rosa; then the first admin may step down.
	if u, err = tn.UpdateUser(ctx, admin, rec.ID, store.UserUpdate{Role: &role}); err != nil || u.Role != store.RoleAdmin {
		t.Fatalf("promotion: %+v, %v", u, err)
	}
	empty := ""
	if u, err = tn.UpdateUser(ctx, admin, adminUser.ID, store.UserUpdate{Role: &demote, Lang: &empty}); err != nil || u.Role != store.RoleReception {
		t.Fatalf("stepping down: %+v, %v", u, err)
	}
	rosaAdmin := store.Actor{UserID: rec.ID, Email: rec.Email, Name: name, Role: store.RoleAdmin}

	// Deactivation: key login refused, route dropped; activation restores both.
	line, fp := newKey(t, "")
	if _, err := tn.AddKey(ctx, rosaAdmin, adminUser.ID, line, "laptop"); err != nil {
		t.Fatal(err)
	}
	if err := tn.DeactivateUser(ctx, recActor, adminUser.ID); !isForbidden(err) {
		t.Fatalf("a non-admin actor deactivating: %v", err)
	}
	if err := tn.DeactivateUser(ctx, rosaAdmin, adminUser.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := tn.UserByKey(ctx, fp); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deactivated user by key: %v", err)
	}
	if routes, _ := db.TenantsForKey(ctx, fp); len(routes) != 0 {
		t.Fatalf("routes of a deactivated user's key: %v", routes)
	}
	if _, err := tn.AddKey(ctx, rosaAdmin, adminUser.ID, func() string { l, _ := newKey(t, ""); return l }(), ""); !isValidation(err, "user") {
		t.Fatalf("key for a deactivated user: %v", err)
	}
	if err := tn.ActivateUser(ctx, rosaAdmin, adminUser.ID); err != nil {
		t.Fatal(err)
	}
	if u, err := tn.UserByKey(ctx, fp); err != nil || u.ID != adminUser.ID {
		t.Fatalf("reactivated user by key: %+v, %v", u, err)
	}
	if routes, _ := db.TenantsForKey(ctx, fp); len(routes) != 1 {
		t.Fatalf("routes after reactivation: %v", routes)
	}
	for _, action := range []string{"user.update", "user.deactivate", "user.activate", "user_key.add"} {
		entries, err := tn.AuditLog(ctx, rosaAdmin, store.AuditFilter{Action: action})
		if err != nil || len(entries) == 0 {
			t.Errorf("no %s audit row (%v)", action, err)
		}
	}
}

func TestNewUserSetupCode(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	tn, prov := storetest.NewTenant(t, db, "clinic-a")
	ctx := context.Background()
	admin := activateAdmin(t, tn, prov).Actor("x")
	rec, recActor, oldCode := staff(t, tn, admin, "rosa@clinic-a.test", store.RoleReception)
	if _, err := tn.NewUserSetupCode(ctx, recActor, rec.ID); !isForbidden(err) {
		t.Fatalf("reception issuing a code: %v", err)
	}
	if _, err := tn.LoginSetupCode(ctx, rec.Email, oldCode, "x"); err != nil {
		t.Fatal(err)
	}
	if err := tn.SetPassword(ctx, rec.ID, "rosa's password"); err != nil {
		t.Fatal(err)
	}
	// She forgets it and locks herself out.
	var err error
	for range store.MaxFailedLogins {
		_, err = tn.LoginPassword(ctx, rec.Email, "forgotten one", "x")
	}
	if !errors.Is(err, store.ErrBadCredentials) || lockedUntil(t, tn, rec.Email) == nil {
		t.Fatalf("want a lock, got %v", err)
	}
	code, err := tn.NewUserSetupCode(ctx, admin, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tn.LoginSetupCode(ctx, rec.Email, oldCode, "x"); !errors.Is(err, store.ErrBadCredentials) {
		t.Fatalf("old code: %v", err)
	}
	if _, err := tn.LoginSetupCode(ctx, rec.Email, code, "x"); err != nil {
		t.Fatalf("new code (lock lifted): %v", err)
	}
	if err := tn.SetPassword(ctx, rec.ID, "rosa's new password"); err != nil {
		t.Fatal(err)
	}
	if _, err := tn.LoginPassword(ctx, rec.Email, "rosa's new password", "x"); err != nil {
		t.Fatal(err)
	}
}

func TestUserKeys(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	tn, prov := storetest.NewTenant(t, db, "clinic-a")
	ctx := context.Background()
	adminUser := activateAdmin(t, tn, prov)
	admin := adminUser.Actor("x")
	_, recActor, _ := staff(t, tn, admin, "rosa@clinic-a.test", store.RoleReception)
	spec, specActor, _ := staff(t, tn, admin, "sam@clinic-a.test", store.RoleSpecialist)

	line, fp := newKey(t, "")
	k, err := tn.AddKey(ctx, specActor, spec.ID, line, "sam's laptop")
	if err != nil {
		t.Fatal(err)
	}
	if keys, err := tn.ListKeys(ctx, specActor, spec.ID); err != nil || len(keys) != 1 || keys[0].Fingerprint != fp {
		t.Fatalf("own keys: %+v, %v", keys, err)
	}
	if keys, err := tn.ListKeys(ctx, recActor, spec.ID); err != nil || len(keys) != 1 {
		t.Fatalf("reception reading keys: %+v, %v", keys, err)
	}
	if _, err := tn.ListKeys(ctx, specActor, adminUser.ID); !isForbidden(err) {
		t.Fatalf("specialist reading the admin's keys: %v", err)
	}
	if err := tn.RevokeKey(ctx, recActor, k.ID); !isForbidden(err) {
		t.Fatalf("reception revoking another's key: %v", err)
	}
	if err := tn.RevokeKey(ctx, specActor, k.ID); err != nil {
		t.Fatal(err)
	}
	if err := tn.RevokeKey(ctx, specActor, k.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("revoking twice: %v", err)
	}
	if _, err := tn.UserByKey(ctx, fp); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("revoked key: %v", err)
	}
	if routes, _ := db.TenantsForKey(ctx, fp); len(routes) != 0 {
		t.Fatalf("revoked key still routes: %v", routes)
	}
	// An admin revokes anyone's key.
	k2, err := tn.AddKey(ctx, specActor, spec.ID, line, "again")
	if err != nil {
		t.Fatal(err)
	}
	if err := tn.RevokeKey(ctx, admin, k2.ID); err != nil {
		t.Fatal(err)
	}
	entries, err := tn.AuditLog(ctx, admin, store.AuditFilter{Action: "user_key.revoke"})
	if err != nil || len(entries) != 2 {
		t.Fatalf("revoke audit rows: %d, %v", len(entries), err)
	}
}
