package server

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"io"
	"strings"
	"testing"

	gossh "golang.org/x/crypto/ssh"

	"consultorio/store"
	"consultorio/store/storetest"
)

// skSigner is a FIDO security key (sk-ssh-ed25519@openssh.com) in
// software: it signs as the device does (OpenSSH's PROTOCOL.u2f), with the
// flags it is given; userPresence false is a signature made without a
// touch.
type skSigner struct {
	priv         ed25519.PrivateKey
	pub          gossh.PublicKey
	app          string
	userPresence bool
}

func newSKSigner(t testing.TB) *skSigner {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	wire := gossh.Marshal(struct {
		Name        string
		KeyBytes    []byte
		Application string
	}{gossh.KeyAlgoSKED25519, pub, "ssh:"})
	pk, err := gossh.ParsePublicKey(wire)
	if err != nil {
		t.Fatal(err)
	}
	return &skSigner{priv: priv, pub: pk, app: "ssh:", userPresence: true}
}

func (s *skSigner) PublicKey() gossh.PublicKey { return s.pub }

func (s *skSigner) line() string {
	return strings.TrimSpace(string(gossh.MarshalAuthorizedKey(s.pub)))
}

func (s *skSigner) Sign(_ io.Reader, data []byte) (*gossh.Signature, error) {
	var flags byte
	if s.userPresence {
		flags = 0x01 // UP
	}
	const counter = 7
	app := sha256.Sum256([]byte(s.app))
	msg := sha256.Sum256(data)
	signed := append(append([]byte{}, app[:]...), flags)
	signed = binary.BigEndian.AppendUint32(signed, counter)
	signed = append(signed, msg[:]...)
	return &gossh.Signature{
		Format: gossh.KeyAlgoSKED25519,
		Blob:   ed25519.Sign(s.priv, signed),
		Rest: gossh.Marshal(struct {
			Flags   byte
			Counter uint32
		}{flags, counter}),
	}, nil
}

// TestSecurityKeySatisfiesPolicy: in a clinic with the policy "admins", an
// admin whose only factor is a FIDO security key runs scripted commands and
// opens the TUI without a code when the key signs with the user-presence
// flag (a touch); the same key signing without it is refused at
// authentication, and the admin's ordinary key still needs the second
// factor.
func TestSecurityKeySatisfiesPolicy(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	ctx := context.Background()
	a := newClinic(t, db, "clinic-sk")
	sk := newSKSigner(t)
	a.addKey(t, a.admin.ID, sk.line())
	plain, plainLine := newKey(t)
	a.addKey(t, a.admin.ID, plainLine)
	if err := a.tn.SetSecondFactorPolicy(ctx, a.admin.Actor(""), store.SecondFactorAdmins); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, db)

	if w := whoami(t, mustDial(t, srv.addr, "clinic-sk", keyAuth(sk))); w.Email != a.admin.Email {
		t.Fatalf("security key's command: %+v", w)
	}
	tm := openTerm(t, mustDial(t, srv.addr, "clinic-sk", keyAuth(sk)), 80, 24)
	tm.waitFor("[1 Agenda]")

	if _, errOut, code := run(t, mustDial(t, srv.addr, "clinic-sk", keyAuth(plain)), "whoami"); code != 1 ||
		!strings.Contains(errOut, "verificación en dos pasos") {
		t.Fatalf("ordinary key under the policy: exit %d, %q", code, errOut)
	}

	sk.userPresence = false
	if c, err := dial(t, srv.addr, "clinic-sk", keyAuth(sk)); err == nil {
		c.Close()
		t.Fatal("a security-key signature without user presence was accepted")
	}
}
