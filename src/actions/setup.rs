//! The first run (SPEC §15): while no account holds the admin role, each start of the server
//! issues a one-time setup link (§4 token rules: 256 bits, SHA-256 at rest, single use, 24 h)
//! whose page creates the first admin. Once an admin exists, there is no link and the page is
//! not found.

use chrono::{NaiveDateTime, TimeDelta};

use crate::db::{self, AnyConnection};
use crate::domain::ids::PersonId;
use crate::domain::security::email_address::EmailAddress;
use crate::domain::security::token;
use crate::domain::status::Role;
use crate::error::{AppError, AppResult};

/// How long a setup link works.
pub fn valid_for() -> TimeDelta {
    TimeDelta::hours(24)
}

/// Whether any account holds the admin role (enabled or not: a disabled admin is still the
/// organisation's to enable).
fn has_admin(conn: &mut AnyConnection) -> AppResult<bool> {
    Ok(db::accounts::any_admin(conn)?)
}

/// At a start of the server: a fresh setup link's token while no admin exists (any earlier
/// link stops working), else `None` (and no link is kept).
#[tracing::instrument(level = "debug", skip_all)]
pub fn fresh_link(conn: &mut AnyConnection, now: NaiveDateTime) -> AppResult<Option<String>> {
    if has_admin(conn)? {
        db::setup_links::clear(conn)?;
        return Ok(None);
    }
    let issued = token::issue();
    db::setup_links::replace(conn, &issued.hash, now, now + valid_for())?;
    Ok(Some(issued.token))
}

/// Whether the link (by its token's hash) may create the first admin now.
pub fn is_open(conn: &mut AnyConnection, token_hash: &str, now: NaiveDateTime) -> AppResult<bool> {
    Ok(!has_admin(conn)? && db::setup_links::is_live(conn, token_hash, now)?)
}

/// Uses the link up to create the first admin (with a password, or from the identity
/// provider's sign-in).
///
/// # Errors
///
/// `NotFound` once an admin exists or when the link is not live.
pub fn use_up(conn: &mut AnyConnection, token_hash: &str, now: NaiveDateTime) -> AppResult<()> {
    if has_admin(conn)? || !db::setup_links::take(conn, token_hash, now)? {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// Creates the first admin with the password they chose (hashed by the caller) and uses the
/// link up; audited.
///
/// # Errors
///
/// `NotFound` once an admin exists or when the link is not live.
#[tracing::instrument(level = "debug", skip_all)]
pub fn create_admin(
    conn: &mut AnyConnection,
    token_hash: &str,
    email: &EmailAddress,
    name: &str,
    password_hash: &str,
    now: NaiveDateTime,
) -> AppResult<PersonId> {
    use_up(conn, token_hash, now)?;
    super::users::add_with_hash(conn, email, name, Role::Admin, password_hash, now)
}
