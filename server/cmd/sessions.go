package cmd

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"consultorio/store"
)

// `sessions ...`: booking and the session actions of the agenda and the
// sessions screen.
func init() {
	register(Clinic, func(env *Env) *cobra.Command {
		group := &cobra.Command{Use: "sessions", Short: "Book, list and change sessions"}
		group.AddCommand(sessionsList(env), sessionsShow(env), sessionsBook(env), sessionsPlan(env),
			sessionsComplete(env), sessionsCancel(env), sessionsReschedule(env), sessionsReopen(env))
		return group
	})
}

// localMidnight is the first instant of a calendar date in the clinic.
func localMidnight(d time.Time, loc *time.Location) time.Time {
	y, m, day := d.Date()
	return time.Date(y, m, day, 0, 0, 0, 0, loc)
}

func sessionsList(env *Env) *cobra.Command {
	c := &cobra.Command{
		Use:   "list [--from D] [--to D] [--status S] [--specialist ID]",
		Short: "List sessions from a date (default 30 days ago) onwards",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			loc := env.loc()
			from := env.today().AddDate(0, 0, -30)
			if given(c, "from") {
				d, err := parseDate("from", flagString(c, "from"))
				if err != nil {
					return err
				}
				from = d
			}
			f := store.SessionFilter{From: localMidnight(from, loc), Status: flagString(c, "status"),
				SpecialistID: flagInt64(c, "specialist"), RoomID: flagInt64(c, "room"),
				PatientID: flagInt64(c, "patient"), Limit: flagInt(c, "limit")}
			if given(c, "to") {
				d, err := parseDate("to", flagString(c, "to"))
				if err != nil {
					return err
				}
				f.To = localMidnight(dayAfter(d), loc)
			}
			list, err := env.Tenant.ListSessions(c.Context(), env.Actor(), f)
			if err != nil {
				return err
			}
			views := sessionViews(list, loc)
			return output(c, views, func(w io.Writer) error {
				if len(views) == 0 {
					_, err := io.WriteString(w, "No sessions.\n")
					return err
				}
				return sessionTable(w, views, true)
			})
		},
	}
	f := c.Flags()
	f.String("from", "", "first date YYYY-MM-DD (default: 30 days ago)")
	f.String("to", "", "last date YYYY-MM-DD (included)")
	f.String("status", "", "unplanned, planned, completed or cancelled")
	f.Int64("specialist", 0, "only this specialist's sessions")
	f.Int64("room", 0, "only this room's sessions")
	f.Int64("patient", 0, "only this patient's sessions")
	f.Int("limit", 0, fmt.Sprintf("at most this many sessions (default %d)", store.DefaultSessionsLimit))
	return c
}

func printSession(w io.Writer, s SessionView) error {
	pairs := []string{"id", strconv.FormatInt(s.ID, 10), "starts", s.StartsAt, "ends", s.EndsAt,
		"duration", strconv.Itoa(s.DurationMin) + " min", "patient", fmt.Sprintf("%s (#%d)", s.PatientName, s.PatientID),
		"specialist", fmt.Sprintf("%s (#%d)", s.SpecialistName, s.SpecialistID),
		"room", fmt.Sprintf("%s (#%d)", s.RoomName, s.RoomID), "status", s.Status}
	if s.CancelReason != "" {
		pairs = append(pairs, "cancel reason", s.CancelReason, "cancel detail", orDash(s.CancelDetail))
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
	pairs = append(pairs, "paid in advance", yesNo(s.PaidInAdvance), "payment", paymentCell(s))
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
	c := &cobra.Command{
		Use:   "book --patient ID --specialist ID --room ID --start T [--duration MIN] [--paid-in-advance] [--weekly N]",
		Short: "Book a session (or a weekly series); a clash names the session it overlaps and the next free slots",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := require(c, "patient", "specialist", "room", "start"); err != nil {
				return err
			}
			start, err := parseTime("start", flagString(c, "start"), env.loc())
			if err != nil {
				return err
			}
			weekly := flagInt(c, "weekly")
			if weekly < 0 {
				return usagef("--weekly must not be negative")
			}
			b := store.Booking{PatientID: flagInt64(c, "patient"), SpecialistID: flagInt64(c, "specialist"),
				RoomID: flagInt64(c, "room"), Start: start, DurationMin: flagInt(c, "duration"),
				PaidInAdvance: flagBool(c, "paid-in-advance"), Repeat: store.Repeat{WeeklyCount: weekly}}
			booked, err := env.Tenant.BookSession(c.Context(), env.Actor(), b)
			if err != nil {
				return withFreeSlots(env, err)
			}
			if len(booked) == 1 {
				return showSession(c, env, booked[0])
			}
			views := sessionViews(booked, env.loc())
			return output(c, views, func(w io.Writer) error {
				fmt.Fprintf(w, "Booked %s.\n", plural(len(views), "session", "sessions"))
				return sessionTable(w, views, true)
			})
		},
	}
	f := c.Flags()
	f.Int64("patient", 0, "patient id (required)")
	f.Int64("specialist", 0, "specialist id (required)")
	f.Int64("room", 0, "room id (required)")
	f.String("start", "", "start, 'YYYY-MM-DD HH:MM' in the clinic's time zone (required)")
	f.Int("duration", 0, "minutes (default: the clinic's default duration)")
	f.Bool("paid-in-advance", false, "record the payment as paid now")
	f.Int("weekly", 0, "book N weekly sessions in all (the first included); all or nothing")
	return c
}

