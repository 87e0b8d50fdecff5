//! Response progress as supervisors and admins may see it (SPEC §7: counts only; for a
//! confidential group, how many answered is shown only once at least k have).

use super::relationship::Relationship;
use super::status::{AssignmentStatus, CycleStatus};

/// How many live (not revoked) raters a review has, and how many of them have answered
/// (submitted or declined).
pub fn answered(statuses: impl IntoIterator<Item = AssignmentStatus>) -> (usize, usize) {
    statuses
        .into_iter()
        .filter(|s| *s != AssignmentStatus::Revoked)
        .fold((0, 0), |(live, done), s| {
            (live + 1, done + usize::from(s.has_answered()))
        })
}

/// Whether every live rater has answered (and there is at least one).
pub fn everyone_answered(statuses: impl IntoIterator<Item = AssignmentStatus>) -> bool {
    let (live, done) = answered(statuses);
    live > 0 && live == done
}

/// SPEC §7: a review's results (figures, comments, proposals) are visible once its cycle has
/// closed, or earlier once every invited rater has answered; never while answers are arriving.
pub fn results_visible(
    cycle: Option<CycleStatus>,
    statuses: impl IntoIterator<Item = AssignmentStatus>,
) -> bool {
    matches!(cycle, Some(CycleStatus::Closed | CycleStatus::Archived))
        || everyone_answered(statuses)
}

/// Progress of one rater group in one review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupProgress {
    pub group: Relationship,
    pub invited: usize,
    /// `None` while a confidential group has fewer than k answers.
    pub answered: Option<usize>,
}

/// Progress per group (in reporting order, groups without raters left out) from the statuses
/// of a review's live assignments.
pub fn per_group(assignments: &[(Relationship, AssignmentStatus)], k: usize) -> Vec<GroupProgress> {
    Relationship::ALL
        .into_iter()
        .filter_map(|group| {
            let live: Vec<_> = assignments
                .iter()
                .filter(|(g, s)| *g == group && *s != AssignmentStatus::Revoked)
                .collect();
            if live.is_empty() {
                return None;
            }
            let answered = live.iter().filter(|(_, s)| s.has_answered()).count();
            let shown = !group.is_confidential() || answered >= k;
            Some(GroupProgress {
                group,
                invited: live.len(),
                answered: shown.then_some(answered),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use AssignmentStatus::*;
    use Relationship::*;

    #[test]
    fn results_appear_after_close_or_when_everyone_answered() {
        assert!(!results_visible(
            Some(CycleStatus::Open),
            [Submitted, Invited]
        ));
        assert!(results_visible(
            Some(CycleStatus::Open),
            [Submitted, Declined, Revoked]
        ));
        assert!(results_visible(Some(CycleStatus::Closed), [Invited]));
        assert!(
            !results_visible(Some(CycleStatus::Open), [Revoked]),
            "nobody left to answer is not everyone"
        );
        assert_eq!(answered([Submitted, Draft, Revoked, Declined]), (3, 2));
    }

    #[test]
    fn confidential_counts_appear_only_from_k_answers() {
        let a = [
            (Customer, Submitted),
            (Customer, Submitted),
            (Customer, Invited),
            (Peer, Submitted),
            (Peer, Declined),
            (Peer, Submitted),
            (Supervisor, Draft),
            (SelfReview, Submitted),
            (Team, Revoked),
        ];
        let p = per_group(&a, 3);
        assert_eq!(
            p[0],
            GroupProgress {
                group: Customer,
                invited: 3,
                answered: None
            }
        );
        assert_eq!(
            p[1],
            GroupProgress {
                group: Peer,
                invited: 3,
                answered: Some(3)
            }
        );
        assert_eq!(
            p[2],
            GroupProgress {
                group: Supervisor,
                invited: 1,
                answered: Some(0)
            }
        );
        assert_eq!(
            p[3],
            GroupProgress {
                group: SelfReview,
                invited: 1,
                answered: Some(1)
            }
        );
        assert_eq!(p.len(), 4, "a group with only revoked links is left out");
    }
}
