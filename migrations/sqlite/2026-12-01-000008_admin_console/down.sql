DROP INDEX assignments_review_status;
-- The outbox keeps its wider CHECK (rebuilding it back buys nothing); the new kinds' messages go.
DELETE FROM email_bodies WHERE outbox_id IN (SELECT id FROM email_outbox WHERE kind IN ('staff_invite', 'nomination_request'));
DELETE FROM email_outbox WHERE kind IN ('staff_invite', 'nomination_request');
DROP TABLE proposed_raters;
DROP TABLE nomination_links;
DROP TABLE nomination_requests;
ALTER TABLE accounts DROP COLUMN password_set;
ALTER TABLE accounts DROP COLUMN locale;
ALTER TABLE cycles DROP COLUMN reminder_days;
ALTER TABLE cycles DROP COLUMN nominations;
