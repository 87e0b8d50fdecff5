//! The supervisor's consolidated decisions: one final level (and rationale) per review and
//! criterion.

use crate::domain::ids::{CycleId, PersonId, ReviewId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{decisions, reviews};
use super::AnyConnection;

/// A stored decision.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = decisions, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct DecisionRow {
    pub review_id: ReviewId,
    pub criterion_id: String,
    pub proposed_level: Option<i32>,
    pub final_level: Option<i32>,
    pub rationale: String,
    pub decided_by: PersonId,
    pub decided_at: NaiveDateTime,
}

/// The decisions of one review.
pub fn for_review(conn: &mut AnyConnection, review_id: &ReviewId) -> QueryResult<Vec<DecisionRow>> {
    decisions::table
        .filter(decisions::review_id.eq(review_id))
        .select(DecisionRow::as_select())
        .load(conn)
}

/// Every decision of a cycle.
pub fn for_cycle(conn: &mut AnyConnection, cycle_id: &CycleId) -> QueryResult<Vec<DecisionRow>> {
    decisions::table
        .inner_join(reviews::table)
        .filter(reviews::cycle_id.eq(cycle_id))
        .select(DecisionRow::as_select())
        .load(conn)
}

/// Stores or replaces one decision.
pub fn put(conn: &mut AnyConnection, row: &DecisionRow) -> QueryResult<()> {
    let updated = diesel::update(decisions::table.find((&row.review_id, &row.criterion_id)))
        .set((
            decisions::proposed_level.eq(row.proposed_level),
            decisions::final_level.eq(row.final_level),
            decisions::rationale.eq(&row.rationale),
            decisions::decided_by.eq(&row.decided_by),
            decisions::decided_at.eq(row.decided_at),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(decisions::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}
