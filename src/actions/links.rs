//! Rater links after launch: issuing a link with the message that carries it, revoking and
//! re-issuing.

use super::Tx;
use crate::domain::audit::Action;
use crate::domain::ids::{AssignmentId, CycleId, PersonId};
use chrono::NaiveDateTime;
use std::sync::Arc;

use super::cycles::IssuedLink;
use super::{find_cycle, load_snapshots, visibility};
use crate::config::Settings;
use crate::db::{self, AnyConnection};
use crate::domain::formats::rubric::Rubric;
use crate::domain::forms::cycle_texts::{fill, TextKind, Texts, Values};
use crate::domain::locale::Locale;
use crate::domain::relationship::Relationship;
use crate::domain::rules::lifecycle::accepts_answers;
use crate::domain::security::token;
use crate::domain::status::AssignmentStatus;
use crate::email::messages::{LinkMail, Recipient};
use crate::email::Kind;
use crate::error::{AppError, AppResult};

/// Issues a new link for an assignment and returns its URL (the token is not stored).
#[tracing::instrument(level = "debug", skip_all)]
pub fn issue_link(
    conn: &mut AnyConnection,
    settings: &Settings,
    assignment_id: &AssignmentId,
    now: NaiveDateTime,
) -> AppResult<String> {
    let (issued, link) = new_link(settings);
    db::assignments::add_links(conn, &[(assignment_id.clone(), issued.hash)], now)?;
    Ok(link)
}

/// A fresh link: its token (the database keeps only the hash) and its URL.
fn new_link(settings: &Settings) -> (token::IssuedToken, String) {
    let issued = token::issue();
    let link = format!("{}/r/{}", settings.base_url(), issued.token);
    (issued, link)
}

/// What a rater's message is about: the cycle, its rubric and the words the admin gave its
/// messages, and the KAM being rated (the same for every rater of a review).
pub struct About<'a> {
    pub cycle: &'a db::cycles::CycleRow,
    pub rubric: &'a Rubric,
    pub texts: &'a Texts,
    /// The KAM being rated.
    pub subject_name: &'a str,
}

impl<'a> About<'a> {
    /// The message about `subject_name` in `cycle`, with the cycle's rubric and texts.
    pub fn of(
        cycle: &'a db::cycles::CycleRow,
        wording: &'a Wording,
        subject_name: &'a str,
    ) -> Self {
        About {
            cycle,
            rubric: &wording.rubric,
            texts: &wording.texts,
            subject_name,
        }
    }
}

/// What a cycle's messages to raters are made of: its rubric and the admin's words (SPEC §16).
pub struct Wording {
    pub rubric: Rubric,
    pub texts: Texts,
}

/// The cycle's [`Wording`], read once for all the messages of one action.
pub(super) fn wording(conn: &mut AnyConnection, cycle_id: &CycleId) -> AppResult<Wording> {
    let (rubric, _) = load_snapshots(conn, cycle_id)?;
    let texts = db::cycle_texts::get(conn, cycle_id)?;
    Ok(Wording { rubric, texts })
}

/// What [`Batch::prepare`] made for one rater's message: its link and its specimen.
pub(super) struct Prepared {
    link: String,
    specimen: Option<Arc<db::outbox::Specimen>>,
}

/// What a thread returned; its panic, as an error.
pub(super) fn joined<T>(h: std::thread::ScopedJoinHandle<'_, AppResult<T>>) -> AppResult<T> {
    h.join().unwrap_or_else(|_| {
        Err(AppError::Unexpected(anyhow::anyhow!(
            "a thread rendering messages panicked"
        )))
    })
}

/// Below this many messages, a batch renders them on the calling thread alone.
const RENDERED_ALONE: usize = 64;

/// The rater of a nomination, as its message addresses them.
fn rater(a: &db::assignments::AssignmentListing) -> Rater<'_> {
    Rater {
        assignment_id: a.assignment.id.as_str(),
        name: &a.rater_name,
        locale: a.assignment.locale,
        relationship: a.assignment.relationship,
    }
}

/// The rater a link's message goes to.
pub(super) struct Rater<'a> {
    pub assignment_id: &'a str,
    pub name: &'a str,
    pub locale: crate::domain::locale::Locale,
    pub relationship: crate::domain::relationship::Relationship,
}

