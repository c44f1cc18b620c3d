-- The clinic's audit log becomes a hash chain (see public 0004_audit_chain).
CREATE TABLE audit_chain_head (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    seq      bigint NOT NULL DEFAULT 0,
    hash     bytea NOT NULL DEFAULT '\x0000000000000000000000000000000000000000000000000000000000000000'
);
INSERT INTO audit_chain_head DEFAULT VALUES;

ALTER TABLE audit_log ADD COLUMN chain_seq bigint, ADD COLUMN hash bytea;
SELECT public.audit_chain_backfill('audit_log', 'audit_chain_head');
ALTER TABLE audit_log ALTER COLUMN chain_seq SET NOT NULL, ALTER COLUMN hash SET NOT NULL;
CREATE UNIQUE INDEX audit_log_chain_idx ON audit_log (chain_seq);
CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION public.audit_chain();
