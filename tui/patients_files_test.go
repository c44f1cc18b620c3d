package tui

import (
	"context"
	"strings"
	"testing"

	"consultorio/store"
	"consultorio/tui/clinic"
)

// The patient file's Files tab: name, kind, size and date of the files the
// role may read (reception: the administrative ones only), and how to
// transfer them.
func TestPatientFileFilesTab(t *testing.T) {
	t.Parallel()
	pc := newPatientsClinic(t)
	ctx := context.Background()
	admin := pc.admin.Actor("test")
	if _, err := pc.tn.PutAttachment(ctx, admin, store.AttachmentRef{PatientID: pc.ana.ID, Kind: store.KindLab, Name: "hemograma.pdf"}, make([]byte, 3<<20)); err != nil {
		t.Fatal(err)
	}
	if _, err := pc.tn.PutAttachment(ctx, admin, store.AttachmentRef{PatientID: pc.ana.ID, Kind: store.KindConsent, Name: "consentimiento.pdf"}, []byte("firmado")); err != nil {
		t.Fatal(err)
	}
	openFiles := func(u *store.User) string {
		term := pc.start(t, u, 80, 24)
		settled(t, term, "Quispe Mamani")
		term.Send(clinic.OpenPatientMsg{ID: pc.ana.ID})
		settled(t, term, "Quispe Mamani, Ana", "[Datos]")
		for range 5 {
			term.Key("right")
		}
		return settled(t, term, "[Archivos]", "/patients/", "consentimiento.pdf")
	}
	s := openFiles(pc.admin)
	for _, want := range []string{"hemograma.pdf", "laboratorio", "3.0 MiB", "consentimiento", "7 B", "26/11/2026"} {
		if !strings.Contains(s, want) {
			t.Errorf("admin's files tab lacks %q:\n%s", want, s)
		}
	}
	s = openFiles(pc.reception)
	if strings.Contains(s, "hemograma.pdf") {
		t.Errorf("reception sees a lab result:\n%s", s)
	}
}
