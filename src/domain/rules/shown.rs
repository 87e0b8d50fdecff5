//! What one criterion's results may show (SPEC §6 under §7): the report row's figures, the
//! level distribution, the proposal with its flags, the gap analysis and the comments.
//!
//! Every page and export that shows results is built from [`criterion`] or [`figures`], so
//! that nothing §7 hides can reach them. While a review's results are not yet visible only
//! the identifiable levels (self and supervisor) go in at all; once they are, the proposal,
//! the flags and the gap analysis are computed from shown figures only (SPEC §6, amended
//! 2026-12-01), so two reviews that differ only inside a hidden group look the same.
//!
//! Pure functions, no I/O.

use crate::domain::relationship::Relationship;
use crate::domain::rules::confidentiality::{
    comment_visibility, stable_order, CommentVisibility, GroupCounts,
};
use crate::domain::rules::consolidation::{
    self, gap, propose, Evidence, Gap, Level, Policy, Proposal,
};

/// A group's mean as reports show it: the exact mean of its levels rounded half up to two
/// decimals, kept as a number (hundredths) until a page or a file writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Mean(i32);

impl Mean {
    /// The mean of `levels`, or `None` for no levels.
    pub fn of(levels: &[Level]) -> Option<Mean> {
        let m = consolidation::mean(levels)?;
        let hundredths =
            consolidation::round_half_up_i128(i128::from(*m.numer()) * 100, i128::from(*m.denom()));
        i32::try_from(hundredths).ok().map(Mean)
    }

    /// The mean with this many hundredths (233: 2.33).
    pub fn from_hundredths(hundredths: i32) -> Mean {
        Mean(hundredths)
    }

    /// Its hundredths (2.33: 233).
    pub fn hundredths(self) -> i32 {
        self.0
    }

    /// The value as a number, for JSON, a spreadsheet cell or a chart.
    pub fn as_f64(self) -> f64 {
        f64::from(self.0) / 100.0
    }
}

impl std::fmt::Display for Mean {
    /// Two decimals: "2.33", "3.00".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

/// The confidential groups in report order.
const GROUPS: [Relationship; 3] = [
    Relationship::Customer,
    Relationship::Peer,
    Relationship::Team,
];

/// One criterion's figures as the report (CSV/JSON) shows them. Every Option is None where
/// SPEC says the field is empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CriterionFigures {
    /// The KAM's self level (None: not given or na).
    pub self_level: Option<Level>,
    /// The supervisor's level (None: not given or na).
    pub supervisor_level: Option<Level>,
    /// Customer mean, two decimals (None: hidden by §7 or no levels).
    pub customer_mean: Option<Mean>,
    /// Number of customer levels (None: hidden by §7).
    pub customer_n: Option<usize>,
    /// Peer mean, two decimals.
    pub peer_mean: Option<Mean>,
    /// Number of peer levels.
    pub peer_n: Option<usize>,
    /// Team mean, two decimals.
    pub team_mean: Option<Mean>,
    /// Number of team levels.
    pub team_n: Option<usize>,
    /// Pooled customer + peer + team mean, two decimals (None: fewer than k levels).
    pub others_mean: Option<Mean>,
    /// Pooled customer + peer + team count (None: fewer than k levels).
    pub others_n: Option<usize>,
    /// Proposed level `P` (None: not rated or results not yet visible).
    pub proposed_level: Option<Level>,
    /// Flags joined with `;` (empty while results are not visible).
    pub flags: String,
}

/// Comments on one criterion as they may be shown, each list in [`stable_order`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Comments {
    /// Per confidential group (only groups with comments).
    PerGroup(Vec<(Relationship, Vec<String>)>),
    /// All customer, peer and team comments together, without group labels.
    Pooled(Vec<String>),
    /// Not shown: fewer than k people commented.
    Hidden,
    /// Nothing to show (no comments, or results not yet visible).
    None,
}

/// Everything a results page shows for one criterion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    /// The report row's figures.
    pub figures: CriterionFigures,
    /// Level counts (1..=4) per answering group, only where per-group figures are shown.
    pub distribution: Option<Vec<(Relationship, [usize; 4])>>,
    /// The proposal, built from shown figures only.
    pub proposal: Proposal,
    /// Self against others, only where the pool is shown.
    pub gap: Option<Gap>,
    /// The comments as §7 lets them be shown.
    pub comments: Comments,
}

