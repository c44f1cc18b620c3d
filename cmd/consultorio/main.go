// Command consultorio is the Consultorio server and its administration CLI:
// the SSH server, the private PostgreSQL cluster, migrations, tenants,
// operators and the demo clinic.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"consultorio/server/cmd"
	"consultorio/store"
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
	root := newRootCmd(e)
	return cmd.Execute(ctx, root, args, e.stderr, cliLang(e.getenvOrOS())).Code
}

func (e env) getenvOrOS() func(string) string {
	if e.getenv == nil {
		return os.Getenv
	}
	return e.getenv
}
