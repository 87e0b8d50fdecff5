//! `kam360 report`: one row per review × criterion (rubric order) with the figures SPEC §7
//! allows, the proposal of §6 and the supervisor's final level. `domain::export` writes the
//! rows as CSV or JSON.

use std::collections::HashMap;

use super::{find_cycle, load_snapshots};
use crate::db::{self, AnyConnection};
use crate::domain::consolidation::{Evidence, Level};
use crate::domain::export::ReportRow;
use crate::domain::progress;
use crate::domain::shown::figures;
use crate::error::AppResult;

/// Builds the report of a cycle.
pub fn build(conn: &mut AnyConnection, cycle_id: &str) -> AppResult<Vec<ReportRow>> {
    let cycle = find_cycle(conn, cycle_id)?;
    let (rubric, policy) = load_snapshots(conn, cycle_id)?;
    let k = crate::domain::confidentiality::stored_k(cycle.min_group_size);
    let cycle_status = cycle.status;
    let mut evidence: HashMap<(String, String), Evidence> = HashMap::new();
    for r in db::responses::submitted_for_cycle(conn, cycle_id)? {
        let Some(level) = r.level.and_then(|l| Level::try_from(l).ok()) else {
            continue;
        };
        evidence
            .entry((r.review_id, r.criterion_id))
            .or_default()
            .add(r.relationship, level);
    }
    let finals: HashMap<(String, String), Option<Level>> =
        db::decisions::for_cycle(conn, cycle_id)?
            .into_iter()
            .map(|d| {
                (
                    (d.review_id, d.criterion_id),
                    d.final_level.and_then(|l| Level::try_from(l).ok()),
                )
            })
            .collect();
    let empty = Evidence::default();
    let mut rows = Vec::new();
    for review in db::reviews::list_for_cycle(conn, cycle_id)? {
        let assignments = db::assignments::list_for_review(conn, &review.review.id)?;
        let visible = progress::results_visible(
            review.review.results_visible_at.is_some(),
            cycle_status,
            super::progress::statuses(&assignments),
        );
        for criterion in rubric.criteria() {
            let key = (review.review.id.clone(), criterion.id.clone());
            let e = evidence.get(&key).unwrap_or(&empty);
            rows.push(ReportRow {
                subject_email: review.subject_email.clone(),
                subject_name: review.subject_name.clone(),
                area_id: criterion.area_id.clone(),
                criterion_id: criterion.id.clone(),
                figures: figures(e, &policy, k, visible),
                final_level: finals.get(&key).copied().flatten(),
            });
        }
    }
    Ok(rows)
}

/// The report of a cycle as an `.xlsx` file (SPEC §12): the same rows, with names in zh and en.
pub fn spreadsheet(conn: &mut AnyConnection, cycle_id: &str) -> AppResult<Vec<u8>> {
    let rows = build(conn, cycle_id)?;
    let (rubric, _) = load_snapshots(conn, cycle_id)?;
    crate::domain::export_xlsx::to_xlsx(&rows, &rubric)
        .map_err(|e| crate::error::AppError::Unexpected(anyhow::anyhow!("spreadsheet: {e}")))
}
