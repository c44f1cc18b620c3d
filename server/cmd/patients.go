package cmd

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"

	"consultorio/store"
	"consultorio/tui/i18n"
)

// `patients ...`: the patients screen's list, file, form and archive.
func patientsCmd(env *Env) *cobra.Command {
	group := &cobra.Command{Use: "patients", Short: "List, show, register, change and archive patients"}
	group.AddCommand(patientsList(env), patientsShow(env), patientsAdd(env), patientsUpdate(env),
		patientsArchive(env, true), patientsArchive(env, false), patientsPurge(env), patientsStatement(env), patientsMail(env),
		patientsFiles(env), patientsCredits(env))
	return group
}

func patientsList(env *Env) *cobra.Command {
	var (
		limit int
		q     store.PatientQuery
	)
	c := &cobra.Command{
		Use:   "list [--search Q] [--limit N]",
		Short: "List patients by surname (no clinical fields)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			var out []store.Patient
			// The store pages at most MaxPageSize rows at a time; follow
			// the cursor up to the limit asked for.
			for len(out) < limit {
				q.Limit = min(limit-len(out), store.MaxPageSize)
				page, err := env.Tenant.ListPatients(c.Context(), env.Actor(), q)
				if err != nil {
					return err
				}
				out = append(out, page.Patients...)
				if page.Next == nil {
					break
				}
				q.After = page.Next
			}
			loc := env.loc()
			views := make([]PatientView, len(out))
			for i, p := range out {
				views[i] = patientView(p, loc)
			}
			return output(c, views, func(w io.Writer) error {
				if len(views) == 0 {
					return emptyState(w, textsFor(env.lang()).NoPatients)
				}
				rows := make([][]string, len(views))
				for i, p := range views {
					rows[i] = []string{strconv.FormatInt(p.ID, 10), p.Surname, p.FirstName, ageText(p), orDash(p.Phone),
						orDash(p.Email), term(w, p.Status), orDash(p.TherapistName), p.CreatedAt[:10]}
				}
				return table(w, []string{"ID", "SURNAME", "FIRST NAME", "AGE", "PHONE", "E-MAIL", "STATUS", "THERAPIST", "REGISTERED"}, rows)
			})
		},
	}
	f := c.Flags()
	f.StringVar(&q.Search, "search", "", "words matched against name, surname, document, phone and e-mail")
	countVar(f, &limit, "limit", store.DefaultPageSize, 1, "at most this many patients")
	choiceVar(f, &q.Status, "status", "only active, discharged or suspended patients", "active", "discharged", "suspended")
	f.BoolVar(&q.IncludeArchived, "archived", false, "include archived patients")
	return c
}

func ageText(p PatientView) string {
	if p.BirthDate == nil {
		return "-"
	}
	return strconv.Itoa(p.Age)
}

func patientsShow(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Show one patient (clinical fields only for the roles that may see them)",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID("patient", args[0])
			if err != nil {
				return err
			}
			p, err := env.Tenant.GetPatient(c.Context(), env.Actor(), id)
			if err != nil {
				return err
			}
			v := patientView(p, env.loc())
			// The balance is shown when the store lets this actor read it.
			if !p.Restricted {
				bal, err := env.Tenant.PatientBalance(c.Context(), env.Actor(), id)
				var fe *store.ForbiddenError
				switch {
				case err == nil:
					s := money(bal)
					v.Balance = &s
				case !errors.As(err, &fe):
					return err
				}
			}
			return output(c, v, func(w io.Writer) error { return printPatient(w, v) })
		},
	}
}

func printPatient(w io.Writer, p PatientView) error {
	pairs := []string{"id", strconv.FormatInt(p.ID, 10), "name", p.FirstName + " " + p.Surname, "status", term(w, p.Status),
		"therapist", orDash(p.TherapistName)}
	if p.Restricted {
		pairs = append(pairs, "note", phrase(w, "not your patient: personal and clinical data are not shown"))
		return fields(w, pairs...)
	}
	pairs = append(pairs, "birth date", deref(p.BirthDate), "age", ageText(p), "gender", orDash(p.Gender),
		"document", orDash(p.Document), "phone", orDash(p.Phone), "e-mail", orDash(p.Email),
		"address", orDash(p.Address), "marital status", orDash(p.MaritalStatus), "education", orDash(p.Education),
		"session price", p.CostSession, "emergency contact", orDash(p.EmergencyName),
		"emergency phone", orDash(p.EmergencyPhone))
	if p.Balance != nil {
		pairs = append(pairs, "balance", *p.Balance)
	}
	if p.ArchivedAt != nil {
		pairs = append(pairs, "archived", *p.ArchivedAt)
	}
	pairs = append(pairs, "registered", p.CreatedAt)
	if p.ClinicalVisible {
		pairs = append(pairs, "diagnosis", orDash(deref(p.MedicalDiagnosis)), "history", orDash(deref(p.MedicalHistory)),
			"allergies", orDash(deref(p.Allergies)), "therapy", orDash(deref(p.Therapy)), "notes", orDash(deref(p.Notes)))
	}
	return fields(w, pairs...)
}

