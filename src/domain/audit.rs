//! What the audit trail records: every kind of event as a variant, with the code stored in
//! `audit_events.action` and the catalogue key of its words. The code is data (reports and
//! tests read it); people read the words.

macro_rules! actions {
    ($($variant:ident = $code:literal, $key:literal;)+) => {
        /// A kind of audited event.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action {
            $($variant,)+
        }

        impl Action {
            /// Every action, in the order they are declared.
            pub const ALL: &'static [Action] = &[$(Action::$variant,)+];

            /// The code stored in the audit trail.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Action::$variant => $code,)+
                }
            }

            /// The action of a stored code (`None`: a code this build does not know).
            pub fn parse(code: &str) -> Option<Action> {
                match code {
                    $($code => Some(Action::$variant),)+
                    _ => None,
                }
            }

            /// The catalogue key of the event in words.
            pub fn key(self) -> &'static str {
                match self {
                    $(Action::$variant => $key,)+
                }
            }
        }
    };
}

actions! {
    CycleCreate = "cycle.create", "audit.action.cycle.create";
    CycleEdit = "cycle.edit", "audit.action.cycle.edit";
    CycleImport = "cycle.import", "audit.action.cycle.import";
    CycleLaunch = "cycle.launch", "audit.action.cycle.launch";
    CycleClose = "cycle.close", "audit.action.cycle.close";
    CycleArchive = "cycle.archive", "audit.action.cycle.archive";
    CyclePurge = "cycle.purge", "audit.action.cycle.purge";
    CycleRemindAll = "cycle.remind_all", "audit.action.cycle.remind_all";
    CycleTexts = "cycle.texts", "audit.action.cycle.texts";
    NominationEdit = "nomination.edit", "audit.action.nomination.edit";
    NominationRemove = "nomination.remove", "audit.action.nomination.remove";
    NominationRemind = "nomination.remind", "audit.action.nomination.remind";
    NominationCorrectEmail = "nomination.correct_email", "audit.action.nomination.correct_email";
    LinkReissue = "link.reissue", "audit.action.link.reissue";
    LinkRevoke = "link.revoke", "audit.action.link.revoke";
    RaterLinksRequested = "rater.links_requested", "audit.action.rater.links_requested";
    ProposalSave = "proposal.save", "audit.action.proposal.save";
    ProposalApprove = "proposal.approve", "audit.action.proposal.approve";
    ProposalNudge = "proposal.nudge", "audit.action.proposal.nudge";
    ReviewResultsVisible = "review.results_visible", "audit.action.review.results_visible";
    Decision = "decision", "audit.action.decision";
    ReviewSignoff = "review.signoff", "audit.action.review.signoff";
    ReviewReopen = "review.reopen", "audit.action.review.reopen";
    ReviewReleased = "review.released", "audit.action.review.released";
    ReviewLinkResent = "review.link_resent", "audit.action.review.link_resent";
    ReviewAcknowledged = "review.acknowledged", "audit.action.review.acknowledged";
    PlanSaved = "plan.saved", "audit.action.plan.saved";
    PlanCommented = "plan.commented", "audit.action.plan.commented";
    GoalProgress = "plan.progress", "audit.action.plan.progress";
    GoalCheckin = "plan.checkin", "audit.action.plan.checkin";
    EmailRetry = "email.retry", "audit.action.email.retry";
    OutboxRetry = "outbox.retry", "audit.action.outbox.retry";
    UserAdd = "user.add", "audit.action.user.add";
    UserInvite = "user.invite", "audit.action.user.invite";
    UserRole = "user.role", "audit.action.user.role";
    UserDisable = "user.disable", "audit.action.user.disable";
    UserEnable = "user.enable", "audit.action.user.enable";
    StaffLogin = "staff.login", "audit.action.staff.login";
    StaffLoginFailed = "staff.login_failed", "audit.action.staff.login_failed";
    StaffPasswordResetRequested = "staff.password_reset_requested", "audit.action.staff.password_reset_requested";
    StaffPasswordReset = "staff.password_reset", "audit.action.staff.password_reset";
}

/// A stored old or new value of an event, as people read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shown<'a> {
    /// A word of the catalogue (a status, a relationship, a role, a reason).
    Word(&'static str),
    /// A catalogue text with counts for its placeholders.
    Counted(&'static str, Vec<(&'static str, usize)>),
    /// The value as it was stored (a name, an address, a level, a reason someone typed).
    Raw(&'a str),
}

