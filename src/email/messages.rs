//! Turning a cause (a launch, a reminder slot, a re-issued link, a review ready to reconcile)
//! into an outbox row: rendered in the recipient's language with a stable Message-ID and an
//! idempotency key per (assignment or review, kind, slot).

use chrono::NaiveDateTime;
use serde::Serialize;

use super::{Kind, Templates};
use crate::config::Settings;
use crate::db::outbox::NewMessage;
use crate::domain::locale::Locale;
use crate::domain::relationship::Relationship;
use crate::i18n;

/// Who asks, for every template: the organisation's name and its logo's address (empty when
/// not configured).
#[derive(Serialize)]
pub(super) struct BrandContext {
    organization: String,
    logo_url: String,
    /// The accent colour of buttons and links (`#rrggbb`, validated at start-up).
    accent: String,
}

impl BrandContext {
    pub(super) fn of(settings: &Settings) -> BrandContext {
        let logo = !settings.branding.logo.as_os_str().is_empty();
        BrandContext {
            organization: settings.branding.organization.trim().to_owned(),
            logo_url: if logo {
                format!("{}/static/logo", settings.base_url())
            } else {
                String::new()
            },
            accent: crate::domain::brand::accent(&settings.branding.accent).map_or_else(
                |_| crate::domain::brand::DEFAULT_ACCENT.to_owned(),
                |c| c.hex(),
            ),
        }
    }
}

/// A message that carries a rater's personal link.
#[derive(Debug, Clone)]
pub struct LinkMail<'a> {
    pub kind: Kind,
    /// Distinguishes causes of the same kind: the reminder's day, a resend's id.
    pub slot: &'a str,
    pub assignment_id: &'a str,
    pub rater_email: &'a str,
    pub rater_name: &'a str,
    pub locale: Locale,
    pub relationship: Relationship,
    pub subject_name: &'a str,
    pub cycle_name: &'a str,
    /// The deadline as people read it, with its zone (`Deadline::label`).
    pub deadline: String,
    pub link: &'a str,
    pub criteria_count: usize,
    pub min_group_size: usize,
    pub days_left: i64,
}

#[derive(Serialize)]
struct LinkContext<'a> {
    recipient_name: &'a str,
    cycle_name: &'a str,
    deadline: String,
    contact: &'a str,
    html_lang: &'a str,
    subject_name: &'a str,
    relationship: &'a str,
    link: &'a str,
    minutes: usize,
    criteria_count: usize,
    confidential: bool,
    min_group_size: usize,
    is_self: bool,
    days_left: i64,
    #[serde(flatten)]
    brand: BrandContext,
}

/// Renders a link-carrying message into an outbox row.
pub fn link_message(
    templates: &Templates,
    settings: &Settings,
    m: &LinkMail<'_>,
    now: NaiveDateTime,
) -> anyhow::Result<NewMessage> {
    let group_key = format!("group.{}", m.relationship.as_str());
    let ctx = LinkContext {
        recipient_name: m.rater_name,
        cycle_name: m.cycle_name,
        deadline: m.deadline.clone(),
        contact: &settings.email.contact,
        brand: BrandContext::of(settings),
        html_lang: m.locale.html_lang(),
        subject_name: m.subject_name,
        relationship: i18n::t(m.locale, &group_key),
        link: m.link,
        minutes: crate::domain::answers::minutes_for(m.criteria_count),
        criteria_count: m.criteria_count,
        confidential: m.relationship.is_confidential(),
        min_group_size: m.min_group_size,
        is_self: m.relationship == Relationship::SelfReview,
        days_left: m.days_left,
    };
    let r = templates.render(m.kind, m.locale, &ctx)?;
    new_message(
        &settings.sender(),
        Envelope {
            key: format!("{}:{}:{}", m.kind.as_str(), m.assignment_id, m.slot),
            kind: m.kind,
            about: About::Assignment(m.assignment_id),
            email: m.rater_email,
            name: m.rater_name,
            locale: m.locale,
        },
        r,
        now,
    )
}

