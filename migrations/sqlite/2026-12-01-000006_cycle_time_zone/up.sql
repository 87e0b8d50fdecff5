-- A cycle's time zone (SPEC 13): its deadline is the end of the closing day there, and pages
-- and emails show it with the zone's offset. Existing cycles closed at the end of the day in
-- UTC, so they keep exactly their instant.
ALTER TABLE cycles ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
