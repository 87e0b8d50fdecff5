DELETE FROM email_bodies WHERE outbox_id IN (SELECT id FROM email_outbox WHERE kind = 'report_released');
DELETE FROM email_outbox WHERE kind = 'report_released';
ALTER TABLE email_outbox DROP CONSTRAINT email_outbox_kind_check;
ALTER TABLE email_outbox ADD CONSTRAINT email_outbox_kind_check
    CHECK (kind IN ('invitation', 'reminder', 'supervisor_ready', 'resend', 'password_reset', 'links'));
DROP TABLE development_goals;
DROP TABLE kam_links;
DROP TABLE report_releases;
