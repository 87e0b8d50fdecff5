//! Releasing a signed-off review to its KAM (SPEC §12): the KAM gets an email with a personal
//! link (§4 token rules), acknowledges the report, and writes a development plan that the
//! supervisor comments on, records progress on its goals and gets a check-in on each goal's
//! date; the supervisor is told of each step. Each function is one user action in the
//! caller's transaction, and every one is audited.

use super::Tx;
use crate::domain::audit::Action;
use crate::domain::ids::{GoalId, PersonId, ReviewId};
use chrono::NaiveDateTime;

use crate::db::{self, AnyConnection};
use crate::domain::forms::plan::{Goal, Progress};
use crate::domain::locale::Locale;
use crate::domain::relationship::Relationship;
use crate::domain::rules::checkins;
use crate::domain::security::token;
use crate::domain::status::ReviewStatus;
use crate::email::account_messages::{CheckinMail, FollowUp, FollowUpMail, ReleaseMail};
use crate::email::messages::Recipient;
use crate::error::{AppError, AppResult};

/// Releases the signed-off review (or sends its KAM a fresh link again) on behalf of `actor`.
///
/// # Errors
///
/// `NotFound` for an unknown review; `Invalid` before sign-off.
#[tracing::instrument(level = "debug", skip_all)]
pub fn release(tx: Tx<'_, &PersonId>, review_id: &ReviewId) -> AppResult<()> {
    let Tx(conn, mail, actor, now) = tx;
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
    let locale = locales(conn, &review.listing)?.kam;
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

/// The languages the KAM and their supervisor read in: each that of their own nomination
/// in the review (the KAM's self-review, the supervisor's rating).
struct Locales {
    kam: Locale,
    supervisor: Locale,
}

fn locales(conn: &mut AnyConnection, r: &db::reviews::ReviewListing) -> AppResult<Locales> {
    let assignments = db::assignments::list_for_review(conn, &r.review.id)?;
    let of = |relationship: Relationship, person: &PersonId, default: Locale| {
        assignments
            .iter()
            .find(|a| a.assignment.relationship == relationship && &a.assignment.rater_id == person)
            .map_or(default, |a| a.assignment.locale)
    };
    Ok(Locales {
        kam: of(Relationship::SelfReview, &r.review.subject_id, Locale::En),
        supervisor: of(
            Relationship::Supervisor,
            &r.review.supervisor_id,
            Locale::Zh,
        ),
    })
}

/// What the supervisor is told about: the event, and a check-in's goal and slot (its id and
/// number; the other events are keyed by their day).
struct About<'a> {
    event: FollowUp,
    goal: Option<&'a db::releases::GoalRow>,
    /// The goal's criterion, named in both languages.
    criterion: Option<&'a crate::domain::formats::rubric::Text>,
    slot: String,
}

/// Tells the review's supervisor what their KAM did (or that a goal's check-in is due), by
/// email, at most once per review, event and day; an acknowledgement, a plan and progress are
/// also kept as a notice on their home and team pages until they open the report.
fn tell_supervisor(
    conn: &mut AnyConnection,
    mail: super::Mail<'_>,
    review: &db::reviews::SupervisedReview,
    about: &About<'_>,
    now: NaiveDateTime,
) -> AppResult<()> {
    let r = &review.listing;
    let slot = match about.event.notice() {
        Some(event) => {
            let day = review.deadline().local_date(now);
            if !db::notices::record(conn, &r.review.id, event, day, now)? {
                return Ok(());
            }
            format!("{}:{day}", event.as_str())
        }
        None => format!("checkin:{}", about.slot),
    };
    let locale = locales(conn, r)?.supervisor;
    let link = format!(
        "{}/reviews/{}/report#plan-title",
        mail.settings.base_url(),
        r.review.id
    );
    let criterion = about
        .criterion
        .map(|name| name.get(locale).to_owned())
        .unwrap_or_default();
    mail.queue(
        conn,
        Recipient::new(&r.supervisor_email, &r.supervisor_name, locale),
        &FollowUpMail {
            review_id: r.review.id.as_str(),
            slot: &slot,
            event: about.event,
            subject_name: &r.subject_name,
            cycle_name: &review.cycle_name,
            link: &link,
            goal: about.goal.map(|g| g.goal.as_str()),
            criterion_name: criterion,
            target_date: about
                .goal
                .map(|g| crate::domain::dates::long_date(locale, g.target_date))
                .unwrap_or_default(),
            progress: about
                .goal
                .map(|g| crate::i18n::t(locale, g.progress.key()))
                .unwrap_or_default(),
            note: about
                .goal
                .map(|g| g.progress_note.as_str())
                .unwrap_or_default(),
        },
        now,
    )?;
    Ok(())
}

