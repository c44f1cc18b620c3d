package clinic

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"
	"github.com/shopspring/decimal"

	"consultorio/store"
	"consultorio/tui/kit"
	"consultorio/tui/sanitize"
)

// patientValues are the form's variables: huh writes into them as the user
// types, and a failed save rebuilds the form from them (nothing is lost).
type patientValues struct {
	first, surname, birth, gender, document, address, phone, email string
	marital, education, cost, emergName, emergPhone, status        string
	therapist                                                      int64
	diagnosis, history, allergies, therapy, notes                  string
}

func valuesOf(env *kit.Env, p *store.Patient) patientValues {
	if p == nil {
		return patientValues{status: store.PatientActive, cost: kit.MoneyText(env, decimal.Zero)}
	}
	v := patientValues{first: p.FirstName, surname: p.Surname, gender: p.Gender, document: p.Document,
		address: p.Address, phone: p.Phone, email: p.Email, marital: p.MaritalStatus, education: p.Education,
		cost: kit.MoneyText(env, p.CostSession), emergName: p.EmergencyName, emergPhone: p.EmergencyPhone,
		status: p.Status, diagnosis: p.MedicalDiagnosis, history: p.MedicalHistory, allergies: p.Allergies,
		therapy: p.Therapy, notes: p.Notes}
	if !p.BirthDate.IsZero() {
		v.birth = p.BirthDate.Format(env.L.DateLayout())
	}
	if p.TherapistID != nil {
		v.therapist = *p.TherapistID
	}
	return v
}

// patientForm is the create / edit page. It is FormPage's pattern with one
// addition: the store's field errors are shown under their own fields and
// the form opens on the first field in error.
type patientForm struct {
	list *PatientList
	file *patientFile // nil when opened from the list
	env  *kit.Env
	orig *store.Patient // nil: a new patient

	v           patientValues
	specialists []store.Specialist
	personal    bool // the actor writes demographics (admin, reception)
	clinical    bool // the actor writes clinical fields (admin, own specialist)

	form      *huh.Form
	order     []string          // store field names in the form's field order
	fieldErrs map[string]string // store field → message of the last failed save
	errText   string
	saving    bool
	w, h      int
}

type patientFormReady struct {
	list        *PatientList
	file        *patientFile
	p           *store.Patient
	specialists []store.Specialist
	err         error
}

type patientSaved struct {
	form *patientForm
	p    store.Patient
	err  error
}

// openPatientForm loads what the form needs (the whole record when editing,
// the specialists to choose the therapist from), then pushes it.
func openPatientForm(l *PatientList, file *patientFile, p *store.Patient) tea.Cmd {
	tn, actor := l.env.Tenant, l.env.Actor
	return l.env.Do(func(ctx context.Context) tea.Msg {
		msg := patientFormReady{list: l, file: file}
		if p != nil {
			full, err := tn.GetPatient(ctx, actor, p.ID)
			if err != nil {
				msg.err = err
				return msg
			}
			msg.p = &full
		}
		msg.specialists, msg.err = tn.ListSpecialists(ctx, actor, false)
		return msg
	})
}

// formReady is handled by the list (the root page always receives it).
func (l *PatientList) formReady(msg patientFormReady) tea.Cmd {
	if msg.err != nil {
		l.env.Error(msg.err)
		return nil
	}
	pf := &patientForm{list: l, file: msg.file, env: l.env, orig: msg.p, specialists: msg.specialists,
		v: valuesOf(l.env, msg.p)}
	pf.personal = l.env.Actor.MayWritePatients()
	pf.clinical = l.env.Actor.MayEditClinical(msg.p)
	if !pf.personal && !pf.clinical {
		l.env.Error(&store.ForbiddenError{})
		return nil
	}
	return l.stack.Push(pf)
}

func (pf *patientForm) Title() string {
	if pf.orig == nil {
		return pf.env.M.Patients.NewTitle
	}
	return pf.env.M.Patients.EditTitle
}

