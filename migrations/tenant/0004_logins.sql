-- Open sessions (issue 17): one row per live SSH session of a staff user
-- (TUI or scripted command), written by the server that holds it. A user
-- sees their own, an admin everybody's; ending one marks it and notifies
-- the servers (public.tenants' status channel), which close it.
CREATE TABLE logins (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id       bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    door             text NOT NULL CHECK (door IN ('tui', 'command')),
    remote_addr      text NOT NULL,
    server_id        text NOT NULL,
    started_at       timestamptz NOT NULL,
    last_activity_at timestamptz NOT NULL,
    -- The holding server refreshes seen_at every minute; a row it stopped
    -- refreshing (the server crashed) is not an open session.
    seen_at          timestamptz NOT NULL,
    ended_at         timestamptz,
    ended_by         text
);
CREATE INDEX logins_account ON logins (account_id);
