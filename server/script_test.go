package server

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	gossh "golang.org/x/crypto/ssh"

	"consultorio/store"
	"consultorio/store/storetest"
)

// The scripts in testdata/*.txtar read like the documentation of the
// clinic's scripted commands: each one runs against a fresh database and a
// real server on 127.0.0.1:0, with these actors and their keys ($WORK/NAME.pub):
//
//	admin      the admin of clinic "demo" (key registered)
//	reception  a key registered nowhere yet (the script registers it)
//	specialist likewise
//	attacker   the admin of another clinic, "other"
//
// The clock stands at 2026-11-20 10:00 in Lima (the clinics' zone).
//
// The script command
//
//	ssh [-user NAME] [-stdin FILE] [-exit N] ACTOR COMMAND [ARGS...]
//
// runs COMMAND as ACTOR (user name "demo" unless -user), stdin from FILE,
// and expects exit status N (default 0; with a leading ! any failure).
func TestScripts(t *testing.T) {
	t.Parallel()
	testscript.Run(t, testscript.Params{
		Dir:   "testdata",
		Setup: scriptSetup,
		Cmds:  map[string]func(*testscript.TestScript, bool, []string){"ssh": scriptSSH},
	})
}

type scriptWorld struct {
	addr   string
	actors map[string]gossh.Signer
}

type scriptKey struct{}

func scriptSetup(env *testscript.Env) error {
	t, ok := env.T().(testing.TB)
	if !ok {
		return errors.New("testscript: T is not a testing.TB")
	}
	lima, err := time.LoadLocation("America/Lima")
	if err != nil {
		return err
	}
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, lima)
	db := storetest.NewDBWith(t, store.Options{Clock: storetest.NewClock(now)})
	w := &scriptWorld{actors: map[string]gossh.Signer{}}
	for _, name := range []string{"admin", "reception", "specialist", "attacker"} {
		signer, line := newKey(t)
		w.actors[name] = signer
		if err := os.WriteFile(filepath.Join(env.WorkDir, name+".pub"), []byte(line+" "+name+"\n"), 0o644); err != nil {
			return err
		}
	}
	ctx := context.Background()
	for schema, actor := range map[string]string{"demo": "admin", "other": "attacker"} {
		line := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(w.actors[actor].PublicKey())))
		if _, err := db.CreateTenant(ctx, store.CLI, store.NewTenant{Schema: schema, Name: "Clínica " + schema,
			AdminEmail: "admin@" + schema + ".test", AdminName: "Admin " + schema, AdminKey: line}); err != nil {
			return err
		}
	}
	w.addr = startServer(t, db).addr
	env.Values[scriptKey{}] = w
	return nil
}

// shellQuote quotes an argument for the server's shell-like split.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '-' || r == '_' || r == '.' || r == '@' || r == ':' || r == '/' || r == '=' || r == ',' ||
			(r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9'))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func scriptSSH(ts *testscript.TestScript, neg bool, args []string) {
	w := ts.Value(scriptKey{}).(*scriptWorld)
	fs := flag.NewFlagSet("ssh", flag.ContinueOnError)
	user := fs.String("user", "demo", "SSH user name")
	stdinFile := fs.String("stdin", "", "file to send as stdin")
	exit := fs.Int("exit", 0, "expected exit status")
	if err := fs.Parse(args); err != nil || fs.NArg() < 2 {
		ts.Fatalf("usage: ssh [-user NAME] [-stdin FILE] [-exit N] ACTOR COMMAND [ARGS...]")
	}
	signer, ok := w.actors[fs.Arg(0)]
	if !ok {
		ts.Fatalf("unknown actor %q", fs.Arg(0))
	}
	var stdin string
	if *stdinFile != "" {
		stdin = ts.ReadFile(*stdinFile)
	}
	quoted := make([]string, fs.NArg()-1)
	for i, a := range fs.Args()[1:] {
		quoted[i] = shellQuote(a)
	}
	client, err := gossh.Dial("tcp", w.addr, &gossh.ClientConfig{User: *user, Auth: keyAuth(signer),
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second})
	ts.Check(err)
	defer client.Close()
	sess, err := client.NewSession()
	ts.Check(err)
	defer sess.Close()
	var out, errb bytes.Buffer
	sess.Stdin, sess.Stdout, sess.Stderr = strings.NewReader(stdin), &out, &errb
	err = sess.Run(strings.Join(quoted, " "))
	code := 0
	var ee *gossh.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitStatus()
	case err != nil:
		ts.Fatalf("ssh: %v", err)
	}
	_, _ = ts.Stdout().Write(out.Bytes())
	_, _ = ts.Stderr().Write(errb.Bytes())
	switch {
	case *exit != 0 && code != *exit:
		ts.Fatalf("exit status %d, want %d", code, *exit)
	case *exit == 0 && neg && code == 0:
		ts.Fatalf("unexpected success")
	case *exit == 0 && !neg && code != 0:
		ts.Fatalf("exit status %d", code)
	}
	ts.Logf("[exit status %s]", strconv.Itoa(code))
}
