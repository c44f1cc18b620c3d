package mail_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"consultorio/mail"
	"consultorio/mail/mailtest"
	"consultorio/store"
	"consultorio/store/storetest"
	"consultorio/tui/sshline"
)

// Monday 7 December 2026, 08:00 in Lima (UTC-5).
var t0 = time.Date(2026, 12, 7, 13, 0, 0, 0, time.UTC)

type fixture struct {
	db     *store.DB
	clock  *storetest.Clock
	tn     *store.Tenant
	pit    *mailtest.Mailpit
	sender *mail.Sender
	ctx    context.Context
}

func connectLine(user string) string {
	return sshline.Addr{Host: "clinic.example.com", Port: 2222}.For(user)
}

func newFixture(t *testing.T, schema string) *fixture {
	t.Helper()
	clock := storetest.NewClock(t0)
	db := storetest.NewDBWith(t, store.Options{Clock: clock})
	tn, _ := storetest.NewTenant(t, db, schema)
	pit := mailtest.Start(t)
	f := &fixture{db: db, clock: clock, tn: tn, pit: pit, ctx: context.Background()}
	f.sender = f.newSender()
	return f
}

func (f *fixture) newSender() *mail.Sender {
	return mail.NewSender(mail.Config{Host: "127.0.0.1", Port: f.pit.SMTPPort, Security: mail.NoTLS,
		From: "no-reply@consultorio.test", Timeout: 5 * time.Second},
		f.db, connectLine, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

func (f *fixture) send(t *testing.T) mail.Result {
	t.Helper()
	r, err := f.sender.SendTenant(f.ctx, f.tn)
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	return r
}

func (f *fixture) outbox(t *testing.T) []store.OutboxItem {
	t.Helper()
	items, err := f.tn.Outbox(f.ctx, store.System, 0)
	if err != nil {
		t.Fatalf("outbox: %v", err)
	}
	return items
}

// agenda books sessions: a specialist, a room and patients with e-mail.
type agenda struct {
	specialist store.Specialist
	room       store.Room
}

func (f *fixture) agenda(t *testing.T) agenda {
	t.Helper()
	sp, err := f.tn.CreateSpecialist(f.ctx, store.System, store.SpecialistInput{FirstName: "Ana", LastName: "Núñez",
		Document: "40000001", Email: "ana@clinic.test"})
	if err != nil {
		t.Fatal(err)
	}
	room, err := f.tn.CreateRoom(f.ctx, store.System, store.RoomInput{Name: "Sala 1", Capacity: 1})
	if err != nil {
		t.Fatal(err)
	}
	return agenda{specialist: sp, room: room}
}

func (f *fixture) patient(t *testing.T, first, email string) store.Patient {
	t.Helper()
	p, err := f.tn.CreatePatient(f.ctx, store.System, store.PatientInput{FirstName: first, Surname: "Peña",
		BirthDate: time.Date(1990, 1, 2, 0, 0, 0, 0, time.UTC), Email: email})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *fixture) book(t *testing.T, a agenda, p store.Patient, start time.Time) store.Session {
	t.Helper()
	ss, err := f.tn.BookSession(f.ctx, store.System, store.Booking{PatientID: p.ID, SpecialistID: a.specialist.ID,
		RoomID: a.room.ID, Start: start, DurationMin: 45})
	if err != nil {
		t.Fatalf("book: %v", err)
	}
	return ss[0]
}

func (f *fixture) patientMail(t *testing.T, hours int) {
	t.Helper()
	if _, err := f.tn.UpdateMailSettings(f.ctx, store.System, store.MailSettings{FromName: "Clínica Sur",
		PatientMail: true, ReminderHours: hours, AgendaAt: "19:00"}); err != nil {
		t.Fatal(err)
	}
}

// parseICS unfolds an iCalendar object and returns its properties by name
// (the first of each), checking the line ends and the VEVENT block.
func parseICS(t *testing.T, data []byte) map[string]string {
	t.Helper()
	s := string(data)
	if !strings.HasSuffix(s, "\r\n") || strings.Contains(strings.ReplaceAll(s, "\r\n", ""), "\n") {
		t.Fatalf("ics lines must end in CRLF: %q", s)
	}
	for _, line := range strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n") {
		if len(line) > 75 {
			t.Errorf("line longer than 75 octets: %q", line)
		}
	}
	s = strings.ReplaceAll(s, "\r\n ", "")
	props := map[string]string{}
	for _, line := range strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n") {
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("ics line without a colon: %q", line)
		}
		if _, seen := props[name]; !seen {
			props[name] = value
		}
	}
	for _, want := range []string{"BEGIN", "UID", "DTSTART", "DTEND", "DTSTAMP", "SUMMARY"} {
		if props[want] == "" {
			t.Errorf("ics lacks %s: %q", want, data)
		}
	}
	return props
}

