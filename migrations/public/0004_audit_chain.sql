-- Tamper-evident audit logs (issue 17). Every row of a clinic's audit_log and
-- of public.operator_audit gets a sequence number and a hash chained to the
-- previous row's hash:
--   hash(n) = sha256(hash(n-1) || canonical text of row n)
-- computed by a trigger, so no insert path can skip it. Editing, deleting or
-- reordering a row breaks the chain from that row on; `consultorio audit
-- verify` finds the first broken row. Each schema keeps its chain head (last
-- sequence number and hash) in its own audit_chain_head row, locked by the
-- insert: entries are chained in the order their transactions reach the log.

-- The canonical text: the row as jsonb (keys sorted, deterministic) without
-- the chain columns and the timestamp, plus the timestamp as microseconds
-- since the epoch (jsonb would render it in the session's time zone).
CREATE FUNCTION public.audit_digest(prev bytea, entry jsonb, created_at timestamptz)
RETURNS bytea LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT pg_catalog.sha256(prev || pg_catalog.convert_to(
        (entry - 'chain_seq' - 'hash' - 'created_at')::text || '|' ||
        (extract(epoch FROM created_at) * 1000000)::bigint::text, 'UTF8'))
$$;

-- The trigger runs as the owner (the runtime roles may not write the head)
-- and finds the head in the schema of the table it fires on, so one
-- function serves every clinic and survives a schema rename (spares).
CREATE FUNCTION public.audit_chain() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    EXECUTE format('UPDATE %I.audit_chain_head
        SET seq = seq + 1, hash = public.audit_digest(hash, $1, $2) RETURNING seq, hash', TG_TABLE_SCHEMA)
        INTO NEW.chain_seq, NEW.hash
        USING to_jsonb(NEW), NEW.created_at;
    IF NEW.chain_seq IS NULL THEN
        RAISE EXCEPTION 'audit chain head missing in schema %', TG_TABLE_SCHEMA;
    END IF;
    RETURN NEW;
END
$$;

-- Chains the rows already in a log, in id order, and sets its head. Used
-- once per schema by the migrations that introduce the chain.
CREATE FUNCTION public.audit_chain_backfill(log regclass, head regclass) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    r record;
    h bytea := '\x0000000000000000000000000000000000000000000000000000000000000000';
    n bigint := 0;
BEGIN
    FOR r IN EXECUTE format('SELECT id, to_jsonb(l) AS entry, created_at FROM %s l ORDER BY id', log) LOOP
        n := n + 1;
        h := public.audit_digest(h, r.entry, r.created_at);
        EXECUTE format('UPDATE %s SET chain_seq = $1, hash = $2 WHERE id = $3', log) USING n, h, r.id;
    END LOOP;
    EXECUTE format('UPDATE %s SET seq = $1, hash = $2', head) USING n, h;
END
$$;

CREATE TABLE public.audit_chain_head (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    seq      bigint NOT NULL DEFAULT 0,
    hash     bytea NOT NULL DEFAULT '\x0000000000000000000000000000000000000000000000000000000000000000'
);
INSERT INTO public.audit_chain_head DEFAULT VALUES;

ALTER TABLE public.operator_audit ADD COLUMN chain_seq bigint, ADD COLUMN hash bytea;
SELECT public.audit_chain_backfill('public.operator_audit', 'public.audit_chain_head');
ALTER TABLE public.operator_audit ALTER COLUMN chain_seq SET NOT NULL, ALTER COLUMN hash SET NOT NULL;
CREATE UNIQUE INDEX operator_audit_chain_idx ON public.operator_audit (chain_seq);
CREATE TRIGGER operator_audit_chain BEFORE INSERT ON public.operator_audit
    FOR EACH ROW EXECUTE FUNCTION public.audit_chain();
