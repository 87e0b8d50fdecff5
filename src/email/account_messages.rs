//! Messages a person asks for, or that concern their own account or report: a staff
//! member's password reset, a rater's fresh links (`/links`), and the KAM's released report
//! (SPEC §12–§14). Each carries a secret link; see `EmailKind::SELF_SERVICE`.

use chrono::NaiveDateTime;
use serde::Serialize;

use super::messages::{new_message, About, BrandContext, Envelope};
use super::{Kind, Templates};
use crate::config::Settings;
use crate::db::outbox::NewMessage;
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
struct ResetContext<'a> {
    recipient_name: &'a str,
    contact: &'a str,
    html_lang: &'a str,
    link: &'a str,
    valid_minutes: i64,
    #[serde(flatten)]
    brand: BrandContext,
}

/// Renders a password reset message.
pub fn reset_message(
    templates: &Templates,
    settings: &Settings,
    m: &ResetMail<'_>,
    now: NaiveDateTime,
) -> anyhow::Result<NewMessage> {
    let ctx = ResetContext {
        recipient_name: m.name,
        contact: &settings.email.contact,
        brand: BrandContext::of(settings),
        html_lang: m.locale.html_lang(),
        link: m.link,
        valid_minutes: m.valid_minutes,
    };
    let r = templates.render(Kind::PasswordReset, m.locale, &ctx)?;
    new_message(
        &settings.sender(),
        Envelope {
            key: format!("password_reset:{}", m.token_hash),
            kind: Kind::PasswordReset,
            about: About::Account,
            email: m.email,
            name: m.name,
            locale: m.locale,
        },
        r,
        now,
    )
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
struct LinksContext<'a> {
    recipient_name: &'a str,
    contact: &'a str,
    html_lang: &'a str,
    entries: &'a [LinkEntry],
    #[serde(flatten)]
    brand: BrandContext,
}

/// Renders the message with a rater's fresh links.
pub fn links_message(
    templates: &Templates,
    settings: &Settings,
    m: &LinksMail<'_>,
    now: NaiveDateTime,
) -> anyhow::Result<NewMessage> {
    let ctx = LinksContext {
        recipient_name: m.name,
        contact: &settings.email.contact,
        brand: BrandContext::of(settings),
        html_lang: m.locale.html_lang(),
        entries: m.entries,
    };
    let r = templates.render(Kind::Links, m.locale, &ctx)?;
    new_message(
        &settings.sender(),
        Envelope {
            key: format!("links:{}", m.request_id),
            kind: Kind::Links,
            about: About::Account,
            email: m.email,
            name: m.name,
            locale: m.locale,
        },
        r,
        now,
    )
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
struct ReleaseContext<'a> {
    recipient_name: &'a str,
    supervisor_name: &'a str,
    cycle_name: &'a str,
    contact: &'a str,
    html_lang: &'a str,
    link: &'a str,
    #[serde(flatten)]
    brand: BrandContext,
}

/// Renders the KAM's report-released message.
pub fn release_message(
    templates: &Templates,
    settings: &Settings,
    m: &ReleaseMail<'_>,
    now: NaiveDateTime,
) -> anyhow::Result<NewMessage> {
    let ctx = ReleaseContext {
        recipient_name: m.kam_name,
        supervisor_name: m.supervisor_name,
        cycle_name: m.cycle_name,
        contact: &settings.email.contact,
        html_lang: m.locale.html_lang(),
        link: m.link,
        brand: BrandContext::of(settings),
    };
    let r = templates.render(Kind::ReportReleased, m.locale, &ctx)?;
    new_message(
        &settings.sender(),
        Envelope {
            key: format!("report_released:{}:{}", m.review_id, m.slot),
            kind: Kind::ReportReleased,
            about: About::Review(m.review_id),
            email: m.kam_email,
            name: m.kam_name,
            locale: m.locale,
        },
        r,
        now,
    )
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
struct InviteContext<'a> {
    recipient_name: &'a str,
    contact: &'a str,
    html_lang: &'a str,
    link: &'a str,
    valid_days: i64,
    role: &'static str,
    role_text: &'static str,
    inviter: &'a str,
    sign_in: String,
    #[serde(flatten)]
    brand: BrandContext,
}

/// Renders a staff invitation.
pub fn invite_message(
    templates: &Templates,
    settings: &Settings,
    m: &InviteMail<'_>,
    now: NaiveDateTime,
) -> anyhow::Result<NewMessage> {
    let role = m.role.as_str();
    let ctx = InviteContext {
        recipient_name: m.name,
        contact: &settings.email.contact,
        brand: BrandContext::of(settings),
        html_lang: m.locale.html_lang(),
        link: m.link,
        valid_days: m.valid_days,
        role: crate::i18n::t(m.locale, &format!("role.{role}")),
        role_text: crate::i18n::t(m.locale, &format!("role.{role}.does")),
        inviter: m.inviter,
        sign_in: format!("{}/login", settings.base_url()),
    };
    let r = templates.render(Kind::StaffInvite, m.locale, &ctx)?;
    new_message(
        &settings.sender(),
        Envelope {
            key: format!("staff_invite:{}", m.token_hash),
            kind: Kind::StaffInvite,
            about: About::Account,
            email: m.email,
            name: m.name,
            locale: m.locale,
        },
        r,
        now,
    )
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
struct NominationContext<'a> {
    recipient_name: &'a str,
    supervisor_name: &'a str,
    cycle_name: &'a str,
    deadline: &'a str,
    min_per_group: usize,
    max_per_group: usize,
    contact: &'a str,
    html_lang: &'a str,
    link: &'a str,
    #[serde(flatten)]
    brand: BrandContext,
}

/// Renders the KAM's nomination request.
pub fn nomination_message(
    templates: &Templates,
    settings: &Settings,
    m: &NominationMail<'_>,
    now: NaiveDateTime,
) -> anyhow::Result<NewMessage> {
    let ctx = NominationContext {
        recipient_name: m.kam_name,
        supervisor_name: m.supervisor_name,
        cycle_name: m.cycle_name,
        deadline: &m.deadline,
        min_per_group: m.min_per_group,
        max_per_group: crate::domain::proposal::MAX_PER_GROUP,
        contact: &settings.email.contact,
        html_lang: m.locale.html_lang(),
        link: m.link,
        brand: BrandContext::of(settings),
    };
    let r = templates.render(Kind::NominationRequest, m.locale, &ctx)?;
    new_message(
        &settings.sender(),
        Envelope {
            key: format!("nomination_request:{}:{}", m.review_id, m.slot),
            kind: Kind::NominationRequest,
            about: About::Review(m.review_id),
            email: m.kam_email,
            name: m.kam_name,
            locale: m.locale,
        },
        r,
        now,
    )
}
