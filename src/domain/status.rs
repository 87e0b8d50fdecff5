//! The closed sets of values the database stores as text: lifecycle states (SPEC §3) of
//! cycles, reviews and assignments, staff roles, email kinds and outbox states. Each is an enum
//! here; `db::enums` gives every [`TextEnum`] its column mapping, so no status is ever a string
//! outside this file and the migrations' `CHECK` constraints.

/// A value stored as one of a fixed set of identifiers.
pub trait TextEnum: Copy + Sized + 'static {
    /// What the value is, for error messages ("assignment status").
    const WHAT: &'static str;
    /// The stored identifier.
    fn as_str(self) -> &'static str;
    /// Parses a stored identifier (exact).
    fn parse(s: &str) -> Option<Self>;
}

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident ($what:literal) { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored identifier.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses a stored identifier.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl $crate::domain::status::TextEnum for $name {
            const WHAT: &'static str = $what;
            fn as_str(self) -> &'static str {
                $name::as_str(self)
            }
            fn parse(s: &str) -> Option<Self> {
                $name::parse(s)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum!(
    /// draft → open → closed → archived
    CycleStatus ("cycle status") { Draft => "draft", Open => "open", Closed => "closed", Archived => "archived" }
);

impl CycleStatus {
    /// The catalogue key of its name.
    pub fn key(self) -> &'static str {
        match self {
            CycleStatus::Draft => "status.draft",
            CycleStatus::Open => "status.open",
            CycleStatus::Closed => "status.closed",
            CycleStatus::Archived => "status.archived",
        }
    }
}

text_enum!(
    /// One KAM in one cycle: collecting → reconciling → finalized.
    ReviewStatus ("review status") { Collecting => "collecting", Reconciling => "reconciling", Finalized => "finalized" }
);

text_enum!(
    /// Who gathers a cycle's nominations (SPEC §11): the admin (CSV and page), or each KAM,
    /// whose supervisor approves.
    NominationMode ("nomination mode") { Admin => "admin", Kam => "kam" }
);

impl NominationMode {
    /// The catalogue key of its name.
    pub fn key(self) -> &'static str {
        match self {
            NominationMode::Admin => "admin.mode.admin",
            NominationMode::Kam => "admin.mode.kam",
        }
    }

    /// The catalogue key of the sentence that says what it means for the admin.
    pub fn hint_key(self) -> &'static str {
        match self {
            NominationMode::Admin => "admin.mode.admin.hint",
            NominationMode::Kam => "admin.mode.kam.hint",
        }
    }
}

text_enum!(
    /// Where a KAM stands in proposing their raters (nomination mode `kam`).
    ProposalStatus ("proposal status") { NotStarted => "not_started", Proposed => "proposed", Approved => "approved" }
);

impl ProposalStatus {
    /// The catalogue key of its name.
    pub fn key(self) -> &'static str {
        match self {
            ProposalStatus::NotStarted => "proposal.not_started",
            ProposalStatus::Proposed => "proposal.proposed",
            ProposalStatus::Approved => "proposal.approved",
        }
    }
}

text_enum!(
    /// Where the KAM says a goal of their development plan stands (issue #21).
    GoalProgress ("goal progress") { NotStarted => "not_started", InProgress => "in_progress", Done => "done" }
);

impl GoalProgress {
    /// The catalogue key of its name.
    pub fn key(self) -> &'static str {
        match self {
            GoalProgress::NotStarted => "progress.not_started",
            GoalProgress::InProgress => "progress.in_progress",
            GoalProgress::Done => "progress.done",
        }
    }
}

text_enum!(
    /// What a KAM did with their released report that their supervisor is told about.
    NoticeEvent ("notice event") { Acknowledged => "acknowledged", PlanSaved => "plan_saved", Progress => "progress" }
);

