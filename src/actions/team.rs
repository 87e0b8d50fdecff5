//! The team view (issue #21): one supervisor's KAMs in one cycle, side by side. A fixed
//! number of queries whatever the number of KAMs (the report's figures, the raters, the
//! releases, the plans and the previous cycle's levels, each read once).

use crate::domain::rules::insights::CellLevel;
use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;

use super::report::{each_row_in, Frozen, Scope};
use crate::db::{self, AnyConnection};
use crate::domain::formats::rubric::Rubric;
use crate::domain::ids::{CycleId, PersonId, ReviewId};
use crate::domain::rules::checkins;
use crate::domain::rules::confidentiality::K;
use crate::domain::rules::progress::{self, Stage};
use crate::domain::rules::team::{self, KamFacts, TeamRow};
use crate::domain::status::GoalProgress;
use crate::error::AppResult;

/// One supervisor's team in one cycle.
pub struct Team {
    pub cycle: db::cycles::CycleRow,
    pub rubric: Rubric,
    /// One row per KAM, by name; each with its review.
    pub rows: Vec<(ReviewId, TeamRow)>,
}

/// The team of `supervisor` in `cycle_id` at `now` (for goals past their date, in the cycle's
/// zone).
#[tracing::instrument(level = "debug", skip_all)]
pub fn load(
    conn: &mut AnyConnection,
    cycle_id: &CycleId,
    supervisor: &PersonId,
    now: NaiveDateTime,
) -> AppResult<Team> {
    let frozen = Frozen::load(conn, cycle_id)?;
    let (cycle, rubric) = (&frozen.cycle, &frozen.rubric);
    let k = K::stored(cycle.min_group_size).get();
    let today = cycle.deadline().local_date(now);
    let reviews: Vec<db::reviews::SupervisedReview> =
        db::reviews::list_for_supervisor(conn, supervisor)?
            .into_iter()
            .filter(|r| &r.listing.review.cycle_id == cycle_id)
            .collect();
    let ids: Vec<ReviewId> = reviews
        .iter()
        .map(|r| r.listing.review.id.clone())
        .collect();
    // the report's rows (what §7 lets the supervisor see), KAM by KAM
    let mut cells: HashMap<String, Vec<(crate::domain::rules::insights::Cell, bool)>> =
        HashMap::new();
    let mut visible: HashSet<String> = HashSet::new();
    let mut raters: HashMap<String, Vec<_>> = HashMap::new();
    each_row_in(conn, &frozen, Scope::Supervisor(supervisor), |r, review| {
        let shown = review.visible;
        if shown {
            visible.insert(r.subject_email.clone());
        }
        raters
            .entry(r.subject_email.clone())
            .or_insert_with(|| review.raters.to_vec());
        let cell = match (r.final_level, r.figures.proposed_level) {
            (Some(level), _) => Some(CellLevel {
                level,
                is_final: true,
            }),
            (None, Some(level)) if shown => Some(CellLevel {
                level,
                is_final: false,
            }),
            _ => None,
        };
        let flagged = shown && !r.figures.flags.is_empty();
        cells
            .entry(r.subject_email)
            .or_default()
            .push((cell, flagged));
        Ok(())
    })?;
    let acknowledged: HashSet<ReviewId> = db::releases::acknowledged_of(conn, &ids)?
        .into_iter()
        .collect();
    let mut goals: HashMap<ReviewId, Vec<(bool, bool)>> = HashMap::new();
    for (review, g) in db::releases::goals_of(conn, &ids)? {
        let done = g.progress == GoalProgress::Done;
        goals
            .entry(review)
            .or_default()
            .push((checkins::overdue(g.target_date, today), done));
    }
    let subjects: Vec<PersonId> = reviews
        .iter()
        .map(|r| r.listing.review.subject_id.clone())
        .collect();
    let previous = db::decisions::previous_finals(conn, &subjects, cycle.created_at)?;
    let mut rows: Vec<(ReviewId, TeamRow)> = reviews
        .into_iter()
        .map(|r| {
            let id = r.listing.review.id.clone();
            let email = r.listing.subject_email.clone();
            let released = r.released_at.is_some();
            let stage = Stage::of(r.listing.review.status, visible.contains(&email), released);
            let statuses = raters.remove(&email).unwrap_or_default();
            let prev = previous.get(&r.listing.review.subject_id).map(|levels| {
                rubric
                    .criteria()
                    .map(|c| levels.get(&c.id).and_then(|l| u8::try_from(*l).ok()))
                    .collect()
            });
            let facts = KamFacts {
                name: r.listing.subject_name.clone(),
                email: email.clone(),
                stage: Some(stage),
                progress: progress::per_group(&statuses, k),
                acknowledged: acknowledged.contains(&id),
                goals: goals.remove(&id).unwrap_or_default(),
                notices: r.unopened.clone(),
                cells: cells.remove(&email).unwrap_or_default(),
                previous: prev,
            };
            (id, team::row(rubric, facts))
        })
        .collect();
    rows.sort_by(|a, b| a.1.facts.name.cmp(&b.1.facts.name));
    Ok(Team {
        cycle: frozen.cycle,
        rubric: frozen.rubric,
        rows,
    })
}