func TestInvitationArrivesOnceWithCodeAndSSHLine(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "mailinv")
	u, code, err := f.tn.CreateUser(f.ctx, store.System, store.NewUser{Email: "rosa@clinic.test", Name: "Rosa Díaz",
		Role: store.RoleReception})
	if err != nil {
		t.Fatal(err)
	}
	items := f.outbox(t)
	if len(items) != 1 || items[0].Kind != store.MailInvitation || items[0].State != store.MailPending ||
		items[0].Recipient != u.Email {
		t.Fatalf("outbox after CreateUser = %+v", items)
	}
	if r := f.send(t); r.Sent != 1 || r.Failed != 0 {
		t.Fatalf("send = %+v: %v", r, f.outbox(t)[0].LastError)
	}
	if r := f.send(t); r.Sent != 0 {
		t.Fatalf("a second run sent again: %+v", r)
	}
	got := f.pit.To("rosa@clinic.test")
	if len(got) != 1 {
		t.Fatalf("mailpit holds %d messages for rosa, want 1", len(got))
	}
	m := f.pit.Message(got[0].ID)
	if m.Subject != "Su acceso a Clínica mailinv" {
		t.Errorf("subject = %q", m.Subject)
	}
	if m.From.Address != "no-reply@consultorio.test" || m.From.Name != "Clínica mailinv" {
		t.Errorf("from = %+v", m.From)
	}
	for _, want := range []string{"Hola, Rosa Díaz:", "ssh -p 2222 mailinv@clinic.example.com", code, "recepción"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("body lacks %q:\n%s", want, m.Text)
		}
	}
	// The code in the e-mail is the one that logs in; once sent, the outbox
	// no longer holds it.
	if _, err := f.tn.LoginSetupCode(f.ctx, "rosa@clinic.test", code, "127.0.0.1"); err != nil {
		t.Errorf("the mailed code does not log in: %v", err)
	}
	items = f.outbox(t)
	if items[0].State != store.MailSent || items[0].SentAt == nil || strings.Contains(string(items[0].Payload), code) {
		t.Errorf("after sending: %+v payload %s", items[0], items[0].Payload)
	}
	if _, err := f.tn.ResendMail(f.ctx, store.System, items[0].ID); err == nil {
		t.Error("a sent invitation (its code erased) was queued again")
	}
}

