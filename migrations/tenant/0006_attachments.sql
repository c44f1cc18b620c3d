-- Attachments (issue 14): a patient's files (photos, referral letters,
-- consent forms, lab results…), uploaded and downloaded over SFTP/SCP.
--
-- Stored in the clinic's own schema as bytea, not as large objects: large
-- objects live in one database-wide catalogue (pg_largeobject) outside any
-- schema, so the clinic's role, a schema drop or rename, and the per-clinic
-- export would each have to chase their OIDs; rows in this schema are
-- isolated, audited, exported and dropped with the rest of the clinic.
-- The content is split in chunks (store.AttachmentChunkSize) so no single
-- value is large: pgx and the server never hold one giant datum per row, and
-- the 1 GB limit of a bytea value never applies.
CREATE TABLE attachments (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    patient_id bigint NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    kind       text NOT NULL CHECK (kind IN ('photo', 'referral', 'consent', 'lab', 'clinical', 'admin')),
    name       text NOT NULL CHECK (name <> '' AND name NOT IN ('.', '..') AND position('/' in name) = 0),
    size       bigint NOT NULL CHECK (size >= 0),
    sha256     bytea NOT NULL CHECK (length(sha256) = 32),
    created_by bigint REFERENCES users(id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL,
    UNIQUE (patient_id, kind, name)
);

CREATE TABLE attachment_chunks (
    attachment_id bigint NOT NULL REFERENCES attachments(id) ON DELETE CASCADE,
    seq           int NOT NULL CHECK (seq >= 0),
    data          bytea NOT NULL,
    PRIMARY KEY (attachment_id, seq)
);
-- Photos and PDFs are compressed already: do not try again on every write.
-- Citus refuses SET STORAGE on a distributed table (and PostgreSQL 15 has
-- no STORAGE clause in CREATE TABLE): there the chunks keep the default,
-- which only costs a compression attempt per chunk.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'citus') THEN
        ALTER TABLE attachment_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
    END IF;
END
$$;
