-- kam360 schema: people, cycles, reviews, assignments, answers, decisions, audit, outbox, sessions.
-- Ids are UUIDv7 text made by the application; timestamps are UTC without zone.

CREATE TABLE organizations (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE people (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE accounts (
    person_id TEXT PRIMARY KEY NOT NULL REFERENCES people (id),
    role TEXT NOT NULL CHECK (role IN ('admin', 'supervisor')),
    password_hash TEXT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE staff_sessions (
    id_hash TEXT PRIMARY KEY NOT NULL,
    person_id TEXT NOT NULL REFERENCES people (id),
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX staff_sessions_person ON staff_sessions (person_id);

CREATE TABLE cycles (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'open', 'closed', 'archived')),
    closes_at TIMESTAMP NOT NULL,
    rubric_snapshot TEXT NOT NULL,
    policy_snapshot TEXT NOT NULL,
    min_group_size INTEGER NOT NULL CHECK (min_group_size >= 3),
    created_at TIMESTAMP NOT NULL,
    launched_at TIMESTAMP,
    closed_at TIMESTAMP
);

CREATE TABLE reviews (
    id TEXT PRIMARY KEY NOT NULL,
    cycle_id TEXT NOT NULL REFERENCES cycles (id),
    subject_id TEXT NOT NULL REFERENCES people (id),
    supervisor_id TEXT NOT NULL REFERENCES people (id),
    status TEXT NOT NULL CHECK (status IN ('collecting', 'reconciling', 'finalized')),
    version INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    finalized_at TIMESTAMP,
    finalized_by TEXT REFERENCES people (id),
    UNIQUE (cycle_id, subject_id)
);
CREATE INDEX reviews_supervisor ON reviews (supervisor_id);

CREATE TABLE assignments (
    id TEXT PRIMARY KEY NOT NULL,
    review_id TEXT NOT NULL REFERENCES reviews (id),
    rater_id TEXT NOT NULL REFERENCES people (id),
    relationship TEXT NOT NULL CHECK (relationship IN ('customer', 'peer', 'team', 'supervisor', 'self')),
    locale TEXT NOT NULL CHECK (locale IN ('zh', 'en')),
    organization_id TEXT REFERENCES organizations (id),
    status TEXT NOT NULL CHECK (status IN ('pending', 'invited', 'opened', 'draft', 'submitted', 'declined', 'revoked', 'expired')),
    created_at TIMESTAMP NOT NULL,
    invited_at TIMESTAMP,
    opened_at TIMESTAMP,
    saved_at TIMESTAMP,
    submitted_at TIMESTAMP,
    declined_at TIMESTAMP,
    decline_reason TEXT,
    revoked_at TIMESTAMP,
    UNIQUE (review_id, rater_id)
);
CREATE INDEX assignments_rater ON assignments (rater_id);

-- A rater's links: only the SHA-256 of each token. An assignment may hold several live links
-- (the invitation's, a reminder's); revoking deletes them all.
CREATE TABLE rater_links (
    token_hash TEXT PRIMARY KEY NOT NULL,
    assignment_id TEXT NOT NULL REFERENCES assignments (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX rater_links_assignment ON rater_links (assignment_id);

-- A browser's rater session (cookie) and the assignments it opened through their links, so
-- that pages after the first are reached by token-free URLs. Only the cookie's hash is kept.
CREATE TABLE rater_sessions (
    session_hash TEXT NOT NULL,
    assignment_id TEXT NOT NULL REFERENCES assignments (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (session_hash, assignment_id)
);

CREATE TABLE responses (
    assignment_id TEXT PRIMARY KEY NOT NULL REFERENCES assignments (id),
    strengths TEXT NOT NULL DEFAULT '',
    improvements TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE ratings (
    assignment_id TEXT NOT NULL REFERENCES assignments (id),
    criterion_id TEXT NOT NULL,
    level INTEGER CHECK (level BETWEEN 1 AND 4),
    not_observed BOOLEAN NOT NULL DEFAULT FALSE,
    comment TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (assignment_id, criterion_id),
    CHECK (NOT (not_observed AND level IS NOT NULL))
);

CREATE TABLE decisions (
    review_id TEXT NOT NULL REFERENCES reviews (id),
    criterion_id TEXT NOT NULL,
    proposed_level INTEGER CHECK (proposed_level BETWEEN 1 AND 4),
    final_level INTEGER CHECK (final_level BETWEEN 1 AND 4),
    rationale TEXT NOT NULL DEFAULT '',
    decided_by TEXT NOT NULL REFERENCES people (id),
    decided_at TIMESTAMP NOT NULL,
    PRIMARY KEY (review_id, criterion_id)
);

CREATE TABLE audit_events (
    id TEXT PRIMARY KEY NOT NULL,
    at TIMESTAMP NOT NULL,
    actor_id TEXT REFERENCES people (id),
    action TEXT NOT NULL,
    cycle_id TEXT REFERENCES cycles (id),
    review_id TEXT REFERENCES reviews (id),
    target TEXT,
    old_value TEXT,
    new_value TEXT,
    rationale TEXT
);
CREATE INDEX audit_events_review ON audit_events (review_id);

CREATE TABLE email_outbox (
    id TEXT PRIMARY KEY NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('invitation', 'reminder', 'supervisor_ready', 'resend')),
    assignment_id TEXT REFERENCES assignments (id),
    review_id TEXT REFERENCES reviews (id),
    recipient_email TEXT NOT NULL,
    recipient_name TEXT NOT NULL,
    locale TEXT NOT NULL CHECK (locale IN ('zh', 'en')),
    subject TEXT NOT NULL,
    -- the whole RFC 5322 message, composed when queued; cleared once delivered
    mime TEXT NOT NULL,
    message_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    lease_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX email_outbox_due ON email_outbox (status, next_attempt_at, id);
CREATE INDEX email_outbox_lease ON email_outbox (status, lease_until);
CREATE INDEX email_outbox_assignment ON email_outbox (assignment_id);

-- The audit trail is append-only.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
