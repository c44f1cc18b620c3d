-- Second factor for panel operators (always required): as the clinics'
-- tenant 0003_second_factor.
ALTER TABLE public.operators
    ADD COLUMN totp_secret    text,
    ADD COLUMN totp_pending   text,
    ADD COLUMN totp_last_step bigint NOT NULL DEFAULT 0;

CREATE TABLE public.operator_recovery_codes (
    account_id bigint NOT NULL REFERENCES public.operators(id) ON DELETE CASCADE,
    code_hash  text NOT NULL,
    used_at    timestamptz,
    PRIMARY KEY (account_id, code_hash)
);

CREATE TABLE public.operator_command_grants (
    account_id  bigint NOT NULL REFERENCES public.operators(id) ON DELETE CASCADE,
    fingerprint text NOT NULL,
    expires_at  timestamptz NOT NULL,
    PRIMARY KEY (account_id, fingerprint)
);
