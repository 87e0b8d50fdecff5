//! The first run's setup link (SPEC §15): its token's hash, while no admin exists.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::setup_links;
use super::AnyConnection;

/// Replaces every setup link with this one (each start issues a fresh link).
pub fn replace(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    clear(conn)?;
    diesel::insert_into(setup_links::table)
        .values((
            setup_links::token_hash.eq(token_hash),
            setup_links::created_at.eq(now),
            setup_links::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Whether the link is live at `now`.
pub fn is_live(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    setup_links::table
        .find(token_hash)
        .filter(setup_links::expires_at.gt(now))
        .count()
        .get_result::<i64>(conn)
        .map(|n| n == 1)
}

/// Uses the link up (once): whether it was live.
pub fn take(conn: &mut AnyConnection, token_hash: &str, now: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::delete(
        setup_links::table
            .find(token_hash)
            .filter(setup_links::expires_at.gt(now)),
    )
    .execute(conn)?;
    clear(conn)?;
    Ok(n == 1)
}

/// Forgets every setup link.
pub fn clear(conn: &mut AnyConnection) -> QueryResult<usize> {
    diesel::delete(setup_links::table).execute(conn)
}