func TestReminderWithICSInThePatientsLanguage(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "mailrem")
	a := f.agenda(t)
	es := f.patient(t, "José", "jose@example.com")
	en := f.patient(t, "Mary", "mary@example.com")
	out := f.patient(t, "Otto", "otto@example.com")
	none := f.patient(t, "Nadia", "")
	if _, err := f.tn.SetPatientMail(f.ctx, store.System, en.ID, store.PatientMail{Lang: "en"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.tn.SetPatientMail(f.ctx, store.System, out.ID, store.PatientMail{OptOut: true}); err != nil {
		t.Fatal(err)
	}
	lima, _ := time.LoadLocation("America/Lima")
	tomorrow10 := time.Date(2026, 12, 8, 10, 0, 0, 0, lima) // 15:00 UTC
	f.book(t, a, es, tomorrow10)
	f.book(t, a, en, tomorrow10.Add(time.Hour))
	f.book(t, a, out, tomorrow10.Add(2*time.Hour))
	f.book(t, a, none, tomorrow10.Add(3*time.Hour))

	// Not opted in: nothing.
	if n, err := f.tn.QueueReminders(f.ctx); err != nil || n != 0 {
		t.Fatalf("reminders before the clinic opted in: %d, %v", n, err)
	}
	f.patientMail(t, 24)
	// 08:00 today: tomorrow 10:00 is 26 hours away.
	if n, err := f.tn.QueueReminders(f.ctx); err != nil || n != 0 {
		t.Fatalf("reminders 26 hours before: %d, %v", n, err)
	}
	f.clock.Advance(2*time.Hour + time.Minute) // 10:01: José's is within 24 h, Mary's not yet
	if n, err := f.tn.QueueReminders(f.ctx); err != nil || n != 1 {
		t.Fatalf("reminders at 10:01: %d, %v", n, err)
	}
	f.clock.Advance(4 * time.Hour)
	if n, err := f.tn.QueueReminders(f.ctx); err != nil || n != 1 {
		t.Fatalf("reminders at 14:01 (Mary's; Otto opted out, Nadia has no address): %d, %v", n, err)
	}
	if n, err := f.tn.QueueReminders(f.ctx); err != nil || n != 0 {
		t.Fatalf("a second run queued %d again (%v)", n, err)
	}
	if r := f.send(t); r.Sent != 2 {
		t.Fatalf("send = %+v", r)
	}
	if got := f.pit.To("otto@example.com"); len(got) != 0 {
		t.Errorf("opted-out patient got %d messages", len(got))
	}
	for _, tc := range []struct {
		to, subject, greeting, file, dtstart string
	}{
		{"jose@example.com", "Recordatorio: su cita del martes 8 de diciembre de 2026, 10:00", "Hola, José Peña:", "cita.ics", "20261208T150000Z"},
		{"mary@example.com", "Reminder: your appointment on Tuesday, December 8, 2026, 11:00", "Hello Mary Peña,", "appointment.ics", "20261208T160000Z"},
	} {
		got := f.pit.To(tc.to)
		if len(got) != 1 {
			t.Fatalf("%s received %d messages, want 1", tc.to, len(got))
		}
		m := f.pit.Message(got[0].ID)
		if m.Subject != tc.subject || !strings.Contains(m.Text, tc.greeting) || !strings.Contains(m.Text, "Ana Núñez") {
			t.Errorf("%s: subject %q body:\n%s", tc.to, m.Subject, m.Text)
		}
		if m.From.Name != "Clínica Sur" {
			t.Errorf("%s: from name %q, want the clinic's setting", tc.to, m.From.Name)
		}
		if len(m.Attachments) != 1 || m.Attachments[0].FileName != tc.file ||
			!strings.HasPrefix(m.Attachments[0].ContentType, "text/calendar") {
			t.Fatalf("%s: attachments %+v", tc.to, m.Attachments)
		}
		ics := parseICS(t, f.pit.Part(m.ID, m.Attachments[0].PartID))
		if ics["DTSTART"] != tc.dtstart {
			t.Errorf("%s: DTSTART %q, want %q", tc.to, ics["DTSTART"], tc.dtstart)
		}
		start, err := time.Parse("20060102T150405Z", ics["DTSTART"])
		end, err2 := time.Parse("20060102T150405Z", ics["DTEND"])
		if err != nil || err2 != nil || end.Sub(start) != 45*time.Minute {
			t.Errorf("%s: DTSTART %q DTEND %q: %v %v", tc.to, ics["DTSTART"], ics["DTEND"], err, err2)
		}
	}
}

func TestCancellationAndMoveNotices(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "mailmove")
	a := f.agenda(t)
	p := f.patient(t, "Lucía", "lucia@example.com")
	lima, _ := time.LoadLocation("America/Lima")
	s1 := f.book(t, a, p, time.Date(2026, 12, 9, 9, 0, 0, 0, lima))
	s2 := f.book(t, a, p, time.Date(2026, 12, 10, 9, 0, 0, 0, lima))
	// Not opted in: a cancellation sends nothing.
	if _, err := f.tn.CancelSession(f.ctx, store.System, s1.ID, "clinic", ""); err != nil {
		t.Fatal(err)
	}
	if items := f.outbox(t); len(items) != 0 {
		t.Fatalf("outbox of a clinic not opted in: %+v", items)
	}
	f.patientMail(t, 24)
	s3 := f.book(t, a, p, time.Date(2026, 12, 11, 9, 0, 0, 0, lima))
	if _, err := f.tn.CancelSession(f.ctx, store.System, s3.ID, "therapist", ""); err != nil {
		t.Fatal(err)
	}
	// A move into an occupied slot fails and queues nothing (one transaction).
	if _, err := f.tn.RescheduleSession(f.ctx, store.System, s2.ID, s3.StartsAt.Add(24*time.Hour), 0, false); err != nil {
		t.Fatal(err) // Dec 12: free
	}
	before := len(f.outbox(t))
	blocker := f.book(t, a, f.patient(t, "Bea", ""), time.Date(2026, 12, 14, 9, 0, 0, 0, lima))
	moved := f.outbox(t)[0]
	if _, err := f.tn.RescheduleSession(f.ctx, store.System, *moved.SessionID, blocker.StartsAt, 0, false); err == nil {
		t.Fatal("a move onto a taken slot succeeded")
	}
	if after := len(f.outbox(t)); after != before {
		t.Fatalf("a failed move queued mail: %d → %d", before, after)
	}
	if r := f.send(t); r.Sent != 2 {
		t.Fatalf("send = %+v", r)
	}
	got := f.pit.To("lucia@example.com")
	subjects := map[string]string{}
	for _, s := range got {
		subjects[s.Subject] = s.ID
	}
	cancel, ok := subjects["Cita cancelada: viernes 11 de diciembre de 2026, 09:00"]
	if !ok || len(got) != 2 {
		t.Fatalf("subjects = %v", subjects)
	}
	move, ok := subjects["Cita reprogramada: sábado 12 de diciembre de 2026, 09:00"]
	if !ok {
		t.Fatalf("subjects = %v", subjects)
	}
	mm := f.pit.Message(move)
	if !strings.Contains(mm.Text, "jueves 10 de diciembre de 2026, 09:00") {
		t.Errorf("move notice does not say where it was:\n%s", mm.Text)
	}
	if ics := parseICS(t, f.pit.Part(move, mm.Attachments[0].PartID)); ics["DTSTART"] != "20261212T140000Z" {
		t.Errorf("move .ics DTSTART = %q", ics["DTSTART"])
	}
	cm := f.pit.Message(cancel)
	if ics := parseICS(t, f.pit.Part(cancel, cm.Attachments[0].PartID)); ics["STATUS"] != "CANCELLED" ||
		ics["METHOD"] != "CANCEL" || ics["DTSTART"] != "20261211T140000Z" {
		t.Errorf("cancellation .ics = %v", ics)
	}
}

