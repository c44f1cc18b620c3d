package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"consultorio/server/cmd"
	"consultorio/store/storetest"
	"consultorio/tui/i18n"
)

// withTestCommands adds two hidden commands to the clinic tree:
// test-echo-stdin copies stdin to stdout until stdin ends or the command is
// cancelled; test-panic panics.
func withTestCommands() serverOption {
	return func(_ *Config, s *Server) {
		if s == nil {
			return
		}
		s.apps.commands = func(ctx context.Context, env *cmd.Env, scope cmd.Scope, args []string) cmd.Result {
			root := cmd.New(env, scope, "clinic")
			root.AddCommand(&cobra.Command{
				Use: "test-echo-stdin", Hidden: true, Args: cobra.NoArgs,
				RunE: func(c *cobra.Command, _ []string) error {
					buf := make([]byte, 1024)
					for {
						n, err := env.Stdin.Read(buf)
						if n > 0 {
							fmt.Fprintf(env.Stdout, "got %s\n", bytes.TrimSpace(buf[:n]))
						}
						if err == io.EOF {
							return nil
						}
						if err != nil {
							return err
						}
						if c.Context().Err() != nil {
							return c.Context().Err()
						}
					}
				},
			}, &cobra.Command{
				Use: "test-panic", Hidden: true, Args: cobra.NoArgs,
				RunE: func(*cobra.Command, []string) error { panic("boom in a command") },
			})
			return cmd.Execute(ctx, root, args, env.Stderr, i18n.NewLocale(i18n.ES, "", nil), env.Log)
		}
	}
}

// A command running when its clinic is suspended is cut: exit 1 with the
// reason on stderr in the user's language, nothing more on stdout.
func TestSuspensionEndsRunningCommands(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	a := newClinic(t, db, "clinic-a")
	key, line := newKey(t)
	a.addKey(t, a.admin.ID, line)
	srv := startServer(t, db, withTestCommands())

	sess, err := mustDial(t, srv.addr, "clinic-a", keyAuth(key)).NewSession()
	if err != nil {
		t.Fatal(err)
	}
	stdin, _ := sess.StdinPipe()
	var out, errb syncBuffer
	sess.Stdout, sess.Stderr = &out, &errb
	if err := sess.Start("test-echo-stdin"); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(stdin, "hola")
	waitUntil(t, "echo", func() bool { return strings.Contains(out.String(), "got hola") })

	suspend(t, db, "clinic-a")
	err = sess.Wait()
	if code := exitCode(t, err); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if strings.TrimSpace(errb.String()) != "Sesión terminada: la clínica fue suspendida" {
		t.Errorf("stderr %q", errb.String())
	}
	if strings.TrimSpace(out.String()) != "got hola" {
		t.Errorf("stdout %q", out.String())
	}
}

func TestPanicInCommandEndsOnlyThatCommand(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	a := newClinic(t, db, "clinic-a")
	key, line := newKey(t)
	a.addKey(t, a.admin.ID, line)
	srv := startServer(t, db, withTestCommands())
	c := mustDial(t, srv.addr, "clinic-a", keyAuth(key))
	if _, errOut, code := run(t, c, "test-panic"); code != 1 || strings.TrimSpace(errOut) != msgInternal {
		t.Errorf("panicking command: exit %d, %q", code, errOut)
	}
	if !strings.Contains(srv.logs.String(), "boom in a command") {
		t.Errorf("panic not logged")
	}
	// The same connection still works.
	if w := whoami(t, c); w.Schema != "clinic-a" {
		t.Errorf("after the panic: %+v", w)
	}
}
