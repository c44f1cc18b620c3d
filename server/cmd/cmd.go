// Package cmd is Consultorio's command tree: the scripted SSH commands
// (`ssh demo@host patients add ...`, `ssh panel@host tenants list --json`)
// and, through TenantsCmd, Root and Execute, the local CLI's tenant
// administration (`consultorio tenants ...`). Every command is built by a
// constructor from the dependencies it uses (an Env, a TenantAdmin); one
// file per command group. They call the same store operations as the TUI,
// with the actor the server verified, so authorization is the same.
//
// Flags are typed and bound to variables (flags.go): a value that does not
// parse is a usage error. Output is text in the user's language by default
// and JSON with --json (stable English snake_case keys, PRODUCT.md §4).
// Exit status, from the error's type in one place (ExitCode): 0 ok, 1
// failure (one message on stderr), 2 usage.
package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"consultorio/store"
	"consultorio/tui/i18n"
	safetext "consultorio/tui/sanitize"
	"consultorio/tui/sshline"
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
	LoginID    int64 // the session's open-session id (store.Logins), 0 if none
	Stdin      io.Reader
	Stdout     io.Writer
	Stderr     io.Writer
	// SSHLine is what a person types to reach an SSH user name on this
	// server ("ssh -p 2222 demo@host"), from the address the server was
	// started with. The panel's commands print it for new clinics.
	SSHLine func(user string) string
	// Terminal: the session has a terminal (a PTY), whose line discipline
	// would rewrite binary output; --pdf is refused there.
	Terminal bool
	// Lang is the language of human output; empty: the user's, else the
	// clinic's (Spanish by default).
	Lang i18n.Lang
	// Log receives unexpected errors under the reference printed to the
	// user (nil: they are not logged).
	Log *slog.Logger
}

// lang is the language human output is written in.
func (e *Env) lang() i18n.Lang {
	switch {
	case e.Lang != "":
		return e.Lang
	case e.User != nil && e.Tenant != nil:
		return i18n.Pick(e.User.Lang, e.Tenant.Info.Lang)
	case e.Tenant != nil:
		return i18n.ParseLang(e.Tenant.Info.Lang)
	case e.Operator != nil:
		return i18n.ParseLang(e.Operator.Lang)
	}
	return i18n.ES
}

// sshLine is the connect line for an SSH user name.
func (e *Env) sshLine(user string) string {
	if e.SSHLine == nil {
		return sshline.Addr{}.For(user)
	}
	return e.SSHLine(user)
}

// Actor is the staff user acting, for store operations and the audit log.
func (e *Env) Actor() store.Actor { return e.User.Actor(e.RemoteAddr) }

// OperatorActor is the operator acting.
func (e *Env) OperatorActor() store.OperatorActor { return e.Operator.Actor(e.RemoteAddr) }

// ErrAuthRequired: a command ran without a known key. Key-less logins go
// through the TUI, which can register the key afterwards.
var ErrAuthRequired = errors.New("authentication required: register a key in the TUI")

// Result is how a command ended.
type Result struct {
	Code int   // exit status
	Err  error // the failure, nil on success
}

// New builds the command tree of a scope for env; name is the SSH user name,
// shown in help. Every command is made here, by a constructor that takes
// what it uses: there is no registry to fill from init functions.
func New(env *Env, scope Scope, name string) *cobra.Command {
	root := Root(name, "Consultorio scripted commands")
	// Every command needs a verified identity; help does not.
	root.PersistentPreRunE = func(c *cobra.Command, _ []string) error {
		if c.Name() == "help" {
			return nil
		}
		if (scope == Clinic && env.User == nil) || (scope == Panel && env.Operator == nil) {
			return ErrAuthRequired
		}
		return nil
	}
	root.PersistentFlags().Bool("json", false, "print JSON instead of text")
	switch scope {
	case Clinic:
		root.AddCommand(clinicCommands(env)...)
	case Panel:
		root.AddCommand(panelCommands(env)...)
	}
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	return root
}

// clinicCommands are the commands of a clinic's user names: one per thing
// the clinic TUI lets its staff do (PRODUCT.md §1, §5).
func clinicCommands(env *Env) []*cobra.Command {
	return []*cobra.Command{
		whoamiCmd(env),
		asciiCmd(env),
		patientsCmd(env),
		specialistsCmd(env),
		roomsCmd(env),
		staffCmd(env),
		agendaCmd(env),
		sessionsCmd(env),
		paymentsCmd(env),
		cashCloseCmd(env),
		expensesCmd(env),
		financeCmd(env),
		notificationsCmd(env),
		waitlistCmd(env),
		outboxCmd(env),
		exportCmd(env),
		equipmentCmd(env),
		settingsCmd(env),
		auditCmd(env),
		loginsCmd(env),
		availabilityCmd(env),
		passwordCmd(env),
	}
}