/// The supervisor's notice that a review is ready to reconcile.
#[derive(Debug, Clone)]
pub struct ReadyMail<'a> {
    pub review_id: &'a str,
    pub supervisor_email: &'a str,
    pub supervisor_name: &'a str,
    pub locale: Locale,
    pub subject_name: &'a str,
    pub cycle_name: &'a str,
    /// The deadline as people read it, with its zone (`Deadline::label`).
    pub deadline: String,
    pub link: &'a str,
    pub answered: usize,
    pub invited: usize,
    pub all_answered: bool,
}

#[derive(Serialize)]
struct ReadyContext<'a> {
    recipient_name: &'a str,
    cycle_name: &'a str,
    deadline: String,
    contact: &'a str,
    html_lang: &'a str,
    subject_name: &'a str,
    link: &'a str,
    answered: usize,
    invited: usize,
    reason: &'a str,
    #[serde(flatten)]
    brand: BrandContext,
}

/// Renders the supervisor notification (one per review).
pub fn ready_message(
    templates: &Templates,
    settings: &Settings,
    m: &ReadyMail<'_>,
    now: NaiveDateTime,
) -> anyhow::Result<NewMessage> {
    let ctx = ReadyContext {
        recipient_name: m.supervisor_name,
        cycle_name: m.cycle_name,
        deadline: m.deadline.clone(),
        contact: &settings.email.contact,
        brand: BrandContext::of(settings),
        html_lang: m.locale.html_lang(),
        subject_name: m.subject_name,
        link: m.link,
        answered: m.answered,
        invited: m.invited,
        reason: if m.all_answered {
            "all_answered"
        } else {
            "cycle_closed"
        },
    };
    let r = templates.render(Kind::SupervisorReady, m.locale, &ctx)?;
    new_message(
        &settings.sender(),
        Envelope {
            key: format!("supervisor_ready:{}", m.review_id),
            kind: Kind::SupervisorReady,
            about: About::Review(m.review_id),
            email: m.supervisor_email,
            name: m.supervisor_name,
            locale: m.locale,
        },
        r,
        now,
    )
}

/// What a message is about: a rater's assignment (it carries their link), a review, or a
/// staff account.
pub(super) enum About<'a> {
    Assignment(&'a str),
    Review(&'a str),
    Account,
}

/// Who a message goes to, in which language, and its cause.
pub(super) struct Envelope<'a> {
    /// The idempotency key: one message per cause.
    pub(super) key: String,
    pub(super) kind: Kind,
    pub(super) about: About<'a>,
    pub(super) email: &'a str,
    pub(super) name: &'a str,
    pub(super) locale: Locale,
}

pub(super) fn new_message(
    from: &str,
    e: Envelope<'_>,
    r: super::templates::Rendered,
    now: NaiveDateTime,
) -> anyhow::Result<NewMessage> {
    let Envelope {
        key,
        kind,
        about,
        email,
        name,
        locale,
    } = e;
    let (assignment_id, review_id) = match about {
        About::Assignment(id) => (Some(id.to_owned()), None),
        About::Review(id) => (None, Some(id.to_owned())),
        About::Account => (None, None),
    };
    let id = crate::db::new_id();
    let message_id = format!("<{id}@kam360>");
    let mime = super::mailer::compose(from, (name, email), &r.subject, r.text, r.html, &message_id)
        .map_err(|e| anyhow::anyhow!("cannot compose the message to {email}: {e}"))?;
    Ok(NewMessage {
        message_id,
        id,
        idempotency_key: key,
        kind,
        assignment_id,
        review_id,
        recipient_email: email.to_owned(),
        recipient_name: name.to_owned(),
        locale,
        subject: r.subject,
        mime,
        status: crate::domain::status::OutboxStatus::Pending,
        attempts: 0,
        next_attempt_at: now,
        created_at: now,
    })
}
