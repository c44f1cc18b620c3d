package cmd

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"consultorio/store"
)

// `availability ...`: the availability screen — the clinic's week, its
// closures, a specialist's own hours and absences.
func availabilityCmd(env *Env) *cobra.Command {
	group := &cobra.Command{Use: "availability", Short: "Clinic hours, closures, specialists' hours and absences"}
	absence := &cobra.Command{Use: "absence", Short: "Record or remove a specialist's absence"}
	absence.AddCommand(availabilityAbsenceAdd(env), availabilityAbsenceDelete(env))
	group.AddCommand(availabilityShow(env), availabilityDay(env), availabilityClose(env), availabilityReopen(env),
		availabilitySpecialistHours(env), absence)
	return group
}

// weekdayNames are the ISO weekdays as scripts read them (1 = mon).
var weekdayNames = [8]string{"", "mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// weekdayName is ISO weekday d (1 = Monday) as people read it, in the
// language of w.
func weekdayName(w io.Writer, d int) string { return msgs(w).Dates.WeekdaysAbbr[d%7] }

// ClosureView is a closure as commands print it.
type ClosureView struct {
	ID             int64  `json:"id"`
	FirstDay       string `json:"first_day"`
	LastDay        string `json:"last_day"`
	Reason         string `json:"reason"`
	BookedSessions int    `json:"booked_sessions,omitempty"`
}

func closureView(c store.Closure) ClosureView {
	return ClosureView{ID: c.ID, FirstDay: fmtDate(c.FirstDay), LastDay: fmtDate(c.LastDay), Reason: c.Reason,
		BookedSessions: c.BookedSessions}
}

// AbsenceView is an absence as commands print it.
type AbsenceView struct {
	ID             int64  `json:"id"`
	SpecialistID   int64  `json:"specialist_id"`
	Start          string `json:"start"`
	End            string `json:"end"`
	Reason         string `json:"reason"`
	BookedSessions int    `json:"booked_sessions,omitempty"`
}

func absenceView(a store.Absence, loc *time.Location) AbsenceView {
	return AbsenceView{ID: a.ID, SpecialistID: a.SpecialistID, Start: fmtTime(a.Start, loc), End: fmtTime(a.End, loc),
		Reason: a.Reason, BookedSessions: a.BookedSessions}
}

func availabilityShow(env *Env) *cobra.Command {
	var specialist int64
	c := &cobra.Command{
		Use:   "show [--specialist ID]",
		Short: "Show the clinic's week and closures, or one specialist's hours and absences",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if specialist != 0 {
				return showSpecialistAvailability(c, env, specialist)
			}
			av, err := env.Tenant.ClinicAvailability(c.Context(), env.Actor())
			if err != nil {
				return err
			}
			closures := make([]ClosureView, len(av.Closures))
			for i, cl := range av.Closures {
				closures[i] = closureView(cl)
			}
			v := struct {
				Week     []store.DayHours `json:"week"`
				Closures []ClosureView    `json:"closures"`
			}{av.Week, closures}
			return output(c, v, func(w io.Writer) error {
				rows := make([][]string, len(av.Week))
				for i, d := range av.Week {
					hours := phrase(w, "closed")
					if d.Open {
						hours = d.Opens + "-" + d.Closes
					}
					rows[i] = []string{weekdayName(w, d.Weekday), hours, yesNo(w, d.Custom)}
				}
				if err := table(w, []string{"DAY", "HOURS", "OWN HOURS"}, rows); err != nil {
					return err
				}
				fmt.Fprintln(w)
				if len(closures) == 0 {
					return say(w, "No closures ahead.")
				}
				rows = make([][]string, len(closures))
				for i, cl := range closures {
					rows[i] = []string{strconv.FormatInt(cl.ID, 10), cl.FirstDay, cl.LastDay, orDash(cl.Reason)}
				}
				return table(w, []string{"ID", "FROM", "TO", "REASON"}, rows)
			})
		},
	}
	idVar(c.Flags(), &specialist, "specialist", "show this specialist's own hours and absences")
	return c
}

