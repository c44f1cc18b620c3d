package cmd

import (
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"consultorio/store"
)

// `specialists list|add|activate|deactivate`: the specialists screen.
func specialistsCmd(env *Env) *cobra.Command {
	group := &cobra.Command{Use: "specialists", Short: "List, add, activate and deactivate specialists"}
	group.AddCommand(specialistsList(env), specialistsAdd(env), specialistsUpdate(env), specialistsSetActive(env, true),
		specialistsSetActive(env, false), specialistsUsers(env))
	return group
}

func specialistsList(env *Env) *cobra.Command {
	var inactive bool
	c := &cobra.Command{
		Use:   "list",
		Short: "List the specialists (colleagues' records are redacted for a specialist)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			list, err := env.Tenant.ListSpecialists(c.Context(), env.Actor(), inactive)
			if err != nil {
				return err
			}
			views := make([]SpecialistView, len(list))
			for i, s := range list {
				views[i] = specialistView(s, env.loc())
			}
			return output(c, views, func(w io.Writer) error {
				if len(views) == 0 {
					return emptyState(w, textsFor(env.lang()).NoSpecialists)
				}
				rows := make([][]string, len(views))
				for i, s := range views {
					comp := "-"
					if s.CompValue != nil {
						comp = term(w, s.CompType) + " " + *s.CompValue
					}
					rows[i] = []string{strconv.FormatInt(s.ID, 10), s.LastName, s.FirstName, orDash(s.Specialty),
						orDash(s.Document), orDash(s.Email), comp, yesNo(w, s.Active)}
				}
				return table(w, []string{"ID", "LAST NAME", "FIRST NAME", "SPECIALTY", "DOCUMENT", "E-MAIL", "PAY", "ACTIVE"}, rows)
			})
		},
	}
	c.Flags().BoolVar(&inactive, "inactive", false, "include deactivated specialists")
	return c
}

func printSpecialist(w io.Writer, s SpecialistView) error {
	pairs := []string{"id", strconv.FormatInt(s.ID, 10), "name", s.FirstName + " " + s.LastName,
		"specialty", orDash(s.Specialty), "document", orDash(s.Document), "phone", orDash(s.Phone),
		"e-mail", orDash(s.Email)}
	if s.CompValue != nil {
		pairs = append(pairs, "pay", term(w, s.CompType)+" "+*s.CompValue)
	}
	if s.UserID != nil {
		pairs = append(pairs, "user id", idStr(s.UserID))
	}
	pairs = append(pairs, "active", yesNo(w, s.Active))
	return fields(w, pairs...)
}

func specialistsAdd(env *Env) *cobra.Command {
	var (
		in        store.SpecialistInput
		userEmail string
	)
	c := &cobra.Command{
		Use:   "add --first-name F --surname S --specialty X --document DNI [--email E] [--comp fixed|percent] [--comp-value V]",
		Short: "Add a specialist (within the plan's limit of active specialists)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := require(c, "first-name", "surname", "specialty", "document"); err != nil {
				return err
			}
			if given(c, "user-email") {
				// The staff login of this specialist: links their role to
				// their sessions and patients.
				u, err := env.Tenant.UserByEmail(c.Context(), env.Actor(), userEmail)
				if err != nil {
					return err
				}
				in.UserID = &u.ID
			}
			s, err := env.Tenant.CreateSpecialist(c.Context(), env.Actor(), in)
			if err != nil {
				return err
			}
			v := specialistView(s, env.loc())
			return output(c, v, func(w io.Writer) error { return printSpecialist(w, v) })
		},
	}
	f := c.Flags()
	f.StringVar(&in.FirstName, "first-name", "", "first name (required)")
	f.StringVar(&in.LastName, "surname", "", "last name (required)")
	f.StringVar(&in.Specialty, "specialty", "", "specialty (required)")
	f.StringVar(&in.Document, "document", "", "DNI (required, unique)")
	f.StringVar(&in.Email, "email", "", "e-mail")
	f.StringVar(&in.Phone, "phone", "", "phone")
	f.StringVar(&in.CompType, "comp", "", "pay: fixed (a monthly amount) or percent (of collected payments; default)")
	moneyVar(f, &in.CompValue, env.readMoney, "comp-value", "the monthly amount or the percentage")
	f.StringVar(&userEmail, "user-email", "", "link the staff user with this e-mail (their specialist login)")
	return c
}

// specialistsSetActive is activate (true) or deactivate (false), as the
// specialists screen's toggle (activating counts against the plan's limit).
func specialistsSetActive(env *Env, active bool) *cobra.Command {
	use, short := "deactivate", "Deactivate a specialist (history stays; frees a place in the plan)"
	if active {
		use, short = "activate", "Activate a deactivated specialist (within the plan's limit)"
	}
	return &cobra.Command{
		Use:   use + " ID",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID("specialist", args[0])
			if err != nil {
				return err
			}
			do := env.Tenant.DeactivateSpecialist
			if active {
				do = env.Tenant.ActivateSpecialist
			}
			s, err := do(c.Context(), env.Actor(), id)
			if err != nil {
				return err
			}
			v := specialistView(s, env.loc())
			return output(c, v, func(w io.Writer) error { return printSpecialist(w, v) })
		},
	}
}
