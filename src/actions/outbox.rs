//! The admin's retry of failed email (SPEC §7, §8). A message that carries a rater's link
//! lost its body when it failed for good (a stored link is a live credential), so retrying it
//! means issuing a fresh link in a new message of the same kind; the old message is marked
//! replaced. A message without a link (the supervisor's notice) is simply queued again; a
//! password reset is not (its owner asks for a new link).

use super::Tx;
use crate::domain::audit::Action;
use crate::domain::ids::{AssignmentId, MessageId};
use chrono::NaiveDateTime;

use super::{find_cycle, visibility};
use crate::db::{self, AnyConnection};
use crate::domain::rules::lifecycle::accepts_answers;
use crate::domain::status::EmailKind;
use crate::error::{AppError, AppResult};

/// What a retry did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Retried {
    /// Messages queued again as they were.
    pub requeued: usize,
    /// Link messages replaced by a new message with a fresh link.
    pub relinked: usize,
    /// Messages left failed, each with the reason (message id, reason).
    pub skipped: Vec<(MessageId, String)>,
}

impl Retried {
    /// Messages queued in all.
    pub fn queued(&self) -> usize {
        self.requeued + self.relinked
    }
}

/// Retries every failed message, or the one with `id` (`actor`: who asked; `None` from the
/// command line).
///
/// # Errors
///
/// `Invalid` when `id` names no failed message.
#[tracing::instrument(level = "debug", skip_all)]
pub fn retry(tx: Tx<'_>, id: Option<&MessageId>) -> AppResult<Retried> {
    let Tx(conn, mail, actor, now) = tx;
    let failed = db::outbox::failed(conn, id)?;
    if failed.is_empty() && id.is_some() {
        return Err(AppError::Invalid("no failed message with that id".into()));
    }
    let mut out = Retried::default();
    for row in failed {
        if EmailKind::SELF_SERVICE.contains(&row.kind) {
            out.skipped.push((
                row.id.clone(),
                "a personal link is not sent again: its owner asks for a new one (a report: release it again)".into(),
            ));
            continue;
        }
        let Some(assignment_id) = row.assignment_id.as_ref() else {
            out.requeued += db::outbox::retry_failed(conn, Some(&row.id), now)?;
            continue;
        };
        match relink(conn, mail, &row, assignment_id, now)? {
            Ok(()) => out.relinked += 1,
            Err(reason) => out.skipped.push((row.id.clone(), reason)),
        }
    }
    let queued = out.queued().to_string();
    let mut event = db::audit::Event::new(Action::OutboxRetry)
        .by(actor)
        .new_value(&queued);
    event.target = id.map(MessageId::as_str);
    event.record(conn, now)?;
    Ok(out)
}

/// Replaces one failed link message with a fresh link; `Ok(Err(reason))` when the rater can no
/// longer answer, so a new link would be useless.
fn relink(
    conn: &mut AnyConnection,
    mail: super::Mail<'_>,
    row: &db::outbox::OutboxRow,
    assignment_id: &AssignmentId,
    now: NaiveDateTime,
) -> AppResult<Result<(), String>> {
    let Some(a) = db::assignments::find_listing(conn, assignment_id)? else {
        return Ok(Err("the nomination no longer exists".into()));
    };
    let Some(review) = db::reviews::find(conn, &a.assignment.review_id)? else {
        return Ok(Err("the review no longer exists".into()));
    };
    let cycle = find_cycle(conn, &review.listing.review.cycle_id)?;
    if !accepts_answers(cycle.status, cycle.closes_at, now) {
        return Ok(Err(format!("the cycle is {}", cycle.status)));
    }
    if !a.assignment.status.is_answerable() {
        return Ok(Err(format!("the rater's link is {}", a.assignment.status)));
    }
    if visibility::is_frozen(conn, &cycle, &review.listing.review)? {
        return Ok(Err(visibility::frozen(&review.listing.subject_email)));
    }
    // the undelivered link dies with its message; the new one is the only live link
    db::assignments::delete_links(conn, assignment_id)?;
    db::outbox::cancel_for_assignment(conn, assignment_id)?;
    let wording = super::links::wording(conn, &cycle.id)?;
    let kind = row.kind;
    super::links::send_link(
        Tx(conn, mail, None, now),
        &super::links::About::of(&cycle, &wording, &review.listing.subject_name),
        &a,
        kind,
        &db::new_id(),
    )?;
    db::outbox::mark_replaced(conn, &row.id)?;
    db::audit::Event::new(Action::EmailRetry)
        .cycle(&cycle.id)
        .review(&review.listing.review.id)
        .target(assignment_id.as_str())
        .old_value(row.id.as_str())
        .new_value("fresh link queued")
        .record(conn, now)?;
    Ok(Ok(()))
}
