package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Outgoing e-mail (issue 14). The store decides WHAT is sent and WHEN: a
// row in the clinic's outbox, written in the transaction of the event that
// causes it, carrying the facts as data. The mail package renders and sends
// the rows (it claims them here and reports back); nothing here speaks SMTP.

// MailKind is what an outgoing message is about; stable English in --json.
type MailKind string

// Mail kinds.
const (
	MailInvitation   MailKind = "invitation"   // a new staff user's setup code and ssh line
	MailReminder     MailKind = "reminder"     // a patient's session, N hours before
	MailCancellation MailKind = "cancellation" // a patient's session was cancelled
	MailMove         MailKind = "move"         // a patient's session was moved
	MailChange       MailKind = "change"       // a patient's session changed specialist, room or length
	MailAgenda       MailKind = "agenda"       // a specialist's agenda for tomorrow
)

// Outbox states; stable English in --json.
const (
	MailPending  = "pending"  // not tried yet
	MailRetrying = "retrying" // a try failed; another is due at next_attempt_at
	MailSent     = "sent"
	MailFailed   = "failed" // MaxMailAttempts tries failed; resend to try again
)

// MaxMailAttempts is how many times the sender tries one message before it
// is marked failed.
const MaxMailAttempts = 5

// MailLease is how long a claimed message is withheld from other senders:
// a sender that dies mid-send leaves it due again after the lease.
const MailLease = 5 * time.Minute

// MailBackoff is the wait after the n-th failed try (n ≥ 1): one minute,
// doubling, at most an hour.
func MailBackoff(n int) time.Duration {
	d := time.Minute
	for i := 1; i < n && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// OutboxItem is one outgoing message as the clinic sees it.
type OutboxItem struct {
	ID            int64      `json:"id"`
	Kind          MailKind   `json:"kind"`
	Recipient     string     `json:"recipient"`
	Lang          string     `json:"lang"`
	State         string     `json:"state"`
	Attempts      int        `json:"attempts"`
	NextAttemptAt time.Time  `json:"next_attempt_at"`
	LastError     string     `json:"last_error"` // why the last try failed: one of the Mail… reasons
	Subject       string     `json:"subject"`    // "" until the first try rendered it
	SessionID     *int64     `json:"session_id"`
	CreatedAt     time.Time  `json:"created_at"`
	SentAt        *time.Time `json:"sent_at"`
	// Payload is the message's data (one of the *Mail types), for the
	// sender; never printed (an unsent invitation holds a setup code).
	Payload json.RawMessage `json:"-"`
}

// InvitationMail is the payload of MailInvitation. Code is erased from the
// row once the message is sent.
type InvitationMail struct {
	Clinic string `json:"clinic"`
	Schema string `json:"schema"` // the ssh user name of the clinic
	Name   string `json:"name"`
	Email  string `json:"email"`
	Role   Role   `json:"role"`
	Code   string `json:"code,omitempty"`
	// Expires is when the code stops working.
	Expires time.Time `json:"expires"`
}

// SessionMail is the payload of MailReminder, MailCancellation, MailMove
// and MailChange: times are instants (UTC in JSON), shown in Timezone.
type SessionMail struct {
	Clinic      string    `json:"clinic"`
	Timezone    string    `json:"timezone"`
	SessionID   int64     `json:"session_id"`
	Patient     string    `json:"patient"`
	Specialist  string    `json:"specialist"`
	Room        string    `json:"room"`
	Start       time.Time `json:"start"`
	DurationMin int       `json:"duration_min"`
	// OldStart is where a moved session was.
	OldStart *time.Time `json:"old_start,omitempty"`
	// Of a changed session (MailChange): its specialist, room and length
	// before the change.
	OldSpecialist  string `json:"old_specialist,omitempty"`
	OldRoom        string `json:"old_room,omitempty"`
	OldDurationMin int    `json:"old_duration_min,omitempty"`
}

// AgendaMail is the payload of MailAgenda: one specialist's sessions of Day.
type AgendaMail struct {
	Clinic     string           `json:"clinic"`
	Timezone   string           `json:"timezone"`
	Specialist string           `json:"specialist"`
	Day        string           `json:"day"` // YYYY-MM-DD in the clinic's zone
	Items      []AgendaMailItem `json:"items"`
}

// AgendaMailItem is one session of an AgendaMail.
type AgendaMailItem struct {
	Start       time.Time `json:"start"`
	DurationMin int       `json:"duration_min"`
	Patient     string    `json:"patient"`
	Room        string    `json:"room"`
	Status      string    `json:"status"`
}

// MailSettings are a clinic's e-mail preferences.
type MailSettings struct {
	// FromName is the sender's display name ("" = the clinic's name).
	FromName string `json:"from_name"`
	// PatientMail opts the clinic in to e-mail to patients: reminders and
	// cancellation and move notices.
	PatientMail bool `json:"patient_mail"`
	// ReminderHours is how long before a session its reminder goes out.
	ReminderHours int `json:"reminder_hours"`
	// AgendaMail sends each specialist tomorrow's agenda every evening at
	// AgendaAt ("HH:MM", clinic time).
	AgendaMail bool   `json:"agenda_mail"`
	AgendaAt   string `json:"agenda_at"`
}

const outboxColumns = `id, kind, recipient, lang, state, attempts, next_attempt_at, last_error, subject,
	session_id, created_at, sent_at, payload`

func scanOutbox(row pgx.Row) (OutboxItem, error) {
	var o OutboxItem
	err := row.Scan(&o.ID, &o.Kind, &o.Recipient, &o.Lang, &o.State, &o.Attempts, &o.NextAttemptAt,
		&o.LastError, &o.Subject, &o.SessionID, &o.CreatedAt, &o.SentAt, &o.Payload)
	return o, err
}

// enqueueMail writes one message into the outbox of the transaction's
// clinic, due now. A message with a dedupe key already queued is not
// queued again.
func enqueueMail(ctx context.Context, tx pgx.Tx, now time.Time, kind MailKind, recipient, lang string,
	payload any, dedupe string, sessionID *int64) error {
	_, err := insertMail(ctx, tx, now, kind, recipient, lang, payload, dedupe, sessionID)
	return err
}

// insertMail is enqueueMail returning the new row's id (0 when the dedupe
// key was queued already).
func insertMail(ctx context.Context, tx pgx.Tx, now time.Time, kind MailKind, recipient, lang string,
	payload any, dedupe string, sessionID *int64) (int64, error) {
	body, err := json.Marshal(payload)
	if err != nil {
		return 0, fmt.Errorf("mail payload: %w", err)
	}
	var key *string
	if dedupe != "" {
		key = &dedupe
	}
	var id int64
	err = tx.QueryRow(ctx, `insert into outbox (kind, recipient, lang, payload, dedupe_key, session_id,
			next_attempt_at, created_at) values ($1, $2, $3, $4, $5, $6, $7, $7)
		on conflict (dedupe_key) do nothing returning id`,
		string(kind), recipient, lang, body, key, sessionID, now).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("queue %s mail: %w", kind, err)
	}
	return id, nil
}

