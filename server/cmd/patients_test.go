package cmd

import (
	"strconv"
	"strings"
	"testing"

	"consultorio/store/storetest"
)

var clinicalKeys = []string{"medical_diagnosis", "medical_history", "allergies", "therapy", "notes"}

func TestPatientsAddListShow(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var p PatientView
	f.okJSON(&p, f.admin, "patients", "add", "--first-name", "Carmen", "--surname", "Huamán", "--birth-date", "1985-02-03",
		"--gender", "female", "--phone", "987 654 321", "--email", "carmen@example.com", "--document", "40404040",
		"--price", "95.5", "--therapist", strconv.FormatInt(f.specA.ID, 10), "--diagnosis", "duelo")
	if p.ID == 0 || p.FirstName != "Carmen" || p.Surname != "Huamán" || deref(p.BirthDate) != "1985-02-03" ||
		p.Age != 41 || p.Gender != "female" || p.Document != "40404040" || p.CostSession != "95.50" ||
		p.TherapistID == nil || *p.TherapistID != f.specA.ID || p.TherapistName != "Ana Torres" || p.Status != "active" {
		t.Errorf("patients add = %+v", p)
	}
	if !p.ClinicalVisible || deref(p.MedicalDiagnosis) != "duelo" {
		t.Errorf("admin's new patient: clinical %v diagnosis %q", p.ClinicalVisible, deref(p.MedicalDiagnosis))
	}
	if p.CreatedAt != "2026-11-20 10:00" {
		t.Errorf("created_at = %q, want the clinic's time 2026-11-20 10:00", p.CreatedAt)
	}

	// The list: every patient, by surname, never with clinical fields.
	var list []PatientView
	f.okJSON(&list, f.desk, "patients", "list")
	if len(list) != 3 || list[0].Surname != "Huamán" || list[1].Surname != "Mendoza" || list[2].Surname != "Quispe" {
		t.Fatalf("patients list = %+v", list)
	}
	out := f.ok(f.admin, "patients", "list", "--json")
	for _, k := range clinicalKeys {
		if strings.Contains(out, `"`+k+`"`) {
			t.Errorf("patients list JSON carries %s:\n%s", k, out)
		}
	}
	f.okJSON(&list, f.admin, "patients", "list", "--search", "quis")
	if len(list) != 1 || list[0].ID != f.patB.ID {
		t.Errorf("search quis = %+v", list)
	}
	f.okJSON(&list, f.admin, "patients", "list", "--limit", "2")
	if len(list) != 2 {
		t.Errorf("--limit 2 gave %d", len(list))
	}
	// A specialist lists only their own patients.
	f.okJSON(&list, f.drA, "patients", "list")
	if len(list) != 2 || list[0].ID != p.ID || list[1].ID != f.patA.ID {
		t.Errorf("specialist A's list = %+v", list)
	}
	text := f.ok(f.desk, "patients", "list")
	if !strings.HasPrefix(text, "ID") || !strings.Contains(text, "Huamán") || !strings.Contains(text, "987 654 321") {
		t.Errorf("text list:\n%s", text)
	}

	// Admin: the whole file, with the clinical fields and the balance.
	show := f.ok(f.admin, "patients", "show", strconv.FormatInt(f.patA.ID, 10), "--json")
	keys := jsonKeys(t, show)
	for _, k := range clinicalKeys {
		if _, ok := keys[k]; !ok {
			t.Errorf("admin's show lacks %s", k)
		}
	}
	if string(keys["medical_diagnosis"]) != `"ansiedad"` || string(keys["balance"]) != `"0.00"` {
		t.Errorf("admin's show: diagnosis %s balance %s", keys["medical_diagnosis"], keys["balance"])
	}
	// Reception: demographics, no clinical field at all.
	show = f.ok(f.desk, "patients", "show", strconv.FormatInt(f.patA.ID, 10), "--json")
	keys = jsonKeys(t, show)
	for _, k := range clinicalKeys {
		if _, ok := keys[k]; ok {
			t.Errorf("reception's show carries %s", k)
		}
	}
	if string(keys["phone"]) != `"999 111 222"` || string(keys["clinical_visible"]) != "false" {
		t.Errorf("reception's show: %s", show)
	}
	text = f.ok(f.desk, "patients", "show", strconv.FormatInt(f.patA.ID, 10))
	if strings.Contains(text, "diagnosis") || strings.Contains(text, "ansiedad") || !strings.Contains(text, "999 111 222") {
		t.Errorf("reception's text show:\n%s", text)
	}
	// Specialist A: their own patient whole.
	var own PatientView
	f.okJSON(&own, f.drA, "patients", "show", strconv.FormatInt(f.patA.ID, 10))
	if !own.ClinicalVisible || deref(own.MedicalDiagnosis) != "ansiedad" {
		t.Errorf("specialist's own patient: %+v", own)
	}
}

