package cmd

import (
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"consultorio/store"
)

// OutboxView is one outgoing e-mail in `outbox list --json`: keys and enum
// values (kind, state) are stable English.
type OutboxView struct {
	ID            int64          `json:"id"`
	Kind          store.MailKind `json:"kind"`
	Recipient     string         `json:"recipient"`
	Lang          string         `json:"lang"`
	State         string         `json:"state"`
	Attempts      int            `json:"attempts"`
	NextAttemptAt *string        `json:"next_attempt_at"` // only while pending or retrying
	LastError     string         `json:"last_error"`
	Subject       string         `json:"subject"`
	SessionID     *int64         `json:"session_id"`
	CreatedAt     string         `json:"created_at"`
	SentAt        *string        `json:"sent_at"`
}

func (e *Env) outboxView(o store.OutboxItem) OutboxView {
	v := OutboxView{ID: o.ID, Kind: o.Kind, Recipient: o.Recipient, Lang: o.Lang, State: o.State,
		Attempts: o.Attempts, LastError: o.LastError, Subject: o.Subject, SessionID: o.SessionID,
		CreatedAt: fmtTime(o.CreatedAt, e.loc()), SentAt: fmtTimePtr(o.SentAt, e.loc())}
	if o.State == store.MailPending || o.State == store.MailRetrying {
		v.NextAttemptAt = fmtTimePtr(&o.NextAttemptAt, e.loc())
	}
	return v
}

// `outbox list`, `outbox resend ID`, `outbox settings`: the clinic's
// outgoing e-mail, as the outbox screen shows it.
func outboxCmd(env *Env) *cobra.Command {
	c := &cobra.Command{
		Use:   "outbox",
		Short: "The clinic's outgoing e-mail: list, resend, settings",
		Args:  cobra.NoArgs,
	}
	c.AddCommand(outboxList(env), outboxResend(env), outboxSettings(env))
	return c
}

func outboxList(env *Env) *cobra.Command {
	var limit int
	c := &cobra.Command{
		Use:   "list [--limit N] [--json]",
		Short: "Recent outgoing e-mail, newest first, with its state (pending, retrying, sent, failed)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			items, err := env.Tenant.Outbox(c.Context(), env.Actor(), limit)
			if err != nil {
				return err
			}
			views := make([]OutboxView, len(items))
			for i, o := range items {
				views[i] = env.outboxView(o)
			}
			return output(c, views, func(w io.Writer) error {
				if len(views) == 0 {
					return emptyState(w, textsFor(env.lang()).NoOutbox)
				}
				ob := msgs(w).Outbox
				rows := make([][]string, len(views))
				for i, v := range views {
					when := v.CreatedAt
					if v.SentAt != nil {
						when = *v.SentAt
					}
					rows[i] = []string{strconv.FormatInt(v.ID, 10), when, ob.Kind(string(v.Kind)), v.Recipient, ob.State(v.State),
						strconv.Itoa(v.Attempts), v.Subject, orDash(ob.Reason(v.LastError))}
				}
				return table(w, []string{"ID", "WHEN", "KIND", "TO", "STATE", "TRIES", "SUBJECT", "ERROR"}, rows)
			})
		},
	}
	countVar(c.Flags(), &limit, "limit", 100, 1, "at most this many")
	return c
}

func outboxResend(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "resend ID",
		Short: "Queue a message again (a failed one, or a sent one once more)",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID("message", args[0])
			if err != nil {
				return err
			}
			o, err := env.Tenant.ResendMail(c.Context(), env.Actor(), id)
			if err != nil {
				return err
			}
			v := env.outboxView(o)
			return output(c, v, func(w io.Writer) error {
				return say(w, "Message %d to %s queued again.", v.ID, sanitize(v.Recipient))
			})
		},
	}
}

func outboxSettings(env *Env) *cobra.Command {
	var (
		fromName, agendaAt      string
		patientMail, agendaMail bool
		hours                   int
	)
	c := &cobra.Command{
		Use:   "settings [--from-name N] [--patient-mail=true|false] [--reminder-hours H] [--agenda-mail=true|false] [--agenda-at HH:MM]",
		Short: "The clinic's e-mail settings; with flags, change them (admin)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			ms, err := env.Tenant.MailSettings(c.Context())
			if err != nil {
				return err
			}
			f := c.Flags()
			if f.Changed("from-name") || f.Changed("patient-mail") || f.Changed("reminder-hours") ||
				f.Changed("agenda-mail") || f.Changed("agenda-at") {
				if f.Changed("from-name") {
					ms.FromName = fromName
				}
				if f.Changed("patient-mail") {
					ms.PatientMail = patientMail
				}
				if f.Changed("reminder-hours") {
					ms.ReminderHours = hours
				}
				if f.Changed("agenda-mail") {
					ms.AgendaMail = agendaMail
				}
				if f.Changed("agenda-at") {
					ms.AgendaAt = agendaAt
				}
				if ms, err = env.Tenant.UpdateMailSettings(c.Context(), env.Actor(), ms); err != nil {
					return err
				}
			}
			return output(c, ms, func(w io.Writer) error {
				return fields(w, "from_name", ms.FromName, "patient_mail", yesNo(w, ms.PatientMail),
					"reminder_hours", strconv.Itoa(ms.ReminderHours), "agenda_mail", yesNo(w, ms.AgendaMail),
					"agenda_at", ms.AgendaAt)
			})
		},
	}
	f := c.Flags()
	f.StringVar(&fromName, "from-name", "", "sender name of the clinic's e-mail (empty: the clinic's name)")
	f.BoolVar(&patientMail, "patient-mail", false, "e-mail patients: reminders, cancellation and move notices")
	countVar(f, &hours, "reminder-hours", 24, 1, "send a reminder this many hours before a session")
	f.BoolVar(&agendaMail, "agenda-mail", false, "e-mail each specialist tomorrow's agenda every evening")
	f.StringVar(&agendaAt, "agenda-at", "19:00", "when the evening agenda goes out (clinic time)")
	return c
}

// `patients mail ID`: a patient's e-mail preference (opt-out, language).
func patientsMail(env *Env) *cobra.Command {
	var (
		optOut bool
		lang   string
	)
	c := &cobra.Command{
		Use:   "mail ID [--opt-out=true|false] [--lang es|en|clinic]",
		Short: "A patient's e-mail preference: no e-mail at all (--opt-out), the language of the e-mails",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID("patient", args[0])
			if err != nil {
				return err
			}
			if lang == "clinic" {
				lang = ""
			}
			pm, err := env.Tenant.SetPatientMail(c.Context(), env.Actor(), id, store.PatientMail{OptOut: optOut, Lang: lang})
			if err != nil {
				return err
			}
			return output(c, pm, func(w io.Writer) error {
				l := pm.Lang
				if l == "" {
					l = phrase(w, "the clinic's")
				}
				return fields(w, "patient", strconv.FormatInt(id, 10), "opt_out", yesNo(w, pm.OptOut), "lang", l)
			})
		},
	}
	c.Flags().BoolVar(&optOut, "opt-out", false, "send this patient no e-mail (reminders, notices)")
	c.Flags().StringVar(&lang, "lang", "clinic", "language of the patient's e-mails: es, en, or clinic (the clinic's)")
	return c
}
