//! Nomination by the KAM, approval by the supervisor (SPEC §11, mode `kam`). Launching emails
//! each KAM a link (§4 rules) to propose their customers, peers and team members; the KAM
//! saves the list (proposed); the supervisor adds, removes or corrects and approves, which
//! creates the nominations and invites them at once. Each function is one user action, run in
//! the caller's transaction, and audited.

use super::Tx;
use crate::domain::audit::Action;
use crate::domain::ids::{AssignmentId, CycleId, PersonId, ReviewId};
use chrono::NaiveDateTime;

use super::find_cycle;
use crate::db::{self, proposals::ProposedRow, AnyConnection};
use crate::domain::forms::proposal::Proposed;
use crate::domain::relationship::Relationship;
use crate::domain::rules::lifecycle::accepts_answers;
use crate::domain::security::token;
use crate::domain::status::{AssignmentStatus, NominationMode, ProposalStatus};
use crate::email::account_messages::NominationMail;
use crate::email::messages::Recipient;
use crate::error::{AppError, AppResult};

/// Opens a KAM's proposal if new and emails them a fresh link to it (earlier links die);
/// returns the link.
#[tracing::instrument(level = "debug", skip_all)]
pub fn request(
    tx: Tx<'_>,
    cycle: &db::cycles::CycleRow,
    review: &db::reviews::ReviewListing,
) -> AppResult<String> {
    let Tx(conn, mail, _, now) = tx;
    db::proposals::start(conn, &review.review.id)?;
    // an earlier message still waiting would carry the link this one replaces
    db::outbox::cancel_pending_for_review(
        conn,
        &review.review.id,
        crate::domain::status::EmailKind::NominationRequest,
    )?;
    let issued = token::issue();
    db::proposals::replace_link(conn, &review.review.id, &issued.hash, now)?;
    let link = format!("{}/n/{}", mail.settings.base_url(), issued.token);
    let locale = kam_locale(conn, &review.review.id)?;
    let slot = db::new_id();
    mail.queue(
        conn,
        Recipient::new(&review.subject_email, &review.subject_name, locale),
        &NominationMail {
            review_id: review.review.id.as_str(),
            slot: &slot,
            supervisor_name: &review.supervisor_name,
            cycle_name: &cycle.name,
            deadline: cycle.deadline().label(),
            min_per_group: crate::domain::rules::confidentiality::K::stored(cycle.min_group_size)
                .get(),
            link: &link,
        },
        now,
    )?;
    Ok(link)
}

/// The KAM's language: that of their self-assessment nomination (else Chinese).
fn kam_locale(
    conn: &mut AnyConnection,
    review_id: &ReviewId,
) -> AppResult<crate::domain::locale::Locale> {
    Ok(db::assignments::list_for_review(conn, review_id)?
        .iter()
        .find(|a| a.assignment.relationship == Relationship::SelfReview)
        .map_or(crate::domain::locale::Locale::Zh, |a| a.assignment.locale))
}

/// Sends every KAM of a `kam`-mode cycle who has no proposal yet their link (launch, and
/// KAMs imported into an open cycle); returns how many.
#[tracing::instrument(level = "debug", skip_all)]
pub fn request_all(tx: Tx<'_>, cycle_id: &CycleId) -> AppResult<usize> {
    let Tx(conn, mail, _, now) = tx;
    let cycle = find_cycle(conn, cycle_id)?;
    if cycle.nominations != NominationMode::Kam {
        return Ok(0);
    }
    let mut n = 0;
    for review in db::reviews::list_for_cycle(conn, cycle_id)? {
        if db::proposals::status(conn, &review.review.id)?.is_none() {
            request(Tx(conn, mail, None, now), &cycle, &review)?;
            n += 1;
        }
    }
    Ok(n)
}

