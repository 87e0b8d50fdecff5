//! Reconciliation of one review (SPEC §6, §7): the evidence per criterion as the supervisor may
//! see it, the proposals, the decisions with their audit trail, saving and signing off.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDateTime;

use super::{find_cycle, load_snapshots};
use crate::db::{self, AnyConnection};
use crate::domain::audit::Action;
use crate::domain::formats::rubric::Rubric;
use crate::domain::ids::{PersonId, ReviewId};
use crate::domain::relationship::Relationship;
use crate::domain::rules::consolidation::{Evidence, Level};
use crate::domain::rules::progress::{self, GroupProgress};
use crate::domain::rules::reconciliation::{check, Decided, Entry, Problem};
use crate::domain::rules::shown::{self, Shown};
use crate::domain::status::{AssignmentStatus, ReviewStatus};
use crate::error::{AppError, AppResult};

/// One criterion on the reconciliation page.
#[derive(Debug, Clone)]
pub struct CriterionRow {
    pub id: String,
    /// Everything §7 lets the page show of this criterion (built by `domain::rules::shown`).
    pub shown: Shown,
    pub decision: Option<db::decisions::DecisionRow>,
}

/// Everything the page shows.
pub struct Reconciliation {
    pub review: db::reviews::SupervisedReview,
    pub rubric: Rubric,
    pub visible: bool,
    pub k: usize,
    pub progress: Vec<GroupProgress>,
    pub criteria: Vec<CriterionRow>,
    pub audit: Vec<db::audit::Listed>,
    /// The KAM's final levels in their latest earlier finalized review: (cycle name, levels
    /// by criterion id).
    pub previous: Option<(String, HashMap<String, Level>)>,
    /// The release of the signed-off report to the KAM, if it happened.
    pub release: Option<db::releases::ReleaseRow>,
}

/// Loads the review for `viewer` (its supervisor, or an admin); `None` for anyone else.
#[tracing::instrument(level = "debug", skip_all)]
pub fn load(
    conn: &mut AnyConnection,
    review: &ReviewId,
    viewer: &PersonId,
    admin: bool,
) -> AppResult<Option<Reconciliation>> {
    let review_id = review;
    let Some(review) = db::reviews::find(conn, review_id)? else {
        return Ok(None);
    };
    if !admin && &review.listing.review.supervisor_id != viewer {
        return Ok(None);
    }
    let (rubric, policy) = load_snapshots(conn, &review.listing.review.cycle_id)?;
    let k = crate::domain::rules::confidentiality::K::stored(review.min_group_size).get();
    let assignments = db::assignments::list_for_review(conn, review_id)?;
    let statuses: Vec<(Relationship, AssignmentStatus)> = assignments
        .iter()
        .map(|a| (a.assignment.relationship, a.assignment.status))
        .collect();
    let waiting = super::visibility::list_pending(conn, review_id)?;
    let visible = super::visibility::results_visible(
        &review.listing.review,
        review.cycle_status,
        &assignments,
        waiting,
    );
    let mut evidence: HashMap<String, Evidence> = HashMap::new();
    let mut comments: HashMap<String, Vec<(Relationship, String)>> = HashMap::new();
    for a in db::responses::submitted_for_review(conn, review_id)? {
        let group = a.relationship;
        if group.is_confidential() && !a.comment.is_empty() {
            comments
                .entry(a.criterion_id.clone())
                .or_default()
                .push((group, a.comment.clone()));
        }
        evidence
            .entry(a.criterion_id)
            .or_default()
            .answer(group, a.level);
    }
    let decisions: HashMap<String, db::decisions::DecisionRow> =
        db::decisions::for_review(conn, review_id)?
            .into_iter()
            .map(|d| (d.criterion_id.clone(), d))
            .collect();
    let empty = Evidence::default();
    let criteria = rubric
        .criteria()
        .map(|c| CriterionRow {
            id: c.id.clone(),
            shown: shown::criterion(
                evidence.get(&c.id).unwrap_or(&empty),
                comments.get(&c.id).map_or(&[], Vec::as_slice),
                &policy,
                k,
                visible,
            ),
            decision: decisions.get(&c.id).cloned(),
        })
        .collect();
    let audit = db::audit::for_review(conn, review_id)?;
    let created = find_cycle(conn, &review.listing.review.cycle_id)?.created_at;
    let previous =
        match db::reviews::previous_finalized(conn, &review.listing.review.subject_id, created)? {
            Some((earlier, cycle_name)) => {
                let levels = db::decisions::for_review(conn, &earlier)?
                    .into_iter()
                    .filter_map(|d| Some((d.criterion_id, Level::try_from(d.final_level?).ok()?)))
                    .collect();
                Some((cycle_name, levels))
            }
            None => None,
        };
    let release = db::releases::find(conn, review_id)?;
    Ok(Some(Reconciliation {
        release,
        previous,
        progress: progress::per_group(&statuses, k),
        review,
        rubric,
        visible,
        k,
        criteria,
        audit,
    }))
}

/// What a save did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved {
    Stored,
    /// Someone saved since this page was loaded: nothing was written.
    Conflict,
    /// Rationales missing (or final levels, on sign-off): nothing was written.
    Invalid(BTreeMap<String, Problem>),
}

