//! Staff password reset by email (SPEC §14): a request queues a single-use link valid for one
//! hour (§4 token rules: only its hash is stored) when the address has an active account, and
//! does nothing visible otherwise; using the link sets the new password, ends every session of
//! the account and lifts its sign-in delays. Each function is one user action, run in the
//! caller's transaction.

use super::Tx;
use crate::domain::audit::Action;
use crate::domain::ids::PersonId;
use chrono::{NaiveDateTime, TimeDelta};

use crate::db::{self, AnyConnection};
use crate::domain::locale::Locale;
use crate::domain::security::email_address::EmailAddress;
use crate::domain::security::{throttle, token};
use crate::email::account_messages::ResetMail;
use crate::email::messages::Recipient;
use crate::error::AppResult;

/// How long a reset link stays good.
pub fn valid_for() -> TimeDelta {
    TimeDelta::hours(1)
}

/// Queues a reset link for the active account at `email`, if there is one (the caller answers
/// the same either way). A new request replaces the person's earlier links.
#[tracing::instrument(level = "debug", skip_all)]
pub fn request(tx: Tx<'_>, email: &EmailAddress, locale: Locale) -> AppResult<()> {
    let Tx(conn, mail, _, now) = tx;
    let Some(account) = db::accounts::find_by_email(conn, email.as_str())? else {
        return Ok(());
    };
    if account.disabled {
        return Ok(());
    }
    let (hash, link) = new_link(conn, mail, &account.person_id, now, valid_for())?;
    mail.queue(
        conn,
        Recipient::new(&account.email, &account.name, locale),
        &ResetMail {
            token_hash: &hash,
            link: &link,
            valid_minutes: valid_for().num_minutes(),
        },
        now,
    )?;
    db::audit::Event::new(Action::StaffPasswordResetRequested)
        .by(&account.person_id)
        .target(&account.email)
        .record(conn, now)?;
    Ok(())
}

/// Stores a new password link for `person_id`, good for `valid`, in place of any earlier one;
/// returns its token's hash and its address.
pub(super) fn new_link(
    conn: &mut AnyConnection,
    mail: super::Mail<'_>,
    person_id: &PersonId,
    now: NaiveDateTime,
    valid: TimeDelta,
) -> AppResult<(String, String)> {
    let issued = token::issue();
    db::password_resets::replace(conn, &issued.hash, person_id, now, now + valid)?;
    let link = format!(
        "{}/password/reset/{}",
        mail.settings.base_url(),
        issued.token
    );
    Ok((issued.hash, link))
}

/// The active account a live link belongs to, as (person id, email).
#[tracing::instrument(level = "debug", skip_all)]
pub fn holder(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> AppResult<Option<(PersonId, String)>> {
    Ok(holder_of(conn, token_hash, now)?.map(|h| (h.person_id, h.email)))
}

/// Whose a live link is.
pub struct Holder {
    pub person_id: PersonId,
    pub email: String,
    /// An invited account choosing its first password (not a reset).
    pub first: bool,
}

/// The active account a live link belongs to.
#[tracing::instrument(level = "debug", skip_all)]
pub fn holder_of(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> AppResult<Option<Holder>> {
    let Some(person) = db::password_resets::find_live(conn, token_hash, now)? else {
        return Ok(None);
    };
    let email = db::people::find(conn, &person)?.email;
    let active = db::accounts::find_by_email(conn, &email)?.is_some_and(|a| !a.disabled);
    if !active {
        return Ok(None);
    }
    let first = !db::accounts::has_password(conn, &person)?;
    Ok(Some(Holder {
        person_id: person,
        email,
        first,
    }))
}

/// Uses the link: stores `password_hash` for its account, ends the account's sessions and
/// sign-in delays. `None` when the link is no longer good (used, replaced, expired, or the
/// account was disabled meanwhile); nothing is changed then.
#[tracing::instrument(level = "debug", skip_all)]
pub fn complete(
    conn: &mut AnyConnection,
    token_hash: &str,
    password_hash: &str,
    now: NaiveDateTime,
) -> AppResult<Option<String>> {
    let Some((person, email)) = holder(conn, token_hash, now)? else {
        return Ok(None);
    };
    if db::password_resets::consume(conn, token_hash, now)?.is_none() {
        return Ok(None);
    }
    db::accounts::set_hash(conn, &person, password_hash, now)?;
    db::sessions::delete_for_person(conn, &person)?;
    db::throttle::succeeded(conn, &[throttle::account_key(&email)])?;
    db::audit::Event::new(Action::StaffPasswordReset)
        .by(&person)
        .target(&email)
        .record(conn, now)?;
    Ok(Some(email))
}
