package cmd

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"consultorio/tui/i18n"
)

// The commands' own words in the user's language: help (Short, Long, flag
// usages, the help command and the usage layout), table headers and field
// labels, usage errors. They are written in English here, where they are
// used, and that English text is the key of the catalogue
// (i18n.CommandText, tui/i18n/commands_es.go), like gettext's msgid: a
// command added without its Spanish fails TestEveryCommandSpeaksSpanish,
// which names it. --json keys and enum values are not words: they stay
// English.

// pageWords are the words of every help and usage page (localize,
// usagePage).
var pageWords = []string{"help for %s", "Help about any command", "Help for any command: %s help COMMAND...",
	"Usage:", "[command]", "Commands:", "Flags:", "Global flags:", "(default ",
	"Say \"%s COMMAND --help\" for more about a command."}

// langAnnotation carries the tree's language on its root, for the output
// writer (tables and fields are written far from Execute).
const langAnnotation = "consultorio/lang"

// localize puts a whole tree's help into l, and makes every usage and help
// page come from the words of l. Execute calls it, so the SSH commands and
// the local CLI read the same way.
func localize(root *cobra.Command, l i18n.Lang) {
	tr := func(s string) string { return i18n.CommandText(l, s) }
	root.InitDefaultHelpCmd()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.InitDefaultHelpFlag()
		c.Short, c.Long = tr(c.Short), tr(c.Long)
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			if f.Name == "help" {
				f.Usage = fmt.Sprintf(tr("help for %s"), c.Name())
				return
			}
			f.Usage = tr(f.Usage)
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	if h := helpCommand(root); h != nil {
		h.Short = tr("Help about any command")
		h.Long = fmt.Sprintf(tr("Help for any command: %s help COMMAND..."), root.Name())
	}
	if root.Annotations == nil {
		root.Annotations = map[string]string{}
	}
	root.Annotations[langAnnotation] = string(l)
	root.SetUsageFunc(func(c *cobra.Command) error { return usagePage(c.OutOrStderr(), c, l) })
	root.SetHelpFunc(func(c *cobra.Command, _ []string) {
		w := c.OutOrStdout()
		if s := strings.TrimSpace(cmpOr(c.Long, c.Short)); s != "" {
			fmt.Fprintf(w, "%s\n\n", s)
		}
		_ = usagePage(w, c, l)
	})
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// helpCommand is the tree's "help" command (cobra makes it).
func helpCommand(root *cobra.Command) *cobra.Command {
	for _, c := range root.Commands() {
		if c.Name() == "help" {
			return c
		}
	}
	return nil
}

// usagePage is cobra's usage layout with its headings in l.
func usagePage(w io.Writer, c *cobra.Command, l i18n.Lang) error {
	tr := func(s string) string { return i18n.CommandText(l, s) }
	var b strings.Builder
	b.WriteString(tr("Usage:"))
	if c.Runnable() {
		fmt.Fprintf(&b, "\n  %s", c.UseLine())
	}
	if c.HasAvailableSubCommands() {
		fmt.Fprintf(&b, "\n  %s %s", c.CommandPath(), tr("[command]"))
		fmt.Fprintf(&b, "\n\n%s\n", tr("Commands:"))
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() || sub.Name() == "help" {
				fmt.Fprintf(tw, "  %s\t%s\n", sub.Name(), sub.Short)
			}
		}
		_ = tw.Flush()
	} else {
		b.WriteString("\n")
	}
	flagsIn := func(title string, fs *pflag.FlagSet) {
		if !fs.HasAvailableFlags() {
			return
		}
		usages := strings.ReplaceAll(fs.FlagUsages(), "(default ", tr("(default "))
		fmt.Fprintf(&b, "\n%s\n%s", tr(title), usages)
	}
	flagsIn("Flags:", c.LocalFlags())
	flagsIn("Global flags:", c.InheritedFlags())
	if c.HasAvailableSubCommands() {
		fmt.Fprintf(&b, "\n"+tr("Say \"%s COMMAND --help\" for more about a command.")+"\n", c.CommandPath())
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// langOut is a command's stdout that knows the language its text is in.
type langOut struct {
	io.Writer
	lang i18n.Lang
}

// outLang is the language of text written to w: the tree's, when w is a
// command's output (output wraps it), else English.
func outLang(w io.Writer) i18n.Lang {
	if lo, ok := w.(langOut); ok {
		return lo.lang
	}
	return i18n.EN
}

// treeLang is the language localize gave c's tree (English if none).
func treeLang(c *cobra.Command) i18n.Lang {
	if l := c.Root().Annotations[langAnnotation]; l != "" {
		return i18n.Lang(l)
	}
	return i18n.EN
}

// words is text for the user: an English format (the catalogue's key) and
// its arguments, put into the user's language when it is printed. An
// argument that is a word or words itself is translated too; others (paths,
// values, names) are printed as they are.
type words struct {
	format string
	args   []any
}

// word is one English word or phrase given as an argument of words (a
// record's kind: "patient", "session").
type word string

func (t words) in(l i18n.Lang) string {
	args := make([]any, len(t.args))
	for i, a := range t.args {
		switch v := a.(type) {
		case words:
			args[i] = v.in(l)
		case word:
			args[i] = i18n.CommandText(l, string(v))
		case badValue:
			args[i] = i18n.CommandText(l, string(v))
		default:
			args[i] = a
		}
	}
	return fmt.Sprintf(i18n.CommandText(l, t.format), args...)
}