/// Stores the supervisor's entries, all or nothing, auditing every change; `version` is the
/// review's version the page was loaded at. With `signoff` (the first of SPEC §6's two
/// sign-off steps) the entries must also be complete; nothing is finalized here: the caller
/// shows the summary ([`summary`]) whose confirmation is [`sign_off`].
#[tracing::instrument(level = "debug", skip_all)]
pub fn save(
    conn: &mut AnyConnection,
    data: &Reconciliation,
    actor: &PersonId,
    version: i32,
    entries: &BTreeMap<String, Entry>,
    signoff: bool,
    now: NaiveDateTime,
) -> AppResult<Saved> {
    if !data.visible {
        return Err(AppError::Invalid("results are not visible yet".into()));
    }
    let review_id = data.review.listing.review.id.clone();
    let proposals: Vec<(String, Option<Level>)> = data
        .criteria
        .iter()
        .map(|c| (c.id.clone(), c.shown.proposal.proposed))
        .collect();
    let problems = check(&proposals, entries, signoff);
    if !problems.is_empty() {
        return Ok(Saved::Invalid(problems));
    }
    if !db::reviews::bump(conn, &review_id, version, ReviewStatus::Reconciling)? {
        return Ok(Saved::Conflict);
    }
    let cycle = Some(&data.review.listing.review.cycle_id);
    for c in &data.criteria {
        let e = entries.get(&c.id).cloned().unwrap_or_default();
        let old = c.decision.as_ref();
        let unchanged = old.map(|d| (d.final_level, d.rationale.as_str()))
            == Some((e.final_level.map(i32::from), e.rationale.trim()));
        if unchanged || (old.is_none() && e.final_level.is_none() && e.rationale.trim().is_empty())
        {
            continue;
        }
        let row = db::decisions::DecisionRow {
            review_id: review_id.clone(),
            criterion_id: c.id.clone(),
            proposed_level: c.shown.proposal.proposed.map(i32::from),
            final_level: e.final_level.map(i32::from),
            rationale: e.rationale.trim().to_owned(),
            decided_by: actor.clone(),
            decided_at: now,
        };
        db::decisions::put(conn, &row)?;
        let fmt = |l: Option<i32>| l.map(|x| x.to_string()).unwrap_or_else(|| "—".into());
        db::audit::Event::new(Action::Decision)
            .by(actor)
            .cycle(cycle)
            .review(&review_id)
            .target(&c.id)
            .old_value(&fmt(old.and_then(|d| d.final_level)))
            .new_value(&fmt(row.final_level))
            .because(&row.rationale)
            .record(conn, now)?;
    }
    Ok(Saved::Stored)
}

/// The sign-off summary of a loaded review, from its stored decisions.
pub fn summary(data: &Reconciliation) -> crate::domain::rules::reconciliation::Summary<'_> {
    let decided: Vec<Decided<'_>> = data
        .criteria
        .iter()
        .map(|c| Decided {
            id: &c.id,
            proposed: c.shown.proposal.proposed,
            flagged: !c.shown.proposal.flags.names().is_empty(),
            final_level: c
                .decision
                .as_ref()
                .and_then(|d| d.final_level)
                .and_then(|l| Level::try_from(l).ok()),
        })
        .collect();
    crate::domain::rules::reconciliation::summary(&decided)
}

/// What the confirmation of a sign-off did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignedOff {
    Done,
    /// Someone saved since the summary was shown: nothing was written.
    Conflict,
    /// Some criterion still has no final level or lacks its rationale: nothing was written.
    Incomplete,
}

/// The second sign-off step: finalizes the review as its stored decisions stand, if they are
/// still those the summary at `version` showed and they are complete.
#[tracing::instrument(level = "debug", skip_all)]
pub fn sign_off(
    conn: &mut AnyConnection,
    data: &Reconciliation,
    actor: &PersonId,
    version: i32,
    now: NaiveDateTime,
) -> AppResult<SignedOff> {
    if !data.visible {
        return Err(AppError::Invalid("results are not visible yet".into()));
    }
    let proposals: Vec<(String, Option<Level>)> = data
        .criteria
        .iter()
        .map(|c| (c.id.clone(), c.shown.proposal.proposed))
        .collect();
    let stored: BTreeMap<String, Entry> = data
        .criteria
        .iter()
        .filter_map(|c| {
            let d = c.decision.as_ref()?;
            Some((
                c.id.clone(),
                Entry {
                    final_level: d.final_level.and_then(|l| Level::try_from(l).ok()),
                    rationale: d.rationale.clone(),
                },
            ))
        })
        .collect();
    if !check(&proposals, &stored, true).is_empty() {
        return Ok(SignedOff::Incomplete);
    }
    let review_id = &data.review.listing.review.id;
    if !db::reviews::bump(conn, review_id, version, ReviewStatus::Reconciling)? {
        return Ok(SignedOff::Conflict);
    }
    db::reviews::finalize(conn, review_id, actor, now)?;
    db::audit::Event::new(Action::ReviewSignoff)
        .by(actor)
        .cycle(&data.review.listing.review.cycle_id)
        .review(review_id)
        .new_value(ReviewStatus::Finalized.as_str())
        .record(conn, now)?;
    Ok(SignedOff::Done)
}

/// An admin reopens a finalized review (audited with the reason).
#[tracing::instrument(level = "debug", skip_all)]
pub fn reopen(
    conn: &mut AnyConnection,
    review: &ReviewId,
    actor: &PersonId,
    reason: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    let review_id = review;
    if reason.trim().is_empty() {
        return Err(AppError::Invalid(
            "a reason is required to reopen a review".into(),
        ));
    }
    if !db::reviews::reopen(conn, review_id)? {
        return Err(AppError::Conflict("the review is not finalized".into()));
    }
    db::audit::Event::new(Action::ReviewReopen)
        .by(actor)
        .review(review_id)
        .old_value(ReviewStatus::Finalized.as_str())
        .new_value(ReviewStatus::Reconciling.as_str())
        .because(reason.trim())
        .record(conn, now)?;
    Ok(())
}
