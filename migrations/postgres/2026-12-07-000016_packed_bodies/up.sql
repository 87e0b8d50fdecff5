-- Queued bodies are packed (domain::formats::packed_mime): compressed against a specimen, a
-- message of the same kind and language that carries no one's link, kept while a body refers
-- to it. Bodies queued before this migration keep their text in `mime`; a body holds one form
-- or the other. Packed bytes do not compress again: TOAST keeps them as they are.
CREATE TABLE email_specimens (
    id TEXT PRIMARY KEY NOT NULL,
    mime TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
ALTER TABLE email_bodies
    ALTER COLUMN mime DROP NOT NULL,
    ADD COLUMN specimen_id TEXT REFERENCES email_specimens (id),
    ADD COLUMN packed BYTEA,
    ADD CONSTRAINT email_bodies_one_form CHECK ((mime IS NULL) <> (packed IS NULL));
ALTER TABLE email_bodies ALTER COLUMN packed SET STORAGE EXTERNAL;
CREATE INDEX email_bodies_specimen ON email_bodies (specimen_id);
