//! A review's results as the reconciliation page and the report show them (view models: plain
//! data, built by the handlers from `actions::reconcile`).

use chrono::NaiveDateTime;

use crate::domain::formats::rubric::Rubric;
use crate::domain::rules::consolidation::Level;
use crate::domain::rules::progress::{GroupProgress, Stage};
use crate::domain::rules::shown::Shown;
use crate::domain::status::ReviewStatus;

/// Who reads a review's results: the words around the figures are written for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// The KAM's own supervisor ("your level").
    Supervisor,
    /// An admin (the supervisor is named).
    Admin,
    /// The KAM, through their released link ("your supervisor's level").
    Kam,
}

/// A review as the reconciliation page and the report show it.
pub struct ReviewPage<'a> {
    pub review_id: &'a crate::domain::ids::ReviewId,
    pub subject_name: &'a str,
    pub supervisor_name: &'a str,
    pub reader: Reader,
    /// Where the review stands (ready, signed off, released …).
    pub stage: Stage,
    pub cycle_name: &'a str,
    pub status: ReviewStatus,
    /// The review's version the page's form carries (optimistic concurrency).
    pub version: i32,
    pub finalized_at: Option<NaiveDateTime>,
    /// Results are visible (SPEC §7); before that, only progress is shown.
    pub visible: bool,
    /// The cycle's k.
    pub k: usize,
    pub rubric: &'a Rubric,
    pub progress: &'a [GroupProgress],
    /// In rubric order.
    pub criteria: Vec<CriterionView<'a>>,
    pub audit: Vec<AuditLine<'a>>,
    /// The name of the cycle of the KAM's previous finalized review, if there is one.
    pub previous_cycle: Option<&'a str>,
}

/// One criterion: what §7 lets the page show, and the stored final level.
pub struct CriterionView<'a> {
    pub id: &'a str,
    pub shown: &'a Shown,
    pub final_level: Option<Level>,
    /// The supervisor's reason for the final level, if they gave one.
    pub rationale: Option<&'a str>,
    /// The final level in the KAM's previous finalized review.
    pub previous_level: Option<Level>,
}

/// One line of the audit trail.
pub struct AuditLine<'a> {
    pub at: NaiveDateTime,
    pub who: Option<&'a str>,
    pub action: &'a str,
    /// A criterion id, for decisions.
    pub target: Option<&'a str>,
    /// The rater a nomination's event concerns: (name, email, relationship).
    pub concerned: Option<(&'a str, &'a str, crate::domain::relationship::Relationship)>,
    pub old_value: Option<&'a str>,
    pub new_value: Option<&'a str>,
    pub rationale: Option<&'a str>,
}