/// The message that carries `link` to `to`, about `about`: the admin's words for its kind and
/// the rater's language filled in, if any (SPEC §16). `slot` tells causes of the same kind
/// apart.
pub(super) fn link_mail<'a>(
    mail: super::Mail<'_>,
    about: &About<'a>,
    to: &Rater<'a>,
    kind: Kind,
    slot: &'a str,
    link: &'a str,
    now: NaiveDateTime,
) -> LinkMail<'a> {
    let cycle = about.cycle;
    let deadline = cycle.deadline().label();
    let words = match kind {
        Kind::Invitation => about.texts.get(TextKind::Invitation, to.locale),
        Kind::Reminder => about.texts.get(TextKind::Reminder, to.locale),
        _ => None,
    };
    let values = Values {
        kam_name: about.subject_name,
        rater_name: to.name,
        deadline: &deadline,
        cycle_name: &cycle.name,
        organization: mail.settings.branding.organization.trim(),
    };
    let own = |text: &str| (!text.is_empty()).then(|| fill(text, &values));
    LinkMail {
        kind,
        slot,
        assignment_id: to.assignment_id,
        relationship: to.relationship,
        subject_name: about.subject_name,
        cycle_name: &cycle.name,
        criteria_count: about.rubric.criteria_for(to.relationship).count(),
        min_group_size: crate::domain::rules::confidentiality::K::stored(cycle.min_group_size)
            .get(),
        days_left: (cycle.closes_at - now).num_days().max(0),
        custom_subject: words.and_then(|w| own(&w.subject)),
        custom_opening: words.and_then(|w| own(&w.opening)),
        deadline,
        link,
    }
}

/// Issues a new link for an assignment and queues the message that carries it (`kind`: an
/// invitation, a reminder or a re-issued link; `slot` tells causes of the same kind apart: the
/// reminder's day, a resend's id), in the caller's transaction.
#[tracing::instrument(level = "debug", skip_all)]
pub fn send_link(
    tx: Tx<'_>,
    about: &About<'_>,
    a: &db::assignments::AssignmentListing,
    kind: Kind,
    slot: &str,
) -> AppResult<IssuedLink> {
    let Tx(conn, mail, _, now) = tx;
    let mut batch = Batch::default();
    let issued = batch.add(mail, about, a, kind, slot, now)?;
    batch.store(conn, now)?;
    Ok(issued)
}

/// Links and the messages that carry them, made for many raters and stored together in a few
/// statements (a launch's hundreds at a time) instead of four round trips a rater.
#[derive(Default)]
pub(super) struct Batch {
    /// `(assignment, token hash)`: what the database keeps of each link.
    links: Vec<(AssignmentId, String)>,
    messages: Vec<db::outbox::NewMessage>,
    /// Whether the messages are packed against specimens (else each on its own).
    sharing: bool,
    /// By kind, language and relationship: each words the rater's part its own way.
    specimens: Vec<(Kind, Locale, Relationship, Arc<db::outbox::Specimen>)>,
}

impl Batch {
    /// A batch for many raters (a launch, a day's reminders): the messages of one kind,
    /// language and relationship are packed against one specimen (the same message with no one's name or link),
    /// made with the first of them and kept for the batch's life, so that each message takes a
    /// few hundred bytes. A single message is cheaper packed on its own: `Batch::default()`.
    pub(super) fn sharing() -> Batch {
        Batch {
            sharing: true,
            ..Batch::default()
        }
    }

    /// Issues a link for `a` and renders the message of `kind` that carries it; both are kept
    /// until [`Batch::store`]. The link is returned, for the caller alone.
    pub(super) fn add(
        &mut self,
        mail: super::Mail<'_>,
        about: &About<'_>,
        a: &db::assignments::AssignmentListing,
        kind: Kind,
        slot: &str,
        now: NaiveDateTime,
    ) -> AppResult<IssuedLink> {
        let raters = [(about, a)];
        let (prepared, mut issued) = self.prepare(mail, &raters, kind, slot, now)?;
        self.push(Batch::render(mail, &raters, prepared, kind, slot, now)?);
        issued.pop().ok_or(AppError::NotFound)
    }

