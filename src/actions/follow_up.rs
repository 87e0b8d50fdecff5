//! Following a running cycle (SPEC §11): a reminder to one rater now, to everyone who has not
//! answered, and a corrected email address (a new link to the new address; the old one dies).
//! Each function is one admin action in the caller's transaction, audited with its author.

use super::Tx;
use crate::domain::audit::Action;
use crate::domain::ids::{CycleId, ReviewId};
use chrono::NaiveDateTime;

use super::find_cycle;
use super::links::{find_target, Target};
use crate::db::outbox::Whose;
use crate::db::{self, AnyConnection};
use crate::domain::rules::lifecycle::accepts_answers;
use crate::domain::rules::reminders;
use crate::domain::security::email_address::EmailAddress;
use crate::domain::status::CycleStatus;
use crate::email::Kind;
use crate::error::{AppError, AppResult};

/// Sends a reminder with a fresh link now (an open cycle, a rater who has not answered).
#[tracing::instrument(level = "debug", skip_all)]
pub fn remind(tx: Tx<'_>, target: &Target) -> AppResult<()> {
    let Tx(conn, mail, actor, now) = tx;
    let (cycle, review, a) = find_target(conn, target)?;
    let cycle_id = &target.cycle_id;
    if !accepts_answers(cycle.status, cycle.closes_at, now) {
        return Err(AppError::refused("refuse.remind_closed"));
    }
    if !a.assignment.status.awaits_answer() {
        return Err(AppError::refused("refuse.remind_answered"));
    }
    let id = &a.assignment.id;
    let recent = db::outbox::reminded_since(conn, Whose::Rater(id), now - reminders::gap())?;
    if let Some(next) = reminders::held_until(recent.get(id).copied(), now) {
        return Err(AppError::refused_with(
            "refuse.remind_recent",
            vec![
                ("name", a.rater_name.clone()),
                ("hours", reminders::hours_left(next, now).to_string()),
            ],
        ));
    }
    let wording = super::links::wording(conn, &cycle.id)?;
    send_reminder(conn, mail, &cycle, &wording, &review, &a, now)?;
    db::audit::Event::new(Action::NominationRemind)
        .by(actor)
        .cycle(cycle_id)
        .review(&review.review.id)
        .target(a.assignment.id.as_str())
        .record(conn, now)?;
    Ok(())
}

fn send_reminder(
    conn: &mut AnyConnection,
    mail: super::Mail<'_>,
    cycle: &db::cycles::CycleRow,
    wording: &super::links::Wording,
    review: &db::reviews::ReviewListing,
    a: &db::assignments::AssignmentListing,
    now: NaiveDateTime,
) -> AppResult<()> {
    let slot = format!("now-{}", db::new_id());
    super::links::send_link(
        Tx(conn, mail, None, now),
        &super::links::About::of(cycle, wording, &review.subject_name),
        a,
        Kind::Reminder,
        &slot,
    )?;
    Ok(())
}

/// What *remind everyone* does (or would do): how many reminders it sends, and how many raters
/// it passes over because they were reminded less than 24 hours ago (SPEC §16).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reminders {
    pub sent: usize,
    pub skipped: usize,
}

/// The raters *remind everyone* would remind now, and how many it would pass over; refused
/// when the cycle takes no answers.
fn due_reminders(
    conn: &mut AnyConnection,
    cycle: &db::cycles::CycleRow,
    now: NaiveDateTime,
) -> AppResult<(Vec<db::assignments::AssignmentListing>, usize)> {
    if !accepts_answers(cycle.status, cycle.closes_at, now) {
        return Err(AppError::refused("refuse.remind_closed"));
    }
    let recent = db::outbox::reminded_since(conn, Whose::Cycle(&cycle.id), now - reminders::gap())?;
    let (due, held): (Vec<_>, Vec<_>) = db::assignments::waiting_in_cycle(conn, &cycle.id)?
        .into_iter()
        .partition(|a| reminders::held_until(recent.get(&a.assignment.id).copied(), now).is_none());
    Ok((due, held.len()))
}

/// What [`remind_all`] would do now, for its confirmation page.
pub fn remind_all_preview(
    conn: &mut AnyConnection,
    cycle_id: &CycleId,
    now: NaiveDateTime,
) -> AppResult<Reminders> {
    let cycle = find_cycle(conn, cycle_id)?;
    let (due, skipped) = due_reminders(conn, &cycle, now)?;
    Ok(Reminders {
        sent: due.len(),
        skipped,
    })
}

