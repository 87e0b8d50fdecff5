//! Staff accounts (admins and supervisors): a role and an Argon2id password hash per person.

use crate::domain::ids::PersonId;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{accounts, people};
use super::AnyConnection;
use crate::domain::status::Role;

/// A staff account with its person.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = accounts, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct AccountRow {
    pub person_id: PersonId,
    #[diesel(select_expression = people::email)]
    pub email: String,
    #[diesel(select_expression = people::name)]
    pub name: String,
    pub role: Role,
    pub password_hash: String,
    pub disabled: bool,
}

/// Creates the account (the person must exist and have none yet).
pub fn insert(
    conn: &mut AnyConnection,
    person_id: &PersonId,
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
        .select(AccountRow::as_select())
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
            accounts::password_set.eq(true),
            accounts::updated_at.eq(now),
        ))
        .execute(conn)
}

/// Replaces the password hash of the account of `person_id` (re-hashing with current
/// parameters after a successful sign-in).
pub fn set_hash(
    conn: &mut AnyConnection,
    person_id: &PersonId,
    password_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(accounts::table.find(person_id))
        .set((
            accounts::password_hash.eq(password_hash),
            accounts::password_set.eq(true),
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

/// A staff account as the users page lists it.
#[derive(Debug, Clone, Queryable)]
pub struct StaffListing {
    pub person_id: PersonId,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
    /// Whether the owner has a password (an invited account has none until they choose one).
    pub password_set: bool,
}

/// Every staff account, by name.
pub fn list(conn: &mut AnyConnection) -> QueryResult<Vec<StaffListing>> {
    accounts::table
        .inner_join(people::table)
        .order((people::name.asc(), people::email.asc()))
        .select((
            accounts::person_id,
            people::email,
            people::name,
            accounts::role,
            accounts::disabled,
            accounts::created_at,
            accounts::password_set,
        ))
        .load(conn)
}

/// The account of `person_id`.
pub fn find(conn: &mut AnyConnection, person_id: &PersonId) -> QueryResult<Option<AccountRow>> {
    accounts::table
        .inner_join(people::table)
        .filter(accounts::person_id.eq(person_id))
        .select(AccountRow::as_select())
        .get_result(conn)
        .optional()
}

/// Whether any account holds the admin role (enabled or not).
pub fn any_admin(conn: &mut AnyConnection) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        accounts::table.filter(accounts::role.eq(Role::Admin)),
    ))
    .get_result(conn)
}

/// How many enabled admins there are.
pub fn active_admins(conn: &mut AnyConnection) -> QueryResult<i64> {
    accounts::table
        .filter(accounts::role.eq(Role::Admin))
        .filter(accounts::disabled.eq(false))
        .count()
        .get_result(conn)
}

/// Changes the role of `person_id`'s account.
pub fn set_role(
    conn: &mut AnyConnection,
    person_id: &PersonId,
    role: Role,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(accounts::table.find(person_id))
        .set((accounts::role.eq(role), accounts::updated_at.eq(now)))
        .execute(conn)?;
    Ok(n == 1)
}

/// Saves the page language `person_id` chose.
pub fn set_locale(
    conn: &mut AnyConnection,
    person_id: &PersonId,
    locale: crate::domain::locale::Locale,
) -> QueryResult<()> {
    diesel::update(accounts::table.find(person_id))
        .set(accounts::locale.eq(Some(locale)))
        .execute(conn)
        .map(|_| ())
}

/// The page language `person_id` chose, if any.
pub fn locale_of(
    conn: &mut AnyConnection,
    person_id: &PersonId,
) -> QueryResult<Option<crate::domain::locale::Locale>> {
    accounts::table
        .find(person_id)
        .select(accounts::locale)
        .get_result::<Option<crate::domain::locale::Locale>>(conn)
        .optional()
        .map(Option::flatten)
}

/// Marks an account invited: its owner has no password until they choose one.
pub fn mark_invited(conn: &mut AnyConnection, person_id: &PersonId) -> QueryResult<()> {
    diesel::update(accounts::table.find(person_id))
        .set(accounts::password_set.eq(false))
        .execute(conn)
        .map(|_| ())
}

/// Marks an invited account in use: its owner signed in through the identity provider.
pub fn mark_in_use(conn: &mut AnyConnection, person_id: &PersonId) -> QueryResult<()> {
    diesel::update(accounts::table.find(person_id))
        .set(accounts::password_set.eq(true))
        .execute(conn)
        .map(|_| ())
}

/// Whether `person_id` has chosen a password (an invited account has not yet).
pub fn has_password(conn: &mut AnyConnection, person_id: &PersonId) -> QueryResult<bool> {
    accounts::table
        .find(person_id)
        .select(accounts::password_set)
        .get_result(conn)
}
