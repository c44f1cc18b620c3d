-- Least privilege (issue 12, F4). Clinic work connects as the clinic's own
-- login role and shared data is read and written by a runtime role that
-- reaches no clinic schema; only the owner (migrations, provisioning) can do
-- both. See docs/SECURITY.md "Database privileges".

-- The key from which every role password is derived (HMAC-SHA256 of the
-- role name). Only the owner reads it: no grant to anyone. The store fills it
-- in with 32 random bytes the first time it opens the database.
CREATE TABLE public.role_secret (
    id  boolean PRIMARY KEY DEFAULT true CHECK (id),
    key bytea NOT NULL CHECK (length(key) >= 32)
);
REVOKE ALL ON public.role_secret FROM PUBLIC;

-- The clinic a route function acts for. A clinic session connects as its
-- role (session_user, the "role" setting is 'none'); provisioning runs as
-- the owner with the role set transaction-locally. Neither can name another
-- clinic: SET ROLE needs membership, and a clinic role is a member of none.
CREATE FUNCTION public.acting_clinic_role() RETURNS text
    LANGUAGE sql STABLE SET search_path = pg_catalog
    AS $$ SELECT CASE current_setting('role') WHEN 'none' THEN session_user::text ELSE current_setting('role') END $$;

CREATE OR REPLACE FUNCTION public.add_key_route(fp text) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public
    AS $$
        INSERT INTO public.key_routes (fingerprint, tenant_id)
        SELECT fp, t.id FROM public.tenants t WHERE t.role_name = public.acting_clinic_role()
        ON CONFLICT DO NOTHING
    $$;
CREATE OR REPLACE FUNCTION public.remove_key_route(fp text) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public
    AS $$
        DELETE FROM public.key_routes k USING public.tenants t
        WHERE k.fingerprint = fp AND k.tenant_id = t.id AND t.role_name = public.acting_clinic_role()
    $$;
CREATE OR REPLACE FUNCTION public.sync_tenant_settings(tz text, cur text, lng text) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public
    AS $$
        UPDATE public.tenants SET timezone = tz, currency = cur, lang = lng, updated_at = now()
        WHERE role_name = public.acting_clinic_role()
    $$;

-- The operator panel's usage figures of a page of clinics: counts and
-- timestamps only, never rows. It is the one thing that reads several
-- clinics' schemas, so it runs as its owner (SECURITY DEFINER) and only the
-- runtime role may call it (granted by the store); it only looks at live
-- clinics' schemas, quoted with %I. month_from/month_to bound "sessions this
-- month" in each clinic's own time zone.
CREATE FUNCTION public.clinic_usage(schemas text[], month_from timestamptz[], month_to timestamptz[])
    RETURNS TABLE (schema_name text, patients bigint, sessions bigint, active_staff bigint, last_seen timestamptz)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
    AS $$
DECLARE
    q text;
BEGIN
    SELECT string_agg(format(
        'SELECT %1$L::text, (SELECT count(*) FROM %1$I.patients WHERE archived_at IS NULL),'
        ' (SELECT count(*) FROM %1$I.sessions WHERE status <> ''cancelled'' AND starts_at >= %2$L::timestamptz AND starts_at < %3$L::timestamptz),'
        ' (SELECT count(*) FROM %1$I.users WHERE active),'
        ' greatest((SELECT max(last_login_at) FROM %1$I.users), (SELECT max(created_at) FROM %1$I.audit_log))',
        t.schema_name, u.f, u.t), ' UNION ALL ')
    INTO q
    FROM unnest(schemas, month_from, month_to) AS u(s, f, t)
    JOIN public.tenants t ON t.schema_name = u.s AND t.status <> 'archived'
    JOIN pg_catalog.pg_namespace n ON n.nspname = t.schema_name;
    IF q IS NOT NULL THEN
        RETURN QUERY EXECUTE q;
    END IF;
END
$$;
REVOKE ALL ON FUNCTION public.clinic_usage(text[], timestamptz[], timestamptz[]) FROM PUBLIC;
