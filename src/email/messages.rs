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

/// Who a message goes to.
#[derive(Debug, Clone, Copy)]
pub struct Recipient<'a> {
    pub email: &'a str,
    pub name: &'a str,
    /// The language it is written in.
    pub locale: Locale,
}

impl<'a> Recipient<'a> {
    /// Whom a message goes to, in which language.
    pub fn new(email: &'a str, name: &'a str, locale: Locale) -> Self {
        Recipient {
            email,
            name,
            locale,
        }
    }
}

/// What a message is about, named by the id that, with its kind, makes it one message per
/// cause.
#[derive(Debug, Clone, Copy)]
pub enum About<'a> {
    /// A rater's assignment (the message carries their link).
    Assignment(&'a str),
    /// A review.
    Review(&'a str),
    /// Someone's own request or account (a token's stored hash, a request's id): the outbox row
    /// refers to no assignment or review.
    Request(&'a str),
}

/// Why a message is sent: its kind and what it is about (with its slot, one message per
/// cause).
#[derive(Debug, Clone, Copy)]
pub struct Cause<'a> {
    pub kind: Kind,
    pub about: About<'a>,
    /// Distinguishes causes of the same kind about the same thing: the reminder's day, a new
    /// link's id.
    pub slot: Option<&'a str>,
}

impl<'a> Cause<'a> {
    /// A message of `kind` about `about`, with no slot.
    pub fn new(kind: Kind, about: About<'a>) -> Cause<'a> {
        Cause {
            kind,
            about,
            slot: None,
        }
    }

    /// The same, told apart from others of its kind about the same thing by `slot`.
    pub fn slot(self, slot: &'a str) -> Cause<'a> {
        Cause {
            slot: Some(slot),
            ..self
        }
    }

    /// The idempotency key: `kind:id`, or `kind:id:slot`.
    fn key(&self) -> String {
        let id = match self.about {
            About::Assignment(id) | About::Review(id) | About::Request(id) => id,
        };
        match self.slot {
            Some(slot) => format!("{}:{id}:{slot}", self.kind.as_str()),
            None => format!("{}:{id}", self.kind.as_str()),
        }
    }
}

/// One kind of message. Its struct is what its template shows (serialized; the ids only its
/// [`Cause`] needs are `#[serde(skip)]`), beside what [`render`] gives every template (the
/// recipient's name, the contact, the language, the brand). A new kind is a template folder
/// (`templates/email/<kind>/`), a struct with this trait and a call site.
pub trait Message: Serialize {
    /// The kind and what the message is about.
    fn cause(&self) -> Cause<'_>;

    /// What the template shows that is worked out from the message rather than given (words
    /// in the recipient's language, addresses): nothing by default.
    fn derived<'a>(&'a self, _locale: Locale, _settings: &'a Settings) -> impl Serialize + 'a {}

    /// The admin's own opening the message carries, kept with it once sent (SPEC §16).
    fn opening(&self) -> Option<&str> {
        None
    }
}

/// What every template gets, with the kind's own fields beside it.
#[derive(Serialize)]
struct Context<'a, M, D> {
    recipient_name: &'a str,
    contact: &'a str,
    /// `en` or `zh`: the language of the words the bases write themselves.
    locale: &'a str,
    html_lang: &'a str,
    #[serde(flatten)]
    brand: BrandContext,
    #[serde(flatten)]
    own: &'a M,
    #[serde(flatten)]
    derived: D,
}

/// Renders any message to `to` into an outbox row, in their language, with a fresh
/// Message-ID.
pub fn render<M: Message>(
    templates: &Templates,
    settings: &Settings,
    to: Recipient<'_>,
    m: &M,
    now: NaiveDateTime,
) -> anyhow::Result<NewMessage> {
    let r = render_parts(templates, settings, to, m)?;
    let mut row = new_message(&settings.sender(), to, m.cause(), r, now)?;
    row.opening = m.opening().map(str::to_owned);
    Ok(row)
}

/// The subject and the text and HTML parts of a message to `to` (what [`render`] composes;
/// the admin's preview shows them).
pub fn render_parts<M: Message>(
    templates: &Templates,
    settings: &Settings,
    to: Recipient<'_>,
    m: &M,
) -> anyhow::Result<super::templates::Rendered> {
    let ctx = Context {
        recipient_name: to.name,
        contact: &settings.email.contact,
        locale: to.locale.as_str(),
        html_lang: to.locale.html_lang(),
        brand: BrandContext::of(settings),
        own: m,
        derived: m.derived(to.locale, settings),
    };
    Ok(templates.render(m.cause().kind, to.locale, &ctx)?)
}

/// A message that carries a rater's personal link.
#[derive(Debug, Clone, Serialize)]
pub struct LinkMail<'a> {
    #[serde(skip)]
    pub kind: Kind,
    /// Distinguishes causes of the same kind: the reminder's day, a resend's id.
    #[serde(skip)]
    pub slot: &'a str,
    #[serde(skip)]
    pub assignment_id: &'a str,
    #[serde(skip)]
    pub relationship: Relationship,
    pub subject_name: &'a str,
    pub cycle_name: &'a str,
    /// The deadline as people read it, with its zone (`Deadline::label`).
    pub deadline: String,
    pub link: &'a str,
    pub criteria_count: usize,
    pub min_group_size: usize,
    pub days_left: i64,
    /// The admin's subject for this kind and language, filled (SPEC §16); else kam360's.
    pub custom_subject: Option<String>,
    /// The admin's opening paragraph, filled; else kam360's. The link, the confidentiality
    /// and comment notice and the decline link follow it whatever it says.
    pub custom_opening: Option<String>,
}

/// What a link's message says of the rater's part.
#[derive(Serialize)]
struct RaterPart {
    /// The relationship, in the rater's language.
    relationship: &'static str,
    minutes: usize,
    confidential: bool,
    is_self: bool,
}

impl Message for LinkMail<'_> {
    fn opening(&self) -> Option<&str> {
        self.custom_opening.as_deref()
    }

    fn cause(&self) -> Cause<'_> {
        Cause::new(self.kind, About::Assignment(self.assignment_id)).slot(self.slot)
    }

    fn derived<'a>(&'a self, locale: Locale, _: &'a Settings) -> impl Serialize + 'a {
        RaterPart {
            relationship: i18n::t(locale, self.relationship.group_key()),
            minutes: crate::domain::forms::answers::minutes_for(self.criteria_count),
            confidential: self.relationship.is_confidential(),
            is_self: self.relationship == Relationship::SelfReview,
        }
    }
}

