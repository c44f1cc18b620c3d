package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
)

// Patient statuses.
const (
	PatientActive     = "active"
	PatientDischarged = "discharged"
	PatientSuspended  = "suspended"
)

// Patient is a clinic's patient as one actor may see it.
//
// Clinical fields (MedicalDiagnosis, MedicalHistory, Allergies, Therapy,
// Notes) are filled only when ClinicalVisible is true: GetPatient for an
// admin, or for a specialist and their own patient (and that read writes an
// audit row). Lists never carry them. Restricted is true when a specialist
// looks at someone else's patient: only the name, status and therapist are
// filled. JSON leaves out the clinical fields when they are not visible, and
// writes birth_date as "YYYY-MM-DD".
type Patient struct {
	ID               int64           `json:"id"`
	FirstName        string          `json:"first_name"`
	Surname          string          `json:"surname"`
	BirthDate        time.Time       `json:"birth_date"` // a date: midnight UTC
	Age              int             `json:"age"`        // full years today, in the clinic's time zone
	Gender           string          `json:"gender"`     // "", female, male, other
	Document         string          `json:"document"`
	Address          string          `json:"address"`
	Phone            string          `json:"phone"`
	Email            string          `json:"email"`
	MaritalStatus    string          `json:"marital_status"`
	Education        string          `json:"education"`
	CostSession      decimal.Decimal `json:"cost_session"`
	TherapistID      *int64          `json:"therapist_id"`
	TherapistName    string          `json:"therapist_name"`
	MedicalDiagnosis string          `json:"medical_diagnosis"`
	MedicalHistory   string          `json:"medical_history"`
	Allergies        string          `json:"allergies"`
	Therapy          string          `json:"therapy"`
	EmergencyName    string          `json:"emergency_name"`
	EmergencyPhone   string          `json:"emergency_phone"`
	Notes            string          `json:"notes"`
	Status           string          `json:"status"`
	ArchivedAt       *time.Time      `json:"archived_at"`
	CreatedAt        time.Time       `json:"created_at"`
	UpdatedAt        time.Time       `json:"updated_at"`
	ClinicalVisible  bool            `json:"clinical_visible"`
	Restricted       bool            `json:"restricted,omitempty"`
}

// FullName is "First Surname" (also what PurgePatient wants typed).
func (p Patient) FullName() string { return p.FirstName + " " + p.Surname }

// MarshalJSON writes birth_date as a date and leaves out the clinical fields
// the actor may not see (an empty diagnosis would read as "none").
func (p Patient) MarshalJSON() ([]byte, error) {
	type plain Patient
	out := struct {
		plain
		BirthDate        *string `json:"birth_date"`
		MedicalDiagnosis *string `json:"medical_diagnosis,omitempty"`
		MedicalHistory   *string `json:"medical_history,omitempty"`
		Allergies        *string `json:"allergies,omitempty"`
		Therapy          *string `json:"therapy,omitempty"`
		Notes            *string `json:"notes,omitempty"`
	}{plain: plain(p)}
	if !p.BirthDate.IsZero() {
		d := p.BirthDate.Format(time.DateOnly)
		out.BirthDate = &d
	}
	if p.ClinicalVisible {
		out.MedicalDiagnosis, out.MedicalHistory, out.Allergies = &p.MedicalDiagnosis, &p.MedicalHistory, &p.Allergies
		out.Therapy, out.Notes = &p.Therapy, &p.Notes
	}
	return json.Marshal(out)
}

// Input returns the editable fields of p, to start an edit form from.
func (p Patient) Input() PatientInput {
	return PatientInput{FirstName: p.FirstName, Surname: p.Surname, BirthDate: p.BirthDate, Gender: p.Gender,
		Document: p.Document, Address: p.Address, Phone: p.Phone, Email: p.Email, MaritalStatus: p.MaritalStatus,
		Education: p.Education, CostSession: p.CostSession, TherapistID: p.TherapistID,
		MedicalDiagnosis: p.MedicalDiagnosis, MedicalHistory: p.MedicalHistory, Allergies: p.Allergies,
		Therapy: p.Therapy, EmergencyName: p.EmergencyName, EmergencyPhone: p.EmergencyPhone, Notes: p.Notes,
		Status: p.Status}
}

// PatientInput is what a create or edit form gives. BirthDate's year, month
// and day are used (its clock and zone are ignored). Status defaults to
// active.
//
// Who writes what (UpdatePatient): an admin writes every field. Reception
// writes the personal data; it never sees clinical fields, so empty clinical
// fields keep what is stored and non-empty ones are refused. A specialist
// writes the clinical fields and the status of their own patients; the
// personal data must come back as stored (it is read-only for them).
type PatientInput struct {
	FirstName        string          `json:"first_name"`
	Surname          string          `json:"surname"`
	BirthDate        time.Time       `json:"birth_date"`
	Gender           string          `json:"gender"`
	Document         string          `json:"document"`
	Address          string          `json:"address"`
	Phone            string          `json:"phone"`
	Email            string          `json:"email"`
	MaritalStatus    string          `json:"marital_status"`
	Education        string          `json:"education"`
	CostSession      decimal.Decimal `json:"cost_session"`
	TherapistID      *int64          `json:"therapist_id"`
	MedicalDiagnosis string          `json:"medical_diagnosis"`
	MedicalHistory   string          `json:"medical_history"`
	Allergies        string          `json:"allergies"`
	Therapy          string          `json:"therapy"`
	EmergencyName    string          `json:"emergency_name"`
	EmergencyPhone   string          `json:"emergency_phone"`
	Notes            string          `json:"notes"`
	Status           string          `json:"status"`
}

// hasClinical tells whether any clinical field is set.
func (in PatientInput) hasClinical() bool {
	return in.MedicalDiagnosis != "" || in.MedicalHistory != "" || in.Allergies != "" || in.Therapy != "" || in.Notes != ""
}

