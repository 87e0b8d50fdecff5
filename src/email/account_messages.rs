//! Messages a person asks for, or that concern their own account or report: a staff
//! member's password reset, a rater's fresh links (`/links`), and the KAM's released report
//! (SPEC §12–§14). Each carries a secret link; see `EmailKind::SELF_SERVICE`.

use serde::Serialize;

use super::messages::{About, Envelope, Message};
use super::Kind;
use crate::config::Settings;
use crate::domain::locale::Locale;

/// A staff member's password reset link.
#[derive(Debug, Clone)]
pub struct ResetMail<'a> {
    /// The stored hash of the link's token (the message's idempotency key).
    pub token_hash: &'a str,
    pub email: &'a str,
    pub name: &'a str,
    pub locale: Locale,
    pub link: &'a str,
    pub valid_minutes: i64,
}

#[derive(Serialize)]
pub struct ResetContext<'a> {
    link: &'a str,
    valid_minutes: i64,
}

impl Message for ResetMail<'_> {
    type Context<'a>
        = ResetContext<'a>
    where
        Self: 'a;

    fn envelope(&self) -> Envelope<'_> {
        Envelope {
            key: format!("password_reset:{}", self.token_hash),
            kind: Kind::PasswordReset,
            about: About::Account,
            email: self.email,
            name: self.name,
            locale: self.locale,
        }
    }

    fn context<'a>(&'a self, _: &'a Settings) -> ResetContext<'a> {
        ResetContext {
            link: self.link,
            valid_minutes: self.valid_minutes,
        }
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
#[derive(Debug, Clone)]
pub struct LinksMail<'a> {
    /// Distinguishes this request (a new id each time).
    pub request_id: &'a str,
    pub email: &'a str,
    pub name: &'a str,
    pub locale: Locale,
    pub entries: &'a [LinkEntry],
}

#[derive(Serialize)]
pub struct LinksContext<'a> {
    entries: &'a [LinkEntry],
}

impl Message for LinksMail<'_> {
    type Context<'a>
        = LinksContext<'a>
    where
        Self: 'a;

    fn envelope(&self) -> Envelope<'_> {
        Envelope {
            key: format!("links:{}", self.request_id),
            kind: Kind::Links,
            about: About::Account,
            email: self.email,
            name: self.name,
            locale: self.locale,
        }
    }

    fn context<'a>(&'a self, _: &'a Settings) -> LinksContext<'a> {
        LinksContext {
            entries: self.entries,
        }
    }
}

/// The KAM's notice that their report was released, with their link.
#[derive(Debug, Clone)]
pub struct ReleaseMail<'a> {
    pub review_id: &'a str,
    /// Distinguishes releases of the same review (a new link each time).
    pub slot: &'a str,
    pub kam_email: &'a str,
    pub kam_name: &'a str,
    pub supervisor_name: &'a str,
    pub cycle_name: &'a str,
    pub locale: Locale,
    pub link: &'a str,
}

#[derive(Serialize)]
pub struct ReleaseContext<'a> {
    supervisor_name: &'a str,
    cycle_name: &'a str,
    link: &'a str,
}

impl Message for ReleaseMail<'_> {
    type Context<'a>
        = ReleaseContext<'a>
    where
        Self: 'a;

    fn envelope(&self) -> Envelope<'_> {
        Envelope {
            key: format!("report_released:{}:{}", self.review_id, self.slot),
            kind: Kind::ReportReleased,
            about: About::Review(self.review_id),
            email: self.kam_email,
            name: self.kam_name,
            locale: self.locale,
        }
    }

    fn context<'a>(&'a self, _: &'a Settings) -> ReleaseContext<'a> {
        ReleaseContext {
            supervisor_name: self.supervisor_name,
            cycle_name: self.cycle_name,
            link: self.link,
        }
    }
}

/// A new staff member's invitation: a link to choose their password.
#[derive(Debug, Clone)]
pub struct InviteMail<'a> {
    /// The stored hash of the link's token (the message's idempotency key).
    pub token_hash: &'a str,
    pub email: &'a str,
    pub name: &'a str,
    pub locale: Locale,
    pub role: crate::domain::status::Role,
    /// Who invited them.
    pub inviter: &'a str,
    pub link: &'a str,
    pub valid_days: i64,
}

#[derive(Serialize)]
pub struct InviteContext<'a> {
    link: &'a str,
    valid_days: i64,
    role: &'static str,
    role_text: &'static str,
    inviter: &'a str,
    sign_in: String,
}

impl Message for InviteMail<'_> {
    type Context<'a>
        = InviteContext<'a>
    where
        Self: 'a;

    fn envelope(&self) -> Envelope<'_> {
        Envelope {
            key: format!("staff_invite:{}", self.token_hash),
            kind: Kind::StaffInvite,
            about: About::Account,
            email: self.email,
            name: self.name,
            locale: self.locale,
        }
    }

    fn context<'a>(&'a self, settings: &'a Settings) -> InviteContext<'a> {
        let role = self.role.as_str();
        InviteContext {
            link: self.link,
            valid_days: self.valid_days,
            role: crate::i18n::t(self.locale, &format!("role.{role}")),
            role_text: crate::i18n::t(self.locale, &format!("role.{role}.does")),
            inviter: self.inviter,
            sign_in: format!("{}/login", settings.base_url()),
        }
    }
}

/// A KAM's link to propose their raters (nomination mode `kam`).
#[derive(Debug, Clone)]
pub struct NominationMail<'a> {
    pub review_id: &'a str,
    /// Distinguishes this link's message (a new id each time).
    pub slot: &'a str,
    pub kam_email: &'a str,
    pub kam_name: &'a str,
    pub supervisor_name: &'a str,
    pub locale: Locale,
    pub cycle_name: &'a str,
    pub deadline: String,
    pub min_per_group: usize,
    pub link: &'a str,
}

#[derive(Serialize)]
pub struct NominationContext<'a> {
    supervisor_name: &'a str,
    cycle_name: &'a str,
    deadline: &'a str,
    min_per_group: usize,
    max_per_group: usize,
    link: &'a str,
}

impl Message for NominationMail<'_> {
    type Context<'a>
        = NominationContext<'a>
    where
        Self: 'a;

    fn envelope(&self) -> Envelope<'_> {
        Envelope {
            key: format!("nomination_request:{}:{}", self.review_id, self.slot),
            kind: Kind::NominationRequest,
            about: About::Review(self.review_id),
            email: self.kam_email,
            name: self.kam_name,
            locale: self.locale,
        }
    }

    fn context<'a>(&'a self, _: &'a Settings) -> NominationContext<'a> {
        NominationContext {
            supervisor_name: self.supervisor_name,
            cycle_name: self.cycle_name,
            deadline: &self.deadline,
            min_per_group: self.min_per_group,
            max_per_group: crate::domain::proposal::MAX_PER_GROUP,
            link: self.link,
        }
    }
}
