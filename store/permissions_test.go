package store_test

import (
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"consultorio/store"
)

// errRefused: an operation answered, but left out what the role may not
// see (the store shapes reads instead of refusing them).
var errRefused = errors.New("left out for the role")

// TestPermissionMatrix holds the store to PRODUCT.md §4's roles matrix, row
// by row, for admin, a specialist (acting on their own patient, session or
// record unless the row says another's) and reception: the exported
// Actor.May… rule the doors use to show or hide says the same as the
// operation itself, which refuses (ForbiddenError or not found) or leaves
// the thing out.
func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	f := newAgendaFixture(t, 0)
	specA, specB := f.specialist("Rosa", "Mena", "fixed", "2500", true), f.specialist("Juan", "Soto", "percent", "40", true)
	room := f.room("Sala 1")
	doc := f.user("rosa@clinic-a.test", "Rosa", store.RoleSpecialist, specA)
	ownPat, otherPat := f.patient("Luis", "Rojas", "90"), f.patient("Eva", "Luna", "80")
	f.exec(func(tx pgx.Tx) error {
		_, err := tx.Exec(f.ctx, `update patients set therapist_id = $1 where id = $2`, specA, ownPat)
		if err == nil {
			_, err = tx.Exec(f.ctx, `update patients set therapist_id = $1 where id = $2`, specB, otherPat)
		}
		return err
	})
	day := agAt(2026, 11, 23, 8, 0)
	sessA := f.book(store.Booking{PatientID: ownPat, SpecialistID: specA, RoomID: room, Start: day})
	sessB := f.book(store.Booking{PatientID: otherPat, SpecialistID: specB, RoomID: f.room("Sala 2"), Start: day})
	// Every booking of the matrix gets its own hour, in a room of its own.
	var slot atomic.Int64
	nextStart := func() time.Time { return day.AddDate(0, 0, 1).Add(time.Duration(slot.Add(1)) * time.Hour) }
	book := func(a store.Actor, spec int64, prepaid bool) error {
		_, err := f.tn.BookSession(f.ctx, a, store.Booking{PatientID: ownPat, SpecialistID: spec,
			RoomID: f.room(fmt.Sprintf("Sala %d", 100+slot.Load())), Start: nextStart(), PaidInAdvance: prepaid})
		return err
	}
	clinical := func(patientID int64) func(store.Actor) error {
		return func(a store.Actor) error {
			p, err := f.tn.GetPatient(f.ctx, a, patientID)
			if err == nil && !p.ClinicalVisible {
				return errRefused
			}
			return err
		}
	}
	writeClinical := func(patientID int64) func(store.Actor) error {
		return func(a store.Actor) error {
			p, err := f.tn.GetPatient(f.ctx, f.admin, patientID)
			if err != nil {
				return err
			}
			in := p.Input()
			in.MedicalDiagnosis = "F41.1 " + a.Email
			_, err = f.tn.UpdatePatient(f.ctx, a, patientID, in)
			return err
		}
	}
	pay := func(specialistID int64) func(store.Actor) error {
		return func(a store.Actor) error {
			s, err := f.tn.GetSpecialist(f.ctx, a, specialistID)
			if err == nil && (s.PayHidden || s.CompValue.IsZero()) {
				return errRefused
			}
			return err
		}
	}
	for _, id := range []int64{sessA.ID, sessB.ID} {
		if _, err := f.tn.MarkPaid(f.ctx, f.admin, id, store.PaymentInput{}); err != nil {
			t.Fatal(err)
		}
	}
	receipt := func(sessionID int64) func(store.Actor) error {
		return func(a store.Actor) error { _, err := f.tn.PaymentReceipt(f.ctx, a, sessionID); return err }
	}
	month := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var rooms atomic.Int64

	type want struct{ admin, specialist, reception bool }
	rows := []struct {
		capability string
		may        func(store.Actor) bool // nil: decided per record by the operation alone
		op         func(store.Actor) error
		want       want
	}{
		{"patients: register (demographics rw)", store.Actor.MayWritePatients,
			func(a store.Actor) error {
				_, err := f.tn.CreatePatient(f.ctx, a, store.PatientInput{FirstName: "Ana", Surname: "Díaz",
					BirthDate: time.Date(1990, 1, 2, 0, 0, 0, 0, time.UTC)})
				return err
			}, want{true, false, true}},
		{"patients: read demographics of own patient", nil,
			func(a store.Actor) error { _, err := f.tn.GetPatient(f.ctx, a, ownPat); return err }, want{true, true, true}},
		{"patients: clinical fields of own patient, read", store.Actor.MayReadClinical, clinical(ownPat), want{true, true, false}},
		{"patients: clinical fields of another's patient, read", nil, clinical(otherPat), want{true, false, false}},
		{"patients: clinical fields of own patient, write", nil, writeClinical(ownPat), want{true, true, false}},
		{"patients: clinical fields of another's patient, write", nil, writeClinical(otherPat), want{true, false, false}},
		{"sessions: book own", func(a store.Actor) bool { return a.MayBook(specA) },
			func(a store.Actor) error { return book(a, specA, false) }, want{true, true, true}},
		{"sessions: book another specialist's", func(a store.Actor) bool { return a.MayBook(specB) },
			func(a store.Actor) error { return book(a, specB, false) }, want{true, false, true}},
		{"sessions: see own", func(a store.Actor) bool { return a.MaySeeSessionsOf(specA) },
			func(a store.Actor) error { _, err := f.tn.GetSession(f.ctx, a, sessA.ID); return err }, want{true, true, true}},
		{"sessions: see another specialist's", func(a store.Actor) bool { return a.MaySeeSessionsOf(specB) },
			func(a store.Actor) error { _, err := f.tn.GetSession(f.ctx, a, sessB.ID); return err }, want{true, false, true}},
		{"sessions: plan and result of own", func(a store.Actor) bool { return a.MayRecord(specA) },
			func(a store.Actor) error {
				_, err := f.tn.UpdateSessionPlan(f.ctx, a, sessA.ID, store.Plan{Objective: "respirar"})
				return err
			}, want{true, true, false}},
		{"sessions: plan and result of another's", func(a store.Actor) bool { return a.MayRecord(specB) },
			func(a store.Actor) error {
				_, err := f.tn.UpdateSessionPlan(f.ctx, a, sessB.ID, store.Plan{Objective: "respirar"})
				return err
			}, want{true, false, false}},
		{"sessions: plan and result are shown", store.Actor.MaySeePlans,
			func(a store.Actor) error {
				s, err := f.tn.GetSession(f.ctx, a, sessA.ID)
				if err == nil && s.PlanHidden {
					return errRefused
				}
				return err
			}, want{true, true, false}},
		{"payments: mark paid (booked paid in advance)", store.Actor.MayWritePayments,
			func(a store.Actor) error { return book(a, specA, true) }, want{true, false, true}},
		{"receipts: own session's payment", func(a store.Actor) bool { return a.MaySeeSessionsOf(specA) },
			receipt(sessA.ID), want{true, true, true}},
		{"receipts: another specialist's session's payment", func(a store.Actor) bool { return a.MaySeeSessionsOf(specB) },
			receipt(sessB.ID), want{true, false, true}},
		{"cash close", store.Actor.MayCloseCash,
			func(a store.Actor) error { _, err := f.tn.CashClose(f.ctx, a, time.Time{}); return err }, want{true, false, true}},
		{"patient statement (own patient)", store.Actor.MayIssueStatements,
			func(a store.Actor) error { _, err := f.tn.PatientStatement(f.ctx, a, ownPat); return err }, want{true, false, true}},
		{"finance dashboard", store.Actor.MayManageFinance,
			func(a store.Actor) error { _, err := f.tn.Finance(f.ctx, a, month); return err }, want{true, false, false}},
		{"expenses", store.Actor.MayManageFinance,
			func(a store.Actor) error { _, err := f.tn.ListExpenses(f.ctx, a, month); return err }, want{true, false, false}},
		{"payroll: own pay", func(a store.Actor) bool { return a.MaySeeSpecialistPay(specA) }, pay(specA), want{true, true, false}},
		{"payroll: a colleague's pay", func(a store.Actor) bool { return a.MaySeeSpecialistPay(specB) }, pay(specB), want{true, false, false}},
		{"staff users: read", store.Actor.MaySeeClinicSetup,
			func(a store.Actor) error { _, err := f.tn.ListUsers(f.ctx, a); return err }, want{true, false, true}},
		{"rooms: create", store.Actor.MayManageClinic,
			func(a store.Actor) error {
				_, err := f.tn.CreateRoom(f.ctx, a, store.RoomInput{Name: fmt.Sprintf("Consultorio %d", rooms.Add(1)), Capacity: 1})
				return err
			}, want{true, false, false}},
		{"clinic settings: change", store.Actor.MayManageClinic,
			func(a store.Actor) error {
				s, err := f.tn.Settings(f.ctx)
				if err == nil {
					_, err = f.tn.UpdateSettings(f.ctx, a, s)
				}
				return err
			}, want{true, false, false}},
		{"audit log: read", store.Actor.MayReadAudit,
			func(a store.Actor) error { _, err := f.tn.AuditLog(f.ctx, a, store.AuditFilter{}); return err }, want{true, false, false}},
	}
	actors := []struct {
		name  string
		actor store.Actor
		want  func(want) bool
	}{
		{"admin", f.admin, func(w want) bool { return w.admin }},
		{"specialist", doc, func(w want) bool { return w.specialist }},
		{"reception", f.desk, func(w want) bool { return w.reception }},
	}
	for _, r := range rows {
		for _, a := range actors {
			allowed := a.want(r.want)
			if r.may != nil && r.may(a.actor) != allowed {
				t.Errorf("%s, %s: the May rule says %v, the matrix %v", r.capability, a.name, !allowed, allowed)
			}
			err := r.op(a.actor)
			refused := agForbidden(err) || errors.Is(err, store.ErrNotFound) || errors.Is(err, errRefused)
			switch {
			case err != nil && !refused:
				t.Errorf("%s, %s: %v", r.capability, a.name, err)
			case refused == allowed:
				t.Errorf("%s, %s: the operation answered %v, the matrix says allowed=%v", r.capability, a.name, err, allowed)
			}
		}
	}
	// A user with the specialist role but no specialist record owns nothing.
	nobody := store.Actor{UserID: doc.UserID, Role: store.RoleSpecialist}
	if nobody.MayBook(0) || nobody.MayRecord(0) || nobody.MaySeeSpecialistPay(0) || nobody.MayEditClinical(&store.Patient{ClinicalVisible: true}) {
		t.Error("a specialist without a specialist record was allowed something of specialist 0")
	}
	if (store.Actor{}).MayManageKeysOf(0) {
		t.Error("an actor with no role and no user may manage the keys of user 0")
	}
}