// Outbox lists the clinic's most recent outgoing messages (limit ≤ 0: 100),
// newest first. Admin and reception.
func (t *Tenant) Outbox(ctx context.Context, actor Actor, limit int) ([]OutboxItem, error) {
	if !actor.MaySeeOutbox() {
		return nil, forbidden("reading the outbox")
	}
	if limit <= 0 {
		limit = 100
	}
	var out []OutboxItem
	err := t.tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `select `+outboxColumns+` from outbox order by created_at desc, id desc limit $1`, limit)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (OutboxItem, error) { return scanOutbox(r) })
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	return out, nil
}

// ResendMail queues a message again, due now, with its tries reset: a
// failed one, or a sent one sent again. An invitation that was sent no
// longer holds its setup code (issue a new one instead). Admin and
// reception; audited.
func (t *Tenant) ResendMail(ctx context.Context, actor Actor, id int64) (OutboxItem, error) {
	if !actor.MaySeeOutbox() {
		return OutboxItem{}, forbidden("resending e-mail")
	}
	var out OutboxItem
	err := t.tx(ctx, func(tx pgx.Tx) error {
		o, err := scanOutbox(tx.QueryRow(ctx, `select `+outboxColumns+` from outbox where id = $1 for update`, id))
		if err != nil {
			return notFound(err, EntityMessage, id)
		}
		if o.Kind == MailInvitation && o.State == MailSent {
			return invalid("message", ReasonCodeSent)
		}
		out, err = scanOutbox(tx.QueryRow(ctx, `update outbox set state = 'pending', attempts = 0, last_error = '',
				next_attempt_at = $2 where id = $1 returning `+outboxColumns, id, t.db.now()))
		if err != nil {
			return err
		}
		return audit(ctx, tx, actor, "mail.resend", "outbox", id, map[string]any{"kind": o.Kind, "state": o.State})
	})
	if err != nil {
		return OutboxItem{}, wrapOp("resend mail", err)
	}
	return out, nil
}

