package cmd

import (
	"strconv"
	"testing"
)

// A sent invitation cannot be resent (its setup code is gone): exit 1, in
// the catalogue's words.
func TestOutboxResendOfSentInvitationIsRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	claimed, err := f.tn.ClaimMail(f.ctx, 10)
	if err != nil || len(claimed) == 0 {
		t.Fatalf("claim: %d, %v", len(claimed), err)
	}
	for _, c := range claimed {
		if err := f.tn.MailDone(f.ctx, c, "s", ""); err != nil {
			t.Fatal(err)
		}
	}
	f.fails(1, "Revise los datos: Correo: la invitación ya se envió y no guarda el código; genere un código nuevo",
		f.admin, "outbox", "resend", strconv.FormatInt(claimed[0].ID, 10))
}
