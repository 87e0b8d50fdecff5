//! `kam360 report`: one row per review × criterion (rubric order) with the figures SPEC §7
//! allows, the proposal of §6 and the supervisor's final level, as CSV or JSON.

use std::collections::HashMap;

use serde::Serialize;

use super::{find_cycle, load_snapshots};
use crate::db::{self, AnyConnection};
use crate::domain::consolidation::{Evidence, Level};
use crate::domain::export::neutralize_formula;
use crate::domain::progress;
use crate::domain::shown::{figures, CriterionFigures};
use crate::error::{AppError, AppResult};

/// The CSV columns, in order.
pub const COLUMNS: [&str; 17] = [
    "subject_email",
    "subject_name",
    "area_id",
    "criterion_id",
    "self_level",
    "supervisor_level",
    "customer_mean",
    "customer_n",
    "peer_mean",
    "peer_n",
    "team_mean",
    "team_n",
    "others_mean",
    "others_n",
    "proposed_level",
    "final_level",
    "flags",
];

/// One row of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRow {
    pub subject_email: String,
    pub subject_name: String,
    pub area_id: String,
    pub criterion_id: String,
    pub figures: CriterionFigures,
    pub final_level: Option<Level>,
}

/// Builds the report of a cycle.
pub fn build(conn: &mut AnyConnection, cycle_id: &str) -> AppResult<Vec<ReportRow>> {
    let cycle = find_cycle(conn, cycle_id)?;
    let (rubric, policy) = load_snapshots(conn, cycle_id)?;
    let k = usize::try_from(cycle.min_group_size).unwrap_or(3);
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

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

impl ReportRow {
    /// The CSV cells, in column order, before formula neutralisation.
    fn cells(&self) -> [String; 17] {
        let f = &self.figures;
        [
            self.subject_email.clone(),
            self.subject_name.clone(),
            self.area_id.clone(),
            self.criterion_id.clone(),
            opt(&f.self_level),
            opt(&f.supervisor_level),
            opt(&f.customer_mean),
            opt(&f.customer_n),
            opt(&f.peer_mean),
            opt(&f.peer_n),
            opt(&f.team_mean),
            opt(&f.team_n),
            opt(&f.others_mean),
            opt(&f.others_n),
            opt(&f.proposed_level),
            opt(&self.final_level),
            f.flags.clone(),
        ]
    }
}

/// The report as CSV (header + rows), every cell safe against spreadsheet formula injection.
pub fn to_csv(rows: &[ReportRow]) -> AppResult<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(COLUMNS)
        .map_err(|e| AppError::Unexpected(e.into()))?;
    for r in rows {
        let cells = r.cells();
        w.write_record(cells.iter().map(|c| neutralize_formula(c).into_owned()))
            .map_err(|e| AppError::Unexpected(e.into()))?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("csv: {e}")))?;
    String::from_utf8(bytes).map_err(|e| AppError::Unexpected(e.into()))
}

#[derive(Serialize)]
struct JsonRow<'a> {
    subject_email: &'a str,
    subject_name: &'a str,
    area_id: &'a str,
    criterion_id: &'a str,
    self_level: Option<Level>,
    supervisor_level: Option<Level>,
    customer_mean: Option<f64>,
    customer_n: Option<usize>,
    peer_mean: Option<f64>,
    peer_n: Option<usize>,
    team_mean: Option<f64>,
    team_n: Option<usize>,
    others_mean: Option<f64>,
    others_n: Option<usize>,
    proposed_level: Option<Level>,
    final_level: Option<Level>,
    flags: &'a str,
}

fn number(s: &Option<String>) -> Option<f64> {
    s.as_deref().and_then(|v| v.parse().ok())
}

/// The report as a JSON array with the same fields (means as numbers, empty fields as null).
pub fn to_json(rows: &[ReportRow]) -> AppResult<String> {
    let out: Vec<JsonRow<'_>> = rows
        .iter()
        .map(|r| {
            let f = &r.figures;
            JsonRow {
                subject_email: &r.subject_email,
                subject_name: &r.subject_name,
                area_id: &r.area_id,
                criterion_id: &r.criterion_id,
                self_level: f.self_level,
                supervisor_level: f.supervisor_level,
                customer_mean: number(&f.customer_mean),
                customer_n: f.customer_n,
                peer_mean: number(&f.peer_mean),
                peer_n: f.peer_n,
                team_mean: number(&f.team_mean),
                team_n: f.team_n,
                others_mean: number(&f.others_mean),
                others_n: f.others_n,
                proposed_level: f.proposed_level,
                final_level: r.final_level,
                flags: &f.flags,
            }
        })
        .collect();
    serde_json::to_string_pretty(&out).map_err(|e| AppError::Unexpected(e.into()))
}
