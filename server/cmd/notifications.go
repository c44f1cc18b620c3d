package cmd

import (
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"consultorio/store"
	"consultorio/tui/i18n"
)

// `notifications` (= `notifications list`): the user's notifications, unread
// first; `notifications read` marks them read (for this user only), as the
// notifications screen does.
func notificationsCmd(env *Env) *cobra.Command {
	c := notificationsList(env)
	c.Use = "notifications [list] [--all] [--limit N]"
	c.AddCommand(notificationsList(env), notificationsRead(env))
	return c
}

func notificationsList(env *Env) *cobra.Command {
	var (
		all bool
		f   store.NotificationFilter
	)
	c := &cobra.Command{
		Use:   "list [--all] [--limit N]",
		Short: "Your unread notifications (--all: read ones too, unread first)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			f.UnreadOnly = !all
			list, err := env.Tenant.ListNotifications(c.Context(), env.Actor(), f)
			if err != nil {
				return err
			}
			l := env.locale()
			views := make([]NotificationView, len(list))
			for i, n := range list {
				views[i] = notificationView(n, l)
			}
			return output(c, views, func(w io.Writer) error {
				if len(views) == 0 {
					return emptyState(w, textsFor(env.lang()).NoNotifications)
				}
				rows := make([][]string, len(views))
				for i, n := range views {
					link := ""
					if n.Link.Kind != "" {
						link = fmt.Sprintf("%s %d", n.Link.Kind, n.Link.ID)
					}
					rows[i] = []string{strconv.FormatInt(n.ID, 10), n.CreatedAt, n.Title, n.Message, link, yesNo(w, n.Read)}
				}
				return table(w, []string{"ID", "CREATED", "TITLE", "MESSAGE", "LINK", "READ"}, rows)
			})
		},
	}
	c.Flags().BoolVar(&all, "all", false, "include the ones you have read")
	countVar(c.Flags(), &f.Limit, "limit", 0, 1, fmt.Sprintf("at most this many (default %d)", store.DefaultNotificationsLimit))
	return c
}

func notificationsRead(env *Env) *cobra.Command {
	var all bool
	c := &cobra.Command{
		Use:   "read ID | read --all",
		Short: "Mark a notification (or all of them) read for you",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if all == (len(args) == 1) {
				return usagef("%s: say one notification ID or --all", c.CommandPath())
			}
			words := i18n.NotifyFor(env.lang())
			if all {
				n, err := env.Tenant.MarkAllNotificationsRead(c.Context(), env.Actor())
				if err != nil {
					return err
				}
				return output(c, map[string]int{"marked_read": n}, func(w io.Writer) error {
					_, err := fmt.Fprintf(w, words.MarkedAll+"\n", n)
					return err
				})
			}
			id, err := parseID("notification", args[0])
			if err != nil {
				return err
			}
			if err := env.Tenant.MarkNotificationRead(c.Context(), env.Actor(), id); err != nil {
				return err
			}
			return output(c, map[string]int64{"marked_read": 1, "id": id}, func(w io.Writer) error {
				_, err := fmt.Fprintf(w, words.Marked+"\n", id)
				return err
			})
		},
	}
	c.Flags().BoolVar(&all, "all", false, "all of your open notifications")
	return c
}