/// The evidence a page may use: all of it once results are visible, else only the
/// identifiable levels (self and supervisor).
fn usable(e: &Evidence, visible: bool) -> Evidence {
    if visible {
        e.clone()
    } else {
        Evidence {
            self_level: e.self_level,
            supervisor: e.supervisor,
            ..Evidence::default()
        }
    }
}

/// What one criterion shows, given its evidence and the confidential groups' comments (in any
/// order), the cycle's policy and `k`, and whether the review's results are visible.
pub fn criterion(
    e: &Evidence,
    comments: &[(Relationship, String)],
    policy: &Policy,
    k: usize,
    visible: bool,
) -> Shown {
    let e = usable(e, visible);
    let distribution = (visible && e.visibility(k).per_group).then(|| {
        GROUPS
            .into_iter()
            .zip([&e.customer, &e.peer, &e.team])
            .filter(|(_, levels)| !levels.is_empty())
            .map(|(g, levels)| {
                let mut d = [0usize; 4];
                for &l in levels {
                    if let Some(slot) = d.get_mut(usize::from(l).wrapping_sub(1)) {
                        *slot += 1;
                    }
                }
                (g, d)
            })
            .collect()
    });
    Shown {
        figures: figures(&e, policy, k, visible),
        distribution,
        proposal: propose(&e, policy, k),
        gap: gap(&e, k),
        comments: if visible {
            shown_comments(comments, k)
        } else {
            Comments::None
        },
    }
}

/// Applies §7 to one criterion's comments, in a stable order that hides who wrote first.
fn shown_comments(all: &[(Relationship, String)], k: usize) -> Comments {
    let of = |g: Relationship| -> Vec<String> {
        all.iter()
            .filter(|(x, _)| *x == g)
            .map(|(_, c)| c.clone())
            .collect()
    };
    let [customer, peer, team] = GROUPS.map(of);
    let counts = GroupCounts {
        customer: customer.len(),
        peer: peer.len(),
        team: team.len(),
    };
    if counts.total() == 0 {
        return Comments::None;
    }
    match comment_visibility(counts, k) {
        CommentVisibility::PerGroup => Comments::PerGroup(
            GROUPS
                .into_iter()
                .zip([customer, peer, team])
                .filter(|(_, v)| !v.is_empty())
                .map(|(g, v)| (g, stable_order(v)))
                .collect(),
        ),
        CommentVisibility::Pooled => {
            Comments::Pooled(stable_order([customer, peer, team].concat()))
        }
        CommentVisibility::Hidden => Comments::Hidden,
    }
}

/// Builds one report row (one review × criterion) from the evidence, applying §7 to §6.
///
/// `results_visible = false` (cycle still open and not everyone answered): every group/others
/// figure is None, proposed None, flags "" — only self and supervisor levels are shown.
/// `results_visible = true`: per-group figures (mean with 2 decimals via
/// [`consolidation::fmt_decimal`], n) are shown only if every answering group has at least
/// `k` levels; a visible group with n = 0 gets mean None and n Some(0); hidden groups get
/// both None. `others_*` are the pooled customer + peer + team levels: shown (mean 2
/// decimals, n) only if the pool holds at least `k`, else both None. proposed and flags come
/// from [`propose`], which itself uses shown figures only.
pub fn figures(e: &Evidence, policy: &Policy, k: usize, results_visible: bool) -> CriterionFigures {
    let mut out = CriterionFigures {
        self_level: e.self_level,
        supervisor_level: e.supervisor,
        ..CriterionFigures::default()
    };
    if !results_visible {
        return out;
    }
    let vis = e.visibility(k);
    let two_decimals = Mean::of;
    if vis.per_group {
        (out.customer_mean, out.customer_n) = (two_decimals(&e.customer), Some(e.customer.len()));
        (out.peer_mean, out.peer_n) = (two_decimals(&e.peer), Some(e.peer.len()));
        (out.team_mean, out.team_n) = (two_decimals(&e.team), Some(e.team.len()));
    }
    if vis.pooled {
        let pool: Vec<Level> = e.multi_rater().collect();
        (out.others_mean, out.others_n) = (two_decimals(&pool), Some(pool.len()));
    }
    let proposal = propose(e, policy, k);
    out.proposed_level = proposal.proposed;
    out.flags = proposal.flags.joined();
    out
}

#[cfg(test)]
#[path = "shown_tests.rs"]
mod tests;
