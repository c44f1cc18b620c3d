package store

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// Notification types (PRODUCT.md §4).
const (
	// NotifySessionTomorrow: a non-cancelled session starts tomorrow, in the
	// clinic's time zone.
	NotifySessionTomorrow = "session_tomorrow"
	// NotifyPaymentOverdue: the payment of a completed session is still
	// unpaid PaymentOverdueDays calendar days after the day of completion.
	NotifyPaymentOverdue = "payment_overdue"
	// NotifyExpenseDue: an unpaid expense falls due today or within the next
	// ExpenseDueDays days (a due date of today+3 is notified).
	NotifyExpenseDue = "expense_due"
	// NotifyExpenseOverdue: an unpaid expense whose due date has passed.
	NotifyExpenseOverdue = "expense_overdue"

	// Events, written in the transaction of the event itself (events.go).

	// NotifySessionBooked: someone else booked a session (or a series) on a
	// specialist's agenda; addressed to the specialist's user.
	NotifySessionBooked = "session_booked"
	// NotifySessionCancelled: someone else cancelled one of a specialist's
	// sessions; addressed to the specialist's user.
	NotifySessionCancelled = "session_cancelled"
	// NotifySessionMoved: someone else moved one of a specialist's
	// sessions; addressed to the specialist's user.
	NotifySessionMoved = "session_moved"
	// NotifyAccountLocked: a staff account was locked by failed logins;
	// for the admins.
	NotifyAccountLocked = "account_locked"
	// NotifySlotFreed: a cancelled or moved session freed a slot a waiting
	// patient wants; for the front desk (admin and reception).
	NotifySlotFreed = "slot_freed"
)

// NotificationTypes lists every notification type, for catalogues and
// their tests.
func NotificationTypes() []string {
	return []string{NotifySessionTomorrow, NotifyPaymentOverdue, NotifyExpenseDue, NotifyExpenseOverdue,
		NotifySessionBooked, NotifySessionCancelled, NotifySessionMoved, NotifyAccountLocked, NotifySlotFreed}
}

const (
	// ExpenseDueDays: how far ahead an unpaid expense is announced.
	ExpenseDueDays = 3
	// NoticeKeepDays: an event notification (booked, cancelled, ...) stays
	// in the lists this long; the scan then resolves it. The ones the scan
	// checks last as long as their condition holds.
	NoticeKeepDays = 30
)

// noticeText is the title and message of one notification type, as
// PostgreSQL format() strings (the arguments are listed per type below).
type noticeText struct{ title, message string }

// noticeLang is every text of one language.
type noticeLang struct {
	dateFormat string // to_char() pattern of the dates in the messages
	text       map[string]noticeText
}

// notificationTexts are all the words a notification is made of, in the
// clinic's language (settings.lang). Arguments of format():
//
//	session_tomorrow: 1 patient, 2 specialist, 3 date, 4 time, 5 room
//	payment_overdue:  1 patient, 2 specialist, 3 session date, 4 amount
//	expense_*:        1 expense name, 2 amount, 3 due date
var notificationTexts = map[string]noticeLang{
	"es": {
		dateFormat: "DD/MM/YYYY",
		text: map[string]noticeText{
			NotifySessionTomorrow: {"Sesión mañana: %1$s", "%1$s con %2$s, %3$s a las %4$s, %5$s."},
			NotifyPaymentOverdue:  {"Pago pendiente: %1$s", "Sesión del %3$s con %2$s: %4$s sin pagar."},
			NotifyExpenseDue:      {"Gasto por vencer: %1$s", "%1$s: %2$s vence el %3$s."},
			NotifyExpenseOverdue:  {"Gasto vencido: %1$s", "%1$s: %2$s venció el %3$s."},
		},
	},
	"en": {
		dateFormat: "YYYY-MM-DD",
		text: map[string]noticeText{
			NotifySessionTomorrow: {"Session tomorrow: %1$s", "%1$s with %2$s, %3$s at %4$s, %5$s."},
			NotifyPaymentOverdue:  {"Payment overdue: %1$s", "Session of %3$s with %2$s: %4$s unpaid."},
			NotifyExpenseDue:      {"Expense due soon: %1$s", "%1$s: %2$s due on %3$s."},
			NotifyExpenseOverdue:  {"Expense overdue: %1$s", "%1$s: %2$s was due on %3$s."},
		},
	},
}