// withClinicalOf returns in with the clinical fields of c.
func (in PatientInput) withClinicalOf(c PatientInput) PatientInput {
	in.MedicalDiagnosis, in.MedicalHistory, in.Allergies, in.Therapy, in.Notes =
		c.MedicalDiagnosis, c.MedicalHistory, c.Allergies, c.Therapy, c.Notes
	return in
}

// personalEqual compares the fields a specialist may only read.
func (in PatientInput) personalEqual(o PatientInput) bool {
	a, b := in.withClinicalOf(PatientInput{}), o.withClinicalOf(PatientInput{})
	a.Status, b.Status = "", ""
	return len(changedFields(a, b)) == 0
}

var patientGenders = map[string]bool{"": true, "female": true, "male": true, "other": true}

// normalize trims and checks every field; today is the clinic's date.
func (in *PatientInput) normalize(today time.Time) error {
	if err := checkTexts(oneLine("first_name", in.FirstName), oneLine("surname", in.Surname),
		oneLine("gender", in.Gender), oneLine("document", in.Document), oneLine("address", in.Address),
		oneLine("phone", in.Phone), oneLine("email", in.Email), oneLine("marital_status", in.MaritalStatus),
		oneLine("education", in.Education), multiLine("medical_diagnosis", in.MedicalDiagnosis),
		multiLine("medical_history", in.MedicalHistory), multiLine("allergies", in.Allergies),
		multiLine("therapy", in.Therapy), oneLine("emergency_name", in.EmergencyName),
		oneLine("emergency_phone", in.EmergencyPhone), multiLine("notes", in.Notes),
		oneLine("status", in.Status)); err != nil {
		return err
	}
	v := validation{}
	cleanField(v, "first_name", &in.FirstName, 100, true)
	cleanField(v, "surname", &in.Surname, 100, true)
	cleanField(v, "document", &in.Document, 30, false)
	cleanField(v, "address", &in.Address, 300, false)
	cleanField(v, "phone", &in.Phone, 50, false)
	cleanField(v, "email", &in.Email, 200, false)
	cleanField(v, "marital_status", &in.MaritalStatus, 50, false)
	cleanField(v, "education", &in.Education, 100, false)
	cleanField(v, "emergency_name", &in.EmergencyName, 200, false)
	cleanField(v, "emergency_phone", &in.EmergencyPhone, 50, false)
	for field, s := range map[string]*string{"medical_diagnosis": &in.MedicalDiagnosis, "medical_history": &in.MedicalHistory,
		"allergies": &in.Allergies, "therapy": &in.Therapy, "notes": &in.Notes} {
		cleanField(v, field, s, 20000, false)
	}
	if in.Email != "" && !validEmail(in.Email) {
		v.add("email", ReasonEmail)
	}
	if in.BirthDate.IsZero() {
		v.add("birth_date", ReasonRequired)
	} else {
		in.BirthDate = time.Date(in.BirthDate.Year(), in.BirthDate.Month(), in.BirthDate.Day(), 0, 0, 0, 0, time.UTC)
		switch {
		case in.BirthDate.After(today):
			v.add("birth_date", ReasonFuture)
		case in.BirthDate.Year() < 1900:
			v.add("birth_date", ReasonTooOld)
		}
	}
	in.Gender = strings.ToLower(strings.TrimSpace(in.Gender))
	if !patientGenders[in.Gender] {
		v.add("gender", ReasonOneOf, "female, male, other")
	}
	switch {
	case in.CostSession.IsNegative():
		v.add("cost_session", ReasonNegative)
	case !validMoney(in.CostSession):
		v.add("cost_session", ReasonAmount)
	}
	if in.TherapistID != nil && *in.TherapistID <= 0 {
		in.TherapistID = nil
	}
	in.Status = strings.ToLower(strings.TrimSpace(in.Status))
	if in.Status == "" {
		in.Status = PatientActive
	}
	if in.Status != PatientActive && in.Status != PatientDischarged && in.Status != PatientSuspended {
		v.add("status", ReasonOneOf, "active, discharged, suspended")
	}
	return v.err()
}

// today is the current date in the clinic's time zone, as midnight UTC.
func (t *Tenant) today() time.Time {
	n := t.db.now().In(t.Info.Location())
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)
}

// ageOn is the number of full years from birth to today (both dates).
func ageOn(birth, today time.Time) int {
	if birth.IsZero() {
		return 0
	}
	age := today.Year() - birth.Year()
	if today.Month() < birth.Month() || (today.Month() == birth.Month() && today.Day() < birth.Day()) {
		age--
	}
	return max(age, 0)
}

// ownPatientSQL is true for a patient of the specialist whose id is the
// parameter: their therapist, or with a session with them (PRODUCT.md §4
// "own patients").
const ownPatientSQL = `coalesce(p.therapist_id = %[1]s or exists (select 1 from sessions se where se.patient_id = p.id and se.specialist_id = %[1]s), false)`

func ownPatient(param string) string { return fmt.Sprintf(ownPatientSQL, param) }

// ownPatientsFilter is the same rule as a list filter, written as a set of
// ids from the therapist and sessions indexes: a specialist with a hundred
// patients among a million does not walk the million.
const ownPatientsFilter = `p.id in (select pt.id from patients pt where pt.therapist_id = %[1]s
	union all select se.patient_id from sessions se where se.specialist_id = %[1]s)`

// patientListColumns are the columns of a list row: no clinical fields.
const patientListColumns = `p.id, p.first_name, p.surname, p.birth_date, p.gender, coalesce(p.document, ''), p.address,
	p.phone, coalesce(p.email::text, ''), p.marital_status, p.education, p.cost_session, p.therapist_id,
	coalesce(th.first_name || ' ' || th.last_name, ''), p.emergency_name, p.emergency_phone, p.status,
	p.archived_at, p.created_at, p.updated_at`

const patientClinicalColumns = `, p.medical_diagnosis, p.medical_history, p.allergies, p.therapy, p.notes`

