DROP TRIGGER assignments_recounted ON assignments;
DROP TRIGGER assignments_counted ON assignments;
DROP FUNCTION count_raters();
ALTER TABLE reviews DROP COLUMN answered, DROP COLUMN raters;
