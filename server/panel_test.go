package server

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"consultorio/store"
	"consultorio/store/storetest"
)

func TestPanelTenantCommands(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	ctx := context.Background()
	opKey, opLine := newKey(t)
	op, _, err := db.CreateOperator(ctx, store.CLI, "ops@example.com", "Ops", opLine)
	if err != nil {
		t.Fatal(err)
	}
	grantOperatorKey(t, db, op, opKey)
	a := newClinic(t, db, "clinic-a")
	newClinic(t, db, "clinic-b")
	staffKey, staffLine := newKey(t)
	a.addKey(t, a.admin.ID, staffLine)
	srv := startServer(t, db)
	panel := mustDial(t, srv.addr, "panel", keyAuth(opKey))

	out, errOut, code := run(t, panel, "tenants list --json")
	var list []store.TenantInfo
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil {
		t.Fatalf("tenants list --json: exit %d, %q %q", code, out, errOut)
	}
	if len(list) != 2 || list[0].Schema != "clinic-a" || list[1].Schema != "clinic-b" || list[0].Status != "active" {
		t.Errorf("tenants list = %+v", list)
	}
	if out, _, code := run(t, panel, "tenants list"); code != 0 || !strings.Contains(out, "ESQUEMA") || !strings.Contains(out, "Clínica clinic-b") {
		t.Errorf("tenants list text: exit %d, %q", code, out)
	}
	if out, _, code := run(t, panel, "tenants show clinic-a"); code != 0 || !strings.Contains(out, "admin@clinic-a.test") {
		t.Errorf("tenants show: exit %d, %q", code, out)
	}
	if _, errOut, code := run(t, panel, "tenants show nosuch"); code != 1 || strings.TrimSpace(errOut) != "No se encontró: clínica nosuch." {
		t.Errorf("tenants show nosuch: exit %d, %q", code, errOut)
	}
	for _, bad := range []string{"tenants", "tenants frob", "tenants show", "tenants list --status"} {
		if _, errOut, code := run(t, panel, bad); code != 2 {
			t.Errorf("%q: exit %d (want 2), %q", bad, code, errOut)
		}
	}

	// Suspending from the panel ends the clinic's live sessions.
	tm := openTerm(t, mustDial(t, srv.addr, "clinic-a", keyAuth(staffKey)), 100, 30)
	tm.waitFor("Admin clinic-a · Administrador")
	out, errOut, code = run(t, panel, "tenants suspend clinic-a --json")
	var ti store.TenantInfo
	if code != 0 || json.Unmarshal([]byte(out), &ti) != nil || ti.Status != "suspended" {
		t.Fatalf("tenants suspend: exit %d, %q %q", code, out, errOut)
	}
	tm.wait()
	if !strings.Contains(tm.screen(), endedSuspended) {
		t.Errorf("live session after suspension:\n%s", tm.screen())
	}
	if _, errOut, code := run(t, mustDial(t, srv.addr, "clinic-a", keyAuth(staffKey)), "whoami"); code != 1 || strings.TrimSpace(errOut) != store.ErrTenantSuspended.Error() {
		t.Errorf("suspended clinic: exit %d, %q", code, errOut)
	}
	// The change is audited with the operator and the address.
	var actor, remote string
	if err := db.Pool().QueryRow(ctx, `select actor, remote_addr from public.operator_audit where action = 'tenant.suspend'`).Scan(&actor, &remote); err != nil {
		t.Fatal(err)
	}
	if actor != "ops@example.com" || !strings.HasPrefix(remote, "127.0.0.1:") {
		t.Errorf("audit: actor %q, remote %q", actor, remote)
	}

	if _, errOut, code := run(t, panel, "tenants activate clinic-a"); code != 0 {
		t.Fatalf("tenants activate: exit %d, %q", code, errOut)
	}
	if w := whoami(t, mustDial(t, srv.addr, "clinic-a", keyAuth(staffKey))); w.Schema != "clinic-a" {
		t.Errorf("after activation: %+v", w)
	}
	// Clinic staff cannot run panel commands, even with the same names.
	if _, errOut, code := run(t, mustDial(t, srv.addr, "clinic-a", keyAuth(staffKey)), "tenants list"); code != 2 {
		t.Errorf("tenants list as staff: exit %d, %q", code, errOut)
	}
}
