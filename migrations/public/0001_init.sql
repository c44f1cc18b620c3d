-- Public schema: clients (tenants), domains, operators and their keys, the
-- key-routing index, client invoices, operator audit log, panel settings.
-- Migration versions live in public.schema_versions (created by the runner).

CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA public;
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public;
CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public;

-- unaccent() is only STABLE (its dictionary could change); indexes and
-- generated columns need an IMMUTABLE function, so pin the dictionary.
CREATE OR REPLACE FUNCTION public.search_norm(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$;

CREATE TABLE public.tenants (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    schema_name       text NOT NULL UNIQUE,
    role_name         text NOT NULL UNIQUE,
    name              text NOT NULL CHECK (btrim(name) <> ''),
    admin_email       citext NOT NULL,
    admin_name        text NOT NULL DEFAULT '',
    status            text NOT NULL DEFAULT 'active'
                      CHECK (status IN ('active', 'morose', 'suspended', 'archived')),
    -- suspended_by_hand: an operator suspended it; paying invoices does not reactivate it.
    suspended_by_hand boolean NOT NULL DEFAULT false,
    specialists_limit integer NOT NULL DEFAULT 4 CHECK (specialists_limit >= 0),
    patients_limit    integer CHECK (patients_limit >= 0),
    users_limit       integer CHECK (users_limit >= 0),
    monthly_fee       numeric(12,2) NOT NULL DEFAULT 0 CHECK (monthly_fee >= 0),
    timezone          text NOT NULL DEFAULT 'America/Lima',
    currency          text NOT NULL DEFAULT 'PEN',
    lang              text NOT NULL DEFAULT 'es' CHECK (lang IN ('es', 'en')),
    last_activity_at  timestamptz,
    archived_at       timestamptz,
    archived_schema   text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.domains (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id  bigint NOT NULL REFERENCES public.tenants(id) ON DELETE CASCADE,
    domain     citext NOT NULL UNIQUE CHECK (domain ~ '^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$'),
    -- first label, for routing `ssh consultorio-medico@host` to consultorio-medico.example.com
    first_label citext GENERATED ALWAYS AS (split_part(domain::text, '.', 1)) STORED,
    is_primary boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX domains_tenant_idx ON public.domains (tenant_id);
CREATE INDEX domains_first_label_idx ON public.domains (first_label);
CREATE UNIQUE INDEX domains_one_primary ON public.domains (tenant_id) WHERE is_primary;

CREATE TABLE public.operators (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email            citext NOT NULL UNIQUE,
    name             text NOT NULL DEFAULT '',
    active           boolean NOT NULL DEFAULT true,
    password_hash    text,
    setup_code_hash  text,
    setup_expires_at timestamptz,
    failed_attempts  integer NOT NULL DEFAULT 0,
    locked_until     timestamptz,
    lang             text CHECK (lang IN ('es', 'en')),
    last_login_at    timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.operator_keys (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    operator_id  bigint NOT NULL REFERENCES public.operators(id) ON DELETE CASCADE,
    public_key   text NOT NULL,
    fingerprint  text NOT NULL UNIQUE,
    label        text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz
);

-- Key-routing index: which tenants a staff key is registered in. A key found
-- in exactly one tenant routes a connection whose user name is not a tenant.
CREATE TABLE public.key_routes (
    fingerprint text NOT NULL,
    tenant_id   bigint NOT NULL REFERENCES public.tenants(id) ON DELETE CASCADE,
    PRIMARY KEY (fingerprint, tenant_id)
);
CREATE INDEX key_routes_tenant_idx ON public.key_routes (tenant_id);

-- Tenant roles cannot touch public tables; these two functions let a tenant
-- (running as its own role) maintain its own routes and nobody else's. Inside a
-- SECURITY DEFINER function current_user is the owner, but the "role" setting
-- still names the role the transaction switched to with SET LOCAL ROLE, and a
-- tenant role cannot switch to another tenant's role.
CREATE FUNCTION public.add_key_route(fp text) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public
    AS $$
        INSERT INTO public.key_routes (fingerprint, tenant_id)
        SELECT fp, t.id FROM public.tenants t WHERE t.role_name = current_setting('role')
        ON CONFLICT DO NOTHING
    $$;
CREATE FUNCTION public.remove_key_route(fp text) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public
    AS $$
        DELETE FROM public.key_routes k USING public.tenants t
        WHERE k.fingerprint = fp AND k.tenant_id = t.id AND t.role_name = current_setting('role')
    $$;

-- The clinic's own settings (tenant schema) repeat the time zone, currency
-- and language the rest of the system reads from public.tenants; a clinic
-- admin changing them updates both in one transaction, for its own tenant only
-- (same current_setting('role') rule as above).
CREATE FUNCTION public.sync_tenant_settings(tz text, cur text, lng text) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public
    AS $$
        UPDATE public.tenants SET timezone = tz, currency = cur, lang = lng, updated_at = now()
        WHERE role_name = current_setting('role')
    $$;

CREATE TABLE public.invoices (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id  bigint NOT NULL REFERENCES public.tenants(id) ON DELETE CASCADE,
    period     date NOT NULL CHECK (extract(day FROM period) = 1),
    amount     numeric(12,2) NOT NULL CHECK (amount >= 0),
    due_date   date NOT NULL,
    paid_at    date,
    method     text CHECK (method IN ('cash', 'card', 'transfer', 'other')),
    reference  text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, period)
);
CREATE INDEX invoices_unpaid_idx ON public.invoices (due_date) WHERE paid_at IS NULL;

CREATE TABLE public.operator_audit (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    operator_id bigint REFERENCES public.operators(id) ON DELETE SET NULL,
    actor       text NOT NULL,          -- operator e-mail, or "cli" for the command line
    action      text NOT NULL,
    target      text NOT NULL DEFAULT '',
    before      jsonb,
    after       jsonb,
    remote_addr text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX operator_audit_created_idx ON public.operator_audit (created_at DESC);

CREATE TABLE public.panel_settings (
    key   text PRIMARY KEY,
    value text NOT NULL
);
INSERT INTO public.panel_settings (key, value) VALUES ('morose_after_days', '15');
