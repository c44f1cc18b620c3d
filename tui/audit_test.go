package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/jackc/pgx/v5"

	"consultorio/store"
	"consultorio/store/storetest"
	"consultorio/tui/clinic"
	"consultorio/tui/i18n"
	"consultorio/tui/kit"
	"consultorio/tui/tuitest"
)

// TestAuditScreen: the log shows a patient's clinical view (who, from
// where) and a change made through the store, newest first (golden); a
// row's detail pretty-prints its JSON; the filter narrows by user, entity
// and action; older rows come by keyset pages at the end of the list.
func TestAuditScreen(t *testing.T) {
	t.Parallel()
	tn, admin := admClinic(t)
	ctx := context.Background()
	actor := admin.Actor("203.0.113.5:4242")
	p, err := tn.CreatePatient(ctx, actor, store.PatientInput{FirstName: "Carmen", Surname: "Rojas",
		BirthDate: time.Date(1990, 5, 17, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tn.GetPatient(ctx, actor, p.ID); err != nil {
		t.Fatal(err)
	}
	// A specialist whose name holds an escape: refused by the store today
	// (issue 12), so written as a row and its audit entry were written
	// before the input check existed.
	if err := tn.Exec(ctx, func(tx pgx.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, `insert into specialists (first_name, last_name, document)
			values ('Evil'||chr(27)||'[2J', 'Zeta', '40000009') returning id`).Scan(&id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `insert into audit_log (user_id, user_email, action, entity, entity_id, detail, remote_addr)
			values ($1, $2, 'create', 'specialist', $3, jsonb_build_object('name', 'Evil'||chr(27)||'[2J Zeta'), $4)`,
			actor.UserID, actor.Email, id, actor.RemoteAddr)
		return err
	}); err != nil {
		t.Fatal(err)
	}

	term := admStart(t, tn, admin, 80, 24, []string{"shift+tab"}, "[Auditoría]", "patient_clinical #", "specialist #")
	s := term.WaitFor(t, "admin@clinic-a.test", "view", "create", "Cadena íntegra: 3 entradas")
	// Newest first: the specialist, then the view, then the patient.
	iSpec, iView := strings.Index(s, "specialist #"), strings.Index(s, "patient_clinical #")
	if iSpec < 0 || iView < 0 || iSpec > iView {
		t.Fatalf("rows not newest first:\n%s", s)
	}
	golden.RequireEqual(t, admMaskTimes(s))

	// Detail of the newest row: the JSON indented; the escape in the name
	// arrives JSON-escaped and harmless.
	term.Key("enter")
	s = admSettled(t, term, "Auditoría › Fila", "Acción:", "create", "Desde:", "203.0.113.5:4242", "Detalle", `"name": "Evil\u001b[2J Zeta"`)
	term.Key("esc")

	// Filter: the admin's clinical views only.
	term.Key("f")
	admFill(t, term, "Correo del usuario", "ADMIN@clinic-a.test")
	admFill(t, term, "Tipo de registro", "patient_clinical")
	admFill(t, term, "Acción", "view")
	s = admSettled(t, term, "usuario=admin@clinic-a.test, registro=patient_clinical, acción=view", "1 filas")
	if strings.Contains(s, "specialist #") {
		t.Fatalf("the filter let other rows through:\n%s", s)
	}

	// Keyset paging: 60 more views; the first page has 50, the end of the
	// list brings the rest.
	for i := 0; i < 60; i++ {
		if _, err := tn.GetPatient(ctx, actor, p.ID); err != nil {
			t.Fatal(err)
		}
	}
	term.Key("r")
	admSettled(t, term, "50 filas (hay más antiguas)", "Cadena íntegra:")
	term.Key("end")
	admSettled(t, term, "61 filas")

	// History rewritten behind the application's back (as the database
	// owner): the screen says where the chain breaks.
	var seq int64
	if err := storetest.Owner(t, tn.DB()).QueryRow(ctx, `update "clinic-a".audit_log set remote_addr = '10.0.0.1'
		where chain_seq = 2 returning chain_seq`).Scan(&seq); err != nil {
		t.Fatal(err)
	}
	term.Key("r")
	admSettled(t, term, "CADENA ROTA en la entrada #2 (modificada)")
}

// TestAdminScreensRefuseSpecialist: the shell hides staff, settings and the
// audit log from specialists; opened anyway, the store refuses and the
// status line says so.
func TestAdminScreensRefuseSpecialist(t *testing.T) {
	t.Parallel()
	tn, _ := admClinic(t)
	spec := admStaffUser(t, tn, "luis@clinic-a.test", "Luis Soto", store.RoleSpecialist)
	defs := []kit.ScreenDef{
		{ID: kit.ScreenStaff, Title: func(m *i18n.Messages) string { return m.Nav.Staff }, New: clinic.NewStaffScreen},
		{ID: kit.ScreenAudit, Title: func(m *i18n.Messages) string { return m.Nav.Audit }, New: clinic.NewAuditScreen},
	}
	m := newClinicApp(context.Background(), ClinicSession{Tenant: tn, User: spec, RemoteAddr: "192.0.2.9:1", Width: 80, Height: 24}, tn, defs)
	term := tuitest.Start(t, m, 80, 24)
	s := term.WaitFor(t, "✗ Su rol no permite esta acción.")
	if strings.Contains(s, "admin@clinic-a.test") {
		t.Fatalf("a specialist sees staff:\n%s", s)
	}
	term.Key("2")
	s = term.WaitFor(t, "[2 Auditoría]", "✗ Su rol no permite esta acción.", "No hay registros.")
	if strings.Contains(s, "patient") {
		t.Fatalf("a specialist sees the audit log:\n%s", s)
	}
}