const patientFrom = ` from patients p left join specialists th on th.id = p.therapist_id`

func scanPatientRow(row pgx.Row, clinical bool, extra ...any) (Patient, error) {
	var p Patient
	dest := []any{&p.ID, &p.FirstName, &p.Surname, &p.BirthDate, &p.Gender, &p.Document, &p.Address,
		&p.Phone, &p.Email, &p.MaritalStatus, &p.Education, &p.CostSession, &p.TherapistID,
		&p.TherapistName, &p.EmergencyName, &p.EmergencyPhone, &p.Status,
		&p.ArchivedAt, &p.CreatedAt, &p.UpdatedAt}
	if clinical {
		dest = append(dest, &p.MedicalDiagnosis, &p.MedicalHistory, &p.Allergies, &p.Therapy, &p.Notes)
	}
	err := row.Scan(append(dest, extra...)...)
	return p, err
}

// restricted keeps only what a specialist may see of someone else's patient:
// what the agenda shows anyway.
func (p Patient) restricted() Patient {
	return Patient{ID: p.ID, FirstName: p.FirstName, Surname: p.Surname, TherapistID: p.TherapistID,
		TherapistName: p.TherapistName, Status: p.Status, ArchivedAt: p.ArchivedAt, CreatedAt: p.CreatedAt,
		UpdatedAt: p.UpdatedAt, Restricted: true}
}

func clearClinical(p Patient) Patient {
	p.MedicalDiagnosis, p.MedicalHistory, p.Allergies, p.Therapy, p.Notes = "", "", "", "", ""
	p.ClinicalVisible = false
	return p
}

// loadPatient reads one patient whole, with whether it is the actor's own
// (always false unless the actor is a specialist). forUpdate locks the row.
func loadPatient(ctx context.Context, tx pgx.Tx, actor Actor, id int64, forUpdate bool) (Patient, bool, error) {
	q := `select ` + patientListColumns + patientClinicalColumns + `, ` + ownPatient("$2") + patientFrom + ` where p.id = $1`
	if forUpdate {
		q += ` for update of p`
	}
	var own bool
	p, err := scanPatientRow(tx.QueryRow(ctx, q, id, actor.SpecialistID), true, &own)
	if err != nil {
		return Patient{}, false, notFound(err, EntityPatient, id)
	}
	return p, own && actor.Role == RoleSpecialist && actor.SpecialistID != 0, nil
}

// shapeFor applies the role rules to a patient read whole; ClinicalVisible
// says whether the clinical fields were left in (the caller audits that view).
func (t *Tenant) shapeFor(actor Actor, p Patient, own bool) Patient {
	p.Age = ageOn(p.BirthDate, t.today())
	switch {
	case actor.Role == RoleAdmin, actor.Role == RoleSpecialist && own:
		p.ClinicalVisible = true
		return p
	case actor.Role == RoleSpecialist:
		return p.restricted()
	default:
		return clearClinical(p)
	}
}

// PatientsByID returns the patients with those ids, each as GetPatient would
// return it (clinical fields where the role allows, one audit row per
// clinical record read), in the order of ids, with one query and one audit
// statement: for exports and other bulk reads. Unknown ids are left out.
func (t *Tenant) PatientsByID(ctx context.Context, actor Actor, ids []int64) ([]Patient, error) {
	if !actor.Role.Valid() {
		return nil, forbidden("reading patients")
	}
	out := make([]Patient, 0, len(ids))
	err := t.tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `select `+patientListColumns+patientClinicalColumns+`, `+ownPatient("$2")+patientFrom+`
			where p.id = any($1) order by array_position($1, p.id)`, ids, actor.SpecialistID)
		if err != nil {
			return err
		}
		var viewed []int64
		for rows.Next() {
			var own bool
			p, err := scanPatientRow(rows, true, &own)
			if err != nil {
				rows.Close()
				return err
			}
			p = t.shapeFor(actor, p, own && actor.Role == RoleSpecialist && actor.SpecialistID != 0)
			if p.ClinicalVisible {
				viewed = append(viewed, p.ID)
			}
			out = append(out, p)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		return auditMany(ctx, tx, actor, "view", "patient_clinical", viewed)
	})
	if err != nil {
		return nil, clinicErr("read patients", err)
	}
	return out, nil
}

// GetPatient returns one patient as the actor may see it (see Patient).
// Reading the clinical fields writes an audit row (view, patient_clinical) in
// the same transaction. Archived patients are returned too.
func (t *Tenant) GetPatient(ctx context.Context, actor Actor, id int64) (Patient, error) {
	if !actor.Role.Valid() {
		return Patient{}, forbidden("reading patients")
	}
	var out Patient
	err := t.tx(ctx, func(tx pgx.Tx) error {
		p, own, err := loadPatient(ctx, tx, actor, id, false)
		if err != nil {
			return err
		}
		out = t.shapeFor(actor, p, own)
		if out.ClinicalVisible {
			return audit(ctx, tx, actor, "view", "patient_clinical", id, nil)
		}
		return nil
	})
	if err != nil {
		return Patient{}, clinicErr("get patient", err)
	}
	return out, nil
}

// checkTherapist refuses a therapist that does not exist or is inactive.
func checkTherapist(ctx context.Context, tx pgx.Tx, id *int64) error {
	if id == nil {
		return nil
	}
	var active bool
	err := tx.QueryRow(ctx, `select active from specialists where id = $1`, *id).Scan(&active)
	if errors.Is(err, pgx.ErrNoRows) {
		return invalid("therapist_id", ReasonNoSuch)
	}
	if err != nil {
		return err
	}
	if !active {
		return invalid("therapist_id", ReasonInactive)
	}
	return nil
}

// checkPatientDocument names the patient who already has the document, if
// any (the unique index stays the last word under concurrency).
func checkPatientDocument(ctx context.Context, tx pgx.Tx, document string, self int64) error {
	if document == "" {
		return nil
	}
	var id int64
	var archived bool
	err := tx.QueryRow(ctx, `select id, archived_at is not null from patients where document = $1 and id <> $2`,
		document, self).Scan(&id, &archived)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	if archived {
		return conflict("document", ReasonTakenByArchived, id)
	}
	return conflict("document", ReasonTakenBy, id)
}

