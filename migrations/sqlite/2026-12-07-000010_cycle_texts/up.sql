-- The words an admin gives a cycle's invitation and reminder (SPEC 16), per language; a
-- missing row keeps kam360's own words.
CREATE TABLE cycle_texts (
    cycle_id TEXT NOT NULL REFERENCES cycles (id),
    kind TEXT NOT NULL CHECK (kind IN ('invitation', 'reminder')),
    locale TEXT NOT NULL CHECK (locale IN ('zh', 'en')),
    subject TEXT NOT NULL,
    opening TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (cycle_id, kind, locale)
);
-- the opening paragraph a message was sent with, when the admin worded it (the subject is
-- kept already; the body is deleted once delivered)
ALTER TABLE email_outbox ADD COLUMN opening TEXT;
