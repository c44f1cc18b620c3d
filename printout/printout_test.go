package printout_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"consultorio/printout"
	"consultorio/store"
	"consultorio/store/storetest"
	"consultorio/tui/i18n"
)

var lima = mustLoc("America/Lima")

func mustLoc(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

type fixture struct {
	ctx   context.Context
	tn    *store.Tenant
	admin store.Actor
	desk  store.Actor
	docs  printout.Documents
}

// newFixture: a clinic with the clock at Monday 2026-12-07 18:00 Lima.
func newFixture(t *testing.T, lang i18n.Lang) *fixture {
	t.Helper()
	clock := storetest.NewClock(time.Date(2026, 12, 7, 18, 0, 0, 0, lima))
	db := storetest.NewDBWith(t, store.Options{Clock: clock})
	tn, _ := storetest.NewTenant(t, db, "clinica")
	f := &fixture{ctx: context.Background(), tn: tn}
	users, err := tn.ListUsers(f.ctx, store.Actor{Role: store.RoleAdmin})
	if err != nil || len(users) == 0 {
		t.Fatalf("admin user: %v", err)
	}
	f.admin = store.Actor{UserID: users[0].ID, Name: "Admin", Role: store.RoleAdmin, RemoteAddr: "10.0.0.1:1"}
	desk, _, err := tn.CreateUser(f.ctx, f.admin, store.NewUser{Email: "desk@clinica.test", Name: "Recepción Ñuñoa",
		Role: store.RoleReception})
	if err != nil {
		t.Fatal(err)
	}
	f.desk = store.Actor{UserID: desk.ID, Name: desk.Name, Role: store.RoleReception, RemoteAddr: "10.0.0.2:1"}
	f.docs = printout.Documents{Tenant: tn, Locale: i18n.NewLocale(lang, tn.Info.Currency, tn.Info.Location())}
	return f
}

func (f *fixture) specialist(t *testing.T, first, last string) int64 {
	t.Helper()
	s, err := f.tn.CreateSpecialist(f.ctx, f.admin, store.SpecialistInput{FirstName: first, LastName: last,
		Specialty: "psicología", Document: first[:1] + last[:1] + "123", CompType: "fixed", CompValue: decimal.RequireFromString("4321.98")})
	if err != nil {
		t.Fatal(err)
	}
	return s.ID
}

func (f *fixture) patient(t *testing.T, first, surname, price string) int64 {
	t.Helper()
	p, err := f.tn.CreatePatient(f.ctx, f.admin, store.PatientInput{FirstName: first, Surname: surname,
		BirthDate: time.Date(1990, 5, 1, 0, 0, 0, 0, time.UTC), CostSession: decimal.RequireFromString(price)})
	if err != nil {
		t.Fatal(err)
	}
	return p.ID
}

func (f *fixture) room(t *testing.T, name string) int64 {
	t.Helper()
	r, err := f.tn.CreateRoom(f.ctx, f.admin, store.RoomInput{Name: name, Capacity: 1})
	if err != nil {
		t.Fatal(err)
	}
	return r.ID
}

func (f *fixture) book(t *testing.T, pat, spec, room int64, hh int, paid *store.PaymentInput) store.Session {
	t.Helper()
	out, err := f.tn.BookSession(f.ctx, f.desk, store.Booking{PatientID: pat, SpecialistID: spec, RoomID: room,
		Start: time.Date(2026, 12, 7, hh, 0, 0, 0, lima), Payment: paid, PaidInAdvance: paid != nil})
	if err != nil {
		t.Fatal(err)
	}
	return out[0]
}

// pdfText checks that the bytes are a PDF a reader opens (poppler's
// pdftotext parses it) and returns its text and page count.
func pdfText(t *testing.T, pdf []byte) (string, int) {
	t.Helper()
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", pdf[:min(len(pdf), 20)])
	}
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext (poppler-utils, scripts/ensure-deps.sh): %v: %s", err, out)
	}
	info, err := exec.Command("pdfinfo", path).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v: %s", err, info)
	}
	m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)`).FindSubmatch(info)
	if m == nil {
		t.Fatalf("pdfinfo: no page count: %s", info)
	}
	pages := 0
	for _, c := range m[1] {
		pages = pages*10 + int(c-'0')
	}
	return string(out), pages
}

func wantAll(t *testing.T, what, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%s: %q not in the extracted text:\n%s", what, w, text)
		}
	}
}

// The agenda prints one page per specialist, and the text a reader extracts
// has the names with their accents and ñ — and a name cp1252 cannot write,
// which is why the font is an embedded UTF-8 TrueType.
func TestAgendaPDF(t *testing.T) {
	t.Parallel()
	f := newFixture(t, i18n.ES)
	begona, ruiz := f.specialist(t, "Begoña", "Ibáñez"), f.specialist(t, "Tomás", "Ruiz")
	room := f.room(t, "Sala Añil")
	f.book(t, f.patient(t, "José", "Núñez", "100"), begona, room, 9, nil)
	f.book(t, f.patient(t, "Łukasz", "Żółć", "80"), begona, room, 10, nil)
	f.book(t, f.patient(t, "María", "Peña", "90"), ruiz, f.room(t, "Sala 2"), 9, nil)

	pdf, err := f.docs.AgendaPDF(f.ctx, f.desk, time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC), store.AgendaFilter{})
	if err != nil {
		t.Fatal(err)
	}
	text, pages := pdfText(t, pdf)
	if pages != 2 {
		t.Errorf("pages: %d, want one per specialist (2)", pages)
	}
	wantAll(t, "agenda", text, "Agenda del lunes 7 de diciembre de 2026", "Agenda de Begoña Ibáñez", "Agenda de Tomás Ruiz",
		"José Núñez", "Łukasz Żółć", "María Peña", "Sala Añil", "09:00–10:00", "Página 1 de 2", "Página 2 de 2")

	// One specialist: one page, only theirs.
	pdf, err = f.docs.AgendaPDF(f.ctx, f.desk, time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC), store.AgendaFilter{SpecialistID: ruiz})
	if err != nil {
		t.Fatal(err)
	}
	text, pages = pdfText(t, pdf)
	if pages != 1 || strings.Contains(text, "Núñez") || !strings.Contains(text, "María Peña") {
		t.Errorf("one specialist: %d pages:\n%s", pages, text)
	}
	// The same document twice is the same bytes (dates from the clinic's clock).
	again, err := f.docs.AgendaPDF(f.ctx, f.desk, time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC), store.AgendaFilter{SpecialistID: ruiz})
	if err != nil || !bytes.Equal(pdf, again) {
		t.Errorf("not reproducible (err %v)", err)
	}
}

// The cash close prints each method's total, matching the payments listed,
// in the clinic's money format; English words in an English locale.
func TestCashClosePDF(t *testing.T) {
	t.Parallel()
	f := newFixture(t, i18n.EN)
	spec := f.specialist(t, "Begoña", "Ibáñez")
	room := f.room(t, "Sala 1")
	pay := func(amount, method string) *store.PaymentInput {
		d := decimal.RequireFromString(amount)
		return &store.PaymentInput{Amount: &d, Method: method}
	}
	f.book(t, f.patient(t, "José", "Núñez", "100"), spec, room, 8, pay("1250.50", store.MethodCash))
	f.book(t, f.patient(t, "Ana", "Peña", "80"), spec, room, 9, pay("80", store.MethodCash))
	f.book(t, f.patient(t, "Iñigo", "Suárez", "80"), spec, room, 10, pay("45.25", store.MethodTransfer))

	pdf, err := f.docs.CashClosePDF(f.ctx, f.desk, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	text, _ := pdfText(t, pdf)
	wantAll(t, "cash close", text, "Cash close for Monday, December 7, 2026", "José Núñez", "Iñigo Suárez",
		"S/ 1,375.75", "S/ 1,330.50", "S/ 45.25", "S/ 0.00", "transfer")
	for _, line := range strings.Split(text, "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == "cash" && !strings.Contains(line, "S/ 1,330.50") {
			t.Errorf("cash line: %q", line)
		}
	}
	if strings.Contains(text, "4,321.98") {
		t.Error("the cash close shows a specialist's pay")
	}
}

// The statement shows the balance a patient owes; the receipt the amount,
// method and reference of one payment.
func TestStatementAndReceiptPDF(t *testing.T) {
	t.Parallel()
	f := newFixture(t, i18n.ES)
	spec := f.specialist(t, "Begoña", "Ibáñez")
	room := f.room(t, "Sala 1")
	pat := f.patient(t, "José", "Núñez", "100")
	s1 := f.book(t, pat, spec, room, 8, nil)
	s2 := f.book(t, pat, spec, room, 9, &store.PaymentInput{Method: store.MethodCard, Reference: "VOUCHER-9"})
	if _, err := f.tn.CompleteSession(f.ctx, f.admin, s1.ID, "Bien"); err != nil {
		t.Fatal(err)
	}
	pdf, err := f.docs.StatementPDF(f.ctx, f.desk, pat)
	if err != nil {
		t.Fatal(err)
	}
	text, _ := pdfText(t, pdf)
	wantAll(t, "statement", text, "Estado de cuenta", "José Núñez", "Begoña Ibáñez", "adeuda", "Saldo pendiente",
		"Total pagado", "07/12/2026 · tarjeta")
	if !regexp.MustCompile(`Saldo pendiente\s+S/ 100\.00`).MatchString(text) ||
		!regexp.MustCompile(`Total pagado\s+S/ 100\.00`).MatchString(text) {
		t.Errorf("totals:\n%s", text)
	}

	pdf, err = f.docs.ReceiptPDF(f.ctx, f.desk, s2.ID)
	if err != nil {
		t.Fatal(err)
	}
	text, _ = pdfText(t, pdf)
	wantAll(t, "receipt", text, "Recibo n.º", "Recibimos de", "José Núñez", "S/ 100.00", "tarjeta · VOUCHER-9",
		"Begoña Ibáñez", "Recepción Ñuñoa")
	var se *store.StatusError
	if _, err := f.docs.ReceiptPDF(f.ctx, f.desk, s1.ID); !errors.As(err, &se) {
		t.Errorf("receipt of an unpaid session: %v", err)
	}
}

// Text others typed cannot smuggle control characters into a document:
// they are drawn as visible pictures.
func TestHostileTextIsDrawnVisibly(t *testing.T) {
	t.Parallel()
	f := newFixture(t, i18n.ES)
	spec := f.specialist(t, "Begoña", "Ibáñez")
	pat := f.patient(t, "Eve", "Mallory", "100")
	storetest.SetRaw(t, f.tn, "patients", "surname", pat, "Mallory\x1b[2J\x07")
	f.book(t, pat, spec, f.room(t, "Sala 1"), 9, nil)
	pdf, err := f.docs.AgendaPDF(f.ctx, f.desk, time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC), store.AgendaFilter{})
	if err != nil {
		t.Fatal(err)
	}
	text, _ := pdfText(t, pdf)
	if strings.ContainsAny(text, "\x1b\x07") || !strings.Contains(text, "Eve Mallory") {
		t.Errorf("hostile text:\n%q", text)
	}
}