func patientsAdd(env *Env) *cobra.Command {
	var in store.PatientInput
	c := &cobra.Command{
		Use:   "add --first-name F --surname S --birth-date D [--gender G] [--phone P] [--email E] [--document DNI] [--price AMOUNT] [--therapist ID] [--diagnosis T]",
		Short: "Register a patient and print it with its id",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := require(c, "first-name", "surname", "birth-date"); err != nil {
				return err
			}
			p, err := env.Tenant.CreatePatient(c.Context(), env.Actor(), in)
			if err != nil {
				return err
			}
			v := patientView(p, env.loc())
			return output(c, v, func(w io.Writer) error { return printPatient(w, v) })
		},
	}
	f := c.Flags()
	f.StringVar(&in.FirstName, "first-name", "", "first name (required)")
	f.StringVar(&in.Surname, "surname", "", "surname (required)")
	dateVar(f, &in.BirthDate, "birth-date", "date of birth YYYY-MM-DD (required)")
	f.StringVar(&in.Gender, "gender", "", "female, male or other")
	f.StringVar(&in.Phone, "phone", "", "phone")
	f.StringVar(&in.Email, "email", "", "e-mail")
	f.StringVar(&in.Document, "document", "", "DNI or other document (unique)")
	f.StringVar(&in.Address, "address", "", "address")
	moneyVar(f, &in.CostSession, env.readMoney, "price", "session price, e.g. 80 or 75,50")
	optIDVar(f, &in.TherapistID, "therapist", "specialist id of the therapist")
	f.StringVar(&in.MedicalDiagnosis, "diagnosis", "", "medical diagnosis (roles that may write clinical fields)")
	return c
}

// patientsUpdate is the patient form on an existing patient: the fields not
// given stay as stored; the store decides who may write which.
func patientsUpdate(env *Env) *cobra.Command {
	var (
		first, surname, gender, phone, email, document, address *string
		marital, education, diagnosis, history, allergies       *string
		therapy, emergencyName, emergencyPhone, notes, status   *string
		birth                                                   *time.Time
		price                                                   *decimal.Decimal
		therapist                                               *int64
	)
	c := &cobra.Command{
		Use:   "update ID [--first-name F] [--surname S] [--phone P] ... [--status S]",
		Short: "Change a patient's record (the fields not given stay as they are)",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID("patient", args[0])
			if err != nil {
				return err
			}
			texts := []struct {
				v   *string
				dst func(*store.PatientInput) *string
			}{
				{first, func(in *store.PatientInput) *string { return &in.FirstName }},
				{surname, func(in *store.PatientInput) *string { return &in.Surname }},
				{gender, func(in *store.PatientInput) *string { return &in.Gender }},
				{phone, func(in *store.PatientInput) *string { return &in.Phone }},
				{email, func(in *store.PatientInput) *string { return &in.Email }},
				{document, func(in *store.PatientInput) *string { return &in.Document }},
				{address, func(in *store.PatientInput) *string { return &in.Address }},
				{marital, func(in *store.PatientInput) *string { return &in.MaritalStatus }},
				{education, func(in *store.PatientInput) *string { return &in.Education }},
				{diagnosis, func(in *store.PatientInput) *string { return &in.MedicalDiagnosis }},
				{history, func(in *store.PatientInput) *string { return &in.MedicalHistory }},
				{allergies, func(in *store.PatientInput) *string { return &in.Allergies }},
				{therapy, func(in *store.PatientInput) *string { return &in.Therapy }},
				{emergencyName, func(in *store.PatientInput) *string { return &in.EmergencyName }},
				{emergencyPhone, func(in *store.PatientInput) *string { return &in.EmergencyPhone }},
				{notes, func(in *store.PatientInput) *string { return &in.Notes }},
				{status, func(in *store.PatientInput) *string { return &in.Status }},
			}
			changed := birth != nil || price != nil || therapist != nil
			for _, t := range texts {
				changed = changed || t.v != nil
			}
			if !changed {
				return usagef("%s: say which fields to change (see: help patients update)", c.CommandPath())
			}
			cur, err := env.Tenant.GetPatient(c.Context(), env.Actor(), id)
			if err != nil {
				return err
			}
			in := cur.Input()
			for _, t := range texts {
				if t.v != nil {
					*t.dst(&in) = *t.v
				}
			}
			if birth != nil {
				in.BirthDate = *birth
			}
			if price != nil {
				in.CostSession = *price
			}
			if therapist != nil {
				in.TherapistID = therapist
			}
			p, err := env.Tenant.UpdatePatient(c.Context(), env.Actor(), id, in)
			if err != nil {
				return err
			}
			v := patientView(p, env.loc())
			return output(c, v, func(w io.Writer) error { return printPatient(w, v) })
		},
	}
	f := c.Flags()
	optStringVar(f, &first, "first-name", "first name")
	optStringVar(f, &surname, "surname", "surname")
	optDateVar(f, &birth, "birth-date", "date of birth YYYY-MM-DD")
	optStringVar(f, &gender, "gender", "female, male or other")
	optStringVar(f, &phone, "phone", "phone")
	optStringVar(f, &email, "email", "e-mail")
	optStringVar(f, &document, "document", "DNI or other document (unique)")
	optStringVar(f, &address, "address", "address")
	optStringVar(f, &marital, "marital-status", "marital status")
	optStringVar(f, &education, "education", "education")
	optMoneyVar(f, &price, env.readMoney, "price", "session price, e.g. 80 or 75,50")
	optIDVar(f, &therapist, "therapist", "specialist id of the therapist")
	optStringVar(f, &diagnosis, "diagnosis", "medical diagnosis (clinical)")
	optStringVar(f, &history, "history", "medical history (clinical)")
	optStringVar(f, &allergies, "allergies", "allergies (clinical)")
	optStringVar(f, &therapy, "therapy", "therapy (clinical)")
	optStringVar(f, &notes, "notes", "notes (clinical)")
	optStringVar(f, &emergencyName, "emergency-name", "emergency contact's name")
	optStringVar(f, &emergencyPhone, "emergency-phone", "emergency contact's phone")
	optStringVar(f, &status, "status", "active, discharged or suspended")
	return c
}

