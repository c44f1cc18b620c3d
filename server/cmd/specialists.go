package cmd

import (
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"consultorio/store"
)

// `specialists list|add`: the specialists screen.
func init() {
	register(Clinic, func(env *Env) *cobra.Command {
		group := &cobra.Command{Use: "specialists", Short: "List and add specialists"}
		group.AddCommand(specialistsList(env), specialistsAdd(env))
		return group
	})
}

func specialistsList(env *Env) *cobra.Command {
	c := &cobra.Command{
		Use:   "list",
		Short: "List the specialists (colleagues' records are redacted for a specialist)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			list, err := env.Tenant.ListSpecialists(c.Context(), env.Actor(), flagBool(c, "inactive"))
			if err != nil {
				return err
			}
			views := make([]SpecialistView, len(list))
			for i, s := range list {
				views[i] = specialistView(s, env.loc())
			}
			return output(c, views, func(w io.Writer) error {
				if len(views) == 0 {
					_, err := io.WriteString(w, "No specialists.\n")
					return err
				}
				rows := make([][]string, len(views))
				for i, s := range views {
					comp := "-"
					if s.CompValue != nil {
						comp = s.CompType + " " + *s.CompValue
					}
					rows[i] = []string{strconv.FormatInt(s.ID, 10), s.LastName, s.FirstName, orDash(s.Specialty),
						orDash(s.Document), orDash(s.Email), comp, yesNo(s.Active)}
				}
				return table(w, []string{"ID", "LAST NAME", "FIRST NAME", "SPECIALTY", "DOCUMENT", "E-MAIL", "PAY", "ACTIVE"}, rows)
			})
		},
	}
	c.Flags().Bool("inactive", false, "include deactivated specialists")
	return c
}

func printSpecialist(w io.Writer, s SpecialistView) error {
	pairs := []string{"id", strconv.FormatInt(s.ID, 10), "name", s.FirstName + " " + s.LastName,
		"specialty", orDash(s.Specialty), "document", orDash(s.Document), "phone", orDash(s.Phone),
		"e-mail", orDash(s.Email)}
	if s.CompValue != nil {
		pairs = append(pairs, "pay", s.CompType+" "+*s.CompValue)
	}
	if s.UserID != nil {
		pairs = append(pairs, "user id", idStr(s.UserID))
	}
	pairs = append(pairs, "active", yesNo(s.Active))
	return fields(w, pairs...)
}

func specialistsAdd(env *Env) *cobra.Command {
	c := &cobra.Command{
		Use:   "add --first-name F --surname S --specialty X --document DNI [--email E] [--comp fixed|percent] [--comp-value V]",
		Short: "Add a specialist (within the plan's limit of active specialists)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := require(c, "first-name", "surname", "specialty", "document"); err != nil {
				return err
			}
			in := store.SpecialistInput{FirstName: flagString(c, "first-name"), LastName: flagString(c, "surname"),
				Specialty: flagString(c, "specialty"), Document: flagString(c, "document"),
				Email: flagString(c, "email"), Phone: flagString(c, "phone"), CompType: flagString(c, "comp")}
			if given(c, "comp-value") {
				v, err := env.moneyFlag("comp-value", flagString(c, "comp-value"))
				if err != nil {
					return err
				}
				in.CompValue = v
			}
			if given(c, "user-email") {
				// The staff login of this specialist: links their role to
				// their sessions and patients.
				u, err := env.Tenant.UserByEmail(c.Context(), env.Actor(), flagString(c, "user-email"))
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
	f.String("first-name", "", "first name (required)")
	f.String("surname", "", "last name (required)")
	f.String("specialty", "", "specialty (required)")
	f.String("document", "", "DNI (required, unique)")
	f.String("email", "", "e-mail")
	f.String("phone", "", "phone")
	f.String("comp", "", "pay: fixed (a monthly amount) or percent (of collected payments; default)")
	f.String("comp-value", "", "the monthly amount or the percentage")
	f.String("user-email", "", "link the staff user with this e-mail (their specialist login)")
	return c
}
