package server

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"consultorio/server/cmd"
	"consultorio/store"
	"consultorio/store/storetest"
)

// End to end over SSH: an operator's script creates clinics and bills them
// (`ssh panel@host tenants create ... --json`, `invoices ...`, `dashboard`);
// the new clinic's admin gets in with what the command printed: the setup
// code in the TUI, or the key given on stdin.
func TestPanelScriptCreatesAndBillsClinics(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	ctx := context.Background()
	opKey, opLine := newKey(t)
	op, _, err := db.CreateOperator(ctx, store.CLI, "ops@example.com", "Ops", opLine)
	if err != nil {
		t.Fatal(err)
	}
	grantOperatorKey(t, db, op, opKey)
	// The connect line comes from the address the server was started with
	// (127.0.0.1 and the port ":0" picked), never from the environment
	// (nothing below cmd/ reads it: TestNoEnvironmentReadsBelowCmd).
	srv := startServer(t, db)
	panel := mustDial(t, srv.addr, "panel", keyAuth(opKey))
	_, port, err := net.SplitHostPort(srv.addr)
	if err != nil {
		t.Fatal(err)
	}

	// A clinic whose admin gets the setup code: e-mail + code in the TUI,
	// a password, and the key they connected with is registered.
	var created cmd.CreatedTenant
	runJSON(t, panel, &created, "tenants create clinic-x --name 'Clínica X' --admin-email ana@x.test --admin-name Ana --monthly-fee 180")
	if created.SetupCode == "" || created.Tenant.Schema != "clinic-x" || created.SSH != "ssh -p "+port+" clinic-x@127.0.0.1" {
		t.Fatalf("tenants create = %+v", created)
	}
	anaKey, _ := newKey(t)
	tm := openTerm(t, mustDial(t, srv.addr, "clinic-x", keyAuth(anaKey)), 100, 30)
	tm.focused("Correo electrónico")
	tm.typeText("ana@x.test" + keyEnter)
	tm.focused("¿Cómo desea ingresar?")
	tm.typeText(keyDown)
	tm.waitFor("> Tengo un código de configuración")
	tm.typeText(keyEnter)
	tm.focused("Código de configuración")
	tm.typeText(created.SetupCode + keyEnter)
	tm.focused("Nueva contraseña")
	tm.typeText(goodPassword + keyEnter)
	tm.focused("Repita la contraseña")
	tm.typeText(goodPassword + keyEnter)
	tm.waitFor("¿Registrar la llave SSH con la que se conectó?")
	tm.typeText(keyEnter)
	tm.waitFor("[1 Agenda]", "Llave SSH registrada.")
	if w := whoami(t, mustDial(t, srv.addr, "clinic-x", keyAuth(anaKey))); w.Email != "ana@x.test" || w.Role != "admin" {
		t.Errorf("the admin's key after the setup code: %+v", w)
	}

	// A clinic whose admin key comes on the script's stdin: it logs in at once.
	bobKey, bobLine := newKey(t)
	out, errOut, code := runStdin(t, panel, bobLine+"\n", "tenants create clinic-y --name Y --admin-email bob@y.test --admin-key - --monthly-fee 90")
	if code != 0 || !strings.Contains(out, "La llave del administrador está registrada") {
		t.Fatalf("tenants create --admin-key -: exit %d, %q %q", code, out, errOut)
	}
	if w := whoami(t, mustDial(t, srv.addr, "clinic-y", keyAuth(bobKey))); w.Email != "bob@y.test" || w.Schema != "clinic-y" {
		t.Errorf("the admin's key from stdin: %+v", w)
	}

	// Billing: generate twice, list, pay one, the dashboard. The server
	// runs on the real clock: next month's invoices are not due yet, so no
	// clinic turns morose under the test.
	y, m, _ := time.Now().Date()
	month := time.Date(y, m+1, 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
	var g cmd.GeneratedInvoices
	runJSON(t, panel, &g, "invoices generate --month "+month)
	if g.Created != 2 || g.Total != "270.00" {
		t.Fatalf("invoices generate = %+v", g)
	}
	runJSON(t, panel, &g, "invoices generate --month "+month)
	if g.Created != 0 {
		t.Errorf("second run created %d", g.Created)
	}
	var list []cmd.InvoiceView
	runJSON(t, panel, &list, "invoices list --unpaid")
	if len(list) != 2 {
		t.Fatalf("invoices list --unpaid = %+v", list)
	}
	var paid cmd.InvoiceView
	runJSON(t, panel, &paid, "invoices mark-paid "+strconv.FormatInt(list[0].ID, 10)+" --method transfer --reference 'OP 77'")
	if !paid.Paid || paid.Reference != "OP 77" || paid.Method != "transfer" {
		t.Errorf("mark-paid = %+v", paid)
	}
	var d cmd.DashboardView
	runJSON(t, panel, &d, "dashboard")
	if d.Clients.Total != 2 || d.ProjectedIncome != "270.00" || len(d.TopByFee) != 2 || d.TopByFee[0].Schema != "clinic-x" ||
		d.TopByFee[0].ActiveStaff != 1 || d.TopByFee[0].LastActivity == nil {
		t.Errorf("dashboard = %+v", d)
	}
	if _, errOut, code := run(t, panel, "tenants delete clinic-y"); code != 2 || !strings.Contains(errOut, "--yes") {
		t.Errorf("delete without --yes: exit %d, %q", code, errOut)
	}

	// The clinic's admin cannot bill, create or see the dashboard.
	ana := mustDial(t, srv.addr, "clinic-x", keyAuth(anaKey))
	for _, c := range []string{"invoices list", "dashboard", "tenants create z1 --name Z --admin-email z@z.test"} {
		if out, errOut, code := run(t, ana, c); code != 2 || out != "" {
			t.Errorf("%q as the clinic admin: exit %d, %q %q", c, code, out, errOut)
		}
	}
}
