-- Placeholder for helper notify's tenant 0008 (the loader refuses gaps):
-- this branch's 0010 needs an 0008 to load. DROP THIS FILE AT MERGE, when
-- notify's 0008 lands.
SELECT 1;
