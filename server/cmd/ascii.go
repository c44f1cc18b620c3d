package cmd

import (
	"io"

	"github.com/spf13/cobra"
)

// asciiCmd sets the user's own ASCII-mode preference, as the TUI's key
// does (issue 13).
func asciiCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "ascii on|off",
		Short: "Turn ASCII mode (no colour, no Unicode lines) on or off for your terminal sessions",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			var on bool
			switch args[0] {
			case "on":
				on = true
			case "off":
			default:
				return usagef("%s: say on or off", c.CommandPath())
			}
			u, err := env.Tenant.SetOwnASCII(c.Context(), env.Actor(), on)
			if err != nil {
				return err
			}
			return output(c, map[string]bool{"ascii": u.ASCII}, func(w io.Writer) error {
				if u.ASCII {
					return say(w, "ASCII mode on.")
				}
				return say(w, "ASCII mode off.")
			})
		},
	}
}
