-- Recurring series and prepaid credits (issue 13).
--
-- series_id links the sessions booked together as a weekly series (or a
-- booking with extra dates): it is the id of the first session booked, a
-- plain label rather than a foreign key, so the series stays one whatever
-- happens to that first row. A reschedule carries it to the new session.
-- Sessions booked before this migration have none: each is a series of one.
ALTER TABLE sessions ADD COLUMN series_id bigint;
CREATE INDEX sessions_series_idx ON sessions (series_id, starts_at) WHERE series_id IS NOT NULL;

-- A prepaid session cancelled "as credit" keeps its payment for the
-- patient's next session: the payment stays on the cancelled session (the
-- money was collected then, and finance counts it on its date) until a
-- session of the patient without a payment takes it over (moved, as a
-- reschedule moves it). A refund is recorded in the payment log as such.
CREATE TABLE patient_credits (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    patient_id      bigint NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    payment_id      bigint NOT NULL REFERENCES payments(id) ON DELETE CASCADE,
    from_session_id bigint NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    amount          numeric(12,2) NOT NULL CHECK (amount >= 0),
    created_by      bigint REFERENCES users(id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    used_session_id bigint REFERENCES sessions(id) ON DELETE SET NULL,
    used_at         timestamptz
);
-- one open credit per payment; the open credits of a patient, oldest first
CREATE UNIQUE INDEX patient_credits_open_payment ON patient_credits (payment_id) WHERE used_at IS NULL;
CREATE INDEX patient_credits_open ON patient_credits (patient_id, created_at) WHERE used_at IS NULL;

ALTER TABLE payment_log DROP CONSTRAINT payment_log_action_check;
ALTER TABLE payment_log ADD CONSTRAINT payment_log_action_check
    CHECK (action IN ('created', 'paid', 'unpaid', 'moved', 'refunded', 'credited'));
