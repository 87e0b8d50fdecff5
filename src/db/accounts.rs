//! Staff accounts (admins and supervisors): a role and an Argon2id password hash per person.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{accounts, people};
use super::AnyConnection;
use crate::domain::status::Role;

/// A staff account with its person.
#[derive(Debug, Clone, Queryable)]
pub struct AccountRow {
    pub person_id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub password_hash: String,
    pub disabled: bool,
}

/// Creates the account (the person must exist and have none yet).
pub fn insert(
    conn: &mut AnyConnection,
    person_id: &str,
    role: Role,
    password_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(accounts::table)
        .values((
            accounts::person_id.eq(person_id),
            accounts::role.eq(role),
            accounts::password_hash.eq(password_hash),
            accounts::disabled.eq(false),
            accounts::created_at.eq(now),
            accounts::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The account of the person with this email.
pub fn find_by_email(conn: &mut AnyConnection, email: &str) -> QueryResult<Option<AccountRow>> {
    accounts::table
        .inner_join(people::table)
        .filter(people::email.eq(email))
        .select((
            accounts::person_id,
            people::email,
            people::name,
            accounts::role,
            accounts::password_hash,
            accounts::disabled,
        ))
        .get_result(conn)
        .optional()
}

/// Replaces the password hash of the account with this email.
pub fn set_password(
    conn: &mut AnyConnection,
    email: &str,
    password_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let person = people::table
        .filter(people::email.eq(email))
        .select(people::id);
    diesel::update(accounts::table.filter(accounts::person_id.eq_any(person)))
        .set((
            accounts::password_hash.eq(password_hash),
            accounts::updated_at.eq(now),
        ))
        .execute(conn)
}

/// Replaces the password hash of the account of `person_id` (re-hashing with current
/// parameters after a successful sign-in).
pub fn set_hash(
    conn: &mut AnyConnection,
    person_id: &str,
    password_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(accounts::table.find(person_id))
        .set((
            accounts::password_hash.eq(password_hash),
            accounts::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Disables (or enables) the account of the person with this email; returns whether one exists.
pub fn set_disabled(
    conn: &mut AnyConnection,
    email: &str,
    disabled: bool,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let person = people::table
        .filter(people::email.eq(email))
        .select(people::id);
    let n = diesel::update(accounts::table.filter(accounts::person_id.eq_any(person)))
        .set((
            accounts::disabled.eq(disabled),
            accounts::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(n == 1)
}
