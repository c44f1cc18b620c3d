package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode"

	"github.com/spf13/cobra"

	"consultorio/server/cmd"
)

// writeJSON prints v as indented JSON followed by a newline.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

// table prints rows under a header, columns aligned with spaces.
func table(w io.Writer, header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		clean := make([]string, len(r))
		for i, c := range r {
			clean[i] = cell(c)
		}
		fmt.Fprintln(tw, strings.Join(clean, "\t"))
	}
	return tw.Flush()
}

// fields prints "label: value" lines with the values aligned, each label
// (English, a key of the catalogue) in the operator's language. A value is
// printed as it is: words in it come from phrase.
func fields(c *cobra.Command, w io.Writer, kv [][2]string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	for _, p := range kv {
		fmt.Fprintf(tw, "%s:\t%s\n", phrase(c, p[0]), cell(p[1]))
	}
	return tw.Flush()
}

// phrase is say's text without writing it: a value, a label or part of a
// sentence in the operator's language (cmd.Phrase).
func phrase(c *cobra.Command, format string, a ...any) string { return cmd.Phrase(c, format, a...) }

// count is a number of things in the operator's language: one is the text
// for exactly one ("1 schema"), many the format for any other number ("%d
// schemas"). Both are English keys of the catalogue, two of them because
// Spanish words agree with the number where English ones need not ("1
// migrated" is "1 migrado", "2 migrated" "2 migrados").
func count(c *cobra.Command, n int, one, many string) string {
	if n == 1 {
		return phrase(c, one)
	}
	return phrase(c, many, n)
}

// cell makes a value safe for one table cell: no control characters (a
// clinic name with escape sequences must not reach the operator's
// terminal), no tabs or newlines to break the columns.
func cell(s string) string {
	s = oneLine(s)
	if s == "" {
		return "-"
	}
	return s
}

// oneLine folds a text to one line without control characters.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s), func(r rune) bool { return r == ' ' }), " ")
}

// group makes a command that only holds subcommands: called bare or with an
// unknown word it is a usage error (exit 2) naming the choices.
func group(cmd *cobra.Command) *cobra.Command {
	cmd.Args = cobra.ArbitraryArgs
	cmd.RunE = func(c *cobra.Command, a []string) error {
		var names []string
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() {
				names = append(names, sub.Name())
			}
		}
		if len(a) == 0 {
			return usagef("%s: say %s (see --help)", c.CommandPath(), strings.Join(names, ", "))
		}
		return usagef("%s: unknown command %q; say %s (see --help)", c.CommandPath(), a[0], strings.Join(names, ", "))
	}
	return cmd
}