// checkPatientLimit serialises on the clinic row and refuses when the plan's
// optional patients limit is already filled by non-archived patients.
func (t *Tenant) checkPatientLimit(ctx context.Context, tx pgx.Tx) error {
	if t.Info.PatientsLimit == nil {
		return nil
	}
	if err := lockClinic(ctx, tx); err != nil {
		return err
	}
	var n int
	if err := tx.QueryRow(ctx, `select count(*) from patients where archived_at is null`).Scan(&n); err != nil {
		return fmt.Errorf("count patients: %w", err)
	}
	if n >= *t.Info.PatientsLimit {
		return &LimitError{What: "patients", Limit: *t.Info.PatientsLimit, Count: n}
	}
	return nil
}

func patientWriteErr(err error) error {
	err = uniqueConflict(err, "patients_document_key", "document")
	if pgCode(err) == pgForeignKey && pgConstraint(err) == "patients_therapist_id_fkey" {
		return invalid("therapist_id", ReasonNoSuch)
	}
	return err
}

func clinicalChanged(changed []string) bool {
	for _, f := range changed {
		switch f {
		case "medical_diagnosis", "medical_history", "allergies", "therapy", "notes":
			return true
		}
	}
	return false
}

// CreatePatient registers a patient (admin or reception; reception may not
// fill clinical fields). It returns the patient as the actor sees it.
func (t *Tenant) CreatePatient(ctx context.Context, actor Actor, in PatientInput) (Patient, error) {
	if !actor.MayWritePatients() {
		return Patient{}, forbidden("registering patients")
	}
	if err := in.normalize(t.today()); err != nil {
		return Patient{}, err
	}
	if in.hasClinical() && !actor.MayEditClinical(nil) {
		return Patient{}, forbidden("filling clinical fields")
	}
	var out Patient
	err := t.tx(ctx, func(tx pgx.Tx) error {
		if err := checkTherapist(ctx, tx, in.TherapistID); err != nil {
			return err
		}
		if err := checkPatientDocument(ctx, tx, in.Document, 0); err != nil {
			return err
		}
		if err := t.checkPatientLimit(ctx, tx); err != nil {
			return err
		}
		now := t.db.now()
		var id int64
		err := tx.QueryRow(ctx, `insert into patients (first_name, surname, birth_date, gender, document, address, phone,
				email, marital_status, education, cost_session, therapist_id, medical_diagnosis, medical_history,
				allergies, therapy, emergency_name, emergency_phone, notes, status, created_at, updated_at)
			values ($1, $2, $3, $4, nullif($5, ''), $6, $7, nullif($8, ''), $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
				$19, $20, $21, $21) returning id`,
			in.FirstName, in.Surname, in.BirthDate, in.Gender, in.Document, in.Address, in.Phone, in.Email,
			in.MaritalStatus, in.Education, in.CostSession, in.TherapistID, in.MedicalDiagnosis, in.MedicalHistory,
			in.Allergies, in.Therapy, in.EmergencyName, in.EmergencyPhone, in.Notes, in.Status, now).Scan(&id)
		if err != nil {
			return patientWriteErr(err)
		}
		p, own, err := loadPatient(ctx, tx, actor, id, false)
		if err != nil {
			return err
		}
		out = t.shapeFor(actor, p, own)
		return audit(ctx, tx, actor, "create", "patient", id, map[string]any{"clinical": in.hasClinical()})
	})
	if err != nil {
		return Patient{}, clinicErr("register patient", err)
	}
	return out, nil
}

// UpdatePatient saves a patient's form. What each role writes is described
// at PatientInput. The audit row names the changed fields (not their values);
// a change of clinical fields writes a second row (update, patient_clinical).
func (t *Tenant) UpdatePatient(ctx context.Context, actor Actor, id int64, in PatientInput) (Patient, error) {
	if !actor.Role.Valid() {
		return Patient{}, forbidden("editing patients")
	}
	if in.hasClinical() && !actor.MayReadClinical() {
		return Patient{}, forbidden("filling clinical fields")
	}
	// Reported after the permission checks: "you may not" says more than
	// "field X is wrong" to someone who may not edit this patient at all.
	invalidInput := in.normalize(t.today())
	var out Patient
	err := t.tx(ctx, func(tx pgx.Tx) error {
		cur, own, err := loadPatient(ctx, tx, actor, id, true)
		if err != nil {
			return err
		}
		if actor.Role == RoleSpecialist && !own {
			return forbidden("editing another specialist's patient")
		}
		if invalidInput != nil {
			return invalidInput
		}
		stored := cur.Input()
		next := in
		switch actor.Role {
		case RoleReception:
			next = in.withClinicalOf(stored)
		case RoleSpecialist:
			if !in.personalEqual(stored) {
				return forbidden("changing a patient's personal data")
			}
			next = stored.withClinicalOf(in)
			next.Status = in.Status
		}
		changed := changedFields(stored, next)
		if len(changed) == 0 {
			out = t.shapeFor(actor, cur, own)
			return nil
		}
		if next.TherapistID != nil && (stored.TherapistID == nil || *stored.TherapistID != *next.TherapistID) {
			if err := checkTherapist(ctx, tx, next.TherapistID); err != nil {
				return err
			}
		}
		if err := checkPatientDocument(ctx, tx, next.Document, id); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `update patients set first_name = $2, surname = $3, birth_date = $4, gender = $5,
				document = nullif($6, ''), address = $7, phone = $8, email = nullif($9, ''), marital_status = $10,
				education = $11, cost_session = $12, therapist_id = $13, medical_diagnosis = $14, medical_history = $15,
				allergies = $16, therapy = $17, emergency_name = $18, emergency_phone = $19, notes = $20, status = $21,
				updated_at = $22
			where id = $1`,
			id, next.FirstName, next.Surname, next.BirthDate, next.Gender, next.Document, next.Address, next.Phone,
			next.Email, next.MaritalStatus, next.Education, next.CostSession, next.TherapistID, next.MedicalDiagnosis,
			next.MedicalHistory, next.Allergies, next.Therapy, next.EmergencyName, next.EmergencyPhone, next.Notes,
			next.Status, t.db.now())
		if err != nil {
			return patientWriteErr(err)
		}
		if err := audit(ctx, tx, actor, "update", "patient", id, map[string]any{"changed": changed}); err != nil {
			return err
		}
		if clinicalChanged(changed) {
			if err := audit(ctx, tx, actor, "update", "patient_clinical", id, nil); err != nil {
				return err
			}
		}
		p, own, err := loadPatient(ctx, tx, actor, id, false)
		if err != nil {
			return err
		}
		out = t.shapeFor(actor, p, own)
		return nil
	})
	if err != nil {
		return Patient{}, clinicErr("update patient", err)
	}
	return out, nil
}

