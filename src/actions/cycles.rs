//! Cycles: create (freezing rubric and policy), import nominations, launch (queue one
//! invitation with its own link per nomination), close.

use chrono::{NaiveDate, NaiveDateTime};

use super::{find_cycle, load_snapshots, PolicySnapshot};
use crate::config::Settings;
use crate::db::{self, AnyConnection};
use crate::domain::dates::{closing_instant, zone};
use crate::domain::ids::{CycleId, ReviewId};
use crate::domain::locale::Locale;
use crate::domain::nomination::{self, ImportError};
use crate::domain::progress::VisibleBecause;
use crate::domain::relationship::Relationship;
use crate::domain::rubric::Rubric;
use crate::domain::status::{AssignmentStatus, CycleStatus};
use crate::email::messages::{self, ReadyMail};
use crate::email::{Kind, Templates};
use crate::error::{AppError, AppResult};

/// Creates a draft cycle with frozen snapshots of the rubric and policy, its deadline in the
/// configured time zone (`cycle.time_zone`); returns its id.
pub fn create(
    conn: &mut AnyConnection,
    settings: &Settings,
    rubric: &Rubric,
    name: &str,
    closes_on: NaiveDate,
    now: NaiveDateTime,
) -> AppResult<String> {
    let zone = settings.cycle.time_zone.clone();
    create_in(conn, settings, rubric, name, (closes_on, &zone), now)
}

/// [`create`], with the deadline's day in the named IANA time zone.
pub fn create_in(
    conn: &mut AnyConnection,
    settings: &Settings,
    rubric: &Rubric,
    name: &str,
    (closes_on, zone_name): (NaiveDate, &str),
    now: NaiveDateTime,
) -> AppResult<String> {
    let zone = zone(zone_name).map_err(AppError::Invalid)?;
    let name = name.trim();
    if name.is_empty()
        || name.chars().count() > 200
        || name.chars().any(crate::domain::text::is_unsafe)
    {
        return Err(AppError::Invalid(
            "the cycle name must be 1–200 characters on one line, without control or text-direction characters".into(),
        ));
    }
    let closes_at = closing_instant(closes_on, zone);
    if closes_at <= now {
        return Err(AppError::Invalid(format!(
            "the closing date {closes_on} is in the past"
        )));
    }
    let c = &settings.consolidation;
    let policy = serde_json::to_string(&PolicySnapshot {
        supervisor_share: c.supervisor_share,
        weight_customer: c.weight_customer,
        weight_peer: c.weight_peer,
        weight_team: c.weight_team,
    })
    .map_err(|e| AppError::Unexpected(e.into()))?;
    let id = db::new_id();
    db::cycles::insert(
        conn,
        &db::cycles::NewCycle {
            id: &id,
            name,
            status: CycleStatus::Draft,
            closes_at,
            rubric_snapshot: &rubric.to_snapshot(),
            policy_snapshot: &policy,
            min_group_size: i32::try_from(settings.min_group_size()).unwrap_or(3),
            created_at: now,
            time_zone: zone.name(),
        },
    )?;
    db::audit::record(
        conn,
        now,
        &db::audit::Event {
            action: "cycle.create",
            cycle_id: Some(&id),
            new_value: Some(name),
            ..Default::default()
        },
    )?;
    Ok(id)
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub added: usize,
    pub unchanged: usize,
    pub invited: usize,
}

/// A link issued while this call ran (only the caller sees the token; the database keeps its hash).
#[derive(Debug, Clone)]
pub struct IssuedLink {
    pub assignment_id: String,
    pub rater_name: String,
    pub rater_email: String,
    pub relationship: Relationship,
    pub subject_name: String,
    pub link: String,
}