// ClaimedMail is a message a sender has claimed, with the From name of its
// clinic.
type ClaimedMail struct {
	OutboxItem
	FromName string
}

// ClaimMail claims up to limit due messages for one sender: it locks due
// rows FOR UPDATE SKIP LOCKED (two senders never wait on or take the same
// row), counts the try and leases them for MailLease, in one transaction.
// The sender then reports each with MailDone.
func (t *Tenant) ClaimMail(ctx context.Context, limit int) ([]ClaimedMail, error) {
	var out []ClaimedMail
	err := t.tx(ctx, func(tx pgx.Tx) error {
		now := t.db.now()
		rows, err := tx.Query(ctx, `with due as (
				select id from outbox where state in ('pending', 'retrying') and next_attempt_at <= $1
				order by next_attempt_at, id limit $2 for update skip locked)
			update outbox o set attempts = o.attempts + 1, next_attempt_at = $3
			from due where o.id = due.id
			returning o.id, o.kind, o.recipient, o.lang, o.state, o.attempts, o.next_attempt_at, o.last_error,
				o.subject, o.session_id, o.created_at, o.sent_at, o.payload,
				(select coalesce(nullif(mail_from_name, ''), nullif(display_name, ''), $4) from settings)`,
			now, limit, now.Add(MailLease), t.Info.Name)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (ClaimedMail, error) {
			var c ClaimedMail
			o := &c.OutboxItem
			err := r.Scan(&o.ID, &o.Kind, &o.Recipient, &o.Lang, &o.State, &o.Attempts, &o.NextAttemptAt,
				&o.LastError, &o.Subject, &o.SessionID, &o.CreatedAt, &o.SentAt, &o.Payload, &c.FromName)
			return c, err
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claim mail of %s: %w", t.Info.Schema, err)
	}
	return out, nil
}

// Why a try failed, as the sender classifies it: stable English in the
// outbox (last_error) and --json; the words are the doors'. The full error
// goes to the server's log only (it names hosts and addresses).
const (
	MailUnreachable      = "unreachable"       // no connection to the SMTP server (down, refused, timed out)
	MailTLSFailed        = "tls_failed"        // TLS or STARTTLS failed: the server's certificate is not trusted, or no STARTTLS
	MailAuthFailed       = "auth_failed"       // the SMTP server refused the installation's login (user, password, method)
	MailRefusedSender    = "refused_sender"    // the server refused the From address
	MailRefusedRecipient = "refused_recipient" // the server refused the recipient
	MailRefusedMessage   = "refused_message"   // the server refused the message itself
	MailUnrenderable     = "unrenderable"      // the row could not be turned into a message
	MailSMTPError        = "smtp_error"        // anything else
)

// MailFailures are the reasons a try can fail with, for the doors' words.
func MailFailures() []string {
	return []string{MailUnreachable, MailTLSFailed, MailAuthFailed, MailRefusedSender, MailRefusedRecipient,
		MailRefusedMessage, MailUnrenderable, MailSMTPError}
}

// MailKinds are the kinds of outgoing message, for the doors' words.
func MailKinds() []MailKind {
	return []MailKind{MailInvitation, MailReminder, MailCancellation, MailMove, MailChange, MailAgenda, MailDocument}
}

// MailDone records the outcome of one try of a claimed message: sent
// (failure ""; its subject kept; an invitation's setup code erased), or
// failed for that reason (retrying after MailBackoff, failed after
// MaxMailAttempts tries).
func (t *Tenant) MailDone(ctx context.Context, c ClaimedMail, subject, failure string) error {
	err := t.tx(ctx, func(tx pgx.Tx) error {
		now := t.db.now()
		if failure == "" {
			_, err := tx.Exec(ctx, `update outbox set state = 'sent', sent_at = $2, subject = $3, last_error = '',
					payload = case when kind = 'invitation' then payload - 'code' else payload end
				where id = $1`, c.ID, now, subject)
			return err
		}
		state, next := MailRetrying, now.Add(MailBackoff(c.Attempts))
		if c.Attempts >= MaxMailAttempts {
			state, next = MailFailed, now
		}
		_, err := tx.Exec(ctx, `update outbox set state = $2, next_attempt_at = $3, subject = $4, last_error = $5
			where id = $1`, c.ID, state, next, subject, failure)
		return err
	})
	if err != nil {
		return fmt.Errorf("record mail #%d of %s: %w", c.ID, t.Info.Schema, err)
	}
	return nil
}

// ---- settings ----

// MailSettings reads the clinic's e-mail preferences (anyone logged in).
func (t *Tenant) MailSettings(ctx context.Context) (MailSettings, error) {
	var ms MailSettings
	err := t.tx(ctx, func(tx pgx.Tx) error {
		var err error
		ms, err = readMailSettings(ctx, tx)
		return err
	})
	if err != nil {
		return MailSettings{}, fmt.Errorf("mail settings: %w", err)
	}
	return ms, nil
}

func readMailSettings(ctx context.Context, tx pgx.Tx) (MailSettings, error) {
	var ms MailSettings
	err := tx.QueryRow(ctx, `select mail_from_name, patient_mail, reminder_hours, agenda_mail,
		to_char(agenda_mail_at, 'HH24:MI') from settings`).Scan(&ms.FromName, &ms.PatientMail,
		&ms.ReminderHours, &ms.AgendaMail, &ms.AgendaAt)
	return ms, err
}

// UpdateMailSettings changes the clinic's e-mail preferences (admin).
func (t *Tenant) UpdateMailSettings(ctx context.Context, actor Actor, ms MailSettings) (MailSettings, error) {
	if !actor.MayManageClinic() {
		return MailSettings{}, forbidden("changing the e-mail settings")
	}
	if err := checkTexts(oneLine("from_name", ms.FromName), oneLine("agenda_at", ms.AgendaAt)); err != nil {
		return MailSettings{}, err
	}
	v := validation{}
	cleanField(v, "from_name", &ms.FromName, 100, false)
	if ms.ReminderHours < 1 || ms.ReminderHours > 168 {
		v.add("reminder_hours", ReasonRange, 1, 168)
	}
	ms.AgendaAt = strings.TrimSpace(ms.AgendaAt)
	if _, err := time.Parse("15:04", ms.AgendaAt); err != nil {
		v.add("agenda_at", ReasonTimeOfDay)
	}
	if err := v.err(); err != nil {
		return MailSettings{}, err
	}
	var out MailSettings
	err := t.tx(ctx, func(tx pgx.Tx) error {
		before, err := readMailSettings(ctx, tx)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `update settings set mail_from_name = $1, patient_mail = $2, reminder_hours = $3,
				agenda_mail = $4, agenda_mail_at = $5::time`,
			ms.FromName, ms.PatientMail, ms.ReminderHours, ms.AgendaMail, ms.AgendaAt); err != nil {
			return err
		}
		if out, err = readMailSettings(ctx, tx); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "mail.settings", "settings", 0, map[string]any{"fields": changedFields(before, out)})
	})
	if err != nil {
		return MailSettings{}, wrapOp("update mail settings", err)
	}
	return out, nil
}

