//! Releasing a signed-off review to its KAM (SPEC §12): the KAM gets an email with a personal
//! link (§4 token rules), acknowledges the report, and writes a development plan that the
//! supervisor comments on. Each function is one user action in the caller's transaction,
//! and every one is audited.

use crate::domain::audit::Action;
use crate::domain::ids::{PersonId, ReviewId};
use chrono::NaiveDateTime;

use crate::db::{self, AnyConnection};
use crate::domain::forms::plan::Goal;
use crate::domain::locale::Locale;
use crate::domain::relationship::Relationship;
use crate::domain::security::token;
use crate::domain::status::ReviewStatus;
use crate::email::account_messages::ReleaseMail;
use crate::email::messages::Recipient;
use crate::error::{AppError, AppResult};

/// Releases the signed-off review (or sends its KAM a fresh link again) on behalf of `actor`.
///
/// # Errors
///
/// `NotFound` for an unknown review; `Invalid` before sign-off.
#[tracing::instrument(level = "debug", skip_all)]
pub fn release(
    conn: &mut AnyConnection,
    mail: super::Mail<'_>,
    review_id: &ReviewId,
    actor: &PersonId,
    now: NaiveDateTime,
) -> AppResult<()> {
    let review = db::reviews::find(conn, review_id)?.ok_or(AppError::NotFound)?;
    let r = &review.listing.review;
    if r.status != ReviewStatus::Finalized {
        return Err(AppError::Invalid(
            "sign the review off before releasing it to the KAM".into(),
        ));
    }
    let again = db::releases::find(conn, review_id)?.is_some();
    db::releases::insert(conn, review_id, actor, now)?;
    let issued = token::issue();
    db::releases::add_link(conn, &issued.hash, review_id, now)?;
    // the KAM reads in the language of their own nomination
    let locale = db::assignments::list_for_review(conn, review_id)?
        .into_iter()
        .find(|a| {
            a.assignment.relationship == Relationship::SelfReview
                && a.assignment.rater_id == r.subject_id
        })
        .map_or(Locale::En, |a| a.assignment.locale);
    let link = format!("{}/k/{}", mail.settings.base_url(), issued.token);
    let slot = db::new_id();
    mail.queue(
        conn,
        Recipient::new(
            &review.listing.subject_email,
            &review.listing.subject_name,
            locale,
        ),
        &ReleaseMail {
            review_id: review_id.as_str(),
            slot: &slot,
            supervisor_name: &review.listing.supervisor_name,
            cycle_name: &review.cycle_name,
            link: &link,
        },
        now,
    )?;
    db::audit::Event::new(if again {
        Action::ReviewLinkResent
    } else {
        Action::ReviewReleased
    })
    .by(actor)
    .cycle(&r.cycle_id)
    .review(review_id)
    .record(conn, now)?;
    Ok(())
}

/// The released review a KAM's link opens.
#[tracing::instrument(level = "debug", skip_all)]
pub fn review_for_link(conn: &mut AnyConnection, token_hash: &str) -> AppResult<Option<ReviewId>> {
    Ok(db::releases::review_for_link(conn, token_hash)?)
}

/// The KAM confirms they read the report (once).
#[tracing::instrument(level = "debug", skip_all)]
pub fn acknowledge(
    conn: &mut AnyConnection,
    review_id: &ReviewId,
    now: NaiveDateTime,
) -> AppResult<()> {
    if db::releases::acknowledge(conn, review_id, now)? {
        db::audit::Event::new(Action::ReviewAcknowledged)
            .review(review_id)
            .record(conn, now)?;
    }
    Ok(())
}

/// The KAM stores their development plan (replacing the previous one).
#[tracing::instrument(level = "debug", skip_all)]
pub fn save_plan(
    conn: &mut AnyConnection,
    review_id: &ReviewId,
    goals: &[Goal],
    now: NaiveDateTime,
) -> AppResult<()> {
    db::releases::replace_goals(conn, review_id, goals, now)?;
    let count = goals.len().to_string();
    db::audit::Event::new(Action::PlanSaved)
        .review(review_id)
        .new_value(&count)
        .record(conn, now)?;
    Ok(())
}

/// The supervisor's comments on the plan's goals, by position (1..=5).
#[tracing::instrument(level = "debug", skip_all)]
pub fn comment_plan(
    conn: &mut AnyConnection,
    review_id: &ReviewId,
    comments: &[(i32, String)],
    actor: &PersonId,
    now: NaiveDateTime,
) -> AppResult<()> {
    if db::releases::find(conn, review_id)?.is_none() {
        return Err(AppError::Invalid(
            "the report has not been released: there is no plan to comment on yet".into(),
        ));
    }
    for (position, comment) in comments {
        if comment.chars().count() > crate::domain::forms::plan::MAX_ACTIONS {
            return Err(AppError::Invalid(format!(
                "a comment is longer than {} characters",
                crate::domain::forms::plan::MAX_ACTIONS
            )));
        }
        db::releases::set_comment(conn, review_id, *position, comment.trim(), now)?;
    }
    db::audit::Event::new(Action::PlanCommented)
        .by(actor)
        .review(review_id)
        .record(conn, now)?;
    Ok(())
}