/// Imports nominations, all or nothing: any bad row fails the whole file with every problem as
/// `line N: reason` (one per line of the `Invalid` message). Existing nominations are left
/// alone. In an open cycle the new raters are invited at once.
pub fn import(
    conn: &mut AnyConnection,
    templates: &Templates,
    settings: &Settings,
    cycle_id: &str,
    bytes: &[u8],
    now: NaiveDateTime,
) -> AppResult<(ImportSummary, Vec<IssuedLink>)> {
    let cycle = find_cycle(conn, cycle_id)?;
    let status = cycle.status;
    if !matches!(status, CycleStatus::Draft | CycleStatus::Open) {
        return Err(AppError::Invalid(format!(
            "the cycle is {}: nominations can be imported only while it is draft or open",
            cycle.status
        )));
    }
    let rows = nomination::parse(bytes).map_err(lines)?;
    let mut summary = ImportSummary::default();
    let mut errors: Vec<ImportError> = Vec::new();
    let mut new_assignments = Vec::new();
    // reviews whose results are visible: their raters are frozen (SPEC §7)
    let mut frozen: std::collections::HashMap<String, bool> = std::collections::HashMap::new();
    for n in &rows {
        let subject_id = db::people::ensure(conn, n.subject.email.as_str(), &n.subject.name, now)?;
        let supervisor_id =
            db::people::ensure(conn, n.supervisor.email.as_str(), &n.supervisor.name, now)?;
        let review_id = match db::reviews::find_for_subject(conn, cycle_id, &subject_id)? {
            Some(r) if r.supervisor_id != supervisor_id => {
                let current = db::people::find(conn, &r.supervisor_id)?;
                errors.push(ImportError {
                    line: n.line,
                    reason: format!(
                        "{} already has supervisor {} in this cycle, not {}",
                        n.subject.email, current.email, n.supervisor.email
                    ),
                });
                continue;
            }
            Some(r) => {
                if !frozen.contains_key(&r.id) {
                    let is = super::visibility::is_frozen(conn, &cycle, &r)?;
                    frozen.insert(r.id.clone(), is);
                }
                r.id
            }
            None => db::reviews::insert(conn, cycle_id, &subject_id, &supervisor_id, now)?,
        };
        let rater_id = db::people::ensure(conn, n.rater.email.as_str(), &n.rater.name, now)?;
        if db::assignments::exists(conn, &review_id, &rater_id)? {
            summary.unchanged += 1;
            continue;
        }
        if frozen.get(&review_id).copied().unwrap_or(false) {
            errors.push(ImportError {
                line: n.line,
                reason: super::visibility::frozen(n.subject.email.as_str()),
            });
            continue;
        }
        let organization_id = if n.organization.is_empty() {
            None
        } else {
            Some(db::people::ensure_organization(conn, &n.organization, now)?)
        };
        let id = db::new_id();
        db::assignments::insert(
            conn,
            &db::assignments::NewAssignment {
                id: &id,
                review_id: &review_id,
                rater_id: &rater_id,
                relationship: n.relationship,
                locale: n.locale,
                organization_id: organization_id.as_deref(),
                status: AssignmentStatus::Pending,
                created_at: now,
            },
        )?;
        summary.added += 1;
        new_assignments.push(id);
    }
    if !errors.is_empty() {
        return Err(lines(errors));
    }
    db::audit::record(
        conn,
        now,
        &db::audit::Event {
            action: "cycle.import",
            cycle_id: Some(cycle_id),
            new_value: Some(&format!(
                "{} added, {} unchanged",
                summary.added, summary.unchanged
            )),
            ..Default::default()
        },
    )?;
    let mut links = Vec::new();
    if status == CycleStatus::Open {
        links = invite(
            conn,
            templates,
            settings,
            cycle_id,
            Some(&new_assignments),
            now,
        )?;
        summary.invited = links.len();
    }
    Ok((summary, links))
}