// ArchivePatient hides a patient from the lists (admin or reception); every
// record stays and UnarchivePatient brings it back.
func (t *Tenant) ArchivePatient(ctx context.Context, actor Actor, id int64) (Patient, error) {
	return t.setPatientArchived(ctx, actor, id, true)
}

// UnarchivePatient brings an archived patient back (admin or reception),
// within the plan's optional patients limit.
func (t *Tenant) UnarchivePatient(ctx context.Context, actor Actor, id int64) (Patient, error) {
	return t.setPatientArchived(ctx, actor, id, false)
}

func (t *Tenant) setPatientArchived(ctx context.Context, actor Actor, id int64, archive bool) (Patient, error) {
	verb := map[bool]string{true: "archive", false: "unarchive"}[archive]
	if !actor.MayWritePatients() {
		return Patient{}, forbidden(verb[:len(verb)-1] + "ing patients")
	}
	var out Patient
	err := t.tx(ctx, func(tx pgx.Tx) error {
		cur, own, err := loadPatient(ctx, tx, actor, id, true)
		if err != nil {
			return err
		}
		if (cur.ArchivedAt != nil) == archive {
			out = t.shapeFor(actor, cur, own)
			return nil
		}
		var at *time.Time
		if archive {
			now := t.db.now()
			at = &now
		} else if err := t.checkPatientLimit(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `update patients set archived_at = $2, updated_at = $3 where id = $1`, id, at, t.db.now()); err != nil {
			return err
		}
		if err := audit(ctx, tx, actor, verb, "patient", id, nil); err != nil {
			return err
		}
		p, own, err := loadPatient(ctx, tx, actor, id, false)
		out = t.shapeFor(actor, p, own)
		return err
	})
	if err != nil {
		return Patient{}, clinicErr(verb+" patient", err)
	}
	return out, nil
}

// PurgePatient deletes a patient for good (admin only). confirm must be the
// patient's full name as FullName gives it ("First Surname"; surrounding and
// repeated spaces do not matter). A patient with sessions is refused: their
// sessions and payments are the clinic's records; archive them instead.
func (t *Tenant) PurgePatient(ctx context.Context, actor Actor, id int64, confirm string) error {
	if !actor.MayPurgePatients() {
		return forbidden("purging patients")
	}
	err := t.tx(ctx, func(tx pgx.Tx) error {
		cur, _, err := loadPatient(ctx, tx, actor, id, true)
		if err != nil {
			return err
		}
		if strings.Join(strings.Fields(confirm), " ") != strings.Join(strings.Fields(cur.FullName()), " ") {
			return invalid("confirm", ReasonConfirmName, cur.FullName())
		}
		var sessions int
		if err := tx.QueryRow(ctx, `select count(*) from sessions where patient_id = $1`, id).Scan(&sessions); err != nil {
			return err
		}
		if sessions > 0 {
			return invalid("patient", ReasonHasSessions, sessions)
		}
		if _, err := tx.Exec(ctx, `delete from patients where id = $1`, id); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "purge", "patient", id, map[string]any{"name": cur.FullName()})
	})
	return clinicErr("purge patient", err)
}

// PatientBalance is what the patient owes: the unpaid payments of their
// completed sessions. Admin and reception see it; a specialist sees it for
// their own patients, counting only their own sessions.
func (t *Tenant) PatientBalance(ctx context.Context, actor Actor, patientID int64) (decimal.Decimal, error) {
	if !actor.Role.Valid() {
		return decimal.Zero, forbidden("reading balances")
	}
	var sum decimal.Decimal
	err := t.tx(ctx, func(tx pgx.Tx) error {
		_, own, err := loadPatient(ctx, tx, actor, patientID, false)
		if err != nil {
			return err
		}
		var onlySpecialist int64
		if actor.Role == RoleSpecialist {
			if !own {
				return forbidden("reading another specialist's patient's balance")
			}
			onlySpecialist = actor.SpecialistID
		}
		return tx.QueryRow(ctx, `select coalesce(sum(pa.amount), 0) from payments pa join sessions s on s.id = pa.session_id
			where s.patient_id = $1 and s.status = 'completed' and not pa.paid and ($2 = 0 or s.specialist_id = $2)`,
			patientID, onlySpecialist).Scan(&sum)
	})
	if err != nil {
		return decimal.Zero, clinicErr("patient balance", err)
	}
	return sum, nil
}

// Patient list sort orders.
const (
	PatientSortName    = "name"    // surname, first name, id (accent- and case-insensitive)
	PatientSortCreated = "created" // newest first
)

