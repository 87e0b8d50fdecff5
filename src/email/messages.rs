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

/// One kind of message: who it goes to and why ([`Envelope`]), and what its template shows
/// besides what every template gets ([`render`] adds the recipient's name, the contact, the
/// page language and the brand). A new kind is a template folder, a struct with this trait
/// and a call site.
pub trait Message {
    /// The template's own fields.
    type Context<'a>: Serialize
    where
        Self: 'a;

    /// The recipient, the kind, the language and the idempotency key.
    fn envelope(&self) -> Envelope<'_>;

    /// The template's own fields, in the envelope's language.
    fn context<'a>(&'a self, settings: &'a Settings) -> Self::Context<'a>;
}

/// What every template gets, with the kind's own fields beside it.
#[derive(Serialize)]
struct Context<'a, C> {
    recipient_name: &'a str,
    contact: &'a str,
    /// `en` or `zh`: the language of the words the bases write themselves.
    locale: &'a str,
    html_lang: &'a str,
    #[serde(flatten)]
    brand: BrandContext,
    #[serde(flatten)]
    own: C,
}

/// Renders any message into an outbox row, in its recipient's language, with a fresh
/// Message-ID.
pub fn render<M: Message>(
    templates: &Templates,
    settings: &Settings,
    m: &M,
    now: NaiveDateTime,
) -> anyhow::Result<NewMessage> {
    let e = m.envelope();
    let ctx = Context {
        recipient_name: e.name,
        contact: &settings.email.contact,
        locale: e.locale.as_str(),
        html_lang: e.locale.html_lang(),
        brand: BrandContext::of(settings),
        own: m.context(settings),
    };
    let r = templates.render(e.kind, e.locale, &ctx)?;
    new_message(&settings.sender(), e, r, now)
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
pub struct LinkContext<'a> {
    cycle_name: &'a str,
    deadline: &'a str,
    subject_name: &'a str,
    relationship: &'static str,
    link: &'a str,
    minutes: usize,
    criteria_count: usize,
    confidential: bool,
    min_group_size: usize,
    is_self: bool,
    days_left: i64,
}

impl Message for LinkMail<'_> {
    type Context<'a>
        = LinkContext<'a>
    where
        Self: 'a;

    fn envelope(&self) -> Envelope<'_> {
        Envelope {
            key: format!(
                "{}:{}:{}",
                self.kind.as_str(),
                self.assignment_id,
                self.slot
            ),
            kind: self.kind,
            about: About::Assignment(self.assignment_id),
            email: self.rater_email,
            name: self.rater_name,
            locale: self.locale,
        }
    }

    fn context<'a>(&'a self, _: &'a Settings) -> LinkContext<'a> {
        LinkContext {
            cycle_name: self.cycle_name,
            deadline: &self.deadline,
            subject_name: self.subject_name,
            relationship: i18n::t(
                self.locale,
                &format!("group.{}", self.relationship.as_str()),
            ),
            link: self.link,
            minutes: crate::domain::answers::minutes_for(self.criteria_count),
            criteria_count: self.criteria_count,
            confidential: self.relationship.is_confidential(),
            min_group_size: self.min_group_size,
            is_self: self.relationship == Relationship::SelfReview,
            days_left: self.days_left,
        }
    }
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
pub struct ReadyContext<'a> {
    cycle_name: &'a str,
    deadline: &'a str,
    subject_name: &'a str,
    link: &'a str,
    answered: usize,
    invited: usize,
    reason: &'static str,
}

impl Message for ReadyMail<'_> {
    type Context<'a>
        = ReadyContext<'a>
    where
        Self: 'a;

    fn envelope(&self) -> Envelope<'_> {
        Envelope {
            key: format!("supervisor_ready:{}", self.review_id),
            kind: Kind::SupervisorReady,
            about: About::Review(self.review_id),
            email: self.supervisor_email,
            name: self.supervisor_name,
            locale: self.locale,
        }
    }

    fn context<'a>(&'a self, _: &'a Settings) -> ReadyContext<'a> {
        ReadyContext {
            cycle_name: self.cycle_name,
            deadline: &self.deadline,
            subject_name: self.subject_name,
            link: self.link,
            answered: self.answered,
            invited: self.invited,
            reason: if self.all_answered {
                "all_answered"
            } else {
                "cycle_closed"
            },
        }
    }
}

/// What a message is about: a rater's assignment (it carries their link), a review, or a
/// staff account.
pub enum About<'a> {
    Assignment(&'a str),
    Review(&'a str),
    Account,
}

/// Who a message goes to, in which language, and its cause.
pub struct Envelope<'a> {
    /// The idempotency key: one message per cause.
    pub key: String,
    pub kind: Kind,
    pub about: About<'a>,
    pub email: &'a str,
    pub name: &'a str,
    pub locale: Locale,
}

fn new_message(
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
    let mime = super::mailer::compose(
        from,
        (name, email),
        &r.subject,
        (r.text, r.html),
        &message_id,
        locale,
    )
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
