// Command consultorio is the Consultorio server and its administration CLI:
// the SSH server, the private PostgreSQL cluster, migrations, tenants,
// operators and the demo clinic.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

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

// runWith executes the CLI and maps errors to exit codes: 0 ok, 1 failure,
// 2 usage. Every error is one line on stderr.
func runWith(ctx context.Context, e env, args []string) int {
	cmd := newRootCmd(e)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "consultorio ") { // a command path names the program already
		msg = "consultorio: " + msg
	}
	fmt.Fprintln(e.stderr, msg)
	// Wrong input (a usage mistake, or values the store refuses before
	// changing anything) is exit status 2; anything else is a failure.
	var ue *usageError
	var ve *store.ValidationError
	if errors.As(err, &ue) || errors.As(err, &ve) {
		return 2
	}
	return 1
}
