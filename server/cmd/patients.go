package cmd

import (
	"errors"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"consultorio/store"
)

// `patients list|show|add`: the patients screen's list, file and form.
func init() {
	register(Clinic, func(env *Env) *cobra.Command {
		group := &cobra.Command{Use: "patients", Short: "List, show and register patients"}
		group.AddCommand(patientsList(env), patientsShow(env), patientsAdd(env))
		return group
	})
}

func patientsList(env *Env) *cobra.Command {
	c := &cobra.Command{
		Use:   "list [--search Q] [--limit N]",
		Short: "List patients by surname (no clinical fields)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			limit := flagInt(c, "limit")
			if limit <= 0 {
				return usagef("--limit must be a positive number")
			}
			q := store.PatientQuery{Search: flagString(c, "search"), Status: flagString(c, "status"),
				IncludeArchived: flagBool(c, "archived")}
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
					_, err := io.WriteString(w, "No patients.\n")
					return err
				}
				rows := make([][]string, len(views))
				for i, p := range views {
					rows[i] = []string{strconv.FormatInt(p.ID, 10), p.Surname, p.FirstName, ageText(p), orDash(p.Phone),
						orDash(p.Email), p.Status, orDash(p.TherapistName), p.CreatedAt[:10]}
				}
				return table(w, []string{"ID", "SURNAME", "FIRST NAME", "AGE", "PHONE", "E-MAIL", "STATUS", "THERAPIST", "REGISTERED"}, rows)
			})
		},
	}
	c.Flags().String("search", "", "words matched against name, surname, document, phone and e-mail")
	c.Flags().Int("limit", store.DefaultPageSize, "at most this many patients")
	c.Flags().String("status", "", "only active, discharged or suspended patients")
	c.Flags().Bool("archived", false, "include archived patients")
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
	pairs := []string{"id", strconv.FormatInt(p.ID, 10), "name", p.FirstName + " " + p.Surname, "status", p.Status,
		"therapist", orDash(p.TherapistName)}
	if p.Restricted {
		pairs = append(pairs, "note", "not your patient: personal and clinical data are not shown")
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
	c := &cobra.Command{
		Use:   "add --first-name F --surname S --birth-date D [--gender G] [--phone P] [--email E] [--document DNI] [--price AMOUNT] [--therapist ID] [--diagnosis T]",
		Short: "Register a patient and print it with its id",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := require(c, "first-name", "surname", "birth-date"); err != nil {
				return err
			}
			birth, err := parseDate("birth-date", flagString(c, "birth-date"))
			if err != nil {
				return err
			}
			in := store.PatientInput{FirstName: flagString(c, "first-name"), Surname: flagString(c, "surname"),
				BirthDate: birth, Gender: flagString(c, "gender"), Phone: flagString(c, "phone"),
				Email: flagString(c, "email"), Document: flagString(c, "document"), Address: flagString(c, "address"),
				MedicalDiagnosis: flagString(c, "diagnosis")}
			if given(c, "price") {
				if in.CostSession, err = env.moneyFlag("price", flagString(c, "price")); err != nil {
					return err
				}
			}
			if given(c, "therapist") {
				id := flagInt64(c, "therapist")
				in.TherapistID = &id
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
	f.String("first-name", "", "first name (required)")
	f.String("surname", "", "surname (required)")
	f.String("birth-date", "", "date of birth YYYY-MM-DD (required)")
	f.String("gender", "", "female, male or other")
	f.String("phone", "", "phone")
	f.String("email", "", "e-mail")
	f.String("document", "", "DNI or other document (unique)")
	f.String("address", "", "address")
	f.String("price", "", "session price, e.g. 80 or 75,50")
	f.Int64("therapist", 0, "specialist id of the therapist")
	f.String("diagnosis", "", "medical diagnosis (roles that may write clinical fields)")
	return c
}
