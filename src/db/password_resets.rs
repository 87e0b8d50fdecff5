//! Password reset links (SPEC §14): only the token's hash is stored; a link is good once, for
//! an hour, and a newer request replaces the older ones of the same person.

use crate::domain::ids::PersonId;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::password_resets;
use super::AnyConnection;

/// Stores a new link for `person_id`, replacing any earlier one.
pub fn replace(
    conn: &mut AnyConnection,
    token_hash: &str,
    person_id: &PersonId,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(password_resets::table.filter(password_resets::person_id.eq(person_id)))
        .execute(conn)?;
    diesel::insert_into(password_resets::table)
        .values((
            password_resets::token_hash.eq(token_hash),
            password_resets::person_id.eq(person_id),
            password_resets::created_at.eq(now),
            password_resets::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The person a live link (not expired at `now`) belongs to.
pub fn find_live(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<PersonId>> {
    password_resets::table
        .find(token_hash)
        .filter(password_resets::expires_at.gt(now))
        .select(password_resets::person_id)
        .get_result(conn)
        .optional()
}

/// Uses up a live link: deletes it (and any other of the same person). Returns the person, or
/// `None` when the link was not live — already used, replaced or expired.
pub fn consume(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<PersonId>> {
    let Some(person) = find_live(conn, token_hash, now)? else {
        return Ok(None);
    };
    // counted by the delete itself, so two concurrent uses cannot both succeed
    let deleted = diesel::delete(password_resets::table.find(token_hash)).execute(conn)?;
    if deleted == 0 {
        return Ok(None);
    }
    diesel::delete(password_resets::table.filter(password_resets::person_id.eq(&person)))
        .execute(conn)?;
    Ok(Some(person))
}

/// Deletes links that expired before `now` (the scheduler's housekeeping).
pub fn forget_expired(conn: &mut AnyConnection, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(password_resets::table.filter(password_resets::expires_at.le(now))).execute(conn)
}
