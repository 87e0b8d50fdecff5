DELETE FROM email_bodies WHERE outbox_id IN (SELECT id FROM email_outbox WHERE kind IN ('password_reset', 'links'));
DELETE FROM email_outbox WHERE kind IN ('password_reset', 'links');
ALTER TABLE email_outbox DROP CONSTRAINT email_outbox_kind_check;
ALTER TABLE email_outbox ADD CONSTRAINT email_outbox_kind_check
    CHECK (kind IN ('invitation', 'reminder', 'supervisor_ready', 'resend'));
DROP TABLE password_resets;