// currencySymbols: how amounts are written in messages; other codes are
// written as the code itself.
var currencySymbols = map[string]string{"PEN": "S/", "USD": "US$", "EUR": "€"}

func currencySymbol(code string) string {
	if s, ok := currencySymbols[code]; ok {
		return s
	}
	return code
}

// scanLockClass is the first key of the advisory lock that serialises scans
// of one clinic (second key: the tenant id), so two server instances never
// work on the same clinic's notifications at once.
const scanLockClass = 0x4e4f54 // "NOT"

// scanNotificationsSQL makes the notifications table match what is true now,
// in one statement.
//
// cand is every notification that should be open at this moment (its
// ref_key names the record and, where the record can move, the date it is
// about). Then:
//   - res resolves every open notification that is no longer a candidate:
//     the session was cancelled or moved off tomorrow, the payment or the
//     expense was paid, an expense_due became expense_overdue, ... — one rule
//     for every way a condition can stop holding;
//   - up inserts new candidates; a candidate whose row exists resolved (a
//     payment marked paid, then unpaid again) is reopened, and an open one
//     whose text changed (the session moved within the day, the amount was
//     corrected) gets the new text;
//   - del clears the read marks of reopened rows: they are news again.
//
// res and up touch disjoint rows (not a candidate / a candidate), which is
// what makes them safe in one statement. existed is read from the snapshot
// before the statement, so it tells new and reopened rows apart.
const scanNotificationsSQL = `
with cand (type, title, message, patient_id, session_id, payment_id, expense_id, ref_key) as (
	select 'session_tomorrow',
		format(@st_title::text, pt.first_name || ' ' || pt.surname),
		format(@st_message::text, pt.first_name || ' ' || pt.surname, sp.first_name || ' ' || sp.last_name,
			to_char(s.starts_at at time zone @tz::text, @date_format::text),
			to_char(s.starts_at at time zone @tz::text, 'HH24:MI'), r.name),
		s.patient_id, s.id, null::bigint, null::bigint,
		'session_tomorrow:' || s.id || ':' || @tomorrow_key::text
	from sessions s
	join patients pt on pt.id = s.patient_id
	join specialists sp on sp.id = s.specialist_id
	join rooms r on r.id = s.room_id
	where s.starts_at >= @tomorrow_start::timestamptz and s.starts_at < @tomorrow_end::timestamptz
	  and s.status <> 'cancelled'
  union all
	select 'payment_overdue',
		format(@po_title::text, pt.first_name || ' ' || pt.surname),
		format(@po_message::text, pt.first_name || ' ' || pt.surname, sp.first_name || ' ' || sp.last_name,
			to_char(s.starts_at at time zone @tz::text, @date_format::text), @currency::text || ' ' || p.amount::text),
		s.patient_id, s.id, p.id, null::bigint,
		'payment_overdue:' || p.id
	from payments p
	join sessions s on s.id = p.session_id
	join patients pt on pt.id = s.patient_id
	join specialists sp on sp.id = s.specialist_id
	where not p.paid and s.status = 'completed' and s.completed_at < @overdue_before::timestamptz
  union all
	select 'expense_due',
		format(@ed_title::text, e.name),
		format(@ed_message::text, e.name, @currency::text || ' ' || e.amount::text, to_char(e.due_date, @date_format::text)),
		null::bigint, null::bigint, null::bigint, e.id,
		'expense_due:' || e.id || ':' || to_char(e.due_date, 'YYYY-MM-DD')
	from expenses e
	where not e.paid and e.due_date >= @today::date and e.due_date <= @due_until::date
  union all
	select 'expense_overdue',
		format(@eo_title::text, e.name),
		format(@eo_message::text, e.name, @currency::text || ' ' || e.amount::text, to_char(e.due_date, @date_format::text)),
		null::bigint, null::bigint, null::bigint, e.id,
		'expense_overdue:' || e.id || ':' || to_char(e.due_date, 'YYYY-MM-DD')
	from expenses e
	where not e.paid and e.due_date < @today::date
),
existed as (
	select n.id, n.resolved_at is not null as was_resolved
	from notifications n join cand c on c.ref_key = n.ref_key
),
res as (
	update notifications n set resolved_at = @now::timestamptz
	where n.resolved_at is null and not exists (select 1 from cand c where c.ref_key = n.ref_key)
	  and n.type in ('session_tomorrow', 'payment_overdue', 'expense_due', 'expense_overdue')
	returning n.id
),
up as (
	insert into notifications as n (type, title, message, patient_id, session_id, payment_id, expense_id, ref_key, created_at)
	select type, title, message, patient_id, session_id, payment_id, expense_id, ref_key, @now::timestamptz from cand
	on conflict (ref_key) do update
		set title = excluded.title, message = excluded.message,
			created_at = case when n.resolved_at is null then n.created_at else excluded.created_at end,
			resolved_at = null
		where n.resolved_at is not null or n.title <> excluded.title or n.message <> excluded.message
	returning n.id
),
del as (
	delete from notification_reads r using existed e
	where r.notification_id = e.id and e.was_resolved
)
select (select count(*) from up where up.id not in (select id from existed))
     + (select count(*) from existed where was_resolved),
       (select count(*) from res)`

