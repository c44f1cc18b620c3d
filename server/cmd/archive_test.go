package cmd

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"consultorio/store"
)

// `tenants export` / `tenants import` through the panel's command tree (the
// CLI runs the same TenantsCmd): the archive on stdout, a summary on
// stderr, an import under a new name next to the original, a damaged
// archive refused with exit 1, both in the operators' audit log.
func TestPanelTenantsExportImport(t *testing.T) {
	t.Parallel()
	p := newPanelFixture(t)
	p.create("clinic-x", "100")
	r := p.runIn("", "tenants", "export", "clinic-x")
	if r.code != 0 || !strings.HasPrefix(r.err, "exported clinic-x: ") || len(r.out) < 100 {
		t.Fatalf("export: exit %d, stderr %q, %d bytes", r.code, r.err, len(r.out))
	}
	archive := r.out
	var imp ImportedTenant
	r = p.runIn(archive, "tenants", "import", "--as", "clinic-y", "--json")
	if r.code != 0 {
		t.Fatalf("import: exit %d, %q", r.code, r.err)
	}
	if err := jsonUnmarshal(r.out, &imp); err != nil || imp.Tenant.Schema != "clinic-y" || imp.Manifest.Schema != "clinic-x" || !strings.Contains(imp.SSH, "clinic-y@") {
		t.Errorf("import --json: %v %+v", err, imp)
	}
	if p.status("clinic-x") != store.TenantActive || p.status("clinic-y") != store.TenantActive {
		t.Errorf("both clinics should be active")
	}
	damaged := strings.Replace(archive, archive[len(archive)/2:len(archive)/2+8], "xxxxxxxx", 1)
	if r := p.runIn(damaged, "tenants", "import", "--as", "clinic-z"); r.code != 1 || !strings.Contains(r.err, "No se puede importar el archivo: una tabla no coincide con su suma de verificación") {
		t.Errorf("damaged archive: exit %d, %q", r.code, r.err)
	}
	if r := p.runIn(archive, "tenants", "import", "--as", "Bad Name"); r.code != 2 {
		t.Errorf("invalid --as: exit %d, %q", r.code, r.err)
	}
	if a := p.audited(); a["tenant.export"] != 1 || a["tenant.import"] != 1 {
		t.Errorf("operator audit: %v", a)
	}
}

// The clinic admin's own export over SSH; reception cannot. `patients files`
// lists what each role may read.
func TestClinicExportAndPatientFiles(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	admin := f.admin.Actor(f.remote)
	if _, err := f.tn.PutAttachment(f.ctx, admin, store.AttachmentRef{PatientID: f.patA.ID, Kind: store.KindLab, Name: "hemograma.pdf"}, []byte("pdf")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.tn.PutAttachment(f.ctx, f.desk.Actor(f.remote), store.AttachmentRef{PatientID: f.patA.ID, Kind: store.KindConsent, Name: "consentimiento.pdf"}, []byte("ok")); err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(f.patA.ID, 10)
	var files []AttachmentView
	f.okJSON(&files, f.admin, "patients", "files", id)
	if len(files) != 2 {
		t.Fatalf("admin sees %d files", len(files))
	}
	f.okJSON(&files, f.desk, "patients", "files", id)
	if len(files) != 1 || files[0].Kind != "consent" || files[0].Path != "/patients/"+id+"/consent/consentimiento.pdf" || files[0].Size != 2 {
		t.Errorf("reception's files: %+v", files)
	}
	f.fails(1, "", f.desk, "patients", "files", id, "--kind", "lab")
	f.fails(1, "", f.drB, "patients", "files", id)
	if out := f.ok(f.drA, "patients", "files", id); !strings.Contains(out, "hemograma.pdf") || !strings.Contains(out, "NOMBRE") {
		t.Errorf("the therapist's listing: %q", out)
	}

	r := f.run(f.admin, "export")
	if r.code != 0 || !strings.HasPrefix(r.err, "exported clinic-a: ") || !bytes.HasPrefix([]byte(r.out), []byte{0x28, 0xb5, 0x2f, 0xfd}) {
		t.Fatalf("admin export: exit %d, %q, starts %q", r.code, r.err, r.out[:min(8, len(r.out))])
	}
	if _, _, err := f.db.ImportTenant(f.ctx, store.CLI, strings.NewReader(r.out), "clinic-a-copy"); err != nil {
		t.Errorf("the admin's export does not import: %v", err)
	}
	f.fails(1, "", f.desk, "export")
	f.fails(2, "--month", f.admin, "export", "--month", "2026-11")
	list, err := f.tn.AuditLog(f.ctx, admin, store.AuditFilter{Entity: "clinic", Action: "export"})
	if err != nil || len(list) != 1 {
		t.Errorf("export audit rows: %d %v", len(list), err)
	}
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