/// The admin's nudge: a fresh link to a KAM who has not had their list approved.
#[tracing::instrument(level = "debug", skip_all)]
pub fn nudge(tx: Tx<'_>, cycle_id: &CycleId, review_id: &ReviewId) -> AppResult<()> {
    let Tx(conn, mail, actor, now) = tx;
    let (cycle, review) = open_review(conn, review_id, now)?;
    if &cycle.id != cycle_id {
        return Err(AppError::NotFound);
    }
    if db::proposals::status(conn, review_id)? == Some(ProposalStatus::Approved) {
        return Err(AppError::refused("proposal.refused.approved"));
    }
    request(Tx(conn, mail, None, now), &cycle, &review)?;
    db::audit::Event::new(Action::ProposalNudge)
        .by(actor)
        .cycle(cycle_id)
        .review(review_id)
        .record(conn, now)?;
    Ok(())
}

/// The review of a `kam`-mode cycle that is open, with its cycle.
fn open_review(
    conn: &mut AnyConnection,
    review_id: &ReviewId,
    now: NaiveDateTime,
) -> AppResult<(db::cycles::CycleRow, db::reviews::ReviewListing)> {
    let review = db::reviews::find_listing(conn, review_id)?.ok_or(AppError::NotFound)?;
    let cycle = find_cycle(conn, &review.review.cycle_id)?;
    if cycle.nominations != NominationMode::Kam {
        return Err(AppError::NotFound);
    }
    if !accepts_answers(cycle.status, cycle.closes_at, now) {
        return Err(AppError::refused("proposal.refused.closed"));
    }
    Ok((cycle, review))
}

/// A proposal as the pages show it: the review, the cycle, where it stands and the raters.
pub struct Loaded {
    pub cycle: db::cycles::CycleRow,
    pub review: db::reviews::ReviewListing,
    pub status: ProposalStatus,
    pub rows: Vec<ProposedRow>,
    /// The KAM's language: that of their self-assessment.
    pub kam_locale: crate::domain::locale::Locale,
}

/// Loads the proposal of a review (of a `kam`-mode cycle whose proposal was opened).
#[tracing::instrument(level = "debug", skip_all)]
pub fn load(conn: &mut AnyConnection, review_id: &ReviewId) -> AppResult<Loaded> {
    let review = db::reviews::find_listing(conn, review_id)?.ok_or(AppError::NotFound)?;
    let cycle = find_cycle(conn, &review.review.cycle_id)?;
    let status = db::proposals::status(conn, review_id)?.ok_or(AppError::NotFound)?;
    let rows = db::proposals::list(conn, review_id)?;
    let kam_locale = kam_locale(conn, review_id)?;
    Ok(Loaded {
        cycle,
        review,
        status,
        rows,
        kam_locale,
    })
}

fn rows_of(list: &[Proposed]) -> Vec<ProposedRow> {
    list.iter()
        .map(|p| ProposedRow {
            email: p.email.as_str().to_owned(),
            name: p.name.clone(),
            relationship: p.relationship,
            organization: p.organization.clone(),
            locale: p.locale,
        })
        .collect()
}

/// Saves a checked list: the KAM's (actor `None`: the KAM by their link) or the supervisor's
/// edits; the proposal is then "proposed". Refused once approved.
#[tracing::instrument(level = "debug", skip_all)]
pub fn save(
    conn: &mut AnyConnection,
    review_id: &ReviewId,
    list: &[Proposed],
    actor: Option<&PersonId>,
    now: NaiveDateTime,
) -> AppResult<()> {
    let (cycle, review) = open_review(conn, review_id, now)?;
    let moved = db::proposals::transition(
        conn,
        review_id,
        &[ProposalStatus::NotStarted, ProposalStatus::Proposed],
        ProposalStatus::Proposed,
        actor,
        now,
    )?;
    if !moved {
        return Err(AppError::refused("proposal.refused.approved"));
    }
    db::proposals::replace(conn, review_id, &rows_of(list), now)?;
    db::audit::Event::new(Action::ProposalSave)
        .by(actor.unwrap_or(&review.review.subject_id))
        .cycle(&cycle.id)
        .review(review_id)
        .new_value(&list.len().to_string())
        .record(conn, now)?;
    Ok(())
}