// TestSessionChangeNotice: editing a booked session's specialist, room or
// length tells the patient like a move does — only when the clinic opted
// in and the patient did not opt out — and the outbox row is written in the
// edit's transaction: a refused edit queues nothing. Mailpit receives the
// notice with the session as it is now and as it was, and an .ics update.
func TestSessionChangeNotice(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "mailchange")
	a := f.agenda(t)
	rosa, err := f.tn.CreateSpecialist(f.ctx, store.System, store.SpecialistInput{FirstName: "Rosa", LastName: "Mena",
		Document: "40000002", Email: "rosa@clinic.test"})
	if err != nil {
		t.Fatal(err)
	}
	sala2, err := f.tn.CreateRoom(f.ctx, store.System, store.RoomInput{Name: "Sala 2", Capacity: 1})
	if err != nil {
		t.Fatal(err)
	}
	lucia, bea := f.patient(t, "Lucía", "lucia@example.com"), f.patient(t, "Bea", "bea@example.com")
	lima, _ := time.LoadLocation("America/Lima")
	s1 := f.book(t, a, lucia, time.Date(2026, 12, 9, 9, 0, 0, 0, lima))
	s2 := f.book(t, a, lucia, time.Date(2026, 12, 10, 9, 0, 0, 0, lima))
	edit := func(id int64, e store.SessionEdit) error {
		_, err := f.tn.EditSession(f.ctx, store.System, id, e)
		return err
	}
	// Not opted in: an edit sends nothing.
	if err := edit(s1.ID, store.SessionEdit{RoomID: sala2.ID}); err != nil {
		t.Fatal(err)
	}
	if items := f.outbox(t); len(items) != 0 {
		t.Fatalf("outbox of a clinic not opted in: %+v", items)
	}
	f.patientMail(t, 24)
	// A patient who opted out gets nothing either.
	if _, err := f.tn.SetPatientMail(f.ctx, store.System, bea.ID, store.PatientMail{OptOut: true}); err != nil {
		t.Fatal(err)
	}
	blocker, err := f.tn.BookSession(f.ctx, store.System, store.Booking{PatientID: bea.ID, SpecialistID: rosa.ID,
		RoomID: a.room.ID, Start: s1.StartsAt, DurationMin: 45})
	if err != nil {
		t.Fatal(err)
	}
	if err := edit(blocker[0].ID, store.SessionEdit{DurationMin: 30}); err != nil {
		t.Fatal(err)
	}
	if items := f.outbox(t); len(items) != 0 {
		t.Fatalf("outbox after editing an opted-out patient's session: %+v", items)
	}
	// A refused edit (Rosa is busy then) queues nothing: one transaction.
	if err := edit(s1.ID, store.SessionEdit{SpecialistID: rosa.ID}); err == nil {
		t.Fatal("an edit onto a busy specialist succeeded")
	}
	if items := f.outbox(t); len(items) != 0 {
		t.Fatalf("a refused edit queued mail: %+v", items)
	}
	// The change: another specialist and room, 60 minutes.
	if err := edit(s2.ID, store.SessionEdit{SpecialistID: rosa.ID, RoomID: sala2.ID, DurationMin: 60}); err != nil {
		t.Fatal(err)
	}
	items := f.outbox(t)
	if len(items) != 1 || items[0].Kind != store.MailChange || items[0].Recipient != "lucia@example.com" ||
		items[0].SessionID == nil || *items[0].SessionID != s2.ID {
		t.Fatalf("outbox after the change: %+v", items)
	}
	if r := f.send(t); r.Sent != 1 {
		t.Fatalf("send = %+v", r)
	}
	got := f.pit.To("lucia@example.com")
	if len(got) != 1 || got[0].Subject != "Cambio en su cita: jueves 10 de diciembre de 2026, 09:00" {
		t.Fatalf("messages = %+v", got)
	}
	m := f.pit.Message(got[0].ID)
	for _, want := range []string{"Ahora es de 60 min\ncon Rosa Mena, en Sala 2.", "Antes: 45 min con Ana Núñez, en Sala 1."} {
		if !strings.Contains(strings.ReplaceAll(m.Text, "\r\n", "\n"), want) {
			t.Errorf("change notice lacks %q:\n%s", want, m.Text)
		}
	}
	if ics := parseICS(t, f.pit.Part(got[0].ID, m.Attachments[0].PartID)); ics["SEQUENCE"] != "1" ||
		ics["DTEND"] != "20261210T150000Z" || ics["UID"] != fmt.Sprintf("session-%d@consultorio", s2.ID) {
		t.Errorf("change .ics = %v", ics)
	}
}

func TestRetryWithBackoffThenSentOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "mailretry")
	f.pit.Down()
	if _, _, err := f.tn.CreateUser(f.ctx, store.System, store.NewUser{Email: "leo@clinic.test", Name: "Leo",
		Role: store.RoleSpecialist, Lang: "en"}); err != nil {
		t.Fatal(err)
	}
	if r := f.send(t); r.Failed != 1 || r.Sent != 0 {
		t.Fatalf("send with the server down = %+v", r)
	}
	it := f.outbox(t)[0]
	if it.State != store.MailRetrying || it.Attempts != 1 || !it.NextAttemptAt.Equal(t0.Add(time.Minute)) ||
		it.LastError != store.MailUnreachable || it.Subject != "Your access to Clínica mailretry" {
		t.Fatalf("after one failure: %+v", it)
	}
	// Not due yet: nothing is tried.
	if r := f.send(t); r.Failed != 0 || r.Sent != 0 {
		t.Fatalf("a message not yet due was tried: %+v", r)
	}
	f.clock.Advance(time.Minute)
	if r := f.send(t); r.Failed != 1 {
		t.Fatalf("second try = %+v", r)
	}
	it = f.outbox(t)[0]
	if it.Attempts != 2 || !it.NextAttemptAt.Equal(t0.Add(3*time.Minute)) {
		t.Fatalf("backoff after two failures: %+v (want next at +3m: 1m then 2m)", it)
	}
	f.pit.Up()
	f.clock.Advance(time.Minute)
	if r := f.send(t); r.Sent != 0 {
		t.Fatalf("sent before the backoff ended: %+v", r)
	}
	f.clock.Advance(time.Minute)
	if r := f.send(t); r.Sent != 1 {
		t.Fatalf("third try = %+v", r)
	}
	f.clock.Advance(time.Hour)
	f.send(t)
	if got := f.pit.To("leo@clinic.test"); len(got) != 1 {
		t.Fatalf("received %d, want exactly 1", len(got))
	}
	if it = f.outbox(t)[0]; it.State != store.MailSent || it.Attempts != 3 || it.LastError != "" {
		t.Fatalf("after delivery: %+v", it)
	}
}