    /// The first half of [`Batch::add`] for many raters, on the caller's thread: a link for each rater
    /// (kept for [`Batch::store`]) and the specimens their messages need. What it returns is
    /// what [`Batch::render`] needs for the same `raters`, in the same order, and the links.
    pub(super) fn prepare(
        &mut self,
        mail: super::Mail<'_>,
        raters: &[(&About<'_>, &db::assignments::AssignmentListing)],
        kind: Kind,
        slot: &str,
        now: NaiveDateTime,
    ) -> AppResult<(Vec<Prepared>, Vec<IssuedLink>)> {
        let mut prepared = Vec::with_capacity(raters.len());
        let mut issued = Vec::with_capacity(raters.len());
        for &(about, a) in raters {
            let (token, link) = new_link(mail.settings);
            let specimen = if self.sharing {
                Some(self.specimen(mail, about, &rater(a), kind, slot, now)?)
            } else {
                None
            };
            self.links.push((a.assignment.id.clone(), token.hash));
            issued.push(IssuedLink {
                assignment_id: a.assignment.id.clone(),
                rater_name: a.rater_name.clone(),
                rater_email: a.rater_email.clone(),
                relationship: a.assignment.relationship,
                subject_name: about.subject_name.to_owned(),
                link: link.clone(),
            });
            prepared.push(Prepared { link, specimen });
        }
        Ok((prepared, issued))
    }

    /// The second half of [`Batch::add`] for many raters, on any thread: the messages of `raters`, each
    /// with the link [`Batch::prepare`] made for it, rendered and packed on every core
    /// (composing them is most of a launch's work, and each is independent of the others).
    pub(super) fn render(
        mail: super::Mail<'_>,
        raters: &[(&About<'_>, &db::assignments::AssignmentListing)],
        prepared: Vec<Prepared>,
        kind: Kind,
        slot: &str,
        now: NaiveDateTime,
    ) -> AppResult<Vec<db::outbox::NewMessage>> {
        let work: Vec<_> = raters.iter().zip(prepared).collect();
        let render = |item: &(
            &(&About<'_>, &db::assignments::AssignmentListing),
            Prepared,
        )|
         -> AppResult<db::outbox::NewMessage> {
            let (&(about, a), p) = (item.0, &item.1);
            let message = link_mail(mail, about, &rater(a), kind, slot, &p.link, now);
            let mut row = mail.render(
                Recipient::new(&a.rater_email, &a.rater_name, a.assignment.locale),
                &message,
                now,
            )?;
            row.specimen = p.specimen.clone();
            row.pack();
            Ok(row)
        };
        let threads = if work.len() < RENDERED_ALONE {
            1
        } else {
            std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
        };
        let per_thread = work.len().div_ceil(threads).max(1);
        let rendered: Vec<AppResult<Vec<db::outbox::NewMessage>>> = std::thread::scope(|scope| {
            let handles: Vec<_> = work
                .chunks(per_thread)
                .map(|part| scope.spawn(|| part.iter().map(render).collect()))
                .collect();
            handles.into_iter().map(joined).collect()
        });
        let mut messages = Vec::with_capacity(work.len());
        for part in rendered {
            messages.extend(part?);
        }
        Ok(messages)
    }

    /// Keeps rendered messages for [`Batch::store`].
    pub(super) fn push(&mut self, messages: Vec<db::outbox::NewMessage>) {
        self.messages.extend(messages);
    }

    /// The specimen of `kind` in `to`'s language and relationship: made once, from the message
    /// `to` gets, with no rater's or KAM's name and a link that opens nothing.
    fn specimen(
        &mut self,
        mail: super::Mail<'_>,
        about: &About<'_>,
        to: &Rater<'_>,
        kind: Kind,
        slot: &str,
        now: NaiveDateTime,
    ) -> AppResult<Arc<db::outbox::Specimen>> {
        if let Some((.., s)) = self
            .specimens
            .iter()
            .find(|(k, l, r, _)| *k == kind && *l == to.locale && *r == to.relationship)
        {
            return Ok(Arc::clone(s));
        }
        let nobody = Rater { name: "", ..*to };
        let anonymous = About {
            subject_name: "",
            ..*about
        };
        // not a token's shape: the rater pages refuse it before any lookup
        let link = format!("{}/r/specimen", mail.settings.base_url());
        let message = link_mail(mail, &anonymous, &nobody, kind, slot, &link, now);
        let row = mail.render(
            Recipient::new("specimen@kam360.invalid", "", to.locale),
            &message,
            now,
        )?;
        let s = Arc::new(db::outbox::Specimen::new(row.mime));
        self.specimens
            .push((kind, to.locale, to.relationship, Arc::clone(&s)));
        Ok(s)
    }

    /// How many links it holds.
    pub(super) fn len(&self) -> usize {
        self.links.len()
    }

    /// Stores the links and queues the messages (each unless one of the same cause was queued
    /// before), in the caller's transaction; the links and messages are gone afterwards, the
    /// specimens kept for the batch's next raters.
    pub(super) fn store(&mut self, conn: &mut AnyConnection, now: NaiveDateTime) -> AppResult<()> {
        db::assignments::add_links(conn, &self.links, now)?;
        db::outbox::enqueue_all(conn, &self.messages)?;
        self.links.clear();
        self.messages.clear();
        Ok(())
    }
}

/// The assignment of `rater_email` for the KAM `subject_email` in a cycle.
fn find_assignment(
    conn: &mut AnyConnection,
    cycle_id: &CycleId,
    subject_email: &str,
    rater_email: &str,
) -> AppResult<(
    db::cycles::CycleRow,
    db::reviews::ReviewListing,
    db::assignments::AssignmentListing,
)> {
    let cycle = find_cycle(conn, cycle_id)?;
    let (subject, rater) = (
        subject_email.trim().to_lowercase(),
        rater_email.trim().to_lowercase(),
    );
    let review = db::reviews::list_for_cycle(conn, cycle_id)?
        .into_iter()
        .find(|r| r.subject_email == subject)
        .ok_or_else(|| AppError::Invalid(format!("{subject} is not reviewed in this cycle")))?;
    let assignment = db::assignments::list_for_review(conn, &review.review.id)?
        .into_iter()
        .find(|a| a.rater_email == rater)
        .ok_or_else(|| {
            AppError::Invalid(format!(
                "{rater} is not nominated for {subject} in this cycle"
            ))
        })?;
    Ok((cycle, review, assignment))
}

/// A nomination of a cycle, by id (the admin console's rows; read from their paths,
/// `/admin/cycles/{cycle}/nominations/{assignment}/…`).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Target {
    #[serde(rename = "cycle")]
    pub cycle_id: CycleId,
    #[serde(rename = "assignment")]
    pub assignment_id: AssignmentId,
}

/// The nomination a target names, with its cycle and review (another cycle's: not found).
pub(super) fn find_target(
    conn: &mut AnyConnection,
    t: &Target,
) -> AppResult<(
    db::cycles::CycleRow,
    db::reviews::ReviewListing,
    db::assignments::AssignmentListing,
)> {
    let cycle = find_cycle(conn, &t.cycle_id)?;
    let a = db::assignments::find_listing(conn, &t.assignment_id)?.ok_or(AppError::NotFound)?;
    let review =
        db::reviews::find_listing(conn, &a.assignment.review_id)?.ok_or(AppError::NotFound)?;
    if review.review.cycle_id != cycle.id {
        return Err(AppError::NotFound);
    }
    Ok((cycle, review, a))
}

/// Revokes a rater's links: every link and browser session of the assignment stops working
/// (the links then show a "withdrawn" page).
#[tracing::instrument(level = "debug", skip_all)]
pub fn revoke(
    conn: &mut AnyConnection,
    cycle_id: &CycleId,
    subject_email: &str,
    rater_email: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    let (_, _, a) = find_assignment(conn, cycle_id, subject_email, rater_email)?;
    let target = Target {
        cycle_id: cycle_id.clone(),
        assignment_id: a.assignment.id,
    };
    revoke_assignment(conn, &target, None, now)
}

/// Whom a revoke would cut off, for its confirmation page, and why it cannot be done now (if
/// so: the same refusal the revoke would give).
pub struct Revoking {
    pub rater: db::assignments::AssignmentListing,
    /// The KAM they were asked about.
    pub subject_name: String,
    pub refusal: Option<AppError>,
}

/// What [`revoke_assignment`] would do now.
pub fn revoke_preview(conn: &mut AnyConnection, target: &Target) -> AppResult<Revoking> {
    let (cycle, review, a) = find_target(conn, target)?;
    let frozen = visibility::ensure_not_frozen(conn, &cycle, &review.review, &review.subject_email);
    let refusal = match frozen {
        Err(e @ (AppError::Unexpected(_) | AppError::NotFound)) => return Err(e),
        Err(e) => Some(e),
        Ok(()) if !a.assignment.status.is_answerable() => {
            Some(AppError::refused("refuse.revoke_answered"))
        }
        Ok(()) => None,
    };
    Ok(Revoking {
        rater: a,
        subject_name: review.subject_name,
        refusal,
    })
}

/// [`revoke`] of a nomination by id, by `actor`.
#[tracing::instrument(level = "debug", skip_all)]
pub fn revoke_assignment(
    conn: &mut AnyConnection,
    target: &Target,
    actor: Option<&PersonId>,
    now: NaiveDateTime,
) -> AppResult<()> {
    let (cycle, review, a) = find_target(conn, target)?;
    let cycle_id = &cycle.id;
    visibility::ensure_not_frozen(conn, &cycle, &review.review, &review.subject_email)?;
    let from = AssignmentStatus::ANSWERABLE;
    if !db::assignments::transition(
        conn,
        &a.assignment.id,
        &from,
        AssignmentStatus::Revoked,
        now,
    )? {
        return Err(AppError::refused("refuse.revoke_answered"));
    }
    // the links stay known so that they show "withdrawn" in the rater's language
    db::assignments::delete_sessions(conn, &a.assignment.id)?;
    db::outbox::cancel_for_assignment(conn, &a.assignment.id)?;
    db::audit::Event::new(Action::LinkRevoke)
        .by(actor)
        .cycle(cycle_id)
        .review(&review.review.id)
        .target(a.assignment.id.as_str())
        .old_value(a.assignment.status.as_str())
        .new_value(AssignmentStatus::Revoked.as_str())
        .record(conn, now)?;
    // revoking the last unanswered link can make the results visible: the latch closes now
    visibility::latch_if_visible(conn, &cycle, &review.review.id, now)?;
    Ok(())
}

/// Re-issues a rater's link: the old links and sessions stop working, a new link is mailed.
#[tracing::instrument(level = "debug", skip_all)]
pub fn reissue(
    tx: Tx<'_>,
    cycle_id: &CycleId,
    subject_email: &str,
    rater_email: &str,
) -> AppResult<IssuedLink> {
    let Tx(conn, mail, _, now) = tx;
    let (_, _, a) = find_assignment(conn, cycle_id, subject_email, rater_email)?;
    let target = Target {
        cycle_id: cycle_id.clone(),
        assignment_id: a.assignment.id,
    };
    reissue_assignment(Tx(conn, mail, None, now), &target)
}

/// [`reissue`] of a nomination by id, by `actor`.
#[tracing::instrument(level = "debug", skip_all)]
pub fn reissue_assignment(tx: Tx<'_>, target: &Target) -> AppResult<IssuedLink> {
    let Tx(conn, mail, actor, now) = tx;
    let (cycle, review, a) = find_target(conn, target)?;
    let cycle_id = &cycle.id;
    visibility::ensure_not_frozen(conn, &cycle, &review.review, &review.subject_email)?;
    if !accepts_answers(cycle.status, cycle.closes_at, now) {
        return Err(AppError::refused("refuse.reissue_closed"));
    }
    let status = a.assignment.status;
    if !status.reissuable() {
        return Err(AppError::refused("refuse.reissue_answered"));
    }
    db::assignments::delete_links(conn, &a.assignment.id)?;
    db::outbox::cancel_for_assignment(conn, &a.assignment.id)?;
    if status == AssignmentStatus::Revoked {
        db::assignments::transition(
            conn,
            &a.assignment.id,
            &[AssignmentStatus::Revoked],
            AssignmentStatus::Invited,
            now,
        )?;
    }
    let wording = wording(conn, cycle_id)?;
    let slot = db::new_id();
    let issued = send_link(
        Tx(conn, mail, None, now),
        &About::of(&cycle, &wording, &review.subject_name),
        &a,
        Kind::Resend,
        &slot,
    )?;
    db::audit::Event::new(Action::LinkReissue)
        .by(actor)
        .cycle(cycle_id)
        .review(&review.review.id)
        .target(a.assignment.id.as_str())
        .record(conn, now)?;
    Ok(issued)
}
