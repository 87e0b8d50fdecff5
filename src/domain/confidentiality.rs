//! Confidentiality rules for multi-rater results (SPEC §7) and the per-criterion report row
//! that applies them to the consolidation figures of SPEC §6 (`kam360 report`, SPEC §10).
//!
//! Customer, peer and team answers are confidential: a group's figures are shown only when
//! every group that answered has at least `k` levels (so no hidden group can be derived by
//! difference); the pooled "other raters" figures are shown when the pool holds at least `k`
//! levels. Supervisor and self are identifiable by design.
//!
//! Pure functions, no I/O.

use super::consolidation::{self, Evidence, Level, Policy};

/// The confidential multi-rater groups, in report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// People at the client company.
    Customer,
    /// Colleagues in other departments.
    Peer,
    /// Members of the KAM's own account team.
    Team,
}

impl Group {
    /// All confidential groups, in report order.
    pub const ALL: [Group; 3] = [Group::Customer, Group::Peer, Group::Team];
}

/// Number of levels (not na) each confidential group gave for one criterion.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GroupCounts {
    /// Customer levels (or comments).
    pub customer: usize,
    /// Peer levels (or comments).
    pub peer: usize,
    /// Team levels (or comments).
    pub team: usize,
}

impl GroupCounts {
    /// The count for one group.
    pub fn get(&self, g: Group) -> usize {
        match g {
            Group::Customer => self.customer,
            Group::Peer => self.peer,
            Group::Team => self.team,
        }
    }

    /// Sum over the three groups (the pool).
    pub fn total(&self) -> usize {
        self.customer
            .saturating_add(self.peer)
            .saturating_add(self.team)
    }
}

/// Which figures may be shown for one criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Visibility {
    /// Each group's mean, n and distribution may be shown.
    pub per_group: bool,
    /// The pooled "other raters" figures may be shown.
    pub pooled: bool,
}

/// `per_group`: every group with n > 0 has n ≥ k (true also when all are 0);
/// `pooled`: total ≥ k.
pub fn visibility(c: GroupCounts, k: usize) -> Visibility {
    Visibility {
        per_group: Group::ALL.iter().all(|&g| {
            let n = c.get(g);
            n == 0 || n >= k
        }),
        pooled: c.total() >= k,
    }
}

/// The smallest `confidentiality.min_group_size` accepted; configured values below it are refused.
pub const MIN_GROUP_SIZE_FLOOR: usize = 3;

/// Validates a configured `confidentiality.min_group_size`: it must be a whole number of at
/// least [`MIN_GROUP_SIZE_FLOOR`]; the error is an English sentence naming the key.
///
/// # Errors
///
/// Any value below [`MIN_GROUP_SIZE_FLOOR`] (negative values included).
pub fn validate_min_group_size(k: i64) -> Result<usize, String> {
    match usize::try_from(k) {
        Ok(k) if k >= MIN_GROUP_SIZE_FLOOR => Ok(k),
        _ => Err(format!(
            "confidentiality.min_group_size must be at least {MIN_GROUP_SIZE_FLOOR} (got {k})"
        )),
    }
}

/// How the comments for one criterion (or one review) may be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentVisibility {
    /// Grouped by rater group.
    PerGroup,
    /// All customer, peer and team comments together, without group labels.
    Pooled,
    /// Not shown: "not enough responses to protect confidentiality".
    Hidden,
}

/// The §7 rule applied to comment counts: per group when every commenting group has ≥ k
/// comments, else pooled when the pool has ≥ k, else hidden. With no comments at all the
/// answer is `PerGroup` (vacuously; there is nothing to show).
pub fn comment_visibility(c: GroupCounts, k: usize) -> CommentVisibility {
    let v = visibility(c, k);
    if v.per_group {
        CommentVisibility::PerGroup
    } else if v.pooled {
        CommentVisibility::Pooled
    } else {
        CommentVisibility::Hidden
    }
}

/// Returns comments in a stable order that does not reveal submission order: sorted by
/// (text lowercase, text).
pub fn stable_order(mut comments: Vec<String>) -> Vec<String> {
    comments.sort_by_cached_key(|c| (c.to_lowercase(), c.clone()));
    comments
}

