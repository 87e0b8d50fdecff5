//! The append-only audit trail (who, when, what, old → new, why). The tables refuse updates
//! and deletes by trigger.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::audit_events;
use super::AnyConnection;

/// One event to record (its id and time are given by [`record`]).
#[derive(Debug, Clone, Default, Insertable)]
#[diesel(table_name = audit_events)]
pub struct Event<'a> {
    pub actor_id: Option<&'a str>,
    pub action: &'a str,
    pub cycle_id: Option<&'a str>,
    pub review_id: Option<&'a str>,
    pub target: Option<&'a str>,
    pub old_value: Option<&'a str>,
    pub new_value: Option<&'a str>,
    pub rationale: Option<&'a str>,
}

/// A recorded event.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_events, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct EventRow {
    pub id: String,
    pub at: NaiveDateTime,
    pub actor_id: Option<String>,
    pub action: String,
    pub cycle_id: Option<String>,
    pub review_id: Option<String>,
    pub target: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub rationale: Option<String>,
}

/// Appends an event that happened at `at`, under a new id.
pub fn record(conn: &mut AnyConnection, at: NaiveDateTime, event: &Event<'_>) -> QueryResult<()> {
    diesel::insert_into(audit_events::table)
        .values((
            audit_events::id.eq(super::new_id()),
            audit_events::at.eq(at),
            event,
        ))
        .execute(conn)
        .map(|_| ())
}

/// The events of a cycle, oldest first.
pub fn for_cycle(conn: &mut AnyConnection, cycle_id: &str) -> QueryResult<Vec<EventRow>> {
    audit_events::table
        .filter(audit_events::cycle_id.eq(cycle_id))
        .order((audit_events::at.asc(), audit_events::id.asc()))
        .select(EventRow::as_select())
        .load(conn)
}

/// The events of a review with the actor's name, oldest first.
pub fn for_review(
    conn: &mut AnyConnection,
    review_id: &str,
) -> QueryResult<Vec<(EventRow, Option<String>)>> {
    use super::schema::people;
    audit_events::table
        .left_join(people::table.on(people::id.nullable().eq(audit_events::actor_id)))
        .filter(audit_events::review_id.eq(review_id))
        .order((audit_events::at.asc(), audit_events::id.asc()))
        .select((EventRow::as_select(), people::name.nullable()))
        .load(conn)
}
