//! A cycle's steps (SPEC §3): launch (draft → open), close (open → closed) and archive
//! (closed → archived), and why one cannot be taken now. The actions refuse with these
//! reasons and the admin's confirmation page shows them before the button.

use chrono::NaiveDateTime;

use crate::domain::status::CycleStatus;

/// A step of a cycle's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Launch,
    Close,
    Archive,
}

impl Step {
    /// Every step, in a cycle's order.
    pub const ALL: [Step; 3] = [Step::Launch, Step::Close, Step::Archive];

    /// The catalogue key of its confirmation page's title (with `{cycle}`).
    pub fn title_key(self) -> &'static str {
        match self {
            Step::Launch => "admin.confirm.launch.title",
            Step::Close => "admin.confirm.close.title",
            Step::Archive => "admin.confirm.archive.title",
        }
    }

    /// The catalogue key of its confirmation page's button.
    pub fn button_key(self) -> &'static str {
        match self {
            Step::Launch => "admin.confirm.launch.button",
            Step::Close => "admin.confirm.close.button",
            Step::Archive => "admin.confirm.archive.button",
        }
    }

    /// The word of the step (its URL segment and i18n key part).
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Launch => "launch",
            Step::Close => "close",
            Step::Archive => "archive",
        }
    }

    /// The status the step starts from and the one it leads to.
    pub fn moves(self) -> (CycleStatus, CycleStatus) {
        match self {
            Step::Launch => (CycleStatus::Draft, CycleStatus::Open),
            Step::Close => (CycleStatus::Open, CycleStatus::Closed),
            Step::Archive => (CycleStatus::Closed, CycleStatus::Archived),
        }
    }
}

/// Why a step cannot be taken now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The cycle is not in the status the step starts from.
    WrongStatus(Step, CycleStatus),
    /// Launching a cycle without nominations.
    NoNominations,
    /// Launching a cycle whose closing date has passed.
    DeadlinePassed,
}

impl Refusal {
    /// The i18n key of the reason (`{status}` is the cycle's status, for `WrongStatus`).
    pub fn key(self) -> &'static str {
        match self {
            Refusal::WrongStatus(Step::Launch, _) => "admin.refused.launch",
            Refusal::WrongStatus(Step::Close, _) => "admin.refused.close",
            Refusal::WrongStatus(Step::Archive, _) => "admin.refused.archive",
            Refusal::NoNominations => "admin.refused.no_nominations",
            Refusal::DeadlinePassed => "admin.refused.deadline_passed",
        }
    }
}

/// The cycle as the step finds it.
#[derive(Debug, Clone, Copy)]
pub struct Cycle {
    pub status: CycleStatus,
    pub closes_at: NaiveDateTime,
    /// Nominations not yet invited (what a launch invites).
    pub pending: usize,
}

impl Cycle {
    /// The cycle with its nominations counted per status.
    pub fn counted(
        status: CycleStatus,
        closes_at: NaiveDateTime,
        per_status: &[(crate::domain::status::AssignmentStatus, i64)],
    ) -> Cycle {
        let pending = per_status
            .iter()
            .filter(|(s, _)| *s == crate::domain::status::AssignmentStatus::Pending)
            .map(|(_, n)| usize::try_from(*n).unwrap_or(0))
            .sum();
        Cycle {
            status,
            closes_at,
            pending,
        }
    }
}

/// Whether a cycle accepts answers (and so reminders, new links and nominations) at `now`:
/// it is open and its deadline has not passed. The one rule every action and page asks.
pub fn accepts_answers(status: CycleStatus, closes_at: NaiveDateTime, now: NaiveDateTime) -> bool {
    status == CycleStatus::Open && closes_at > now
}

