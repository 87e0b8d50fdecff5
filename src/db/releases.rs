//! A signed-off review released to its KAM (SPEC §12): the release, the KAM's links (token
//! hashes only), the acknowledgement and the development plan.

use crate::domain::ids::{GoalId, PersonId, ReviewId};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{development_goals, kam_links, report_releases};
use super::AnyConnection;
use crate::domain::forms::plan::Goal;

/// A review's release.
#[derive(Debug, Clone, Queryable)]
pub struct ReleaseRow {
    pub released_at: NaiveDateTime,
    pub released_by: PersonId,
    pub acknowledged_at: Option<NaiveDateTime>,
}

/// The release of `review_id`, if it was released.
pub fn find(conn: &mut AnyConnection, review_id: &ReviewId) -> QueryResult<Option<ReleaseRow>> {
    report_releases::table
        .find(review_id)
        .select((
            report_releases::released_at,
            report_releases::released_by,
            report_releases::acknowledged_at,
        ))
        .get_result(conn)
        .optional()
}

/// Records the release (a second release keeps the first one's date).
pub fn insert(
    conn: &mut AnyConnection,
    review_id: &ReviewId,
    by: &PersonId,
    now: NaiveDateTime,
) -> QueryResult<()> {
    super::native!(conn, |c| diesel::insert_into(report_releases::table)
        .values((
            report_releases::review_id.eq(review_id),
            report_releases::released_at.eq(now),
            report_releases::released_by.eq(by),
        ))
        .on_conflict_do_nothing()
        .execute(c))
    .map(|_| ())
}

/// Stores a KAM link by its token's hash.
pub fn add_link(
    conn: &mut AnyConnection,
    token_hash: &str,
    review_id: &ReviewId,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(kam_links::table)
        .values((
            kam_links::token_hash.eq(token_hash),
            kam_links::review_id.eq(review_id),
            kam_links::created_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The released review a KAM link opens.
pub fn review_for_link(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> QueryResult<Option<ReviewId>> {
    kam_links::table
        .inner_join(report_releases::table.on(report_releases::review_id.eq(kam_links::review_id)))
        .filter(kam_links::token_hash.eq(token_hash))
        .select(kam_links::review_id)
        .get_result(conn)
        .optional()
}

/// Marks the report acknowledged (once); whether this call did it.
pub fn acknowledge(
    conn: &mut AnyConnection,
    review_id: &ReviewId,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        report_releases::table
            .find(review_id)
            .filter(report_releases::acknowledged_at.is_null()),
    )
    .set(report_releases::acknowledged_at.eq(now))
    .execute(conn)
    .map(|n| n == 1)
}

/// One goal of a plan, as stored.
#[derive(Debug, Clone, Queryable)]
pub struct GoalRow {
    pub id: GoalId,
    pub position: i32,
    pub criterion_id: String,
    pub goal: String,
    pub actions: String,
    pub target_date: NaiveDate,
    pub supervisor_comment: String,
}

/// The plan of a review, in order.
pub fn goals(conn: &mut AnyConnection, review_id: &ReviewId) -> QueryResult<Vec<GoalRow>> {
    development_goals::table
        .filter(development_goals::review_id.eq(review_id))
        .order(development_goals::position.asc())
        .select((
            development_goals::id,
            development_goals::position,
            development_goals::criterion_id,
            development_goals::goal,
            development_goals::actions,
            development_goals::target_date,
            development_goals::supervisor_comment,
        ))
        .load(conn)
}

/// Replaces the plan; a goal that keeps its place and its criterion keeps the supervisor's
/// comment on it.
pub fn replace_goals(
    conn: &mut AnyConnection,
    review_id: &ReviewId,
    new: &[Goal],
    now: NaiveDateTime,
) -> QueryResult<()> {
    let old = goals(conn, review_id)?;
    diesel::delete(development_goals::table.filter(development_goals::review_id.eq(review_id)))
        .execute(conn)?;
    for (i, g) in new.iter().enumerate() {
        let position = i32::try_from(i + 1).unwrap_or(i32::MAX);
        let comment = old
            .iter()
            .find(|o| o.position == position && o.criterion_id == g.criterion_id)
            .map(|o| o.supervisor_comment.clone())
            .unwrap_or_default();
        diesel::insert_into(development_goals::table)
            .values((
                development_goals::id.eq(super::new_id()),
                development_goals::review_id.eq(review_id),
                development_goals::position.eq(position),
                development_goals::criterion_id.eq(&g.criterion_id),
                development_goals::goal.eq(&g.goal),
                development_goals::actions.eq(&g.actions),
                development_goals::target_date.eq(g.target_date),
                development_goals::supervisor_comment.eq(comment),
                development_goals::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Sets the supervisor's comment on the goal at `position`; whether there was one.
pub fn set_comment(
    conn: &mut AnyConnection,
    review_id: &ReviewId,
    position: i32,
    comment: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        development_goals::table
            .filter(development_goals::review_id.eq(review_id))
            .filter(development_goals::position.eq(position)),
    )
    .set((
        development_goals::supervisor_comment.eq(comment),
        development_goals::updated_at.eq(now),
    ))
    .execute(conn)
    .map(|n| n == 1)
}
