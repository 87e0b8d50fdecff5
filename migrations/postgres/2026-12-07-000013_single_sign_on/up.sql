-- Single sign-on (SPEC 15). A sign-in begun at the identity provider: only its state's hash
-- is kept; the nonce and the PKCE verifier wait here (ten minutes at most) for the one callback
-- that may use them. A flow begun from the setup link carries that link's hash.
CREATE TABLE sign_in_flows (
    state_hash TEXT PRIMARY KEY,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    setup_hash TEXT,
    -- the page language chosen where the sign-in began (?lang=), for the pages after it
    locale TEXT,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
-- the provider's ID token of a session begun through it: the hint its end-session endpoint
-- asks for at sign-out
ALTER TABLE staff_sessions ADD COLUMN id_token TEXT;
