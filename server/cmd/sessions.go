package cmd

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"consultorio/store"
	"consultorio/tui/i18n"
)

// `sessions ...`: booking and the session actions of the agenda and the
// sessions screen.
func sessionsCmd(env *Env) *cobra.Command {
	group := &cobra.Command{Use: "sessions", Short: "Book, list and change sessions"}
	group.AddCommand(sessionsList(env), sessionsShow(env), sessionsBook(env), sessionsPlan(env),
		sessionsComplete(env), sessionsCancel(env), sessionsReschedule(env), sessionsReopen(env),
		sessionsEdit(env), sessionsMove(env))
	return group
}

// localMidnight is the first instant of a calendar date in the clinic.
func localMidnight(d time.Time, loc *time.Location) time.Time {
	y, m, day := d.Date()
	return time.Date(y, m, day, 0, 0, 0, 0, loc)
}

func sessionsList(env *Env) *cobra.Command {
	var (
		from, to time.Time
		f        store.SessionFilter
	)
	c := &cobra.Command{
		Use:   "list [--from D] [--to D] [--status S] [--specialist ID] [--patient ID] [--room ID]",
		Short: "List sessions from a date (default 30 days ago) onwards",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			loc := env.loc()
			if !given(c, "from") {
				from = env.today().AddDate(0, 0, -30)
			}
			f.From = localMidnight(from, loc)
			if given(c, "to") {
				f.To = localMidnight(dayAfter(to), loc)
			}
			list, err := env.Tenant.ListSessions(c.Context(), env.Actor(), f)
			if err != nil {
				return err
			}
			views := sessionViews(list, loc)
			return output(c, views, func(w io.Writer) error {
				if len(views) == 0 {
					return emptyState(w, textsFor(env.lang()).NoSessions)
				}
				return sessionTable(w, views, true)
			})
		},
	}
	fs := c.Flags()
	dateVar(fs, &from, "from", "first date YYYY-MM-DD (default: 30 days ago)")
	dateVar(fs, &to, "to", "last date YYYY-MM-DD (included)")
	choiceVar(fs, &f.Status, "status", "unplanned, planned, completed or cancelled",
		"unplanned", "planned", "completed", "cancelled")
	idVar(fs, &f.SpecialistID, "specialist", "only this specialist's sessions")
	idVar(fs, &f.RoomID, "room", "only this room's sessions")
	idVar(fs, &f.PatientID, "patient", "only this patient's sessions")
	countVar(fs, &f.Limit, "limit", 0, 1, fmt.Sprintf("at most this many sessions (default %d)", store.DefaultSessionsLimit))
	return c
}

func printSession(w io.Writer, s SessionView) error {
	pairs := []string{"id", strconv.FormatInt(s.ID, 10), "starts", s.StartsAt, "ends", s.EndsAt,
		"duration", phrase(w, "%d min", s.DurationMin), "patient", fmt.Sprintf("%s (#%d)", s.PatientName, s.PatientID),
		"specialist", fmt.Sprintf("%s (#%d)", s.SpecialistName, s.SpecialistID),
		"room", fmt.Sprintf("%s (#%d)", s.RoomName, s.RoomID), "status", msgs(w).StatusName(s.Status)}
	if s.CancelReason != "" {
		pairs = append(pairs, "cancel reason", msgs(w).ReasonName(s.CancelReason), "cancel detail", orDash(s.CancelDetail))
	}
	if s.RescheduledTo != nil {
		pairs = append(pairs, "rescheduled to", "#"+idStr(s.RescheduledTo))
	}
	if s.RescheduledFrom != nil {
		pairs = append(pairs, "rescheduled from", "#"+idStr(s.RescheduledFrom))
	}
	pairs = append(pairs, "objective", orDash(s.Objective), "activity", orDash(s.Activity),
		"materials", orDash(s.Materials), "observation", orDash(s.Observation))
	if s.CompletedAt != nil {
		pairs = append(pairs, "completed", *s.CompletedAt)
	}
	pairs = append(pairs, "paid in advance", yesNo(w, s.PaidInAdvance), "payment", paymentCell(w, s))
	return fields(w, pairs...)
}

// showSession prints one session (text or JSON).
func showSession(c *cobra.Command, env *Env, s store.Session) error {
	v := sessionView(s, env.loc())
	return output(c, v, func(w io.Writer) error { return printSession(w, v) })
}

func sessionsShow(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Show one session",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID("session", args[0])
			if err != nil {
				return err
			}
			s, err := env.Tenant.GetSession(c.Context(), env.Actor(), id)
			if err != nil {
				return err
			}
			return showSession(c, env, s)
		},
	}
}

