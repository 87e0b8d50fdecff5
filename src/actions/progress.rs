//! Progress overviews for the staff home pages: counts only, never answers.

use crate::domain::ids::CycleId;
use std::collections::HashMap;

use crate::db::{self, AnyConnection};
use crate::domain::status::AssignmentStatus;
use crate::error::AppResult;

/// The statuses of a review's assignments, as the domain rules take them.
pub fn statuses(assignments: &[db::assignments::AssignmentListing]) -> Vec<AssignmentStatus> {
    assignments.iter().map(|a| a.assignment.status).collect()
}

/// One cycle and how far it has come.
#[derive(Debug, Clone)]
pub struct CycleOverview {
    pub cycle: db::cycles::CycleRow,
    pub reviews: usize,
    pub invited: usize,
    pub answered: usize,
}

/// Every cycle, newest first, with review and rater counts (two queries in all).
pub fn cycles_overview(conn: &mut AnyConnection) -> AppResult<Vec<CycleOverview>> {
    let counted: HashMap<CycleId, db::reviews::CycleProgress> =
        db::reviews::progress_by_cycle(conn)?
            .into_iter()
            .map(|p| (p.cycle_id.clone(), p))
            .collect();
    let n = |v: i64| usize::try_from(v).unwrap_or(0);
    Ok(db::cycles::list(conn)?
        .into_iter()
        .map(|cycle| {
            let p = counted.get(&cycle.id);
            CycleOverview {
                reviews: p.map_or(0, |p| n(p.reviews)),
                invited: p.map_or(0, |p| n(p.raters)),
                answered: p.map_or(0, |p| n(p.answered)),
                cycle,
            }
        })
        .collect())
}
