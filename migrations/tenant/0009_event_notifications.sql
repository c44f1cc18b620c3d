-- Notifications fed by events (issue 13), the waiting list, and the
-- payment-overdue threshold as a clinic setting.
--
-- A notification is now either about a condition the periodic scan checks
-- (session_tomorrow, payment_overdue, expense_*) or about an event written
-- in the transaction of the event itself: a session booked, cancelled or
-- moved on a specialist's agenda by someone else (addressed to that
-- specialist's user: user_id), an account locked (admins), a slot freed
-- that a waiting patient wants (admin and reception). data holds the
-- event's facts (names, times) with stable English keys; the words are the
-- catalogue's, in the reader's language.

-- The waiting list: a patient waits for a slot with a specialist (any when
-- null) that starts at or after starts_at and ends by ends_at.
CREATE TABLE waitlist (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    patient_id    bigint NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    specialist_id bigint REFERENCES specialists(id) ON DELETE CASCADE,
    starts_at     timestamptz NOT NULL,
    ends_at       timestamptz NOT NULL,
    note          text NOT NULL DEFAULT '',
    created_by    bigint REFERENCES users(id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (starts_at < ends_at)
);
CREATE INDEX waitlist_span ON waitlist (ends_at, starts_at);

ALTER TABLE notifications DROP CONSTRAINT notifications_type_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_type_check CHECK (type IN (
    'session_tomorrow', 'payment_overdue', 'expense_due', 'expense_overdue',
    'session_booked', 'session_cancelled', 'session_moved', 'account_locked', 'slot_freed'));
-- Each constraint in its own command: Citus refuses ADD COLUMN with one.
ALTER TABLE notifications ADD COLUMN user_id bigint;
ALTER TABLE notifications ADD CONSTRAINT notifications_user_id_fkey
    FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE;
ALTER TABLE notifications ADD COLUMN about_user_id bigint;
ALTER TABLE notifications ADD CONSTRAINT notifications_about_user_id_fkey
    FOREIGN KEY (about_user_id) REFERENCES users(id) ON DELETE CASCADE;
ALTER TABLE notifications ADD COLUMN waitlist_id bigint;
ALTER TABLE notifications ADD CONSTRAINT notifications_waitlist_id_fkey
    FOREIGN KEY (waitlist_id) REFERENCES waitlist(id) ON DELETE SET NULL;
ALTER TABLE notifications ADD COLUMN data jsonb NOT NULL DEFAULT '{}';
CREATE INDEX notifications_user_open ON notifications (user_id) WHERE resolved_at IS NULL AND user_id IS NOT NULL;
CREATE INDEX notifications_waitlist ON notifications (waitlist_id) WHERE waitlist_id IS NOT NULL;

-- Days after completion when an unpaid session becomes overdue; the
-- default repeats store.DefaultPaymentOverdueDays.
ALTER TABLE settings ADD COLUMN payment_overdue_days integer NOT NULL DEFAULT 7;
ALTER TABLE settings ADD CONSTRAINT settings_payment_overdue_days_check
    CHECK (payment_overdue_days BETWEEN 1 AND 90);
