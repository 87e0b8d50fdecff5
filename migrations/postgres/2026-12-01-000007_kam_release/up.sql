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

ALTER TABLE email_outbox DROP CONSTRAINT email_outbox_kind_check;
ALTER TABLE email_outbox ADD CONSTRAINT email_outbox_kind_check
    CHECK (kind IN ('invitation', 'reminder', 'supervisor_ready', 'resend', 'password_reset', 'links', 'report_released'));
