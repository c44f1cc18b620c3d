package server

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"consultorio/printout"
	"consultorio/store"
	"consultorio/store/storetest"
	"consultorio/tui/i18n"
)

// `ssh clinic@host agenda --date D --pdf > agenda.pdf` with the real OpenSSH
// client: the file is byte for byte the PDF the core makes (no terminal
// rewrote a \n), a reader opens it and its text has the accented names.
// With a terminal forced (ssh -tt) the command refuses instead of sending
// a broken file.
func TestOpenSSHAgendaPDF(t *testing.T) {
	t.Parallel()
	sshBin := openSSHBin(t, "ssh")
	lima, _ := time.LoadLocation("America/Lima")
	clock := storetest.NewClock(time.Date(2026, 12, 6, 20, 0, 0, 0, lima))
	db := storetest.NewDBWith(t, store.Options{Clock: clock})
	dir := t.TempDir()
	keyFile, pub := clientKeyFile(t, dir, "id_ed25519")
	ctx := context.Background()
	if _, err := db.CreateTenant(ctx, store.CLI, store.NewTenant{
		Schema: "demo", Name: "Clínica Demo", AdminEmail: "admin@demo.test", AdminName: "Ana Admin",
		AdminKey: pub,
	}); err != nil {
		t.Fatal(err)
	}
	tn, err := db.Tenant(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	spec, err := tn.CreateSpecialist(ctx, store.System, store.SpecialistInput{FirstName: "Begoña", LastName: "Ibáñez",
		Specialty: "Psicología", Document: "12345678", CompType: store.CompFixed, CompValue: decimal.RequireFromString("1500")})
	if err != nil {
		t.Fatal(err)
	}
	room, err := tn.CreateRoom(ctx, store.System, store.RoomInput{Name: "Sala 1"})
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range [][2]string{{"José", "Núñez"}, {"María", "Peña"}} {
		p, err := tn.CreatePatient(ctx, store.System, store.PatientInput{FirstName: name[0], Surname: name[1],
			BirthDate: time.Date(1990, 1, 2, 0, 0, 0, 0, time.UTC), CostSession: decimal.RequireFromString("80")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tn.BookSession(ctx, store.System, store.Booking{PatientID: p.ID, SpecialistID: spec.ID, RoomID: room.ID,
			Start: time.Date(2026, 12, 7, 9+i, 0, 0, 0, lima)}); err != nil {
			t.Fatal(err)
		}
	}
	srv := startServer(t, db)
	_, port, _ := net.SplitHostPort(srv.addr)
	ssh := func(args ...string) ([]byte, string, int) { return runOpenSSH(t, sshBin, port, keyFile, args...) }

	got, errOut, code := ssh("demo@127.0.0.1", "agenda", "--date", "2026-12-07", "--pdf")
	if code != 0 {
		t.Fatalf("agenda --pdf: exit %d, stderr %q", code, errOut)
	}
	admin, err := tn.UserByEmail(ctx, store.System, "admin@demo.test")
	if err != nil {
		t.Fatal(err)
	}
	docs := printout.Documents{Tenant: tn, Locale: i18n.NewLocale(i18n.ES, tn.Info.Currency, tn.Info.Location())}
	want, err := docs.AgendaPDF(ctx, admin.Actor("127.0.0.1:1"), time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC), store.AgendaFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the PDF over SSH (%d bytes) is not the core's (%d bytes)", len(got), len(want))
	}
	path := filepath.Join(dir, "agenda.pdf")
	if err := os.WriteFile(path, got, 0o600); err != nil {
		t.Fatal(err)
	}
	text, err := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext (poppler-utils): %v: %s", err, text)
	}
	for _, s := range []string{"Agenda del lunes 7 de diciembre de 2026", "Begoña Ibáñez", "José Núñez", "María Peña"} {
		if !strings.Contains(string(text), s) {
			t.Errorf("the PDF's text lacks %q:\n%s", s, text)
		}
	}

	// A terminal would turn every \n of the PDF into \r\n: refused.
	out, _, code := ssh("-tt", "demo@127.0.0.1", "agenda", "--date", "2026-12-07", "--pdf")
	if code != 2 || bytes.Contains(out, []byte("%PDF")) {
		t.Errorf("agenda --pdf on a terminal: exit %d, %d bytes on stdout, %d of them \\r", code, len(out), bytes.Count(out, []byte("\r")))
	}
}
