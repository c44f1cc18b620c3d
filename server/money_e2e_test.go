package server

import (
	"strings"
	"testing"

	"consultorio/server/cmd"
	"consultorio/store/storetest"
)

// Over SSH, as a script calls it: a price with a decimal comma is stored as
// meant, and an ambiguous one exits 2 naming both readings (the clinic's
// language, Spanish), creating nothing.
func TestScriptedPriceOverSSH(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	a := newClinic(t, db, "clinic-a")
	key, line := newKey(t)
	a.addKey(t, a.admin.ID, line)
	srv := startServer(t, db)
	admin := mustDial(t, srv.addr, "clinic-a", keyAuth(key))

	var p cmd.PatientView
	runJSON(t, admin, &p, "patients add --first-name Lucía --surname Mendoza --birth-date 1990-05-17 --price 75,50")
	if p.CostSession != "75.50" {
		t.Errorf("--price 75,50 stored %s", p.CostSession)
	}
	out, errOut, code := run(t, admin, "patients add --first-name Rosa --surname Paz --birth-date 1990-05-17 --price 1,234")
	if code != 2 || out != "" || !strings.Contains(errOut, `--price: "1,234" es ambiguo: puede ser 1234.00 (separador de miles) o 1.234 (decimales)`) {
		t.Errorf("--price 1,234: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	var list []cmd.PatientView
	runJSON(t, admin, &list, "patients list --search Paz")
	if len(list) != 0 {
		t.Errorf("the refused command created %d patients", len(list))
	}
}
