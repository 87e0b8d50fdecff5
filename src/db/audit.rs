//! The append-only audit trail (who, when, what, old → new, why). The tables refuse updates
//! and deletes by trigger.

use crate::domain::audit::Action;
use crate::domain::ids::{CycleId, PersonId, ReviewId};
use crate::domain::relationship::Relationship;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::audit_events;
use super::AnyConnection;

/// Builder methods, one per column: each sets its column and hands the event back.
macro_rules! setters {
    ($($(#[$doc:meta])* $method:ident($field:ident: $ty:ty) = $wrap:path;)*) => {$(
        $(#[$doc])*
        pub fn $method(self, value: $ty) -> Self {
            Event { $field: $wrap(value), ..self }
        }
    )*};
}

/// One event to record (its id and time are given by [`record`]).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = audit_events)]
pub struct Event<'a> {
    pub actor_id: Option<&'a PersonId>,
    /// Written as its code by [`record`] (kept out of the derive: a 38-variant enum in an
    /// `Insertable` made rustc take 20 GB).
    #[diesel(skip_insertion)]
    pub action: Action,
    pub cycle_id: Option<&'a CycleId>,
    pub review_id: Option<&'a ReviewId>,
    pub target: Option<&'a str>,
    pub old_value: Option<&'a str>,
    pub new_value: Option<&'a str>,
    pub rationale: Option<&'a str>,
}

impl<'a> Event<'a> {
    /// An event of `action` with nothing else known yet (the methods below fill the rest).
    pub fn new(action: Action) -> Self {
        Event {
            actor_id: None,
            action,
            cycle_id: None,
            review_id: None,
            target: None,
            old_value: None,
            new_value: None,
            rationale: None,
        }
    }

    setters! {
        /// Who did it (`None`: the system).
        by(actor_id: impl Into<Option<&'a PersonId>>) = Into::into;
        /// The cycle it happened in.
        cycle(cycle_id: impl Into<Option<&'a CycleId>>) = Into::into;
        /// The review it concerns.
        review(review_id: impl Into<Option<&'a ReviewId>>) = Into::into;
        /// What it was done to (an assignment, a criterion, an address…).
        target(target: &'a str) = Some;
        /// The value before.
        old_value(old_value: &'a str) = Some;
        /// The value after.
        new_value(new_value: &'a str) = Some;
        /// The reason given.
        because(rationale: &'a str) = Some;
    }

    /// Appends this event as having happened at `at`.
    pub fn record(&self, conn: &mut AnyConnection, at: NaiveDateTime) -> QueryResult<()> {
        record(conn, at, self)
    }
}

/// A recorded event.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_events, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct EventRow {
    pub id: String,
    pub at: NaiveDateTime,
    pub actor_id: Option<PersonId>,
    pub action: String,
    pub cycle_id: Option<CycleId>,
    pub review_id: Option<ReviewId>,
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
            audit_events::action.eq(event.action.as_str()),
            event,
        ))
        .execute(conn)
        .map(|_| ())
}

/// The events of a cycle, oldest first.
pub fn for_cycle(conn: &mut AnyConnection, cycle_id: &CycleId) -> QueryResult<Vec<EventRow>> {
    audit_events::table
        .filter(audit_events::cycle_id.eq(cycle_id))
        .order((audit_events::at.asc(), audit_events::id.asc()))
        .select(EventRow::as_select())
        .load(conn)
}

/// The rater an event concerns, when its target is a nomination: (name, email, relationship).
pub type Concerned = (String, String, Relationship);

/// An event with the name and email of whoever did it, and the rater it concerns.
#[derive(Debug, Clone)]
pub struct Listed {
    pub event: EventRow,
    pub actor: Option<(String, String)>,
    pub concerned: Option<Concerned>,
}

/// Events with their actor and the rater they concern, ready to filter: the trail, with each
/// person named (the people table twice: who did it, and whom it concerns).
macro_rules! named_events {
    () => {{
        use super::schema::{assignments, people};
        let (actors, raters) = diesel::alias!(people as actors, people as raters);
        let query = audit_events::table
            .left_join(
                actors.on(actors
                    .field(people::id)
                    .nullable()
                    .eq(audit_events::actor_id)),
            )
            .left_join(assignments::table.on(assignments::id.nullable().eq(audit_events::target)))
            .left_join(raters.on(raters.field(people::id).eq(assignments::rater_id)));
        let selection = (
            EventRow::as_select(),
            (actors.field(people::name), actors.field(people::email)).nullable(),
            (
                raters.field(people::name),
                raters.field(people::email),
                assignments::relationship,
            )
                .nullable(),
        );
        (query, selection, raters)
    }};
}

type NamedRow = (EventRow, Option<(String, String)>, Option<Concerned>);

fn listed((event, actor, concerned): NamedRow) -> Listed {
    Listed {
        event,
        actor,
        concerned,
    }
}

/// The events of a review with the people they name, oldest first.
pub fn for_review(conn: &mut AnyConnection, review_id: &ReviewId) -> QueryResult<Vec<Listed>> {
    let (query, selection, _) = named_events!();
    let rows: Vec<NamedRow> = query
        .filter(audit_events::review_id.eq(review_id))
        .order((audit_events::at.asc(), audit_events::id.asc()))
        .select(selection)
        .load(conn)?;
    Ok(rows.into_iter().map(listed).collect())
}

/// Which events the audit page shows.
#[derive(Debug, Clone, Default)]
pub struct Search {
    pub cycle_id: Option<CycleId>,
    /// A person's email: events they did or that name them.
    pub person_email: Option<String>,
}

/// One page of events, newest first, and whether there are more.
pub fn search(
    conn: &mut AnyConnection,
    s: &Search,
    page: super::Page,
) -> QueryResult<(Vec<Listed>, bool)> {
    let super::Page { offset, limit } = page;
    use super::schema::people;
    let (query, selection, raters) = named_events!();
    let mut q = query.into_boxed();
    if let Some(c) = &s.cycle_id {
        q = q.filter(audit_events::cycle_id.eq(c.clone()));
    }
    if let Some(e) = &s.person_email {
        let person = people::table
            .filter(people::email.eq(e.clone()))
            .select(people::id.nullable());
        // did it, is named by it, or is the rater it concerns
        q = q.filter(
            audit_events::actor_id
                .eq_any(person)
                .or(audit_events::target.eq(Some(e.clone())))
                .or(raters.field(people::email).nullable().eq(Some(e.clone()))),
        );
    }
    let rows: Vec<NamedRow> = q
        .order((audit_events::at.desc(), audit_events::id.desc()))
        .offset(offset)
        .limit(limit + 1)
        .select(selection)
        .load(conn)?;
    let more = rows.len() > usize::try_from(limit).unwrap_or(0);
    Ok((
        rows.into_iter()
            .take(usize::try_from(limit).unwrap_or(0))
            .map(listed)
            .collect(),
        more,
    ))
}
