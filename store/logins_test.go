package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"consultorio/store"
	"consultorio/store/storetest"
)

func TestLoginPermissions(t *testing.T) {
	t.Parallel()
	admin := store.Actor{UserID: 1, Role: store.RoleAdmin}
	spec := store.Actor{UserID: 2, Role: store.RoleSpecialist}
	desk := store.Actor{UserID: 3, Role: store.RoleReception}
	for _, c := range []struct {
		name  string
		a     store.Actor
		all   bool
		owner int64
		end   bool
	}{
		{"admin, own", admin, true, 1, true},
		{"admin, other's", admin, true, 3, true},
		{"specialist, own", spec, false, 2, true},
		{"specialist, other's", spec, false, 3, false},
		{"reception, own", desk, false, 3, true},
		{"reception, admin's", desk, false, 1, false},
		{"nobody, no user", store.Actor{Role: store.RoleReception}, false, 0, false},
	} {
		if got := c.a.MaySeeAllLogins(); got != c.all {
			t.Errorf("%s: MaySeeAllLogins = %v, want %v", c.name, got, c.all)
		}
		if got := c.a.MayEndLogin(c.owner); got != c.end {
			t.Errorf("%s: MayEndLogin(%d) = %v, want %v", c.name, c.owner, got, c.end)
		}
	}
}

// TestLogins: a user lists and ends their own sessions, an admin every
// staff user's; ending notifies the servers; rows a dead server stopped
// refreshing are not listed.
func TestLogins(t *testing.T) {
	t.Parallel()
	clk := storetest.NewClock(time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC))
	db := storetest.NewDBWith(t, store.Options{Clock: clk})
	tn, prov := storetest.NewTenant(t, db, "logins")
	ctx := context.Background()
	admin := activateAdmin(t, tn, prov).Actor("10.0.0.1:1")
	rec, recActor, _ := staff(t, tn, admin, "rosa@logins.test", store.RoleReception)
	spec, specActor, _ := staff(t, tn, admin, "sara@logins.test", store.RoleSpecialist)

	recTUI, err := tn.LoginBook().Open(ctx, rec.ID, store.DoorTUI, "192.0.2.7:5000", "srv-a")
	if err != nil {
		t.Fatal(err)
	}
	recCmd, _ := tn.LoginBook().Open(ctx, rec.ID, store.DoorCommand, "192.0.2.8:5001", "srv-a")
	specTUI, _ := tn.LoginBook().Open(ctx, spec.ID, store.DoorTUI, "198.51.100.1:22", "srv-b")

	ids := func(ls []store.Login) map[int64]bool {
		m := map[int64]bool{}
		for _, l := range ls {
			m[l.ID] = true
		}
		return m
	}
	own, err := tn.Logins(ctx, recActor, recTUI)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(own); len(got) != 2 || !got[recTUI] || !got[recCmd] {
		t.Fatalf("reception sees %v, want its two sessions", own)
	}
	for _, l := range own {
		if l.Current != (l.ID == recTUI) || l.Email != "rosa@logins.test" || l.StartedAt.IsZero() {
			t.Errorf("login %+v", l)
		}
		if l.ID == recTUI && (l.Door != store.DoorTUI || l.RemoteAddr != "192.0.2.7:5000") {
			t.Errorf("tui login %+v", l)
		}
	}
	all, _ := tn.Logins(ctx, admin, 0)
	if got := ids(all); len(got) != 3 || !got[specTUI] {
		t.Fatalf("admin sees %v, want all three", all)
	}

	// Others' sessions cannot be ended by a non-admin, and look absent.
	if err := tn.EndLogin(ctx, specActor, recTUI); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("specialist ends reception's session: %v, want not found", err)
	}
	if err := tn.EndLogin(ctx, recActor, recCmd); err != nil {
		t.Fatalf("reception ends its own: %v", err)
	}

	// The admin's end is announced to the servers.
	listener := listenTenantStatus(t, db)
	if err := tn.EndLogin(ctx, admin, recTUI); err != nil {
		t.Fatalf("admin ends reception's: %v", err)
	}
	waitTenantStatus(t, listener, tn.Info.Schema)
	ended, err := tn.LoginBook().Ended(ctx, []int64{recTUI, recCmd, specTUI})
	if err != nil {
		t.Fatal(err)
	}
	if len(ended) != 2 || ended[recTUI] != admin.Name || ended[recCmd] != recActor.Name {
		t.Fatalf("ended = %v", ended)
	}
	if err := tn.EndLogin(ctx, admin, recTUI); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("ending twice: %v, want not found", err)
	}
	if l, _ := tn.Logins(ctx, recActor, 0); len(l) != 0 {
		t.Fatalf("ended sessions still listed: %v", l)
	}

	// A refreshed row stays listed with its activity; one whose server
	// stopped refreshing is gone after LoginStale.
	clk.Advance(2 * time.Minute)
	typed := clk.Now().Add(-30 * time.Second)
	if err := tn.LoginBook().Refresh(ctx, []store.LoginActivity{{ID: specTUI, Last: typed}}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Minute)
	l, _ := tn.Logins(ctx, specActor, 0)
	if len(l) != 1 || !l[0].LastActivity.Equal(typed) {
		t.Fatalf("refreshed session: %v, want last activity %v", l, typed)
	}
	clk.Advance(store.LoginStale)
	if l, _ := tn.Logins(ctx, admin, 0); len(l) != 0 {
		t.Fatalf("stale sessions listed: %v", l)
	}
	if err := tn.LoginBook().Close(ctx, specTUI); err != nil {
		t.Fatal(err)
	}
}

