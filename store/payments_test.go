package store_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"consultorio/store"
)

// Every paid/unpaid change writes a log row with the amount, method,
// reference and user of that change, and an audit row.
func TestPaymentLog(t *testing.T) {
	t.Parallel()
	f := newAgendaFixture(t, 0)
	pat := f.patient("Luis", "Rojas", "100")
	spec := f.specialist("Rosa", "Mena", "percent", "40", true)
	room := f.room("Sala 1")
	s := f.book(store.Booking{PatientID: pat, SpecialistID: spec, RoomID: room, Start: agAt(2026, 11, 9, 10, 0)})

	if _, err := f.tn.MarkUnpaid(f.ctx, f.desk, s.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unpaid without payment: %v", err)
	}
	if _, err := f.tn.CompleteSession(f.ctx, f.admin, s.ID, "Bien"); err != nil {
		t.Fatal(err)
	}
	p, err := f.tn.MarkPaid(f.ctx, f.desk, s.ID, store.PaymentInput{Amount: agDecp("90"), Method: store.MethodTransfer,
		Reference: "OP-1", Date: agDate(2026, 11, 9)})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Paid || !p.Amount.Equal(agDec("90")) || p.Method != "transfer" || p.PaidOn.Format(time.DateOnly) != "2026-11-09" {
		t.Errorf("paid: %+v", p)
	}
	if p, err = f.tn.MarkUnpaid(f.ctx, f.admin, s.ID); err != nil || p.Paid || p.PaidOn != nil {
		t.Fatalf("unpaid: %+v %v", p, err)
	}
	// Unpaid again: no change, no log row.
	if _, err := f.tn.MarkUnpaid(f.ctx, f.admin, s.ID); err != nil {
		t.Fatal(err)
	}
	// Defaults: the payment's amount, cash, today in Lima (the clock is
	// 2026-11-10 12:00 Lima).
	if p, err = f.tn.MarkPaid(f.ctx, f.desk, s.ID, store.PaymentInput{}); err != nil {
		t.Fatal(err)
	}
	if !p.Amount.Equal(agDec("90")) || p.Method != "cash" || p.PaidOn.Format(time.DateOnly) != "2026-11-10" {
		t.Errorf("defaults: %+v", p)
	}
	log, err := f.tn.PaymentLog(f.ctx, f.admin, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range log {
		got = append(got, fmt.Sprintf("%s %s %s %s %s", e.Action, e.Amount.StringFixed(2), e.Method, e.Reference, e.UserName))
	}
	want := []string{
		"created 100.00   Admin clinic-a",
		"paid 90.00 transfer OP-1 Desk",
		"unpaid 90.00 transfer OP-1 Admin clinic-a",
		"paid 90.00 cash  Desk",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("log:\n got %q\nwant %q", got, want)
	}
	audits, err := f.tn.AuditLog(f.ctx, f.admin, store.AuditFilter{Entity: "payment"})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, a := range audits {
		actions = append(actions, a.Action)
	}
	if fmt.Sprint(actions) != "[paid unpaid paid create]" {
		t.Errorf("payment audit (newest first): %v", actions)
	}

	// Validation: future date, negative amount, unknown method, 3 decimals.
	for field, in := range map[string]store.PaymentInput{
		"paid_on": {Date: agDate(2026, 11, 11)},
		"amount":  {Amount: agDecp("-1")},
		"method":  {Method: "bitcoin"},
	} {
		if _, err := f.tn.MarkPaid(f.ctx, f.desk, s.ID, in); !agInvalid(err, field) {
			t.Errorf("%s: %v", field, err)
		}
	}
	if _, err := f.tn.MarkPaid(f.ctx, f.desk, s.ID, store.PaymentInput{Amount: agDecp("1.005")}); !agInvalid(err, "amount") {
		t.Errorf("3 decimals: %v", err)
	}
	// A cancelled session without payment cannot be charged; a planned one can
	// (that is a payment in advance).
	c := f.book(store.Booking{PatientID: pat, SpecialistID: spec, RoomID: room, Start: agAt(2026, 11, 12, 10, 0)})
	if _, err := f.tn.CancelSession(f.ctx, f.desk, c.ID, store.CancelPatient, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.tn.MarkPaid(f.ctx, f.desk, c.ID, store.PaymentInput{}); !agStatusErr(err) {
		t.Errorf("charging a cancelled session: %v", err)
	}
	open := f.book(store.Booking{PatientID: pat, SpecialistID: spec, RoomID: room, Start: agAt(2026, 11, 13, 10, 0)})
	if p, err := f.tn.MarkPaid(f.ctx, f.desk, open.ID, store.PaymentInput{}); err != nil || !p.Amount.Equal(agDec("100")) {
		t.Errorf("paying a planned session: %+v %v", p, err)
	}
}

// The payments list of a month: paid ones by their date, unpaid ones by
// their session's start; totals cover the whole match.
func TestListPayments(t *testing.T) {
	t.Parallel()
	f := newAgendaFixture(t, 0)
	f.clock.Set(agAt(2026, 12, 3, 12, 0))
	p1, p2 := f.patient("Luis", "Rojas", "100"), f.patient("Eva", "Paz", "80")
	rosa, juan := f.specialist("Rosa", "Mena", "percent", "40", true), f.specialist("Juan", "Soto", "percent", "40", true)
	room := f.room("Sala 1")
	complete := func(pat, spec int64, start time.Time) int64 {
		s := f.book(store.Booking{PatientID: pat, SpecialistID: spec, RoomID: room, Start: start})
		if _, err := f.tn.CompleteSession(f.ctx, f.admin, s.ID, "ok"); err != nil {
			t.Fatal(err)
		}
		return s.ID
	}
	a := complete(p1, rosa, agAt(2026, 10, 30, 10, 0)) // October session paid in November: November
	b := complete(p2, juan, agAt(2026, 11, 5, 10, 0))  // unpaid November session
	c := complete(p1, juan, agAt(2026, 11, 6, 10, 0))  // November session paid in December: not November
	complete(p2, rosa, agAt(2026, 12, 1, 10, 0))       // unpaid December session
	for id, d := range map[int64]*time.Time{a: agDate(2026, 11, 2), c: agDate(2026, 12, 1)} {
		if _, err := f.tn.MarkPaid(f.ctx, f.desk, id, store.PaymentInput{Date: d}); err != nil {
			t.Fatal(err)
		}
	}
	nov := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	l, err := f.tn.ListPayments(f.ctx, f.desk, store.PaymentFilter{Month: nov})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Payments) != 2 || l.Payments[0].SessionID != a || l.Payments[1].SessionID != b {
		t.Errorf("november: %+v", l.Payments)
	}
	agWantDec(t, "total paid", l.TotalPaid, agDec("100"))
	agWantDec(t, "total unpaid", l.TotalUnpaid, agDec("80"))
	l, err = f.tn.ListPayments(f.ctx, f.desk, store.PaymentFilter{Unpaid: true})
	if err != nil || len(l.Payments) != 2 || !l.TotalPaid.IsZero() || !l.TotalUnpaid.Equal(agDec("160")) {
		t.Errorf("unpaid: %+v %v", l, err)
	}
	l, err = f.tn.ListPayments(f.ctx, f.desk, store.PaymentFilter{SpecialistID: juan, Limit: 1})
	if err != nil || len(l.Payments) != 1 || !l.TotalPaid.Equal(agDec("100")) || !l.TotalUnpaid.Equal(agDec("80")) {
		t.Errorf("juan, limit 1 (totals of all): %+v %v", l, err)
	}
	l, err = f.tn.ListPayments(f.ctx, f.desk, store.PaymentFilter{PatientID: p2})
	if err != nil || len(l.Payments) != 2 || l.Payments[0].PatientName != "Eva Paz" {
		t.Errorf("patient: %+v %v", l, err)
	}
}

// Marking a paid payment paid again used to overwrite it and log a second
// collection; now it is refused, changes nothing, and after "unpaid" the
// correction goes through.
func TestMarkPaidTwiceIsRefused(t *testing.T) {
	t.Parallel()
	f := newAgendaFixture(t, 0)
	pat := f.patient("Lara", "Quispe", "80")
	spec := f.specialist("Rosa", "Mena", "percent", "40", true)
	room := f.room("Sala 1")
	s := f.book(store.Booking{PatientID: pat, SpecialistID: spec, RoomID: room, Start: agAt(2026, 11, 9, 10, 0)})
	if _, err := f.tn.MarkPaid(f.ctx, f.desk, s.ID, store.PaymentInput{Method: store.MethodCard}); err != nil {
		t.Fatal(err)
	}
	_, err := f.tn.MarkPaid(f.ctx, f.desk, s.ID, store.PaymentInput{Amount: agDecp("50"), Method: store.MethodCash})
	var ap *store.AlreadyPaidError
	if !errors.As(err, &ap) || ap.SessionID != s.ID || !ap.Amount.Equal(agDec("80")) || ap.PaidOn == nil {
		t.Fatalf("second mark paid: %v", err)
	}
	p, err := f.tn.GetPayment(f.ctx, f.admin, s.ID)
	if err != nil || !p.Amount.Equal(agDec("80")) || p.Method != store.MethodCard {
		t.Fatalf("payment changed: %+v %v", p, err)
	}
	if _, err := f.tn.MarkUnpaid(f.ctx, f.desk, s.ID); err != nil {
		t.Fatal(err)
	}
	if p, err = f.tn.MarkPaid(f.ctx, f.desk, s.ID, store.PaymentInput{Amount: agDecp("50")}); err != nil || !p.Amount.Equal(agDec("50")) {
		t.Fatalf("correction: %+v %v", p, err)
	}
	log, err := f.tn.PaymentLog(f.ctx, f.admin, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range log {
		actions = append(actions, e.Action)
	}
	if fmt.Sprint(actions) != "[paid unpaid paid]" {
		t.Errorf("payment log %v", actions)
	}
}
