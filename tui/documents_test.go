package tui

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"consultorio/store"
	"consultorio/tui/tuitest"
)

// From the payments screen at 80x24: c opens today's cash close (totals
// by method), , and . move by day; r opens the receipt of the selected
// paid payment. Every key is shown in the help line.
func TestCashCloseAndReceiptScreens(t *testing.T) {
	t.Parallel()
	f := newAgFixture(t)
	a := f.book(0, 0, 0, 9, 0, 60)
	b := f.book(1, 1, 1, 10, 0, 60)
	c := f.book(2, 0, 0, 11, 0, 60)
	for i, s := range []store.Session{a, b, c} {
		amt := decimal.NewFromInt(int64(70 + 10*i))
		method := []string{store.MethodCash, store.MethodCash, store.MethodTransfer}[i]
		if _, err := f.tn.MarkPaid(f.ctx, f.actor, s.ID, store.PaymentInput{Amount: &amt, Method: method, Reference: "OP-7"}); err != nil {
			t.Fatal(err)
		}
	}
	term := f.start(t, 80, 24)
	term.WaitFor(t, "María Rojas")
	term.Key("6")
	term.WaitFor(t, "Pagos · diciembre 2026", "c cierre de caja", "r recibo")
	term.Key("c")
	term.WaitFor(t, "Cierre de caja del martes 1 de diciembre de 2026", "efectivo", "S/ 150.00", "transferencia",
		"S/ 90.00", "S/ 240.00", "Ana García", "Rosa Huamán", "cash-close --date 2026-12-01 --pdf > caja.pdf",
		", día anterior", ". día siguiente")
	term.Key(",")
	term.WaitFor(t, "Cierre de caja del lunes 30 de noviembre de 2026", "No hay pagos registrados ese día.")
	term.Key("t")
	term.WaitFor(t, "Cierre de caja del martes 1 de diciembre de 2026", "S/ 240.00")
	term.Key("esc")
	term.WaitFor(t, "Pagos · diciembre 2026")
	term.Key("r")
	term.WaitFor(t, "Recibo n.º", "Recibimos de", "Ana García", "S/ 70.00", "efectivo · OP-7", "Luis Soto",
		"payments receipt "+strconv.FormatInt(a.ID, 10)+" --pdf > recibo.pdf")
}

// The PDF hints name the file in the user's language: an English-speaking
// receptionist saves cash-close.pdf and receipt.pdf, not caja.pdf.
func TestDocumentHintsEnglish(t *testing.T) {
	t.Parallel()
	f := newAgFixture(t)
	a := f.book(0, 0, 0, 9, 0, 60)
	if _, err := f.tn.MarkPaid(f.ctx, f.actor, a.ID, store.PaymentInput{Method: store.MethodCash}); err != nil {
		t.Fatal(err)
	}
	u, _, err := f.tn.CreateUser(f.ctx, store.System, store.NewUser{Email: "rosa@clinic-a.test", Name: "Rosa Quispe",
		Role: store.RoleReception, Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	term := tuitest.Start(t, NewClinicApp(context.Background(), ClinicSession{Tenant: f.tn, User: u,
		RemoteAddr: "192.0.2.1:1", Width: 80, Height: 24, DarkBackground: true}), 80, 24)
	term.WaitFor(t, "Rosa Quispe · Reception")
	term.Key("6")
	term.WaitFor(t, "c cash close", "r receipt")
	term.Key("c")
	s := term.WaitFor(t, "Cash close for Tuesday, December 1, 2026", "cash-close --date 2026-12-01 --pdf > cash-close.pdf")
	if strings.Contains(s, "caja") {
		t.Fatalf("a Spanish file name on an English screen:\n%s", s)
	}
	term.Key("esc")
	term.Key("r")
	term.WaitFor(t, "payments receipt "+strconv.FormatInt(a.ID, 10)+" --pdf > receipt.pdf")
}

// From the patient file: s opens the statement, with the balance owed.
// Reception has it too (a specialist is refused by the store:
// TestPermissionMatrix).
func TestStatementScreen(t *testing.T) {
	t.Parallel()
	pc := newPatientsClinic(t)
	for _, u := range []*store.User{pc.admin, pc.reception} {
		term := pc.start(t, u, 80, 24)
		term.Key("/")
		term.Type("quispe m")
		term.Key("enter")
		term.WaitUntil(t, "the search narrows to Ana", func(s string) bool {
			return strings.Contains(s, "Quispe Mamani") && !strings.Contains(s, "Torres Vega") && !strings.Contains(s, "Cargando")
		})
		term.Key("enter")
		settled(t, term, "Pacientes › Quispe Mamani, Ana")
		if u == pc.reception { // the admin's help line is full: "?" lists the rest
			settled(t, term, "s estado de cuenta")
		}
		term.Key("s")
		term.WaitFor(t, "Estado de cuenta", "Ana Quispe Mamani", "19/11/2026 10:00", "Luis Soto", "completada",
			"! adeuda", "sin cargo aún", "Saldo pendiente: S/ 80.00", "patients statement "+strconv.FormatInt(pc.ana.ID, 10)+" --pdf")
	}
}