func showSpecialistAvailability(c *cobra.Command, env *Env, id int64) error {
	sa, err := env.Tenant.SpecialistAvailabilityOf(c.Context(), env.Actor(), id)
	if err != nil {
		return err
	}
	loc := env.loc()
	abs := make([]AbsenceView, len(sa.Absences))
	for i, a := range sa.Absences {
		abs[i] = absenceView(a, loc)
	}
	hours := map[string][]store.TimeRange{}
	for d, rs := range sa.Hours {
		hours[weekdayNames[d]] = rs
	}
	v := struct {
		SpecialistID int64                        `json:"specialist_id"`
		Hours        map[string][]store.TimeRange `json:"hours"`
		Absences     []AbsenceView                `json:"absences"`
	}{id, hours, abs}
	return output(c, v, func(w io.Writer) error {
		if len(sa.Hours) == 0 {
			if err := say(w, "Works whenever the clinic is open."); err != nil {
				return err
			}
		} else {
			var rows [][]string
			for d := 1; d <= 7; d++ {
				rs := sa.Hours[d]
				parts := make([]string, len(rs))
				for i, r := range rs {
					parts[i] = r.Opens + "-" + r.Closes
				}
				cell := strings.Join(parts, ", ")
				if cell == "" {
					cell = "-"
				}
				rows = append(rows, []string{weekdayName(w, d), cell})
			}
			if err := table(w, []string{"DAY", "HOURS"}, rows); err != nil {
				return err
			}
		}
		fmt.Fprintln(w)
		if len(abs) == 0 {
			return say(w, "No absences ahead.")
		}
		rows := make([][]string, len(abs))
		for i, a := range abs {
			rows[i] = []string{strconv.FormatInt(a.ID, 10), a.Start, a.End, orDash(a.Reason)}
		}
		return table(w, []string{"ID", "FROM", "TO", "REASON"}, rows)
	})
}

// weekdayValue reads a weekday as 1-7 or mon…sun.
type weekdayValue struct{ p *int }

func (v weekdayValue) Set(s string) error {
	s = strings.ToLower(strings.TrimSpace(s))
	for i := 1; i <= 7; i++ {
		if s == weekdayNames[i] || s == strconv.Itoa(i) {
			*v.p = i
			return nil
		}
	}
	return badValue("not a weekday (1-7 or mon, tue, wed, thu, fri, sat, sun)")
}
func (v weekdayValue) String() string { return strconv.Itoa(*v.p) }
func (weekdayValue) Type() string     { return "weekday" }

// rangesValue reads "09:00-13:00" ranges, repeatable or comma-separated.
type rangesValue struct{ p *[]store.TimeRange }

func (v rangesValue) Set(s string) error {
	for _, part := range strings.Split(s, ",") {
		o, c, ok := strings.Cut(strings.TrimSpace(part), "-")
		if !ok {
			return badValue("not a range HH:MM-HH:MM")
		}
		*v.p = append(*v.p, store.TimeRange{Opens: strings.TrimSpace(o), Closes: strings.TrimSpace(c)})
	}
	return nil
}
func (v rangesValue) String() string {
	parts := make([]string, len(*v.p))
	for i, r := range *v.p {
		parts[i] = r.Opens + "-" + r.Closes
	}
	return strings.Join(parts, ",")
}
func (rangesValue) Type() string { return "ranges" }

func availabilityDay(env *Env) *cobra.Command {
	var (
		h      store.DayHours
		closed bool
	)
	c := &cobra.Command{
		Use:   "day --day D (--opens HH:MM --closes HH:MM | --closed)",
		Short: "Open the clinic on a weekday with its hours, or close it that weekday",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := require(c, "day"); err != nil {
				return err
			}
			if !closed {
				if err := require(c, "opens", "closes"); err != nil {
					return err
				}
			}
			h.Open = !closed
			out, err := env.Tenant.SetDayHours(c.Context(), env.Actor(), h)
			if err != nil {
				return err
			}
			return output(c, out, func(w io.Writer) error {
				hours := phrase(w, "closed")
				if out.Open {
					hours = out.Opens + "-" + out.Closes
				}
				return fields(w, "day", weekdayName(w, out.Weekday), "hours", hours)
			})
		},
	}
	f := c.Flags()
	f.Var(weekdayValue{&h.Weekday}, "day", "weekday: 1-7 or mon…sun (required)")
	f.StringVar(&h.Opens, "opens", "", "opening time HH:MM")
	f.StringVar(&h.Closes, "closes", "", "closing time HH:MM")
	f.BoolVar(&closed, "closed", false, "the clinic does not open that weekday")
	return c
}

