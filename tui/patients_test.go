package tui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/shopspring/decimal"

	"consultorio/store"
	"consultorio/store/storetest"
	"consultorio/tui/clinic"
	"consultorio/tui/kit"
	"consultorio/tui/tuitest"
)

// patientsClinic is a clinic with staff of every role and a few patients.
// The clock is fixed (15:00 UTC = 10:00 in Lima) so ages and dates in the
// golden screens do not move.
type patientsClinic struct {
	tn                       *store.Tenant
	admin, reception, s1, s2 *store.User // s1, s2: specialists with logins
	spec1, spec2             store.Specialist
	ana, evil                store.Patient
}

func newPatientsClinic(t testing.TB) *patientsClinic {
	t.Helper()
	ctx := context.Background()
	c := storetest.NewClock(time.Date(2026, 11, 26, 15, 0, 0, 0, time.UTC))
	db := storetest.NewDBWith(t, store.Options{Clock: c})
	tn, prov := storetest.NewTenant(t, db, "clinic-a")
	pc := &patientsClinic{tn: tn}
	var err error
	if pc.admin, err = tn.UserByEmail(ctx, store.System, prov.Tenant.AdminEmail); err != nil {
		t.Fatal(err)
	}
	user := func(email, name string, role store.Role) *store.User {
		u, _, err := tn.CreateUser(ctx, store.System, store.NewUser{Email: email, Name: name, Role: role})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	pc.reception = user("rosa@clinic-a.test", "Rosa Quispe", store.RoleReception)
	u1 := user("luis@clinic-a.test", "Luis Soto", store.RoleSpecialist)
	u2 := user("marta@clinic-a.test", "Marta Ríos", store.RoleSpecialist)
	spec := func(u *store.User, first, last, doc string) store.Specialist {
		s, err := tn.CreateSpecialist(ctx, store.System, store.SpecialistInput{UserID: &u.ID, FirstName: first,
			LastName: last, Specialty: "Terapia", Document: doc})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	pc.spec1 = spec(u1, "Luis", "Soto", "40000001")
	pc.spec2 = spec(u2, "Marta", "Ríos", "40000002")
	reload := func(u *store.User) *store.User {
		r, err := tn.GetUser(ctx, store.System, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	pc.s1, pc.s2 = reload(u1), reload(u2)

	patient := func(in store.PatientInput) store.Patient {
		if in.BirthDate.IsZero() {
			in.BirthDate = time.Date(1990, 5, 17, 0, 0, 0, 0, time.UTC)
		}
		p, err := tn.CreatePatient(ctx, store.System, in)
		if err != nil {
			t.Fatalf("create %s: %v", in.Surname, err)
		}
		return p
	}
	pc.ana = patient(store.PatientInput{FirstName: "Ana", Surname: "Quispe Mamani", Phone: "987654321",
		Document: "70000001", CostSession: decimal.NewFromInt(80), TherapistID: &pc.spec1.ID,
		MedicalDiagnosis: "TEA leve", Allergies: "Penicilina"})
	patient(store.PatientInput{FirstName: "Bruno", Surname: "Quispe Rojas", Phone: "912345678",
		BirthDate: time.Date(2015, 3, 2, 0, 0, 0, 0, time.UTC), TherapistID: &pc.spec2.ID})
	patient(store.PatientInput{FirstName: "Carla", Surname: "Quintana Díaz", Phone: "955555555",
		BirthDate: time.Date(1985, 12, 1, 0, 0, 0, 0, time.UTC)})
	patient(store.PatientInput{FirstName: "Diego", Surname: "Torres Vega", Phone: "944444444",
		BirthDate: time.Date(2001, 7, 9, 0, 0, 0, 0, time.UTC), TherapistID: &pc.spec1.ID})
	// Hostile text the store refuses today (issue 12) but may hold from
	// before: written past the input check, it must still draw harmlessly.
	pc.evil = patient(store.PatientInput{FirstName: "Eva", Surname: "Mal",
		Phone: "900000000", TherapistID: &pc.spec1.ID, Notes: "borra"})
	storetest.SetRaw(t, tn, "patients", "first_name", pc.evil.ID, "Eva\x1b[2J")
	storetest.SetRaw(t, tn, "patients", "surname", pc.evil.ID, "Mal\x1b]52;c;ZXZpbA==\x07")
	storetest.SetRaw(t, tn, "patients", "notes", pc.evil.ID, "borra\x1b[2J")
	if pc.evil, err = tn.GetPatient(ctx, store.System, pc.evil.ID); err != nil {
		t.Fatal(err)
	}

	// Ana: a completed session last week (unpaid: the balance) and one
	// tomorrow.
	room, err := tn.CreateRoom(ctx, store.System, store.RoomInput{Name: "Sala 1", Capacity: 1})
	if err != nil {
		t.Fatal(err)
	}
	lima := tn.Info.Location()
	book := func(start time.Time) store.Session {
		ss, err := tn.BookSession(ctx, store.System, store.Booking{PatientID: pc.ana.ID, SpecialistID: pc.spec1.ID,
			RoomID: room.ID, Start: start})
		if err != nil {
			t.Fatalf("book %v: %v", start, err)
		}
		return ss[0]
	}
	past := book(time.Date(2026, 11, 19, 10, 0, 0, 0, lima))
	if _, err := tn.CompleteSession(ctx, store.System, past.ID, "Buen avance"); err != nil {
		t.Fatal(err)
	}
	book(time.Date(2026, 11, 27, 11, 0, 0, 0, lima))
	return pc
}

func (pc *patientsClinic) start(t testing.TB, u *store.User, w, h int) *tuitest.Term {
	t.Helper()
	m := NewClinicApp(context.Background(), ClinicSession{Tenant: pc.tn, User: u, RemoteAddr: "192.0.2.7:5555",
		Width: w, Height: h, DarkBackground: true})
	term := tuitest.Start(t, m, w, h)
	term.WaitFor(t, "Clínica clinic-a")
	term.Key("3")
	term.WaitFor(t, "[3 Pacientes]", "Página 1")
	return term
}

// settled waits until the screen shows texts and the spinner has stopped
// (golden screens must not catch "Cargando…").
func settled(t *testing.T, term *tuitest.Term, texts ...string) string {
	t.Helper()
	term.WaitFor(t, texts...)
	return term.WaitUntil(t, "idle with "+strings.Join(texts, ", "), func(s string) bool {
		if strings.Contains(s, "Cargando") {
			return false
		}
		for _, x := range texts {
			if !strings.Contains(s, x) {
				return false
			}
		}
		return true
	})
}

// clinicalViews counts the audit rows of clinical views of a patient by a user.
func clinicalViews(t *testing.T, tn *store.Tenant, email string, id int64) int {
	t.Helper()
	rows, err := tn.AuditLog(context.Background(), store.System,
		store.AuditFilter{UserEmail: email, Entity: "patient_clinical", EntityID: id, Action: "view"})
	if err != nil {
		t.Fatal(err)
	}
	return len(rows)
}

// TestPatientsMainFlow: list, search narrowing as a surname is typed, the
// file and its tabs, create through the form (a refused date shown at its
// field, then success), archive — at 80x24 with golden screens.
func TestPatientsMainFlow(t *testing.T) {
	t.Parallel()
	pc := newPatientsClinic(t)
	term := pc.start(t, pc.admin, 80, 24)

	t.Run("list", func(t *testing.T) {
		s := settled(t, term, "Quispe Mamani", "Torres Vega", "Página 1 · 5 pacientes")
		golden.RequireEqual(t, s)
	})

	t.Run("search", func(t *testing.T) {
		term.Key("/")
		term.Type("q")
		// A single letter matches the start of surnames (or first names).
		term.WaitUntil(t, "q narrows to Q surnames", func(s string) bool {
			return strings.Contains(s, "Quintana Díaz") && strings.Contains(s, "Quispe Rojas") && !strings.Contains(s, "Torres Vega")
		})
		term.Type("uis")
		s := term.WaitUntil(t, "quis narrows to the Quispes", func(s string) bool {
			return strings.Contains(s, "Quispe Mamani") && strings.Contains(s, "Quispe Rojas") &&
				!strings.Contains(s, "Quintana") && !strings.Contains(s, "Cargando")
		})
		golden.RequireEqual(t, s)
		term.Key("enter") // leave the search box
		term.WaitFor(t, "/ buscar")
	})

	t.Run("file", func(t *testing.T) {
		term.Key("enter")
		s := settled(t, term, "Pacientes › Quispe Mamani, Ana", "[Datos]", "987654321", "36 años", "S/ 80.00", "Soto")
		golden.RequireEqual(t, s)
		term.Key("right")
		settled(t, term, "[Clínico]", "TEA leve", "Penicilina")
		term.Key("right")
		settled(t, term, "[Próximas sesiones]", "27/11/2026 11:00", "Luis Soto")
		term.Key("right")
		settled(t, term, "[Historial]", "19/11/2026 10:00", "Buen avance")
	})

	t.Run("payments", func(t *testing.T) {
		term.Key("right")
		s := settled(t, term, "[Pagos y saldo]", "Saldo pendiente: S/ 80.00", "pendiente")
		golden.RequireEqual(t, s)
		if n := clinicalViews(t, pc.tn, pc.admin.Email, pc.ana.ID); n == 0 {
			t.Errorf("the admin's view of the clinical record was not audited")
		}
		term.Key("esc")
		term.WaitGone(t, "Pacientes ›")
	})

	t.Run("create", func(t *testing.T) {
		term.Key("/")
		term.Key("ctrl+u")
		term.Key("enter")
		settled(t, term, "Torres Vega")
		term.Key("n")
		focused(t, term, "Nombre")
		term.Type("Lucía")
		term.Key("enter")
		focused(t, term, "Apellidos")
		term.Type("Ramos Ortiz")
		term.Key("enter")
		focused(t, term, "Fecha de nacimiento")
		term.Type("01/01/2030") // a valid date, but in the future: the store refuses it
		// Through every other field to the end (the last enter saves).
		for i := 0; i < 18; i++ {
			term.Key("enter")
		}
		s := settled(t, term, "✗ Revise los datos: Fecha de nacimiento: no puede estar en el futuro.",
			"✗ No puede estar en el futuro.")
		// The form opened on the refused field, with what was typed.
		focused(t, term, "Fecha de nacimiento")
		term.WaitFor(t, "01/01/2030")
		golden.RequireEqual(t, s)
		for range "01/01/2030" {
			term.Key("backspace")
		}
		term.Type("15/08/2012")
		for i := 0; i < 18; i++ {
			term.Key("enter")
		}
		settled(t, term, "✓ Paciente Lucía Ramos Ortiz registrado.", "Ramos Ortiz", "Página 1 · 6 pacientes")
		p, err := pc.tn.ListPatients(context.Background(), store.System, store.PatientQuery{Search: "ramos"})
		if err != nil || len(p.Patients) != 1 || p.Patients[0].BirthDate.Format(time.DateOnly) != "2012-08-15" {
			t.Fatalf("created patient: %+v, %v", p.Patients, err)
		}
	})

	t.Run("archive", func(t *testing.T) {
		term.Key("/")
		term.Type("ramos")
		term.Key("enter")
		settled(t, term, "Página 1 · 1 pacientes")
		term.Key("a")
		term.WaitFor(t, "¿Archivar a Lucía Ramos Ortiz?")
		term.Key("s")
		settled(t, term, "✓ Paciente Lucía Ramos Ortiz archivado.", "Ningún paciente coincide con «ramos»")
		term.Key("v") // archived ones
		s := settled(t, term, "Ramos Ortiz", "archivado", "archivados")
		golden.RequireEqual(t, s)
	})
}

// TestPatientsHostileNames: escape sequences stored in a name or a note
// are drawn as harmless text in the list and in the file.
func TestPatientsHostileNames(t *testing.T) {
	t.Parallel()
	pc := newPatientsClinic(t)
	term := pc.start(t, pc.admin, 80, 24)
	s := settled(t, term, "Eva␛[2J", "Mal␛]52;c;ZXZpbA=")
	if !strings.Contains(s, "Quispe Mamani") {
		t.Fatalf("the list was cleared:\n%s", s)
	}
	// The hostile patient sorts first (M…): open it.
	term.Key("enter")
	s = settled(t, term, "Mal␛]52;c;ZXZpbA==␇, Eva␛[2J", "[Datos]", "900000000")
	if !strings.Contains(s, "[3 Pacientes]") {
		t.Fatalf("the frame was cleared:\n%s", s)
	}
	term.Key("right")
	settled(t, term, "[Clínico]", "borra␛[2J")
	// The edit form: the input drops control characters (bubbles'
	// sanitizer), the crumb shows them as pictures; the frame stays.
	term.Key("e")
	focused(t, term, "Nombre")
	s = settled(t, term, "Pacientes › Mal␛]52;c;ZXZpbA==␇, Eva␛[2J › Editar", "Eva[2J", "[3 Pacientes]")
	if strings.Contains(s, "\x1b") {
		t.Fatalf("raw escape on screen:\n%s", s)
	}
}

// TestPatientsReceptionEdit: reception changes a phone; the clinical fields
// it never saw stay as stored.
func TestPatientsReceptionEdit(t *testing.T) {
	t.Parallel()
	pc := newPatientsClinic(t)
	term := pc.start(t, pc.reception, 80, 24)
	term.Key("/")
	term.Type("mamani")
	term.Key("enter")
	settled(t, term, "Página 1 · 1 pacientes")
	term.Key("e")
	focused(t, term, "Nombre")
	s := term.WaitFor(t, "Pacientes › Editar")
	if strings.Contains(s, "Diagnóstico") {
		t.Fatalf("reception's form offers clinical fields:\n%s", s)
	}
	for range 6 { // to the phone
		term.Key("enter")
	}
	focused(t, term, "Teléfono")
	for range "987654321" {
		term.Key("backspace")
	}
	term.Type("911222333")
	for range 9 { // phone … status, then save
		term.Key("enter")
	}
	s = settled(t, term, "✓ Paciente Ana Quispe Mamani guardado.", "911222333")
	if strings.Contains(s, "Pacientes ›") {
		t.Fatalf("the form did not return to the list:\n%s", s)
	}
	p, err := pc.tn.GetPatient(context.Background(), store.System, pc.ana.ID)
	if err != nil || p.Phone != "911222333" || p.MedicalDiagnosis != "TEA leve" || p.Allergies != "Penicilina" {
		t.Fatalf("after reception's edit: phone %q diagnosis %q allergies %q, %v", p.Phone, p.MedicalDiagnosis, p.Allergies, err)
	}
}

// TestPatientsClinicalByRole: a specialist opening someone else's patient
// sees no clinical fields and leaves no clinical view in the audit log;
// their own patient's file shows them (and is audited); reception never
// sees them.
func TestPatientsClinicalByRole(t *testing.T) {
	t.Parallel()
	pc := newPatientsClinic(t)

	t.Run("specialist, not their patient", func(t *testing.T) {
		term := pc.start(t, pc.s2, 80, 24)
		// Marta's list has only her patient.
		s := settled(t, term, "Quispe Rojas", "Página 1 · 1 pacientes")
		if strings.Contains(s, "Quispe Mamani") {
			t.Fatalf("another specialist's patient is listed:\n%s", s)
		}
		// Opened from elsewhere (agenda, a link) by id.
		term.Send(clinic.OpenPatientMsg{ID: pc.ana.ID})
		s = settled(t, term, "Quispe Mamani, Ana", "Paciente de otro especialista")
		if strings.Contains(s, "987654321") {
			t.Errorf("a restricted file shows the phone:\n%s", s)
		}
		term.Key("right")
		s = settled(t, term, "[Clínico]", "Su rol no permite ver los datos clínicos")
		for _, secret := range []string{"TEA leve", "Penicilina"} {
			if strings.Contains(s, secret) {
				t.Errorf("clinical data shown to another specialist:\n%s", s)
			}
		}
		for i := 0; i < 3; i++ {
			term.Key("right")
			if s := settled(t, term, "["); strings.Contains(s, "TEA leve") {
				t.Errorf("clinical data on another tab:\n%s", s)
			}
		}
		if n := clinicalViews(t, pc.tn, pc.s2.Email, pc.ana.ID); n != 0 {
			t.Errorf("audit has %d clinical views by a specialist who may not see them", n)
		}
	})

	t.Run("specialist, own patient", func(t *testing.T) {
		term := pc.start(t, pc.s1, 80, 24)
		settled(t, term, "Quispe Mamani")
		term.Send(clinic.OpenPatientMsg{ID: pc.ana.ID})
		settled(t, term, "Quispe Mamani, Ana", "987654321")
		term.Key("right")
		settled(t, term, "[Clínico]", "TEA leve")
		if n := clinicalViews(t, pc.tn, pc.s1.Email, pc.ana.ID); n == 0 {
			t.Errorf("the specialist's view of their patient's clinical record was not audited")
		}
	})

	t.Run("reception", func(t *testing.T) {
		term := pc.start(t, pc.reception, 80, 24)
		term.Key("/")
		term.Type("mamani")
		term.Key("enter")
		settled(t, term, "Página 1 · 1 pacientes")
		term.Key("enter")
		settled(t, term, "Quispe Mamani, Ana", "987654321")
		for i := 0; i < clinic.TabCount; i++ {
			s := settled(t, term, "[")
			if strings.Contains(s, "TEA leve") || strings.Contains(s, "Penicilina") {
				t.Fatalf("reception sees clinical data:\n%s", s)
			}
			if strings.Contains(s, "[Clínico]") && !strings.Contains(s, "Su rol no permite ver los datos clínicos") {
				t.Fatalf("the clinical tab does not say it is not allowed:\n%s", s)
			}
			term.Key("right")
		}
		if n := clinicalViews(t, pc.tn, pc.reception.Email, pc.ana.ID); n != 0 {
			t.Errorf("audit has %d clinical views by reception", n)
		}
	})
}

// morePatients adds n patients "Apellido00 Prueba"… (ages 26 down).
func (pc *patientsClinic) morePatients(t testing.TB, n int) {
	t.Helper()
	for i := range n {
		if _, err := pc.tn.CreatePatient(context.Background(), store.System, store.PatientInput{
			FirstName: fmt.Sprintf("Paciente %02d", i), Surname: fmt.Sprintf("Apellido%02d Prueba", i),
			Phone: fmt.Sprintf("9%08d", i), Email: fmt.Sprintf("p%02d@correo.test", i),
			BirthDate: time.Date(2000, 1, 2, 0, 0, 0, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestPatientsPagingAndSort: keyset pages forward and back (the cursor
// stack), the sort toggle and the archived filter.
func TestPatientsPagingAndSort(t *testing.T) {
	t.Parallel()
	pc := newPatientsClinic(t)
	pc.morePatients(t, 30) // 35 in all; 16 rows fit at 80x24 (under the header and its rule)
	term := pc.start(t, pc.admin, 80, 24)
	s := settled(t, term, "Apellido00 Prueba", "Página 1 · 16 pacientes · hay más")
	if strings.Contains(s, "Apellido16 Prueba") {
		t.Fatalf("page 1 shows a row of page 2:\n%s", s)
	}
	term.Key("]")
	s = settled(t, term, "Apellido16 Prueba", "Página 2 · 16 pacientes · hay más")
	if strings.Contains(s, "Apellido15 Prueba") {
		t.Fatalf("page 2 repeats a row of page 1:\n%s", s)
	}
	term.Key("]")
	s = settled(t, term, "Página 3 · 3 pacientes", "Torres Vega")
	if strings.Contains(s, "hay más") {
		t.Fatalf("the last page says there are more:\n%s", s)
	}
	term.Key("]") // nothing after the last page
	term.Key("[")
	settled(t, term, "Apellido16 Prueba", "Página 2 · 16 pacientes")
	term.Key("[")
	settled(t, term, "Apellido00 Prueba", "Página 1 · 16 pacientes")

	// Newest first: the last created (Apellido29) comes first.
	term.Key("s")
	s = settled(t, term, "orden: más recientes", "Página 1 · 16 pacientes")
	rows := strings.Split(s, "\n")
	if !strings.Contains(rows[5], "Apellido29 Prueba") {
		t.Fatalf("newest first does not start with the newest:\n%s", s)
	}
	term.Key("s")
	settled(t, term, "orden: apellido", "Apellido00 Prueba")

	// Archived only: none yet.
	term.Key("v")
	settled(t, term, "archivados", "No hay pacientes registrados")
}

// TestPatientsGolden120x40: a wider window adds e-mail and registration.
func TestPatientsGolden120x40(t *testing.T) {
	t.Parallel()
	pc := newPatientsClinic(t)
	pc.morePatients(t, 3)
	term := pc.start(t, pc.reception, 120, 40)
	s := settled(t, term, "Correo", "Registro", "p00@correo.test", "26/11/2026", "Página 1 · 8 pacientes")
	golden.RequireEqual(t, s)
}

// TestPatientsPurge: only an admin purges, after typing the full name.
func TestPatientsPurge(t *testing.T) {
	t.Parallel()
	pc := newPatientsClinic(t)
	term := pc.start(t, pc.admin, 80, 24)
	term.Key("/")
	term.Type("quintana")
	term.Key("enter")
	settled(t, term, "Página 1 · 1 pacientes")
	term.Key("enter")
	settled(t, term, "Quintana Díaz, Carla", "x eliminar")
	term.Key("x")
	term.WaitFor(t, "Eliminar a Carla Quintana Díaz para siempre", "Escriba «Carla Quintana Díaz» para confirmar.")
	term.Type("Carla")
	term.Key("enter")
	term.WaitFor(t, "El texto no coincide.")
	term.Type(" Quintana Díaz")
	term.Key("enter")
	s := settled(t, term, "✓ Paciente Carla Quintana Díaz eliminado.", "Ningún paciente coincide con «quintana»")
	if strings.Contains(s, "Pacientes ›") {
		t.Fatalf("the file stayed open after the purge:\n%s", s)
	}
	page, err := pc.tn.ListPatients(context.Background(), store.System, store.PatientQuery{Search: "quintana", IncludeArchived: true})
	if err != nil || len(page.Patients) != 0 {
		t.Fatalf("after purge: %+v, %v", page.Patients, err)
	}

	// Reception sees no purge key, and the key does nothing.
	rt := pc.start(t, pc.reception, 80, 24)
	rt.Key("enter")
	s = settled(t, rt, "[Datos]", "a archivar")
	if strings.Contains(s, "x eliminar") {
		t.Fatalf("reception is offered the purge:\n%s", s)
	}
	rt.Key("x")
	if s := settled(t, rt, "[Datos]"); strings.Contains(s, "para siempre") {
		t.Fatalf("reception reached the purge confirmation:\n%s", s)
	}
}

// TestPatientsSpecialistEdit: a specialist edits the clinical fields of
// their own patient; the personal data is read-only for them.
func TestPatientsSpecialistEdit(t *testing.T) {
	t.Parallel()
	pc := newPatientsClinic(t)
	term := pc.start(t, pc.s1, 80, 24)
	term.Key("/")
	term.Type("mamani")
	term.Key("enter")
	settled(t, term, "Página 1 · 1 pacientes")
	term.Key("e")
	s := term.WaitFor(t, "Pacientes › Editar", "Los datos personales solo los modifica")
	if strings.Contains(s, "Fecha de nacimiento") {
		t.Fatalf("the specialist's form offers personal data:\n%s", s)
	}
	focused(t, term, "Diagnóstico médico")
	term.Type(" moderado")
	for range 6 {
		term.Key("enter")
	}
	settled(t, term, "✓ Paciente Ana Quispe Mamani guardado.")
	p, err := pc.tn.GetPatient(context.Background(), store.System, pc.ana.ID)
	if err != nil || p.MedicalDiagnosis != "TEA leve moderado" || p.Phone != "987654321" {
		t.Fatalf("after the specialist's edit: %q %q %v", p.MedicalDiagnosis, p.Phone, err)
	}
}

// TestPatientsSearchDropsStale: a debounce tick of an older edit does not
// search, and an answer to an older query is not shown.
func TestPatientsSearchDropsStale(t *testing.T) {
	t.Parallel()
	pc := newPatientsClinic(t)
	a := newClinicApp(context.Background(), clinicSession(pc.tn, pc.admin, 80, 24), pc.tn, clinic.Screens())
	a.Update(tuitest.KeyMsg("3"))
	l := a.shell.screens[a.shell.index(kit.ScreenPatients)].(*kit.Stack).Pages[0].(*clinic.PatientList)

	l.Update(tuitest.KeyMsg("/"))
	l.Update(tuitest.KeyMsg("q"))
	l.Update(tuitest.KeyMsg("u"))
	if l.SearchSeq != 2 || l.Search != "qu" {
		t.Fatalf("search %q seq %d", l.Search, l.SearchSeq)
	}
	before := l.Seq
	if cmd := l.Update(clinic.SearchTick{Seq: 1}); cmd != nil || l.Seq != before {
		t.Fatal("the tick of an older edit searched")
	}
	if cmd := l.Update(clinic.SearchTick{Seq: 2}); cmd == nil || l.Seq != before+1 {
		t.Fatal("the tick of the last edit did not search")
	}
	stale := store.PatientPage{Patients: []store.Patient{{FirstName: "Viejo", Surname: "Resultado"}}}
	l.Update(clinic.PatientsLoaded{Seq: l.Seq - 1, Page: stale})
	if len(l.Rows) == 1 && l.Rows[0].FirstName == "Viejo" {
		t.Fatal("an answer to an older query was shown")
	}
	fresh := store.PatientPage{Patients: []store.Patient{{FirstName: "Nuevo", Surname: "Resultado"}}}
	l.Update(clinic.PatientsLoaded{Seq: l.Seq, Page: fresh})
	if len(l.Rows) != 1 || l.Rows[0].FirstName != "Nuevo" {
		t.Fatalf("the answer to the last query was not shown: %+v", l.Rows)
	}
}

// TestPatientsEditKeepsInactiveTherapist: saving a patient whose therapist
// was deactivated keeps the therapist (the choice is not silently lost).
func TestPatientsEditKeepsInactiveTherapist(t *testing.T) {
	t.Parallel()
	pc := newPatientsClinic(t)
	ctx := context.Background()
	if _, err := pc.tn.DeactivateSpecialist(ctx, store.System, pc.spec2.ID); err != nil {
		t.Fatal(err)
	}
	term := pc.start(t, pc.reception, 80, 24)
	term.Key("/")
	term.Type("rojas")
	term.Key("enter")
	settled(t, term, "Página 1 · 1 pacientes")
	term.Key("e")
	focused(t, term, "Nombre")
	for range 11 { // to the therapist
		term.Key("enter")
	}
	focused(t, term, "Terapeuta")
	term.WaitFor(t, "Marta Ríos")
	for range 4 { // therapist … status, then save
		term.Key("enter")
	}
	settled(t, term, "✓ Paciente Bruno Quispe Rojas guardado.")
	page, err := pc.tn.ListPatients(ctx, store.System, store.PatientQuery{Search: "rojas"})
	if err != nil || len(page.Patients) != 1 || page.Patients[0].TherapistID == nil || *page.Patients[0].TherapistID != pc.spec2.ID {
		t.Fatalf("therapist after saving: %+v, %v", page.Patients, err)
	}
}
