package cmd

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"consultorio/printout"
	"consultorio/store"
	"consultorio/tui/i18n"
)

// `agenda`: the day's sessions, as the agenda's day view lists them.
func agendaCmd(env *Env) *cobra.Command {
	var (
		day time.Time
		f   store.AgendaFilter
		doc docFlags
	)
	c := &cobra.Command{
		Use:   "agenda [--date D] [--specialist ID] [--room ID] [--pdf | --mail[=ADDR]]",
		Short: "The sessions of a day (default today), cancelled ones included",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if !given(c, "date") {
				day = env.today()
			}
			if handled, err := env.deliver(c, doc, func(d printout.Documents, addr string) (store.OutboxItem, error) {
				return d.MailAgenda(c.Context(), env.Actor(), day, f, addr)
			}, func(d printout.Documents) ([]byte, error) {
				return d.AgendaPDF(c.Context(), env.Actor(), day, f)
			}); handled {
				return err
			}
			list, err := env.Tenant.Agenda(c.Context(), env.Actor(), day, f)
			if err != nil {
				return err
			}
			views := sessionViews(list, env.loc())
			return output(c, views, func(w io.Writer) error {
				texts := textsFor(env.lang())
				fmt.Fprintf(w, texts.AgendaDay+"\n", i18n.LongDate(env.lang(), day))
				if len(views) == 0 {
					return emptyState(w, texts.NoSessions)
				}
				return sessionTable(w, views, false)
			})
		},
	}
	dateVar(c.Flags(), &day, "date", "the day, YYYY-MM-DD (default: today in the clinic)")
	idVar(c.Flags(), &f.SpecialistID, "specialist", "only this specialist's sessions")
	idVar(c.Flags(), &f.RoomID, "room", "only this room's sessions")
	doc.add(c, "send the PDF by e-mail: to your own address, or --mail=ADDR")
	return c
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
		status := msgs(w).StatusName(s.Status)
		if s.CancelReason != "" {
			status += " (" + msgs(w).ReasonName(s.CancelReason) + ")"
		}
		r := []string{strconv.FormatInt(s.ID, 10), when, s.SpecialistName, s.RoomName, s.PatientName, status, paymentCell(w, s)}
		if withDate {
			r = append([]string{r[0], s.StartsAt[:10]}, r[1:]...)
		}
		rows[i] = r
	}
	return table(w, header, rows)
}

// paymentCell is a session's payment in the language of w.
func paymentCell(w io.Writer, s SessionView) string {
	switch {
	case s.Amount == nil:
		return "-"
	case s.Paid:
		return phrase(w, "paid %s", *s.Amount)
	default:
		return phrase(w, "unpaid %s", *s.Amount)
	}
}

// dayAfter is the calendar day after d (for inclusive --to dates).
func dayAfter(d time.Time) time.Time { return d.AddDate(0, 0, 1) }
