//! `kam360 report`: one row per review × criterion (rubric order) with the figures SPEC §7
//! allows, the proposal of §6 and the supervisor's final level. `domain::formats::export` writes the
//! rows as CSV or JSON.

use crate::domain::ids::{CycleId, ReviewId};
use std::collections::HashMap;

use super::{find_cycle, load_snapshots};
use crate::db::{self, AnyConnection};
use crate::domain::formats::export::ReportRow;
use crate::domain::relationship::Relationship;
use crate::domain::rules::consolidation::{Level, Tally};
use crate::domain::rules::shown::figures;
use crate::domain::status::AssignmentStatus;
use crate::error::AppResult;

/// Builds the report of a cycle.
#[tracing::instrument(level = "debug", skip_all)]
pub fn build(conn: &mut AnyConnection, cycle_id: &CycleId) -> AppResult<Vec<ReportRow>> {
    let mut rows = Vec::new();
    each_row(conn, cycle_id, |r| {
        rows.push(r);
        Ok(())
    })?;
    Ok(rows)
}

/// Produces the report of a cycle row by row (review by review, in rubric order), so that a
/// large cycle's report can be written as it is made instead of held in memory.
#[tracing::instrument(level = "debug", skip_all)]
pub fn each_row(
    conn: &mut AnyConnection,
    cycle_id: &CycleId,
    mut emit: impl FnMut(ReportRow) -> AppResult<()>,
) -> AppResult<()> {
    let frozen = Frozen::load(conn, cycle_id)?;
    each_row_in(conn, &frozen, Scope::Cycle, |row, _| emit(row))
}

/// How many rows the report of a cycle has: one per KAM and criterion.
pub fn row_count(conn: &mut AnyConnection, cycle_id: &CycleId) -> AppResult<u64> {
    let (rubric, _) = load_snapshots(conn, cycle_id)?;
    let kams = db::reviews::count_for_cycle(conn, cycle_id)?;
    Ok(u64::try_from(kams).unwrap_or(0) * rubric.criteria().count() as u64)
}

/// A cycle with the rubric and the policy frozen into it: what its report is computed
/// against, read once by whoever builds rows from it.
pub struct Frozen {
    pub cycle: db::cycles::CycleRow,
    pub rubric: crate::domain::formats::rubric::Rubric,
    pub policy: crate::domain::rules::consolidation::Policy,
}

impl Frozen {
    /// The cycle `cycle_id` and its snapshots.
    ///
    /// # Errors
    ///
    /// `Invalid` for an unknown cycle; `Unexpected` for an unreadable snapshot.
    pub fn load(conn: &mut AnyConnection, cycle_id: &CycleId) -> AppResult<Frozen> {
        let cycle = find_cycle(conn, cycle_id)?;
        let (rubric, policy) = load_snapshots(conn, cycle_id)?;
        Ok(Frozen {
            cycle,
            rubric,
            policy,
        })
    }
}

/// What a report row's review adds for a caller that shows more than the row.
pub struct RowContext<'a> {
    /// Whether the review's results are visible (SPEC §7).
    pub visible: bool,
    /// The review's raters: group and status.
    pub raters: &'a [(Relationship, AssignmentStatus)],
}

/// Which reviews of a cycle a report covers.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// Every review.
    Cycle,
    /// The reviews of one supervisor's KAMs (the team view).
    Supervisor(&'a crate::domain::ids::PersonId),
}