// expireNoticesSQL resolves the event notifications whose time is over: a
// freed slot that has started (nobody can book it now), and any event
// notice older than NoticeKeepDays.
const expireNoticesSQL = `
update notifications set resolved_at = @now::timestamptz
where resolved_at is null and (
	(type = 'slot_freed' and (data->>'starts_at')::timestamptz <= @now::timestamptz)
	or (type in ('session_booked', 'session_cancelled', 'session_moved', 'account_locked', 'slot_freed')
	    and created_at < @keep_after::timestamptz))`

// ScanNotifications brings the clinic's notifications up to date at instant
// now: creates the ones whose condition holds (once: ref_key dedupes) and
// resolves the ones whose condition no longer holds, and the event
// notifications whose time is over (expireNoticesSQL). A payment is overdue
// after the clinic's Settings.PaymentOverdueDays. "Tomorrow", "today" and
// "overdue" are days of the clinic's time zone (settings.timezone); titles
// and messages are in the clinic's language (settings.lang). It returns how
// many notifications were created (or reopened) and resolved. Running it
// twice changes nothing the second time. When anything changed, the clinic's
// change channel is notified so open badges refresh.
func (t *Tenant) ScanNotifications(ctx context.Context, now time.Time) (created, resolved int, err error) {
	err = t.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "select pg_advisory_xact_lock($1, $2::int4)", scanLockClass, t.Info.ID); err != nil {
			return fmt.Errorf("lock clinic scan: %w", err)
		}
		var tz, lang, currency string
		var overdueDays int
		if err := tx.QueryRow(ctx, "select timezone, lang, currency, payment_overdue_days from settings").
			Scan(&tz, &lang, &currency, &overdueDays); err != nil {
			return fmt.Errorf("read clinic settings: %w", err)
		}
		loc, err := time.LoadLocation(tz)
		if err != nil {
			return fmt.Errorf("clinic time zone %q: %w", tz, err)
		}
		texts, ok := notificationTexts[lang]
		if !ok {
			texts = notificationTexts["es"]
		}
		local := now.In(loc)
		y, m, d := local.Date()
		day := func(offset int) time.Time { return time.Date(y, m, d+offset, 0, 0, 0, 0, loc) }
		args := pgx.NamedArgs{
			"now":            now,
			"tz":             tz,
			"date_format":    texts.dateFormat,
			"currency":       currencySymbol(currency),
			"tomorrow_start": day(1),
			"tomorrow_end":   day(2),
			"tomorrow_key":   day(1).Format(time.DateOnly),
			// completed before the start of day today-(N-1) ⇔ completed on
			// day today-N or earlier
			"overdue_before": day(-(overdueDays - 1)),
			"today":          day(0).Format(time.DateOnly),
			"due_until":      day(ExpenseDueDays).Format(time.DateOnly),
			"st_title":       texts.text[NotifySessionTomorrow].title,
			"st_message":     texts.text[NotifySessionTomorrow].message,
			"po_title":       texts.text[NotifyPaymentOverdue].title,
			"po_message":     texts.text[NotifyPaymentOverdue].message,
			"ed_title":       texts.text[NotifyExpenseDue].title,
			"ed_message":     texts.text[NotifyExpenseDue].message,
			"eo_title":       texts.text[NotifyExpenseOverdue].title,
			"eo_message":     texts.text[NotifyExpenseOverdue].message,
		}
		if err := tx.QueryRow(ctx, scanNotificationsSQL, args).Scan(&created, &resolved); err != nil {
			return fmt.Errorf("scan notifications: %w", err)
		}
		tag, err := tx.Exec(ctx, expireNoticesSQL, pgx.NamedArgs{"now": now, "keep_after": now.AddDate(0, 0, -NoticeKeepDays)})
		if err != nil {
			return fmt.Errorf("expire notifications: %w", err)
		}
		resolved += int(tag.RowsAffected())
		if created+resolved > 0 {
			return t.notifyChange(ctx, tx, "notification", 0, "scan")
		}
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("clinic %s: %w", t.Info.Schema, err)
	}
	return created, resolved, nil
}

