-- The outbox's kind is no longer listed in a CHECK: the application's enum
-- (domain::status::EmailKind) is the one list of kinds, and a new kind needs no table rebuild.
-- Reading back a kind the application does not know is an error naming it.
-- SQLite cannot drop a CHECK in place: this is the last rebuild of the outbox (and of its
-- bodies, which refer to it), every column, index and constraint as in 2026-12-01-000008 but
-- that one. Renaming the new table rewrites the bodies' reference to it.
CREATE TABLE email_outbox_new (
    id TEXT PRIMARY KEY NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    assignment_id TEXT REFERENCES assignments (id),
    review_id TEXT REFERENCES reviews (id),
    recipient_email TEXT NOT NULL,
    recipient_name TEXT NOT NULL,
    locale TEXT NOT NULL CHECK (locale IN ('zh', 'en')),
    subject TEXT NOT NULL,
    message_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    lease_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
INSERT INTO email_outbox_new (id, idempotency_key, kind, assignment_id, review_id,
    recipient_email, recipient_name, locale, subject, message_id, status, attempts,
    next_attempt_at, lease_until, last_error, created_at, sent_at)
SELECT id, idempotency_key, kind, assignment_id, review_id, recipient_email, recipient_name,
    locale, subject, message_id, status, attempts, next_attempt_at, lease_until, last_error,
    created_at, sent_at
FROM email_outbox;
CREATE TABLE email_bodies_new (
    outbox_id TEXT PRIMARY KEY NOT NULL REFERENCES email_outbox_new (id),
    mime TEXT NOT NULL
);
INSERT INTO email_bodies_new (outbox_id, mime) SELECT outbox_id, mime FROM email_bodies;
DROP TABLE email_bodies;
DROP TABLE email_outbox;
ALTER TABLE email_outbox_new RENAME TO email_outbox;
ALTER TABLE email_bodies_new RENAME TO email_bodies;
CREATE INDEX email_outbox_due ON email_outbox (status, next_attempt_at, id);
CREATE INDEX email_outbox_lease ON email_outbox (status, lease_until);
CREATE INDEX email_outbox_assignment ON email_outbox (assignment_id);