/// The supervisor approves a checked list: it is saved, each rater is nominated and invited
/// at once; returns how many were invited.
#[tracing::instrument(level = "debug", skip_all)]
pub fn approve(tx: Tx<'_, &PersonId>, review_id: &ReviewId, list: &[Proposed]) -> AppResult<usize> {
    let Tx(conn, mail, actor, now) = tx;
    let (cycle, review) = open_review(conn, review_id, now)?;
    if &review.review.supervisor_id != actor {
        return Err(AppError::NotFound);
    }
    // a review whose results are visible takes no new raters (SPEC §7)
    super::visibility::ensure_not_frozen(conn, &cycle, &review.review, &review.subject_email)?;
    if !db::proposals::transition(
        conn,
        review_id,
        &[ProposalStatus::NotStarted, ProposalStatus::Proposed],
        ProposalStatus::Approved,
        Some(actor),
        now,
    )? {
        return Err(AppError::refused("proposal.refused.approved"));
    }
    db::proposals::replace(conn, review_id, &rows_of(list), now)?;
    let mut new = Vec::new();
    for p in list {
        let rater = db::people::ensure(conn, p.email.as_str(), &p.name, now)?;
        if db::assignments::exists(conn, review_id, &rater)? {
            continue;
        }
        // customers name their company; colleagues and the KAM's team are not asked
        let organization = match p.organization.as_str() {
            "" => None,
            named => Some(db::people::ensure_organization(conn, named, now)?),
        };
        let id = AssignmentId::generate();
        db::assignments::insert(
            conn,
            &db::assignments::NewAssignment {
                id: &id,
                review_id,
                rater_id: &rater,
                relationship: p.relationship,
                locale: p.locale,
                organization_id: organization.as_ref(),
                status: AssignmentStatus::Pending,
                created_at: now,
            },
        )?;
        new.push(id);
    }
    let tx = Tx(&mut *conn, mail, None, now);
    let invited = super::cycles::invite(tx, &cycle.id, Some(&new), &mut |_| ())?;
    db::audit::Event::new(Action::ProposalApprove)
        .by(actor)
        .cycle(&cycle.id)
        .review(review_id)
        .new_value(&invited.to_string())
        .record(conn, now)?;
    Ok(invited)
}

/// Which KAM a nomination link belongs to (a live one of an existing proposal).
#[tracing::instrument(level = "debug", skip_all)]
pub fn review_for_link(conn: &mut AnyConnection, token_hash: &str) -> AppResult<Option<ReviewId>> {
    Ok(db::proposals::review_for_link(conn, token_hash)?)
}

/// Makes sure a `kam`-mode review has its self and supervisor nominations (SPEC §11: they
/// are created automatically); returns the ids of those it created.
#[tracing::instrument(level = "debug", skip_all)]
pub fn ensure_fixed_raters(
    conn: &mut AnyConnection,
    review: &db::reviews::ReviewRow,
    locale: crate::domain::locale::Locale,
    now: NaiveDateTime,
) -> AppResult<Vec<AssignmentId>> {
    let mut created = Vec::new();
    for (person, relationship) in [
        (&review.subject_id, Relationship::SelfReview),
        (&review.supervisor_id, Relationship::Supervisor),
    ] {
        if db::assignments::exists(conn, &review.id, person)? {
            continue;
        }
        let id = AssignmentId::generate();
        db::assignments::insert(
            conn,
            &db::assignments::NewAssignment {
                id: &id,
                review_id: &review.id,
                rater_id: person,
                relationship,
                locale,
                organization_id: None,
                status: AssignmentStatus::Pending,
                created_at: now,
            },
        )?;
        created.push(id);
    }
    Ok(created)
}
