//! Messages a person asks for, or that concern their own account or report: a staff
//! member's password reset and invitation, a rater's fresh links (`/links`), the KAM's
//! nomination link and released report (SPEC §11–§14). Each carries a secret link; see
//! `EmailKind::SELF_SERVICE`. Rendered by [`super::messages::render`] like every kind.

use serde::Serialize;

use super::messages::{About, Cause, Message};
use super::Kind;
use crate::config::Settings;
use crate::domain::locale::Locale;

/// A staff member's password reset link.
#[derive(Debug, Clone, Serialize)]
pub struct ResetMail<'a> {
    /// The stored hash of the link's token (names the message's cause).
    #[serde(skip)]
    pub token_hash: &'a str,
    pub link: &'a str,
    pub valid_minutes: i64,
}

impl Message for ResetMail<'_> {
    fn cause(&self) -> Cause<'_> {
        Cause::new(Kind::PasswordReset, About::Request(self.token_hash))
    }
}

/// One open request in a rater's own request for their links.
#[derive(Debug, Clone, Serialize)]
pub struct LinkEntry {
    pub subject_name: String,
    pub cycle_name: String,
    pub deadline: String,
    pub link: String,
    pub is_self: bool,
}

/// The rater's own request for their links (`/links`): one message, a fresh link per open
/// request.
#[derive(Debug, Clone, Serialize)]
pub struct LinksMail<'a> {
    /// Distinguishes this request (a new id each time).
    #[serde(skip)]
    pub request_id: &'a str,
    pub entries: &'a [LinkEntry],
}

impl Message for LinksMail<'_> {
    fn cause(&self) -> Cause<'_> {
        Cause::new(Kind::Links, About::Request(self.request_id))
    }
}

/// The KAM's notice that their report was released, with their link.
#[derive(Debug, Clone, Serialize)]
pub struct ReleaseMail<'a> {
    #[serde(skip)]
    pub review_id: &'a str,
    /// Distinguishes releases of the same review (a new link each time).
    #[serde(skip)]
    pub slot: &'a str,
    pub supervisor_name: &'a str,
    pub cycle_name: &'a str,
    pub link: &'a str,
}

impl Message for ReleaseMail<'_> {
    fn cause(&self) -> Cause<'_> {
        Cause::new(Kind::ReportReleased, About::Review(self.review_id)).slot(self.slot)
    }
}

/// A new staff member's invitation: a link to choose their password.
#[derive(Debug, Clone, Serialize)]
pub struct InviteMail<'a> {
    /// The stored hash of the link's token (names the message's cause).
    #[serde(skip)]
    pub token_hash: &'a str,
    #[serde(skip)]
    pub role: crate::domain::status::Role,
    /// Who invited them.
    pub inviter: &'a str,
    pub link: &'a str,
    pub valid_days: i64,
    /// The identity provider's name when staff sign in only through it (SPEC §15): the link
    /// is then the provider's sign-in, not a password's.
    pub sso: Option<&'a str>,
}

/// The invited role in the recipient's language, and where to sign in.
#[derive(Serialize)]
struct RoleWords {
    role: &'static str,
    role_text: &'static str,
    sign_in: String,
}

impl Message for InviteMail<'_> {
    fn cause(&self) -> Cause<'_> {
        Cause::new(Kind::StaffInvite, About::Request(self.token_hash))
    }

    fn derived<'a>(&'a self, locale: Locale, settings: &'a Settings) -> impl Serialize + 'a {
        RoleWords {
            role: crate::i18n::t(locale, self.role.key()),
            role_text: crate::i18n::t(locale, self.role.does_key()),
            sign_in: format!("{}/login", settings.base_url()),
        }
    }
}

/// A KAM's link to propose their raters (nomination mode `kam`).
#[derive(Debug, Clone, Serialize)]
pub struct NominationMail<'a> {
    #[serde(skip)]
    pub review_id: &'a str,
    /// Distinguishes this link's message (a new id each time).
    #[serde(skip)]
    pub slot: &'a str,
    pub supervisor_name: &'a str,
    pub cycle_name: &'a str,
    pub deadline: String,
    pub min_per_group: usize,
    pub link: &'a str,
}

/// The most raters a group may have (the same for every cycle).
#[derive(Serialize)]
struct GroupLimit {
    max_per_group: usize,
}

impl Message for NominationMail<'_> {
    fn cause(&self) -> Cause<'_> {
        Cause::new(Kind::NominationRequest, About::Review(self.review_id)).slot(self.slot)
    }

    fn derived<'a>(&'a self, _: Locale, _: &'a Settings) -> impl Serialize + 'a {
        GroupLimit {
            max_per_group: crate::domain::forms::proposal::MAX_PER_GROUP,
        }
    }
}

/// What a supervisor is told about their KAM's released report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUp {
    /// The KAM confirmed reading the report.
    Acknowledged,
    /// The KAM wrote or changed their plan.
    PlanSaved,
    /// The KAM recorded progress on goals.
    Progress,
    /// A goal's target date came: time to check in with the KAM.
    Checkin,
}

impl FollowUp {
    /// The notice kept on the supervisor's pages until opened (a check-in has none: the team
    /// view shows goals past their date).
    pub fn notice(self) -> Option<crate::domain::status::NoticeEvent> {
        use crate::domain::status::NoticeEvent;
        match self {
            FollowUp::Acknowledged => Some(NoticeEvent::Acknowledged),
            FollowUp::PlanSaved => Some(NoticeEvent::PlanSaved),
            FollowUp::Progress => Some(NoticeEvent::Progress),
            FollowUp::Checkin => None,
        }
    }
}

/// The supervisor's email about their KAM's report: acknowledged, plan written, progress
/// recorded, or a goal's check-in. One per review, event and day (the slot).
#[derive(Debug, Clone, Serialize)]
pub struct FollowUpMail<'a> {
    #[serde(skip)]
    pub review_id: &'a str,
    /// The event and its day, or a check-in's goal and number.
    #[serde(skip)]
    pub slot: &'a str,
    pub event: FollowUp,
    pub subject_name: &'a str,
    pub cycle_name: &'a str,
    pub link: &'a str,
    pub goal: Option<&'a str>,
    pub criterion_name: String,
    pub target_date: String,
    pub progress: &'a str,
    pub note: &'a str,
}

impl Message for FollowUpMail<'_> {
    fn cause(&self) -> Cause<'_> {
        Cause::new(Kind::KamFollowUp, About::Review(self.review_id)).slot(self.slot)
    }
}

/// The KAM's check-in on a goal of their plan, with a fresh link to record progress.
#[derive(Debug, Clone, Serialize)]
pub struct CheckinMail<'a> {
    #[serde(skip)]
    pub review_id: &'a str,
    /// The goal and the check-in's number.
    #[serde(skip)]
    pub slot: &'a str,
    /// Not the first check-in on this goal.
    pub reminder: bool,
    pub supervisor_name: &'a str,
    pub cycle_name: &'a str,
    pub goal: &'a str,
    pub criterion_name: String,
    pub target_date: String,
    pub link: &'a str,
}

impl Message for CheckinMail<'_> {
    fn cause(&self) -> Cause<'_> {
        Cause::new(Kind::PlanCheckin, About::Review(self.review_id)).slot(self.slot)
    }
}
