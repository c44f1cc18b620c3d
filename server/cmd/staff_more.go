package cmd

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"consultorio/store"
	"consultorio/tui/i18n"
)

// Issue 13's small operations as commands: a user's own password, the users
// a specialist may be linked to, equipment update/delete, expense
// unpay/delete, and the time-zone change check of `settings update`.

// maxPasswordInput bounds what `password change` reads from stdin.
const maxPasswordInput = 4 << 10

// passwordCmd: `password change`, for every role. The passwords come on
// stdin, one a line (current, then new), never as flags: a command line is
// seen by the shell's history, the process list and the server's logs, and
// a command without a terminal cannot hide what is typed anyway, so a
// script pipes them in:
//
//	printf '%s\n%s\n' "$OLD" "$NEW" | ssh clinic@host password change
func passwordCmd(env *Env) *cobra.Command {
	g := &cobra.Command{Use: "password", Short: "Your own password"}
	change := &cobra.Command{
		Use:   "change",
		Short: "Change your own password: stdin gives the current one, then the new one, a line each",
		Long: `Change your own password. Two lines are read from stdin: your current password, then
the new one (at least 10 characters, not only digits). An account without a password yet
(key-only) gives an empty first line. A wrong current password counts as a failed login.`,
		Example: `  printf '%s\n%s\n' "$OLD" "$NEW" | ssh clinic@host password change`,
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			current, next, err := readPasswords(c.InOrStdin())
			if err != nil {
				return err
			}
			if err := env.Tenant.ChangeOwnPassword(c.Context(), env.Actor(), current, next); err != nil {
				return err
			}
			u, err := env.Tenant.GetUser(c.Context(), env.Actor(), env.User.ID)
			if err != nil {
				return err
			}
			v := userView(*u, env.loc())
			return output(c, v, func(w io.Writer) error {
				_, err := fmt.Fprintln(w, i18n.StaffMoreFor(env.lang()).PasswordChanged)
				return err
			})
		},
	}
	g.AddCommand(change)
	return g
}

// readPasswords reads the current and the new password, a line each (the
// line ends, \n or \r\n, are not part of them).
func readPasswords(r io.Reader) (current, next string, err error) {
	sc := bufio.NewScanner(io.LimitReader(r, maxPasswordInput))
	var lines []string
	for len(lines) < 2 && sc.Scan() {
		lines = append(lines, strings.TrimSuffix(sc.Text(), "\r"))
	}
	if err := sc.Err(); err != nil && !errors.Is(err, io.EOF) {
		return "", "", usagef("password change: reading stdin: %v", err)
	}
	if len(lines) < 2 {
		return "", "", usagef("password change: give two lines on stdin: the current password, then the new one")
	}
	return lines[0], lines[1], nil
}

// specialistsUsers: the staff users a specialist may be linked to (what the
// specialist form's picker offers).
func specialistsUsers(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "users [SPECIALIST_ID]",
		Short: "Staff users a specialist may be linked to (not linked to another specialist)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			var id int64
			if len(args) == 1 {
				var err error
				if id, err = parseID("specialist", args[0]); err != nil {
					return err
				}
			}
			users, err := env.Tenant.LinkableUsers(c.Context(), env.Actor(), id)
			if err != nil {
				return err
			}
			views := make([]UserView, len(users))
			for i, u := range users {
				views[i] = userView(u, env.loc())
			}
			return output(c, views, func(w io.Writer) error {
				rows := make([][]string, len(views))
				for i, u := range views {
					rows[i] = []string{strconv.FormatInt(u.ID, 10), u.Email, u.Name, roleName(w, u.Role), yesNo(w, u.Active)}
				}
				return table(w, []string{"ID", "E-MAIL", "NAME", "ROLE", "ACTIVE"}, rows)
			})
		},
	}
}

func equipmentView(e store.Equipment, env *Env) EquipmentView {
	return EquipmentView{ID: e.ID, Name: e.Name, Code: e.Code, CreatedAt: fmtTime(e.CreatedAt, env.loc())}
}

// findEquipment is the catalog's item with that id.
func findEquipment(c *cobra.Command, env *Env, id int64) (store.Equipment, error) {
	list, err := env.Tenant.ListEquipment(c.Context(), env.Actor())
	if err != nil {
		return store.Equipment{}, err
	}
	for _, e := range list {
		if e.ID == id {
			return e, nil
		}
	}
	return store.Equipment{}, &store.NotFoundError{What: store.EntityEquipment, ID: id}
}