/// The supervisor's notice that a review is ready to reconcile.
#[derive(Debug, Clone, Serialize)]
pub struct ReadyMail<'a> {
    #[serde(skip)]
    pub review_id: &'a str,
    pub subject_name: &'a str,
    pub cycle_name: &'a str,
    /// The deadline as people read it, with its zone (`Deadline::label`).
    pub deadline: String,
    pub link: &'a str,
    pub answered: usize,
    pub invited: usize,
    /// Why it is ready, for the template's `reason`: everyone answered (`all_answered`), or
    /// the cycle closed (`cycle_closed`).
    #[serde(rename = "reason", serialize_with = "ready_reason")]
    pub all_answered: bool,
}

fn ready_reason<S: serde::Serializer>(all_answered: &bool, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(if *all_answered {
        "all_answered"
    } else {
        "cycle_closed"
    })
}

impl Message for ReadyMail<'_> {
    fn cause(&self) -> Cause<'_> {
        Cause::new(Kind::SupervisorReady, About::Review(self.review_id))
    }
}

fn new_message(
    from: &str,
    to: Recipient<'_>,
    cause: Cause<'_>,
    r: super::templates::Rendered,
    now: NaiveDateTime,
) -> anyhow::Result<NewMessage> {
    let (assignment_id, review_id) = match cause.about {
        About::Assignment(id) => (Some(crate::domain::ids::AssignmentId::stored(id)), None),
        About::Review(id) => (None, Some(crate::domain::ids::ReviewId::stored(id))),
        About::Request(_) => (None, None),
    };
    let id = crate::domain::ids::MessageId::generate();
    let message_id = format!("<{id}@kam360>");
    let mime = super::mailer::compose(from, to, &r.subject, r.text, r.html, &message_id)
        .map_err(|e| anyhow::anyhow!("cannot compose the message to {}: {e}", to.email))?;
    Ok(NewMessage {
        message_id,
        id,
        idempotency_key: cause.key(),
        kind: cause.kind,
        assignment_id,
        review_id,
        recipient_email: to.email.to_owned(),
        recipient_name: to.name.to_owned(),
        locale: to.locale,
        subject: r.subject,
        mime,
        specimen: None,
        packed: None,
        status: crate::domain::status::OutboxStatus::Pending,
        attempts: 0,
        next_attempt_at: now,
        created_at: now,
        opening: None,
    })
}
