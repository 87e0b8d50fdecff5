-- The outbox's CHECK on its kind again, as in 2026-12-01-000008: messages of any kind it does not
-- list go first (their bodies before them).
DELETE FROM email_bodies WHERE outbox_id IN (SELECT id FROM email_outbox WHERE kind NOT IN ('invitation', 'reminder', 'supervisor_ready', 'resend', 'password_reset', 'links', 'report_released', 'staff_invite', 'nomination_request'));
DELETE FROM email_outbox WHERE kind NOT IN ('invitation', 'reminder', 'supervisor_ready', 'resend', 'password_reset', 'links', 'report_released', 'staff_invite', 'nomination_request');
ALTER TABLE email_outbox ADD CONSTRAINT email_outbox_kind_check
    CHECK (kind IN ('invitation', 'reminder', 'supervisor_ready', 'resend', 'password_reset', 'links', 'report_released', 'staff_invite', 'nomination_request'));
