-- Availability (issue 13): when the clinic and each specialist can be
-- booked. The clinic's default hours stay in settings (work_start,
-- work_end, work_days); weekday_hours overrides the hours of one working
-- day (Saturday 09:00-13:00). closures are whole days the clinic is shut
-- (holidays). A specialist with rows in specialist_hours is bookable only
-- inside them (several ranges a day allowed); without rows, whenever the
-- clinic is open. specialist_absences are spans they are away.
CREATE TABLE weekday_hours (
    weekday smallint PRIMARY KEY CHECK (weekday BETWEEN 1 AND 7),
    opens   time NOT NULL,
    closes  time NOT NULL,
    CHECK (opens < closes)
);

CREATE TABLE closures (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    first_day  date NOT NULL,
    last_day   date NOT NULL,
    reason     text NOT NULL DEFAULT '',
    created_by bigint REFERENCES users(id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (first_day <= last_day)
);
CREATE INDEX closures_days ON closures (last_day, first_day);

CREATE TABLE specialist_hours (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    specialist_id bigint NOT NULL REFERENCES specialists(id) ON DELETE CASCADE,
    weekday       smallint NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    opens         time NOT NULL,
    closes        time NOT NULL,
    CHECK (opens < closes)
);
CREATE INDEX specialist_hours_day ON specialist_hours (specialist_id, weekday);

CREATE TABLE specialist_absences (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    specialist_id bigint NOT NULL REFERENCES specialists(id) ON DELETE CASCADE,
    starts_at     timestamptz NOT NULL,
    ends_at       timestamptz NOT NULL,
    reason        text NOT NULL DEFAULT '',
    created_by    bigint REFERENCES users(id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (starts_at < ends_at)
);
CREATE INDEX specialist_absences_span ON specialist_absences (specialist_id, ends_at);

-- Phone numbers are written with and without spaces or dashes ("987 654
-- 321", "987-654-321"): search_text also holds the phone's digits alone, so
-- "987654321" finds them all (the search turns a typed number into its
-- digits too). Dropping the generated column drops the indexes on it; they
-- are made again as in 0001.
ALTER TABLE patients DROP COLUMN search_text;
ALTER TABLE patients ADD COLUMN search_text text GENERATED ALWAYS AS (public.search_norm(
    first_name || ' ' || surname || ' ' || coalesce(document, '') || ' ' ||
    phone || ' ' || regexp_replace(phone, '[^0-9]', '', 'g') || ' ' || coalesce(email::text, ''))) STORED;
CREATE INDEX patients_search_trgm ON patients USING gin (search_text public.gin_trgm_ops) WITH (fastupdate = off);
CREATE INDEX patients_name_keyset ON patients (surname_key, first_name_key, id)
    INCLUDE (search_text, archived_at, status, therapist_id);
CREATE INDEX patients_therapist_name ON patients (therapist_id, surname_key, first_name_key, id)
    INCLUDE (search_text, archived_at, status);