fn supervised(
    conn: &mut AnyConnection,
    review_id: &ReviewId,
) -> AppResult<db::reviews::SupervisedReview> {
    db::reviews::find(conn, review_id)?.ok_or(AppError::NotFound)
}

/// [`tell_supervisor`] of something the KAM did (not about one goal).
fn tell_of(
    conn: &mut AnyConnection,
    mail: super::Mail<'_>,
    review_id: &ReviewId,
    event: FollowUp,
    now: NaiveDateTime,
) -> AppResult<()> {
    let review = supervised(conn, review_id)?;
    let about = About {
        event,
        goal: None,
        criterion: None,
        slot: String::new(),
    };
    tell_supervisor(conn, mail, &review, &about, now)
}

/// The KAM confirms they read the report (once); the supervisor is told.
#[tracing::instrument(level = "debug", skip_all)]
pub fn acknowledge(tx: Tx<'_>, review_id: &ReviewId) -> AppResult<()> {
    let Tx(conn, mail, _, now) = tx;
    if db::releases::acknowledge(conn, review_id, now)? {
        db::audit::Event::new(Action::ReviewAcknowledged)
            .review(review_id)
            .record(conn, now)?;
        tell_of(conn, mail, review_id, FollowUp::Acknowledged, now)?;
    }
    Ok(())
}

/// The KAM stores their development plan (replacing the previous one: goals that keep their
/// identity keep their comments and progress); the supervisor is told.
#[tracing::instrument(level = "debug", skip_all)]
pub fn save_plan(tx: Tx<'_>, review_id: &ReviewId, goals: &[Goal]) -> AppResult<()> {
    let Tx(conn, mail, _, now) = tx;
    db::releases::replace_goals(conn, review_id, goals, now)?;
    let count = goals.len().to_string();
    db::audit::Event::new(Action::PlanSaved)
        .review(review_id)
        .new_value(&count)
        .record(conn, now)?;
    tell_of(conn, mail, review_id, FollowUp::PlanSaved, now)
}

/// The KAM records where their goals stand; each change is audited, and the supervisor is
/// told (once a day). Returns how many goals changed.
#[tracing::instrument(level = "debug", skip_all)]
pub fn record_progress(tx: Tx<'_>, review_id: &ReviewId, entries: &[Progress]) -> AppResult<usize> {
    let Tx(conn, mail, _, now) = tx;
    let mut changed = 0;
    for p in entries {
        if db::releases::set_progress(conn, review_id, p, now)? {
            changed += 1;
            db::audit::Event::new(Action::GoalProgress)
                .review(review_id)
                .target(p.id.as_str())
                .new_value(p.progress.as_str())
                .record(conn, now)?;
        }
    }
    if changed > 0 {
        tell_of(conn, mail, review_id, FollowUp::Progress, now)?;
    }
    Ok(changed)
}