// ScanSummary is what a scan of every clinic did.
type ScanSummary struct {
	Clinics  int           `json:"clinics"` // live clinics scanned, failed ones included
	Created  int           `json:"created"`
	Resolved int           `json:"resolved"`
	Failed   []ScanFailure `json:"failed"`
}

// ScanFailure is a clinic whose scan failed; the other clinics were scanned.
type ScanFailure struct {
	Schema string `json:"schema"`
	Err    error  `json:"-"`
}

func (f ScanFailure) Error() string { return f.Schema + ": " + f.Err.Error() }

func (f ScanFailure) Unwrap() error { return f.Err }

// MarshalJSON writes {"schema": ..., "error": "..."} for the scripted commands.
func (f ScanFailure) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Schema string `json:"schema"`
		Error  string `json:"error"`
	}{f.Schema, f.Err.Error()})
}

// ScanAllNotifications runs ScanNotifications for every live clinic (active
// or morose) with jobs workers in parallel (4 when jobs < 1). A clinic that
// fails is recorded in the summary and does not stop the others; the error
// is for the scan as a whole (listing clinics, ctx cancelled).
func (db *DB) ScanAllNotifications(ctx context.Context, now time.Time, jobs int) (ScanSummary, error) {
	rows, err := db.pool.Query(ctx, `select `+tenantColumns+` from public.tenants t
		where t.status in ('active', 'morose') order by t.id`)
	if err != nil {
		return ScanSummary{}, fmt.Errorf("list clinics to scan: %w", err)
	}
	tenants, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (TenantInfo, error) { return scanTenant(r) })
	if err != nil {
		return ScanSummary{}, fmt.Errorf("list clinics to scan: %w", err)
	}
	if jobs < 1 {
		jobs = 4
	}
	jobs = min(jobs, max(len(tenants), 1))

	var (
		mu  sync.Mutex
		sum = ScanSummary{Clinics: len(tenants)}
		wg  sync.WaitGroup
	)
	work := make(chan TenantInfo)
	for range jobs {
		wg.Go(func() {
			for ti := range work {
				c, r, err := (&Tenant{db: db, Info: ti}).ScanNotifications(ctx, now)
				mu.Lock()
				if err != nil {
					sum.Failed = append(sum.Failed, ScanFailure{Schema: ti.Schema, Err: err})
				} else {
					sum.Created += c
					sum.Resolved += r
				}
				mu.Unlock()
			}
		})
	}
feed:
	for _, ti := range tenants {
		select {
		case work <- ti:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return sum, fmt.Errorf("scan notifications: %w", err)
	}
	return sum, nil
}

// Notification is a notice shown to the staff, with the read state of the
// user who asked.
type Notification struct {
	ID         int64      `json:"id"`
	Type       string     `json:"type"`
	Title      string     `json:"title"`
	Message    string     `json:"message"`
	PatientID  *int64     `json:"patient_id"`
	SessionID  *int64     `json:"session_id"`
	PaymentID  *int64     `json:"payment_id"`
	ExpenseID  *int64     `json:"expense_id"`
	RefKey     string     `json:"ref_key"`
	CreatedAt  time.Time  `json:"created_at"`
	ResolvedAt *time.Time `json:"resolved_at"`
	Read       bool       `json:"read"`
	// AboutUserID is the staff account an account_locked notice is about.
	AboutUserID *int64 `json:"about_user_id"`
	// WaitlistID is the waiting-list entry a slot_freed notice offers the
	// slot to.
	WaitlistID *int64 `json:"waitlist_id"`
	// Data are the facts of an event notification (empty for the scan's,
	// whose Title and Message are written in the clinic's language).
	Data NotificationData `json:"data"`
	// Link is the record to open from the notification.
	Link NotificationLink `json:"link"`
}

