package cmd

import (
	"regexp"
	"sort"
	"strings"
	"testing"

	"consultorio/internal/srcscan"
	"consultorio/store"
	"consultorio/store/storetest"
)

// notCommands are the clinic operations the TUI calls that are not things
// to script: logging in and what only feeds the screen itself.
var notCommands = map[string]string{
	"LoginPassword":  "the login form",
	"LoginSetupCode": "the login form",
	"SetPassword":    "the first login chooses a password, in the TUI",
	"UnreadCount":    "the header's badge; `notifications` lists them",
	"DB":             "not an operation",
	"Settings":       "read to configure the screens; `settings update` prints them",
	"Patients":       "the patient pickers of forms; `patients list` serves scripts",
	"AgendaDayView":  "the agenda screen's four reads in one transaction; `agenda` prints the day (Agenda)",
	// The second factor is enrolled and passed interactively, at login (a
	// QR code, a code from the app); scripts run on the grant it gives.
	"SecondFactor":       "the login's second step",
	"SecondFactorPolicy": "read by the login; `settings update --second-factor` sets it",
}

// TestEveryTUIOperationHasACommand walks the TUI's screens for the clinic
// operations they call (methods of store.Tenant) and fails for any that no
// scripted command calls: what staff can do in the TUI, a script can do.
func TestEveryTUIOperationHasACommand(t *testing.T) {
	methods := map[string]bool{}
	for _, m := range grepAll(t, "../../store/*.go", regexp.MustCompile(`(?m)^func \(t \*Tenant\) ([A-Z]\w*)\(`)) {
		methods[m] = true
	}
	used := func(globs ...string) map[string]bool {
		out := map[string]bool{}
		for _, glob := range globs {
			for _, m := range grepAll(t, glob, regexp.MustCompile(`\.([A-Z]\w*)\b`)) {
				if methods[m] {
					out[m] = true
				}
			}
		}
		return out
	}
	// The screens live in tui/'s feature packages (tui/clinic, tui/panel…).
	tui, cmds := used("../../tui/*.go", "../../tui/*/*.go"), used("*.go")
	if len(tui) < 30 {
		t.Fatalf("found only %d operations in the TUI: the walk is broken", len(tui))
	}
	var missing []string
	for m := range tui {
		if !cmds[m] && notCommands[m] == "" {
			missing = append(missing, m)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("TUI operations without a scripted command: %s", strings.Join(missing, ", "))
	}
}

// grepAll returns the first group of re's matches in the non-test files of
// glob.
func grepAll(t *testing.T, glob string, re *regexp.Regexp) []string {
	t.Helper()
	srcs, err := srcscan.Read(glob)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range srcs {
		for _, m := range re.FindAllStringSubmatch(s.Text, -1) {
			out = append(out, m[1])
		}
	}
	return out
}

// The commands added for parity change what the TUI's actions change.
func TestParityCommands(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := f.ctx

	// specialists update / deactivate / activate
	var sp SpecialistView
	f.okJSON(&sp, f.admin, "specialists", "update", id64(f.specA.ID), "--phone", "999 000 111", "--comp-value", "45")
	if sp.Phone != "999 000 111" || sp.FirstName != "Ana" || deref(sp.CompValue) != "45.00" {
		t.Errorf("specialists update = %+v", sp)
	}
	f.fails(1, "Su rol no permite esta acción.", f.desk, "specialists", "update", id64(f.specA.ID), "--phone", "1")
	f.fails(2, "indique qué campos", f.admin, "specialists", "update", id64(f.specA.ID))
	f.okJSON(&sp, f.admin, "specialists", "deactivate", id64(f.specB.ID))
	if sp.Active {
		t.Errorf("specialists deactivate = %+v", sp)
	}
	f.okJSON(&sp, f.admin, "specialists", "activate", id64(f.specB.ID))
	if !sp.Active {
		t.Errorf("specialists activate = %+v", sp)
	}

	// rooms update / specialists / equipment; the equipment catalog
	var rv RoomView
	f.okJSON(&rv, f.admin, "rooms", "update", id64(f.room.ID), "--capacity", "3", "--location", "2º piso")
	if rv.Capacity != 3 || rv.Location != "2º piso" || rv.Name != f.room.Name {
		t.Errorf("rooms update = %+v", rv)
	}
	f.okJSON(&rv, f.admin, "rooms", "specialists", id64(f.room.ID), "--specialist", id64(f.specA.ID))
	if len(rv.SpecialistIDs) != 1 || rv.SpecialistIDs[0] != f.specA.ID {
		t.Errorf("rooms specialists = %+v", rv)
	}
	f.okJSON(&rv, f.admin, "rooms", "equipment", "add", id64(f.room.ID), "--name", "Diván", "--quantity", "2")
	if len(rv.Equipment) != 1 || rv.Equipment[0].Name != "Diván" {
		t.Fatalf("rooms equipment add = %+v", rv)
	}
	var eq []EquipmentView
	f.okJSON(&eq, f.desk, "equipment", "list")
	if len(eq) != 1 || eq[0].Name != "Diván" {
		t.Errorf("equipment list = %+v", eq)
	}
	f.okJSON(&rv, f.admin, "rooms", "equipment", "remove", id64(f.room.ID), id64(eq[0].ID))
	if len(rv.Equipment) != 0 {
		t.Errorf("rooms equipment remove = %+v", rv)
	}
	f.okJSON(&rv, f.admin, "rooms", "deactivate", id64(f.room2.ID))
	if rv.Active {
		t.Errorf("rooms deactivate = %+v", rv)
	}

	// patients update / archive / unarchive / purge
	var pv PatientView
	f.okJSON(&pv, f.desk, "patients", "update", id64(f.patA.ID), "--phone", "911 222 333")
	if pv.Phone != "911 222 333" || pv.Surname != "Mendoza" {
		t.Errorf("patients update = %+v", pv)
	}
	if p, err := f.tn.GetPatient(ctx, store.System, f.patA.ID); err != nil || p.MedicalDiagnosis != "ansiedad" {
		t.Errorf("reception's update lost the clinical fields: %+v %v", p, err)
	}
	f.okJSON(&pv, f.desk, "patients", "archive", id64(f.patB.ID))
	if pv.ArchivedAt == nil {
		t.Errorf("patients archive = %+v", pv)
	}
	f.okJSON(&pv, f.desk, "patients", "unarchive", id64(f.patB.ID))
	if pv.ArchivedAt != nil {
		t.Errorf("patients unarchive = %+v", pv)
	}
	f.okJSON(&pv, f.desk, "patients", "add", "--first-name", "Eva", "--surname", "Luna", "--birth-date", "2000-02-02")
	f.fails(1, "Su rol no permite esta acción.", f.desk, "patients", "purge", id64(pv.ID), "--confirm", "Eva Luna")
	f.fails(1, "confirm", f.admin, "patients", "purge", id64(pv.ID), "--confirm", "Eva")
	f.ok(f.admin, "patients", "purge", id64(pv.ID), "--confirm", "Eva Luna")
	if _, err := f.tn.GetPatient(ctx, store.System, pv.ID); err == nil {
		t.Errorf("the purged patient is still there")
	}

	// sessions book --check saves nothing; payments show
	book := []string{"sessions", "book", "--patient", id64(f.patA.ID), "--specialist", id64(f.specA.ID), "--room",
		id64(f.room.ID), "--start", "2026-12-03 10:00"}
	if out := f.ok(f.desk, append(book, "--check")...); !strings.Contains(out, "Horario libre") {
		t.Errorf("check of a free slot: %q", out)
	}
	if list, err := f.tn.ListSessions(ctx, store.System, store.SessionFilter{}); err != nil || len(list) != 0 {
		t.Fatalf("--check booked: %v %+v", err, list)
	}
	var s SessionView
	f.okJSON(&s, f.desk, append(book, "--paid-in-advance")...)
	f.fails(1, "Se cruza con la sesión", f.desk, append(book, "--check")...)
	var pay PaymentView
	f.okJSON(&pay, f.desk, "payments", "show", id64(s.ID))
	if !pay.Paid || pay.SessionID != s.ID {
		t.Errorf("payments show = %+v", pay)
	}

	// expenses update
	var ev ExpenseView
	f.okJSON(&ev, f.admin, "expenses", "add", "--name", "Luz", "--amount", "120", "--due", "2026-11-30")
	f.okJSON(&ev, f.admin, "expenses", "update", id64(ev.ID), "--amount", "135.50", "--no-due", "--recurring", "yes")
	if ev.Amount != "135.50" || ev.DueDate != nil || !ev.Recurring || ev.Name != "Luz" {
		t.Errorf("expenses update = %+v", ev)
	}
	f.fails(2, `--recurring: "si" no es uno de yes, no`, f.admin, "expenses", "update", id64(ev.ID), "--recurring", "si")

	// settings update; audit
	var st store.Settings
	f.okJSON(&st, f.admin, "settings", "update", "--duration", "45", "--second-factor", "admins")
	if st.DefaultDuration != 45 || st.SecondFactor != store.SecondFactorAdmins {
		t.Errorf("settings update = %+v", st)
	}
	if got, err := f.tn.Settings(ctx); err != nil || got.DefaultDuration != 45 {
		t.Errorf("settings after update: %+v %v", got, err)
	}
	f.fails(1, "Su rol no permite esta acción.", f.desk, "settings", "update", "--duration", "30")
	var audit []AuditView
	f.okJSON(&audit, f.admin, "audit", "--action", "purge", "--entity", "patient")
	if len(audit) != 1 || audit[0].UserEmail != f.admin.Email {
		t.Errorf("audit --action purge --entity patient = %+v", audit)
	}
	f.fails(1, "Su rol no permite esta acción.", f.desk, "audit")
	if out := f.ok(f.admin, "audit", "verify"); !strings.Contains(out, "correcto: sí") {
		t.Errorf("audit verify: %q", out)
	}
	if _, err := storetest.Owner(t, f.db).Exec(ctx, `update "clinic-a".audit_log set user_email = 'ghost@x.test'
		where chain_seq = (select max(chain_seq) - 1 from "clinic-a".audit_log)`); err != nil {
		t.Fatal(err)
	}
	f.fails(1, "El registro de auditoría está roto en la entrada", f.admin, "audit", "verify")
	f.fails(1, "Su rol no permite esta acción.", f.desk, "audit", "verify")

	// help lists the commands.
	help := f.ok(f.admin, "help")
	for _, name := range []string{"patients", "sessions", "agenda", "staff", "rooms", "specialists", "equipment",
		"settings", "audit", "payments", "expenses", "finance", "notifications", "export"} {
		if !strings.Contains(help, "\n  "+name+" ") {
			t.Errorf("help does not list %s:\n%s", name, help)
		}
	}
	staffHelp := f.ok(f.admin, "help", "staff")
	for _, name := range []string{"deactivate", "activate", "unlock", "setup-code", "keys", "update"} {
		if !strings.Contains(staffHelp, "\n  "+name+" ") {
			t.Errorf("help staff does not list %s:\n%s", name, staffHelp)
		}
	}
}