/// The supervisor's comments on the plan's goals, by goal.
#[tracing::instrument(level = "debug", skip_all)]
pub fn comment_plan(
    conn: &mut AnyConnection,
    review_id: &ReviewId,
    comments: &[(GoalId, String)],
    actor: &PersonId,
    now: NaiveDateTime,
) -> AppResult<()> {
    if db::releases::find(conn, review_id)?.is_none() {
        return Err(AppError::Invalid(
            "the report has not been released: there is no plan to comment on yet".into(),
        ));
    }
    for (goal, comment) in comments {
        if comment.chars().count() > crate::domain::forms::plan::MAX_ACTIONS {
            return Err(AppError::Invalid(format!(
                "a comment is longer than {} characters",
                crate::domain::forms::plan::MAX_ACTIONS
            )));
        }
        db::releases::set_comment(conn, review_id, goal, comment.trim(), now)?;
    }
    db::audit::Event::new(Action::PlanCommented)
        .by(actor)
        .review(review_id)
        .record(conn, now)?;
    Ok(())
}

/// Sends the check-ins due at `now` (issue #21): on a goal's target date in its
/// cycle's zone, the KAM (with a fresh link to their report) and the supervisor are asked how
/// it went; reminders follow while it is not done (`domain::rules::checkins`). Returns how
/// many goals were checked in on.
#[tracing::instrument(level = "debug", skip_all)]
pub fn due_checkins(tx: Tx<'_>) -> AppResult<usize> {
    let Tx(conn, mail, _, now) = tx;
    let latest = now.date() + chrono::Days::new(1);
    let mut sent = 0;
    for c in db::releases::checkin_candidates(conn, latest, checkins::MOST)? {
        let today = crate::domain::dates::Deadline::new(now, &c.time_zone).local_date(now);
        if !checkins::due(c.target_date, today, c.checkins_sent)
            || !db::releases::count_checkin(conn, &c.goal_id, c.checkins_sent, now)?
        {
            continue;
        }
        let review = supervised(conn, &c.review_id)?;
        let r = &review.listing;
        let kam = locales(conn, r)?.kam;
        let (rubric, _) = super::load_snapshots(conn, &r.review.cycle_id)?;
        let issued = token::issue();
        db::releases::add_link(conn, &issued.hash, &c.review_id, now)?;
        let link = format!(
            "{}/k/{}#progress-title",
            mail.settings.base_url(),
            issued.token
        );
        let n = c.checkins_sent + 1;
        let slot = format!("{}:{n}", c.goal_id);
        let criterion = rubric.criterion(&c.criterion_id).map(|x| &x.name);
        mail.queue(
            conn,
            Recipient::new(&r.subject_email, &r.subject_name, kam),
            &CheckinMail {
                review_id: r.review.id.as_str(),
                slot: &slot,
                reminder: n > 1,
                supervisor_name: &r.supervisor_name,
                cycle_name: &review.cycle_name,
                goal: &c.goal,
                criterion_name: criterion.map(|n| n.get(kam).to_owned()).unwrap_or_default(),
                target_date: crate::domain::dates::long_date(kam, c.target_date),
                link: &link,
            },
            now,
        )?;
        let goal = db::releases::goals(conn, &c.review_id)?
            .into_iter()
            .find(|g| g.id == c.goal_id);
        tell_supervisor(
            conn,
            mail,
            &review,
            &About {
                event: FollowUp::Checkin,
                goal: goal.as_ref(),
                criterion,
                slot,
            },
            now,
        )?;
        db::audit::Event::new(Action::GoalCheckin)
            .cycle(&r.review.cycle_id)
            .review(&c.review_id)
            .target(c.goal_id.as_str())
            .new_value(&n.to_string())
            .record(conn, now)?;
        sent += 1;
    }
    Ok(sent)
}

/// Releases every signed-off review of the cycle not released yet (an admin's bulk release,
/// issue #21); how many KAMs were emailed.
#[tracing::instrument(level = "debug", skip_all)]
pub fn release_all(
    tx: Tx<'_, &PersonId>,
    cycle_id: &crate::domain::ids::CycleId,
) -> AppResult<usize> {
    let Tx(conn, mail, actor, now) = tx;
    let ids = db::releases::unreleased_signed_off(conn, cycle_id)?;
    for id in &ids {
        release(Tx(conn, mail, actor, now), id)?;
    }
    Ok(ids.len())
}
