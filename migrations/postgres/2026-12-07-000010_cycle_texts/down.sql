ALTER TABLE email_outbox DROP COLUMN opening;
DROP TABLE cycle_texts;