fn lines(errors: Vec<ImportError>) -> AppError {
    AppError::Invalid(
        errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// Opens a draft cycle and queues one invitation, with its own link, for every nomination.
pub fn launch(
    conn: &mut AnyConnection,
    templates: &Templates,
    settings: &Settings,
    cycle_id: &str,
    now: NaiveDateTime,
) -> AppResult<Vec<IssuedLink>> {
    let cycle = find_cycle(conn, cycle_id)?;
    if cycle.status != CycleStatus::Draft {
        return Err(AppError::Invalid(format!(
            "the cycle is {}: only a draft cycle can be launched",
            cycle.status
        )));
    }
    if cycle.closes_at <= now {
        return Err(AppError::Invalid(
            "the cycle's closing date has passed".into(),
        ));
    }
    if !db::cycles::transition(conn, cycle_id, CycleStatus::Draft, CycleStatus::Open, now)? {
        return Err(AppError::Conflict(
            "the cycle was launched by someone else".into(),
        ));
    }
    let links = invite(conn, templates, settings, cycle_id, None, now)?;
    if links.is_empty() {
        return Err(AppError::Invalid(
            "the cycle has no nominations: import some before launching".into(),
        ));
    }
    db::audit::record(
        conn,
        now,
        &db::audit::Event {
            action: "cycle.launch",
            cycle_id: Some(cycle_id),
            old_value: Some(CycleStatus::Draft.as_str()),
            new_value: Some(CycleStatus::Open.as_str()),
            ..Default::default()
        },
    )?;
    Ok(links)
}

/// Issues a link and queues an invitation for every pending assignment of the cycle (or only
/// those in `only`).
fn invite(
    conn: &mut AnyConnection,
    templates: &Templates,
    settings: &Settings,
    cycle_id: &str,
    only: Option<&[String]>,
    now: NaiveDateTime,
) -> AppResult<Vec<IssuedLink>> {
    let cycle = find_cycle(conn, cycle_id)?;
    let (rubric, _) = load_snapshots(conn, cycle_id)?;
    let mut links = Vec::new();
    for review in db::reviews::list_for_cycle(conn, cycle_id)? {
        for a in db::assignments::list_for_review(conn, &review.review.id)? {
            let wanted = only.is_none_or(|ids| ids.contains(&a.assignment.id));
            if !wanted || a.assignment.status != AssignmentStatus::Pending {
                continue;
            }
            links.push(super::links::send_link(
                conn,
                templates,
                settings,
                &super::links::LinkRequest {
                    cycle: &cycle,
                    rubric: &rubric,
                    subject_name: &review.subject_name,
                    assignment: &a,
                    kind: Kind::Invitation,
                    slot: "1",
                },
                now,
            )?);
        }
    }
    Ok(links)
}

/// Closes an open cycle: unanswered links expire, reviews move to reconciling and each
/// supervisor is told.
pub fn close(
    conn: &mut AnyConnection,
    templates: &Templates,
    settings: &Settings,
    cycle_id: &str,
    now: NaiveDateTime,
) -> AppResult<usize> {
    let cycle = find_cycle(conn, cycle_id)?;
    if cycle.status != CycleStatus::Open {
        return Err(AppError::Invalid(format!(
            "the cycle is {}: only an open cycle can be closed",
            cycle.status
        )));
    }
    if !db::cycles::transition(conn, cycle_id, CycleStatus::Open, CycleStatus::Closed, now)? {
        return Err(AppError::Conflict(
            "the cycle was closed by someone else".into(),
        ));
    }
    db::assignments::expire_unanswered(conn, cycle_id)?;
    db::reviews::start_reconciling_for_cycle(conn, cycle_id)?;
    let reviews = db::reviews::list_for_cycle(conn, cycle_id)?;
    for review in &reviews {
        super::visibility::latch(
            conn,
            &CycleId::stored(cycle_id),
            &ReviewId::stored(review.review.id.as_str()),
            VisibleBecause::CycleClosed,
            now,
        )?;
        notify_supervisor(conn, templates, settings, &cycle, review, false, now)?;
    }
    db::audit::record(
        conn,
        now,
        &db::audit::Event {
            action: "cycle.close",
            cycle_id: Some(cycle_id),
            old_value: Some(CycleStatus::Open.as_str()),
            new_value: Some(CycleStatus::Closed.as_str()),
            ..Default::default()
        },
    )?;
    Ok(reviews.len())
}

/// Queues the "ready to reconcile" notice for a review (once per review).
pub fn notify_supervisor(
    conn: &mut AnyConnection,
    templates: &Templates,
    settings: &Settings,
    cycle: &db::cycles::CycleRow,
    review: &db::reviews::ReviewListing,
    all_answered: bool,
    now: NaiveDateTime,
) -> AppResult<bool> {
    if db::outbox::has_key(conn, &format!("supervisor_ready:{}", review.review.id))? {
        return Ok(false);
    }
    let assignments = db::assignments::list_for_review(conn, &review.review.id)?;
    let (invited, answered) =
        crate::domain::progress::answered(super::progress::statuses(&assignments));
    let locale = assignments
        .iter()
        .find(|a| a.assignment.relationship == Relationship::Supervisor)
        .map(|a| a.assignment.locale)
        .unwrap_or(Locale::Zh);
    let link = format!("{}/reviews/{}", settings.base_url(), review.review.id);
    let message = messages::ready_message(
        templates,
        settings,
        &ReadyMail {
            review_id: &review.review.id,
            supervisor_email: &review.supervisor_email,
            supervisor_name: &review.supervisor_name,
            locale,
            subject_name: &review.subject_name,
            cycle_name: &cycle.name,
            deadline: cycle.deadline().label(),
            link: &link,
            answered,
            invited,
            all_answered,
        },
        now,
    )?;
    Ok(db::outbox::enqueue(conn, &message)?)
}