// NotificationData are the facts an event notification is worded from, as
// they were when it happened; the words are the catalogue's (tui/i18n), in
// the reader's language. Times are instants (shown in the clinic's zone).
type NotificationData struct {
	Patient      string     `json:"patient,omitempty"`
	Specialist   string     `json:"specialist,omitempty"`
	SpecialistID int64      `json:"specialist_id,omitempty"`
	Room         string     `json:"room,omitempty"`
	RoomID       int64      `json:"room_id,omitempty"`
	Start        *time.Time `json:"starts_at,omitempty"`
	DurationMin  int        `json:"duration_min,omitempty"`
	NewStart     *time.Time `json:"new_starts_at,omitempty"` // session_moved: where it went
	Count        int        `json:"count,omitempty"`         // session_booked: sessions of the series
	Reason       string     `json:"reason,omitempty"`        // session_cancelled: the cancel reason
	By           string     `json:"by,omitempty"`            // who did it
	User         string     `json:"user,omitempty"`          // account_locked: the account's e-mail
	Until        *time.Time `json:"until,omitempty"`         // account_locked: locked until
	Note         string     `json:"note,omitempty"`          // slot_freed: the waiting entry's note
}

// NotificationLink names the record a notification leads to: its kind
// (EntitySession, EntityPatient, EntityUser, EntityExpense, EntityWaitlist)
// and id. Kind is empty when there is none.
type NotificationLink struct {
	Kind Entity `json:"kind,omitempty"`
	ID   int64  `json:"id,omitempty"`
}

// link decides what a notification opens: the waiting entry a freed slot
// is offered to, the locked account, else the session, the expense or the
// patient it is about.
func (n Notification) link() NotificationLink {
	switch {
	case n.Type == NotifySlotFreed && n.WaitlistID != nil:
		return NotificationLink{EntityWaitlist, *n.WaitlistID}
	case n.Type == NotifyAccountLocked && n.AboutUserID != nil:
		return NotificationLink{EntityUser, *n.AboutUserID}
	case n.SessionID != nil:
		return NotificationLink{EntitySession, *n.SessionID}
	case n.ExpenseID != nil:
		return NotificationLink{EntityExpense, *n.ExpenseID}
	case n.PatientID != nil:
		return NotificationLink{EntityPatient, *n.PatientID}
	}
	return NotificationLink{}
}

// NotificationFilter narrows ListNotifications.
type NotificationFilter struct {
	UnreadOnly bool
	Limit      int // default DefaultNotificationsLimit, at most MaxNotificationsLimit
}

// notificationFrom joins what the role and open filters look at.
const notificationFrom = `
	from notifications n
	left join sessions s on s.id = n.session_id
	left join payments p on p.id = n.payment_id
	left join expenses e on e.id = n.expense_id`

// notificationForRole: which notifications a user may see. One addressed
// to a user (user_id) is theirs alone. Else the roles matrix says:
// sessions and payments for admin and reception and for the specialist of
// the session; freed slots for the front desk (admin and reception);
// expenses and locked accounts for the admin only.
const notificationForRole = `
	case when n.user_id is not null then n.user_id = @user_id::bigint
	else case n.type
		when 'session_tomorrow' then @role::text in ('admin', 'reception') or s.specialist_id = @specialist_id::bigint
		when 'payment_overdue' then @role::text in ('admin', 'reception') or s.specialist_id = @specialist_id::bigint
		when 'slot_freed' then @role::text in ('admin', 'reception')
		else @role::text = 'admin'
	end end`

// notificationOpen: not resolved, and its record not settled in the
// meantime (a freed slot: its waiting entry still there and nobody booked
// the slot since). The scan resolves settled ones, but it runs periodically; this
// keeps the list and the badge right in between (a payment marked paid
// drops its notice at once).
const notificationOpen = `
	n.resolved_at is null and case n.type
		when 'session_tomorrow' then s.status <> 'cancelled'
		when 'payment_overdue' then not p.paid
		when 'expense_due' then not e.paid
		when 'expense_overdue' then not e.paid
		when 'slot_freed' then n.waitlist_id is not null and not exists (select 1 from sessions x
			where x.status <> 'cancelled' and (x.specialist_id = s.specialist_id or x.room_id = s.room_id)
			  and tstzrange(x.starts_at, x.ends_at) && tstzrange(s.starts_at, s.ends_at))
		else true
	end`

func notificationArgs(actor Actor) pgx.NamedArgs {
	spec := actor.SpecialistID
	if actor.Role != RoleSpecialist {
		spec = 0
	}
	return pgx.NamedArgs{"role": string(actor.Role), "specialist_id": spec, "user_id": actor.UserID}
}