// label is the form's name of a store field (as ValidationError names it).
func (pf *patientForm) label(field string) string {
	m := pf.env.M.Patients
	labels := map[string]string{
		"first_name": m.FirstName, "surname": m.Surname, "birth_date": m.BirthDate, "gender": m.Gender,
		"document": m.Document, "address": m.Address, "phone": m.Phone, "email": m.Email,
		"marital_status": m.MaritalStatus, "education": m.Education, "cost_session": m.CostSession,
		"therapist_id": m.Therapist, "medical_diagnosis": m.MedicalDiagnosis, "medical_history": m.MedicalHistory,
		"allergies": m.Allergies, "therapy": m.Therapy, "emergency_name": m.EmergencyName,
		"emergency_phone": m.EmergencyPhone, "notes": m.Notes, "status": m.Status,
	}
	if l, ok := labels[field]; ok {
		return l
	}
	return field
}

// build makes the form from pf.v; fields the last save refused carry the
// store's message in their description.
func (pf *patientForm) build() *huh.Form {
	m := pf.env.M.Patients
	e := pf.env.M.Errors
	pf.order = nil
	var fields []huh.Field
	desc := func(field, hint string) string {
		if msg, ok := pf.fieldErrs[field]; ok {
			return "✗ " + sanitize.Line(msg)
		}
		return hint
	}
	input := func(field string, value *string, validate func(string) error, hint string) {
		in := huh.NewInput().Title(pf.label(field)).Value(value).Description(desc(field, hint))
		if validate != nil {
			in = in.Validate(validate)
		}
		pf.order = append(pf.order, field)
		fields = append(fields, in)
	}
	required := func(s string) error {
		if strings.TrimSpace(s) == "" {
			return errors.New(e.Required)
		}
		return nil
	}
	if pf.personal {
		input("first_name", &pf.v.first, required, "")
		input("surname", &pf.v.surname, required, "")
		input("birth_date", &pf.v.birth, func(s string) error {
			if _, err := pf.env.L.ParseDate(s); err != nil {
				return fmt.Errorf(m.BadDate, pf.env.L.DateHint())
			}
			return nil
		}, pf.env.L.DateHint())
		pf.order = append(pf.order, "gender")
		fields = append(fields, huh.NewSelect[string]().Title(m.Gender).Description(desc("gender", "")).Inline(true).
			Options(huh.NewOption(m.GenderNone, ""), huh.NewOption(m.GenderFemale, "female"),
				huh.NewOption(m.GenderMale, "male"), huh.NewOption(m.GenderOther, "other")).Value(&pf.v.gender))
		input("document", &pf.v.document, nil, "")
		input("address", &pf.v.address, nil, "")
		input("phone", &pf.v.phone, nil, "")
		input("email", &pf.v.email, nil, "")
		input("marital_status", &pf.v.marital, nil, "")
		input("education", &pf.v.education, nil, "")
		input("cost_session", &pf.v.cost, kit.MoneyOK(pf.env, true), pf.env.L.CurrencySymbol())
		opts := []huh.Option[int64]{huh.NewOption(m.TherapistNone, int64(0))}
		listed := false
		for _, s := range pf.specialists {
			opts = append(opts, huh.NewOption(sanitize.Line(s.FullName()), s.ID))
			listed = listed || s.ID == pf.v.therapist
		}
		if !listed && pf.v.therapist != 0 && pf.orig != nil {
			// The current therapist is no longer active: keep them
			// choosable, or saving would silently unassign them.
			opts = append(opts, huh.NewOption(sanitize.Line(pf.orig.TherapistName), pf.v.therapist))
		}
		pf.order = append(pf.order, "therapist_id")
		fields = append(fields, huh.NewSelect[int64]().Title(m.Therapist).Description(desc("therapist_id", "")).
			Inline(true).Options(opts...).Value(&pf.v.therapist))
		input("emergency_name", &pf.v.emergName, nil, "")
		input("emergency_phone", &pf.v.emergPhone, nil, "")
	}
	if pf.clinical {
		for _, x := range []struct {
			field string
			v     *string
		}{{"medical_diagnosis", &pf.v.diagnosis}, {"medical_history", &pf.v.history},
			{"allergies", &pf.v.allergies}, {"therapy", &pf.v.therapy}, {"notes", &pf.v.notes}} {
			pf.order = append(pf.order, x.field)
			fields = append(fields, kit.NewText().Title(pf.label(x.field)).Description(desc(x.field, "")).
				Lines(3).Value(x.v))
		}
	}
	pf.order = append(pf.order, "status")
	fields = append(fields, huh.NewSelect[string]().Title(m.Status).Description(desc("status", "")).Inline(true).
		Options(huh.NewOption(m.StatusActive, store.PatientActive), huh.NewOption(m.StatusDischarged, store.PatientDischarged),
			huh.NewOption(m.StatusSuspended, store.PatientSuspended)).Value(&pf.v.status))
	group := huh.NewGroup(fields...)
	if !pf.personal {
		// A specialist reads the personal data but does not change it: say
		// so above the fields, where it stays while the fields scroll.
		group = group.Title(sanitize.Line(pf.orig.FullName())).Description(m.ReadOnlyPersonal)
	}
	return kit.NewForm(pf.env.M, group)
}

