//! Staff sign-in and sign-out (SPEC §4, §14): attempts throttled with growing delays per
//! account at an address, (looser) per account from anywhere and per address across accounts
//! (failures only), never a hard lock; failures audited without the
//! address of the account in the clear, a new session at every sign-in. Checking the password
//! is the caller's (it runs off the database transaction, on the blocking pool).

use chrono::{NaiveDateTime, TimeDelta};

use crate::db::{self, AnyConnection};
use crate::domain::audit::Action;
use crate::domain::ids::PersonId;
use crate::domain::locale::Locale;
use crate::domain::security::throttle::{self, Rule};
use crate::domain::security::token;
use crate::error::AppResult;

/// The throttle keys of one sign-in attempt, hashed (no email or address is stored).
pub struct Keys {
    pair: String,
    account: String,
    /// The client address across accounts (issue #23: one address guessing at many accounts).
    client: String,
}

impl Keys {
    /// The keys of `email` signing in from `address`.
    pub fn of(email: &str, address: &str) -> Keys {
        Keys {
            pair: throttle::key(&["pair", email, address]),
            account: throttle::account_key(email),
            client: throttle::key(&["client", address]),
        }
    }

    fn rules(&self) -> Vec<(String, Rule)> {
        let minutes_15 = TimeDelta::minutes(15);
        let rule = |free| Rule {
            free,
            max_delay: minutes_15,
            window: minutes_15,
        };
        vec![
            (self.pair.clone(), rule(5)),
            (self.account.clone(), rule(20)),
            // an office behind one address signs in all day: only failures count here
            (self.client.clone(), rule(30)),
        ]
    }

    fn hashes(&self) -> [String; 3] {
        [self.pair.clone(), self.account.clone(), self.client.clone()]
    }
}

/// Counts an attempt in; `Err(wait)` when it must wait first (never a hard lock). The time is
/// read by the caller inside the transaction, in the order attempts are serialised.
#[tracing::instrument(level = "debug", skip_all)]
pub fn begin(
    conn: &mut AnyConnection,
    keys: &Keys,
    now: NaiveDateTime,
) -> AppResult<Result<(), TimeDelta>> {
    Ok(db::throttle::begin(conn, &keys.rules(), now)?)
}

/// Records a failed attempt: the delays grow, and the audit trail keeps the account's hash and
/// the client's address.
#[tracing::instrument(level = "debug", skip_all)]
pub fn failed(
    conn: &mut AnyConnection,
    keys: &Keys,
    email: &str,
    client: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    db::throttle::failed(conn, &keys.hashes(), now)?;
    let account = token::hash(email);
    db::audit::Event::new(Action::StaffLoginFailed)
        .target(&account)
        .new_value(client)
        .record(conn, now)?;
    Ok(())
}

/// A successful sign-in: the new session (its id and CSRF token hashed by the caller's
/// `token::issue`), and what the attempt changes on the account.
pub struct Opened<'a> {
    pub person: &'a PersonId,
    /// The hash of the session id the browser held before, which ends now (no fixation).
    pub old_session: Option<&'a str>,
    pub id_hash: &'a str,
    pub csrf_token: &'a str,
    pub lasts: TimeDelta,
    /// The language chosen on the sign-in page: the person's from now on.
    pub chosen: Option<Locale>,
    /// The password hashed again with today's parameters, when the stored hash was outdated.
    pub rehashed: Option<&'a str>,
    /// The identity provider's ID token, when the person signed in through it (SPEC §15).
    pub id_token: Option<&'a str>,
}

/// Opens the session of a signed-in person (after a password, the throttle forgets the
/// account's failures: `keys`; single sign-on has none).
#[tracing::instrument(level = "debug", skip_all)]
pub fn open(
    conn: &mut AnyConnection,
    keys: Option<&Keys>,
    s: &Opened<'_>,
    now: NaiveDateTime,
) -> AppResult<()> {
    if let Some(h) = s.old_session {
        db::sessions::delete(conn, h)?;
    }
    if let Some(keys) = keys {
        // the account's own keys start over; the address keeps its failures
        db::throttle::succeeded(conn, &[keys.pair.clone(), keys.account.clone()])?;
        db::throttle::refund(conn, std::slice::from_ref(&keys.client))?;
    }
    db::sessions::create(conn, s.id_hash, s.person, s.csrf_token, now, now + s.lasts)?;
    if let Some(t) = s.id_token {
        db::sessions::set_id_token(conn, s.id_hash, t)?;
    }
    if let Some(l) = s.chosen {
        db::accounts::set_locale(conn, s.person, l)?;
    }
    if let Some(h) = s.rehashed {
        db::accounts::set_hash(conn, s.person, h, now)?;
    }
    let mut event = db::audit::Event::new(Action::StaffLogin).by(s.person);
    if s.id_token.is_some() {
        event = event.new_value("sso");
    }
    event.record(conn, now)?;
    Ok(())
}

/// Ends a session: the identity provider's ID token it was begun with, if any (the hint for
/// ending the provider's session too).
pub fn sign_out(conn: &mut AnyConnection, id_hash: &str) -> AppResult<Option<String>> {
    let id_token = db::sessions::id_token(conn, id_hash)?;
    db::sessions::delete(conn, id_hash)?;
    Ok(id_token)
}