// patientsArchive is archive (true) or unarchive (false), as the patient
// file's archive action.
func patientsArchive(env *Env, archive bool) *cobra.Command {
	use, short := "archive", "Archive a patient (kept, hidden from lists; unarchive brings it back)"
	if !archive {
		use, short = "unarchive", "Bring an archived patient back"
	}
	return &cobra.Command{
		Use:   use + " ID",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID("patient", args[0])
			if err != nil {
				return err
			}
			do := env.Tenant.UnarchivePatient
			if archive {
				do = env.Tenant.ArchivePatient
			}
			p, err := do(c.Context(), env.Actor(), id)
			if err != nil {
				return err
			}
			v := patientView(p, env.loc())
			return output(c, v, func(w io.Writer) error { return printPatient(w, v) })
		},
	}
}

// AttachmentView is one file of `patients files --json`.
type AttachmentView struct {
	ID        int64  `json:"id"`
	PatientID int64  `json:"patient_id"`
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	Size      int64  `json:"size"`
	SHA256    string `json:"sha256"`
	CreatedBy string `json:"created_by"`
	CreatedAt string `json:"created_at"`
	Path      string `json:"path"` // over SFTP
}

func patientsFiles(env *Env) *cobra.Command {
	var kind string
	c := &cobra.Command{
		Use:   "files ID [--kind K]",
		Short: "List a patient's files (the ones your role may read); transfer them with sftp",
		Long: `List a patient's files: name, kind, size, date. Reception sees the
administrative ones (consent, admin), a specialist those of their own
patients, an admin all. The files themselves travel over SFTP on the same
server, at /patients/ID/KIND/NAME:

  sftp clinic@host:/patients/42/lab/        (put / get)
  scp informe.pdf clinic@host:/patients/42/lab/`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID("patient", args[0])
			if err != nil {
				return err
			}
			list, err := env.Tenant.Attachments(c.Context(), env.Actor(), id, store.AttachmentKind(kind))
			if err != nil {
				return err
			}
			loc := env.loc()
			views := make([]AttachmentView, len(list))
			for i, a := range list {
				views[i] = AttachmentView{ID: a.ID, PatientID: a.PatientID, Kind: string(a.Kind), Name: a.Name, Size: a.Size,
					SHA256: a.SHA256, CreatedBy: a.CreatedBy, CreatedAt: fmtTime(a.CreatedAt, loc),
					Path: fmt.Sprintf("/patients/%d/%s/%s", a.PatientID, a.Kind, a.Name)}
			}
			return output(c, views, func(w io.Writer) error {
				if len(views) == 0 {
					return emptyState(w, i18n.For(env.lang()).Files.Empty)
				}
				rows := make([][]string, len(views))
				for i, v := range views {
					rows[i] = []string{v.Name, v.Kind, strconv.FormatInt(v.Size, 10), v.CreatedAt, orDash(v.CreatedBy), v.Path}
				}
				return table(w, []string{"NAME", "KIND", "BYTES", "DATE", "BY", "PATH"}, rows)
			})
		},
	}
	kinds := []string{}
	for _, k := range store.AttachmentKinds() {
		kinds = append(kinds, string(k))
	}
	choiceVar(c.Flags(), &kind, "kind", "only files of this kind", kinds...)
	return c
}