func (pf *patientForm) Init() tea.Cmd {
	pf.form = pf.build()
	cmd := pf.env.StartForm(pf.form)
	if pf.w > 0 {
		// The size before moving the focus: huh scrolls to the focused
		// field only once it knows its height.
		cmd = tea.Batch(cmd, kit.SizeForm(pf.form, min(pf.w-2, 100), max(pf.h-4, 3)))
	}
	// Open on the first field the store refused.
	for i, f := range pf.order {
		if _, bad := pf.fieldErrs[f]; bad {
			for range i {
				cmd = tea.Batch(cmd, pf.form.NextField())
			}
			break
		}
	}
	return cmd
}

// input turns the form's values into what the store takes. What a role
// may not write is sent back as stored (the store checks it again).
func (pf *patientForm) input() store.PatientInput {
	v := pf.v
	var in store.PatientInput
	if pf.orig != nil {
		in = pf.orig.Input()
	}
	if pf.personal {
		in.FirstName, in.Surname, in.Gender, in.Document = v.first, v.surname, v.gender, v.document
		in.Address, in.Phone, in.Email, in.MaritalStatus, in.Education = v.address, v.phone, v.email, v.marital, v.education
		in.EmergencyName, in.EmergencyPhone = v.emergName, v.emergPhone
		in.BirthDate, _ = pf.env.L.ParseDate(v.birth)
		in.CostSession, _ = kit.MoneyValue(pf.env, v.cost) // the field's check refused what does not read
		in.TherapistID = nil
		if v.therapist != 0 {
			id := v.therapist
			in.TherapistID = &id
		}
	}
	if pf.clinical {
		in.MedicalDiagnosis, in.MedicalHistory, in.Allergies, in.Therapy, in.Notes =
			v.diagnosis, v.history, v.allergies, v.therapy, v.notes
	} else {
		in.MedicalDiagnosis, in.MedicalHistory, in.Allergies, in.Therapy, in.Notes = "", "", "", "", ""
	}
	in.Status = v.status
	return in
}

// save runs off the program's goroutine; it only reads the values (the form
// is finished) and returns what happened.
func (pf *patientForm) save(ctx context.Context, in store.PatientInput) tea.Msg {
	tn, actor := pf.env.Tenant, pf.env.Actor
	var p store.Patient
	var err error
	if pf.orig == nil {
		p, err = tn.CreatePatient(ctx, actor, in)
	} else {
		p, err = tn.UpdatePatient(ctx, actor, pf.orig.ID, in)
	}
	return patientSaved{form: pf, p: p, err: err}
}

// failed maps the store's error onto the form's fields: each field the
// store refused shows why under it. The error itself is shown whole.
func (pf *patientForm) failed(err error) error {
	pf.fieldErrs = map[string]string{}
	var ve *store.ValidationError
	var ce *store.ConflictError
	switch {
	case errors.As(err, &ve):
		for f, fe := range ve.Fields {
			pf.fieldErrs[f] = pf.env.L.FieldText(fe)
		}
	case errors.As(err, &ce):
		pf.fieldErrs[ce.Field] = pf.env.L.FieldText(store.FieldError{Reason: ce.Reason, Args: ce.Args})
	}
	return err
}