// PatientMail is a patient's e-mail preference.
type PatientMail struct {
	OptOut bool   `json:"opt_out"` // no e-mail at all
	Lang   string `json:"lang"`    // "es", "en" or "" (the clinic's)
}

// SetPatientMail sets a patient's e-mail preference (whoever may write
// patients); audited.
func (t *Tenant) SetPatientMail(ctx context.Context, actor Actor, patientID int64, pm PatientMail) (PatientMail, error) {
	if !actor.MayWritePatients() {
		return PatientMail{}, forbidden("changing a patient's e-mail preference")
	}
	pm.Lang = strings.ToLower(strings.TrimSpace(pm.Lang))
	if pm.Lang != "" && pm.Lang != "es" && pm.Lang != "en" {
		return PatientMail{}, invalid("lang", ReasonLang)
	}
	err := t.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `update patients set mail_opt_out = $2, mail_lang = nullif($3, '') where id = $1`,
			patientID, pm.OptOut, pm.Lang)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return notFound(pgx.ErrNoRows, EntityPatient, patientID)
		}
		return audit(ctx, tx, actor, "patient.mail", "patient", patientID, map[string]any{"opt_out": pm.OptOut, "lang": pm.Lang})
	})
	if err != nil {
		return PatientMail{}, wrapOp("patient mail preference", err)
	}
	return pm, nil
}