// equipmentUpdate: `equipment update ID [--name N] [--code C]`; what is not
// given stays.
func equipmentUpdate(env *Env) *cobra.Command {
	var name, code *string
	c := &cobra.Command{
		Use:   "update ID [--name N] [--code C]",
		Short: "Rename a piece of equipment or change its code (--code \"\" removes it)",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID("equipment", args[0])
			if err != nil {
				return err
			}
			if name == nil && code == nil {
				return usagef("%s: say --name and/or --code", c.CommandPath())
			}
			cur, err := findEquipment(c, env, id)
			if err != nil {
				return err
			}
			n, k := cur.Name, cur.Code
			if name != nil {
				n = *name
			}
			if code != nil {
				k = *code
			}
			e, err := env.Tenant.UpdateEquipment(c.Context(), env.Actor(), id, n, k)
			if err != nil {
				return err
			}
			v := equipmentView(e, env)
			return output(c, v, func(w io.Writer) error {
				return fields(w, "id", strconv.FormatInt(v.ID, 10), "name", v.Name, "code", orDash(v.Code))
			})
		},
	}
	optStringVar(c.Flags(), &name, "name", "new name (unique)")
	optStringVar(c.Flags(), &code, "code", "new code (unique slug; empty: none)")
	return c
}

// equipmentDelete: `equipment delete ID --yes`; refused (exit 1) while a
// room holds it.
func equipmentDelete(env *Env) *cobra.Command {
	var yes bool
	c := &cobra.Command{
		Use:   "delete ID --yes",
		Short: "Delete a piece of equipment from the catalog (not while a room holds it)",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID("equipment", args[0])
			if err != nil {
				return err
			}
			if !yes {
				return usagef("%s: deleting is for good: add --yes", c.CommandPath())
			}
			cur, err := findEquipment(c, env, id)
			if err != nil {
				return err
			}
			if err := env.Tenant.DeleteEquipment(c.Context(), env.Actor(), id); err != nil {
				return err
			}
			v := deletedView{ID: id, Deleted: true}
			return output(c, v, func(w io.Writer) error {
				_, err := fmt.Fprintf(w, i18n.StaffMoreFor(env.lang()).EquipmentDeleted+"\n", sanitize(cur.Name))
				return err
			})
		},
	}
	c.Flags().BoolVar(&yes, "yes", false, "confirm the deletion")
	return c
}

// deletedView is what a delete command prints with --json.
type deletedView struct {
	ID      int64 `json:"id"`
	Deleted bool  `json:"deleted"`
}

// expensesUnpay: `expenses unpay ID`: a payment recorded by mistake.
func expensesUnpay(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "unpay ID",
		Short: "Mark a paid expense unpaid again",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID("expense", args[0])
			if err != nil {
				return err
			}
			e, err := env.Tenant.UnpayExpense(c.Context(), env.Actor(), id)
			if err != nil {
				return err
			}
			v := expenseView(e, env.loc())
			return output(c, v, func(w io.Writer) error { return printExpense(w, v) })
		},
	}
}

// expensesDelete: `expenses delete ID --yes`.
func expensesDelete(env *Env) *cobra.Command {
	var yes bool
	c := &cobra.Command{
		Use:   "delete ID --yes",
		Short: "Delete an expense for good (one entered by mistake)",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID("expense", args[0])
			if err != nil {
				return err
			}
			if !yes {
				return usagef("%s: deleting is for good: add --yes", c.CommandPath())
			}
			if err := env.Tenant.DeleteExpense(c.Context(), env.Actor(), id); err != nil {
				return err
			}
			v := deletedView{ID: id, Deleted: true}
			return output(c, v, func(w io.Writer) error {
				_, err := fmt.Fprintf(w, i18n.StaffMoreFor(env.lang()).ExpenseDeleted+"\n", id)
				return err
			})
		},
	}
	c.Flags().BoolVar(&yes, "yes", false, "confirm the deletion")
	return c
}

// checkTimezoneChange is `settings update --timezone`'s question before it
// saves: when sessions are booked ahead, the change goes through only with
// --confirm-timezone; otherwise it fails (exit 1) saying what would happen
// to them (store.TimezoneImpact: they keep their instant, their clock time
// moves).
func checkTimezoneChange(c *cobra.Command, env *Env, tz string, confirmed bool) error {
	im, err := env.Tenant.TimezoneChange(c.Context(), env.Actor(), tz)
	if err != nil || !im.Changes() || im.Booked == 0 || confirmed {
		return err
	}
	m := i18n.StaffMoreFor(env.lang())
	return Shown(m.TimezoneWarning(im, timeLayout)+" "+m.TimezoneConfirmFlag, nil)
}
