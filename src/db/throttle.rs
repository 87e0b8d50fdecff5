//! Sign-in attempts per throttle key, shared by every server instance on the database. Each
//! call runs inside the caller's write transaction; on PostgreSQL the key's row is locked
//! (`FOR UPDATE`) so that concurrent attempts are checked one after the other, as SQLite's
//! `BEGIN IMMEDIATE` does for its single writer. Every function takes its keys' rows in the
//! same order (sorted), one row at a time, so that two instances' concurrent attempts on
//! overlapping keys wait for each other instead of deadlocking.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use super::schema::login_attempts;
use super::AnyConnection;
use crate::domain::security::throttle::{Attempts, Rule};

fn stored(conn: &mut AnyConnection, key: &str) -> QueryResult<Option<Attempts>> {
    let q = login_attempts::table
        .find(key)
        .select((login_attempts::attempts, login_attempts::last_at));
    let row: Option<(i32, NaiveDateTime)> = match conn {
        AnyConnection::Postgresql(c) => q.for_update().get_result(c).optional()?,
        AnyConnection::Sqlite(c) => q.get_result(c).optional()?,
    };
    Ok(row.map(|(count, last)| Attempts {
        count: u32::try_from(count).unwrap_or(0),
        last,
    }))
}

/// Starts an attempt on every `(key hash, rule)`: counted for all of them if every key allows
/// it now, else nothing is counted and the longest wait is returned.
pub fn begin(
    conn: &mut AnyConnection,
    keys: &[(String, Rule)],
    now: NaiveDateTime,
) -> QueryResult<Result<(), TimeDelta>> {
    let mut admitted = Vec::with_capacity(keys.len());
    let mut wait = TimeDelta::zero();
    let mut keys: Vec<&(String, Rule)> = keys.iter().collect();
    keys.sort_by(|a, b| a.0.cmp(&b.0));
    for (key, rule) in keys {
        // the row exists before it is locked, so two first attempts cannot both miss it
        super::native!(conn, |c| diesel::insert_into(login_attempts::table)
            .values((
                login_attempts::key_hash.eq(key),
                login_attempts::attempts.eq(0),
                login_attempts::last_at.eq(now),
            ))
            .on_conflict_do_nothing()
            .execute(c))?;
        let current = stored(conn, key)?.filter(|a| a.count > 0);
        match rule.admit(current, now) {
            Ok(next) => admitted.push((key, next)),
            Err(w) => wait = wait.max(w),
        }
    }
    if wait > TimeDelta::zero() {
        return Ok(Err(wait));
    }
    for (key, next) in admitted {
        diesel::update(login_attempts::table.find(key))
            .set((
                login_attempts::attempts.eq(i32::try_from(next.count).unwrap_or(i32::MAX)),
                login_attempts::last_at.eq(next.last),
            ))
            .execute(conn)?;
    }
    Ok(Ok(()))
}

/// Dates the keys' wait from the end of a failed attempt (a slow password check does not eat
/// into the delay).
pub fn failed(conn: &mut AnyConnection, keys: &[String], now: NaiveDateTime) -> QueryResult<()> {
    for key in sorted(keys) {
        diesel::update(
            login_attempts::table
                .find(key)
                .filter(login_attempts::last_at.lt(now)),
        )
        .set(login_attempts::last_at.eq(now))
        .execute(conn)?;
    }
    Ok(())
}

/// The keys in the order every function takes their rows.
fn sorted(keys: &[String]) -> Vec<&String> {
    let mut keys: Vec<&String> = keys.iter().collect();
    keys.sort();
    keys
}

/// Gives back the attempt a successful sign-in counted on each of `keys` (a key counted across
/// accounts, such as a client address, then grows with failures only).
pub fn refund(conn: &mut AnyConnection, keys: &[String]) -> QueryResult<()> {
    for key in sorted(keys) {
        diesel::update(
            login_attempts::table
                .find(key)
                .filter(login_attempts::attempts.gt(0)),
        )
        .set(login_attempts::attempts.eq(login_attempts::attempts - 1))
        .execute(conn)?;
    }
    Ok(())
}

/// Forgets the keys after a successful sign-in.
pub fn succeeded(conn: &mut AnyConnection, keys: &[String]) -> QueryResult<()> {
    for key in sorted(keys) {
        diesel::delete(login_attempts::table.find(key)).execute(conn)?;
    }
    Ok(())
}

/// Deletes keys quiet since before `older_than` (the scheduler's housekeeping).
pub fn forget_quiet(conn: &mut AnyConnection, older_than: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(login_attempts::table.filter(login_attempts::last_at.lt(older_than)))
        .execute(conn)
}
