-- Placeholder for helper sessions' tenant 0009 (the loader refuses gaps):
-- this branch's 0010 needs an 0009 to load. DROP THIS FILE AT MERGE, when
-- sessions' 0009 lands.
SELECT 1;
