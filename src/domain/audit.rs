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
}
