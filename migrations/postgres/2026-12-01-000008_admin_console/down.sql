DROP INDEX assignments_review_status;
DELETE FROM email_bodies WHERE outbox_id IN (SELECT id FROM email_outbox WHERE kind IN ('staff_invite', 'nomination_request'));
DELETE FROM email_outbox WHERE kind IN ('staff_invite', 'nomination_request');
ALTER TABLE email_outbox DROP CONSTRAINT email_outbox_kind_check;
ALTER TABLE email_outbox ADD CONSTRAINT email_outbox_kind_check
    CHECK (kind IN ('invitation', 'reminder', 'supervisor_ready', 'resend', 'password_reset', 'links', 'report_released'));
DROP TABLE proposed_raters;
DROP TABLE nomination_links;
DROP TABLE nomination_requests;
ALTER TABLE accounts DROP COLUMN password_set;
ALTER TABLE accounts DROP COLUMN locale;
ALTER TABLE cycles DROP COLUMN reminder_days;
ALTER TABLE cycles DROP COLUMN nominations;
