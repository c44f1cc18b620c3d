package tui

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"consultorio/store"
	"consultorio/store/storetest"
)

// TestOpsAuditBrowse: the log lists newest first in pages of 100 ("m" reads
// the next page by id), filters by action, and the detail shows who, from
// where, and before → after as indented JSON.
func TestOpsAuditBrowse(t *testing.T) {
	t.Parallel()
	f := newPanelFixture(t)
	ctx := context.Background()
	f.client(t, "clinica-sol", "Clínica del Sol", "350")
	// 110 older entries, then one suspension by the operator.
	if _, err := f.db.Pool().Exec(ctx, `insert into public.operator_audit (actor, action, target, after, remote_addr)
		select 'cli', 'settings.update', 'panel_settings', jsonb_build_object('n', g), '' from generate_series(1, 110) g`); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.SuspendTenant(ctx, f.op.Actor("198.51.100.23:4242"), "clinica-sol"); err != nil {
		t.Fatal(err)
	}
	all, err := f.db.OperatorAuditLog(ctx, store.OperatorAuditFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	term := f.start(t)
	term.WaitFor(t, "[1 Clientes]")
	term.Key("5")
	s := term.WaitFor(t, "[5 Auditoría]", "100+", "tenant.suspend", "m más", "Cadena íntegra: "+strconv.Itoa(len(all))+" entradas")
	if lines := strings.Split(s, "\n"); !strings.Contains(lines[5], "tenant.suspend") {
		t.Fatalf("the newest entry is not first:\n%s", s)
	}
	term.Key("m")
	term.WaitFor(t, "Auditoría · "+strconv.Itoa(len(all)))
	term.Key("m")
	term.WaitFor(t, "No hay más registros.")

	term.Key("f")
	focused(t, term, "Quién")
	term.Key("enter")
	focused(t, term, "Acción")
	term.Type("tenant.")
	term.Key("enter")
	focused(t, term, "Sobre")
	term.Type("clinica-sol")
	term.Key("enter")
	s = term.WaitFor(t, "filtrado: tenant., clinica-sol", "tenant.suspend", "tenant.create")
	if strings.Contains(s, "settings.update") {
		t.Fatalf("the filter lets other actions through:\n%s", s)
	}
	term.Key("enter")
	s = term.WaitFor(t, "Auditoría › #", "olga@ops.test (#", "198.51.100.23:4242", "Antes →",
		"Cambios", `status: "active" → "suspended"`, `suspended_by_hand: false → true`, `"status": "active"`)
	if strings.Contains(s, "\x1b") {
		t.Fatalf("raw escape on screen:\n%s", s)
	}
	// The after side is further down: the page scrolls.
	term.Key("pgdown")
	term.WaitFor(t, "→ Después")
	term.Key("pgdown")
	term.WaitFor(t, `"status": "suspended"`, `"suspended_by_hand": true`)
	if strings.Contains(s, "\x1b") {
		t.Fatalf("raw escape on screen:\n%s", s)
	}

	// An entry edited directly in the database: back on the list, a reload
	// says where the panel's chain breaks.
	if _, err := storetest.Owner(t, f.db).Exec(ctx, `update public.operator_audit set actor = 'nadie' where chain_seq = 3`); err != nil {
		t.Fatal(err)
	}
	term.Key("esc")
	term.WaitFor(t, "filtrado: tenant., clinica-sol")
	term.Key("r")
	term.WaitFor(t, "CADENA ROTA en la entrada #3")
}
