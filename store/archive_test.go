package store_test

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/klauspost/compress/zstd"

	"consultorio/store"
	"consultorio/store/storetest"
)

// archiveFixture: a clinic with staff, a key, patients, a session, files
// (one over several chunks) and audit rows.
func archiveFixture(t *testing.T) (*agendaFixture, []byte) {
	t.Helper()
	c := storetest.NewClock(agAt(2026, 11, 10, 12, 0))
	db := storetest.NewDBWith(t, store.Options{Clock: c})
	tn, _ := storetest.NewTenant(t, db, "clinic-a")
	f := agFixtureFor(t, db, tn, c)
	sp := f.specialist("Lucía", "Quispe", "percent", "40", true)
	room := f.room("Sala 1")
	pat := f.patient("Ana", "Núñez", "80")
	f.patient("José", "Peña", "90")
	f.book(store.Booking{PatientID: pat, SpecialistID: sp, RoomID: room, Start: agAt(2026, 11, 11, 10, 0)})
	if _, err := tn.AddKey(f.ctx, store.System, f.admin.UserID, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHqP5YfQdVV+uw0n0wbRbXyXkRmJm+XrzCPAG8U4KD1H admin", "laptop"); err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("hemograma ñandú "), store.AttachmentChunkSize/8)
	if _, err := tn.PutAttachment(f.ctx, f.admin, store.AttachmentRef{PatientID: pat, Kind: store.KindLab, Name: "hemograma.pdf"}, big); err != nil {
		t.Fatal(err)
	}
	if _, err := tn.PutAttachment(f.ctx, f.desk, store.AttachmentRef{PatientID: pat, Kind: store.KindConsent, Name: "consentimiento.pdf"}, []byte("firmado")); err != nil {
		t.Fatal(err)
	}
	return f, big
}

func exportOf(t *testing.T, db *store.DB, schema string) ([]byte, store.ArchiveManifest) {
	t.Helper()
	var buf bytes.Buffer
	m, err := db.ExportTenant(context.Background(), store.CLI, schema, &buf)
	if err != nil {
		t.Fatalf("export %s: %v", schema, err)
	}
	return buf.Bytes(), m
}

// sameTables compares two manifests' tables: names, row counts, checksums.
func sameTables(t *testing.T, what string, a, b store.ArchiveManifest) {
	t.Helper()
	if len(a.Tables) != len(b.Tables) {
		t.Fatalf("%s: %d tables vs %d", what, len(a.Tables), len(b.Tables))
	}
	for i := range a.Tables {
		x, y := a.Tables[i], b.Tables[i]
		if x.Name != y.Name || x.Rows != y.Rows || x.SHA256 != y.SHA256 {
			t.Errorf("%s: table %s: %d rows %s… vs %s %d rows %s…", what, x.Name, x.Rows, x.SHA256[:12], y.Name, y.Rows, y.SHA256[:12])
		}
	}
}

// Export → drop the clinic → import: the same rows (counts and checksums
// of every table), the same files, a valid audit chain, a clinic that
// works (new rows, key routes).
func TestArchiveRoundTrip(t *testing.T) {
	t.Parallel()
	f, big := archiveFixture(t)
	ctx, db := f.ctx, f.db
	archive, m1 := exportOf(t, db, "clinic-a")
	rows := map[string]int64{}
	for _, tb := range m1.Tables {
		rows[tb.Name] = tb.Rows
	}
	if rows["patients"] != 2 || rows["sessions"] != 1 || rows["attachments"] != 2 || rows["attachment_chunks"] != 4 || rows["user_keys"] != 1 || rows["audit_log"] == 0 {
		t.Fatalf("manifest row counts: %v", rows)
	}
	if m1.Attachments != 2 || m1.AttachmentBytes != int64(len(big))+7 {
		t.Errorf("manifest files: %d, %d bytes", m1.Attachments, m1.AttachmentBytes)
	}

	if _, err := db.ArchiveTenant(ctx, store.CLI, "clinic-a"); err != nil {
		t.Fatal(err)
	}
	if purged, err := db.PurgeArchivedTenants(ctx, store.CLI, 0); err != nil || len(purged) != 1 {
		t.Fatalf("purge: %v %v", purged, err)
	}
	ti, _, err := db.ImportTenant(ctx, store.CLI, bytes.NewReader(archive), "")
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	if ti.Schema != "clinic-a" || ti.Name != f.tn.Info.Name || ti.Status != store.TenantActive {
		t.Errorf("imported tenant: %+v", ti)
	}
	_, m2 := exportOf(t, db, "clinic-a")
	sameTables(t, "after drop and import", m1, m2)

	tn, err := db.Tenant(ctx, "clinic-a")
	if err != nil {
		t.Fatal(err)
	}
	if st, err := tn.VerifyAuditChain(ctx, f.admin); err != nil || !st.OK {
		t.Errorf("audit chain after import: %+v %v", st, err)
	}
	_, got, err := tn.ReadAttachment(ctx, f.admin, store.AttachmentRef{PatientID: 1, Kind: store.KindLab, Name: "hemograma.pdf"})
	if err != nil || !bytes.Equal(got, big) {
		t.Errorf("file after import: %v", err)
	}
	if _, err := tn.CreatePatient(ctx, f.admin, store.PatientInput{FirstName: "Nueva", Surname: "Paciente", BirthDate: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Errorf("a new patient after import (identity sequences): %v", err)
	}
	if schemas, err := db.TenantsForKey(ctx, keyFingerprint(t, tn)); err != nil || len(schemas) != 1 {
		t.Errorf("key routes after import: %v %v", schemas, err)
	}
}

func keyFingerprint(t *testing.T, tn *store.Tenant) string {
	t.Helper()
	var fp string
	if err := tn.Exec(context.Background(), func(tx pgx.Tx) error {
		return tx.QueryRow(context.Background(), `select fingerprint from user_keys limit 1`).Scan(&fp)
	}); err != nil {
		t.Fatal(err)
	}
	return fp
}

// The same archive under a new name, alongside the original; the same
// name twice is a conflict.
func TestArchiveImportAsNewName(t *testing.T) {
	t.Parallel()
	f, big := archiveFixture(t)
	ctx, db := f.ctx, f.db
	archive, m1 := exportOf(t, db, "clinic-a")
	var ce *store.ConflictError
	if _, _, err := db.ImportTenant(ctx, store.CLI, bytes.NewReader(archive), ""); !errors.As(err, &ce) {
		t.Errorf("import over a live clinic of the same name: %v", err)
	}
	ti, _, err := db.ImportTenant(ctx, store.CLI, bytes.NewReader(archive), "clinic-copy")
	if err != nil {
		t.Fatalf("import as clinic-copy: %v", err)
	}
	if ti.Schema != "clinic-copy" {
		t.Errorf("imported as %q", ti.Schema)
	}
	_, m2 := exportOf(t, db, "clinic-copy")
	sameTables(t, "copy", m1, m2)
	// Both work, apart: a file added to the copy is not in the original.
	cp, err := db.Tenant(ctx, "clinic-copy")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cp.PutAttachment(ctx, f.admin, store.AttachmentRef{PatientID: 1, Kind: store.KindPhoto, Name: "foto.jpg"}, []byte("jpg")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.tn.StatAttachment(ctx, f.admin, store.AttachmentRef{PatientID: 1, Kind: store.KindPhoto, Name: "foto.jpg"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the copy's file is in the original: %v", err)
	}
	if _, got, err := f.tn.ReadAttachment(ctx, f.admin, store.AttachmentRef{PatientID: 1, Kind: store.KindLab, Name: "hemograma.pdf"}); err != nil || !bytes.Equal(got, big) {
		t.Errorf("original's file: %v", err)
	}
}

// retar rewrites an archive, changing one entry's content.
func retar(t *testing.T, archive []byte, entry string, change func([]byte) []byte) []byte {
	t.Helper()
	zr, err := zstd.NewReader(bytes.NewReader(archive))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	tr := tar.NewReader(zr)
	var out bytes.Buffer
	zw, _ := zstd.NewWriter(&out)
	tw := tar.NewWriter(zw)
	found := false
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(tr)
		if hdr.Name == entry {
			body, found = change(body), true
			hdr.Size = int64(len(body))
		}
		tw.WriteHeader(hdr)
		tw.Write(body)
	}
	tw.Close()
	zw.Close()
	if !found {
		t.Fatalf("no entry %s", entry)
	}
	return out.Bytes()
}

// An edited or damaged archive is refused, and leaves nothing behind.
func TestArchiveTamperedIsRefused(t *testing.T) {
	t.Parallel()
	f, _ := archiveFixture(t)
	ctx, db := f.ctx, f.db
	archive, _ := exportOf(t, db, "clinic-a")
	cases := map[string][]byte{
		"edited row": retar(t, archive, "tables/patients.copy", func(b []byte) []byte {
			return bytes.Replace(b, []byte("Núñez"), []byte("Nuñez"), 1)
		}),
		"edited file": retar(t, archive, "tables/attachment_chunks.copy", func(b []byte) []byte {
			return bytes.Replace(b, []byte("6669726d61646f"), []byte("6669726e61646f"), 1) // "firmado" → "firnado"
		}),
		"row count": retar(t, archive, "manifest.json", func(b []byte) []byte {
			var m store.ArchiveManifest
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			for i := range m.Tables {
				if m.Tables[i].Name == "patients" {
					m.Tables[i].Rows++
				}
			}
			out, _ := json.Marshal(m)
			return out
		}),
		"truncated": archive[:len(archive)/2],
		"not zstd":  []byte("hello"),
	}
	for name, data := range cases {
		var ae *store.ArchiveError
		_, _, err := db.ImportTenant(ctx, store.CLI, bytes.NewReader(data), "clinic-b")
		if !errors.As(err, &ae) {
			t.Errorf("%s: %v", name, err)
		}
		if _, err := db.Tenant(ctx, "clinic-b"); !errors.Is(err, store.ErrNoSuchTenant) {
			t.Errorf("%s: a refused import left clinic-b behind: %v", name, err)
		}
	}
}
