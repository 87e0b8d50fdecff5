//! Review cycles with their frozen rubric and policy snapshots.

use crate::domain::ids::CycleId;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::cycles;
use super::AnyConnection;
use crate::domain::rules::confidentiality::K;
use crate::domain::status::{CycleStatus, NominationMode};

/// A cycle without its (large) snapshots.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cycles, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct CycleRow {
    pub id: CycleId,
    pub name: String,
    pub status: CycleStatus,
    pub closes_at: NaiveDateTime,
    pub min_group_size: i32,
    pub created_at: NaiveDateTime,
    pub launched_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    /// The IANA zone the deadline is shown in.
    pub time_zone: String,
    /// Who gathers the nominations.
    pub nominations: NominationMode,
    /// Days before the deadline on which reminders go out, comma-separated; empty: the
    /// configured ones.
    pub reminder_days: String,
}

impl CycleRow {
    /// The deadline with its zone.
    pub fn deadline(&self) -> crate::domain::dates::Deadline {
        crate::domain::dates::Deadline::new(self.closes_at, &self.time_zone)
    }
}

/// A new cycle.
#[derive(Debug, Insertable)]
#[diesel(table_name = cycles)]
pub struct NewCycle<'a> {
    pub id: &'a CycleId,
    pub name: &'a str,
    pub status: CycleStatus,
    pub closes_at: NaiveDateTime,
    pub rubric_snapshot: &'a str,
    pub policy_snapshot: &'a str,
    pub min_group_size: i32,
    pub created_at: NaiveDateTime,
    pub time_zone: &'a str,
    pub nominations: NominationMode,
    pub reminder_days: &'a str,
}

/// Stores a new cycle.
pub fn insert(conn: &mut AnyConnection, cycle: &NewCycle<'_>) -> QueryResult<()> {
    diesel::insert_into(cycles::table)
        .values(cycle)
        .execute(conn)
        .map(|_| ())
}

/// The cycle with this id.
pub fn find(conn: &mut AnyConnection, id: &CycleId) -> QueryResult<Option<CycleRow>> {
    cycles::table
        .find(id)
        .select(CycleRow::as_select())
        .get_result(conn)
        .optional()
}

/// Every cycle, newest first.
pub fn list(conn: &mut AnyConnection) -> QueryResult<Vec<CycleRow>> {
    cycles::table
        .order(cycles::created_at.desc())
        .select(CycleRow::as_select())
        .load(conn)
}

/// The rubric and policy snapshots (JSON) of a cycle.
pub fn snapshots(conn: &mut AnyConnection, id: &CycleId) -> QueryResult<(String, String)> {
    cycles::table
        .find(id)
        .select((cycles::rubric_snapshot, cycles::policy_snapshot))
        .get_result(conn)
}

/// Moves a cycle from `from` to `to`; returns whether it was in `from`.
pub fn transition(
    conn: &mut AnyConnection,
    id: &CycleId,
    from: CycleStatus,
    to: CycleStatus,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let target = cycles::table
        .filter(cycles::id.eq(id))
        .filter(cycles::status.eq(from));
    let n = match to {
        CycleStatus::Open => diesel::update(target)
            .set((cycles::status.eq(to), cycles::launched_at.eq(now)))
            .execute(conn)?,
        CycleStatus::Closed => diesel::update(target)
            .set((cycles::status.eq(to), cycles::closed_at.eq(now)))
            .execute(conn)?,
        CycleStatus::Draft | CycleStatus::Archived => diesel::update(target)
            .set(cycles::status.eq(to))
            .execute(conn)?,
    };
    Ok(n == 1)
}

/// Open cycles whose deadline has passed.
pub fn open_past_deadline(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
) -> QueryResult<Vec<CycleId>> {
    cycles::table
        .filter(cycles::status.eq(CycleStatus::Open))
        .filter(cycles::closes_at.le(now))
        .select(cycles::id)
        .load(conn)
}

/// Replaces a draft cycle's settings; returns whether it was still a draft.
pub fn update_settings(
    conn: &mut AnyConnection,
    id: &CycleId,
    s: &crate::domain::forms::cycle_settings::CycleSettings,
) -> QueryResult<bool> {
    let n = diesel::update(
        cycles::table
            .filter(cycles::id.eq(id))
            .filter(cycles::status.eq(CycleStatus::Draft)),
    )
    .set((
        cycles::name.eq(&s.name),
        cycles::closes_at.eq(s.closes_at),
        cycles::time_zone.eq(s.zone.name()),
        cycles::min_group_size.eq(K::at_least(s.min_group_size).column()),
        cycles::nominations.eq(s.nominations),
        cycles::reminder_days.eq(s.stored_reminder_days()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}
