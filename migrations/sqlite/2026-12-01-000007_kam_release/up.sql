-- Release of a signed-off review to its KAM (SPEC 12): when and by whom, the KAM's links
-- (only token hashes, SPEC 4), the acknowledgement, and the KAM's development plan (1-5 goals,
-- each tied to a criterion) with the supervisor's comment on each goal.
CREATE TABLE report_releases (
    review_id TEXT PRIMARY KEY NOT NULL REFERENCES reviews (id),
    released_at TIMESTAMP NOT NULL,
    released_by TEXT NOT NULL REFERENCES people (id),
    acknowledged_at TIMESTAMP
);
CREATE TABLE kam_links (
    token_hash TEXT PRIMARY KEY NOT NULL,
    review_id TEXT NOT NULL REFERENCES reviews (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX kam_links_review ON kam_links (review_id);
CREATE TABLE development_goals (
    id TEXT PRIMARY KEY NOT NULL,
    review_id TEXT NOT NULL REFERENCES reviews (id),
    position INTEGER NOT NULL CHECK (position BETWEEN 1 AND 5),
    criterion_id TEXT NOT NULL,
    goal TEXT NOT NULL,
    actions TEXT NOT NULL,
    target_date DATE NOT NULL,
    supervisor_comment TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (review_id, position)
);

-- SQLite cannot change a CHECK constraint in place: the outbox (and its bodies, which refer to
-- it) are rebuilt with the new kind allowed. Renaming the new table rewrites the bodies'
-- reference to it.
CREATE TABLE email_outbox_new (
    id TEXT PRIMARY KEY NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('invitation', 'reminder', 'supervisor_ready', 'resend', 'password_reset', 'links', 'report_released')),
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