func TestFailedAfterMaxAttemptsThenResend(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "mailfail")
	a := f.agenda(t)
	f.patientMail(t, 24)
	lima, _ := time.LoadLocation("America/Lima")
	s := f.book(t, a, f.patient(t, "Iván", "ivan@example.com"), time.Date(2026, 12, 9, 9, 0, 0, 0, lima))
	if _, err := f.tn.CancelSession(f.ctx, store.System, s.ID, "patient", ""); err != nil {
		t.Fatal(err)
	}
	f.pit.Down()
	for i := 1; i <= store.MaxMailAttempts; i++ {
		if r := f.send(t); r.Failed != 1 {
			t.Fatalf("try %d = %+v", i, r)
		}
		f.clock.Advance(store.MailBackoff(i))
	}
	it := f.outbox(t)[0]
	if it.State != store.MailFailed || it.Attempts != store.MaxMailAttempts {
		t.Fatalf("after %d failures: %+v", store.MaxMailAttempts, it)
	}
	f.clock.Advance(24 * time.Hour)
	f.pit.Up()
	if r := f.send(t); r.Sent != 0 || r.Failed != 0 {
		t.Fatalf("a failed message was tried again by itself: %+v", r)
	}
	if _, err := f.tn.ResendMail(f.ctx, store.Actor{UserID: 99, Role: store.RoleSpecialist}, it.ID); err == nil {
		t.Error("a specialist resent the clinic's mail")
	}
	re, err := f.tn.ResendMail(f.ctx, store.System, it.ID)
	if err != nil || re.State != store.MailPending || re.Attempts != 0 {
		t.Fatalf("resend = %+v, %v", re, err)
	}
	if r := f.send(t); r.Sent != 1 {
		t.Fatalf("send after resend = %+v", r)
	}
	if got := f.pit.To("ivan@example.com"); len(got) != 1 {
		t.Fatalf("received %d, want 1", len(got))
	}
}

