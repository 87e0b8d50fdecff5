-- Packed bodies cannot be unpacked in SQL: their messages are cancelled (an admin's retry
-- issues a fresh link), the text bodies kept.
UPDATE email_outbox SET status = 'cancelled', last_error = 'cancelled: its packed body was dropped by a downgrade'
WHERE status IN ('pending', 'sending')
  AND id IN (SELECT outbox_id FROM email_bodies WHERE packed IS NOT NULL);
CREATE TABLE email_bodies_old (
    outbox_id TEXT PRIMARY KEY NOT NULL REFERENCES email_outbox (id),
    mime TEXT NOT NULL
);
INSERT INTO email_bodies_old (outbox_id, mime) SELECT outbox_id, mime FROM email_bodies WHERE mime IS NOT NULL;
DROP TABLE email_bodies;
ALTER TABLE email_bodies_old RENAME TO email_bodies;
DROP TABLE email_specimens;