// ---- messages the core decides on ----

// queueInvitation queues a staff user's invitation with their setup code.
func (t *Tenant) queueInvitation(ctx context.Context, tx pgx.Tx, u *User, code string, expires time.Time) error {
	s, err := readSettings(ctx, tx)
	if err != nil {
		return err
	}
	lang := u.Lang
	if lang == "" {
		lang = s.Lang
	}
	return enqueueMail(ctx, tx, t.db.now(), MailInvitation, u.Email, lang, InvitationMail{
		Clinic: clinicName(s, t.Info), Schema: t.Info.Schema, Name: u.Name, Email: u.Email, Role: u.Role,
		Code: code, Expires: expires,
	}, "", nil)
}

// clinicName is the clinic's display name from its settings, else its
// registered name.
func clinicName(s Settings, ti TenantInfo) string {
	if s.DisplayName != "" {
		return s.DisplayName
	}
	return ti.Name
}

// patientMailTarget is where a patient's e-mail about a session goes: ok is
// false when the clinic has not opted in, the patient opted out or has no
// address.
type patientMailTarget struct {
	ok       bool
	email    string
	lang     string
	settings Settings
}

func patientTarget(ctx context.Context, tx pgx.Tx, sessionID int64) (patientMailTarget, error) {
	s, err := readSettings(ctx, tx)
	if err != nil {
		return patientMailTarget{}, err
	}
	var optedIn, optOut bool
	var email, lang *string
	err = tx.QueryRow(ctx, `select st.patient_mail, p.mail_opt_out, p.email::text, p.mail_lang
		from sessions s join patients p on p.id = s.patient_id, settings st where s.id = $1`, sessionID).
		Scan(&optedIn, &optOut, &email, &lang)
	if err != nil {
		return patientMailTarget{}, fmt.Errorf("patient mail target: %w", err)
	}
	tg := patientMailTarget{settings: s, lang: s.Lang}
	if lang != nil {
		tg.lang = *lang
	}
	if email != nil && strings.TrimSpace(*email) != "" && optedIn && !optOut {
		tg.ok, tg.email = true, *email
	}
	return tg, nil
}

func sessionMail(s Settings, ti TenantInfo, ses Session) SessionMail {
	return SessionMail{
		Clinic: clinicName(s, ti), Timezone: s.Timezone, SessionID: ses.ID, Patient: ses.PatientName,
		Specialist: ses.SpecialistName, Room: ses.RoomName, Start: ses.StartsAt.UTC(), DurationMin: ses.DurationMin,
	}
}

// queueSessionNotice queues the patient's notice that a session was
// cancelled (old = nil), moved from old, or changed from old (its
// specialist, room or length). A session already past gets no cancellation
// or change notice.
func (t *Tenant) queueSessionNotice(ctx context.Context, tx pgx.Tx, kind MailKind, ses Session, old *Session) error {
	if !ses.StartsAt.After(t.db.now()) && (kind == MailCancellation || kind == MailChange) {
		return nil
	}
	tg, err := patientTarget(ctx, tx, ses.ID)
	if err != nil || !tg.ok {
		return err
	}
	m := sessionMail(tg.settings, t.Info, ses)
	switch {
	case old != nil && kind == MailChange:
		m.OldSpecialist, m.OldRoom, m.OldDurationMin = old.SpecialistName, old.RoomName, old.DurationMin
	case old != nil:
		o := old.StartsAt.UTC()
		m.OldStart = &o
	}
	id := ses.ID
	return enqueueMail(ctx, tx, t.db.now(), kind, tg.email, tg.lang, m, "", &id)
}

