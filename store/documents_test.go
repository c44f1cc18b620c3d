package store_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"consultorio/store"
)

// The cash close of a day totals, by method, exactly the payments marked
// paid with that date: not another day's, not unpaid ones; a pre-payment of
// a session cancelled later is still money in the till.
func TestCashClose(t *testing.T) {
	t.Parallel()
	f := newAgendaFixture(t, 0)
	spec := f.specialist("Rosa", "Mena", "percent", "40", true)
	room := f.room("Sala 1")
	pats := []int64{f.patient("José", "Núñez", "100"), f.patient("Ana", "Peña", "80"), f.patient("Luis", "Rojas", "90")}
	day := agDate(2026, 11, 9)
	var hour int
	pay := func(pat int64, amount, method string, date *time.Time) store.Session {
		t.Helper()
		hour++
		s := f.book(store.Booking{PatientID: pat, SpecialistID: spec, RoomID: room, Start: agAt(2026, 11, 9, 7+hour, 0)})
		if _, err := f.tn.MarkPaid(f.ctx, f.desk, s.ID, store.PaymentInput{Amount: agDecp(amount), Method: method, Date: date}); err != nil {
			t.Fatal(err)
		}
		return s
	}
	pay(pats[0], "100", store.MethodCash, day)
	pay(pats[1], "80.50", store.MethodCash, day)
	pay(pats[2], "90", store.MethodCard, day)
	pay(pats[0], "45.25", store.MethodTransfer, day)
	cancelled := pay(pats[1], "60", store.MethodCard, day)
	if _, err := f.tn.CancelSession(f.ctx, f.desk, cancelled.ID, store.CancelPatient, ""); err != nil {
		t.Fatal(err)
	}
	pay(pats[2], "999", store.MethodCash, agDate(2026, 11, 10)) // another day
	unpaid := pay(pats[2], "333", store.MethodCash, day)
	if _, err := f.tn.MarkUnpaid(f.ctx, f.desk, unpaid.ID); err != nil {
		t.Fatal(err)
	}

	cc, err := f.tn.CashClose(f.ctx, f.desk, *day)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, m := range cc.Methods {
		got[m.Method] = m.Total.StringFixed(2) + "/" + string(rune('0'+m.Count))
	}
	want := map[string]string{"cash": "180.50/2", "card": "150.00/2", "transfer": "45.25/1", "other": "0.00/0"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("method %s: got %s, want %s", k, got[k], v)
		}
	}
	if len(cc.Methods) != 4 || cc.Methods[0].Method != "cash" {
		t.Errorf("methods: %+v", cc.Methods)
	}
	agWantDec(t, "total", cc.Total, agDec("375.75"))
	if cc.Count != 5 || len(cc.Payments) != 5 {
		t.Errorf("count %d, payments %d", cc.Count, len(cc.Payments))
	}
	// The listed payments add up to the totals, method by method.
	sum := map[string]decimal.Decimal{}
	for _, p := range cc.Payments {
		sum[p.Method] = sum[p.Method].Add(p.Amount)
	}
	for _, m := range cc.Methods {
		agWantDec(t, "listed "+m.Method, sum[m.Method], m.Total)
	}
	// Zero day: today in the clinic (2026-11-10), the 999.
	today, err := f.tn.CashClose(f.ctx, f.admin, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if today.Day.Format(time.DateOnly) != "2026-11-10" {
		t.Errorf("default day %s", today.Day)
	}
	agWantDec(t, "today", today.Total, agDec("999"))
}

