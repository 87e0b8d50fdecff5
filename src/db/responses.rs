//! A rater's answers: one rating per criterion shown (a level, or not able to judge), comments,
//! and the overall strengths and improvements.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{assignments, ratings, responses, reviews};
use super::AnyConnection;

/// One stored rating.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = ratings, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
// NULL rather than DEFAULT for None: lets SQLite take all rows in one INSERT
#[diesel(treat_none_as_default_value = false)]
pub struct RatingRow {
    pub assignment_id: String,
    pub criterion_id: String,
    pub level: Option<i32>,
    pub not_observed: bool,
    pub comment: String,
}

/// The ratings of one assignment.
pub fn ratings_for(conn: &mut AnyConnection, assignment_id: &str) -> QueryResult<Vec<RatingRow>> {
    super::native!(conn, |c| ratings::table
        .filter(ratings::assignment_id.eq(assignment_id))
        .select(RatingRow::as_select())
        .load(c))
}

/// Replaces an assignment's answers with `rows` and the overall comments. `had_draft` says
/// whether answers may already be stored; when not, the delete and the update are skipped
/// (fewer statements on the common first submit).
pub fn replace(
    conn: &mut AnyConnection,
    assignment_id: &str,
    rows: &[RatingRow],
    strengths: &str,
    improvements: &str,
    had_draft: bool,
    now: NaiveDateTime,
) -> QueryResult<()> {
    if had_draft {
        diesel::delete(ratings::table.filter(ratings::assignment_id.eq(assignment_id)))
            .execute(conn)?;
    }
    if !rows.is_empty() {
        // batch inserts need the concrete backend
        super::native!(conn, |c| diesel::insert_into(ratings::table)
            .values(rows)
            .execute(c))?;
    }
    let updated = if !had_draft {
        0
    } else {
        diesel::update(responses::table.find(assignment_id))
            .set((
                responses::strengths.eq(strengths),
                responses::improvements.eq(improvements),
                responses::updated_at.eq(now),
            ))
            .execute(conn)?
    };
    if updated == 0 {
        diesel::insert_into(responses::table)
            .values((
                responses::assignment_id.eq(assignment_id),
                responses::strengths.eq(strengths),
                responses::improvements.eq(improvements),
                responses::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// A submitted rating with the rater's group, for consolidation and reports.
#[derive(Debug, Clone, Queryable)]
pub struct SubmittedRating {
    pub review_id: String,
    pub relationship: String,
    pub criterion_id: String,
    pub level: Option<i32>,
    pub comment: String,
}

/// Every rating of every submitted assignment in a cycle (no rater identity).
pub fn submitted_for_cycle(
    conn: &mut AnyConnection,
    cycle_id: &str,
) -> QueryResult<Vec<SubmittedRating>> {
    ratings::table
        .inner_join(assignments::table.inner_join(reviews::table))
        .filter(reviews::cycle_id.eq(cycle_id))
        .filter(assignments::status.eq("submitted"))
        .select((
            reviews::id,
            assignments::relationship,
            ratings::criterion_id,
            ratings::level,
            ratings::comment,
        ))
        .load(conn)
}

/// A submitted answer of one review with its group (no rater identity), for reconciliation.
#[derive(Debug, Clone, Queryable)]
pub struct ReviewAnswer {
    pub relationship: String,
    pub criterion_id: String,
    pub level: Option<i32>,
    pub comment: String,
}

/// Every rating of every submitted assignment of one review.
pub fn submitted_for_review(
    conn: &mut AnyConnection,
    review_id: &str,
) -> QueryResult<Vec<ReviewAnswer>> {
    ratings::table
        .inner_join(assignments::table)
        .filter(assignments::review_id.eq(review_id))
        .filter(assignments::status.eq("submitted"))
        .select((
            assignments::relationship,
            ratings::criterion_id,
            ratings::level,
            ratings::comment,
        ))
        .load(conn)
}