/// One criterion's figures as the report (CSV/JSON) shows them. Every Option is None where
/// SPEC says the field is empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CriterionFigures {
    /// The KAM's self level (None: not given or na).
    pub self_level: Option<Level>,
    /// The supervisor's level (None: not given or na).
    pub supervisor_level: Option<Level>,
    /// Customer mean, two decimals (None: hidden, hidden by §7 or no levels).
    pub customer_mean: Option<String>,
    /// Number of customer levels (None: hidden by §7).
    pub customer_n: Option<usize>,
    /// Peer mean, two decimals.
    pub peer_mean: Option<String>,
    /// Number of peer levels.
    pub peer_n: Option<usize>,
    /// Team mean, two decimals.
    pub team_mean: Option<String>,
    /// Number of team levels.
    pub team_n: Option<usize>,
    /// Pooled customer + peer + team mean, two decimals (None: fewer than k levels).
    pub others_mean: Option<String>,
    /// Pooled customer + peer + team count (None: fewer than k levels).
    pub others_n: Option<usize>,
    /// Proposed level `P` (None: not rated or results not yet visible).
    pub proposed_level: Option<Level>,
    /// Flags joined with `;` (empty while results are not visible).
    pub flags: String,
}

/// Builds one report row (one review × criterion) from the evidence, applying §7 to §6.
///
/// `results_visible = false` (cycle still open and not everyone answered): every group/others
/// figure is None, proposed None, flags "" — only self and supervisor levels are shown.
/// `results_visible = true`: per-group figures (mean with 2 decimals via
/// [`consolidation::fmt_decimal`], n) are shown only if [`visibility`]`.per_group`; a visible
/// group with n = 0 gets mean None and n Some(0); hidden groups get both None. `others_*` are
/// the pooled customer + peer + team levels: shown (mean 2 decimals, n) only if pooled
/// visibility holds, else both None. proposed = `propose().proposed`, flags =
/// `propose().flags.joined()`.
pub fn figures(e: &Evidence, policy: &Policy, k: usize, results_visible: bool) -> CriterionFigures {
    let mut out = CriterionFigures {
        self_level: e.self_level,
        supervisor_level: e.supervisor,
        customer_mean: None,
        customer_n: None,
        peer_mean: None,
        peer_n: None,
        team_mean: None,
        team_n: None,
        others_mean: None,
        others_n: None,
        proposed_level: None,
        flags: String::new(),
    };
    if !results_visible {
        return out;
    }
    let counts = GroupCounts {
        customer: e.customer.len(),
        peer: e.peer.len(),
        team: e.team.len(),
    };
    let vis = visibility(counts, k);
    let two_decimals =
        |levels: &[Level]| consolidation::mean(levels).map(|m| consolidation::fmt_decimal(m, 2));
    if vis.per_group {
        (out.customer_mean, out.customer_n) = (two_decimals(&e.customer), Some(e.customer.len()));
        (out.peer_mean, out.peer_n) = (two_decimals(&e.peer), Some(e.peer.len()));
        (out.team_mean, out.team_n) = (two_decimals(&e.team), Some(e.team.len()));
    }
    if vis.pooled {
        let pool: Vec<Level> = e
            .customer
            .iter()
            .chain(&e.peer)
            .chain(&e.team)
            .copied()
            .collect();
        (out.others_mean, out.others_n) = (two_decimals(&pool), Some(pool.len()));
    }
    let proposal = consolidation::propose(e, policy);
    out.proposed_level = proposal.proposed;
    out.flags = proposal.flags.joined();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn counts(customer: usize, peer: usize, team: usize) -> GroupCounts {
        GroupCounts {
            customer,
            peer,
            team,
        }
    }

    fn ev(s: Option<Level>, c: &[Level], p: &[Level], t: &[Level]) -> Evidence {
        Evidence {
            self_level: Some(3),
            supervisor: s,
            customer: c.to_vec(),
            peer: p.to_vec(),
            team: t.to_vec(),
        }
    }

    // ---- visibility ----

    #[test]
    fn all_groups_empty() {
        let v = visibility(counts(0, 0, 0), 3);
        assert_eq!(
            v,
            Visibility {
                per_group: true,
                pooled: false
            }
        );
    }

    #[test]
    fn every_answering_group_large_enough() {
        let v = visibility(counts(3, 0, 4), 3);
        assert!(v.per_group && v.pooled);
    }

    #[test]
    fn one_small_group_hides_all_groups_but_not_pool() {
        let v = visibility(counts(5, 2, 0), 3);
        assert!(!v.per_group && v.pooled);
    }

    #[test]
    fn small_pool_hides_everything() {
        let v = visibility(counts(1, 1, 0), 3);
        assert!(!v.per_group && !v.pooled);
        let v = visibility(counts(2, 0, 0), 3);
        assert!(!v.per_group && !v.pooled);
    }

    #[test]
    fn pool_boundary_is_inclusive() {
        assert!(visibility(counts(1, 1, 1), 3).pooled);
        assert!(!visibility(counts(1, 1, 0), 3).pooled);
        assert!(visibility(counts(0, 4, 0), 4).per_group);
        assert!(!visibility(counts(0, 3, 0), 4).per_group);
    }

    #[test]
    fn min_group_size_validation() {
        assert_eq!(validate_min_group_size(3), Ok(3));
        assert_eq!(validate_min_group_size(10), Ok(10));
        for bad in [2, 0, -1, i64::MIN] {
            let err = validate_min_group_size(bad).expect_err("refused");
            assert!(err.contains("confidentiality.min_group_size"), "{err}");
        }
    }

    // ---- comments ----

    #[test]
    fn comment_visibility_branches() {
        assert_eq!(
            comment_visibility(counts(3, 0, 3), 3),
            CommentVisibility::PerGroup
        );
        assert_eq!(
            comment_visibility(counts(3, 1, 0), 3),
            CommentVisibility::Pooled
        );
        assert_eq!(
            comment_visibility(counts(1, 1, 0), 3),
            CommentVisibility::Hidden
        );
        assert_eq!(
            comment_visibility(counts(0, 0, 0), 3),
            CommentVisibility::PerGroup
        );
    }

    #[test]
    fn stable_order_ignores_submission_order() {
        let a = vec![
            "banana".to_string(),
            "Apple".into(),
            "apple".into(),
            "cherry".into(),
        ];
        let mut b = a.clone();
        b.reverse();
        let sorted = stable_order(a);
        assert_eq!(sorted, ["Apple", "apple", "banana", "cherry"]);
        assert_eq!(stable_order(b), sorted);
    }

    // ---- report rows ----

    #[test]
    fn results_not_visible_shows_only_self_and_supervisor() {
        let e = ev(Some(4), &[1, 2, 3], &[4, 4, 4], &[]);
        let f = figures(&e, &Policy::default(), 3, false);
        assert_eq!(
            f,
            CriterionFigures {
                self_level: Some(3),
                supervisor_level: Some(4),
                customer_mean: None,
                customer_n: None,
                peer_mean: None,
                peer_n: None,
                team_mean: None,
                team_n: None,
                others_mean: None,
                others_n: None,
                proposed_level: None,
                flags: String::new(),
            }
        );
    }

    #[test]
    fn per_group_visible_with_empty_group() {
        // customer mean 2, peer mean 11/3; M = (2·2 + 11/3)/3 = 23/9; P = (4 + 23/9)/2 = 3.28 → 3
        let e = ev(Some(4), &[1, 2, 3], &[4, 4, 3], &[]);
        let f = figures(&e, &Policy::default(), 3, true);
        assert_eq!(f.customer_mean.as_deref(), Some("2.00"));
        assert_eq!(f.customer_n, Some(3));
        assert_eq!(f.peer_mean.as_deref(), Some("3.67"));
        assert_eq!(f.peer_n, Some(3));
        assert_eq!((f.team_mean, f.team_n), (None, Some(0)));
        assert_eq!(f.others_mean.as_deref(), Some("2.83"));
        assert_eq!(f.others_n, Some(6));
        assert_eq!(f.proposed_level, Some(3));
        assert_eq!(f.flags, "divergent;low_agreement");
        assert_eq!((f.self_level, f.supervisor_level), (Some(3), Some(4)));
    }

    #[test]
    fn per_group_hidden_pool_shown() {
        let e = ev(None, &[4, 4, 4], &[1], &[]);
        let f = figures(&e, &Policy::default(), 3, true);
        assert_eq!((f.customer_mean, f.customer_n), (None, None));
        assert_eq!((f.peer_mean, f.peer_n), (None, None));
        assert_eq!((f.team_mean, f.team_n), (None, None));
        assert_eq!(f.others_mean.as_deref(), Some("3.25"));
        assert_eq!(f.others_n, Some(4));
        // M = (2·4 + 1)/3 = 3
        assert_eq!(f.proposed_level, Some(3));
        assert_eq!(f.flags, "low_agreement");
    }

    #[test]
    fn everything_hidden_when_pool_too_small() {
        let e = ev(Some(2), &[4], &[], &[3]);
        let f = figures(&e, &Policy::default(), 3, true);
        assert_eq!((f.customer_mean, f.customer_n), (None, None));
        assert_eq!((f.peer_mean, f.peer_n), (None, None));
        assert_eq!((f.team_mean, f.team_n), (None, None));
        assert_eq!((f.others_mean, f.others_n), (None, None));
        // proposal still shown: S = 2, M = (8 + 3)/3 = 11/3 → (2 + 11/3)/2 = 2.83 → 3
        assert_eq!(f.proposed_level, Some(3));
        assert_eq!(f.flags, "divergent");
    }

    #[test]
    fn no_multi_rater_levels() {
        let e = ev(Some(2), &[], &[], &[]);
        let f = figures(&e, &Policy::default(), 3, true);
        assert_eq!((f.customer_mean.clone(), f.customer_n), (None, Some(0)));
        assert_eq!((f.peer_mean.clone(), f.peer_n), (None, Some(0)));
        assert_eq!((f.team_mean.clone(), f.team_n), (None, Some(0)));
        assert_eq!((f.others_mean, f.others_n), (None, None));
        assert_eq!(f.proposed_level, Some(2));
        assert_eq!(f.flags, "thin_evidence");
        let none = figures(&Evidence::default(), &Policy::default(), 3, true);
        assert_eq!(
            (none.self_level, none.supervisor_level, none.proposed_level),
            (None, None, None)
        );
    }

    // ---- properties ----

    fn group() -> impl Strategy<Value = Vec<Level>> {
        prop::collection::vec(1u8..=4, 0..6)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn shown_figures_never_reveal_a_small_group(
            s in prop::option::of(1u8..=4),
            c in group(), p in group(), t in group(),
            results_visible in any::<bool>(),
        ) {
            let k = 3;
            let e = ev(s, &c, &p, &t);
            let f = figures(&e, &Policy::default(), k, results_visible);
            let ns = [c.len(), p.len(), t.len()];
            let shown_n = [f.customer_n, f.peer_n, f.team_n];
            let shown_mean = [&f.customer_mean, &f.peer_mean, &f.team_mean];
            // (a) any shown per-group n ⇒ every answering group has n ≥ k
            if shown_n.iter().any(Option::is_some) {
                prop_assert!(ns.iter().all(|&n| n == 0 || n >= k));
                prop_assert!(results_visible);
            }
            // (b) per-group hidden ⇒ all three per-group fields empty
            let per_group = ns.iter().all(|&n| n == 0 || n >= k);
            if !per_group || !results_visible {
                prop_assert!(shown_n.iter().all(Option::is_none));
                prop_assert!(shown_mean.iter().all(|m| m.is_none()));
            } else {
                // shown groups are all-or-nothing and consistent
                for (i, &n) in ns.iter().enumerate() {
                    prop_assert_eq!(shown_n[i], Some(n));
                    prop_assert_eq!(shown_mean[i].is_some(), n > 0);
                }
            }
            // (c) others shown only when the pool holds ≥ k levels
            let total = ns.iter().sum::<usize>();
            if f.others_n.is_some() || f.others_mean.is_some() {
                prop_assert!(total >= k);
                prop_assert_eq!(f.others_n, Some(total));
            } else {
                prop_assert!(!results_visible || total < k);
            }
            // hidden results never show proposal or flags
            if !results_visible {
                prop_assert!(f.proposed_level.is_none());
                prop_assert!(f.flags.is_empty());
            }
            prop_assert_eq!(f.self_level, Some(3));
            prop_assert_eq!(f.supervisor_level, s);
        }
    }
}
