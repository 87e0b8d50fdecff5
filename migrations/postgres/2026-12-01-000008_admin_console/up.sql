-- The admin console (SPEC 11): how a cycle gathers its nominations (admin: CSV and page;
-- kam: each KAM proposes, their supervisor approves), its own reminder days, and each staff
-- member's saved page language.
ALTER TABLE cycles ADD COLUMN nominations TEXT NOT NULL DEFAULT 'admin' CHECK (nominations IN ('admin', 'kam'));
-- days before the deadline on which reminders go out, comma-separated; empty: the configured ones
ALTER TABLE cycles ADD COLUMN reminder_days TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN locale TEXT CHECK (locale IN ('zh', 'en'));
-- false for an invited account until its owner chooses a password
ALTER TABLE accounts ADD COLUMN password_set BOOLEAN NOT NULL DEFAULT TRUE;

-- Nomination by the KAM: where each KAM stands, their links (token hashes only, SPEC 4) and
-- the raters they propose until the supervisor approves the list.
CREATE TABLE nomination_requests (
    review_id TEXT PRIMARY KEY NOT NULL REFERENCES reviews (id),
    status TEXT NOT NULL CHECK (status IN ('not_started', 'proposed', 'approved')),
    proposed_at TIMESTAMP,
    approved_at TIMESTAMP,
    approved_by TEXT REFERENCES people (id)
);
CREATE TABLE nomination_links (
    token_hash TEXT PRIMARY KEY NOT NULL,
    review_id TEXT NOT NULL REFERENCES reviews (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX nomination_links_review ON nomination_links (review_id);
CREATE TABLE proposed_raters (
    id TEXT PRIMARY KEY NOT NULL,
    review_id TEXT NOT NULL REFERENCES reviews (id),
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    relationship TEXT NOT NULL CHECK (relationship IN ('customer', 'peer', 'team')),
    organization TEXT NOT NULL,
    locale TEXT NOT NULL CHECK (locale IN ('zh', 'en')),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (review_id, email)
);
CREATE INDEX proposed_raters_review ON proposed_raters (review_id);

ALTER TABLE email_outbox DROP CONSTRAINT email_outbox_kind_check;
ALTER TABLE email_outbox ADD CONSTRAINT email_outbox_kind_check
    CHECK (kind IN ('invitation', 'reminder', 'supervisor_ready', 'resend', 'password_reset', 'links', 'report_released', 'staff_invite', 'nomination_request'));
-- the cycle page counts a cycle's nominations per status from this index alone
CREATE INDEX assignments_review_status ON assignments (review_id, status);
