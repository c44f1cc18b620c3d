package cmd

import (
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"consultorio/store"
	safetext "consultorio/tui/sanitize"
)

// `export patients|sessions|payments|expenses [--month YYYY-MM]`: CSV with a
// header row on stdout (`ssh demo@host export payments --month 2026-11 >
// pagos.csv`). Dates, times and amounts are written as in the JSON output;
// each export reads through the same store operations (and authorization) as
// the lists.
func exportCmd(env *Env) *cobra.Command {
	var month time.Time
	group := &cobra.Command{
		Use:   "export [patients|sessions|payments|expenses]",
		Short: "Write the whole clinic as an archive (admins), or patients, sessions, payments or expenses as CSV, on stdout",
		Long: `With no argument: the clinic's own archive (admins), a zstd-compressed tar of
every row and file with a manifest of row counts and checksums, the same
archive the service's operators make with "tenants export":

  ssh clinic@host export > clinic.tar.zst

With an argument: that list as CSV with a header row.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if c.Flags().Changed("month") {
				return usagef("%s: --month applies to the CSV exports (export payments --month YYYY-MM)", c.CommandPath())
			}
			m, err := env.Tenant.Export(c.Context(), env.Actor(), c.OutOrStdout())
			if err != nil {
				return err
			}
			archiveSummary(c.ErrOrStderr(), "exported", m)
			return nil
		},
		// CSV is the format; --json would be a contradiction, not a
		// request to ignore.
		PersistentPreRunE: func(c *cobra.Command, _ []string) error {
			if wantJSON(c) {
				return usagef("%s writes CSV; --json does not apply", c.CommandPath())
			}
			if env.User == nil {
				return ErrAuthRequired
			}
			return nil
		},
	}
	monthVar(group.PersistentFlags(), &month, "month", "month YYYY-MM")
	group.AddCommand(
		exportCommand(env, &month, "patients", "Patients (registered in --month); clinical columns only for roles that may see them", exportPatients),
		exportCommand(env, &month, "sessions", "Sessions (starting in --month)", exportSessions),
		exportCommand(env, &month, "payments", "Payments (paid in --month, or unpaid of its sessions)", exportPayments),
		exportCommand(env, &month, "expenses", "Expenses (due in --month, or created in it without a due date)", exportExpenses),
	)
	return group
}

type exporter func(c *cobra.Command, env *Env, month time.Time, w *csv.Writer) error

func exportCommand(env *Env, month *time.Time, name, short string, run exporter) *cobra.Command {
	return &cobra.Command{
		Use:   name + " [--month YYYY-MM]",
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			w := csv.NewWriter(c.OutOrStdout())
			if err := run(c, env, *month, w); err != nil {
				return err
			}
			w.Flush()
			return w.Error()
		},
	}
}

// cell makes stored text safe in a CSV that may be shown on a terminal or
// opened in a spreadsheet: escape sequences become visible pictures (line
// breaks stay, CSV quotes them), and text a spreadsheet would run as a
// formula (starting with =, @, or + / - followed by more than a number such
// as a phone "+51 999 111 222") is prefixed with an apostrophe.
func cell(s string) string {
	s = safetext.Text(s)
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '@':
		return "'" + s
	case '+', '-':
		if strings.Trim(s[1:], "0123456789 ().-") != "" {
			return "'" + s
		}
	}
	return s
}

func i64(v int64) string { return strconv.FormatInt(v, 10) }

func boolCell(b bool) string { return strconv.FormatBool(b) }

var patientCSVHeader = []string{"id", "first_name", "surname", "birth_date", "age", "gender", "document", "phone", "email",
	"address", "marital_status", "education", "cost_session", "therapist_id", "therapist_name", "emergency_name",
	"emergency_phone", "status", "archived_at", "created_at"}

var patientCSVClinical = []string{"medical_diagnosis", "medical_history", "allergies", "therapy", "notes"}

// exportPatients pages through the patient list (newest first when a month
// is asked for, so it can stop at the month's start). With the clinical
// columns, every patient is read through GetPatient: the store decides what
// the actor sees and audits each clinical view, as the patient file does.
func exportPatients(c *cobra.Command, env *Env, month time.Time, w *csv.Writer) error {
	ctx, actor, loc := c.Context(), env.Actor(), env.loc()
	// Roles that can never read clinical fields get no such columns; the
	// values are the store's (empty where it does not show them).
	clinical := actor.MayReadClinical()
	header := patientCSVHeader
	if clinical {
		header = append(append([]string{}, header...), patientCSVClinical...)
	}
	if err := w.Write(header); err != nil {
		return err
	}
	q := store.PatientQuery{Limit: 500, IncludeArchived: true}
	var from, to time.Time
	if !month.IsZero() {
		q.Sort = store.PatientSortCreated
		from, to = localMidnight(month, loc), localMidnight(month.AddDate(0, 1, 0), loc)
	}
	for {
		page, err := env.Tenant.ListPatients(ctx, actor, q)
		if err != nil {
			return err
		}
		patients, last := page.Patients, false
		if !month.IsZero() {
			patients, last = inMonth(patients, from, to)
		}
		if clinical {
			// One read of the page's clinical records (each audited).
			ids := make([]int64, len(patients))
			for i, p := range patients {
				ids[i] = p.ID
			}
			if patients, err = env.Tenant.PatientsByID(ctx, actor, ids); err != nil {
				return err
			}
		}
		for _, p := range patients {
			v := patientView(p, loc)
			row := []string{i64(v.ID), cell(v.FirstName), cell(v.Surname), deref(v.BirthDate), ageText(v), v.Gender,
				cell(v.Document), cell(v.Phone), cell(v.Email), cell(v.Address), cell(v.MaritalStatus), cell(v.Education),
				v.CostSession, idStr(v.TherapistID), cell(v.TherapistName), cell(v.EmergencyName), cell(v.EmergencyPhone),
				v.Status, deref(v.ArchivedAt), v.CreatedAt}
			if clinical {
				row = append(row, cell(deref(v.MedicalDiagnosis)), cell(deref(v.MedicalHistory)), cell(deref(v.Allergies)),
					cell(deref(v.Therapy)), cell(deref(v.Notes)))
			}
			if err := w.Write(row); err != nil {
				return err
			}
		}
		w.Flush()
		if page.Next == nil || last {
			return w.Error()
		}
		q.After = page.Next
	}
}

// inMonth keeps the patients of a newest-first page created in [from, to);
// last says the page reached patients older than the month, so no later page
// can hold any.
func inMonth(page []store.Patient, from, to time.Time) (kept []store.Patient, last bool) {
	for _, p := range page {
		switch {
		case !p.CreatedAt.Before(to):
			continue
		case p.CreatedAt.Before(from):
			return kept, true
		}
		kept = append(kept, p)
	}
	return kept, false
}

// sessionsExportPage is how many sessions each ListSessions call returns.
const sessionsExportPage = 5000

func exportSessions(c *cobra.Command, env *Env, month time.Time, w *csv.Writer) error {
	return writeSessionsCSV(c.Context(), env, month, w, sessionsExportPage)
}

// writeSessionsCSV pages through the sessions by start (ListSessions has no
// cursor: each page starts at the last start seen, skipping the sessions of
// that instant already written; a page holding only those is read again
// larger). The free-text plan and result are not
// exported: this is the administrative record (who, when, where, status,
// payment).
func writeSessionsCSV(ctx context.Context, env *Env, month time.Time, w *csv.Writer, pageSize int) error {
	loc := env.loc()
	if err := w.Write([]string{"id", "starts_at", "ends_at", "duration_min", "patient_id", "patient_name", "specialist_id",
		"specialist_name", "room_id", "room_name", "status", "cancel_reason", "rescheduled_to", "rescheduled_from",
		"paid_in_advance", "payment_id", "amount", "paid"}); err != nil {
		return err
	}
	f := store.SessionFilter{Limit: pageSize}
	if !month.IsZero() {
		f.From, f.To = localMidnight(month, loc), localMidnight(month.AddDate(0, 1, 0), loc)
	}
	seen := map[int64]bool{} // written sessions starting at f.From
	for {
		page, err := env.Tenant.ListSessions(ctx, env.Actor(), f)
		if err != nil {
			return err
		}
		wrote := 0
		for _, s := range page {
			if seen[s.ID] {
				continue
			}
			v := sessionView(s, loc)
			if err := w.Write([]string{i64(v.ID), v.StartsAt, v.EndsAt, strconv.Itoa(v.DurationMin), i64(v.PatientID),
				cell(v.PatientName), i64(v.SpecialistID), cell(v.SpecialistName), i64(v.RoomID), cell(v.RoomName), v.Status,
				v.CancelReason, idStr(v.RescheduledTo), idStr(v.RescheduledFrom), boolCell(v.PaidInAdvance),
				idStr(v.PaymentID), deref(v.Amount), boolCell(v.Paid)}); err != nil {
				return err
			}
			wrote++
		}
		w.Flush()
		if len(page) < f.Limit {
			return w.Error()
		}
		if wrote == 0 {
			// A whole page of sessions starting at the cursor's instant,
			// all written: read more at once to get past it.
			if f.Limit >= sessionsExportPage {
				return fmt.Errorf("export sessions: %d sessions or more start at %s", f.Limit, fmtTime(page[0].StartsAt, loc))
			}
			f.Limit = min(2*f.Limit, sessionsExportPage)
			continue
		}
		last := page[len(page)-1].StartsAt
		if !last.Equal(f.From) {
			seen = map[int64]bool{}
		}
		for _, s := range page {
			if s.StartsAt.Equal(last) {
				seen[s.ID] = true
			}
		}
		f.From = last
	}
}

// maxPaymentsExport is ListPayments' largest page; a longer export is asked
// for by month.
const maxPaymentsExport = 10000

func exportPayments(c *cobra.Command, env *Env, month time.Time, w *csv.Writer) error {
	list, err := env.Tenant.ListPayments(c.Context(), env.Actor(), store.PaymentFilter{Month: month, Limit: maxPaymentsExport})
	if err != nil {
		return err
	}
	if len(list.Payments) >= maxPaymentsExport {
		return fmt.Errorf("export payments: more than %d payments; export one --month at a time", maxPaymentsExport-1)
	}
	if err := w.Write([]string{"payment_id", "session_id", "session_start", "session_status", "patient_id", "patient_name",
		"specialist_id", "specialist_name", "amount", "paid", "paid_on", "method", "reference", "observation"}); err != nil {
		return err
	}
	loc := env.loc()
	for _, p := range list.Payments {
		v := paymentView(p, loc)
		if err := w.Write([]string{i64(v.ID), i64(v.SessionID), v.SessionStart, v.SessionStatus, i64(v.PatientID),
			cell(v.PatientName), i64(v.SpecialistID), cell(v.SpecialistName), v.Amount, boolCell(v.Paid), deref(v.PaidOn),
			v.Method, cell(v.Reference), cell(v.Observation)}); err != nil {
			return err
		}
	}
	return nil
}

func exportExpenses(c *cobra.Command, env *Env, month time.Time, w *csv.Writer) error {
	list, err := env.Tenant.ListExpenses(c.Context(), env.Actor(), month)
	if err != nil {
		return err
	}
	if err := w.Write([]string{"id", "name", "amount", "due_date", "fixed", "recurring", "paid", "paid_at", "notes",
		"created_at"}); err != nil {
		return err
	}
	for _, e := range expenseViews(list, env.loc()) {
		if err := w.Write([]string{i64(e.ID), cell(e.Name), e.Amount, deref(e.DueDate), boolCell(e.Fixed),
			boolCell(e.Recurring), boolCell(e.Paid), deref(e.PaidAt), cell(e.Notes), e.CreatedAt}); err != nil {
			return err
		}
	}
	return nil
}
