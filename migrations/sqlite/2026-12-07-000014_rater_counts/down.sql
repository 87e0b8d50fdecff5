DROP TRIGGER assignments_recounted;
DROP TRIGGER assignments_counted_out;
DROP TRIGGER assignments_counted_in;
ALTER TABLE reviews DROP COLUMN answered;
ALTER TABLE reviews DROP COLUMN raters;
