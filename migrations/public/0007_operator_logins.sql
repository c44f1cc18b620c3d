-- Open sessions of panel operators (issue 17), as the clinics' tenant
-- 0004_logins: one row per live SSH session of an operator (TUI or
-- scripted command), written by the server that holds it. Each operator
-- sees and ends their own; ending one marks it and notifies the servers
-- (the tenants' status channel, payload "panel"), which close it.
CREATE TABLE public.operator_logins (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id       bigint NOT NULL REFERENCES public.operators(id) ON DELETE CASCADE,
    door             text NOT NULL CHECK (door IN ('tui', 'command')),
    remote_addr      text NOT NULL,
    server_id        text NOT NULL,
    started_at       timestamptz NOT NULL,
    last_activity_at timestamptz NOT NULL,
    seen_at          timestamptz NOT NULL,
    ended_at         timestamptz,
    ended_by         text
);
CREATE INDEX operator_logins_account ON public.operator_logins (account_id);