// PatientQuery selects a page of patients. Zero values: no search, first
// page, DefaultPageSize rows, by name, any status, archived patients left out.
type PatientQuery struct {
	// Search matches every word (in any order) against first name, surname,
	// document, phone and e-mail, ignoring accents and case. Words of two or
	// more characters match anywhere ("ar" finds Lara: trigram index for
	// three or more, letter-pair index for two); a search made only of
	// one-letter words matches the start of the surname or first name.
	Search          string
	After           *PatientCursor // the previous page's Next
	Limit           int            // 1–MaxPageSize, default DefaultPageSize
	Sort            string         // PatientSortName (default) or PatientSortCreated
	Status          string         // "" for any
	TherapistID     int64          // 0 for any
	IncludeArchived bool           // archived patients too
	OnlyArchived    bool           // archived patients only
}

// phoneDigits turns a typed phone number ("987-654-321", "(01)555.1234")
// into its digits, the form search_text keeps besides the phone as written;
// any other word is returned as it is.
func phoneDigits(w string) string {
	digits := 0
	for _, r := range w {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune("-.()/+", r):
		default:
			return w
		}
	}
	if digits == 0 || digits == len(w) {
		return w
	}
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, w)
}

// PatientCursor is where a page ended (keyset paging: stable under
// concurrent inserts, no OFFSET scans).
type PatientCursor struct {
	Surname   string    `json:"surname"`
	FirstName string    `json:"first_name"`
	CreatedAt time.Time `json:"created_at"`
	ID        int64     `json:"id"`
}

// PatientPage is one page of a list; Next is nil on the last page.
type PatientPage struct {
	Patients []Patient      `json:"patients"`
	Next     *PatientCursor `json:"next"`
}

// likeWord is the SQL expression of a search word (a parameter) as a piece
// of a LIKE pattern: normalised as the stored search columns are
// (search_norm), and only then its wildcards escaped, so a typed % or _
// matches itself. The order matters: unaccent maps other characters (the
// fullwidth ％ and ＿ among them) to the wildcards themselves, and escaping
// before it let them through as wildcards (issue 12, F9).
func likeWord(param string) string {
	return `replace(replace(replace(public.search_norm(` + param + `), '\', '\\'), '%', '\%'), '_', '\_')`
}

// ListPatients returns one page of patients, without clinical fields. A
// specialist only sees their own patients; a specialist not linked to a
// specialist record sees none.
func (t *Tenant) ListPatients(ctx context.Context, actor Actor, q PatientQuery) (PatientPage, error) {
	if !actor.Role.Valid() {
		return PatientPage{}, forbidden("listing patients")
	}
	if actor.Role == RoleSpecialist && actor.SpecialistID == 0 {
		return PatientPage{Patients: []Patient{}}, nil
	}
	if q.Limit <= 0 {
		q.Limit = DefaultPageSize
	}
	q.Limit = min(q.Limit, MaxPageSize)
	if q.Sort == "" {
		q.Sort = PatientSortName
	}
	if q.Sort != PatientSortName && q.Sort != PatientSortCreated {
		return PatientPage{}, invalid("sort", ReasonOneOf, "name, created")
	}
	if q.Status != "" && q.Status != PatientActive && q.Status != PatientDischarged && q.Status != PatientSuspended {
		return PatientPage{}, invalid("status", ReasonOneOf, "active, discharged, suspended")
	}
	ls := patientListSQL(actor, q)
	page := PatientPage{Patients: []Patient{}}
	today := t.today()
	err := t.tx(ctx, func(tx pgx.Tx) error {
		run := func(sql string) ([]Patient, error) {
			// The statement differs with the words typed: run it unprepared,
			// so it is planned with the actual search values (index choice
			// for LIKE depends on the pattern) and no statement cache fills up.
			rows, err := tx.Query(ctx, sql, append([]any{pgx.QueryExecModeExec}, ls.args...)...)
			if err != nil {
				return nil, err
			}
			return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Patient, error) {
				p, err := scanPatientRow(r, false)
				p.Age = ageOn(p.BirthDate, today)
				return p, err
			})
		}
		var err error
		page.Patients, err = run(ls.sql)
		if err != nil || ls.fallback == "" || len(page.Patients) > q.Limit {
			return err
		}
		// The first stretch of the walk found less than a full page: it is
		// only exact when it found one (see patientListSQL). If the matches
		// it found promise a page within the whole walk, walk on; otherwise
		// ask the whole question.
		if ls.walk != "" && len(page.Patients)*patientWalk >= (q.Limit+1)*(patientWalk/patientPilotShare) {
			if page.Patients, err = run(ls.walk); err != nil || len(page.Patients) > q.Limit {
				return err
			}
		}
		page.Patients, err = run(ls.fallback)
		return err
	})
	if err != nil {
		return PatientPage{}, fmt.Errorf("list patients: %w", err)
	}
	if len(page.Patients) > q.Limit {
		page.Patients = page.Patients[:q.Limit]
		last := page.Patients[q.Limit-1]
		page.Next = &PatientCursor{Surname: last.Surname, FirstName: last.FirstName, CreatedAt: last.CreatedAt, ID: last.ID}
	}
	return page, nil
}

// patientWalk is how many entries of the name index the bounded walk of a
// multi-word search reads (see patientListSQL): at 1,000,000 patients two
// common words together (`maria garcia`) fill a page within ~42,000 entries,
// ~6 ms of index-only scan, about what the trigram plan costs for them. A
// variable only so that tests can shrink it (SetPatientWalk).
var patientWalk = 50000

// patientCreatedWalk is the bounded walk of a pairs search in creation
// order: the creation index carries no searched column, so each entry costs
// a table read and the walk is shorter than the name index's. A variable
// only so that tests can shrink it (SetPatientWalk).
var patientCreatedWalk = 10000

// patientPilotShare: the walk starts with a fifth of its stretch, and goes
// on only if the matches found there promise a page within the whole
// stretch. Words common apart but rare together (`jose maria`) then cost a
// 10,000-entry look (~1.5 ms) before the trigram plan instead of a full walk.
const patientPilotShare = 5

