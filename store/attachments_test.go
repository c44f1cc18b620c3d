package store_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"

	"consultorio/store"
	"consultorio/store/storetest"
)

// attachmentAudit counts the clinic's audit rows of one attachment action.
func attachmentAudit(f *agendaFixture, action string) int {
	f.t.Helper()
	var n int
	f.scalar(&n, `select count(*) from audit_log where entity = 'attachment' and action = $1`, action)
	return n
}

func TestAttachmentRoundTripAndRoles(t *testing.T) {
	t.Parallel()
	f := newAgendaFixture(t, 0)
	lucia := f.specialist("Lucía", "Quispe", "fixed", "1000", true)
	mario := f.specialist("Mario", "Rojas", "fixed", "1000", true)
	luciaU := f.user("lucia@a.test", "Lucía", store.RoleSpecialist, lucia)
	marioU := f.user("mario@a.test", "Mario", store.RoleSpecialist, mario)
	pat := f.patient("Ana", "Núñez", "80")
	f.exec(func(tx pgx.Tx) error {
		_, err := tx.Exec(f.ctx, `update patients set therapist_id = $1 where id = $2`, lucia, pat)
		return err
	})

	// 2.5 chunks: the content crosses chunk boundaries.
	data := make([]byte, store.AttachmentChunkSize*5/2)
	if _, err := rand.Read(data); err != nil {
		t.Fatal(err)
	}
	lab := store.AttachmentRef{PatientID: pat, Kind: store.KindLab, Name: "hemograma.pdf"}
	a, err := f.tn.PutAttachment(f.ctx, luciaU, lab, data)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if a.Size != int64(len(data)) || a.SHA256 != hex.EncodeToString(sum[:]) || a.CreatedBy != "lucia@a.test" {
		t.Errorf("stored %+v", a)
	}
	var chunks int
	f.scalar(&chunks, `select count(*) from attachment_chunks where attachment_id = $1`, a.ID)
	if chunks != 3 {
		t.Errorf("chunks = %d, want 3", chunks)
	}
	_, got, err := f.tn.ReadAttachment(f.ctx, f.admin, lab)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back: %v (equal %v)", err, bytes.Equal(got, data))
	}

	// Reception: administrative files only, both ways.
	if _, _, err := f.tn.ReadAttachment(f.ctx, f.desk, lab); !agForbidden(err) {
		t.Errorf("reception read a lab result: %v", err)
	}
	if _, err := f.tn.PutAttachment(f.ctx, f.desk, store.AttachmentRef{PatientID: pat, Kind: store.KindReferral, Name: "x.pdf"}, []byte("x")); !agForbidden(err) {
		t.Errorf("reception uploaded a referral: %v", err)
	}
	consent := store.AttachmentRef{PatientID: pat, Kind: store.KindConsent, Name: "consentimiento.pdf"}
	if _, err := f.tn.PutAttachment(f.ctx, f.desk, consent, []byte("firmado")); err != nil {
		t.Fatalf("reception uploads a consent form: %v", err)
	}
	list, err := f.tn.Attachments(f.ctx, f.desk, pat, "")
	if err != nil || len(list) != 1 || list[0].Name != "consentimiento.pdf" {
		t.Errorf("reception's listing: %+v %v", list, err)
	}
	if _, err := f.tn.Attachments(f.ctx, f.desk, pat, store.KindLab); !agForbidden(err) {
		t.Errorf("reception listed lab results: %v", err)
	}
	folders, err := f.tn.AttachmentFolders(f.ctx, f.desk, pat)
	if err != nil || len(folders) != 2 || folders[0] != store.KindConsent || folders[1] != store.KindAdmin {
		t.Errorf("reception's folders: %v %v", folders, err)
	}

	// A specialist: every file of their own patients (uploads clinical ones
	// only), nothing of another's — not even that the patient has files.
	if _, _, err := f.tn.ReadAttachment(f.ctx, luciaU, consent); err != nil {
		t.Errorf("therapist reads own patient's consent: %v", err)
	}
	if _, err := f.tn.PutAttachment(f.ctx, luciaU, store.AttachmentRef{PatientID: pat, Kind: store.KindAdmin, Name: "dni.jpg"}, []byte("x")); !agForbidden(err) {
		t.Errorf("specialist uploaded an administrative paper: %v", err)
	}
	if _, _, err := f.tn.ReadAttachment(f.ctx, marioU, lab); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another specialist reads the lab result: %v", err)
	}
	if _, err := f.tn.Attachments(f.ctx, marioU, pat, ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another specialist lists the files: %v", err)
	}

	// Files are records: never overwritten.
	var ce *store.ConflictError
	if _, err := f.tn.PutAttachment(f.ctx, luciaU, lab, []byte("other")); !errors.As(err, &ce) {
		t.Errorf("overwrite: %v", err)
	}
	// Only an admin deletes, audited.
	if err := f.tn.DeleteAttachment(f.ctx, luciaU, lab); !agForbidden(err) {
		t.Errorf("specialist deleted: %v", err)
	}

	// Every read and write has its audit row (refusals leave none).
	if n := attachmentAudit(f, "create"); n != 2 {
		t.Errorf("create audit rows = %d, want 2", n)
	}
	if n := attachmentAudit(f, "read"); n != 2 {
		t.Errorf("read audit rows = %d, want 2", n)
	}
	if n := attachmentAudit(f, "list"); n != 1 {
		t.Errorf("list audit rows = %d, want 1", n)
	}
	if err := f.tn.DeleteAttachment(f.ctx, f.admin, lab); err != nil {
		t.Fatal(err)
	}
	if n := attachmentAudit(f, "delete"); n != 1 {
		t.Errorf("delete audit rows = %d, want 1", n)
	}
	f.scalar(&chunks, `select count(*) from attachment_chunks where attachment_id = $1`, a.ID)
	if chunks != 0 {
		t.Errorf("chunks left after delete: %d", chunks)
	}
}