impl NoticeEvent {
    /// The catalogue key of the words that tell the supervisor.
    pub fn key(self) -> &'static str {
        match self {
            NoticeEvent::Acknowledged => "notice.acknowledged",
            NoticeEvent::PlanSaved => "notice.plan_saved",
            NoticeEvent::Progress => "notice.progress",
        }
    }
}

text_enum!(
    /// A staff account's role.
    Role ("role") { Admin => "admin", Supervisor => "supervisor" }
);

impl Role {
    /// The catalogue key of its name inside a sentence ("administrator").
    pub fn key(self) -> &'static str {
        match self {
            Role::Admin => "role.admin",
            Role::Supervisor => "role.supervisor",
        }
    }

    /// The catalogue key of its name on its own, as in the staff list ("Administrator").
    pub fn title_key(self) -> &'static str {
        match self {
            Role::Admin => "users.role.admin",
            Role::Supervisor => "users.role.supervisor",
        }
    }

    /// The catalogue key of the sentence that says what the role does.
    pub fn does_key(self) -> &'static str {
        match self {
            Role::Admin => "role.admin.does",
            Role::Supervisor => "role.supervisor.does",
        }
    }
}

text_enum!(
    /// The kinds of message (SPEC §8); also the template folder's name. The only list of them:
    /// the outbox's `kind` column has no `CHECK`, so a new kind needs no migration.
    EmailKind ("email kind") {
        Invitation => "invitation",
        Reminder => "reminder",
        Resend => "resend",
        SupervisorReady => "supervisor_ready",
        PasswordReset => "password_reset",
        Links => "links",
        ReportReleased => "report_released",
        StaffInvite => "staff_invite",
        NominationRequest => "nomination_request",
        PlanCheckin => "plan_checkin",
        KamFollowUp => "kam_follow_up",
    }
);

impl EmailKind {
    /// Messages with a secret link that is not a rater's (a password reset, a rater's own
    /// request for links, a KAM's report, a staff invitation, a KAM's nomination link): their
    /// body goes when they fail, and an admin's retry does not send them again (their owner
    /// asks, or the admin sends a fresh one).
    pub const SELF_SERVICE: [EmailKind; 6] = [
        EmailKind::PasswordReset,
        EmailKind::Links,
        EmailKind::ReportReleased,
        EmailKind::StaffInvite,
        EmailKind::NominationRequest,
        EmailKind::PlanCheckin,
    ];

    /// The catalogue key of its name.
    pub fn key(self) -> &'static str {
        match self {
            EmailKind::Invitation => "kind.invitation",
            EmailKind::Reminder => "kind.reminder",
            EmailKind::Resend => "kind.resend",
            EmailKind::SupervisorReady => "kind.supervisor_ready",
            EmailKind::PasswordReset => "kind.password_reset",
            EmailKind::Links => "kind.links",
            EmailKind::ReportReleased => "kind.report_released",
            EmailKind::StaffInvite => "kind.staff_invite",
            EmailKind::NominationRequest => "kind.nomination_request",
            EmailKind::PlanCheckin => "kind.plan_checkin",
            EmailKind::KamFollowUp => "kind.kam_follow_up",
        }
    }

    /// For a [`SELF_SERVICE`](Self::SELF_SERVICE) kind, the catalogue key of what an admin
    /// does instead of retrying a failed message; `None` for the kinds an admin retries.
    pub fn personal_key(self) -> Option<&'static str> {
        match self {
            EmailKind::PasswordReset => Some("outbox.personal.password_reset"),
            EmailKind::Links => Some("outbox.personal.links"),
            EmailKind::ReportReleased => Some("outbox.personal.report_released"),
            EmailKind::StaffInvite => Some("outbox.personal.staff_invite"),
            EmailKind::NominationRequest => Some("outbox.personal.nomination_request"),
            EmailKind::PlanCheckin => Some("outbox.personal.plan_checkin"),
            EmailKind::Invitation
            | EmailKind::Reminder
            | EmailKind::Resend
            | EmailKind::SupervisorReady
            | EmailKind::KamFollowUp => None,
        }
    }

    /// Whether a message of this kind carries a secret link (a rater's, or a password reset).
    pub fn carries_link(self) -> bool {
        !matches!(self, EmailKind::SupervisorReady | EmailKind::KamFollowUp)
    }
}

