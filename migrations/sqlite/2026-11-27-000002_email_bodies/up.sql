-- A queued message's composed body lives apart from its delivery state: claiming, retrying
-- and marking a message sent then rewrite a small row, not the ~5 KB body (on SQLite a body
-- spans overflow pages, which every status update re-wrote). Bodies are deleted once
-- delivered or cancelled, because they carry the rater's link.
CREATE TABLE email_bodies (
    outbox_id TEXT PRIMARY KEY NOT NULL REFERENCES email_outbox (id),
    mime TEXT NOT NULL
);
INSERT INTO email_bodies (outbox_id, mime) SELECT id, mime FROM email_outbox WHERE mime <> '';
ALTER TABLE email_outbox DROP COLUMN mime;