// ListNotifications lists the open notifications the actor may see, unread
// first and newest first within each, each with the actor's own read state
// and the record it links to.
func (t *Tenant) ListNotifications(ctx context.Context, actor Actor, f NotificationFilter) ([]Notification, error) {
	if !actor.Role.Valid() {
		return nil, forbidden("reading notifications")
	}
	if f.Limit <= 0 {
		f.Limit = DefaultNotificationsLimit
	}
	f.Limit = min(f.Limit, MaxNotificationsLimit)
	args := notificationArgs(actor)
	args["unread_only"] = f.UnreadOnly
	args["limit"] = f.Limit
	var out []Notification
	err := t.tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `select n.id, n.type, n.title, n.message, n.patient_id, n.session_id,
				n.payment_id, n.expense_id, n.ref_key, n.created_at, n.resolved_at, r.user_id is not null,
				n.about_user_id, n.waitlist_id, n.data`+
			notificationFrom+`
			left join notification_reads r on r.notification_id = n.id and r.user_id = @user_id::bigint
			where `+notificationOpen+` and `+notificationForRole+`
			  and (not @unread_only::bool or r.user_id is null)
			order by r.user_id is not null, n.created_at desc, n.id desc
			limit @limit::int`, args)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Notification, error) {
			var n Notification
			err := row.Scan(&n.ID, &n.Type, &n.Title, &n.Message, &n.PatientID, &n.SessionID, &n.PaymentID,
				&n.ExpenseID, &n.RefKey, &n.CreatedAt, &n.ResolvedAt, &n.Read, &n.AboutUserID, &n.WaitlistID, &n.Data)
			n.Link = n.link()
			return n, err
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list notifications: %w", err)
	}
	return out, nil
}

// UnreadCount is the number on the header badge: open notifications the
// actor may see and has not read. Only open notifications are looked at
// (partial index), so it stays cheap however long the history grows.
func (t *Tenant) UnreadCount(ctx context.Context, actor Actor) (int, error) {
	if !actor.Role.Valid() {
		return 0, forbidden("reading notifications")
	}
	var n int
	err := t.tx(ctx, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `select count(*)`+notificationFrom+`
			where `+notificationOpen+` and `+notificationForRole+`
			  and not exists (select 1 from notification_reads r
			                  where r.notification_id = n.id and r.user_id = @user_id::bigint)`,
			notificationArgs(actor)).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("count unread notifications: %w", err)
	}
	return n, nil
}

// MarkNotificationRead marks one notification read for the actor only; the
// other users' read state is untouched. Marking again is a no-op.
// ErrNotFound if it does not exist or the actor may not see it.
func (t *Tenant) MarkNotificationRead(ctx context.Context, actor Actor, id int64) error {
	if !actor.Role.Valid() || actor.UserID == 0 {
		return forbidden("marking notifications read")
	}
	args := notificationArgs(actor)
	args["id"] = id
	args["now"] = t.db.now()
	var visible bool
	err := t.tx(ctx, func(tx pgx.Tx) error {
		// A notification resolved a moment ago can still be marked: the
		// user saw it.
		return tx.QueryRow(ctx, `with v as (select n.id`+notificationFrom+`
				where n.id = @id::bigint and `+notificationForRole+`),
			ins as (insert into notification_reads (notification_id, user_id, read_at)
				select id, @user_id::bigint, @now::timestamptz from v on conflict do nothing)
			select exists (select 1 from v)`, args).Scan(&visible)
	})
	if err != nil {
		return fmt.Errorf("mark notification read: %w", err)
	}
	if !visible {
		return &NotFoundError{What: EntityNotification, ID: id}
	}
	return nil
}

// MarkAllNotificationsRead marks every open notification the actor may see
// as read for the actor, and returns how many were unread.
func (t *Tenant) MarkAllNotificationsRead(ctx context.Context, actor Actor) (int, error) {
	if !actor.Role.Valid() || actor.UserID == 0 {
		return 0, forbidden("marking notifications read")
	}
	args := notificationArgs(actor)
	args["now"] = t.db.now()
	var n int
	err := t.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `insert into notification_reads (notification_id, user_id, read_at)
			select n.id, @user_id::bigint, @now::timestamptz`+notificationFrom+`
			where `+notificationOpen+` and `+notificationForRole+`
			on conflict do nothing`, args)
		n = int(tag.RowsAffected())
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("mark notifications read: %w", err)
	}
	return n, nil
}