func (pf *patientForm) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case patientSaved:
		if msg.form != pf {
			return nil
		}
		pf.saving = false
		if msg.err != nil {
			pf.errText = pf.env.ErrorText(pf.failed(msg.err))
			return pf.Init()
		}
		st := pf.list.stack
		var cmd tea.Cmd
		if st.Top() == kit.Page(pf) {
			cmd = st.Pop()
		}
		done := pf.env.M.Patients.Saved
		if pf.orig == nil {
			done = pf.env.M.Patients.Created
		}
		pf.env.Info(fmt.Sprintf(done, sanitize.Line(msg.p.FullName())))
		return tea.Batch(cmd, pf.list.load())
	case tea.WindowSizeMsg:
		pf.w, pf.h = msg.Width, msg.Height
		if pf.form != nil {
			return kit.SizeForm(pf.form, min(pf.w-2, 100), max(pf.h-4, 3))
		}
		return nil
	}
	if pf.form == nil || pf.saving || pf.form.State != huh.StateNormal {
		return nil
	}
	if _, isKey := msg.(tea.KeyPressMsg); isKey {
		pf.errText = ""
	}
	cmd := kit.UpdateForm(pf.form, msg)
	switch pf.form.State {
	case huh.StateAborted:
		return tea.Batch(cmd, pf.list.stack.Pop())
	case huh.StateCompleted:
		pf.saving = true
		in := pf.input()
		return tea.Batch(cmd, pf.env.Do(func(ctx context.Context) tea.Msg { return pf.save(ctx, in) }))
	}
	return cmd
}

func (pf *patientForm) View(w, h int) string {
	st := pf.env.Styles()
	var b strings.Builder
	if pf.form != nil && pf.form.State == huh.StateNormal {
		b.WriteString(kit.Indent(pf.form.View(), 1))
	}
	if pf.errText != "" {
		wrapped := lipgloss.NewStyle().Width(max(w-4, 10)).Render("✗ " + sanitize.Line(pf.errText))
		// The error goes first so it is never cut off by a tall form.
		return kit.Indent(st.Error.Render(wrapped), 1) + "\n" + b.String()
	}
	return b.String()
}

func (pf *patientForm) Keys() []key.Binding { return kit.FormKeys(pf.form) }

func (pf *patientForm) Capturing() bool { return true }

// archivePage asks before archiving (or restoring) p; file is the open file
// to refresh, if any.
func archivePage(l *PatientList, p store.Patient, file *patientFile) *kit.FormPage {
	m := l.env.M.Patients
	tn, actor, name := l.env.Tenant, l.env.Actor, sanitize.Line(p.FullName())
	after := func() tea.Cmd { return l.load() }
	if p.ArchivedAt != nil {
		return kit.NewConfirmPage(l.stack, m.UnarchiveTitle, fmt.Sprintf(m.UnarchiveQ, name), "",
			func(ctx context.Context) error { _, err := tn.UnarchivePatient(ctx, actor, p.ID); return err },
			fmt.Sprintf(m.Restored, name), after)
	}
	return kit.NewConfirmPage(l.stack, m.ArchiveTitle, fmt.Sprintf(m.ArchiveQuestion, name), "",
		func(ctx context.Context) error { _, err := tn.ArchivePatient(ctx, actor, p.ID); return err },
		fmt.Sprintf(m.ArchivedOK, name), after)
}

// purgePage deletes p for good after its full name is typed (admin only;
// the store checks both again). On success the file closes too.
func purgePage(l *PatientList, p store.Patient) *kit.FormPage {
	m := l.env.M.Patients
	tn, actor, full := l.env.Tenant, l.env.Actor, p.FullName()
	return kit.NewConfirmPage(l.stack, m.PurgeTitle, fmt.Sprintf(m.PurgeQuestion, sanitize.Line(full)), full,
		func(ctx context.Context) error { return tn.PurgePatient(ctx, actor, p.ID, full) },
		fmt.Sprintf(m.Purged, sanitize.Line(full)),
		func() tea.Cmd { return tea.Batch(l.stack.Pop(), l.load()) })
}
