//! Cycle insights for admins (SPEC §12), computed from the report's rows — so from figures §7
//! lets a supervisor see, nothing else: a heat map of KAMs × criteria (final level, else the
//! proposed one), the distribution of final levels per criterion, and calibration per
//! supervisor (mean supervisor level − others' mean, mean final − proposed, each with its n).
//! Pure.

use std::collections::{BTreeMap, HashMap};

use crate::domain::formats::export::ReportRow;
use crate::domain::rules::consolidation::Level;

/// A heat map cell's level, and whether it is final (else only proposed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellLevel {
    pub level: Level,
    pub is_final: bool,
}

/// One heat map cell: its level, if it has one.
pub type Cell = Option<CellLevel>;

/// One KAM's row of the heat map, in rubric order.
#[derive(Debug, Clone, PartialEq)]
pub struct HeatRow {
    pub subject_name: String,
    pub cells: Vec<Cell>,
    /// Per cell, whether a flag (SPEC §6) is raised on the criterion.
    pub flagged: Vec<bool>,
}

/// One supervisor's calibration over their KAMs' criteria.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    pub supervisor: String,
    /// Mean of (supervisor level − others' mean) where both are shown, and its n.
    pub against_others: (Option<f64>, usize),
    /// Mean of (final − proposed) where both exist, and its n.
    pub final_vs_proposed: (Option<f64>, usize),
}

/// Everything the insights page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Insights {
    /// The criteria in rubric order (the heat map's columns).
    pub criteria: Vec<String>,
    pub heat: Vec<HeatRow>,
    /// Final level counts (1..=4) per criterion id.
    pub distribution: BTreeMap<String, [usize; 4]>,
    pub calibration: Vec<Calibration>,
}

fn mean(v: &[f64]) -> (Option<f64>, usize) {
    let n = v.len();
    ((n > 0).then(|| v.iter().sum::<f64>() / n as f64), n)
}

/// Computes the insights of a cycle from its report rows (rubric order within each KAM);
/// `supervisor_of` maps a KAM's email to their supervisor's name.
pub fn compute(rows: &[ReportRow], supervisor_of: &HashMap<String, String>) -> Insights {
    let mut criteria: Vec<String> = Vec::new();
    let mut heat: Vec<HeatRow> = Vec::new();
    let mut distribution: BTreeMap<String, [usize; 4]> = BTreeMap::new();
    let mut against: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut finals: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut current: Option<&str> = None;
    for r in rows {
        if !criteria.contains(&r.criterion_id) {
            criteria.push(r.criterion_id.clone());
        }
        // the rows come KAM by KAM
        if current != Some(r.subject_email.as_str()) {
            current = Some(&r.subject_email);
            heat.push(HeatRow {
                subject_name: r.subject_name.clone(),
                cells: Vec::new(),
                flagged: Vec::new(),
            });
        }
        let cell = match (r.final_level, r.figures.proposed_level) {
            (Some(level), _) => Some(CellLevel {
                level,
                is_final: true,
            }),
            (None, Some(level)) => Some(CellLevel {
                level,
                is_final: false,
            }),
            _ => None,
        };
        if let Some(h) = heat.last_mut() {
            h.cells.push(cell);
            h.flagged.push(!r.figures.flags.is_empty());
        }
        let counts = distribution.entry(r.criterion_id.clone()).or_insert([0; 4]);
        if let Some(f) = r.final_level.filter(|f| (1..=4).contains(f)) {
            counts[usize::from(f - 1)] += 1;
        }
        let supervisor = supervisor_of
            .get(&r.subject_email)
            .cloned()
            .unwrap_or_default();
        if let (Some(s), Some(m)) = (
            r.figures.supervisor_level,
            r.figures
                .others_mean
                .map(crate::domain::rules::shown::Mean::as_f64),
        ) {
            against
                .entry(supervisor.clone())
                .or_default()
                .push(f64::from(s) - m);
        }
        if let (Some(f), Some(p)) = (r.final_level, r.figures.proposed_level) {
            finals
                .entry(supervisor.clone())
                .or_default()
                .push(f64::from(f) - f64::from(p));
        }
    }
    let supervisors: std::collections::BTreeSet<&String> = supervisor_of.values().collect();
    let calibration = supervisors
        .into_iter()
        .map(|s| Calibration {
            supervisor: s.clone(),
            against_others: mean(against.get(s).map_or(&[][..], Vec::as_slice)),
            final_vs_proposed: mean(finals.get(s).map_or(&[][..], Vec::as_slice)),
        })
        .collect();
    Insights {
        criteria,
        heat,
        distribution,
        calibration,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::rules::shown::CriterionFigures;

    fn row(
        kam: &str,
        criterion: &str,
        sup: Option<u8>,
        others: Option<i32>,
        proposed: Option<u8>,
        fin: Option<u8>,
    ) -> ReportRow {
        ReportRow {
            subject_email: format!("{kam}@t.cn"),
            subject_name: kam.to_owned(),
            area_id: "a".into(),
            criterion_id: criterion.into(),
            figures: CriterionFigures {
                supervisor_level: sup,
                others_mean: others.map(crate::domain::rules::shown::Mean::from_hundredths),
                others_n: others.map(|_| 3),
                proposed_level: proposed,
                ..CriterionFigures::default()
            },
            final_level: fin,
        }
    }

    #[test]
    fn heat_distribution_and_calibration_come_from_shown_figures_only() {
        let rows = vec![
            row("ann", "c1", Some(4), Some(300), Some(3), Some(4)),
            row("ann", "c2", Some(2), None, Some(2), None),
            row("bob", "c1", Some(1), Some(250), Some(2), Some(2)),
            row("bob", "c2", None, Some(300), Some(3), Some(3)),
        ];
        let sup: HashMap<String, String> = [("ann@t.cn", "Li"), ("bob@t.cn", "Li")]
            .into_iter()
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
            .collect();
        let i = compute(&rows, &sup);
        assert_eq!(i.criteria, ["c1", "c2"]);
        assert_eq!(i.heat.len(), 2);
        let at = |level, is_final| Some(CellLevel { level, is_final });
        assert_eq!(i.heat[0].cells, vec![at(4, true), at(2, false)]);
        assert_eq!(i.heat[0].flagged.len(), 2);
        assert_eq!(i.distribution["c1"], [0, 1, 0, 1]);
        let c = &i.calibration[0];
        // (4 − 3) and (1 − 2.5): the hidden others' mean of ann/c2 does not count
        assert_eq!(c.against_others, (Some(-0.25), 2));
        // (4 − 3), (2 − 2), (3 − 3)
        assert_eq!(c.final_vs_proposed.1, 3);
        assert!((c.final_vs_proposed.0.unwrap_or_default() - 1.0 / 3.0).abs() < 1e-9);
    }
}
