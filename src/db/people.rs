//! People (raters, KAMs, supervisors, admins) and organisations, keyed by email / name.

use crate::domain::ids::{OrganizationId, PersonId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{organizations, people};
use super::AnyConnection;

/// A stored person.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = people, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct PersonRow {
    pub id: PersonId,
    pub email: String,
    pub name: String,
    pub created_at: NaiveDateTime,
}

/// The person with this (normalised) email.
pub fn find_by_email(conn: &mut AnyConnection, email: &str) -> QueryResult<Option<PersonRow>> {
    people::table
        .filter(people::email.eq(email))
        .select(PersonRow::as_select())
        .get_result(conn)
        .optional()
}

/// The person with this id.
pub fn find(conn: &mut AnyConnection, id: &PersonId) -> QueryResult<PersonRow> {
    people::table
        .find(id)
        .select(PersonRow::as_select())
        .get_result(conn)
}

/// The id of the person with this email, created with `name` if new (an existing name is kept).
pub fn ensure(
    conn: &mut AnyConnection,
    email: &str,
    name: &str,
    now: NaiveDateTime,
) -> QueryResult<PersonId> {
    if let Some(p) = find_by_email(conn, email)? {
        return Ok(p.id);
    }
    let id = PersonId::generate();
    diesel::insert_into(people::table)
        .values((
            people::id.eq(&id),
            people::email.eq(email),
            people::name.eq(name),
            people::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(id)
}

/// The id of the organisation with this name, created if new.
pub fn ensure_organization(
    conn: &mut AnyConnection,
    name: &str,
    now: NaiveDateTime,
) -> QueryResult<OrganizationId> {
    let found: Option<OrganizationId> = organizations::table
        .filter(organizations::name.eq(name))
        .select(organizations::id)
        .get_result(conn)
        .optional()?;
    if let Some(id) = found {
        return Ok(id);
    }
    let id = OrganizationId::generate();
    diesel::insert_into(organizations::table)
        .values((
            organizations::id.eq(&id),
            organizations::name.eq(name),
            organizations::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(id)
}

/// Renames a person (an admin corrected a nominee's name).
pub fn rename(conn: &mut AnyConnection, id: &PersonId, name: &str) -> QueryResult<()> {
    diesel::update(people::table.filter(people::id.eq(id)))
        .set(people::name.eq(name))
        .execute(conn)
        .map(|_| ())
}
