ALTER TABLE responses DROP COLUMN levels;
