-- Sign-in attempts per throttle key (an account at a client address; an account), shared by
-- every server instance on this database (SPEC 14). Keys are SHA-256 hashes: no email or
-- address in the clear.
CREATE TABLE login_attempts (
    key_hash TEXT PRIMARY KEY NOT NULL,
    attempts INTEGER NOT NULL,
    last_at TIMESTAMP NOT NULL
);