// panelCommands are the commands of the "panel" user name (operators).
func panelCommands(env *Env) []*cobra.Command {
	return []*cobra.Command{
		panelWhoamiCmd(env),
		panelTenantsCmd(env),
		invoicesCmd(env),
		dashboardCmd(env),
		panelLoginsCmd(env),
	}
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
	return Execute(ctx, New(env, scope, name), args, env.Stderr, env.locale(), env.Log)
}

// Root makes the root of a command tree with the conventions both doors
// share: cobra prints nothing itself (Execute reports), a wrong flag or flag
// value is a usage error, and a bare root says which commands there are.
func Root(use, short string) *cobra.Command {
	root := &cobra.Command{
		Use:               use,
		Short:             short,
		SilenceUsage:      true,
		SilenceErrors:     true,
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
	}
	root.SetFlagErrorFunc(flagError)
	return root
}

// flagError turns what cobra and pflag report while parsing flags into a
// UsageError. A value that does not parse names the flag, the value and
// what it should be; the parser's own text (strconv's) is not shown.
func flagError(c *cobra.Command, err error) error {
	var (
		iv *pflag.InvalidValueError
		ne *pflag.NotExistError
		vr *pflag.ValueRequiredError
		fw flagWords
	)
	switch {
	case errors.As(err, &iv) && errors.As(err, &fw):
		return &UsageError{Msg: fmt.Sprintf("%s: --%s: %s", c.CommandPath(), iv.GetFlag().Name, fw)}
	case errors.As(err, &iv):
		var want any = words{"not a valid %s", []any{iv.GetFlag().Value.Type()}}
		var bv badValue
		var bf badValuef
		if errors.As(err, &bv) {
			want = bv
		} else if errors.As(err, &bf) {
			want = bf.words
		}
		return Usagef("%s: --%s: %q is %s", c.CommandPath(), iv.GetFlag().Name, iv.GetValue(), want)
	case errors.As(err, &ne):
		return Usagef("%s: unknown flag %s", c.CommandPath(), flagName(ne.GetSpecifiedName(), ne.GetSpecifiedShortnames()))
	case errors.As(err, &vr):
		return Usagef("%s: %s needs a value", c.CommandPath(), flagName(vr.GetSpecifiedName(), vr.GetSpecifiedShortnames()))
	}
	return &UsageError{Msg: c.CommandPath() + ": " + err.Error()}
}

// flagName writes a flag as it was typed: -n (among -shorthands), or --name.
func flagName(name, shorthands string) string {
	if shorthands != "" {
		return "-" + name
	}
	return "--" + name
}

// Execute runs args on a tree made with Root, writes a failure as one line
// on stderr (Report) and returns the exit status (ExitCode). It is the one
// place where both doors (SSH commands and the local CLI) end.
func Execute(ctx context.Context, root *cobra.Command, args []string, stderr io.Writer, l *i18n.Locale, log *slog.Logger) Result {
	localize(root, l.Lang)
	usageForArgs(root)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return Result{}
	}
	Report(stderr, l, log, err)
	return Result{Code: ExitCode(err), Err: err}
}

// UsageError is a mistake in how a command was called: an unknown command
// or flag, a flag value that does not parse, a missing argument. Exit
// status 2.
// Err, if set, is a failure the catalogue words after Msg (a value the
// store refused before anything was tried). Msg is English, for the log;
// the user reads the same in their language (words, when Usagef made it).
type UsageError struct {
	Msg   string
	Err   error
	words words
}

func (e *UsageError) Error() string {
	if e.Err != nil {
		return e.Msg + ": " + e.Err.Error()
	}
	return e.Msg
}

func (e *UsageError) Unwrap() error { return e.Err }

// Usagef makes a UsageError. The format is English and is the key of its
// words in the catalogue (i18n.CommandText); arguments of type word or
// words are translated too.
func Usagef(format string, a ...any) error {
	w := words{format, a}
	return &UsageError{Msg: w.in(i18n.EN), words: w}
}

func usagef(format string, a ...any) error { return Usagef(format, a...) }

// ExitStatus is an error that carries its own exit status, for a command
// that already printed what went wrong (e.g. a status report that is not
// "ok").
type ExitStatus interface {
	error
	ExitStatus() int
}

// ExitCode is the exit status of a command that ended with err, decided by
// the error's type alone: 0 success, 2 a usage error, 1 anything else (not
// found, conflict, forbidden, refused values, internal failures).
func ExitCode(err error) int {
	var ue *UsageError
	var es ExitStatus
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		return 2
	case errors.As(err, &es):
		return es.ExitStatus()
	}
	return 1
}