// listSQL is a list statement and its arguments. When fallback is set, sql
// (and walk, if set) are exact only if they return more rows than the page;
// otherwise fallback (same arguments) gives the answer.
type listSQL struct {
	sql, walk, fallback string
	args                []any
}

// patientListSQL builds the list query of a checked PatientQuery (Limit and
// Sort set) and its arguments; it fetches one row more than the page, to
// know whether there is a next one.
//
// Searching in name order is planned with care, because PostgreSQL picks
// between walking the name index until a page of matches turns up and
// collecting every match through the trigram index and sorting them, and it
// assumes matches are spread evenly over the name order. They are not: the
// patients whose surname starts with the word typed are one contiguous range
// of it, and walking towards a range late in the alphabet can read most of
// the table. So the query is a union of branches that each suit one plan:
// one per word for "surname starts with it" (a range scan, already in
// order), and one for the remaining matches (second surnames, first names,
// documents, phones, e-mails: spread evenly, as the planner assumes). A
// search of short words only matches the start of the surname (a range) or
// of the first name (spread).
//
// Two or more words of three or more characters each (`maria garcia`) are
// the exception: the trigram index then intersects two large posting lists
// and rechecks every common match in the table, while the name index,
// filtering, finds a page of matches in a few thousand entries when the
// words are common together. Which one wins depends on how often the words
// occur together, which the planner cannot know (it assumes independence).
// So the list first walks a bounded stretch of the name order (patientWalk
// entries of the covering name index, read without touching the table,
// starting with a fifth of it as a pilot) and keeps the matches: if a full
// page (plus the one row that says there is a next) turns up, it is the
// exact answer, since nothing before it was skipped. Otherwise fallback asks
// the whole question through the trigram index, which is then cheap because
// the words rarely occur together.
//
// A specialist's own patients are a union of two walks in the list's order
// (their patients by therapist, through an index in that order, and those
// with a session with them), each stopping at a page, instead of collecting
// every own patient and filtering and sorting them.
func patientListSQL(actor Actor, q PatientQuery) listSQL {
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	var where []string

	words := strings.Fields(strings.ReplaceAll(NormalizeSearch(q.Search), "\x00", ""))
	for i, w := range words {
		words[i] = phoneDigits(w)
	}
	if len(words) > 8 {
		words = words[:8]
	}
	long, nlong := false, 0
	for i, w := range words {
		if utf8.RuneCountInString(w) > 100 {
			words[i] = string([]rune(w)[:100])
		}
		if utf8.RuneCountInString(words[i]) >= 3 {
			long = true
			nlong++
		}
	}
	// pairs: no word has three characters but one has two ("ar"): every
	// word matches anywhere (infix), the two-letter ones served by the
	// letter-pair index (patients_search_pairs) when they are rare.
	pairs := false
	for _, w := range words {
		pairs = pairs || (!long && utf8.RuneCountInString(w) == 2)
	}
	var prefixes []string  // SQL patterns 'word%' of the surname ranges
	var implied []string   // the filter each surname range makes redundant
	var pairConds []string // the letter-pair index's conditions (pairs only)
	shortOnly := false
	for i, w := range words {
		switch {
		case utf8.RuneCountInString(w) >= 3:
			// Matched anywhere through the trigram index on search_text.
			p := arg(w)
			like := `p.search_text like '%' || ` + likeWord(p) + ` || '%'`
			where = append(where, like)
			if len(prefixes) < 3 {
				prefixes = append(prefixes, `(`+likeWord(p)+` || '%') collate "C"`)
				implied = append(implied, like)
			}
		case !long && !pairs && i == 0:
			// One letter: the start of the surname or first name, which the
			// C-collated key indexes answer as a range.
			prefixes = append(prefixes, `(`+likeWord(arg(w))+` || '%') collate "C"`)
			shortOnly = true
		default:
			// Other short words only filter the rows found (anywhere in the
			// text); a two-letter one of a pairs search also names the
			// letter pairs the index must hold, for the fallback plan only:
			// a walk that computed search_pairs for every row it reads would
			// cost more than it saves.
			p := arg(w)
			where = append(where, `strpos(p.search_text, public.search_norm(`+p+`)) > 0`)
			if pairs && utf8.RuneCountInString(w) == 2 {
				pairConds = append(pairConds, `search_pairs(p.search_text) @> search_pairs(public.search_norm(`+p+`))`)
			}
		}
	}
	switch {
	case q.OnlyArchived:
		where = append(where, `p.archived_at is not null`)
	case !q.IncludeArchived:
		where = append(where, `p.archived_at is null`)
	}
	if q.Status != "" {
		where = append(where, `p.status = `+arg(q.Status))
	}
	if q.TherapistID != 0 {
		where = append(where, `p.therapist_id = `+arg(q.TherapistID))
	}
	var ownArg, ownFilter string
	if actor.Role == RoleSpecialist {
		ownArg = arg(actor.SpecialistID)
		ownFilter = fmt.Sprintf(ownPatientsFilter, ownArg)
		where = append(where, ownFilter)
	}
	var order, keyset string
	if q.Sort == PatientSortName {
		order = `p.surname_key, p.first_name_key, p.id`
		if c := q.After; c != nil {
			keyset = fmt.Sprintf(`(p.surname_key, p.first_name_key, p.id) > `+
				`(public.search_norm(%s) collate "C", public.search_norm(%s) collate "C", %s)`,
				arg(c.Surname), arg(c.FirstName), arg(c.ID))
			where = append(where, keyset)
		}
	} else {
		order = `p.created_at desc, p.id desc`
		if c := q.After; c != nil {
			keyset = fmt.Sprintf(`(p.created_at, p.id) < (%s, %s)`, arg(c.CreatedAt), arg(c.ID))
			where = append(where, keyset)
		}
	}
	limit := arg(q.Limit + 1)
	cond := func(extra ...string) string {
		all := append(slices.Clone(where), extra...)
		if len(all) == 0 {
			return ""
		}
		return ` where ` + strings.Join(all, ` and `)
	}
	// condWithout is cond without the filter redundant: a surname
	// starting with the word contains it, and keeping both makes the planner
	// multiply their selectivities as if independent, underestimate the
	// range and sort all of it instead of reading its first rows in order.
	condWithout := func(redundant string, extra ...string) string {
		saved := where
		where = slices.DeleteFunc(slices.Clone(where), func(f string) bool { return f == redundant })
		defer func() { where = saved }()
		return cond(extra...)
	}

	// byName joins the rows of m (id and name keys) to what a list shows.
	byName := func(m string) string {
		return m + `
		select ` + patientListColumns + ` from m join patients p on p.id = m.id
		left join specialists th on th.id = p.therapist_id
		order by m.surname_key, m.first_name_key, m.id limit ` + limit
	}

	if q.Sort == PatientSortName && (nlong >= 2 || pairs) && actor.Role != RoleSpecialist {
		// The bounded walk: the inner select reads only columns of the
		// covering name index (an index-only scan), the keyset inside it so
		// the walk starts at the cursor; the filters apply to what it read.
		walk := func(entries int) string {
			inner := `select p.id, p.surname_key, p.first_name_key, p.search_text, p.archived_at, p.status, p.therapist_id
				from patients p`
			if keyset != "" {
				inner += ` where ` + keyset
			}
			inner += fmt.Sprintf(` order by %s limit %d`, order, entries)
			return byName(`with m as (select p.id, p.surname_key, p.first_name_key from (` + inner + `) p` +
				condWithout(keyset) + ` order by ` + order + ` limit ` + limit + `)`)
		}
		// The whole question: every match (through the trigram index, as no
		// order or limit inside asks for a walk), then the first page.
		all := byName(`with a as materialized (select p.id, p.surname_key, p.first_name_key from patients p` + cond(pairConds...) + `),
			m as (select * from a p order by ` + order + ` limit ` + limit + `)`)
		return listSQL{sql: walk(patientWalk / patientPilotShare), walk: walk(patientWalk), fallback: all, args: args}
	}
	if pairs && actor.Role != RoleSpecialist {
		// A pairs search in creation order: the same two plans over the
		// creation index (which holds no searched column: the walk reads
		// the table, so it is shorter).
		byCreated := func(m string) string {
			return m + `
			select ` + patientListColumns + ` from m join patients p on p.id = m.id
			left join specialists th on th.id = p.therapist_id
			order by m.created_at desc, m.id desc limit ` + limit
		}
		walk := func(entries int) string {
			inner := `select p.id, p.created_at, p.search_text, p.archived_at, p.status, p.therapist_id from patients p`
			if keyset != "" {
				inner += ` where ` + keyset
			}
			inner += fmt.Sprintf(` order by %s limit %d`, order, entries)
			return byCreated(`with m as (select p.id, p.created_at from (` + inner + `) p` +
				condWithout(keyset) + ` order by ` + order + ` limit ` + limit + `)`)
		}
		all := byCreated(`with a as materialized (select p.id, p.created_at from patients p` + cond(pairConds...) + `),
			m as (select * from a p order by ` + order + ` limit ` + limit + `)`)
		return listSQL{sql: walk(patientCreatedWalk / patientPilotShare), walk: walk(patientCreatedWalk), fallback: all, args: args}
	}
	if actor.Role == RoleSpecialist {
		// Two walks in the list's order, each stopping at a page: the
		// therapist's patients through an index in that order (carrying the
		// searched columns, so filtering reads no table), and the patients
		// with a session with them. The union drops who is in both.
		var extra []string
		if shortOnly {
			extra = append(extra, `(p.surname_key like `+prefixes[0]+` or p.first_name_key like `+prefixes[0]+`)`)
		}
		cols, outer := `p.id, p.surname_key, p.first_name_key`, `m.surname_key, m.first_name_key, m.id`
		if q.Sort != PatientSortName {
			cols, outer = `p.id, p.created_at`, `m.created_at desc, m.id desc`
		}
		sessions := `p.id in (select se.patient_id from sessions se where se.specialist_id = ` + ownArg + `)`
		mine := `with m as ((select ` + cols + ` from patients p` +
			condWithout(ownFilter, append(slices.Clone(extra), `p.therapist_id = `+ownArg)...) +
			` order by ` + order + ` limit ` + limit + `)
			union (select ` + cols + ` from patients p` + condWithout(ownFilter, append(extra, sessions)...) +
			` order by ` + order + ` limit ` + limit + `))
		select ` + patientListColumns + ` from m join patients p on p.id = m.id
		left join specialists th on th.id = p.therapist_id
		order by ` + outer + ` limit ` + limit
		return listSQL{sql: mine, args: args}
	}
	if q.Sort != PatientSortName || len(prefixes) == 0 {
		// Creation order is not correlated with names: one plain query.
		if shortOnly {
			where = append(where, `(p.surname_key like `+prefixes[0]+` or p.first_name_key like `+prefixes[0]+`)`)
		}
		return listSQL{sql: `select ` + patientListColumns + patientFrom + cond() + ` order by ` + order + ` limit ` + limit, args: args}
	}
	var branches []string
	branch := func(redundant string, extra ...string) {
		branches = append(branches, `(select p.id, p.surname_key, p.first_name_key from patients p`+
			condWithout(redundant, extra...)+` order by `+order+` limit `+limit+`)`)
	}
	var notBefore []string // keep the branches disjoint
	for i, pfx := range prefixes {
		redundant := ""
		if i < len(implied) {
			redundant = implied[i]
		}
		branch(redundant, append(slices.Clone(notBefore), `p.surname_key like `+pfx)...)
		notBefore = append(notBefore, `p.surname_key not like `+pfx)
	}
	if shortOnly {
		branch("", append(notBefore, `p.first_name_key like `+prefixes[0])...)
	} else {
		branch("", notBefore...)
	}
	return listSQL{sql: byName(`with m as (` + strings.Join(branches, ` union all `) + `)`), args: args}
}
