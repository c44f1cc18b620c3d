// Package cmd holds the scripted SSH commands (`ssh demo@host whoami`,
// `ssh panel@host tenants list --json`). Each command lives in its own file
// and registers itself from init; adding a command is adding a file. They
// call the same store operations as the TUI, with the actor the server
// verified, so authorization is the same.
//
// Output is text by default and JSON with --json (snake_case fields as in
// PRODUCT.md §4). Exit status: 0 ok, 1 failure (one message on stderr),
// 2 usage.
package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"consultorio/store"
	safetext "consultorio/tui/sanitize"
)

// Scope says which user names a command serves.
type Scope int

// Scopes.
const (
	Clinic Scope = iota + 1 // a clinic's user name: its staff
	Panel                   // "panel": the service's operators
)

// Env is what a command runs with: the identity the server verified (from
// the key that signed) and the session's streams.
type Env struct {
	DB         *store.DB
	Tenant     *store.Tenant   // Clinic scope
	User       *store.User     // Clinic scope: the staff user, nil if unknown
	Operator   *store.Operator // Panel scope: the operator, nil if unknown
	RemoteAddr string
	Stdin      io.Reader
	Stdout     io.Writer
	Stderr     io.Writer
}

// Actor is the staff user acting, for store operations and the audit log.
func (e *Env) Actor() store.Actor { return e.User.Actor(e.RemoteAddr) }

// OperatorActor is the operator acting.
func (e *Env) OperatorActor() store.OperatorActor { return e.Operator.Actor(e.RemoteAddr) }

// builder makes a command bound to env.
type builder func(env *Env) *cobra.Command

// commands is filled by the init functions of this package's files and only
// read afterwards.
var commands = map[Scope][]builder{}

// register adds a command to a scope; call it from init.
func register(scope Scope, b builder) { commands[scope] = append(commands[scope], b) }

// Register adds a command built by b to a scope, for commands defined
// outside this package (and tests). Call it from an init function: the
// registry is not safe to change while commands run.
func Register(scope Scope, b func(env *Env) *cobra.Command) { register(scope, b) }

// ErrAuthRequired: a command ran without a known key. Key-less logins go
// through the TUI, which can register the key afterwards.
var ErrAuthRequired = errors.New("authentication required: register a key in the TUI")

// Result is how a command ended.
type Result struct {
	Code int   // exit status
	Err  error // the failure, nil on success
}

// usageError is a mistake in how a command was called (exit status 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{msg: fmt.Sprintf(format, a...)} }

// New builds the command tree of a scope for env; name is the SSH user name,
// shown in help.
func New(env *Env, scope Scope, name string) *cobra.Command {
	root := &cobra.Command{
		Use:           name,
		Short:         "Consultorio scripted commands",
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			return usagef("say which command (see: help)")
		},
		// Every command needs a verified identity; help does not.
		PersistentPreRunE: func(c *cobra.Command, _ []string) error {
			if c.Name() == "help" {
				return nil
			}
			if (scope == Clinic && env.User == nil) || (scope == Panel && env.Operator == nil) {
				return ErrAuthRequired
			}
			return nil
		},
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
	}
	root.PersistentFlags().Bool("json", false, "print JSON instead of text")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{msg: err.Error()} })
	for _, b := range commands[scope] {
		c := b(env)
		wrapArgs(c)
		root.AddCommand(c)
	}
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	return root
}

// Run runs one command line of a scope and returns how it ended; the failure
// message is already on env.Stderr.
func Run(ctx context.Context, env *Env, scope Scope, args []string) Result {
	name := "clinic"
	if scope == Panel {
		name = "panel"
	} else if env.Tenant != nil {
		name = env.Tenant.Info.Schema
	}
	root := New(env, scope, name)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return Result{}
	}
	if isUsage(err) {
		fmt.Fprintf(env.Stderr, "%s (see: help)\n", err)
		return Result{Code: 2, Err: err}
	}
	fmt.Fprintln(env.Stderr, message(err))
	return Result{Code: 1, Err: err}
}

func isUsage(err error) bool {
	var ue *usageError
	if errors.As(err, &ue) {
		return true
	}
	// cobra's own usage errors carry no type.
	msg := err.Error()
	return strings.HasPrefix(msg, "unknown command") || strings.HasPrefix(msg, "unknown flag") ||
		strings.HasPrefix(msg, "unknown shorthand flag") || strings.Contains(msg, "flag needs an argument")
}

// message is the one line a failure prints.
func message(err error) string {
	if errors.Is(err, context.Canceled) {
		return "cancelled"
	}
	return sanitize(userMessage(err))
}

// wrapArgs makes positional-argument mistakes usage errors, in c and below.
func wrapArgs(c *cobra.Command) {
	if check := c.Args; check != nil {
		c.Args = func(c *cobra.Command, a []string) error {
			if err := check(c, a); err != nil {
				return &usageError{msg: fmt.Sprintf("%s: %v", c.CommandPath(), err)}
			}
			return nil
		}
	}
	// A group (tenants, patients...) called without or with a wrong
	// subcommand is a usage error that lists what it has.
	if c.HasSubCommands() && c.RunE == nil && c.Run == nil {
		c.Args = cobra.ArbitraryArgs
		c.RunE = func(c *cobra.Command, a []string) error {
			names := make([]string, 0, len(c.Commands()))
			for _, sub := range c.Commands() {
				names = append(names, sub.Name())
			}
			if len(a) > 0 {
				return usagef("%s: unknown command %q; say %s", c.CommandPath(), a[0], strings.Join(names, ", "))
			}
			return usagef("%s: say %s", c.CommandPath(), strings.Join(names, ", "))
		}
	}
	for _, sub := range c.Commands() {
		wrapArgs(sub)
	}
}

// wantJSON tells whether --json was given.
func wantJSON(c *cobra.Command) bool {
	v, _ := c.Flags().GetBool("json")
	return v
}

// output prints v as JSON with --json, else through text.
func output(c *cobra.Command, v any, text func(w io.Writer) error) error {
	if wantJSON(c) {
		enc := json.NewEncoder(c.OutOrStdout())
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	return text(c.OutOrStdout())
}

// fields prints "label: value" lines, aligned.
func fields(w io.Writer, pairs ...string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	for i := 0; i+1 < len(pairs); i += 2 {
		fmt.Fprintf(tw, "%s:\t%s\n", pairs[i], sanitize(pairs[i+1]))
	}
	return tw.Flush()
}

// table prints rows under a header, aligned; cells are sanitized.
func table(w io.Writer, header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		cells := make([]string, len(r))
		for i, c := range r {
			cells[i] = sanitize(c)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}

// sanitize makes text that others typed safe for the reader's terminal
// (escape sequences become visible pictures, see tui/sanitize), so a stored
// name cannot drive it.
func sanitize(s string) string { return safetext.Line(s) }

func itoa(n int) string { return strconv.Itoa(n) }