// Report writes the one line a failure prints, in l's language (an
// unexpected error goes to log under the reference the line quotes). It is
// the only place where an error becomes words for a script's stderr.
func Report(w io.Writer, l *i18n.Locale, log *slog.Logger, err error) {
	var es ExitStatus
	if errors.As(err, &es) {
		return // printed by the command
	}
	msg := message(l, log, err)
	var ue *UsageError
	if errors.As(err, &ue) {
		msg += " " + l.M.Errors.SeeHelp
	}
	fmt.Fprintln(w, msg)
}

// message is the one line a failure prints, in the user's language, from
// the one error catalogue: a store error's own words, a message the command
// composed, or for anything unexpected a reference that log holds with the
// full error.
func message(l *i18n.Locale, log *slog.Logger, err error) string {
	if errors.Is(err, ErrAuthRequired) {
		return l.M.Errors.AuthRequired
	}
	var shown *shownError
	if errors.As(err, &shown) && (shown.err == nil || store.CodeOf(shown.err) == store.CodeInternal) {
		// Words the command composed (from the catalogue), about a failure
		// that is not the store's.
		if shown.err != nil && log != nil {
			log.Error("command failed", "err", shown.err)
		}
		if shown.words != nil {
			return sanitize(shown.words(l.M))
		}
		return sanitize(shown.msg)
	}
	if shown != nil {
		err = shown.err // the store's error, worded by the catalogue
	}
	var ue *UsageError
	if errors.As(err, &ue) {
		msg := ue.Msg
		if ue.words.format != "" {
			msg = ue.words.in(l.Lang)
		}
		if ue.Err != nil {
			return sanitize(msg + ": " + l.Error(log, ue.Err))
		}
		return sanitize(msg)
	}
	return sanitize(l.Error(log, err))
}

// usageForArgs makes positional-argument mistakes usage errors, in c and
// below; a group (tenants, patients...) called bare or with an unknown word
// is a usage error that lists its commands.
func usageForArgs(c *cobra.Command) {
	if check := c.Args; check != nil {
		c.Args = func(c *cobra.Command, a []string) error {
			if err := check(c, a); err != nil {
				// cobra's own text is English: say which argument is one
				// too many, or that some are missing, and the usage line.
				for k := len(a) - 1; k >= 0; k-- {
					if check(c, a[:k]) == nil {
						return Usagef("%s: unexpected argument %q; usage: %s", c.CommandPath(), a[k], c.UseLine())
					}
				}
				return Usagef("%s: missing arguments; usage: %s", c.CommandPath(), c.UseLine())
			}
			return nil
		}
	}
	if c.HasSubCommands() && c.RunE == nil && c.Run == nil {
		c.Args = cobra.ArbitraryArgs
		c.RunE = func(c *cobra.Command, a []string) error {
			var names []string
			for _, sub := range c.Commands() {
				if sub.IsAvailableCommand() {
					names = append(names, sub.Name())
				}
			}
			if len(a) > 0 {
				return usagef("%s: unknown command %q; say %s", c.CommandPath(), a[0], strings.Join(names, ", "))
			}
			return usagef("%s: say %s", c.CommandPath(), strings.Join(names, ", "))
		}
	}
	for _, sub := range c.Commands() {
		usageForArgs(sub)
	}
}

// WantJSON tells whether --json was given, for commands outside this
// package that print through a tree of this package (the CLI's tenants
// purge).
func WantJSON(c *cobra.Command) bool { return wantJSON(c) }

// wantJSON tells whether --json was given (the flag is defined by the
// root, or by a group that is a door's root for JSON, like tenants).
func wantJSON(c *cobra.Command) bool {
	f := c.Flags().Lookup("json")
	return f != nil && f.Value.String() == "true"
}

// output prints v as JSON with --json, else through text.
func output(c *cobra.Command, v any, text func(w io.Writer) error) error {
	if wantJSON(c) {
		enc := json.NewEncoder(c.OutOrStdout())
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	return text(langOut{c.OutOrStdout(), treeLang(c)})
}

// fields prints "label: value" lines, aligned; the labels (English, the
// catalogue's keys) in the output's language.
func fields(w io.Writer, pairs ...string) error {
	l := outLang(w)
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	for i := 0; i+1 < len(pairs); i += 2 {
		fmt.Fprintf(tw, "%s:\t%s\n", i18n.CommandText(l, pairs[i]), sanitize(pairs[i+1]))
	}
	return tw.Flush()
}

// table prints rows under a header, aligned; cells are sanitized. The
// header's words (English, the catalogue's keys) are in the output's
// language.
func table(w io.Writer, header []string, rows [][]string) error {
	l := outLang(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	cols := make([]string, len(header))
	for i, h := range header {
		cols[i] = i18n.CommandText(l, h)
	}
	fmt.Fprintln(tw, strings.Join(cols, "\t"))
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
