ALTER TABLE cycles DROP COLUMN time_zone;