text_enum!(
    /// Where a queued message stands: pending → sending → sent, or failed, or cancelled.
    OutboxStatus ("outbox status") {
        Pending => "pending",
        Sending => "sending",
        Sent => "sent",
        Failed => "failed",
        Cancelled => "cancelled",
    }
);

text_enum!(
    /// One rater for one review.
    AssignmentStatus ("assignment status") {
        Pending => "pending",
        Invited => "invited",
        Opened => "opened",
        Draft => "draft",
        Submitted => "submitted",
        Declined => "declined",
        Revoked => "revoked",
        Expired => "expired",
    }
);

impl ReviewStatus {
    /// The catalogue key of its name.
    pub fn key(self) -> &'static str {
        match self {
            ReviewStatus::Collecting => "status.collecting",
            ReviewStatus::Reconciling => "status.reconciling",
            ReviewStatus::Finalized => "status.finalized",
        }
    }
}

impl AssignmentStatus {
    /// The catalogue key of its name.
    pub fn key(self) -> &'static str {
        match self {
            AssignmentStatus::Pending => "astatus.pending",
            AssignmentStatus::Invited => "astatus.invited",
            AssignmentStatus::Opened => "astatus.opened",
            AssignmentStatus::Draft => "astatus.draft",
            AssignmentStatus::Submitted => "astatus.submitted",
            AssignmentStatus::Declined => "astatus.declined",
            AssignmentStatus::Revoked => "astatus.revoked",
            AssignmentStatus::Expired => "astatus.expired",
        }
    }

    /// The states in which the rater can still save or submit answers.
    pub const ANSWERABLE: [AssignmentStatus; 4] =
        [Self::Pending, Self::Invited, Self::Opened, Self::Draft];

    /// The rater can still save or submit answers.
    pub fn is_answerable(self) -> bool {
        Self::ANSWERABLE.contains(&self)
    }

    /// The rater has given their final word (submitted or declined).
    pub fn has_answered(self) -> bool {
        matches!(self, Self::Submitted | Self::Declined)
    }

    /// Invited and not answered yet: the states a reminder goes to.
    pub const AWAITING: [AssignmentStatus; 3] = [Self::Invited, Self::Opened, Self::Draft];

    /// Invited and not answered yet: a reminder can go out.
    pub fn awaits_answer(self) -> bool {
        Self::AWAITING.contains(&self)
    }

    /// A new link can still be sent (not answered, declined or expired; a revoked link can be
    /// given back).
    pub fn reissuable(self) -> bool {
        !matches!(self, Self::Submitted | Self::Declined | Self::Expired)
    }

    /// No answer saved yet: the rater's address can still be corrected (answers belong to
    /// whoever gave them).
    pub fn address_correctable(self) -> bool {
        matches!(self, Self::Pending | Self::Invited | Self::Opened)
    }
}

text_enum!(
    /// What an admin's action did, said on the page its redirect leads to (a 60-second cookie
    /// carries it there, with a count).
    Notice ("notice") {
        Created => "created",
        Edited => "edited",
        EditedOne => "edited_one",
        Imported => "imported",
        Added => "added",
        Removed => "removed",
        Launched => "launched",
        Closed => "closed",
        Archived => "archived",
        Reminded => "reminded",
        Reissued => "reissued",
        Revoked => "revoked",
        Corrected => "corrected",
        Nudged => "nudged",
        Invited => "invited",
        Resent => "resent",
        Role => "role",
        Disabled => "disabled",
        Enabled => "enabled",
        Retried => "retried",
        Approved => "approved",
        Saved => "saved",
        TextsSaved => "texts_saved",
        Released => "released"
    }
);