func sessionsBook(env *Env) *cobra.Command {
	var (
		b         store.Booking
		check     bool
		method    string
		reference string
	)
	c := &cobra.Command{
		Use:   "book --patient ID --specialist ID --room ID --start T [--duration MIN] [--paid-in-advance [--method M] [--reference R]] [--weekly N]",
		Short: "Book a session (or a weekly series); a clash names the session it overlaps and the next free slots",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := require(c, "patient", "specialist", "room", "start"); err != nil {
				return err
			}
			if given(c, "method") || given(c, "reference") {
				// How it was paid: the payment made in advance.
				b.Payment = &store.PaymentInput{Method: method, Reference: reference}
			}
			if check {
				// The booking form's pre-save check: nothing is saved.
				conflicts, err := env.Tenant.CheckBooking(c.Context(), env.Actor(), b)
				if err != nil {
					return err
				}
				if len(conflicts) > 0 {
					return &store.BookingConflicts{Dates: conflicts}
				}
				return output(c, map[string][]store.DateConflict{"conflicts": {}}, func(w io.Writer) error {
					return emptyState(w, textsFor(env.lang()).BookingFree)
				})
			}
			booked, err := env.Tenant.BookSession(c.Context(), env.Actor(), b)
			if err != nil {
				return err // the catalogue words the clash with its free slots
			}
			return showSessions(c, env, booked, func(n int) string {
				return words{"Booked %s.", []any{plural(n, "session", "sessions")}}.in(env.lang())
			})
		},
	}
	f := c.Flags()
	idVar(f, &b.PatientID, "patient", "patient id (required)")
	idVar(f, &b.SpecialistID, "specialist", "specialist id (required)")
	idVar(f, &b.RoomID, "room", "room id (required)")
	timeVar(f, &b.Start, env.loc, "start", "start, 'YYYY-MM-DD HH:MM' in the clinic's time zone (required)")
	countVar(f, &b.DurationMin, "duration", 0, 1, "minutes (default: the clinic's default duration)")
	f.BoolVar(&b.PaidInAdvance, "paid-in-advance", false, "record the payment as paid now")
	choiceVar(f, &method, "method", "how it was paid in advance: "+strings.Join(store.PaymentMethods(), ", ")+
		" (default cash; implies --paid-in-advance)", store.PaymentMethods()...)
	f.StringVar(&reference, "reference", "", "reference of the payment in advance (implies --paid-in-advance)")
	countVar(f, &b.Repeat.WeeklyCount, "weekly", 0, 0, "book N weekly sessions in all (the first included); all or nothing")
	f.BoolVar(&b.PatientOverlapOK, "allow-patient-overlap", false, "book even though the patient already has a session at that time")
	f.StringVar(&b.OverrideReason, "override-reason", "", "book dates outside the clinic's or the specialist's availability anyway (admin; audited)")
	f.BoolVar(&check, "check", false, "only check: say which dates clash (exit 1) or that all are free, and save nothing")
	return c
}

func sessionsPlan(env *Env) *cobra.Command {
	var objective, activity, materials *string
	c := &cobra.Command{
		Use:   "plan ID [--objective T] [--activity T] [--materials T]",
		Short: "Record a session's plan (the fields not given stay as they are)",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID("session", args[0])
			if err != nil {
				return err
			}
			if objective == nil && activity == nil && materials == nil {
				return usagef("%s: say --objective, --activity and/or --materials", c.CommandPath())
			}
			cur, err := env.Tenant.GetSession(c.Context(), env.Actor(), id)
			if err != nil {
				return err
			}
			plan := store.Plan{Objective: cur.Objective, Activity: cur.Activity, Materials: cur.Materials}
			for _, f := range []struct{ v, dst *string }{{objective, &plan.Objective}, {activity, &plan.Activity},
				{materials, &plan.Materials}} {
				if f.v != nil {
					*f.dst = *f.v
				}
			}
			s, err := env.Tenant.UpdateSessionPlan(c.Context(), env.Actor(), id, plan)
			if err != nil {
				return err
			}
			return showSession(c, env, s)
		},
	}
	optStringVar(c.Flags(), &objective, "objective", "the session's objective")
	optStringVar(c.Flags(), &activity, "activity", "the planned activity")
	optStringVar(c.Flags(), &materials, "materials", "materials needed")
	return c
}

