//! Progress overviews for the staff home pages: counts only, never answers.

use crate::db::{self, AnyConnection};
use crate::domain::status::AssignmentStatus;
use crate::error::AppResult;

/// One cycle and how far it has come.
#[derive(Debug, Clone)]
pub struct CycleOverview {
    pub cycle: db::cycles::CycleRow,
    pub reviews: usize,
    pub invited: usize,
    pub answered: usize,
}

/// Every cycle, newest first, with review and rater counts.
pub fn cycles_overview(conn: &mut AnyConnection) -> AppResult<Vec<CycleOverview>> {
    let mut out = Vec::new();
    for cycle in db::cycles::list(conn)? {
        let reviews = db::reviews::list_for_cycle(conn, &cycle.id)?;
        let (mut invited, mut answered) = (0, 0);
        for r in &reviews {
            for a in db::assignments::list_for_review(conn, &r.review.id)? {
                let status = AssignmentStatus::parse(&a.assignment.status);
                if status != Some(AssignmentStatus::Revoked) {
                    invited += 1;
                    answered += usize::from(status.is_some_and(AssignmentStatus::has_answered));
                }
            }
        }
        out.push(CycleOverview {
            reviews: reviews.len(),
            cycle,
            invited,
            answered,
        });
    }
    Ok(out)
}