func availabilityClose(env *Env) *cobra.Command {
	var cl store.Closure
	c := &cobra.Command{
		Use:   "close --from D [--to D] [--reason R]",
		Short: "Close the clinic for whole days (a holiday); says how many sessions are already booked then",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := require(c, "from"); err != nil {
				return err
			}
			out, err := env.Tenant.AddClosure(c.Context(), env.Actor(), cl)
			if err != nil {
				return err
			}
			v := closureView(out)
			return output(c, v, func(w io.Writer) error {
				return fields(w, "id", strconv.FormatInt(v.ID, 10), "from", v.FirstDay, "to", v.LastDay,
					"reason", orDash(v.Reason), "sessions booked then", strconv.Itoa(v.BookedSessions))
			})
		},
	}
	f := c.Flags()
	dateVar(f, &cl.FirstDay, "from", "first closed day YYYY-MM-DD (required)")
	dateVar(f, &cl.LastDay, "to", "last closed day YYYY-MM-DD (default: the first)")
	f.StringVar(&cl.Reason, "reason", "", "why (a holiday's name)")
	return c
}

func availabilityReopen(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "reopen CLOSURE_ID",
		Short: "Remove a closure",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID("closure", args[0])
			if err != nil {
				return err
			}
			if err := env.Tenant.DeleteClosure(c.Context(), env.Actor(), id); err != nil {
				return err
			}
			return output(c, map[string]int64{"deleted": id}, func(w io.Writer) error {
				return say(w, "Closure #%d removed.", id)
			})
		},
	}
}

func availabilitySpecialistHours(env *Env) *cobra.Command {
	var (
		specialist int64
		day        int
		ranges     []store.TimeRange
	)
	c := &cobra.Command{
		Use:   "specialist-hours --specialist ID --day D [--hours HH:MM-HH:MM,...]",
		Short: "Set a specialist's own hours on a weekday (none: not that day; no day with hours: the clinic's)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := require(c, "specialist", "day"); err != nil {
				return err
			}
			if _, err := env.Tenant.SetSpecialistHours(c.Context(), env.Actor(), specialist, day, ranges); err != nil {
				return err
			}
			return showSpecialistAvailability(c, env, specialist)
		},
	}
	f := c.Flags()
	idVar(f, &specialist, "specialist", "specialist id (required)")
	f.Var(weekdayValue{&day}, "day", "weekday: 1-7 or mon…sun (required)")
	f.Var(rangesValue{&ranges}, "hours", "ranges HH:MM-HH:MM, comma-separated or repeated")
	return c
}

func availabilityAbsenceAdd(env *Env) *cobra.Command {
	var a store.Absence
	c := &cobra.Command{
		Use:   "add --specialist ID --from T --to T [--reason R]",
		Short: "Record that a specialist is away; says how many of their sessions are already booked then",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := require(c, "specialist", "from", "to"); err != nil {
				return err
			}
			out, err := env.Tenant.AddAbsence(c.Context(), env.Actor(), a)
			if err != nil {
				return err
			}
			v := absenceView(out, env.loc())
			return output(c, v, func(w io.Writer) error {
				return fields(w, "id", strconv.FormatInt(v.ID, 10), "specialist", strconv.FormatInt(v.SpecialistID, 10),
					"from", v.Start, "to", v.End, "reason", orDash(v.Reason), "sessions booked then", strconv.Itoa(v.BookedSessions))
			})
		},
	}
	f := c.Flags()
	idVar(f, &a.SpecialistID, "specialist", "specialist id (required)")
	timeVar(f, &a.Start, env.loc, "from", "start, 'YYYY-MM-DD HH:MM' (required)")
	timeVar(f, &a.End, env.loc, "to", "end, 'YYYY-MM-DD HH:MM' (required)")
	f.StringVar(&a.Reason, "reason", "", "why")
	return c
}

func availabilityAbsenceDelete(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "delete ABSENCE_ID",
		Short: "Remove an absence",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID("absence", args[0])
			if err != nil {
				return err
			}
			if err := env.Tenant.DeleteAbsence(c.Context(), env.Actor(), id); err != nil {
				return err
			}
			return output(c, map[string]int64{"deleted": id}, func(w io.Writer) error {
				return say(w, "Absence #%d removed.", id)
			})
		},
	}
}
