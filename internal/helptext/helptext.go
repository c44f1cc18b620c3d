// Package helptext lists the texts a cobra command tree shows in its help,
// for the tests that check each has Spanish: the scripted commands' trees
// (server/cmd) and the local CLI's (cmd/consultorio) walk them alike.
package helptext

import (
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Text is one help text and where it shows: the command's path, then
// " (Long)" or " --flag" for those.
type Text struct {
	Where, Text string
}

// Walk returns the help texts of root's tree — every command's Short and
// Long and the usage of each of its own flags but help — the number of
// commands walked, and the paths of the commands with no Short.
func Walk(root *cobra.Command) (texts []Text, commands int, noShort []string) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		commands++
		path := c.CommandPath()
		if c.Short == "" {
			noShort = append(noShort, path)
		}
		texts = append(texts, Text{path, c.Short}, Text{path + " (Long)", c.Long})
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			if f.Name != "help" {
				texts = append(texts, Text{path + " --" + f.Name, f.Usage})
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	return texts, commands, noShort
}