/// Reminds everyone in an open cycle who was invited and has not answered, except those
/// reminded less than 24 hours ago.
#[tracing::instrument(level = "debug", skip_all)]
pub fn remind_all(tx: Tx<'_>, cycle_id: &CycleId) -> AppResult<Reminders> {
    let Tx(conn, mail, actor, now) = tx;
    let cycle = find_cycle(conn, cycle_id)?;
    let (due, skipped) = due_reminders(conn, &cycle, now)?;
    // the rubric is read once for every reminder of the cycle
    let wording = super::links::wording(conn, cycle_id)?;
    let reviews: std::collections::HashMap<ReviewId, db::reviews::ReviewListing> =
        db::reviews::list_for_cycle(conn, cycle_id)?
            .into_iter()
            .map(|r| (r.review.id.clone(), r))
            .collect();
    for a in &due {
        if let Some(review) = reviews.get(&a.assignment.review_id) {
            send_reminder(conn, mail, &cycle, &wording, review, a, now)?;
        }
    }
    db::audit::Event::new(Action::CycleRemindAll)
        .by(actor)
        .cycle(cycle_id)
        .new_value(&due.len().to_string())
        .record(conn, now)?;
    Ok(Reminders {
        sent: due.len(),
        skipped,
    })
}

/// Corrects a rater's email address: the nomination moves to the new address, every link
/// and browser session of the old one dies, and in an open cycle a new link goes to the new
/// address. Only before any answer was saved (answers belong to whoever gave them).
#[tracing::instrument(level = "debug", skip_all)]
pub fn correct_email(tx: Tx<'_>, target: &Target, new_email: &str) -> AppResult<()> {
    let Tx(conn, mail, actor, now) = tx;
    let (cycle, review, a) = find_target(conn, target)?;
    let (cycle_id, assignment_id) = (&target.cycle_id, &target.assignment_id);
    let email = EmailAddress::parse(new_email).ok_or_else(|| {
        AppError::refused_with(
            "refuse.email_invalid",
            vec![("email", new_email.trim().to_owned())],
        )
    })?;
    if !a.assignment.status.address_correctable() {
        return Err(AppError::refused("refuse.correct_answered"));
    }
    if !matches!(cycle.status, CycleStatus::Draft | CycleStatus::Open) {
        return Err(AppError::refused("refuse.correct_closed"));
    }
    if !a.assignment.relationship.is_confidential() {
        return Err(AppError::refused("refuse.correct_fixed"));
    }
    if email.as_str() == review.subject_email || email.as_str() == review.supervisor_email {
        return Err(AppError::refused("refuse.correct_kam"));
    }
    if email.as_str() == a.rater_email {
        return Err(AppError::refused("refuse.correct_same"));
    }
    let rater = db::people::ensure(conn, email.as_str(), &a.rater_name, now)?;
    if db::assignments::exists(conn, &review.review.id, &rater)? {
        return Err(AppError::refused_with(
            "refuse.correct_taken",
            vec![
                ("email", email.to_string()),
                ("kam", review.subject_email.clone()),
            ],
        ));
    }
    db::assignments::set_rater(conn, assignment_id, &rater)?;
    db::assignments::delete_links(conn, assignment_id)?;
    db::outbox::cancel_for_assignment(conn, assignment_id)?;
    if cycle.status == CycleStatus::Open {
        let moved =
            db::assignments::find_listing(conn, assignment_id)?.ok_or(AppError::NotFound)?;
        let wording = super::links::wording(conn, cycle_id)?;
        let slot = format!("corrected-{}", db::new_id());
        super::links::send_link(
            Tx(conn, mail, None, now),
            &super::links::About::of(&cycle, &wording, &review.subject_name),
            &moved,
            Kind::Invitation,
            &slot,
        )?;
    }
    db::audit::Event::new(Action::NominationCorrectEmail)
        .by(actor)
        .cycle(cycle_id)
        // a draft's KAM may leave the cycle later: only an open cycle's review is named
        .review((cycle.status == CycleStatus::Open).then_some(&review.review.id))
        .target(assignment_id.as_str())
        .old_value(&a.rater_email)
        .new_value(email.as_str())
        .record(conn, now)?;
    Ok(())
}
