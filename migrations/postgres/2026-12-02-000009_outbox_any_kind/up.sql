-- The outbox's kind is no longer listed in a CHECK: the application's enum
-- (domain::status::EmailKind) is the one list of kinds, and a new kind needs no migration.
-- Reading back a kind the application does not know is an error naming it.
ALTER TABLE email_outbox DROP CONSTRAINT email_outbox_kind_check;