// Two senders (two servers, later) working on one clinic at once never
// send a message twice: rows are claimed FOR UPDATE SKIP LOCKED.
func TestTwoSendersNeverSendOneMessageTwice(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "mailtwo")
	const n = 24
	for i := range n {
		if _, _, err := f.tn.CreateUser(f.ctx, store.System, store.NewUser{Email: fmt.Sprintf("u%02d@clinic.test", i),
			Name: fmt.Sprintf("User %d", i), Role: store.RoleReception}); err != nil {
			t.Fatal(err)
		}
	}
	senders := []*mail.Sender{f.newSender(), f.newSender(), f.newSender()}
	var wg sync.WaitGroup
	results := make([]mail.Result, len(senders))
	for i, s := range senders {
		wg.Go(func() {
			r, err := s.SendTenant(f.ctx, f.tn)
			if err != nil {
				t.Error(err)
			}
			results[i] = r
		})
	}
	wg.Wait()
	total := 0
	for _, r := range results {
		total += r.Sent
	}
	if total != n {
		t.Fatalf("senders sent %d in all (%+v), want %d", total, results, n)
	}
	msgs := f.pit.Messages()
	seen := map[string]int{}
	for _, m := range msgs {
		seen[m.To[0].Address]++
	}
	if len(msgs) != n || len(seen) != n {
		t.Fatalf("mailpit holds %d messages for %d addresses, want %d each: %v", len(msgs), len(seen), n, seen)
	}
}

func TestEveningAgendaOptIn(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "mailagenda")
	a := f.agenda(t)
	lima, _ := time.LoadLocation("America/Lima")
	f.book(t, a, f.patient(t, "Raúl", ""), time.Date(2026, 12, 8, 9, 0, 0, 0, lima))
	f.book(t, a, f.patient(t, "Sofía", ""), time.Date(2026, 12, 8, 11, 30, 0, 0, lima))
	f.book(t, a, f.patient(t, "Tomás", ""), time.Date(2026, 12, 9, 9, 0, 0, 0, lima)) // the day after
	f.clock.Set(time.Date(2026, 12, 7, 19, 30, 0, 0, lima))
	if n, err := f.tn.QueueAgendas(f.ctx); err != nil || n != 0 {
		t.Fatalf("agendas without the opt-in: %d, %v", n, err)
	}
	if _, err := f.tn.UpdateMailSettings(f.ctx, store.System, store.MailSettings{ReminderHours: 24,
		AgendaMail: true, AgendaAt: "20:00"}); err != nil {
		t.Fatal(err)
	}
	if n, err := f.tn.QueueAgendas(f.ctx); err != nil || n != 0 {
		t.Fatalf("agendas before 20:00: %d, %v", n, err)
	}
	f.clock.Advance(time.Hour)
	if n, err := f.tn.QueueAgendas(f.ctx); err != nil || n != 1 {
		t.Fatalf("agendas at 20:30: %d, %v", n, err)
	}
	if n, err := f.tn.QueueAgendas(f.ctx); err != nil || n != 0 {
		t.Fatalf("a second run queued %d (%v)", n, err)
	}
	if r := f.send(t); r.Sent != 1 {
		t.Fatalf("send = %+v", r)
	}
	got := f.pit.To("ana@clinic.test")
	if len(got) != 1 || got[0].Subject != "Su agenda del martes 8 de diciembre de 2026" {
		t.Fatalf("agenda mail = %+v", got)
	}
	m := f.pit.Message(got[0].ID)
	for _, want := range []string{"09:00", "Raúl Peña", "11:30", "Sofía Peña", "Sesiones: 2"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("agenda lacks %q:\n%s", want, m.Text)
		}
	}
	if strings.Contains(m.Text, "Tomás") {
		t.Errorf("agenda holds another day's session:\n%s", m.Text)
	}
}

