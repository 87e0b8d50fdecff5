//! Confidentiality rules for multi-rater results (SPEC §7). `domain::rules::shown` applies them to
//! one criterion's figures, proposal and comments.
//!
//! Customer, peer and team answers are confidential: a group's figures are shown only when no
//! group has 1 to `k − 1` respondents (raters who submitted a form that asks the criterion,
//! whatever they answered on it) and every group that gave levels gave at least `k` (so no
//! hidden group can be derived by difference, and one rater's "not able to judge" is never
//! told apart from a level); the pooled "other raters" figures are shown when the pool holds
//! at least `k` levels. Supervisor and self are identifiable by design.
//!
//! Pure functions, no I/O.

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
    /// The three counts, in report order (customer, peer, team).
    fn each(&self) -> [usize; 3] {
        [self.customer, self.peer, self.team]
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

/// Every group is empty or holds at least `k` (true also when all are 0).
fn none_below(c: GroupCounts, k: usize) -> bool {
    c.each().iter().all(|&n| n == 0 || n >= k)
}

/// SPEC §7 for one criterion, given each group's levels (not `na`) and respondents (levels
/// and `na` answers together): `per_group` when no group has 1 to `k − 1` respondents and
/// every group with levels has at least `k` of them; `pooled` when the levels total ≥ k.
/// A respondent count below the level count is read as the level count.
pub fn visibility(levels: GroupCounts, respondents: GroupCounts, k: usize) -> Visibility {
    let respondents = GroupCounts {
        customer: respondents.customer.max(levels.customer),
        peer: respondents.peer.max(levels.peer),
        team: respondents.team.max(levels.team),
    };
    Visibility {
        per_group: none_below(respondents, k) && none_below(levels, k),
        pooled: levels.total() >= k,
    }
}

/// The smallest `confidentiality.min_group_size` accepted; configured values below it are refused.
pub const MIN_GROUP_SIZE_FLOOR: usize = 3;

/// k of SPEC §7: the smallest confidential group whose figures may be shown. It cannot fall
/// below [`MIN_GROUP_SIZE_FLOOR`]: every way of making one keeps the floor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct K(usize);

impl K {
    /// The floor itself.
    pub const FLOOR: K = K(MIN_GROUP_SIZE_FLOOR);

    /// A configured `confidentiality.min_group_size`: a whole number of at least the floor.
    ///
    /// # Errors
    ///
    /// Any value below [`MIN_GROUP_SIZE_FLOOR`] (negative values included).
    pub fn new(k: i64) -> Result<K, MinGroupSizeError> {
        match usize::try_from(k) {
            Ok(n) if n >= MIN_GROUP_SIZE_FLOOR => Ok(K(n)),
            _ => Err(MinGroupSizeError(k)),
        }
    }

    /// A cycle's stored k (the column's `CHECK` already keeps the floor; a corrupted value
    /// errs on the side of hiding).
    pub fn stored(column: i32) -> K {
        K::at_least(usize::try_from(column).unwrap_or(0))
    }

    /// `n`, or the floor if `n` is below it.
    pub fn at_least(n: usize) -> K {
        K(n.max(MIN_GROUP_SIZE_FLOOR))
    }

    /// k as a count.
    pub const fn get(self) -> usize {
        self.0
    }

    /// k as the database stores it.
    pub fn column(self) -> i32 {
        i32::try_from(self.0).unwrap_or(i32::MAX)
    }
}

/// A configured `confidentiality.min_group_size` below [`MIN_GROUP_SIZE_FLOOR`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("confidentiality.min_group_size must be at least {MIN_GROUP_SIZE_FLOOR} (got {0})")]
pub struct MinGroupSizeError(pub i64);

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
    if none_below(c, k) {
        CommentVisibility::PerGroup
    } else if c.total() >= k {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(customer: usize, peer: usize, team: usize) -> GroupCounts {
        GroupCounts {
            customer,
            peer,
            team,
        }
    }

    // ---- visibility ----

    #[test]
    fn all_groups_empty() {
        let v = visibility(counts(0, 0, 0), counts(0, 0, 0), 3);
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
        let v = visibility(counts(3, 0, 4), counts(0, 0, 0), 3);
        assert!(v.per_group && v.pooled);
    }

    #[test]
    fn one_small_group_hides_all_groups_but_not_pool() {
        let v = visibility(counts(5, 2, 0), counts(0, 0, 0), 3);
        assert!(!v.per_group && v.pooled);
    }

    #[test]
    fn small_pool_hides_everything() {
        let v = visibility(counts(1, 1, 0), counts(0, 0, 0), 3);
        assert!(!v.per_group && !v.pooled);
        let v = visibility(counts(2, 0, 0), counts(0, 0, 0), 3);
        assert!(!v.per_group && !v.pooled);
    }

    #[test]
    fn pool_boundary_is_inclusive() {
        assert!(visibility(counts(1, 1, 1), counts(0, 0, 0), 3).pooled);
        assert!(!visibility(counts(1, 1, 0), counts(0, 0, 0), 3).pooled);
        assert!(visibility(counts(0, 4, 0), counts(0, 0, 0), 4).per_group);
        assert!(!visibility(counts(0, 3, 0), counts(0, 0, 0), 4).per_group);
    }

    #[test]
    fn a_small_group_of_respondents_hides_every_group_whatever_they_answered() {
        // a lone customer who answered "not able to judge": 0 levels, 1 respondent
        let v = visibility(counts(0, 3, 3), counts(1, 3, 3), 3);
        assert!(!v.per_group && v.pooled);
        // the same customer giving a level: the same answer
        let v = visibility(counts(1, 3, 3), counts(1, 3, 3), 3);
        assert!(!v.per_group && v.pooled);
        // three customers of whom one said na: 2 levels, still hidden by the levels rule
        assert!(!visibility(counts(2, 3, 0), counts(3, 3, 0), 3).per_group);
        // three customers who all said na: no levels, enough respondents, shown
        assert!(visibility(counts(0, 3, 0), counts(3, 3, 0), 3).per_group);
        // respondents below the levels are read as the levels
        assert!(visibility(counts(3, 0, 0), counts(0, 0, 0), 3).per_group);
    }

    #[test]
    fn min_group_size_validation() {
        assert_eq!(K::new(3).map(K::get), Ok(3));
        assert_eq!(K::new(10).map(K::get), Ok(10));
        assert_eq!(
            K::stored(1).get(),
            3,
            "a corrupted column hides more, never less"
        );
        assert_eq!(K::stored(5).column(), 5);
        assert_eq!(K::at_least(2), K::FLOOR);
        for bad in [2, 0, -1, i64::MIN] {
            let err = K::new(bad).expect_err("refused");
            assert!(
                err.to_string().contains("confidentiality.min_group_size"),
                "{err}"
            );
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
}
