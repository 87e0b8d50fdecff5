ALTER TABLE reviews DROP COLUMN results_visible_at;
