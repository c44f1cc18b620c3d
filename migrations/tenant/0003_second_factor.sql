-- Second factor (TOTP, issue 17): the clinic's policy, each user's secret,
-- one-time recovery codes (only their SHA-256 is kept) and the short-lived
-- grants that let a key run scripted commands after an interactive login
-- with the second factor.
-- Column and CHECK in two commands: Citus cannot add a column with a
-- constraint to a distributed table in one. The constraint has the name
-- PostgreSQL gives the inline form, so every schema ends up alike.
ALTER TABLE settings ADD COLUMN second_factor text NOT NULL DEFAULT 'off';
ALTER TABLE settings ADD CONSTRAINT settings_second_factor_check
    CHECK (second_factor IN ('off', 'admins', 'everyone'));

ALTER TABLE users
    ADD COLUMN totp_secret    text,            -- base32; set once the first code confirmed it
    ADD COLUMN totp_pending   text,            -- secret shown at enrolment, not confirmed yet
    ADD COLUMN totp_last_step bigint NOT NULL DEFAULT 0; -- a code's time step is accepted once

CREATE TABLE recovery_codes (
    account_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash  text NOT NULL,
    used_at    timestamptz,
    PRIMARY KEY (account_id, code_hash)
);

CREATE TABLE command_grants (
    account_id  bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    fingerprint text NOT NULL,
    expires_at  timestamptz NOT NULL,
    PRIMARY KEY (account_id, fingerprint)
);