/// [`each_row`] over the reviews in `scope`, each row with its review's [`RowContext`]. The
/// answers are read once and counted (a whole cycle's in one statement); decisions and raters
/// 500 reviews at a time, not one by one. A supervisor's scope reads only their reviews'.
#[tracing::instrument(level = "debug", skip_all)]
pub fn each_row_in(
    conn: &mut AnyConnection,
    frozen: &Frozen,
    scope: Scope<'_>,
    mut emit: impl FnMut(ReportRow, &RowContext<'_>) -> AppResult<()>,
) -> AppResult<()> {
    let Frozen {
        cycle,
        rubric,
        policy,
    } = frozen;
    let cycle_id = &cycle.id;
    let k = crate::domain::rules::confidentiality::K::stored(cycle.min_group_size).get();
    let cycle_status = cycle.status;
    let reviews = match scope {
        Scope::Cycle => db::reviews::list_for_cycle(conn, cycle_id)?,
        Scope::Supervisor(person) => db::reviews::list_for_cycle_of(conn, cycle_id, person)?,
    };
    let ids: Vec<ReviewId> = reviews.iter().map(|r| r.review.id.clone()).collect();
    let criteria: Vec<&str> = rubric.criteria().map(|c| c.id.as_str()).collect();
    let criterion_index: HashMap<&str, usize> =
        criteria.iter().enumerate().map(|(i, c)| (*c, i)).collect();
    // KAM-nominated lists still waiting for approval: their reviews are not complete
    let waiting: std::collections::HashSet<ReviewId> =
        db::chunked(&ids, |chunk| db::proposals::statuses(conn, chunk))?
            .into_iter()
            .filter(|(_, status)| *status != crate::domain::status::ProposalStatus::Approved)
            .map(|(id, _)| id)
            .collect();
    // every answer read once, into a 32-byte tally per cell (6 MB at 10,000 KAMs); the rest
    // 500 reviews at a time, in the reviews' order
    let position: HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    // a review's first cell, reviews in the report's order; (review, criterion) → its cell
    let base = |review: &ReviewId| Some(position.get(review.as_str())? * criteria.len());
    let cell =
        |review: &ReviewId, criterion: &str| Some(base(review)? + criterion_index.get(criterion)?);
    let mut tallies = vec![Tally::default(); ids.len() * criteria.len()];
    // a review's answers come together (both backends read them rater by rater): its
    // position is looked up once per run of rows, not hashed again for each
    let mut last: Option<(ReviewId, Option<usize>)> = None;
    let mut count = |review: &ReviewId, group, criterion: &str, level| {
        let first = match &last {
            Some((id, first)) if id == review => *first,
            _ => {
                let first = base(review);
                last = Some((review.clone(), first));
                first
            }
        };
        let at = first
            .zip(criterion_index.get(criterion))
            .map(|(b, c)| b + c);
        if let Some(t) = at.and_then(|i| tallies.get_mut(i)) {
            t.answer(group, level);
        }
    };
    match scope {
        Scope::Cycle => db::responses::each_submitted_answer_of_cycle(conn, cycle_id, &mut count)?,
        Scope::Supervisor(_) => db::responses::each_submitted_answer_in(conn, &ids, &mut count)?,
    }
    for (chunk_index, chunk) in ids.chunks(500).enumerate() {
        let first = chunk_index * 500 * criteria.len();
        let evidence = &tallies[first..][..chunk.len() * criteria.len()];
        let mut finals: Vec<Option<Level>> = vec![None; evidence.len()];
        for d in db::decisions::for_reviews(conn, chunk)? {
            let at = cell(&d.review_id, &d.criterion_id).and_then(|i| i.checked_sub(first));
            if let Some(f) = at.and_then(|i| finals.get_mut(i)) {
                *f = d.final_level.and_then(|l| Level::try_from(l).ok());
            }
        }
        let mut raters: HashMap<ReviewId, Vec<(Relationship, AssignmentStatus)>> = HashMap::new();
        for (review, group, status) in db::assignments::statuses_of(conn, chunk)? {
            raters.entry(review).or_default().push((group, status));
        }
        for (i, id) in chunk.iter().enumerate() {
            let Some(review) = reviews.get(chunk_index * 500 + i) else {
                continue;
            };
            let statuses = raters.remove(id).unwrap_or_default();
            // one unanswered place while a KAM's list of raters waits for approval
            let pending = waiting.contains(id).then_some(AssignmentStatus::Pending);
            let visible = crate::domain::rules::progress::results_visible(
                review.review.results_visible_at.is_some(),
                cycle_status,
                statuses.iter().map(|(_, s)| *s).chain(pending),
            );
            let context = RowContext {
                visible,
                raters: &statuses,
            };
            for (ci, criterion) in rubric.criteria().enumerate() {
                let at = i * criteria.len() + ci;
                emit(
                    ReportRow {
                        subject_email: review.subject_email.clone(),
                        subject_name: review.subject_name.clone(),
                        area_id: criterion.area_id.clone(),
                        criterion_id: criterion.id.clone(),
                        figures: figures(&evidence[at].evidence(), policy, k, visible),
                        final_level: finals[at],
                    },
                    &context,
                )?;
            }
        }
    }
    Ok(())
}

/// The report of a cycle as an `.xlsx` file (SPEC §12): the same rows, with names in zh and en.
#[tracing::instrument(level = "debug", skip_all)]
pub fn spreadsheet(conn: &mut AnyConnection, cycle_id: &CycleId) -> AppResult<Vec<u8>> {
    let rows = build(conn, cycle_id)?;
    let (rubric, _) = load_snapshots(conn, cycle_id)?;
    crate::domain::formats::export_xlsx::to_xlsx(&rows, &rubric)
        .map_err(|e| crate::error::AppError::Unexpected(anyhow::anyhow!("spreadsheet: {e}")))
}
