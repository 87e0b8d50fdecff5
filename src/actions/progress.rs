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

/// Every cycle, newest first, with review and rater counts (three queries in all).
pub fn cycles_overview(conn: &mut AnyConnection) -> AppResult<Vec<CycleOverview>> {
    let reviews: HashMap<CycleId, i64> =
        db::assignments::review_counts(conn)?.into_iter().collect();
    let mut raters: HashMap<CycleId, (usize, usize)> = HashMap::new();
    for (cycle, status, n) in db::assignments::status_counts(conn)? {
        if status == AssignmentStatus::Revoked {
            continue;
        }
        let n = usize::try_from(n).unwrap_or(0);
        let e = raters.entry(cycle).or_default();
        e.0 += n;
        if status.has_answered() {
            e.1 += n;
        }
    }
    Ok(db::cycles::list(conn)?
        .into_iter()
        .map(|cycle| {
            let (invited, answered) = raters.get(&cycle.id).copied().unwrap_or_default();
            let reviews = reviews
                .get(&cycle.id)
                .copied()
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(0);
            CycleOverview {
                cycle,
                reviews,
                invited,
                answered,
            }
        })
        .collect())
}
