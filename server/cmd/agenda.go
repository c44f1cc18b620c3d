package cmd

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"consultorio/store"
)

// `agenda`: the day's sessions, as the agenda's day view lists them.
func init() {
	register(Clinic, func(env *Env) *cobra.Command {
		c := &cobra.Command{
			Use:   "agenda [--date D] [--specialist ID] [--room ID]",
			Short: "The sessions of a day (default today), cancelled ones included",
			Args:  cobra.NoArgs,
			RunE: func(c *cobra.Command, _ []string) error {
				day := env.today()
				if given(c, "date") {
					d, err := parseDate("date", flagString(c, "date"))
					if err != nil {
						return err
					}
					day = d
				}
				list, err := env.Tenant.Agenda(c.Context(), env.Actor(), day, store.AgendaFilter{
					SpecialistID: flagInt64(c, "specialist"), RoomID: flagInt64(c, "room")})
				if err != nil {
					return err
				}
				views := sessionViews(list, env.loc())
				return output(c, views, func(w io.Writer) error {
					fmt.Fprintf(w, "Agenda %s (%s)\n", fmtDate(day), day.Weekday())
					if len(views) == 0 {
						_, err := io.WriteString(w, "No sessions.\n")
						return err
					}
					return sessionTable(w, views, false)
				})
			},
		}
		c.Flags().String("date", "", "the day, YYYY-MM-DD (default: today in the clinic)")
		c.Flags().Int64("specialist", 0, "only this specialist's sessions")
		c.Flags().Int64("room", 0, "only this room's sessions")
		return c
	})
}

// sessionTable prints sessions one a line; withDate adds the date column
// (lists spanning days).
func sessionTable(w io.Writer, ss []SessionView, withDate bool) error {
	header := []string{"ID", "TIME", "SPECIALIST", "ROOM", "PATIENT", "STATUS", "PAYMENT"}
	if withDate {
		header = append([]string{"ID", "DATE"}, header[1:]...)
	}
	rows := make([][]string, len(ss))
	for i, s := range ss {
		when := s.StartsAt[11:] + "-" + s.EndsAt[11:]
		status := s.Status
		if s.CancelReason != "" {
			status += " (" + s.CancelReason + ")"
		}
		r := []string{strconv.FormatInt(s.ID, 10), when, s.SpecialistName, s.RoomName, s.PatientName, status, paymentCell(s)}
		if withDate {
			r = append([]string{r[0], s.StartsAt[:10]}, r[1:]...)
		}
		rows[i] = r
	}
	return table(w, header, rows)
}

func paymentCell(s SessionView) string {
	switch {
	case s.Amount == nil:
		return "-"
	case s.Paid:
		return "paid " + *s.Amount
	default:
		return "unpaid " + *s.Amount
	}
}

// dayAfter is the calendar day after d (for inclusive --to dates).
func dayAfter(d time.Time) time.Time { return d.AddDate(0, 0, 1) }
