ALTER TABLE email_outbox ADD COLUMN mime TEXT NOT NULL DEFAULT '';
UPDATE email_outbox SET mime = (SELECT b.mime FROM email_bodies b WHERE b.outbox_id = email_outbox.id)
WHERE id IN (SELECT outbox_id FROM email_bodies);
DROP TABLE email_bodies;
