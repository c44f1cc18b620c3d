package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"consultorio/store"
	"consultorio/store/storetest"
)

func clDate(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func clNewPatient(t testing.TB, tn *store.Tenant, in store.PatientInput) store.Patient {
	t.Helper()
	if in.BirthDate.IsZero() {
		in.BirthDate = clDate("1990-05-17")
	}
	p, err := tn.CreatePatient(context.Background(), store.System, in)
	if err != nil {
		t.Fatalf("create patient %s %s: %v", in.FirstName, in.Surname, err)
	}
	return p
}

// clAddSession books a completed (or other status) session between a patient
// and a specialist with raw SQL, optionally with an unpaid/paid payment:
// sessions and payments belong to another part of the store.
func clAddSession(t testing.TB, tn *store.Tenant, patientID, specialistID int64, start time.Time, status string, payment *decimal.Decimal, paid bool) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	err := tn.Exec(ctx, func(tx pgx.Tx) error {
		var room int64
		err := tx.QueryRow(ctx, `select id from rooms order by id limit 1`).Scan(&room)
		if errors.Is(err, pgx.ErrNoRows) {
			err = tx.QueryRow(ctx, `insert into rooms (name) values ('Sala de prueba') returning id`).Scan(&room)
		}
		if err != nil {
			return err
		}
		obs, completed, reason := "", (*time.Time)(nil), (*string)(nil)
		switch status {
		case "completed":
			obs, completed = "ok", &start
		case "cancelled":
			r := "patient"
			reason = &r
		}
		if err := tx.QueryRow(ctx, `insert into sessions (patient_id, specialist_id, room_id, starts_at, duration_min, ends_at,
				status, observation, completed_at, cancel_reason)
			values ($1, $2, $3, $4::timestamptz, 60, $4::timestamptz + interval '60 minutes', $5, $6, $7, $8) returning id`,
			patientID, specialistID, room, start, status, obs, completed, reason).Scan(&id); err != nil {
			return err
		}
		if payment == nil {
			return nil
		}
		var paidOn *time.Time
		var method *string
		if paid {
			m := "cash"
			paidOn, method = &start, &m
		}
		_, err = tx.Exec(ctx, `insert into payments (session_id, amount, paid, paid_on, method) values ($1, $2, $3, $4, $5)`,
			id, *payment, paid, paidOn, method)
		return err
	})
	if err != nil {
		t.Fatalf("add session: %v", err)
	}
	return id
}

func clDec(s string) *decimal.Decimal {
	d := decimal.RequireFromString(s)
	return &d
}