// A specialist looking at a colleague's patient sees the name, status and
// therapist: no clinical field, no contact data.
func TestSpecialistShowOfAnotherPatientHasNoClinicalFields(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	id := strconv.FormatInt(f.patB.ID, 10)
	out := f.ok(f.drA, "patients", "show", id, "--json")
	keys := jsonKeys(t, out)
	for _, k := range clinicalKeys {
		if _, ok := keys[k]; ok {
			t.Errorf("colleague's patient JSON carries %s: %s", k, out)
		}
	}
	if strings.Contains(out, "insomnio") || strings.Contains(out, "999 111 222") {
		t.Errorf("colleague's patient leaks data: %s", out)
	}
	if string(keys["restricted"]) != "true" || string(keys["surname"]) != `"Quispe"` {
		t.Errorf("colleague's patient: %s", out)
	}
	text := f.ok(f.drA, "patients", "show", id)
	for _, leak := range []string{"diagnosis", "insomnio", "999 111 222", "balance"} {
		if strings.Contains(text, leak) {
			t.Errorf("text show of a colleague's patient shows %q:\n%s", leak, text)
		}
	}
	if !strings.Contains(text, "Mario Quispe") || !strings.Contains(text, "no es su paciente") {
		t.Errorf("text show of a colleague's patient:\n%s", text)
	}
}

func TestPatientsAddRefusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	base := []string{"patients", "add", "--first-name", "Eva", "--surname", "Luna", "--birth-date", "1990-01-01"}
	// Reception registers patients but may not write clinical fields.
	f.fails(1, "Su rol no permite esta acción.", f.desk, append(base, "--diagnosis", "x")...)
	// A specialist does not register patients.
	f.fails(1, "Su rol no permite esta acción.", f.drA, base...)
	// The store's validation names the field.
	f.fails(1, "Fecha de nacimiento: no puede estar en el futuro", f.desk, "patients", "add", "--first-name", "Eva", "--surname", "Luna",
		"--birth-date", "2030-01-01")
	f.ok(f.desk, append(base, "--document", "777")...)
	f.fails(1, "No se guardó (Documento): ya está registrado para el paciente n.º ", f.desk, append(base, "--document", "777")...)
	f.fails(1, "No se encontró: paciente 999999.", f.desk, "patients", "show", "999999")
}

// A name with an escape sequence is refused, saying which character and
// where (issue 12). One stored before that check is printed as visible
// text: the sequence never reaches the reader's terminal.
func TestStoredEscapeSequencesAreHarmlessInText(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	evil := "Eve\x1b[2J\x1b]0;pwned\x07"
	f.fails(1, "«Nombres»: el carácter U+001B (ESCAPE) en la posición 4 no está permitido", f.desk,
		"patients", "add", "--first-name", evil, "--surname", "Mal", "--birth-date", "1990-01-01")
	var p PatientView
	f.okJSON(&p, f.desk, "patients", "add", "--first-name", "Eve", "--surname", "Malory", "--birth-date", "1990-01-01")
	storetest.SetRaw(t, f.tn, "patients", "first_name", p.ID, evil)
	storetest.SetRaw(t, f.tn, "patients", "surname", p.ID, "Mal\x1b[31mory")
	id := strconv.FormatInt(p.ID, 10)
	for _, args := range [][]string{
		{"patients", "list"},
		{"patients", "show", id},
		{"sessions", "book", "--patient", id, "--specialist", strconv.FormatInt(f.specA.ID, 10),
			"--room", strconv.FormatInt(f.room.ID, 10), "--start", "2026-11-23 09:00"},
		{"agenda", "--date", "2026-11-23"},
	} {
		out := f.ok(f.admin, args...)
		if strings.ContainsAny(out, "\x1b\x07") {
			t.Errorf("%v printed a control character:\n%q", args, out)
		}
		if !strings.Contains(out, "Eve␛[2J") {
			t.Errorf("%v: the name is not shown as visible text:\n%s", args, out)
		}
	}
	// JSON escapes it (a consumer gets the stored value back).
	out := f.ok(f.admin, "patients", "show", id, "--json")
	if strings.Contains(out, "\x1b") || !strings.Contains(out, `Eve\u001b[2J`) {
		t.Errorf("JSON: %q", out)
	}
	// And an error message quoting input is sanitized too.
	r := f.run(f.admin, "patients", "show", "\x1b[2J")
	if r.code != 2 || strings.Contains(r.err, "\x1b") {
		t.Errorf("bad id with an escape: exit %d, %q", r.code, r.err)
	}
}