/// How many things an admin's action did, and how many it passed over (the reminders SPEC
/// §16's once-a-day rule held back), as its notice says them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Count {
    pub n: usize,
    pub skipped: usize,
}

/// What an admin's action did, as its notice carries it across the redirect to the page that
/// says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Done {
    pub notice: Notice,
    pub count: Count,
}

impl From<usize> for Count {
    fn from(n: usize) -> Self {
        Count { n, skipped: 0 }
    }
}

impl Notice {
    /// The catalogue key of its words (with `{n}`, the count).
    pub fn key(self) -> &'static str {
        match self {
            Notice::Created => "admin.done.created",
            Notice::Edited => "admin.done.edited",
            Notice::EditedOne => "admin.done.edited_one",
            Notice::Imported => "admin.done.imported",
            Notice::Added => "admin.done.added",
            Notice::Removed => "admin.done.removed",
            Notice::Launched => "admin.done.launched",
            Notice::Closed => "admin.done.closed",
            Notice::Archived => "admin.done.archived",
            Notice::Reminded => "admin.done.reminded",
            Notice::Reissued => "admin.done.reissued",
            Notice::Revoked => "admin.done.revoked",
            Notice::Corrected => "admin.done.corrected",
            Notice::Nudged => "admin.done.nudged",
            Notice::Invited => "users.done.invited",
            Notice::Resent => "users.done.resent",
            Notice::Role => "users.done.role",
            Notice::Disabled => "users.done.disabled",
            Notice::Enabled => "users.done.enabled",
            Notice::Retried => "outbox.done.retried",
            Notice::Approved => "proposal.sup.invited",
            Notice::Saved => "proposal.sup.saved",
            Notice::TextsSaved => "admin.done.texts_saved",
            Notice::Released => "admin.done.released",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_an_admin_may_do_follows_the_status() {
        use AssignmentStatus as S;
        let reminded: Vec<S> = S::ALL
            .iter()
            .copied()
            .filter(|s| s.awaits_answer())
            .collect();
        assert_eq!(reminded, [S::Invited, S::Opened, S::Draft]);
        let reissued: Vec<S> = S::ALL.iter().copied().filter(|s| s.reissuable()).collect();
        assert_eq!(
            reissued,
            [S::Pending, S::Invited, S::Opened, S::Draft, S::Revoked]
        );
        let corrected: Vec<S> = S::ALL
            .iter()
            .copied()
            .filter(|s| s.address_correctable())
            .collect();
        assert_eq!(corrected, [S::Pending, S::Invited, S::Opened]);
    }

    #[test]
    fn identifiers_round_trip() {
        for s in [
            "pending",
            "invited",
            "opened",
            "draft",
            "submitted",
            "declined",
            "revoked",
            "expired",
        ] {
            assert_eq!(AssignmentStatus::parse(s).map(|x| x.as_str()), Some(s));
        }
        assert_eq!(CycleStatus::parse("open"), Some(CycleStatus::Open));
        assert_eq!(ReviewStatus::parse("done"), None);
    }

    #[test]
    fn answerable_states() {
        assert!(AssignmentStatus::Draft.is_answerable());
        assert!(!AssignmentStatus::Submitted.is_answerable());
        assert!(!AssignmentStatus::Revoked.is_answerable());
        assert!(AssignmentStatus::Declined.has_answered());
    }

    #[test]
    fn every_notice_has_its_words_in_both_languages() {
        use crate::domain::locale::Locale;
        for n in Notice::ALL {
            for l in [Locale::Zh, Locale::En] {
                assert_ne!(crate::i18n::t(l, n.key()), "(missing text)", "{n:?}");
            }
            assert_eq!(Notice::parse(n.as_str()), Some(*n));
        }
    }
}
