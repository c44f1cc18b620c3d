package server

import (
	"context"
	"errors"
	"strings"
	"testing"

	"consultorio/store"
	"consultorio/store/storetest"
)

// Issue 13: a user changes their own password from a script over SSH, the
// passwords piped on stdin (a command has no terminal to hide them on).
func TestScriptedPasswordChangeOverSSH(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	a := newClinic(t, db, "clinic-a")
	ctx := context.Background()
	const old, next = "la clave de siempre", "una clave nueva larga"
	if err := a.tn.SetPassword(ctx, a.admin.ID, old); err != nil {
		t.Fatal(err)
	}
	key, line := newKey(t)
	a.addKey(t, a.admin.ID, line)
	srv := startServer(t, db)
	c := mustDial(t, srv.addr, "clinic-a", keyAuth(key))

	if _, errOut, code := runStdin(t, c, "no es esta\n"+next+"\n", "password change"); code != 1 ||
		!strings.Contains(errOut, "Correo o contraseña incorrectos") {
		t.Errorf("wrong current password: exit %d %q", code, errOut)
	}
	if _, errOut, code := runStdin(t, c, old+"\n", "password change"); code != 2 || !strings.Contains(errOut, "dos líneas") {
		t.Errorf("one line: exit %d %q", code, errOut)
	}
	out, errOut, code := runStdin(t, c, old+"\n"+next+"\n", "password change")
	if code != 0 || !strings.Contains(out, "Contraseña cambiada.") {
		t.Fatalf("password change: exit %d, out %q, err %q", code, out, errOut)
	}
	if _, err := a.tn.LoginPassword(ctx, a.admin.Email, old, "x"); !errors.Is(err, store.ErrBadCredentials) {
		t.Errorf("the old password: %v", err)
	}
	if _, err := a.tn.LoginPassword(ctx, a.admin.Email, next, "x"); err != nil {
		t.Errorf("the new password: %v", err)
	}
}
