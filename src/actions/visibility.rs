//! The results latch of SPEC §7: a review's results become visible once and stay visible, and
//! from that moment its evidence is frozen. No nomination is added to it, no link of it is
//! reissued or revoked, no further answer is accepted (its open assignments expire). Figures
//! shown once never change, so no sequence of admin actions can isolate one rater's answers
//! by difference.
//!
//! The latch closes in the transaction that makes the results visible when an admin causes
//! it (revoking the last unanswered link, closing the cycle), and within the scheduler's next
//! pass when the last rater answers (the rater's submit stays a single-row write). In between,
//! [`ensure_not_frozen`] already treats the review as frozen, because the rule it reads is the
//! same one that closes the latch.

use chrono::NaiveDateTime;

use super::progress::statuses;
use crate::db::{self, AnyConnection};
use crate::domain::audit::Action;
use crate::domain::ids::{CycleId, ReviewId};
use crate::domain::rules::progress::{visible_because, VisibleBecause};
use crate::domain::status::ReviewStatus;
use crate::error::{AppError, AppResult};

/// Whether a review's results are visible (latched, or visible now and not yet recorded).
pub fn is_frozen(
    conn: &mut AnyConnection,
    cycle: &db::cycles::CycleRow,
    review: &db::reviews::ReviewRow,
) -> AppResult<bool> {
    if review.results_visible_at.is_some() {
        return Ok(true);
    }
    let assignments = db::assignments::list_for_review(conn, &review.id)?;
    let waiting = list_pending(conn, &review.id)?;
    Ok(visible_because(cycle.status, deciding(&assignments, waiting)).is_some())
}

/// Whether a KAM-nominated list of raters still waits for its supervisor's approval: its
/// raters are still to come, so the review cannot count as "everyone answered" (SPEC §7, §11).
pub fn list_pending(conn: &mut AnyConnection, review_id: &ReviewId) -> AppResult<bool> {
    Ok(db::proposals::status(conn, review_id)?
        .is_some_and(|s| s != crate::domain::status::ProposalStatus::Approved))
}

/// The statuses that decide whether a review's results are visible: its raters', plus one
/// unanswered place while its list of raters waits for approval.
pub fn deciding(
    assignments: &[db::assignments::AssignmentListing],
    list_pending: bool,
) -> Vec<crate::domain::status::AssignmentStatus> {
    let mut s = statuses(assignments);
    if list_pending {
        s.push(crate::domain::status::AssignmentStatus::Pending);
    }
    s
}

/// Whether a review's results are visible (SPEC §7): latched, or visible now by its cycle and
/// the statuses that decide ([`deciding`]). The one question every results page asks.
pub fn results_visible(
    review: &db::reviews::ReviewRow,
    cycle: crate::domain::status::CycleStatus,
    assignments: &[db::assignments::AssignmentListing],
    list_pending: bool,
) -> bool {
    crate::domain::rules::progress::results_visible(
        review.results_visible_at.is_some(),
        cycle,
        deciding(assignments, list_pending),
    )
}

/// The refusal for a change to a frozen review's raters, naming the KAM.
pub fn frozen(subject_email: &str) -> String {
    format!(
        "the results of {subject_email}'s review are already visible, so its raters are frozen: \
         no rater can be added, re-invited or revoked"
    )
}

/// Refuses (with [`frozen`]'s words) when the review's results are visible.
pub fn ensure_not_frozen(
    conn: &mut AnyConnection,
    cycle: &db::cycles::CycleRow,
    review: &db::reviews::ReviewRow,
    subject_email: &str,
) -> AppResult<()> {
    if is_frozen(conn, cycle, review)? {
        return Err(AppError::refused_with(
            "refuse.frozen",
            vec![("kam", subject_email.to_owned())],
        ));
    }
    Ok(())
}

/// Closes the latch of a review whose results are visible now; returns whether it closed in
/// this call. When the last answer made them visible, the latch is dated at that answer (or
/// revocation), not at the moment this pass noticed it.
pub fn latch_if_visible(
    conn: &mut AnyConnection,
    cycle: &db::cycles::CycleRow,
    review_id: &ReviewId,
    now: NaiveDateTime,
) -> AppResult<bool> {
    let assignments = db::assignments::list_for_review(conn, review_id)?;
    latch_if_visible_with(conn, cycle, review_id, &assignments, now)
}

/// [`latch_if_visible`] with the review's assignments already at hand.
pub fn latch_if_visible_with(
    conn: &mut AnyConnection,
    cycle: &db::cycles::CycleRow,
    review_id: &ReviewId,
    assignments: &[db::assignments::AssignmentListing],
    now: NaiveDateTime,
) -> AppResult<bool> {
    let waiting = list_pending(conn, review_id)?;
    let Some(because) = visible_because(cycle.status, deciding(assignments, waiting)) else {
        return Ok(false);
    };
    let at = match because {
        VisibleBecause::EveryoneAnswered => assignments
            .iter()
            .filter_map(|a| {
                let a = &a.assignment;
                a.submitted_at.or(a.declined_at).or(a.revoked_at)
            })
            .max()
            .unwrap_or(now),
        VisibleBecause::CycleClosed => now,
    };
    latch(conn, &cycle.id, review_id, because, at)
}

/// Closes a review's latch (unless it is closed already): its open assignments expire, and the
/// audit trail records when and why. Returns whether it closed in this call.
pub fn latch(
    conn: &mut AnyConnection,
    cycle: &CycleId,
    review: &ReviewId,
    because: VisibleBecause,
    now: NaiveDateTime,
) -> AppResult<bool> {
    let (cycle_id, review_id) = (cycle, review);
    if !db::reviews::latch_results(conn, review_id, now)? {
        return Ok(false);
    }
    let expired = db::assignments::expire_unanswered_in_review(conn, review_id)?;
    db::audit::Event::new(Action::ReviewResultsVisible)
        .cycle(cycle_id)
        .review(review_id)
        .old_value(ReviewStatus::Collecting.as_str())
        // the links that expired as the evidence froze
        .new_value(&expired.to_string())
        .because(because.as_str())
        .record(conn, now)?;
    Ok(true)
}