// A claim skips rows another sender holds instead of waiting for them
// (FOR UPDATE SKIP LOCKED): while one transaction holds the first message,
// a second sender claims the others at once, and after the first commits
// its lease the message is claimed by nobody else.
func TestClaimSkipsRowsAnotherSenderHolds(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "mailskip")
	for i := range 3 {
		if _, _, err := f.tn.CreateUser(f.ctx, store.System, store.NewUser{Email: fmt.Sprintf("s%d@clinic.test", i),
			Name: fmt.Sprintf("S %d", i), Role: store.RoleReception}); err != nil {
			t.Fatal(err)
		}
	}
	var first int64
	err := f.tn.Exec(f.ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(f.ctx, `select id from outbox order by id limit 1 for update`).Scan(&first); err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(f.ctx, 10*time.Second)
		defer cancel()
		claimed, err := f.tn.ClaimMail(ctx, 10)
		if err != nil {
			return fmt.Errorf("claim while another sender holds a row (it waited?): %w", err)
		}
		if len(claimed) != 2 {
			return fmt.Errorf("claimed %d while one row was held, want the other 2", len(claimed))
		}
		for _, c := range claimed {
			if c.ID == first {
				return fmt.Errorf("claimed the held row #%d", first)
			}
		}
		// The holder leases its row, as ClaimMail does.
		_, err = tx.Exec(f.ctx, `update outbox set attempts = attempts + 1, next_attempt_at = $2 where id = $1`,
			first, f.clock.Now().Add(store.MailLease))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	claimed, err := f.tn.ClaimMail(f.ctx, 10)
	if err != nil || len(claimed) != 0 {
		t.Fatalf("after the lease: claimed %d, %v; want none", len(claimed), err)
	}
}

// The server's job: Schedule queues what is due and SendDue sends the due
// mail of every clinic of the database.
func TestScheduleAndSendDueCoverEveryClinic(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "mailall1")
	other, _ := storetest.NewTenant(t, f.db, "mailall2")
	for i, tn := range []*store.Tenant{f.tn, other} {
		if _, _, err := tn.CreateUser(f.ctx, store.System, store.NewUser{Email: fmt.Sprintf("all%d@clinic.test", i),
			Name: "All", Role: store.RoleReception}); err != nil {
			t.Fatal(err)
		}
	}
	a := f.agenda(t)
	f.patientMail(t, 24)
	lima, _ := time.LoadLocation("America/Lima")
	f.book(t, a, f.patient(t, "Eva", "eva@example.com"), time.Date(2026, 12, 7, 15, 0, 0, 0, lima))
	if err := f.sender.Schedule(f.ctx); err != nil {
		t.Fatal(err)
	}
	r, err := f.sender.SendDue(f.ctx)
	if err != nil || r.Sent != 3 {
		t.Fatalf("SendDue = %+v, %v; want the two invitations and Eva's reminder", r, err)
	}
	for _, to := range []string{"all0@clinic.test", "all1@clinic.test", "eva@example.com"} {
		if got := f.pit.To(to); len(got) != 1 {
			t.Errorf("%s received %d", to, len(got))
		}
	}
	// Without an SMTP server configured nothing is sent: mail waits.
	idle := mail.NewSender(mail.Config{}, f.db, connectLine, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if _, _, err := other.CreateUser(f.ctx, store.System, store.NewUser{Email: "late@clinic.test", Name: "Late",
		Role: store.RoleReception}); err != nil {
		t.Fatal(err)
	}
	if r, err := idle.SendDue(f.ctx); err != nil || r.Sent != 0 {
		t.Fatalf("SendDue without SMTP = %+v, %v", r, err)
	}
	if items, _ := other.Outbox(f.ctx, store.System, 0); items[0].State != store.MailPending {
		t.Errorf("waiting message: %+v", items[0])
	}
}

// A recipient the SMTP server refuses is recorded as such (the reason the
// outbox shows), and retried like any failure.
func TestRefusedRecipientIsRecorded(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "mailrefused")
	f.pit.Down()
	f.pit.Up("--smtp-allowed-recipients", `@clinic\.test$`)
	for _, to := range []string{"ok@clinic.test", "nobody@elsewhere.test"} {
		if _, _, err := f.tn.CreateUser(f.ctx, store.System, store.NewUser{Email: to, Name: "X", Role: store.RoleReception}); err != nil {
			t.Fatal(err)
		}
	}
	if r := f.send(t); r.Sent != 1 || r.Failed != 1 {
		t.Fatalf("send = %+v", r)
	}
	for _, it := range f.outbox(t) {
		switch it.Recipient {
		case "ok@clinic.test":
			if it.State != store.MailSent {
				t.Errorf("%+v", it)
			}
		default:
			if it.State != store.MailRetrying || it.LastError != store.MailRefusedRecipient {
				t.Errorf("refused recipient: %+v", it)
			}
		}
	}
}