/// The words of `value`, stored as the old or new value of an event of `action`. Statuses,
/// relationships and roles are stored as codes; counts as numbers (or, in rows written before
/// 2026-12-07, in English sentences, which are read back too).
pub fn shown(action: Action, value: &str) -> Shown<'_> {
    use crate::domain::relationship::Relationship;
    use crate::domain::status::{AssignmentStatus, CycleStatus, ReviewStatus, Role};
    let number = |v: &str| v.trim().parse::<usize>().ok();
    let counted = |key, n| Shown::Counted(key, vec![("n", n)]);
    let known = match action {
        Action::ReviewResultsVisible => number(value)
            .or_else(|| {
                value
                    .contains("open links expired")
                    .then(|| numbers(value).next())
                    .flatten()
            })
            .map(|n| counted("audit.detail.expired", n)),
        Action::CycleImport => two_numbers(value).map(|(added, unchanged)| {
            Shown::Counted(
                "audit.detail.imported",
                vec![("n", added), ("unchanged", unchanged)],
            )
        }),
        Action::CyclePurge => two_numbers(value).map(|(ratings, answers)| {
            Shown::Counted(
                "audit.detail.purged",
                vec![("n", ratings), ("answers", answers)],
            )
        }),
        Action::CycleRemindAll => number(value).map(|n| counted("audit.detail.reminded", n)),
        Action::OutboxRetry => number(value).map(|n| counted("audit.detail.requeued", n)),
        Action::RaterLinksRequested => number(value).map(|n| counted("audit.detail.links", n)),
        Action::ProposalSave => number(value).map(|n| counted("audit.detail.proposed", n)),
        Action::ProposalApprove => number(value).map(|n| counted("audit.detail.invited", n)),
        Action::PlanSaved => number(value).map(|n| counted("audit.detail.goals", n)),
        Action::GoalProgress => {
            crate::domain::status::GoalProgress::parse(value).map(|p| Shown::Word(p.key()))
        }
        Action::GoalCheckin => number(value).map(|n| counted("audit.detail.checkin", n)),
        Action::LinkRevoke => AssignmentStatus::parse(value).map(|s| Shown::Word(s.key())),
        Action::UserRole | Action::UserAdd | Action::UserInvite => {
            Role::parse(value).map(|r| Shown::Word(r.key()))
        }
        Action::EmailRetry if value == "fresh link queued" => {
            Some(Shown::Word("audit.detail.fresh_link"))
        }
        // a message's id says nothing to a reader
        Action::EmailRetry => Some(Shown::Word("audit.detail.message")),
        _ => None,
    };
    known
        .or_else(|| CycleStatus::parse(value).map(|s| Shown::Word(s.key())))
        .or_else(|| ReviewStatus::parse(value).map(|s| Shown::Word(s.key())))
        .or_else(|| AssignmentStatus::parse(value).map(|s| Shown::Word(s.key())))
        .or_else(|| Relationship::parse(value).map(|r| Shown::Word(r.group_key())))
        .or_else(|| Role::parse(value).map(|r| Shown::Word(r.key())))
        .unwrap_or(Shown::Raw(value))
}

/// The first two numbers in `value` ("11 added, 0 unchanged").
fn two_numbers(value: &str) -> Option<(usize, usize)> {
    let mut n = numbers(value);
    Some((n.next()?, n.next()?))
}

/// The numbers in `value`, in order.
fn numbers(value: &str) -> impl Iterator<Item = usize> + '_ {
    value
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|w| w.parse().ok())
}

/// The words of an event's stored reason: the system's own reasons are codes (or, before
/// 2026-12-07, English phrases); a person's reason is shown as typed.
pub fn reason(value: &str) -> Shown<'_> {
    match crate::domain::rules::progress::VisibleBecause::parse(value) {
        Some(because) => Shown::Word(because.key()),
        None => Shown::Raw(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back_as_its_action_and_has_its_own_key() {
        let mut codes = std::collections::HashSet::new();
        for a in Action::ALL {
            assert_eq!(Action::parse(a.as_str()), Some(*a));
            assert_eq!(a.key(), format!("audit.action.{}", a.as_str()));
            assert!(codes.insert(a.as_str()), "{} twice", a.as_str());
        }
        assert_eq!(Action::parse("cycle.launched"), None);
    }

    #[test]
    fn stored_values_read_as_words() {
        assert_eq!(
            shown(Action::CycleLaunch, "open"),
            Shown::Word("status.open")
        );
        assert_eq!(
            shown(Action::ReviewSignoff, "finalized"),
            Shown::Word("status.finalized")
        );
        assert_eq!(
            shown(Action::NominationEdit, "peer"),
            Shown::Word("group.peer")
        );
        assert_eq!(
            shown(Action::LinkRevoke, "revoked"),
            Shown::Word("astatus.revoked")
        );
        assert_eq!(shown(Action::UserRole, "admin"), Shown::Word("role.admin"));
        assert_eq!(shown(Action::CycleCreate, "2026 H2"), Shown::Raw("2026 H2"));
        assert_eq!(shown(Action::Decision, "3"), Shown::Raw("3"));
        let expired = Shown::Counted("audit.detail.expired", vec![("n", 2)]);
        assert_eq!(shown(Action::ReviewResultsVisible, "2"), expired);
        assert_eq!(
            shown(
                Action::ReviewResultsVisible,
                "visible; evidence frozen; 2 open links expired"
            ),
            expired,
            "rows written before the change"
        );
        assert_eq!(
            shown(Action::CycleImport, "11 added, 0 unchanged"),
            Shown::Counted("audit.detail.imported", vec![("n", 11), ("unchanged", 0)])
        );
        assert_eq!(
            shown(Action::CycleRemindAll, "8"),
            Shown::Counted("audit.detail.reminded", vec![("n", 8)])
        );
        assert_eq!(
            reason("the cycle closed"),
            Shown::Word("audit.because.cycle_closed")
        );
        assert_eq!(
            reason("cycle_closed"),
            Shown::Word("audit.because.cycle_closed")
        );
        assert_eq!(reason("a typo"), Shown::Raw("a typo"));
    }
}
