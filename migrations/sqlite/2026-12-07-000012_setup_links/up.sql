-- The first run's setup link (SPEC 15): while no admin exists, each start of the server issues
-- one (only its token's hash is kept), valid 24 hours, used once.
CREATE TABLE setup_links (
    token_hash TEXT PRIMARY KEY,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