func sessionsComplete(env *Env) *cobra.Command {
	var observation string
	c := &cobra.Command{
		Use:   "complete ID --observation TEXT",
		Short: "Record the result of a session and close it (its payment is created unpaid)",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID("session", args[0])
			if err != nil {
				return err
			}
			if err := require(c, "observation"); err != nil {
				return err
			}
			s, err := env.Tenant.CompleteSession(c.Context(), env.Actor(), id, observation)
			if err != nil {
				return err
			}
			return showSession(c, env, s)
		},
	}
	c.Flags().StringVar(&observation, "observation", "", "what happened (required)")
	return c
}

func sessionsCancel(env *Env) *cobra.Command {
	var in store.SessionCancel
	c := &cobra.Command{
		Use: "cancel ID --reason R [--detail T] [--scope this|following|all] [--prepaid credit|refund|keep]",
		Short: "Cancel a session, or it and the following ones / all of its series (reason: " +
			strings.Join(store.CancelReasons(), ", ") + ")",
		Long: "Cancel a session. --scope following or all also cancels the open sessions of its series after it, or all\n" +
			"of them. A session paid in advance needs --prepaid: credit (kept for the patient's next session),\n" +
			"refund (recorded as refunded) or keep (the clinic keeps it).",
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID("session", args[0])
			if err != nil {
				return err
			}
			if err := require(c, "reason"); err != nil {
				return err
			}
			out, err := env.Tenant.CancelSessions(c.Context(), env.Actor(), id, in)
			if err != nil {
				return err
			}
			return showSessions(c, env, out, func(n int) string {
				return fmt.Sprintf(i18n.SessionsEditFor(env.lang()).Cancelled, n)
			})
		},
	}
	f := c.Flags()
	choiceVar(f, &in.Reason, "reason", strings.Join(store.CancelReasons(), ", ")+" (required)", store.CancelReasons()...)
	f.StringVar(&in.Detail, "detail", "", "more about it")
	choiceVar(f, &in.Scope, "scope", "this (default), following or all: which sessions of its series", store.SeriesScopes()...)
	choiceVar(f, &in.Prepaid, "prepaid", "what becomes of a payment made in advance: "+
		strings.Join(store.PrepaidReturns(), ", ")+" (required when there is one)", store.PrepaidReturns()...)
	return c
}

func sessionsReschedule(env *Env) *cobra.Command {
	var (
		start    time.Time
		room     int64
		copyPlan bool
	)
	c := &cobra.Command{
		Use:   "reschedule ID --start T [--room ID] [--copy-plan]",
		Short: "Move a session: a new linked session is booked and the old one cancelled (a pre-payment moves)",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID("session", args[0])
			if err != nil {
				return err
			}
			if err := require(c, "start"); err != nil {
				return err
			}
			s, err := env.Tenant.RescheduleSession(c.Context(), env.Actor(), id, start, room, copyPlan)
			if err != nil {
				return err // the catalogue words the clash with its free slots
			}
			return showSession(c, env, s)
		},
	}
	timeVar(c.Flags(), &start, env.loc, "start", "new start, 'YYYY-MM-DD HH:MM' in the clinic's time zone (required)")
	idVar(c.Flags(), &room, "room", "new room id (default: the same room)")
	c.Flags().BoolVar(&copyPlan, "copy-plan", false, "carry the plan over to the new session")
	return c
}

func sessionsMove(env *Env) *cobra.Command {
	var in store.SessionMove
	c := &cobra.Command{
		Use:   "move ID --start T [--scope this|following|all] [--room ID] [--copy-plan] [--override-reason R]",
		Short: "Move a session, or it and the following ones / all of its series (all or nothing)",
		Long: "Move a session to --start. With --scope following or all, the other open sessions of its series move by\n" +
			"the same number of days to the same time. Each move is a reschedule (a new linked session, the old one\n" +
			"cancelled, a payment in advance moved). Any clash refuses the whole move and names every clashing date.",
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID("session", args[0])
			if err != nil {
				return err
			}
			if err := require(c, "start"); err != nil {
				return err
			}
			out, err := env.Tenant.MoveSessions(c.Context(), env.Actor(), id, in)
			if err != nil {
				return err // the catalogue words each clash with its free slots
			}
			return showSessions(c, env, out, func(n int) string {
				return fmt.Sprintf(i18n.SessionsEditFor(env.lang()).Moved, n)
			})
		},
	}
	f := c.Flags()
	timeVar(f, &in.Start, env.loc, "start", "new start of this session, 'YYYY-MM-DD HH:MM' in the clinic's time zone (required)")
	choiceVar(f, &in.Scope, "scope", "this (default), following or all: which sessions of its series", store.SeriesScopes()...)
	idVar(f, &in.RoomID, "room", "new room id (default: each keeps its room)")
	f.BoolVar(&in.CopyPlan, "copy-plan", false, "carry each plan over to the new session")
	f.StringVar(&in.OverrideReason, "override-reason", "", "move to dates outside the clinic's or the specialist's availability anyway (admin; audited)")
	return c
}

