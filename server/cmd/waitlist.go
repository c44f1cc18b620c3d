package cmd

import (
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"consultorio/store"
	"consultorio/tui/i18n"
)

// `waitlist ...`: the waiting list of the front desk (admin and reception):
// who waits for which specialist and when, and booking a waiting patient
// into a freed slot in one step (the slot_freed notification names the
// entry and the freed session).
func waitlistCmd(env *Env) *cobra.Command {
	g := &cobra.Command{Use: "waitlist", Short: "The waiting list: patients waiting for a free slot"}
	g.AddCommand(waitlistList(env), waitlistAdd(env), waitlistRemove(env), waitlistBook(env))
	return g
}

// WaitlistView is one waiting entry.
type WaitlistView struct {
	ID           int64  `json:"id"`
	PatientID    int64  `json:"patient_id"`
	Patient      string `json:"patient"`
	SpecialistID *int64 `json:"specialist_id"` // null: any specialist
	Specialist   string `json:"specialist"`
	From         string `json:"from"`
	Until        string `json:"until"`
	Note         string `json:"note"`
	CreatedAt    string `json:"created_at"`
}

func (e *Env) waitlistView(w store.WaitlistEntry) WaitlistView {
	loc := e.loc()
	return WaitlistView{ID: w.ID, PatientID: w.PatientID, Patient: w.Patient, SpecialistID: w.SpecialistID,
		Specialist: w.Specialist, From: fmtTime(w.From, loc), Until: fmtTime(w.Until, loc), Note: w.Note,
		CreatedAt: fmtTime(w.CreatedAt, loc)}
}

func waitlistTable(w io.Writer, views []WaitlistView, anyone string) error {
	rows := make([][]string, len(views))
	for i, v := range views {
		spec := anyone
		if v.SpecialistID != nil {
			spec = fmt.Sprintf("%s (#%d)", v.Specialist, *v.SpecialistID)
		}
		rows[i] = []string{strconv.FormatInt(v.ID, 10), fmt.Sprintf("%s (#%d)", v.Patient, v.PatientID), spec,
			v.From, v.Until, orDash(v.Note)}
	}
	return table(w, []string{"ID", "PATIENT", "SPECIALIST", "FROM", "UNTIL", "NOTE"}, rows)
}

func waitlistList(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "Patients waiting, the earliest wanted first",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			list, err := env.Tenant.ListWaitlist(c.Context(), env.Actor())
			if err != nil {
				return err
			}
			views := make([]WaitlistView, len(list))
			for i, w := range list {
				views[i] = env.waitlistView(w)
			}
			words := i18n.NotifyFor(env.lang())
			return output(c, views, func(w io.Writer) error {
				if len(views) == 0 {
					return emptyState(w, words.NoWaitlist)
				}
				return waitlistTable(w, views, words.AnySpecialist)
			})
		},
	}
}

func waitlistAdd(env *Env) *cobra.Command {
	var in store.WaitlistInput
	c := &cobra.Command{
		Use:   "add --patient ID --from T --until T [--specialist ID] [--note N]",
		Short: "Put a patient on the waiting list for a slot between two times (with one specialist, or any)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := require(c, "patient", "from", "until"); err != nil {
				return err
			}
			e, err := env.Tenant.AddToWaitlist(c.Context(), env.Actor(), in)
			if err != nil {
				return err
			}
			v := env.waitlistView(e)
			words := i18n.NotifyFor(env.lang())
			return output(c, v, func(w io.Writer) error {
				if _, err := fmt.Fprintf(w, words.WaitlistAdded+"\n", v.ID); err != nil {
					return err
				}
				return waitlistTable(w, []WaitlistView{v}, words.AnySpecialist)
			})
		},
	}
	f := c.Flags()
	idVar(f, &in.PatientID, "patient", "patient id (required)")
	idVar(f, &in.SpecialistID, "specialist", "specialist id (default: any specialist)")
	timeVar(f, &in.From, env.loc, "from", "earliest start, 'YYYY-MM-DD HH:MM' (required)")
	timeVar(f, &in.Until, env.loc, "until", "latest end, 'YYYY-MM-DD HH:MM' (required)")
	f.StringVar(&in.Note, "note", "", "a note for the desk (preferences, how to reach the patient)")
	return c
}

func waitlistRemove(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "remove ID",
		Short: "Take an entry off the waiting list",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID("waiting-list entry", args[0])
			if err != nil {
				return err
			}
			if err := env.Tenant.RemoveFromWaitlist(c.Context(), env.Actor(), id); err != nil {
				return err
			}
			return output(c, map[string]int64{"removed": id}, func(w io.Writer) error {
				_, err := fmt.Fprintf(w, i18n.NotifyFor(env.lang()).WaitlistRemoved+"\n", id)
				return err
			})
		},
	}
}

func waitlistBook(env *Env) *cobra.Command {
	var in store.WaitlistBooking
	c := &cobra.Command{
		Use:   "book ID (--session FREED_ID | --specialist ID --room ID --start T [--duration MIN]) [--allow-patient-overlap]",
		Short: "Book a waiting patient into a freed slot in one step (the entry leaves the list); a clash exits 1 and keeps the entry",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID("waiting-list entry", args[0])
			if err != nil {
				return err
			}
			in.EntryID = id
			explicit := given(c, "specialist") || given(c, "room") || given(c, "start") || given(c, "duration")
			switch {
			case given(c, "session") && explicit:
				return usagef("%s: say --session, or --specialist, --room and --start, not both", c.CommandPath())
			case !given(c, "session"):
				if err := require(c, "specialist", "room", "start"); err != nil {
					return err
				}
			}
			s, err := env.Tenant.BookFromWaitlist(c.Context(), env.Actor(), in)
			if err != nil {
				return err // the catalogue words a clash with its free slots
			}
			if !wantJSON(c) {
				if _, err := fmt.Fprintf(c.OutOrStdout(), i18n.NotifyFor(env.lang()).WaitlistBooked+"\n", id, s.ID); err != nil {
					return err
				}
			}
			return showSession(c, env, s)
		},
	}
	f := c.Flags()
	idVar(f, &in.FreedSessionID, "session", "the freed (cancelled or moved) session whose slot to take, as the notification names it")
	idVar(f, &in.SpecialistID, "specialist", "specialist id (with --room and --start)")
	idVar(f, &in.RoomID, "room", "room id")
	timeVar(f, &in.Start, env.loc, "start", "start, 'YYYY-MM-DD HH:MM' in the clinic's time zone")
	countVar(f, &in.DurationMin, "duration", 0, 1, "minutes (default: the clinic's default duration)")
	f.BoolVar(&in.PatientOverlapOK, "allow-patient-overlap", false, "book even though the patient already has a session at that time")
	return c
}