func listenTenantStatus(t *testing.T, db *store.DB) *pgxpool.Conn {
	t.Helper()
	c, err := db.Pool().Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Release)
	if _, err := c.Exec(context.Background(), "listen "+store.TenantStatusChannel); err != nil {
		t.Fatal(err)
	}
	return c
}

func waitTenantStatus(t *testing.T, c *pgxpool.Conn, schema string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n, err := c.Conn().WaitForNotification(ctx)
	if err != nil || n.Channel != store.TenantStatusChannel || n.Payload != schema {
		t.Fatalf("notification: %+v, %v", n, err)
	}
}

// TestOperatorLogins: an operator lists a clinic's open sessions and ends
// one, recorded in both audit logs.
func TestOperatorLogins(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	tn, prov := storetest.NewTenant(t, db, "oplogins")
	ctx := context.Background()
	admin := activateAdmin(t, tn, prov)
	id, err := tn.LoginBook().Open(ctx, admin.ID, store.DoorTUI, "192.0.2.9:1", "srv")
	if err != nil {
		t.Fatal(err)
	}
	list, err := db.ClinicLogins(ctx, panelOp, "oplogins")
	if err != nil || len(list) != 1 || list[0].ID != id {
		t.Fatalf("operator's list: %v, %v", list, err)
	}
	if _, err := db.ClinicLogins(ctx, panelOp, "nosuch"); !errors.Is(err, store.ErrNoSuchTenant) {
		t.Fatalf("unknown clinic: %v", err)
	}
	if err := db.EndClinicLogin(ctx, panelOp, "oplogins", id); err != nil {
		t.Fatal(err)
	}
	ended, _ := tn.LoginBook().Ended(ctx, []int64{id})
	if ended[id] != panelOp.Email+" (operator)" {
		t.Fatalf("ended by %q", ended[id])
	}
	entries, err := db.OperatorAuditLog(ctx, store.OperatorAuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range entries {
		found = found || (e.Action == "tenant.login.end" && e.Target == "oplogins")
	}
	if !found {
		t.Fatalf("operator audit lacks the end: %+v", entries)
	}
}

// TestOperatorOwnLogins: an operator's own panel sessions are recorded,
// listed to them (not to another operator) and ended by them only; the end
// notifies the servers with the panel's notice and is audited.
func TestOperatorOwnLogins(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	ctx := context.Background()
	ana, _, err := db.CreateOperator(ctx, store.CLI, "ana@ownlogins.test", "Ana", "")
	if err != nil {
		t.Fatal(err)
	}
	bo, _, err := db.CreateOperator(ctx, store.CLI, "bo@ownlogins.test", "Bo", "")
	if err != nil {
		t.Fatal(err)
	}
	book := db.OperatorLoginBook()
	anaTUI, err := book.Open(ctx, ana.ID, store.DoorTUI, "192.0.2.1:4000", "srv")
	if err != nil {
		t.Fatal(err)
	}
	anaCmd, _ := book.Open(ctx, ana.ID, store.DoorCommand, "192.0.2.2:4001", "srv")
	boTUI, _ := book.Open(ctx, bo.ID, store.DoorTUI, "198.51.100.3:22", "srv")

	anaA, boA := ana.Actor("192.0.2.1:4000"), bo.Actor("")
	list, err := db.OperatorLogins(ctx, anaA, anaTUI)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Email != ana.Email || list[1].Email != ana.Email {
		t.Fatalf("ana's list: %+v", list)
	}
	for _, l := range list {
		if l.Current != (l.ID == anaTUI) {
			t.Errorf("current mark wrong: %+v", l)
		}
		if l.ID == anaCmd && (l.Door != store.DoorCommand || l.RemoteAddr != "192.0.2.2:4001") {
			t.Errorf("command session: %+v", l)
		}
	}
	if err := db.EndOperatorLogin(ctx, boA, anaTUI); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("another operator ended ana's session: %v", err)
	}
	c := listenTenantStatus(t, db)
	if err := db.EndOperatorLogin(ctx, anaA, anaCmd); err != nil {
		t.Fatal(err)
	}
	waitTenantStatus(t, c, store.PanelStatusNotice)
	ended, err := book.Ended(ctx, []int64{anaTUI, anaCmd, boTUI})
	if err != nil || len(ended) != 1 || ended[anaCmd] != ana.Email {
		t.Fatalf("ended: %v, %v", ended, err)
	}
	if list, _ := db.OperatorLogins(ctx, anaA, 0); len(list) != 1 || list[0].ID != anaTUI {
		t.Fatalf("after the end: %+v", list)
	}
	if err := db.EndOperatorLogin(ctx, anaA, anaCmd); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("ended twice: %v", err)
	}
	entries, err := db.OperatorAuditLog(ctx, store.OperatorAuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range entries {
		found = found || (e.Action == "operator.login.end" && e.Target == "operator:"+ana.Email)
	}
	if !found {
		t.Fatalf("operator audit lacks the end: %+v", entries)
	}
}
