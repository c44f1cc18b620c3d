-- Two-letter infix search (issue 13): "ar" finds "Lara". Trigrams (the
-- patients_search_trgm index) serve words of three or more characters; a
-- two-letter word has no trigram, so LIKE '%ar%' could only scan. The
-- letter pairs of search_text, indexed, answer it instead: search_pairs
-- returns the distinct pairs of adjacent characters that are not spaces
-- ('lara' → {ar, la, ra}), and a patient whose search text holds "ar"
-- has 'ar' among them. store/patients.go asks this index only when the
-- words are rare enough (see patientListSQL); common pairs fill a page
-- sooner by walking the name order.
CREATE FUNCTION search_pairs(text) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT coalesce(array_agg(DISTINCT p), '{}') FROM (
              SELECT substr($1, i, 2) AS p FROM generate_series(1, length($1) - 1) AS i) s
          WHERE p !~ '\s' $$;
CREATE INDEX patients_search_pairs ON patients USING gin (search_pairs(search_text)) WITH (fastupdate = off);
