-- Outgoing e-mail (issue 14). Every message is a row written in the same
-- transaction as the event that causes it (a staff invitation, a cancelled
-- or moved session, a reminder or agenda the scheduler decided on), so a
-- rolled-back event sends nothing and a committed one is never forgotten.
-- A background sender claims due rows (FOR UPDATE SKIP LOCKED), leases them
-- by pushing next_attempt_at forward, sends, and records the outcome.
CREATE TABLE outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN ('invitation', 'reminder', 'cancellation', 'move', 'agenda')),
    recipient       citext NOT NULL CHECK (recipient ~ '^[^@\s]+@[^@\s]+$'),
    lang            text NOT NULL CHECK (lang IN ('es', 'en')),
    -- what the message says, as data; the sender renders it (mail package)
    payload         jsonb NOT NULL,
    -- one reminder per session, one agenda per specialist and day
    dedupe_key      text UNIQUE,
    session_id      bigint REFERENCES sessions(id) ON DELETE SET NULL,
    state           text NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'retrying', 'sent', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    last_error      text NOT NULL DEFAULT '',
    subject         text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL,
    sent_at         timestamptz
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE state IN ('pending', 'retrying');
CREATE INDEX outbox_recent ON outbox (created_at DESC);

-- Per-clinic e-mail preferences: the From name, patient e-mail (reminders,
-- cancellation and move notices) opt-in with the hours before a session a
-- reminder goes out, and the evening agenda for each specialist.
-- Columns and CHECKs in separate commands: Citus cannot add a column with
-- a constraint to a distributed table in one (see 0003); the constraints
-- have the names PostgreSQL gives the inline form, so every schema ends up
-- alike whichever form built it.
ALTER TABLE settings
    ADD COLUMN mail_from_name  text NOT NULL DEFAULT '',
    ADD COLUMN patient_mail    boolean NOT NULL DEFAULT false,
    ADD COLUMN reminder_hours  integer NOT NULL DEFAULT 24,
    ADD COLUMN agenda_mail     boolean NOT NULL DEFAULT false,
    ADD COLUMN agenda_mail_at  time NOT NULL DEFAULT '19:00';
ALTER TABLE settings ADD CONSTRAINT settings_reminder_hours_check
    CHECK (reminder_hours BETWEEN 1 AND 168);

-- Per patient: no e-mail at all, and the language of the e-mails (null:
-- the clinic's).
ALTER TABLE patients
    ADD COLUMN mail_opt_out boolean NOT NULL DEFAULT false,
    ADD COLUMN mail_lang    text;
ALTER TABLE patients ADD CONSTRAINT patients_mail_lang_check
    CHECK (mail_lang IN ('es', 'en'));
