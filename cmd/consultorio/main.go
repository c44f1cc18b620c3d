// Command consultorio is the Consultorio server and its administration CLI:
// the SSH server, the private PostgreSQL cluster, migrations, tenants,
// operators and the demo clinic.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"consultorio/server/cmd"
	"consultorio/store"
	"consultorio/tui/i18n"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:]))
}

// env is what a run of the CLI talks to: its output streams and, for tests,
// options for the store it opens. The zero value of storeOpts is production.
type env struct {
	stdin     io.Reader
	stdout    io.Writer
	stderr    io.Writer
	getenv    func(string) string
	storeOpts store.Options
}

func osEnv() env {
	return env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
}

// run executes the CLI with the process's streams.
func run(ctx context.Context, args []string) int { return runWith(ctx, osEnv(), args) }

// runWith executes the CLI: the exit status and the one line on stderr of
// a failure come from the command tree's root (server/cmd.Execute), as for
// the scripted SSH commands: 0 ok, 1 failure, 2 usage.
func runWith(ctx context.Context, e env, args []string) int {
	root, cfg := newRootCmd(e)
	wordFailures(root)
	l := i18n.NewLocale(cliLang(e.getenvOrOS()), "", nil)
	return cmd.Execute(ctx, root, args, e.stderr, l, cfg.log).Code
}

// cliLog is where the CLI logs an unexpected failure, under the reference
// its one line on stderr quotes: data/logs/cli.log, opened when there is
// something to write (most runs have not). If that file cannot be written
// the record goes to fallback (stderr): it must not be lost.
type cliLog struct {
	dataDir  func() string // resolved after the flags are parsed
	fallback io.Writer
	// to, when set, replaces the file: serve logs on its standard error,
	// and what fails while it starts (a clinic's schema that does not
	// migrate) belongs there, beside its other records.
	to io.Writer
}

func (c *cliLog) Write(p []byte) (int, error) {
	if c.to != nil {
		return c.to.Write(p)
	}
	dir := filepath.Join(c.dataDir(), "logs")
	if err := os.MkdirAll(dir, 0o700); err == nil {
		f, err := os.OpenFile(filepath.Join(dir, "cli.log"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err == nil {
			defer f.Close()
			if n, err := f.Write(p); err == nil {
				return n, nil
			}
		}
	}
	return c.fallback.Write(p)
}

func (e env) getenvOrOS() func(string) string {
	if e.getenv == nil {
		return os.Getenv
	}
	return e.getenv
}