func sessionsEdit(env *Env) *cobra.Command {
	var in store.SessionEdit
	c := &cobra.Command{
		Use:   "edit ID [--specialist ID] [--room ID] [--duration MIN] [--override-reason R] [--allow-patient-overlap]",
		Short: "Change the specialist, room or duration of a booked session (the same checks as booking)",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID("session", args[0])
			if err != nil {
				return err
			}
			if !given(c, "specialist") && !given(c, "room") && !given(c, "duration") {
				return usagef("%s: say --specialist, --room and/or --duration", c.CommandPath())
			}
			s, err := env.Tenant.EditSession(c.Context(), env.Actor(), id, in)
			if err != nil {
				return err // a clash names the session and the next free slots
			}
			return showSession(c, env, s)
		},
	}
	f := c.Flags()
	idVar(f, &in.SpecialistID, "specialist", "new specialist id")
	idVar(f, &in.RoomID, "room", "new room id")
	countVar(f, &in.DurationMin, "duration", 0, 1, "new duration in minutes")
	f.StringVar(&in.OverrideReason, "override-reason", "", "keep it outside the clinic's or the specialist's availability anyway (admin; audited)")
	f.BoolVar(&in.PatientOverlapOK, "allow-patient-overlap", false, "go ahead even though the patient has another session then")
	return c
}

// showSessions prints the sessions one change made: one as `show` does,
// several as a table under a heading (JSON: an object or an array).
func showSessions(c *cobra.Command, env *Env, ss []store.Session, heading func(n int) string) error {
	if len(ss) == 1 {
		return showSession(c, env, ss[0])
	}
	views := sessionViews(ss, env.loc())
	return output(c, views, func(w io.Writer) error {
		fmt.Fprintln(w, heading(len(views)))
		return sessionTable(w, views, true)
	})
}

func sessionsReopen(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "reopen ID",
		Short: "Reopen a completed session (admin; logged)",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID("session", args[0])
			if err != nil {
				return err
			}
			s, err := env.Tenant.ReopenSession(c.Context(), env.Actor(), id)
			if err != nil {
				return err
			}
			return showSession(c, env, s)
		},
	}
}

// CreditView is a payment in advance held as a patient's credit.
type CreditView struct {
	ID            int64   `json:"id"`
	PatientID     int64   `json:"patient_id"`
	PaymentID     int64   `json:"payment_id"`
	FromSessionID int64   `json:"from_session_id"`
	Amount        string  `json:"amount"`
	CreatedAt     string  `json:"created_at"`
	UsedSessionID *int64  `json:"used_session_id"`
	UsedAt        *string `json:"used_at"`
}

func patientsCredits(env *Env) *cobra.Command {
	var all bool
	c := &cobra.Command{
		Use:   "credits ID [--all]",
		Short: "A patient's credits: payments in advance of cancelled sessions, kept for their next session",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID("patient", args[0])
			if err != nil {
				return err
			}
			list, err := env.Tenant.PatientCredits(c.Context(), env.Actor(), id, all)
			if err != nil {
				return err
			}
			loc := env.loc()
			views := make([]CreditView, len(list))
			rows := make([][]string, len(list))
			for i, cr := range list {
				views[i] = CreditView{ID: cr.ID, PatientID: cr.PatientID, PaymentID: cr.PaymentID,
					FromSessionID: cr.FromSessionID, Amount: money(cr.Amount), CreatedAt: fmtTime(cr.CreatedAt, loc),
					UsedSessionID: cr.UsedSessionID, UsedAt: fmtTimePtr(cr.UsedAt, loc)}
				used := "-"
				if cr.UsedSessionID != nil {
					used = "#" + idStr(cr.UsedSessionID)
				}
				rows[i] = []string{strconv.FormatInt(cr.ID, 10), views[i].Amount, "#" + strconv.FormatInt(cr.FromSessionID, 10),
					views[i].CreatedAt, used}
			}
			return output(c, views, func(w io.Writer) error {
				if len(views) == 0 {
					return emptyState(w, i18n.SessionsEditFor(env.lang()).NoCredits)
				}
				return table(w, []string{"ID", "AMOUNT", "FROM SESSION", "CREATED", "USED BY"}, rows)
			})
		},
	}
	c.Flags().BoolVar(&all, "all", false, "also the credits already used")
	return c
}