func TestPatientCreateAndValidation(t *testing.T) {
	t.Parallel()
	// 2026-03-10 03:00 UTC is still 2026-03-09 in Lima (UTC-5).
	now := time.Date(2026, 3, 10, 3, 0, 0, 0, time.UTC)
	db := storetest.NewDBWith(t, store.Options{Clock: storetest.NewClock(now)})
	a, _ := storetest.NewTenant(t, db, "clinic-a")
	ctx := context.Background()
	doc := clNewSpecialist(t, a, "Lucía", "Quispe", "S1")

	in := store.PatientInput{FirstName: "  María José ", Surname: "Pérez Ñique", BirthDate: clDate("2016-03-09"),
		Gender: "Female", Document: " 71234567 ", Address: "Av. Arequipa 123", Phone: "+51 987 654 321",
		Email: "mj.perez@example.com", MaritalStatus: "soltera", Education: "primaria",
		CostSession: decimal.RequireFromString("120.50"), TherapistID: &doc.ID,
		MedicalDiagnosis: "TEA leve", MedicalHistory: "Parto prematuro", Allergies: "Penicilina", Therapy: "Lenguaje",
		EmergencyName: "Rosa Ñique", EmergencyPhone: "999888777", Notes: "Prefiere mañanas"}
	p, err := a.CreatePatient(ctx, clAdmin("a"), in)
	if err != nil {
		t.Fatal(err)
	}
	if p.FirstName != "María José" || p.Document != "71234567" || p.Gender != "female" || p.Status != "active" ||
		p.Age != 10 || p.TherapistName != "Lucía Quispe" || !p.ClinicalVisible || p.Allergies != "Penicilina" ||
		!p.CostSession.Equal(decimal.RequireFromString("120.5")) || p.ArchivedAt != nil || !p.CreatedAt.Equal(now) {
		t.Fatalf("created: %+v", p)
	}
	clRequireAudit(t, a, "create", "patient", p.ID, 1)

	// JSON: snake_case, date-only birth date, clinical fields only when visible.
	js, _ := json.Marshal(p)
	for _, want := range []string{`"birth_date":"2016-03-09"`, `"first_name":"María José"`, `"surname":"Pérez Ñique"`,
		`"cost_session":"120.5"`, `"therapist_name":"Lucía Quispe"`, `"age":10`, `"medical_diagnosis":"TEA leve"`,
		`"clinical_visible":true`, `"archived_at":null`} {
		if !strings.Contains(string(js), want) {
			t.Errorf("JSON lacks %s: %s", want, js)
		}
	}
	rp, err := a.GetPatient(ctx, clReception("a"), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	js, _ = json.Marshal(rp)
	for _, field := range []string{"medical_diagnosis", "medical_history", "allergies", "therapy", "notes"} {
		if strings.Contains(string(js), `"`+field+`"`) {
			t.Errorf("reception JSON has %s: %s", field, js)
		}
	}

	// Birth date: "today" is the clinic's date, not UTC's.
	bad := in
	bad.Document, bad.BirthDate = "", clDate("2026-03-10")
	_, err = a.CreatePatient(ctx, clAdmin("a"), bad)
	clWantFields(t, err, "birth_date")
	bad.BirthDate = clDate("2026-03-09")
	if _, err := a.CreatePatient(ctx, clAdmin("a"), bad); err != nil {
		t.Errorf("born today in Lima: %v", err)
	}

	// Every rule names its field.
	_, err = a.CreatePatient(ctx, clAdmin("a"), store.PatientInput{FirstName: " ", Surname: "", Gender: "x",
		Email: "nope@", CostSession: decimal.RequireFromString("-1"), Status: "dead", Notes: strings.Repeat("n", 20001)})
	clWantFields(t, err, "first_name", "surname", "birth_date", "gender", "email", "cost_session", "status", "notes")
	if _, err := a.CreatePatient(ctx, clAdmin("a"), store.PatientInput{FirstName: "A", Surname: "A\x00B", BirthDate: clDate("1990-01-01")}); !isTextError(err, "surname") {
		t.Errorf("NUL in the surname: %v", err)
	}
	_, err = a.CreatePatient(ctx, clAdmin("a"), store.PatientInput{FirstName: "A", Surname: "B", BirthDate: clDate("1850-01-01"),
		CostSession: decimal.RequireFromString("10.005")})
	clWantFields(t, err, "birth_date", "cost_session")
	var ve *store.ValidationError
	if errors.As(err, &ve); ve.Reason("cost_session") != store.ReasonAmount {
		t.Errorf("reason: %v", ve.Fields["cost_session"])
	}
	// Document unique when present: the message names who has it.
	dup := in
	dup.FirstName = "Otra"
	_, err = a.CreatePatient(ctx, clAdmin("a"), dup)
	var ce *store.ConflictError
	if !errors.As(err, &ce) || ce.Field != "document" || ce.Reason != store.ReasonTakenBy ||
		len(ce.Args) != 1 || ce.Args[0] != p.ID {
		t.Fatalf("duplicate document: %v", err)
	}
	// Therapist must exist and be active.
	ghost := int64(999)
	dup.Document, dup.TherapistID = "", &ghost
	_, err = a.CreatePatient(ctx, clAdmin("a"), dup)
	clWantFields(t, err, "therapist_id")
	if _, err := a.DeactivateSpecialist(ctx, clAdmin("a"), doc.ID); err != nil {
		t.Fatal(err)
	}
	dup.TherapistID = &doc.ID
	_, err = a.CreatePatient(ctx, clAdmin("a"), dup)
	clWantFields(t, err, "therapist_id")
	// But a patient keeps an inactive therapist on unrelated edits.
	edit := p.Input()
	edit.Phone = "01 222 3333"
	if up, err := a.UpdatePatient(ctx, clAdmin("a"), p.ID, edit); err != nil || up.Phone != "01 222 3333" || up.TherapistName != "Lucía Quispe" {
		t.Errorf("edit with inactive therapist: %+v %v", up, err)
	}
	// Empty document and e-mail are stored as none: two patients may lack them.
	for range 2 {
		clNewPatient(t, a, store.PatientInput{FirstName: "Sin", Surname: "Documento"})
	}
}

// The role matrix cells of patients (PRODUCT.md §4).
func TestPatientRoles(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	a, _ := storetest.NewTenant(t, db, "clinic-a")
	ctx := context.Background()
	lucia := clNewSpecialist(t, a, "Lucía", "Quispe", "S1")
	mario := clNewSpecialist(t, a, "Mario", "Rojas", "S2")
	sol := clNewSpecialist(t, a, "Sol", "Vega", "S3")
	withClinical := func(in store.PatientInput) store.PatientInput {
		in.MedicalDiagnosis, in.MedicalHistory, in.Allergies, in.Therapy, in.Notes = "Dx", "Hx", "Ax", "Tx", "Nx"
		return in
	}
	ofLucia := clNewPatient(t, a, withClinical(store.PatientInput{FirstName: "Ana", Surname: "Lucia", TherapistID: &lucia.ID}))
	ofMario := clNewPatient(t, a, withClinical(store.PatientInput{FirstName: "Beto", Surname: "Mario", TherapistID: &mario.ID}))
	// Mario's patient had one session with Sol: Sol's own patient too.
	clAddSession(t, a, ofMario.ID, sol.ID, time.Date(2026, 1, 5, 15, 0, 0, 0, time.UTC), "completed", nil, false)

	// Reception never sees clinical fields.
	rp, err := a.GetPatient(ctx, clReception("a"), ofLucia.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rp.ClinicalVisible || rp.MedicalDiagnosis != "" || rp.MedicalHistory != "" || rp.Allergies != "" || rp.Therapy != "" || rp.Notes != "" {
		t.Errorf("reception sees clinical fields: %+v", rp)
	}
	if rp.FirstName != "Ana" || rp.Surname != "Lucia" || rp.BirthDate.IsZero() || rp.Restricted {
		t.Errorf("reception lacks demographics: %+v", rp)
	}
	clRequireAudit(t, a, "view", "patient_clinical", 0, 0)

	// A specialist reads the clinical fields of their own patient, with an
	// audit row saying who and from where...
	sp, err := a.GetPatient(ctx, clSpecialist("a", lucia.ID), ofLucia.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !sp.ClinicalVisible || sp.MedicalDiagnosis != "Dx" || sp.Notes != "Nx" {
		t.Errorf("own patient without clinical fields: %+v", sp)
	}
	rows := clRequireAudit(t, a, "view", "patient_clinical", ofLucia.ID, 1)
	if rows[0].UserEmail != "doc@clinic-a.test" || rows[0].RemoteAddr != "192.0.2.3:5000" {
		t.Errorf("audit row: %+v", rows[0])
	}
	// ...also through a session (Sol saw Mario's patient).
	if sp, err := a.GetPatient(ctx, clSpecialist("a", sol.ID), ofMario.ID); err != nil || !sp.ClinicalVisible || sp.Allergies != "Ax" {
		t.Errorf("patient seen in a session: %+v %v", sp, err)
	}
	// ...but not of someone else's patient: name only, nothing clinical, no audit.
	np, err := a.GetPatient(ctx, clSpecialist("a", lucia.ID), ofMario.ID)
	if err != nil {
		t.Fatal(err)
	}
	if np.ClinicalVisible || !np.Restricted || np.MedicalDiagnosis != "" || np.Notes != "" || np.Phone != "" || np.Document != "" ||
		!np.BirthDate.IsZero() || np.Surname != "Mario" {
		t.Errorf("other's patient: %+v", np)
	}
	clRequireAudit(t, a, "view", "patient_clinical", ofMario.ID, 1) // Sol's view only
	// The admin sees everything, audited.
	if ap, err := a.GetPatient(ctx, clAdmin("a"), ofMario.ID); err != nil || !ap.ClinicalVisible || ap.Therapy != "Tx" {
		t.Errorf("admin: %+v %v", ap, err)
	}
	clRequireAudit(t, a, "view", "patient_clinical", ofMario.ID, 2)

	// A specialist lists only their own patients.
	page, err := a.ListPatients(ctx, clSpecialist("a", lucia.ID), store.PatientQuery{})
	if err != nil || len(page.Patients) != 1 || page.Patients[0].ID != ofLucia.ID {
		t.Errorf("Lucía's list: %+v %v", page.Patients, err)
	}
	page, err = a.ListPatients(ctx, clSpecialist("a", sol.ID), store.PatientQuery{})
	if err != nil || len(page.Patients) != 1 || page.Patients[0].ID != ofMario.ID {
		t.Errorf("Sol's list: %+v %v", page.Patients, err)
	}
	page, err = a.ListPatients(ctx, clSpecialist("a", 0), store.PatientQuery{})
	if err != nil || len(page.Patients) != 0 {
		t.Errorf("unlinked specialist's list: %+v %v", page.Patients, err)
	}
	page, err = a.ListPatients(ctx, clAdmin("a"), store.PatientQuery{})
	if err != nil || len(page.Patients) != 2 || page.Patients[0].ClinicalVisible || page.Patients[0].MedicalDiagnosis != "" {
		t.Errorf("admin's list (no clinical fields in lists): %+v %v", page.Patients, err)
	}

	// Writes. A specialist cannot register patients.
	if _, err := a.CreatePatient(ctx, clSpecialist("a", lucia.ID), store.PatientInput{FirstName: "X", Surname: "Y", BirthDate: clDate("2000-01-01")}); !isForbidden(err) {
		t.Errorf("specialist registers a patient: %v", err)
	}
	// Reception registers, without clinical fields.
	if _, err := a.CreatePatient(ctx, clReception("a"), withClinical(store.PatientInput{FirstName: "X", Surname: "Y", BirthDate: clDate("2000-01-01")})); !isForbidden(err) {
		t.Errorf("reception fills clinical fields: %v", err)
	}
	rec, err := a.CreatePatient(ctx, clReception("a"), store.PatientInput{FirstName: "Carla", Surname: "Desk", BirthDate: clDate("2000-01-01")})
	if err != nil || rec.ClinicalVisible {
		t.Fatalf("reception registers: %+v %v", rec, err)
	}
	// Reception edits personal data from what it sees; the stored clinical
	// fields stay.
	edit := rp.Input()
	edit.Phone = "555-0101"
	if got, err := a.UpdatePatient(ctx, clReception("a"), ofLucia.ID, edit); err != nil || got.Phone != "555-0101" || got.ClinicalVisible {
		t.Fatalf("reception edit: %+v %v", got, err)
	}
	if ap, _ := a.GetPatient(ctx, clAdmin("a"), ofLucia.ID); ap.MedicalDiagnosis != "Dx" || ap.Notes != "Nx" || ap.Phone != "555-0101" {
		t.Errorf("clinical fields lost by a reception edit: %+v", ap)
	}
	edit.Allergies = "none"
	if _, err := a.UpdatePatient(ctx, clReception("a"), ofLucia.ID, edit); !isForbidden(err) {
		t.Errorf("reception writes clinical fields: %v", err)
	}
	// A specialist writes clinical fields (and status) of their own patient...
	sp, _ = a.GetPatient(ctx, clSpecialist("a", lucia.ID), ofLucia.ID)
	edit = sp.Input()
	edit.MedicalDiagnosis, edit.Status = "Dx revisado", "discharged"
	got, err := a.UpdatePatient(ctx, clSpecialist("a", lucia.ID), ofLucia.ID, edit)
	if err != nil || got.MedicalDiagnosis != "Dx revisado" || got.Status != "discharged" || !got.ClinicalVisible {
		t.Fatalf("specialist clinical edit: %+v %v", got, err)
	}
	rows = clRequireAudit(t, a, "update", "patient", ofLucia.ID, 2)
	if string(rows[0].Detail) != `{"changed": ["medical_diagnosis", "status"]}` {
		t.Errorf("audit detail: %s", rows[0].Detail)
	}
	clRequireAudit(t, a, "update", "patient_clinical", ofLucia.ID, 1)
	// ...but not their personal data, nor anything of someone else's patient.
	edit.Phone = "000"
	if _, err := a.UpdatePatient(ctx, clSpecialist("a", lucia.ID), ofLucia.ID, edit); !isForbidden(err) {
		t.Errorf("specialist edits personal data: %v", err)
	}
	if _, err := a.UpdatePatient(ctx, clSpecialist("a", lucia.ID), ofMario.ID, np.Input()); !isForbidden(err) {
		t.Errorf("specialist edits another's patient: %v", err)
	}
	// Archive and purge are not for specialists; purge is admin only.
	if _, err := a.ArchivePatient(ctx, clSpecialist("a", lucia.ID), ofLucia.ID); !isForbidden(err) {
		t.Errorf("specialist archives: %v", err)
	}
	if err := a.PurgePatient(ctx, clReception("a"), rec.ID, "Carla Desk"); !isForbidden(err) {
		t.Errorf("reception purges: %v", err)
	}
	// Balance: a specialist only for their own patients.
	if _, err := a.PatientBalance(ctx, clSpecialist("a", lucia.ID), ofMario.ID); !isForbidden(err) {
		t.Errorf("balance of another's patient: %v", err)
	}
}

func TestPatientArchivePurgeAndBalance(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	a, _ := storetest.NewTenant(t, db, "clinic-a")
	ctx := context.Background()
	lucia := clNewSpecialist(t, a, "Lucía", "Quispe", "S1")
	mario := clNewSpecialist(t, a, "Mario", "Rojas", "S2")
	p := clNewPatient(t, a, store.PatientInput{FirstName: "Ana", Surname: "Torres", TherapistID: &lucia.ID})
	q := clNewPatient(t, a, store.PatientInput{FirstName: "Raúl", Surname: "Sin  Sesiones"})

	// Archive hides from the lists, unarchive brings back.
	ar, err := a.ArchivePatient(ctx, clReception("a"), p.ID)
	if err != nil || ar.ArchivedAt == nil {
		t.Fatalf("archive: %+v %v", ar, err)
	}
	page, _ := a.ListPatients(ctx, clAdmin("a"), store.PatientQuery{})
	if len(page.Patients) != 1 || page.Patients[0].ID != q.ID {
		t.Errorf("list after archive: %+v", page.Patients)
	}
	page, _ = a.ListPatients(ctx, clAdmin("a"), store.PatientQuery{OnlyArchived: true})
	if len(page.Patients) != 1 || page.Patients[0].ID != p.ID {
		t.Errorf("archived list: %+v", page.Patients)
	}
	page, _ = a.ListPatients(ctx, clAdmin("a"), store.PatientQuery{IncludeArchived: true})
	if len(page.Patients) != 2 {
		t.Errorf("list with archived: %+v", page.Patients)
	}
	if got, err := a.GetPatient(ctx, clAdmin("a"), p.ID); err != nil || got.ArchivedAt == nil {
		t.Errorf("get archived: %+v %v", got, err)
	}
	if un, err := a.UnarchivePatient(ctx, clAdmin("a"), p.ID); err != nil || un.ArchivedAt != nil {
		t.Fatalf("unarchive: %+v %v", un, err)
	}
	clRequireAudit(t, a, "archive", "patient", p.ID, 1)
	clRequireAudit(t, a, "unarchive", "patient", p.ID, 1)

	// Balance = unpaid payments of completed sessions.
	day := func(d int) time.Time { return time.Date(2026, 2, d, 14, 0, 0, 0, time.UTC) }
	clAddSession(t, a, p.ID, lucia.ID, day(2), "completed", clDec("100"), false)
	clAddSession(t, a, p.ID, lucia.ID, day(3), "completed", clDec("80.50"), false)
	clAddSession(t, a, p.ID, mario.ID, day(4), "completed", clDec("60"), false)
	clAddSession(t, a, p.ID, lucia.ID, day(5), "completed", clDec("100"), true)  // paid
	clAddSession(t, a, p.ID, lucia.ID, day(6), "planned", clDec("100"), false)   // not completed
	clAddSession(t, a, p.ID, lucia.ID, day(7), "cancelled", clDec("100"), false) // cancelled
	clAddSession(t, a, p.ID, lucia.ID, day(8), "completed", nil, false)          // no payment row
	clAddSession(t, a, q.ID, lucia.ID, day(9), "completed", clDec("999"), false) // another patient
	for _, c := range []struct {
		actor store.Actor
		want  string
	}{{clAdmin("a"), "240.5"}, {clReception("a"), "240.5"}, {clSpecialist("a", lucia.ID), "180.5"}} {
		got, err := a.PatientBalance(ctx, c.actor, p.ID)
		if err != nil || !got.Equal(decimal.RequireFromString(c.want)) {
			t.Errorf("%s balance: %s %v; want %s", c.actor.Role, got, err, c.want)
		}
	}
	if got, err := a.PatientBalance(ctx, clAdmin("a"), clNewPatient(t, a, store.PatientInput{FirstName: "C", Surname: "Cero"}).ID); err != nil || !got.IsZero() {
		t.Errorf("no sessions: %s %v", got, err)
	}
	if _, err := a.PatientBalance(ctx, clAdmin("a"), 999999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("balance of nobody: %v", err)
	}

	// Purge: admin only, typed full name, refused when there are sessions.
	err = a.PurgePatient(ctx, clAdmin("a"), q.ID, "raul sin sesiones")
	clWantFields(t, err, "confirm")
	err = a.PurgePatient(ctx, clAdmin("a"), p.ID, "Ana Torres")
	clWantFields(t, err, "patient")
	var ve *store.ValidationError
	errors.As(err, &ve)
	if f := ve.Fields["patient"]; f.Reason != store.ReasonHasSessions || len(f.Args) != 1 || f.Args[0] != 7 {
		t.Errorf("reason: %v", f)
	}
	z := clNewPatient(t, a, store.PatientInput{FirstName: "Zoe", Surname: "Purga"})
	if err := a.PurgePatient(ctx, clAdmin("a"), z.ID, "  Zoe   Purga "); err != nil {
		t.Fatal(err)
	}
	if _, err := a.GetPatient(ctx, clAdmin("a"), z.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("purged patient still there: %v", err)
	}
	if err := a.PurgePatient(ctx, clAdmin("a"), z.ID, "Zoe Purga"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("purge twice: %v", err)
	}
	clRequireAudit(t, a, "purge", "patient", z.ID, 1)
}

// The optional patients limit holds under concurrent registrations and
// counts unarchiving.
func TestPatientLimitIsRaceFree(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	a, _ := storetest.NewTenant(t, db, "clinic-a")
	ctx := context.Background()
	if _, err := db.Pool().Exec(ctx, `update public.tenants set patients_limit = 3 where schema_name = 'clinic-a'`); err != nil {
		t.Fatal(err)
	}
	if err := a.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = a.CreatePatient(ctx, clReception("a"), store.PatientInput{FirstName: "P", Surname: fmt.Sprint(i), BirthDate: clDate("2001-01-01")})
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		var le *store.LimitError
		switch {
		case err == nil:
			ok++
		case errors.As(err, &le) && le.What == "patients" && le.Limit == 3 && le.Count == 3:
		default:
			t.Errorf("unexpected: %v", err)
		}
	}
	if ok != 3 {
		t.Fatalf("%d registered under a limit of 3", ok)
	}
	page, _ := a.ListPatients(ctx, clAdmin("a"), store.PatientQuery{})
	if _, err := a.ArchivePatient(ctx, clAdmin("a"), page.Patients[0].ID); err != nil {
		t.Fatal(err)
	}
	clNewPatient(t, a, store.PatientInput{FirstName: "Q", Surname: "Q"})
	var le *store.LimitError
	if _, err := a.UnarchivePatient(ctx, clAdmin("a"), page.Patients[0].ID); !errors.As(err, &le) {
		t.Errorf("unarchive over the limit: %v", err)
	}
}

// A search for a LIKE wildcard, typed plain or in its fullwidth form, finds
// the names that hold that character and nothing else (issue 12, F9).
func TestSearchWildcardsAreLiteral(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	a, _ := storetest.NewTenant(t, db, "clinic-a")
	ctx := context.Background()
	mk := func(first, surname string) int64 {
		return clNewPatient(t, a, store.PatientInput{FirstName: first, Surname: surname}).ID
	}
	mk("Ana", "Quispe")
	mk("Luis", "Pérez")
	pct := mk("Rosa", "%Ramos")
	under := mk("Eva", "_Vega")
	slash := mk("Juan", `\Soto`)
	mid := mk("Mía", "Tres%Cinco_Siete")
	cases := []struct {
		q    string
		want []int64
	}{
		{"%", []int64{pct}},
		{"％", []int64{pct}},
		{"_", []int64{under}},
		{"＿", []int64{under}},
		{`\`, []int64{slash}},
		{"＼", []int64{slash}}, // fullwidth reverse solidus
		{"s%c", []int64{mid}},
		{"s％c", []int64{mid}},
		{"o_s", []int64{mid}},
		{"o＿s", []int64{mid}},
		{"%%", nil}, // no surname or first name starts with two of them
		{"％％％", nil},
		{"_v", []int64{under}},
	}
	for _, c := range cases {
		page, err := a.ListPatients(ctx, clReception("a"), store.PatientQuery{Search: c.q})
		if err != nil {
			t.Fatalf("search %q: %v", c.q, err)
		}
		var got []int64
		for _, p := range page.Patients {
			got = append(got, p.ID)
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("search %q: got %v, want %v", c.q, got, c.want)
		}
	}
}

func TestPatientSearch(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	a, _ := storetest.NewTenant(t, db, "clinic-a")
	ctx := context.Background()
	mk := func(first, surname, doc, phone, email string) int64 {
		return clNewPatient(t, a, store.PatientInput{FirstName: first, Surname: surname, Document: doc, Phone: phone, Email: email}).ID
	}
	perez := mk("José", "Pérez García", "70112233", "987 654 321", "jose.perez@example.com")
	alvarez := mk("Ángela", "Álvarez", "", "01-4455667", "")
	nunez := mk("Íñigo", "Núñez", "X-99_100%", "", "INIGO@Correo.PE")
	quispe := mk("Ana", "Quispe", "55500011", "999000111", "ana@example.com")
	lipa := mk("Li", "Pa", "", "", "")

	cases := []struct {
		q    string
		want []int64 // in list order: surname, first name, accents and case ignored
	}{
		{"perez", []int64{perez}},
		{"PÉREZ", []int64{perez}},
		{"pérez garcia", []int64{perez}},
		{"garcia JOSE", []int64{perez}},
		{"7011", []int64{perez}},
		{"654 321", []int64{perez}},
		{"jose.perez@", []int64{perez}},
		{"alvarez", []int64{alvarez}},
		{"angela", []int64{alvarez}},
		{"4455667", []int64{alvarez}},
		// Phone numbers whatever the spaces or dashes, stored or typed (issue 13).
		{"987654321", []int64{perez}},
		{"987-654-321", []int64{perez}},
		{"014455667", []int64{alvarez}},
		{"(01) 4455667", []int64{alvarez}},
		{"999-000-111", []int64{quispe}},
		{"nunez", []int64{nunez}},
		{"inigo@correo", []int64{nunez}},
		{"99_1", []int64{nunez}}, // LIKE wildcards typed are literal
		{"100%", []int64{nunez}},
		{"%%%", nil},
		{"___", nil},
		// Fullwidth forms are the characters they stand for (NFKC): the
		// wildcards among them are literal too (issue 12, F9).
		{"％", nil},
		{"＿", nil},
		{"％％％", nil},
		{"＿＿＿", nil},
		{"１００％", []int64{nunez}},
		{"99＿1", []int64{nunez}},
		{"ｎｕｎｅｚ", []int64{nunez}},
		{`\`, nil},
		{"nobody", nil},
		{"example.com", []int64{perez, quispe}},
		{"ana example.com", []int64{quispe}},
		{"  Quispe\x00 ", []int64{quispe}},
		// One letter: the start of the surname or the first name.
		{"p", []int64{lipa, perez}},
		{"á", []int64{alvarez, quispe}},
		// Two letters match anywhere (issue 13: "ar" finds Lara), served
		// by the letter-pair index when rare: in names, e-mails, phones.
		{"pe", []int64{nunez, perez, quispe}}, // Correo.PE, Pérez, Quispe
		{"ar", []int64{alvarez, perez}},       // Álvarez, García
		{"li", []int64{lipa}},
		{"ez", []int64{alvarez, nunez, perez}},
		{"ÑE", []int64{nunez}},
		{"54", []int64{perez}}, // 987 654 321
		{"jo pe", []int64{perez}},
		{"ar a", []int64{alvarez, perez}},
		{"zq", nil},
		{"%_", nil},
		{"", []int64{alvarez, nunez, lipa, perez, quispe}},
	}
	for _, c := range cases {
		page, err := a.ListPatients(ctx, clReception("a"), store.PatientQuery{Search: c.q})
		if err != nil {
			t.Fatalf("search %q: %v", c.q, err)
		}
		var got []int64
		for _, p := range page.Patients {
			got = append(got, p.ID)
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("search %q: got %v, want %v", c.q, got, c.want)
		}
	}
	if _, err := a.ListPatients(ctx, clReception("a"), store.PatientQuery{Sort: "age"}); err == nil {
		t.Error("unknown sort accepted")
	}
}

// Keyset paging returns every row exactly once, in the same order as one
// big page, for both orders, with and without a search.
func TestPatientPaging(t *testing.T) {
	db := storetest.NewDB(t)
	a, _ := storetest.NewTenant(t, db, "clinic-a")
	ctx := context.Background()
	lucia := clNewSpecialist(t, a, "Lucía", "Quispe", "S1")
	surnames := []string{"García", "garcia", "Gárcia", "Pérez", "Perez", "Álvarez", "Zúñiga", "de la Cruz", "Ñique", "O'Brien"}
	firsts := []string{"Ana", "ana", "Ángel", "Bruno"}
	// The clock ticks: several patients share a created_at.
	tick := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	for i := range 43 {
		in := store.PatientInput{FirstName: firsts[i%len(firsts)], Surname: surnames[(i*7)%len(surnames)], BirthDate: clDate("1980-01-01")}
		if i%3 == 0 {
			in.TherapistID = &lucia.ID
		}
		p := clNewPatient(t, a, in)
		// Lucía also sees the patients she has sessions with (some of them
		// also hers as therapist, some with two sessions).
		if i%5 == 0 {
			clAddSession(t, a, p.ID, lucia.ID, tick.Add(time.Duration(i)*time.Hour), "planned", nil, false)
		}
		if i%10 == 0 {
			clAddSession(t, a, p.ID, lucia.ID, tick.Add(time.Duration(i)*time.Hour+30*time.Minute+24*time.Hour*30), "cancelled", nil, false)
		}
		if err := a.Exec(ctx, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `update patients set created_at = $2 where id = $1`, p.ID, tick.Add(time.Duration(i/4)*time.Minute))
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	// A multi-word search first walks a bounded stretch of the name order
	// (see patientListSQL), a fifth of it first: with the default bound the
	// walk covers this table; with 2, 9 and 40 entries it stops short, and
	// every answer must stay the same.
	for _, walk := range []int{0, 2, 9, 40} {
		func() {
			if walk > 0 {
				defer store.SetPatientWalk(walk)()
			}
			clCheckPaging(t, a, walk, lucia.ID)
		}()
	}
	// The name order ignores accents and case: each surname's rows are
	// together, "Álvarez" first and "Zúñiga" last.
	big, _ := a.ListPatients(ctx, clAdmin("a"), store.PatientQuery{Limit: 500})
	norm := strings.NewReplacer("á", "a", "é", "e", "í", "i", "ó", "o", "ú", "u", "ñ", "n", "Á", "a", "Ñ", "n", "Z", "z", "Ú", "u")
	var groups []string
	for _, p := range big.Patients {
		g := strings.ToLower(norm.Replace(p.Surname))
		if len(groups) == 0 || groups[len(groups)-1] != g {
			groups = append(groups, g)
		}
	}
	if fmt.Sprint(groups) != "[alvarez de la cruz garcia nique o'brien perez zuniga]" {
		t.Errorf("name order: %v", groups)
	}
}

// clCheckPaging is TestPatientPaging's check: every query, paged with several
// sizes, gives the rows of one big page once each and in the same order.
// walk only names the run in failures.
func clCheckPaging(t *testing.T, a *store.Tenant, walk int, lucia int64) {
	t.Helper()
	ctx := context.Background()
	for _, c := range []struct {
		name  string
		actor store.Actor
		q     store.PatientQuery
		want  int
	}{
		{"by name", clAdmin("a"), store.PatientQuery{}, 43},
		{"by created", clAdmin("a"), store.PatientQuery{Sort: store.PatientSortCreated}, 43},
		{"search", clReception("a"), store.PatientQuery{Search: "garcia"}, 13},
		{"short search", clReception("a"), store.PatientQuery{Search: "an"}, 33},
		{"two words", clReception("a"), store.PatientQuery{Search: "ana garcia"}, 7},
		{"two words, any order", clReception("a"), store.PatientQuery{Search: "garcia ANA"}, 7},
		{"two words and a short one", clReception("a"), store.PatientQuery{Search: "garcia an ana"}, 7},
		{"three words", clReception("a"), store.PatientQuery{Search: "ana garcia example"}, 0},
		{"specialist", clSpecialist("a", lucia), store.PatientQuery{}, 21},
		{"specialist by created", clSpecialist("a", lucia), store.PatientQuery{Sort: store.PatientSortCreated}, 21},
		{"specialist search", clSpecialist("a", lucia), store.PatientQuery{Search: "ana garcia"}, 5},
		{"specialist short search", clSpecialist("a", lucia), store.PatientQuery{Search: "an"}, 16},
		{"specialist search by created", clSpecialist("a", lucia), store.PatientQuery{Search: "garcia", Sort: store.PatientSortCreated}, 9},
		// Letter pairs: common ("an") and rarer ("ru": de la Cruz, Bruno),
		// in both orders; short walks hand over to the letter-pair index.
		{"pair search", clReception("a"), store.PatientQuery{Search: "ru"}, 13},
		{"pair search by created", clReception("a"), store.PatientQuery{Search: "ru", Sort: store.PatientSortCreated}, 13},
		{"short search by created", clReception("a"), store.PatientQuery{Search: "an", Sort: store.PatientSortCreated}, 33},
		{"specialist pair search", clSpecialist("a", lucia), store.PatientQuery{Search: "ru"}, 6},
	} {
		name := fmt.Sprintf("%s (walk %d)", c.name, walk)
		all := c.q
		all.Limit = 500
		big, err := a.ListPatients(ctx, c.actor, all)
		if err != nil {
			t.Fatal(err)
		}
		if len(big.Patients) != c.want || big.Next != nil {
			t.Fatalf("%s: one page has %d rows (next %v), want %d", name, len(big.Patients), big.Next, c.want)
		}
		for _, size := range []int{1, 4, 5, 7} {
			q := c.q
			q.Limit = size
			var got []int64
			seen := map[int64]bool{}
			for pages := 0; ; pages++ {
				if pages > c.want+1 {
					t.Fatalf("%s/%d: paging does not end", name, size)
				}
				page, err := a.ListPatients(ctx, c.actor, q)
				if err != nil {
					t.Fatal(err)
				}
				if len(page.Patients) > size {
					t.Fatalf("%s/%d: page of %d", name, size, len(page.Patients))
				}
				for _, p := range page.Patients {
					if seen[p.ID] {
						t.Fatalf("%s/%d: patient %d twice", name, size, p.ID)
					}
					seen[p.ID] = true
					got = append(got, p.ID)
				}
				if page.Next == nil {
					break
				}
				q.After = page.Next
			}
			for i := range big.Patients {
				if i >= len(got) || got[i] != big.Patients[i].ID {
					t.Fatalf("%s/%d: order differs at %d (%d rows of %d)", name, size, i, len(got), c.want)
				}
			}
			if len(got) != c.want {
				t.Fatalf("%s/%d: %d rows, want %d", name, size, len(got), c.want)
			}
		}
	}
}

// Everything done through clinic A's handle touches only clinic A.
func TestPatientIsolation(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	a, _ := storetest.NewTenant(t, db, "clinic-a")
	b, _ := storetest.NewTenant(t, db, "clinic-b")
	ctx := context.Background()
	var bIDs []int64
	for i := range 4 {
		bIDs = append(bIDs, clNewPatient(t, b, store.PatientInput{FirstName: "Berta", Surname: fmt.Sprint("Bclinic", i), Document: fmt.Sprint("DOC", i)}).ID)
	}
	aP := clNewPatient(t, a, store.PatientInput{FirstName: "Alba", Surname: "Aclinic", Document: "DOC0"}) // same document as in B: fine
	bLast := bIDs[3]

	if _, err := a.GetPatient(ctx, clAdmin("a"), bLast); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("get: %v", err)
	}
	if _, err := a.UpdatePatient(ctx, clAdmin("a"), bLast, aP.Input()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("update: %v", err)
	}
	if _, err := a.ArchivePatient(ctx, clAdmin("a"), bLast); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("archive: %v", err)
	}
	if _, err := a.UnarchivePatient(ctx, clAdmin("a"), bLast); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unarchive: %v", err)
	}
	if err := a.PurgePatient(ctx, clAdmin("a"), bLast, "Berta Bclinic3"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("purge: %v", err)
	}
	if _, err := a.PatientBalance(ctx, clAdmin("a"), bLast); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("balance: %v", err)
	}
	for _, q := range []store.PatientQuery{{}, {Search: "berta"}, {Search: "bc"}, {IncludeArchived: true}, {Sort: store.PatientSortCreated}} {
		page, err := a.ListPatients(ctx, clAdmin("a"), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range page.Patients {
			if p.ID != aP.ID {
				t.Errorf("list %+v through A returned %+v", q, p)
			}
		}
	}
	// B is as it was.
	page, _ := b.ListPatients(ctx, clAdmin("b"), store.PatientQuery{})
	if len(page.Patients) != 4 {
		t.Errorf("B has %d patients", len(page.Patients))
	}
	for _, id := range bIDs {
		if p, err := b.GetPatient(ctx, clAdmin("b"), id); err != nil || p.FirstName != "Berta" || p.ArchivedAt != nil {
			t.Errorf("B's patient %d: %+v %v", id, p, err)
		}
	}
}

// PatientsByID reads many patients at once exactly as GetPatient reads each:
// same role shaping, one audit row per clinical record read, ids' order.
func TestPatientsByIDMatchesGetPatient(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	tn, _ := storetest.NewTenant(t, db, "clinic-a")
	ctx := context.Background()
	spec := clNewSpecialist(t, tn, "Luis", "Soto", "S-1")
	own := clNewPatient(t, tn, store.PatientInput{FirstName: "Ana", Surname: "Ruiz", TherapistID: &spec.ID, MedicalDiagnosis: "TEA leve"})
	other := clNewPatient(t, tn, store.PatientInput{FirstName: "Bruno", Surname: "Rojas", MedicalDiagnosis: "TDAH"})
	ids := []int64{other.ID, own.ID, 999999}

	admin, err := tn.PatientsByID(ctx, clAdmin("a"), ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(admin) != 2 || admin[0].ID != other.ID || admin[1].ID != own.ID ||
		admin[0].MedicalDiagnosis != "TDAH" || !admin[1].ClinicalVisible {
		t.Fatalf("admin read: %+v", admin)
	}
	clRequireAudit(t, tn, "view", "patient_clinical", 0, 2)

	doc, err := tn.PatientsByID(ctx, clSpecialist("a", spec.ID), ids)
	if err != nil {
		t.Fatal(err)
	}
	if !doc[0].Restricted || doc[0].MedicalDiagnosis != "" || doc[1].MedicalDiagnosis != "TEA leve" {
		t.Fatalf("specialist read: %+v", doc)
	}
	clRequireAudit(t, tn, "view", "patient_clinical", other.ID, 1) // the admin's only
	clRequireAudit(t, tn, "view", "patient_clinical", own.ID, 2)   // admin and specialist

	desk, err := tn.PatientsByID(ctx, clReception("a"), ids)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range desk {
		if p.ClinicalVisible || p.MedicalDiagnosis != "" {
			t.Fatalf("reception read clinical fields: %+v", p)
		}
	}
	clRequireAudit(t, tn, "view", "patient_clinical", 0, 3)
	if clReception("a").MayReadClinical() || !clAdmin("a").MayReadClinical() || !clSpecialist("a", spec.ID).MayReadClinical() {
		t.Fatal("MayReadClinical: reception never; admin and specialist yes")
	}
}