/// Why `step` cannot be taken on `cycle` at `now`, if it cannot.
pub fn refusal(step: Step, cycle: Cycle, now: NaiveDateTime) -> Option<Refusal> {
    if cycle.status != step.moves().0 {
        return Some(Refusal::WrongStatus(step, cycle.status));
    }
    match step {
        Step::Launch if cycle.pending == 0 => Some(Refusal::NoNominations),
        Step::Launch if cycle.closes_at <= now => Some(Refusal::DeadlinePassed),
        _ => None,
    }
}

/// How long a launch takes, as the admin's confirmation says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LaunchTakes {
    /// Under two seconds.
    AMoment,
    /// About this many seconds (2 to 119).
    Seconds(u64),
    /// About this many minutes (2 or more).
    Minutes(u64),
}

/// How long launching `invitations` takes when the database queues `per_second` of them (each
/// with its link, rendered and stored; the rates `examples/scalebench` measures per backend):
/// rounded up, to whole minutes from two minutes on.
pub fn launch_takes(invitations: usize, per_second: u32) -> LaunchTakes {
    let n = u64::try_from(invitations).unwrap_or(u64::MAX);
    let seconds = n.div_ceil(u64::from(per_second.max(1)));
    match seconds {
        0..=1 => LaunchTakes::AMoment,
        2..=119 => LaunchTakes::Seconds(seconds),
        _ => LaunchTakes::Minutes(seconds.div_ceil(60)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_launch_says_how_long_it_takes() {
        assert_eq!(launch_takes(0, 8000), LaunchTakes::AMoment);
        assert_eq!(launch_takes(8000, 8000), LaunchTakes::AMoment);
        assert_eq!(launch_takes(16_001, 8000), LaunchTakes::Seconds(3));
        assert_eq!(launch_takes(190_000, 8000), LaunchTakes::Seconds(24));
        assert_eq!(launch_takes(190_000, 1000), LaunchTakes::Minutes(4));
        assert_eq!(launch_takes(120_000, 1000), LaunchTakes::Minutes(2));
        assert_eq!(launch_takes(5, 0), LaunchTakes::Seconds(5));
    }

    fn at(day: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 12, day)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .expect("date")
    }

    #[test]
    fn each_step_starts_from_its_own_status() {
        let draft = Cycle {
            status: CycleStatus::Draft,
            closes_at: at(20),
            pending: 3,
        };
        assert_eq!(refusal(Step::Launch, draft, at(1)), None);
        assert_eq!(
            refusal(Step::Close, draft, at(1)),
            Some(Refusal::WrongStatus(Step::Close, CycleStatus::Draft))
        );
        let open = Cycle {
            status: CycleStatus::Open,
            ..draft
        };
        assert_eq!(refusal(Step::Close, open, at(1)), None);
        assert_eq!(
            refusal(Step::Archive, open, at(1)).map(Refusal::key),
            Some("admin.refused.archive")
        );
    }

    #[test]
    fn a_launch_needs_nominations_and_time() {
        let empty = Cycle {
            status: CycleStatus::Draft,
            closes_at: at(20),
            pending: 0,
        };
        assert_eq!(
            refusal(Step::Launch, empty, at(1)),
            Some(Refusal::NoNominations)
        );
        let late = Cycle {
            pending: 1,
            ..empty
        };
        assert_eq!(
            refusal(Step::Launch, late, at(20)),
            Some(Refusal::DeadlinePassed)
        );
    }

    #[test]
    fn a_cycle_accepts_answers_while_open_and_before_its_deadline() {
        let at = |h: u32| {
            chrono::NaiveDate::from_ymd_opt(2026, 12, 6)
                .and_then(|d| d.and_hms_opt(h, 0, 0))
                .expect("time")
        };
        assert!(accepts_answers(CycleStatus::Open, at(12), at(11)));
        assert!(
            !accepts_answers(CycleStatus::Open, at(12), at(12)),
            "the deadline is exclusive"
        );
        for s in [
            CycleStatus::Draft,
            CycleStatus::Closed,
            CycleStatus::Archived,
        ] {
            assert!(!accepts_answers(s, at(12), at(11)));
        }
    }
}
