-- Queued bodies are packed (domain::formats::packed_mime): compressed against a specimen, a
-- message of the same kind and language that carries no one's link, kept while a body refers
-- to it. Bodies queued before this migration keep their text in `mime`; a body holds one form
-- or the other. SQLite cannot drop a NOT NULL in place: the bodies' table is rebuilt (nothing
-- refers to it).
CREATE TABLE email_specimens (
    id TEXT PRIMARY KEY NOT NULL,
    mime TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE email_bodies_new (
    outbox_id TEXT PRIMARY KEY NOT NULL REFERENCES email_outbox (id),
    mime TEXT,
    specimen_id TEXT REFERENCES email_specimens (id),
    packed BLOB,
    CHECK ((mime IS NULL) <> (packed IS NULL))
);
INSERT INTO email_bodies_new (outbox_id, mime) SELECT outbox_id, mime FROM email_bodies;
DROP TABLE email_bodies;
ALTER TABLE email_bodies_new RENAME TO email_bodies;
CREATE INDEX email_bodies_specimen ON email_bodies (specimen_id);