// A statement lists the patient's sessions with their payments; the balance
// is what completed sessions still owe; a cancelled session appears only
// when its payment is still paid.
func TestPatientStatement(t *testing.T) {
	t.Parallel()
	f := newAgendaFixture(t, 0)
	spec := f.specialist("Begoña", "Ibáñez", "fixed", "2500", true)
	room := f.room("Sala 1")
	pat := f.patient("José", "Núñez", "100")
	other := f.patient("Ana", "Peña", "80")
	at := func(d int) store.Session {
		return f.book(store.Booking{PatientID: pat, SpecialistID: spec, RoomID: room, Start: agAt(2026, 11, d, 9, 0)})
	}
	paidDone, owed, cancelledFree, cancelledPaid, upcoming := at(2), at(3), at(4), at(5), at(20)
	f.book(store.Booking{PatientID: other, SpecialistID: spec, RoomID: room, Start: agAt(2026, 11, 6, 9, 0)})
	for _, s := range []store.Session{paidDone, owed} {
		if _, err := f.tn.CompleteSession(f.ctx, f.admin, s.ID, "Bien"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.tn.MarkPaid(f.ctx, f.desk, paidDone.ID, store.PaymentInput{Date: agDate(2026, 11, 2)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.tn.MarkPaid(f.ctx, f.desk, cancelledPaid.ID, store.PaymentInput{Amount: agDecp("70")}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []store.Session{cancelledFree, cancelledPaid} {
		if _, err := f.tn.CancelSession(f.ctx, f.desk, s.ID, store.CancelPatient, ""); err != nil {
			t.Fatal(err)
		}
	}

	st, err := f.tn.PatientStatement(f.ctx, f.desk, pat)
	if err != nil {
		t.Fatal(err)
	}
	if st.PatientName != "José Núñez" {
		t.Errorf("name %q", st.PatientName)
	}
	var ids []int64
	for _, l := range st.Lines {
		ids = append(ids, l.SessionID)
	}
	wantIDs := []int64{paidDone.ID, owed.ID, cancelledPaid.ID, upcoming.ID}
	if len(ids) != len(wantIDs) {
		t.Fatalf("lines %v, want %v", ids, wantIDs)
	}
	for i := range ids {
		if ids[i] != wantIDs[i] {
			t.Errorf("line %d: session %d, want %d", i, ids[i], wantIDs[i])
		}
	}
	agWantDec(t, "paid", st.Paid, agDec("170"))
	agWantDec(t, "balance", st.Balance, agDec("100"))
	if !st.Lines[1].Owed || st.Lines[0].Owed || st.Lines[3].Amount != nil {
		t.Errorf("lines: %+v", st.Lines)
	}
	if _, err := f.tn.PatientStatement(f.ctx, f.desk, 999999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown patient: %v", err)
	}
}

// A receipt is for a paid payment only; it names the clinic, the payment and
// who issued it.
func TestPaymentReceipt(t *testing.T) {
	t.Parallel()
	f := newAgendaFixture(t, 0)
	spec := f.specialist("Rosa", "Mena", "percent", "40", true)
	pat := f.patient("José", "Núñez", "100")
	s := f.book(store.Booking{PatientID: pat, SpecialistID: spec, RoomID: f.room("Sala 1"), Start: agAt(2026, 11, 9, 9, 0)})
	if _, err := f.tn.CompleteSession(f.ctx, f.admin, s.ID, "Bien"); err != nil {
		t.Fatal(err)
	}
	var se *store.StatusError
	if _, err := f.tn.PaymentReceipt(f.ctx, f.desk, s.ID); !errors.As(err, &se) {
		t.Errorf("receipt of an unpaid payment: %v", err)
	}
	if _, err := f.tn.MarkPaid(f.ctx, f.desk, s.ID, store.PaymentInput{Method: store.MethodCard, Reference: "V-77"}); err != nil {
		t.Fatal(err)
	}
	r, err := f.tn.PaymentReceipt(f.ctx, f.desk, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Number == 0 || r.Payment.PatientName != "José Núñez" || r.Payment.Method != "card" || r.Payment.Reference != "V-77" ||
		r.IssuedBy != "Desk" || r.Clinic == "" || r.Payment.PaidOn.Format(time.DateOnly) != "2026-11-10" {
		t.Errorf("receipt: %+v", r)
	}
}

// None of the documents reception gets carries a specialist's pay: the
// values are made of payments, and their JSON has no compensation field.
func TestDocumentsCarryNoSpecialistPay(t *testing.T) {
	t.Parallel()
	f := newAgendaFixture(t, 0)
	spec := f.specialist("Rosa", "Mena", "fixed", "4321.98", true)
	pat := f.patient("José", "Núñez", "100")
	s := f.book(store.Booking{PatientID: pat, SpecialistID: spec, RoomID: f.room("Sala 1"), Start: agAt(2026, 11, 10, 9, 0)})
	if _, err := f.tn.MarkPaid(f.ctx, f.desk, s.ID, store.PaymentInput{}); err != nil {
		t.Fatal(err)
	}
	cc, err1 := f.tn.CashClose(f.ctx, f.desk, time.Time{})
	st, err2 := f.tn.PatientStatement(f.ctx, f.desk, pat)
	r, err3 := f.tn.PaymentReceipt(f.ctx, f.desk, s.ID)
	if err := errors.Join(err1, err2, err3); err != nil {
		t.Fatal(err)
	}
	if cc.Count != 1 || len(st.Lines) != 1 || r.Number == 0 {
		t.Fatalf("documents are empty: %d %d %d", cc.Count, len(st.Lines), r.Number)
	}
	for name, v := range map[string]any{"cash close": cc, "statement": st, "receipt": r} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"comp_", "4321.98", "earning", "payroll"} {
			if strings.Contains(string(b), bad) {
				t.Errorf("%s carries %q: %s", name, bad, b)
			}
		}
	}
}