func TestAttachmentLimitsAndNames(t *testing.T) {
	t.Parallel()
	c := storetest.NewClock(agAt(2026, 11, 10, 12, 0))
	db := storetest.NewDBWith(t, store.Options{Clock: c, AttachmentMaxBytes: 1000})
	tn, _ := storetest.NewTenant(t, db, "clinic-a")
	f := agFixtureFor(t, db, tn, c)
	pat := f.patient("Ana", "Núñez", "80")
	var tl *store.TooLargeError
	if _, err := tn.PutAttachment(f.ctx, f.admin, store.AttachmentRef{PatientID: pat, Kind: store.KindLab, Name: "big"}, make([]byte, 1001)); !errors.As(err, &tl) || tl.Limit != 1000 {
		t.Errorf("1001 bytes over a 1000-byte limit: %v", err)
	}
	if _, err := tn.PutAttachment(f.ctx, f.admin, store.AttachmentRef{PatientID: pat, Kind: store.KindLab, Name: "fits"}, make([]byte, 1000)); err != nil {
		t.Errorf("exactly the limit: %v", err)
	}
	if store.DefaultAttachmentMaxBytes != 20<<20 || storetest.NewDB(t).AttachmentMaxBytes() != store.DefaultAttachmentMaxBytes {
		t.Errorf("default limit not taken from store.DefaultAttachmentMaxBytes")
	}
	for _, name := range []string{"", ".", "..", "../x", "a/b", `a\b`, string(make([]byte, 256))} {
		if _, err := tn.PutAttachment(f.ctx, f.admin, store.AttachmentRef{PatientID: pat, Kind: store.KindLab, Name: name}, []byte("x")); !agInvalid(err, "name") {
			t.Errorf("name %q: %v", name, err)
		}
	}
	// Hostile characters: the store's text check names the character.
	for _, name := range []string{"a\x1bb", "a\u202eb"} {
		var te *store.TextError
		if _, err := tn.PutAttachment(f.ctx, f.admin, store.AttachmentRef{PatientID: pat, Kind: store.KindLab, Name: name}, []byte("x")); !errors.As(err, &te) || te.Field != "name" {
			t.Errorf("name %q: %v", name, err)
		}
	}
	if _, err := tn.PutAttachment(f.ctx, f.admin, store.AttachmentRef{PatientID: pat, Kind: "secret", Name: "x"}, []byte("x")); !agInvalid(err, "kind") {
		t.Errorf("unknown kind: %v", err)
	}
	if _, err := tn.PutAttachment(f.ctx, f.admin, store.AttachmentRef{PatientID: pat + 1000, Kind: store.KindLab, Name: "x"}, []byte("x")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown patient: %v", err)
	}
	if n := attachmentAudit(f, "create"); n != 1 {
		t.Errorf("create audit rows = %d, want 1 (refusals write none)", n)
	}
}

func TestAttachmentPermissionMatrix(t *testing.T) {
	t.Parallel()
	own := store.Patient{ClinicalVisible: true}
	other := store.Patient{}
	admin := store.Actor{Role: store.RoleAdmin}
	desk := store.Actor{Role: store.RoleReception}
	spec := store.Actor{Role: store.RoleSpecialist, SpecialistID: 7}
	cases := []struct {
		a           store.Actor
		p           store.Patient
		k           store.AttachmentKind
		read, write bool
	}{
		{admin, other, store.KindLab, true, true},
		{admin, other, store.KindConsent, true, true},
		{desk, own, store.KindConsent, true, true},
		{desk, own, store.KindAdmin, true, true},
		{desk, own, store.KindLab, false, false},
		{desk, own, store.KindPhoto, false, false},
		{desk, own, store.KindReferral, false, false},
		{desk, own, store.KindClinical, false, false},
		{spec, own, store.KindLab, true, true},
		{spec, own, store.KindConsent, true, false},
		{spec, other, store.KindLab, false, false},
		{spec, other, store.KindConsent, false, false},
		{store.Actor{Role: store.RoleSpecialist}, own, store.KindLab, false, false},
		{admin, other, "bogus", false, false},
	}
	for _, c := range cases {
		if got := c.a.MayReadAttachment(c.p, c.k); got != c.read {
			t.Errorf("%s read %s (own %v) = %v", c.a.Role, c.k, c.p.ClinicalVisible, got)
		}
		if got := c.a.MayWriteAttachment(c.p, c.k); got != c.write {
			t.Errorf("%s write %s (own %v) = %v", c.a.Role, c.k, c.p.ClinicalVisible, got)
		}
	}
}
