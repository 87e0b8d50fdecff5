//! Response progress as supervisors and admins may see it (SPEC §7: counts only; for a
//! confidential group, how many answered is shown only once at least k have).

use crate::domain::relationship::Relationship;
use crate::domain::status::{AssignmentStatus, CycleStatus, ReviewStatus};

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

/// Why a review's results became visible (SPEC §7), as the audit trail records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisibleBecause {
    /// The cycle closed (by an admin or at its deadline).
    CycleClosed,
    /// Every invited rater submitted or declined.
    EveryoneAnswered,
}

impl VisibleBecause {
    /// The code stored in the audit trail.
    pub fn as_str(self) -> &'static str {
        match self {
            VisibleBecause::CycleClosed => "cycle_closed",
            VisibleBecause::EveryoneAnswered => "everyone_answered",
        }
    }

    /// The reason of a stored code (or of the English phrase stored before 2026-12-07).
    pub fn parse(s: &str) -> Option<VisibleBecause> {
        match s {
            "cycle_closed" | "the cycle closed" => Some(VisibleBecause::CycleClosed),
            "everyone_answered" | "every invited rater answered" => {
                Some(VisibleBecause::EveryoneAnswered)
            }
            _ => None,
        }
    }

    /// The catalogue key of its words.
    pub fn key(self) -> &'static str {
        match self {
            VisibleBecause::CycleClosed => "audit.because.cycle_closed",
            VisibleBecause::EveryoneAnswered => "audit.because.everyone_answered",
        }
    }
}

/// SPEC §7: a review's results (figures, comments, proposals) become visible once its cycle
/// has closed, or earlier once every invited rater has answered; never while answers are
/// arriving. `None` while neither holds.
pub fn visible_because(
    cycle: CycleStatus,
    statuses: impl IntoIterator<Item = AssignmentStatus>,
) -> Option<VisibleBecause> {
    if matches!(cycle, CycleStatus::Closed | CycleStatus::Archived) {
        Some(VisibleBecause::CycleClosed)
    } else if everyone_answered(statuses) {
        Some(VisibleBecause::EveryoneAnswered)
    } else {
        None
    }
}

/// SPEC §7: visibility is a one-way latch. Results are visible once the latch has closed
/// (`latched`), or as soon as [`visible_because`] holds, before anyone has recorded it; from
/// then on the review's evidence is frozen.
pub fn results_visible(
    latched: bool,
    cycle: CycleStatus,
    statuses: impl IntoIterator<Item = AssignmentStatus>,
) -> bool {
    latched || visible_because(cycle, statuses).is_some()
}

/// Where a review stands for the people around it (the supervisor's home, the review page,
/// the team view): the stored status says "collecting" until the scheduler latches the
/// results, but a review whose raters have all answered reads as ready at once; a signed-off
/// review is "signed off — not yet released" until its report reaches the KAM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// Results visible, not yet signed off: the supervisor's turn.
    Ready,
    /// Answers are still arriving.
    Collecting,
    /// Signed off, the report not yet released to the KAM.
    SignedOff,
    /// Signed off and released to the KAM.
    Released,
}

impl Stage {
    /// Every stage, in the order a supervisor's home lists them (what needs them first).
    pub const ALL: [Stage; 4] = [
        Stage::Ready,
        Stage::Collecting,
        Stage::SignedOff,
        Stage::Released,
    ];

    /// The catalogue key of its name.
    pub fn key(self) -> &'static str {
        match self {
            Stage::Ready => "stage.ready",
            Stage::Collecting => "stage.collecting",
            Stage::SignedOff => "stage.signed_off",
            Stage::Released => "stage.released",
        }
    }

    /// The stage of a review with `status`, whose results are `visible` (SPEC §7) and whose
    /// report was `released` or not.
    pub fn of(status: ReviewStatus, visible: bool, released: bool) -> Stage {
        match status {
            ReviewStatus::Finalized if released => Stage::Released,
            ReviewStatus::Finalized => Stage::SignedOff,
            _ if visible => Stage::Ready,
            _ => Stage::Collecting,
        }
    }

    /// The stage's name in ids and i18n keys (`stage.{name}`).
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Ready => "ready",
            Stage::Collecting => "collecting",
            Stage::SignedOff => "signed_off",
            Stage::Released => "released",
        }
    }
}

/// Progress of one rater group in one review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupProgress {
    pub group: Relationship,
    pub invited: usize,
    /// `None` while a confidential group has from 1 to k − 1 answers.
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
            // nobody having answered says nothing about anyone: "0 of 3", not "fewer than 3"
            let shown = !group.is_confidential() || answered >= k || answered == 0;
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
    #[test]
    fn a_review_everyone_answered_reads_as_ready_before_the_latch() {
        use super::Stage;
        use crate::domain::status::ReviewStatus as R;
        assert_eq!(Stage::of(R::Collecting, false, false), Stage::Collecting);
        assert_eq!(Stage::of(R::Collecting, true, false), Stage::Ready);
        assert_eq!(Stage::of(R::Reconciling, true, false), Stage::Ready);
        assert_eq!(Stage::of(R::Finalized, true, false), Stage::SignedOff);
        assert_eq!(Stage::of(R::Finalized, true, true), Stage::Released);
    }

    use super::*;
    use AssignmentStatus::*;
    use Relationship::*;

    #[test]
    fn results_appear_after_close_or_when_everyone_answered() {
        let open = CycleStatus::Open;
        assert!(!results_visible(false, open, [Submitted, Invited]));
        assert_eq!(
            visible_because(open, [Submitted, Declined, Revoked]),
            Some(VisibleBecause::EveryoneAnswered)
        );
        assert_eq!(
            visible_because(CycleStatus::Closed, [Invited]),
            Some(VisibleBecause::CycleClosed)
        );
        assert_eq!(
            visible_because(open, [Revoked]),
            None,
            "nobody left to answer is not everyone"
        );
        assert_eq!(answered([Submitted, Draft, Revoked, Declined]), (3, 2));
    }

    #[test]
    fn a_latched_review_stays_visible_whatever_its_raters_become() {
        // the differencing attack of issue 10: visible after a revoke, then a reissue would
        // make it "not everyone answered" again; the latch keeps it visible (and frozen)
        let open = CycleStatus::Open;
        assert!(results_visible(true, open, [Submitted, Invited]));
        assert!(results_visible(true, open, [Pending]));
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

    #[test]
    fn nobody_yet_is_said_plainly() {
        let p = per_group(&[(Team, Invited), (Team, Opened), (Team, Draft)], 3);
        assert_eq!(p[0].answered, Some(0), "0 of 3 reveals no one");
        let p = per_group(&[(Team, Submitted), (Team, Opened), (Team, Draft)], 3);
        assert_eq!(p[0].answered, None, "1 of 3 would");
    }
}
