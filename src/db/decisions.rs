//! The supervisor's consolidated decisions: one final level (and rationale) per review and
//! criterion.

use crate::domain::ids::{PersonId, ReviewId};
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

/// The decisions of some reviews (a supervisor's team), 500 reviews a query.
pub fn for_reviews(
    conn: &mut AnyConnection,
    review_ids: &[ReviewId],
) -> QueryResult<Vec<DecisionRow>> {
    super::chunked(review_ids, |chunk| {
        decisions::table
            .filter(decisions::review_id.eq_any(chunk))
            .select(DecisionRow::as_select())
            .load(conn)
    })
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

/// The final levels of each KAM's latest finalized review in a cycle created before `before`
/// (SPEC §12's previous cycles), for many KAMs in one query: subject → criterion → level.
pub fn previous_finals(
    conn: &mut AnyConnection,
    subjects: &[PersonId],
    before: NaiveDateTime,
) -> QueryResult<std::collections::HashMap<PersonId, std::collections::HashMap<String, i32>>> {
    use super::schema::cycles;
    let mut out: std::collections::HashMap<
        PersonId,
        (NaiveDateTime, std::collections::HashMap<String, i32>),
    > = std::collections::HashMap::new();
    let rows: Vec<(PersonId, NaiveDateTime, String, Option<i32>)> =
        super::chunked(subjects, |chunk| {
            decisions::table
                .inner_join(reviews::table.inner_join(cycles::table))
                .filter(reviews::subject_id.eq_any(chunk))
                .filter(reviews::status.eq(crate::domain::status::ReviewStatus::Finalized))
                .filter(cycles::created_at.lt(before))
                .select((
                    reviews::subject_id,
                    cycles::created_at,
                    decisions::criterion_id,
                    decisions::final_level,
                ))
                .load(conn)
        })?;
    // each KAM's latest earlier cycle only
    for (subject, created, criterion, level) in rows {
        let entry = out
            .entry(subject)
            .or_insert_with(|| (created, std::collections::HashMap::new()));
        if created > entry.0 {
            *entry = (created, std::collections::HashMap::new());
        }
        if created == entry.0 {
            if let Some(level) = level {
                entry.1.insert(criterion, level);
            }
        }
    }
    Ok(out.into_iter().map(|(k, (_, v))| (k, v)).collect())
}
