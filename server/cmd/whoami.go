package cmd

import (
	"io"

	"github.com/spf13/cobra"
)

// Whoami is what `whoami` prints for a clinic user.
type Whoami struct {
	Schema string `json:"schema"`
	Clinic string `json:"clinic"`
	Email  string `json:"email"`
	Name   string `json:"name"`
	Role   string `json:"role"`
}

// PanelWhoami is what `whoami` prints for an operator.
type PanelWhoami struct {
	Panel bool   `json:"panel"`
	Email string `json:"email"`
	Name  string `json:"name"`
}

func whoamiCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "whoami",
		Short: "Show the clinic and the user you are logged in as",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			w := Whoami{
				Schema: env.Tenant.Info.Schema, Clinic: env.Tenant.Info.Name,
				Email: env.User.Email, Name: env.User.Name, Role: string(env.User.Role),
			}
			return output(c, w, func(out io.Writer) error {
				return fields(out, "clinic", w.Clinic, "schema", w.Schema, "email", w.Email, "name", w.Name, "role", roleName(out, w.Role))
			})
		},
	}
}

func panelWhoamiCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "whoami",
		Short: "Show the operator you are logged in as",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			w := PanelWhoami{Panel: true, Email: env.Operator.Email, Name: env.Operator.Name}
			return output(c, w, func(out io.Writer) error {
				return fields(out, "panel", roleName(out, "operator"), "email", w.Email, "name", w.Name)
			})
		},
	}
}
