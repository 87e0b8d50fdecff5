-- Password reset links for staff (SPEC 14): single-use, one hour, only the token's SHA-256
-- stored (SPEC 4). A newer request replaces older unused links of the same person.
-- The outbox also accepts the message a rater asks for at /links (SPEC 13).
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY NOT NULL,
    person_id TEXT NOT NULL REFERENCES people (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX password_resets_person ON password_resets (person_id);

ALTER TABLE email_outbox DROP CONSTRAINT email_outbox_kind_check;
ALTER TABLE email_outbox ADD CONSTRAINT email_outbox_kind_check
    CHECK (kind IN ('invitation', 'reminder', 'supervisor_ready', 'resend', 'password_reset', 'links'));
