-- Packed bodies cannot be unpacked in SQL: their messages are cancelled (an admin's retry
-- issues a fresh link), the text bodies kept.
UPDATE email_outbox SET status = 'cancelled', last_error = 'cancelled: its packed body was dropped by a downgrade'
WHERE status IN ('pending', 'sending')
  AND id IN (SELECT outbox_id FROM email_bodies WHERE packed IS NOT NULL);
DELETE FROM email_bodies WHERE packed IS NOT NULL;
DROP INDEX email_bodies_specimen;
ALTER TABLE email_bodies
    DROP CONSTRAINT email_bodies_one_form,
    DROP COLUMN packed,
    DROP COLUMN specimen_id,
    ALTER COLUMN mime SET NOT NULL;
DROP TABLE email_specimens;
