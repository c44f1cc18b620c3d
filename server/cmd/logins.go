package cmd

import (
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"consultorio/store"
)

// `logins list|end`: open sessions (address, door, since when, last
// activity) — yours, or every staff user's for an admin. Named "logins"
// because `sessions` are the clinic's therapy sessions.
func loginsCmd(env *Env) *cobra.Command {
	group := &cobra.Command{Use: "logins", Short: "List and end open sessions (yours; every staff user's for an admin)"}
	group.AddCommand(
		loginsList(func(c *cobra.Command) ([]store.Login, error) {
			return env.Tenant.Logins(c.Context(), env.Actor(), env.LoginID)
		}, env),
		loginsEnd(func(c *cobra.Command, id int64) error { return env.Tenant.EndLogin(c.Context(), env.Actor(), id) }))
	return group
}

// panelLoginsCmd is the panel's `logins list|end`: the operator's own open
// panel sessions (a clinic's are `tenants logins|end-login`).
func panelLoginsCmd(env *Env) *cobra.Command {
	group := &cobra.Command{Use: "logins", Short: "List and end your open panel sessions"}
	group.AddCommand(
		loginsList(func(c *cobra.Command) ([]store.Login, error) {
			return env.DB.OperatorLogins(c.Context(), env.OperatorActor(), env.LoginID)
		}, env),
		loginsEnd(func(c *cobra.Command, id int64) error {
			return env.DB.EndOperatorLogin(c.Context(), env.OperatorActor(), id)
		}))
	return group
}

// LoginView is one open session as `logins list` prints it.
type LoginView struct {
	ID           int64  `json:"id"`
	Email        string `json:"email"`
	Name         string `json:"name"`
	Door         string `json:"door"` // "tui" or "command"
	RemoteAddr   string `json:"remote_addr"`
	StartedAt    string `json:"started_at"`
	LastActivity string `json:"last_activity_at"`
	Current      bool   `json:"current"` // the session running this command
}

// printLogins prints open sessions as `logins list` does.
func printLogins(c *cobra.Command, env *Env, list []store.Login) error {
	loc := time.UTC
	if env.Tenant != nil {
		loc = env.loc()
	}
	views := make([]LoginView, len(list))
	for i, l := range list {
		views[i] = LoginView{ID: l.ID, Email: l.Email, Name: l.Name, Door: string(l.Door), RemoteAddr: l.RemoteAddr,
			StartedAt: fmtTime(l.StartedAt, loc), LastActivity: fmtTime(l.LastActivity, loc), Current: l.Current}
	}
	return output(c, views, func(w io.Writer) error {
		if len(views) == 0 {
			return say(w, "No open sessions.")
		}
		rows := make([][]string, len(views))
		for i, v := range views {
			id := strconv.FormatInt(v.ID, 10)
			if v.Current {
				id += " *"
			}
			rows[i] = []string{id, v.Email, v.Door, v.RemoteAddr, v.StartedAt, v.LastActivity}
		}
		return table(w, []string{"ID", "USER", "DOOR", "ADDRESS", "SINCE", "LAST ACTIVITY"}, rows)
	})
}

// panelTenantsCmd is the panel's `tenants` group: the clinic administration
// shared with the local CLI, plus the open sessions of a clinic (the server
// holds them; the local CLI has none).
func panelTenantsCmd(env *Env) *cobra.Command {
	g := TenantsCmd(env.tenantAdmin())
	g.AddCommand(tenantsLoginsCmd(env), tenantsEndLoginCmd(env))
	return g
}

// tenantsLoginsCmd is the panel's `tenants logins SCHEMA`.
func tenantsLoginsCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "logins SCHEMA",
		Short: "List a clinic's open sessions",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, a []string) error {
			list, err := env.DB.ClinicLogins(c.Context(), env.OperatorActor(), a[0])
			if err != nil {
				return noSuchClinic(a[0], err)
			}
			return printLogins(c, env, list)
		},
	}
}

// tenantsEndLoginCmd is the panel's `tenants end-login SCHEMA ID`.
func tenantsEndLoginCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "end-login SCHEMA ID",
		Short: "End an open session of a clinic (it closes within 2 seconds)",
		Args:  cobra.ExactArgs(2),
		RunE: func(c *cobra.Command, a []string) error {
			id, err := parseID("session", a[1])
			if err != nil {
				return err
			}
			if err := env.DB.EndClinicLogin(c.Context(), env.OperatorActor(), a[0], id); err != nil {
				return noSuchClinic(a[0], err)
			}
			return output(c, map[string]any{"id": id, "ended": true}, func(w io.Writer) error {
				return fields(w, "ended", strconv.FormatInt(id, 10))
			})
		},
	}
}

func loginsList(list func(*cobra.Command) ([]store.Login, error), env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List open sessions",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			l, err := list(c)
			if err != nil {
				return err
			}
			return printLogins(c, env, l)
		},
	}
}

func loginsEnd(end func(*cobra.Command, int64) error) *cobra.Command {
	return &cobra.Command{
		Use:   "end ID",
		Short: "End an open session (it closes within 2 seconds)",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID("session", args[0])
			if err != nil {
				return err
			}
			if err := end(c, id); err != nil {
				return err
			}
			return output(c, map[string]any{"id": id, "ended": true}, func(w io.Writer) error {
				return fields(w, "ended", strconv.FormatInt(id, 10))
			})
		},
	}
}