// QueueReminders queues the reminder of every open session that starts
// within the clinic's reminder hours from now, once per session, for
// patients who get e-mail. It returns how many it queued. The scheduler
// runs it; running it twice queues nothing new.
func (t *Tenant) QueueReminders(ctx context.Context) (int, error) {
	n := 0
	err := t.tx(ctx, func(tx pgx.Tx) error {
		ms, err := readMailSettings(ctx, tx)
		if err != nil || !ms.PatientMail {
			return err
		}
		now := t.db.now()
		rows, err := tx.Query(ctx, `select s.id from sessions s join patients p on p.id = s.patient_id
			where s.status in ('planned', 'unplanned') and s.starts_at > $1 and s.starts_at <= $2
			  and p.email is not null and not p.mail_opt_out
			  and not exists (select 1 from outbox o where o.dedupe_key = 'reminder:' || s.id)
			order by s.starts_at`, now, now.Add(time.Duration(ms.ReminderHours)*time.Hour))
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		for _, id := range ids {
			ses, err := getSessionTx(ctx, tx, id, t.Info.Location())
			if err != nil {
				return err
			}
			tg, err := patientTarget(ctx, tx, id)
			if err != nil {
				return err
			}
			if !tg.ok {
				continue
			}
			if err := enqueueMail(ctx, tx, now, MailReminder, tg.email, tg.lang, sessionMail(tg.settings, t.Info, ses),
				fmt.Sprintf("reminder:%d", id), &id); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("queue reminders of %s: %w", t.Info.Schema, err)
	}
	return n, nil
}

// QueueAgendas queues, once the clinic's evening hour has come, each active
// specialist's agenda for tomorrow (clinic time) to their e-mail (their
// record's, else their staff user's), once per specialist and day, when
// they have sessions. It returns how many it queued.
func (t *Tenant) QueueAgendas(ctx context.Context) (int, error) {
	n := 0
	err := t.tx(ctx, func(tx pgx.Tx) error {
		ms, err := readMailSettings(ctx, tx)
		if err != nil || !ms.AgendaMail {
			return err
		}
		s, err := readSettings(ctx, tx)
		if err != nil {
			return err
		}
		loc := s.Location()
		now := t.db.now().In(loc)
		today := civilDate(now, loc)
		if midnight, _ := dayBounds(today, loc); now.Sub(midnight) < clockOffset(ms.AgendaAt) {
			return nil
		}
		tomorrow := today.AddDate(0, 0, 1)
		from, to := dayBounds(tomorrow, loc)
		day := tomorrow.Format(time.DateOnly)
		rows, err := tx.Query(ctx, `select sp.id, sp.first_name || ' ' || sp.last_name,
				coalesce(sp.email::text, u.email::text), coalesce(u.lang, st.lang)
			from specialists sp left join users u on u.id = sp.user_id, settings st
			where sp.active and coalesce(sp.email::text, u.email::text) is not null
			  and exists (select 1 from sessions s where s.specialist_id = sp.id and s.status <> 'cancelled'
			              and s.starts_at >= $1 and s.starts_at < $2)
			  and not exists (select 1 from outbox o where o.dedupe_key = 'agenda:' || sp.id || ':' || $3)
			order by sp.id`, from, to, day)
		if err != nil {
			return err
		}
		type spec struct {
			id                int64
			name, email, lang string
		}
		specs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (spec, error) {
			var x spec
			err := r.Scan(&x.id, &x.name, &x.email, &x.lang)
			return x, err
		})
		if err != nil {
			return err
		}
		for _, sp := range specs {
			rows, err := tx.Query(ctx, sessionSelect+` where s.specialist_id = $1 and s.status <> 'cancelled'
				and s.starts_at >= $2 and s.starts_at < $3 order by s.starts_at`, sp.id, from, to)
			if err != nil {
				return err
			}
			sessions, err := collectSessions(rows, loc)
			if err != nil {
				return err
			}
			m := AgendaMail{Clinic: clinicName(s, t.Info), Timezone: s.Timezone, Specialist: sp.name, Day: day}
			for _, ses := range sessions {
				m.Items = append(m.Items, AgendaMailItem{Start: ses.StartsAt.UTC(), DurationMin: ses.DurationMin,
					Patient: ses.PatientName, Room: ses.RoomName, Status: ses.Status})
			}
			if err := enqueueMail(ctx, tx, t.db.now(), MailAgenda, sp.email, sp.lang, m,
				fmt.Sprintf("agenda:%d:%s", sp.id, day), nil); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("queue agendas of %s: %w", t.Info.Schema, err)
	}
	return n, nil
}