// withFreeSlots adds the free slots the store found for a single booking's
// clash (a series' clashes list their own) to its message.
func withFreeSlots(env *Env, err error) error {
	var ov *store.OverlapError
	var bc *store.BookingConflicts
	if errors.As(err, &bc) || !errors.As(err, &ov) || len(ov.FreeSlots) == 0 {
		return err
	}
	free := make([]string, len(ov.FreeSlots))
	for i, s := range ov.FreeSlots {
		free[i] = fmtTime(s, env.loc())
	}
	return &shownError{msg: ov.Error() + "; next free: " + strings.Join(free, ", "), err: err}
}

func sessionsPlan(env *Env) *cobra.Command {
	c := &cobra.Command{
		Use:   "plan ID [--objective T] [--activity T] [--materials T]",
		Short: "Record a session's plan (the fields not given stay as they are)",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID("session", args[0])
			if err != nil {
				return err
			}
			if !given(c, "objective") && !given(c, "activity") && !given(c, "materials") {
				return usagef("%s: say --objective, --activity and/or --materials", c.CommandPath())
			}
			cur, err := env.Tenant.GetSession(c.Context(), env.Actor(), id)
			if err != nil {
				return err
			}
			plan := store.Plan{Objective: cur.Objective, Activity: cur.Activity, Materials: cur.Materials}
			if given(c, "objective") {
				plan.Objective = flagString(c, "objective")
			}
			if given(c, "activity") {
				plan.Activity = flagString(c, "activity")
			}
			if given(c, "materials") {
				plan.Materials = flagString(c, "materials")
			}
			s, err := env.Tenant.UpdateSessionPlan(c.Context(), env.Actor(), id, plan)
			if err != nil {
				return err
			}
			return showSession(c, env, s)
		},
	}
	c.Flags().String("objective", "", "the session's objective")
	c.Flags().String("activity", "", "the planned activity")
	c.Flags().String("materials", "", "materials needed")
	return c
}

func sessionsComplete(env *Env) *cobra.Command {
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
			s, err := env.Tenant.CompleteSession(c.Context(), env.Actor(), id, flagString(c, "observation"))
			if err != nil {
				return err
			}
			return showSession(c, env, s)
		},
	}
	c.Flags().String("observation", "", "what happened (required)")
	return c
}

func sessionsCancel(env *Env) *cobra.Command {
	c := &cobra.Command{
		Use:   "cancel ID --reason R [--detail T]",
		Short: "Cancel a session (reason: " + strings.Join(store.CancelReasons(), ", ") + ")",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID("session", args[0])
			if err != nil {
				return err
			}
			if err := require(c, "reason"); err != nil {
				return err
			}
			s, err := env.Tenant.CancelSession(c.Context(), env.Actor(), id, flagString(c, "reason"), flagString(c, "detail"))
			if err != nil {
				return err
			}
			return showSession(c, env, s)
		},
	}
	c.Flags().String("reason", "", strings.Join(store.CancelReasons(), ", ")+" (required)")
	c.Flags().String("detail", "", "more about it")
	return c
}

func sessionsReschedule(env *Env) *cobra.Command {
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
			start, err := parseTime("start", flagString(c, "start"), env.loc())
			if err != nil {
				return err
			}
			s, err := env.Tenant.RescheduleSession(c.Context(), env.Actor(), id, start, flagInt64(c, "room"), flagBool(c, "copy-plan"))
			if err != nil {
				return withFreeSlots(env, err)
			}
			return showSession(c, env, s)
		},
	}
	c.Flags().String("start", "", "new start, 'YYYY-MM-DD HH:MM' in the clinic's time zone (required)")
	c.Flags().Int64("room", 0, "new room id (default: the same room)")
	c.Flags().Bool("copy-plan", false, "carry the plan over to the new session")
	return c
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
