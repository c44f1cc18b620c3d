-- Tenant schema: all of one clinic's data. Runs with search_path set to the
-- tenant's schema (then public, for extensions), so names are unqualified.
-- Keys are bigint; no foreign key leaves the schema.

CREATE TABLE settings (
    id               boolean PRIMARY KEY DEFAULT true CHECK (id),
    display_name     text NOT NULL DEFAULT '',
    timezone         text NOT NULL DEFAULT 'America/Lima',
    currency         text NOT NULL DEFAULT 'PEN',
    lang             text NOT NULL DEFAULT 'es' CHECK (lang IN ('es', 'en')),
    default_duration integer NOT NULL DEFAULT 60 CHECK (default_duration BETWEEN 5 AND 480),
    work_start       time NOT NULL DEFAULT '08:00',
    work_end         time NOT NULL DEFAULT '20:00',
    -- ISO weekdays the clinic works (1 = Monday ... 7 = Sunday)
    work_days        smallint[] NOT NULL DEFAULT '{1,2,3,4,5,6}',
    CHECK (work_start < work_end)
);
INSERT INTO settings DEFAULT VALUES;

CREATE TABLE users (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email            citext NOT NULL UNIQUE CHECK (email ~ '^[^@\s]+@[^@\s]+$'),
    name             text NOT NULL CHECK (btrim(name) <> ''),
    role             text NOT NULL CHECK (role IN ('admin', 'specialist', 'reception')),
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

CREATE TABLE user_keys (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    public_key   text NOT NULL,
    fingerprint  text NOT NULL UNIQUE,
    label        text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz
);
CREATE INDEX user_keys_user_idx ON user_keys (user_id);

CREATE TABLE specialists (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint UNIQUE REFERENCES users(id) ON DELETE SET NULL,
    first_name text NOT NULL CHECK (btrim(first_name) <> ''),
    last_name  text NOT NULL CHECK (btrim(last_name) <> ''),
    specialty  text NOT NULL DEFAULT '',
    document   text NOT NULL UNIQUE CHECK (btrim(document) <> ''),
    phone      text NOT NULL DEFAULT '',
    email      citext,
    comp_type  text NOT NULL DEFAULT 'percent' CHECK (comp_type IN ('fixed', 'percent')),
    comp_value numeric(12,2) NOT NULL DEFAULT 0 CHECK (comp_value >= 0),
    active     boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (comp_type <> 'percent' OR comp_value <= 100)
);

CREATE TABLE rooms (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text NOT NULL UNIQUE CHECK (btrim(name) <> ''),
    capacity   integer NOT NULL DEFAULT 1 CHECK (capacity >= 1),
    location   text NOT NULL DEFAULT '',
    active     boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE room_specialists (
    room_id       bigint NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    specialist_id bigint NOT NULL REFERENCES specialists(id) ON DELETE CASCADE,
    PRIMARY KEY (room_id, specialist_id)
);

CREATE TABLE equipment (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text NOT NULL UNIQUE CHECK (btrim(name) <> ''),
    code       text UNIQUE CHECK (code ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE room_equipment (
    room_id      bigint NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    equipment_id bigint NOT NULL REFERENCES equipment(id) ON DELETE RESTRICT,
    quantity     integer NOT NULL DEFAULT 1 CHECK (quantity >= 1),
    PRIMARY KEY (room_id, equipment_id)
);

CREATE TABLE patients (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    first_name        text NOT NULL CHECK (btrim(first_name) <> ''),
    surname           text NOT NULL CHECK (btrim(surname) <> ''),
    birth_date        date NOT NULL,
    gender            text NOT NULL DEFAULT '' CHECK (gender IN ('', 'female', 'male', 'other')),
    document          text UNIQUE CHECK (btrim(document) <> ''),
    address           text NOT NULL DEFAULT '',
    phone             text NOT NULL DEFAULT '',
    email             citext,
    marital_status    text NOT NULL DEFAULT '',
    education         text NOT NULL DEFAULT '',
    cost_session      numeric(12,2) NOT NULL DEFAULT 0 CHECK (cost_session >= 0),
    therapist_id      bigint REFERENCES specialists(id) ON DELETE SET NULL,
    medical_diagnosis text NOT NULL DEFAULT '',
    medical_history   text NOT NULL DEFAULT '',
    allergies         text NOT NULL DEFAULT '',
    therapy           text NOT NULL DEFAULT '',
    emergency_name    text NOT NULL DEFAULT '',
    emergency_phone   text NOT NULL DEFAULT '',
    notes             text NOT NULL DEFAULT '',
    status            text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'discharged', 'suspended')),
    archived_at       timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    -- one normalised text for search-as-you-type (trigram index below)
    search_text       text GENERATED ALWAYS AS (public.search_norm(
                          first_name || ' ' || surname || ' ' || coalesce(document, '') || ' ' ||
                          phone || ' ' || coalesce(email::text, ''))) STORED,
    -- sort keys of the lists: normalised (accent- and case-free) so "Álvarez"
    -- sorts with the a's whatever the database's collation; stored, so that
    -- ordering and filtering never call unaccent per row; C collation, so
    -- one index serves keyset paging and short prefix searches (LIKE 'ab%'
    -- becomes a range scan)
    surname_key       text COLLATE "C" GENERATED ALWAYS AS (public.search_norm(surname)) STORED,
    first_name_key    text COLLATE "C" GENERATED ALWAYS AS (public.search_norm(first_name)) STORED
);
-- fastupdate off: new rows go straight into the index instead of a pending
-- list that every search scans linearly (and that makes the planner shun the
-- index) until the next vacuum; patients are registered one at a time.
CREATE INDEX patients_search_trgm ON patients USING gin (search_text public.gin_trgm_ops) WITH (fastupdate = off);
-- Name order for keyset paging and surname prefixes. It carries every column
-- a list filters on (INCLUDE), so a multi-word search can walk a stretch of
-- the name order checking the words without reading the table (an
-- index-only scan; see patientListSQL in store/patients.go).
CREATE INDEX patients_name_keyset ON patients (surname_key, first_name_key, id)
    INCLUDE (search_text, archived_at, status, therapist_id);
CREATE INDEX patients_first_name_prefix ON patients (first_name_key);
CREATE INDEX patients_created_keyset ON patients (created_at, id);
-- A therapist's patients already in either list order: a specialist's page
-- reads a page of entries instead of sorting all their patients; the name
-- one carries the searched columns so a search filters without the table.
CREATE INDEX patients_therapist_name ON patients (therapist_id, surname_key, first_name_key, id)
    INCLUDE (search_text, archived_at, status);
CREATE INDEX patients_therapist_created ON patients (therapist_id, created_at, id);

CREATE TABLE sessions (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    patient_id      bigint NOT NULL REFERENCES patients(id) ON DELETE RESTRICT,
    specialist_id   bigint NOT NULL REFERENCES specialists(id) ON DELETE RESTRICT,
    room_id         bigint NOT NULL REFERENCES rooms(id) ON DELETE RESTRICT,
    starts_at       timestamptz NOT NULL,
    duration_min    integer NOT NULL CHECK (duration_min BETWEEN 5 AND 720),
    -- kept as a column (timestamptz + interval is not immutable, so it cannot
    -- be generated); the check keeps it consistent with the duration
    ends_at         timestamptz NOT NULL,
    objective       text NOT NULL DEFAULT '',
    activity        text NOT NULL DEFAULT '',
    materials       text NOT NULL DEFAULT '',
    observation     text NOT NULL DEFAULT '',
    status          text NOT NULL DEFAULT 'unplanned'
                    CHECK (status IN ('unplanned', 'planned', 'completed', 'cancelled')),
    cancel_reason   text CHECK (cancel_reason IN ('patient', 'therapist', 'clinic', 'no_show', 'other', 'rescheduled')),
    cancel_detail   text NOT NULL DEFAULT '',
    rescheduled_to  bigint REFERENCES sessions(id) ON DELETE SET NULL,
    completed_at    timestamptz,
    paid_in_advance boolean NOT NULL DEFAULT false,
    created_by      bigint REFERENCES users(id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at = starts_at + make_interval(mins => duration_min)),
    CHECK (status <> 'completed' OR (btrim(observation) <> '' AND completed_at IS NOT NULL)),
    CHECK ((status = 'cancelled') = (cancel_reason IS NOT NULL)),
    CONSTRAINT sessions_no_specialist_overlap EXCLUDE USING gist
        (specialist_id WITH =, tstzrange(starts_at, ends_at) WITH &&) WHERE (status <> 'cancelled'),
    CONSTRAINT sessions_no_room_overlap EXCLUDE USING gist
        (room_id WITH =, tstzrange(starts_at, ends_at) WITH &&) WHERE (status <> 'cancelled')
);
CREATE INDEX sessions_starts_idx ON sessions (starts_at);
CREATE INDEX sessions_patient_idx ON sessions (patient_id, starts_at);
CREATE INDEX sessions_specialist_idx ON sessions (specialist_id, starts_at);
-- rescheduled_from is read back through this link on every session shown
CREATE INDEX sessions_rescheduled_to_idx ON sessions (rescheduled_to) WHERE rescheduled_to IS NOT NULL;

CREATE TABLE payments (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id  bigint NOT NULL UNIQUE REFERENCES sessions(id) ON DELETE RESTRICT,
    amount      numeric(12,2) NOT NULL CHECK (amount >= 0),
    paid        boolean NOT NULL DEFAULT false,
    paid_on     date,
    method      text CHECK (method IN ('cash', 'card', 'transfer', 'other')),
    reference   text NOT NULL DEFAULT '',
    observation text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (NOT paid OR (paid_on IS NOT NULL AND method IS NOT NULL))
);
CREATE INDEX payments_paid_on_idx ON payments (paid_on) WHERE paid;

CREATE TABLE payment_log (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payment_id bigint NOT NULL REFERENCES payments(id) ON DELETE CASCADE,
    session_id bigint NOT NULL,
    action     text NOT NULL CHECK (action IN ('created', 'paid', 'unpaid', 'moved')),
    amount     numeric(12,2) NOT NULL,
    method     text,
    reference  text NOT NULL DEFAULT '',
    user_id    bigint REFERENCES users(id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payment_log_payment_idx ON payment_log (payment_id, created_at);
CREATE INDEX payment_log_session_idx ON payment_log (session_id);

CREATE TABLE expenses (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL CHECK (btrim(name) <> ''),
    amount      numeric(12,2) NOT NULL CHECK (amount > 0),
    fixed       boolean NOT NULL DEFAULT false,
    recurring   boolean NOT NULL DEFAULT false,
    due_date    date,
    paid        boolean NOT NULL DEFAULT false,
    paid_at     date,
    notes       text NOT NULL DEFAULT '',
    previous_id bigint UNIQUE REFERENCES expenses(id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (paid = (paid_at IS NOT NULL))
);
CREATE INDEX expenses_due_idx ON expenses (due_date);

CREATE TABLE notifications (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    type        text NOT NULL CHECK (type IN ('session_tomorrow', 'payment_overdue', 'expense_due', 'expense_overdue')),
    title       text NOT NULL,
    message     text NOT NULL DEFAULT '',
    patient_id  bigint REFERENCES patients(id) ON DELETE CASCADE,
    session_id  bigint REFERENCES sessions(id) ON DELETE CASCADE,
    payment_id  bigint REFERENCES payments(id) ON DELETE CASCADE,
    expense_id  bigint REFERENCES expenses(id) ON DELETE CASCADE,
    ref_key     text NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    resolved_at timestamptz
);
CREATE INDEX notifications_open_idx ON notifications (created_at) WHERE resolved_at IS NULL;

CREATE TABLE notification_reads (
    notification_id bigint NOT NULL REFERENCES notifications(id) ON DELETE CASCADE,
    user_id         bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    read_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (notification_id, user_id)
);

-- Append-only for the tenant role (only SELECT and INSERT are granted).
CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     bigint,
    user_email  text NOT NULL DEFAULT '',
    action      text NOT NULL,   -- view, create, update, delete, ...
    entity      text NOT NULL,   -- patient, patient_clinical, session, payment, ...
    entity_id   bigint,
    detail      jsonb,
    remote_addr text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_created_idx ON audit_log (created_at DESC);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id);
