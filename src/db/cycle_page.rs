//! The queries behind the admin's cycle page (SPEC §11): one page of KAMs at a time, found by
//! name or email and optionally only those still waiting for someone, with their nominations,
//! the time of each nomination's last email, and the cycle's counts per status. Every query is
//! bounded by the page, so a cycle of 2,000 KAMs costs what a page of 25 does.

use crate::domain::ids::{AssignmentId, CycleId, ReviewId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::assignments::AssignmentListing;
use super::reviews::{ReviewListing, ReviewRow};
use super::schema::{assignments, email_outbox, people, reviews};
use super::AnyConnection;
use crate::domain::status::{AssignmentStatus, OutboxStatus};

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// Which KAMs the page shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Part of the KAM's name or email (case-insensitive); empty: everyone.
    pub search: String,
    /// Only KAMs with a nomination still waiting for an answer.
    pub unanswered: bool,
}

/// `s` as a LIKE pattern that matches it literally anywhere (`\` escapes `%` and `_`).
fn contains_pattern(s: &str) -> String {
    let mut p = String::with_capacity(s.len() + 2);
    p.push('%');
    for ch in s.to_lowercase().chars() {
        if matches!(ch, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(ch);
    }
    p.push('%');
    p
}

/// One page of a cycle's reviews (KAMs by name, then email) and how many match in all.
pub fn reviews(
    conn: &mut AnyConnection,
    cycle_id: &CycleId,
    filter: &Filter,
    page: super::Page,
) -> QueryResult<(Vec<ReviewListing>, i64)> {
    let super::Page { offset, limit } = page;
    let supervisors = diesel::alias!(people as supervisors);
    let pattern = contains_pattern(filter.search.trim());
    let searching = !filter.search.trim().is_empty();
    macro_rules! matching {
        () => {{
            let mut q = reviews::table
                .inner_join(people::table.on(people::id.eq(reviews::subject_id)))
                .inner_join(
                    supervisors.on(supervisors.field(people::id).eq(reviews::supervisor_id)),
                )
                .filter(reviews::cycle_id.eq(cycle_id))
                .into_boxed();
            if searching {
                q = q.filter(
                    lower(people::name)
                        .like(pattern.clone())
                        .escape('\\')
                        .or(people::email.like(pattern.clone()).escape('\\')),
                );
            }
            if filter.unanswered {
                q = q.filter(diesel::dsl::exists(
                    assignments::table
                        .filter(assignments::review_id.eq(reviews::id))
                        .filter(assignments::status.eq_any(AssignmentStatus::ANSWERABLE)),
                ));
            }
            q
        }};
    }
    let total: i64 = matching!().count().get_result(conn)?;
    let rows: Vec<super::reviews::ListingTuple> = matching!()
        .order((people::name.asc(), people::email.asc()))
        .offset(offset)
        .limit(limit)
        .select((
            ReviewRow::as_select(),
            (people::email, people::name),
            (
                supervisors.field(people::email),
                supervisors.field(people::name),
            ),
        ))
        .load(conn)?;
    let listings = rows.into_iter().map(super::reviews::listing).collect();
    Ok((listings, total))
}

/// When the last email to each of these assignments went out (sent messages only).
pub fn last_emails(
    conn: &mut AnyConnection,
    assignment_ids: &[AssignmentId],
) -> QueryResult<Vec<(AssignmentId, Option<NaiveDateTime>)>> {
    let rows: Vec<(Option<AssignmentId>, Option<NaiveDateTime>)> =
        super::chunked(assignment_ids, |chunk| {
            email_outbox::table
                .filter(email_outbox::assignment_id.eq_any(chunk))
                .filter(email_outbox::status.eq(OutboxStatus::Sent))
                .group_by(email_outbox::assignment_id)
                .select((
                    email_outbox::assignment_id,
                    diesel::dsl::max(email_outbox::sent_at),
                ))
                .load(conn)
        })?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, at)| Some((id?, at)))
        .collect())
}

/// The cycle's nominations per status.
pub fn status_counts(
    conn: &mut AnyConnection,
    cycle_id: &CycleId,
) -> QueryResult<Vec<(AssignmentStatus, i64)>> {
    assignments::table
        .inner_join(reviews::table)
        .filter(reviews::cycle_id.eq(cycle_id))
        .group_by(assignments::status)
        .select((assignments::status, diesel::dsl::count_star()))
        .load(conn)
}

/// The nominations of these reviews, in creation order.
pub fn assignments_of(
    conn: &mut AnyConnection,
    review_ids: &[ReviewId],
) -> QueryResult<Vec<AssignmentListing>> {
    super::chunked(review_ids, |chunk| {
        super::assignments::list_for_reviews(conn, chunk)
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_search_matches_literally() {
        assert_eq!(super::contains_pattern("Li_%\\"), "%li\\_\\%\\\\%");
    }
}
