//! Response progress as supervisors and admins may see it (SPEC §7: counts only; for a
//! confidential group, how many answered is shown only once at least k have).

use super::relationship::Relationship;
use super::status::AssignmentStatus;

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
