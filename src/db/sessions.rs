//! Staff sessions (admins and supervisors), kept server-side so that logout, idle and absolute
//! time-outs and disabling an account end them at once. Only the cookie's hash is stored.

use crate::domain::ids::PersonId;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{accounts, people, staff_sessions};
use super::AnyConnection;
use crate::domain::status::Role;

/// A live session with its account.
#[derive(Debug, Clone, Queryable)]
pub struct StaffSession {
    pub id_hash: String,
    pub person_id: PersonId,
    pub csrf_token: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub disabled: bool,
    /// The page language the person chose, if they did.
    pub locale: Option<crate::domain::locale::Locale>,
}

/// Stores a new session.
pub fn create(
    conn: &mut AnyConnection,
    id_hash: &str,
    person_id: &PersonId,
    csrf_token: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(staff_sessions::table)
        .values((
            staff_sessions::id_hash.eq(id_hash),
            staff_sessions::person_id.eq(person_id),
            staff_sessions::csrf_token.eq(csrf_token),
            staff_sessions::created_at.eq(now),
            staff_sessions::last_seen_at.eq(now),
            staff_sessions::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The session with this hash, with its account.
pub fn find(conn: &mut AnyConnection, id_hash: &str) -> QueryResult<Option<StaffSession>> {
    staff_sessions::table
        .inner_join(people::table.inner_join(accounts::table))
        .filter(staff_sessions::id_hash.eq(id_hash))
        .select((
            staff_sessions::id_hash,
            staff_sessions::person_id,
            staff_sessions::csrf_token,
            staff_sessions::created_at,
            staff_sessions::last_seen_at,
            staff_sessions::expires_at,
            people::email,
            people::name,
            accounts::role,
            accounts::disabled,
            accounts::locale,
        ))
        .get_result(conn)
        .optional()
}

/// Records activity (for the idle time-out).
pub fn touch(conn: &mut AnyConnection, id_hash: &str, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(staff_sessions::table.filter(staff_sessions::id_hash.eq(id_hash)))
        .set(staff_sessions::last_seen_at.eq(now))
        .execute(conn)
        .map(|_| ())
}

/// Keeps the identity provider's ID token of a session begun through it (for sign-out).
pub fn set_id_token(conn: &mut AnyConnection, id_hash: &str, id_token: &str) -> QueryResult<()> {
    diesel::update(staff_sessions::table.filter(staff_sessions::id_hash.eq(id_hash)))
        .set(staff_sessions::id_token.eq(id_token))
        .execute(conn)
        .map(|_| ())
}

/// The identity provider's ID token of a session, if it was begun through one.
pub fn id_token(conn: &mut AnyConnection, id_hash: &str) -> QueryResult<Option<String>> {
    staff_sessions::table
        .filter(staff_sessions::id_hash.eq(id_hash))
        .select(staff_sessions::id_token)
        .get_result::<Option<String>>(conn)
        .optional()
        .map(Option::flatten)
}

/// Ends one session.
pub fn delete(conn: &mut AnyConnection, id_hash: &str) -> QueryResult<usize> {
    diesel::delete(staff_sessions::table.filter(staff_sessions::id_hash.eq(id_hash))).execute(conn)
}

/// Ends every session of a person (password change, disabling).
pub fn delete_for_person(conn: &mut AnyConnection, person_id: &PersonId) -> QueryResult<usize> {
    diesel::delete(staff_sessions::table.filter(staff_sessions::person_id.eq(person_id)))
        .execute(conn)
}
