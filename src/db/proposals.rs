//! Nomination by the KAM (SPEC §11, mode `kam`): where each KAM stands, their links (only the
//! tokens' hashes, §4), and the raters they propose until their supervisor approves the list.

use crate::domain::ids::{PersonId, ReviewId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{nomination_links, nomination_requests, proposed_raters};
use super::AnyConnection;
use crate::domain::locale::Locale;
use crate::domain::relationship::Relationship;
use crate::domain::status::ProposalStatus;

/// One proposed rater.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct ProposedRow {
    pub email: String,
    pub name: String,
    pub relationship: Relationship,
    pub organization: String,
    pub locale: Locale,
}

/// Opens a KAM's proposal (launch): not started yet. Returns whether it was new.
pub fn start(conn: &mut AnyConnection, review_id: &ReviewId) -> QueryResult<bool> {
    let exists: bool = diesel::select(diesel::dsl::exists(
        nomination_requests::table.find(review_id),
    ))
    .get_result(conn)?;
    if exists {
        return Ok(false);
    }
    diesel::insert_into(nomination_requests::table)
        .values((
            nomination_requests::review_id.eq(review_id),
            nomination_requests::status.eq(ProposalStatus::NotStarted),
        ))
        .execute(conn)?;
    Ok(true)
}

/// Where a review's KAM stands, if the proposal was opened.
pub fn status(
    conn: &mut AnyConnection,
    review_id: &ReviewId,
) -> QueryResult<Option<ProposalStatus>> {
    nomination_requests::table
        .find(review_id)
        .select(nomination_requests::status)
        .get_result(conn)
        .optional()
}

/// Where each of these reviews' KAMs stands.
pub fn statuses(
    conn: &mut AnyConnection,
    review_ids: &[ReviewId],
) -> QueryResult<Vec<(ReviewId, ProposalStatus)>> {
    nomination_requests::table
        .filter(nomination_requests::review_id.eq_any(review_ids))
        .select((nomination_requests::review_id, nomination_requests::status))
        .load(conn)
}

/// Moves a proposal to `to` from any of `from`; returns whether it moved.
pub fn transition(
    conn: &mut AnyConnection,
    review_id: &ReviewId,
    from: &[ProposalStatus],
    to: ProposalStatus,
    by: Option<&PersonId>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let target = nomination_requests::table
        .filter(nomination_requests::review_id.eq(review_id))
        .filter(nomination_requests::status.eq_any(from.to_vec()));
    let n = match to {
        ProposalStatus::Approved => diesel::update(target)
            .set((
                nomination_requests::status.eq(to),
                nomination_requests::approved_at.eq(now),
                nomination_requests::approved_by.eq(by),
            ))
            .execute(conn)?,
        ProposalStatus::Proposed => diesel::update(target)
            .set((
                nomination_requests::status.eq(to),
                nomination_requests::proposed_at.eq(now),
            ))
            .execute(conn)?,
        ProposalStatus::NotStarted => diesel::update(target)
            .set(nomination_requests::status.eq(to))
            .execute(conn)?,
    };
    Ok(n == 1)
}

/// Adds a KAM's link to their proposal; earlier links stop working.
pub fn replace_link(
    conn: &mut AnyConnection,
    review_id: &ReviewId,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(nomination_links::table.filter(nomination_links::review_id.eq(review_id)))
        .execute(conn)?;
    diesel::insert_into(nomination_links::table)
        .values((
            nomination_links::token_hash.eq(token_hash),
            nomination_links::review_id.eq(review_id),
            nomination_links::created_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The review a KAM's link belongs to.
pub fn review_for_link(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> QueryResult<Option<ReviewId>> {
    nomination_links::table
        .find(token_hash)
        .select(nomination_links::review_id)
        .get_result(conn)
        .optional()
}

/// The raters proposed for a review, by group then name.
pub fn list(conn: &mut AnyConnection, review_id: &ReviewId) -> QueryResult<Vec<ProposedRow>> {
    proposed_raters::table
        .filter(proposed_raters::review_id.eq(review_id))
        .order((proposed_raters::created_at.asc(), proposed_raters::id.asc()))
        .select((
            proposed_raters::email,
            proposed_raters::name,
            proposed_raters::relationship,
            proposed_raters::organization,
            proposed_raters::locale,
        ))
        .load(conn)
}

/// Replaces the raters proposed for a review.
pub fn replace(
    conn: &mut AnyConnection,
    review_id: &ReviewId,
    rows: &[ProposedRow],
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(proposed_raters::table.filter(proposed_raters::review_id.eq(review_id)))
        .execute(conn)?;
    for (i, r) in rows.iter().enumerate() {
        // creation order keeps the KAM's order
        let at = now + chrono::TimeDelta::microseconds(i64::try_from(i).unwrap_or(0));
        diesel::insert_into(proposed_raters::table)
            .values((
                proposed_raters::id.eq(super::new_id()),
                proposed_raters::review_id.eq(review_id),
                proposed_raters::email.eq(&r.email),
                proposed_raters::name.eq(&r.name),
                proposed_raters::relationship.eq(r.relationship),
                proposed_raters::organization.eq(&r.organization),
                proposed_raters::locale.eq(r.locale),
                proposed_raters::created_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}
