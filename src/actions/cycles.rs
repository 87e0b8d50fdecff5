//! Cycles: create (freezing rubric and policy), import nominations, launch (queue one
//! invitation with its own link per nomination), close.

use super::Tx;
use chrono::{NaiveDate, NaiveDateTime};

use super::{find_cycle, PolicySnapshot};
use crate::config::Settings;
use crate::db::{self, AnyConnection};
use crate::domain::audit::Action;
use crate::domain::formats::rubric::Rubric;
use crate::domain::forms::cycle_settings::{self, CycleInput, CycleSettings};
use crate::domain::ids::{AssignmentId, CycleId, PersonId, ReviewId};
use crate::domain::locale::Locale;
use crate::domain::relationship::Relationship;
use crate::domain::rules::lifecycle::{self, Step};
use crate::domain::rules::progress::VisibleBecause;
use crate::domain::status::{AssignmentStatus, CycleStatus};
use crate::email::messages::{ReadyMail, Recipient};
use crate::email::Kind;
use crate::error::{AppError, AppResult};

/// Creates a draft cycle with frozen snapshots of the rubric and policy, its deadline in the
/// configured time zone (`cycle.time_zone`); returns its id.
#[tracing::instrument(level = "debug", skip_all)]
pub fn create(
    conn: &mut AnyConnection,
    settings: &Settings,
    rubric: &Rubric,
    name: &str,
    closes_on: NaiveDate,
    now: NaiveDateTime,
) -> AppResult<CycleId> {
    let zone = settings.cycle.time_zone.clone();
    create_in(conn, settings, rubric, name, closes_on, &zone, now)
}

/// [`create`], with the deadline's day in the named IANA time zone (the CLI's `cycle create`).
#[tracing::instrument(level = "debug", skip_all)]
pub fn create_in(
    conn: &mut AnyConnection,
    settings: &Settings,
    rubric: &Rubric,
    name: &str,
    closes_on: NaiveDate,
    zone_name: &str,
    now: NaiveDateTime,
) -> AppResult<CycleId> {
    // the CLI names the zone it refuses
    crate::domain::dates::zone(zone_name).map_err(AppError::Invalid)?;
    let input = CycleInput {
        name: name.to_owned(),
        closes_at: closes_on.format("%Y-%m-%d").to_string(),
        time_zone: zone_name.to_owned(),
        ..Default::default()
    };
    let checked = cycle_settings::check(&input, defaults(settings), now).map_err(refused)?;
    create_with(conn, settings, rubric, &checked, None, now)
}

/// The defaults of the cycle form's optional fields.
pub fn defaults(settings: &Settings) -> cycle_settings::Defaults<'_> {
    cycle_settings::Defaults {
        min_group_size: settings.min_group_size(),
        time_zone: &settings.cycle.time_zone,
    }
}

/// The problems of a refused cycle form, in English on one line (the CLI's words).
fn refused(problems: Vec<cycle_settings::Problem>) -> AppError {
    AppError::Invalid(
        problems
            .iter()
            .map(|p| crate::i18n::t(Locale::En, p.key))
            .collect::<Vec<_>>()
            .join("; "),
    )
}

/// Creates a draft cycle from checked settings (the admin console's form); returns its id.
#[tracing::instrument(level = "debug", skip_all)]
pub fn create_with(
    conn: &mut AnyConnection,
    settings: &Settings,
    rubric: &Rubric,
    cycle: &CycleSettings,
    actor: Option<&PersonId>,
    now: NaiveDateTime,
) -> AppResult<CycleId> {
    let c = &settings.consolidation;
    let policy = serde_json::to_string(&PolicySnapshot {
        supervisor_share: c.supervisor_share,
        weight_customer: c.weight_customer,
        weight_peer: c.weight_peer,
        weight_team: c.weight_team,
    })
    .map_err(|e| AppError::Unexpected(e.into()))?;
    let id = CycleId::generate();
    db::cycles::insert(
        conn,
        &db::cycles::NewCycle {
            id: &id,
            name: &cycle.name,
            status: CycleStatus::Draft,
            closes_at: cycle.closes_at,
            rubric_snapshot: &rubric.to_snapshot(),
            policy_snapshot: &policy,
            min_group_size: crate::domain::rules::confidentiality::K::at_least(
                cycle.min_group_size,
            )
            .column(),
            created_at: now,
            time_zone: cycle.zone.name(),
            nominations: cycle.nominations,
            reminder_days: &cycle.stored_reminder_days(),
        },
    )?;
    db::audit::Event::new(Action::CycleCreate)
        .by(actor)
        .cycle(&id)
        .new_value(&cycle.name)
        .record(conn, now)?;
    Ok(id)
}

/// Changes a draft cycle's settings (once launched they are fixed: raters were told them).
#[tracing::instrument(level = "debug", skip_all)]
pub fn update(
    conn: &mut AnyConnection,
    cycle_id: &CycleId,
    cycle: &CycleSettings,
    actor: Option<&PersonId>,
    now: NaiveDateTime,
) -> AppResult<()> {
    let current = find_cycle(conn, cycle_id)?;
    if current.status != CycleStatus::Draft {
        return Err(AppError::refused("cycle.error.not_draft"));
    }
    if current.nominations != cycle.nominations && db::reviews::count_for_cycle(conn, cycle_id)? > 0
    {
        return Err(AppError::refused("cycle.error.mode_fixed"));
    }
    db::cycles::update_settings(conn, cycle_id, cycle)?;
    db::audit::Event::new(Action::CycleEdit)
        .by(actor)
        .cycle(cycle_id)
        .old_value(&current.name)
        .new_value(&cycle.name)
        .record(conn, now)?;
    Ok(())
}

/// A link issued while this call ran (only the caller sees the token; the database keeps its hash).
#[derive(Debug, Clone)]
pub struct IssuedLink {
    pub assignment_id: AssignmentId,
    pub rater_name: String,
    pub rater_email: String,
    pub relationship: Relationship,
    pub subject_name: String,
    pub link: String,
}

/// The cycle as a step finds it: its status, deadline and nominations not yet invited.
#[tracing::instrument(level = "debug", skip_all)]
pub fn step_view(
    conn: &mut AnyConnection,
    cycle: &db::cycles::CycleRow,
) -> AppResult<lifecycle::Cycle> {
    let per_status = db::cycle_page::status_counts(conn, &cycle.id)?;
    Ok(lifecycle::Cycle::counted(
        cycle.status,
        cycle.closes_at,
        &per_status,
    ))
}

/// Refuses `step` with its reason when it cannot be taken now (`domain::rules::lifecycle`).
pub(super) fn refuse_step(
    conn: &mut AnyConnection,
    cycle: &db::cycles::CycleRow,
    step: Step,
    now: NaiveDateTime,
) -> AppResult<()> {
    match lifecycle::refusal(step, step_view(conn, cycle)?, now) {
        Some(r) => Err(r.into()),
        None => Ok(()),
    }
}

/// Opens a draft cycle and queues one invitation, with its own link, for every nomination
/// (`actor`: the signed-in admin, for the audit trail; `None` from the command line), and
/// returns the links issued (a small cycle's: the demo's and the tests').
pub fn launch(tx: Tx<'_>, cycle_id: &CycleId) -> AppResult<Vec<IssuedLink>> {
    let mut links = Vec::new();
    launch_each(tx, cycle_id, &mut |link| links.push(link))?;
    Ok(links)
}

/// [`launch`], handing each link to `each` as it is issued and returning how many were:
/// what a launch holds in memory does not grow with the cycle.
#[tracing::instrument(level = "debug", skip_all)]
pub fn launch_each(
    tx: Tx<'_>,
    cycle_id: &CycleId,
    each: &mut dyn FnMut(IssuedLink),
) -> AppResult<usize> {
    let Tx(conn, mail, actor, now) = tx;
    let cycle = find_cycle(conn, cycle_id)?;
    refuse_step(conn, &cycle, Step::Launch, now)?;
    if !db::cycles::transition(conn, cycle_id, CycleStatus::Draft, CycleStatus::Open, now)? {
        return Err(AppError::Conflict(
            "the cycle was launched by someone else".into(),
        ));
    }
    let invited = invite(Tx(conn, mail, None, now), cycle_id, None, each)?;
    super::proposals::request_all(Tx(conn, mail, None, now), cycle_id)?;
    db::audit::Event::new(Action::CycleLaunch)
        .by(actor)
        .cycle(cycle_id)
        .old_value(CycleStatus::Draft.as_str())
        .new_value(CycleStatus::Open.as_str())
        .record(conn, now)?;
    Ok(invited)
}

/// Issues a link and queues an invitation for every pending assignment of the cycle (or only
/// those in `only`, read by id: adding a few raters to a large cycle costs what they do),
/// review by review, handing each link to `each`; returns how many were issued.
///
/// The whole cycle is read and written [`REVIEWS_AT_ONCE`] reviews at a time: one query for
/// their nominations, a few multi-row statements for their links and messages. Memory stays
/// flat in the cycle's size, and a database over a network pays a few round trips per batch
/// instead of four per rater.
pub(super) fn invite(
    tx: Tx<'_>,
    cycle_id: &CycleId,
    only: Option<&[AssignmentId]>,
    each: &mut dyn FnMut(IssuedLink),
) -> AppResult<usize> {
    use super::links::{joined, Batch};
    let Tx(conn, mail, _, now) = tx;
    let cycle = find_cycle(conn, cycle_id)?;
    let wording = super::links::wording(conn, cycle_id)?;
    let mut source = match only {
        None => Source::Cycle {
            reviews: db::reviews::list_for_cycle(conn, cycle_id)?,
            next: 0,
        },
        Some(ids) => Source::Listed(listed(conn, ids)?.into_iter()),
    };
    // one batch for the whole launch: its specimens serve every chunk
    let mut batch = Batch::sharing();
    let mut issued = 0;
    let (cycle, wording) = (&cycle, &wording);
    // a pipeline: while this thread stores one chunk's links and messages, the next chunk's
    // messages are rendered on the other cores
    std::thread::scope(|scope| -> AppResult<()> {
        // stores a rendered chunk with the links prepared so far, then hands its links out
        let mut store = |conn: &mut AnyConnection,
                         batch: &mut Batch,
                         (rendered, links): (
            std::thread::ScopedJoinHandle<'_, AppResult<Vec<db::outbox::NewMessage>>>,
            Vec<IssuedLink>,
        )|
         -> AppResult<()> {
            batch.push(joined(rendered)?);
            batch.store(conn, now)?;
            issued += links.len();
            links.into_iter().for_each(&mut *each);
            Ok(())
        };
        let mut rendering = None;
        while let Some(chunk) = source.next(conn)? {
            let (prepared, links) = {
                let abouts = abouts(cycle, wording, &chunk);
                batch.prepare(
                    mail,
                    &uninvited(&chunk, &abouts),
                    Kind::Invitation,
                    "1",
                    now,
                )?
            };
            let renders = scope.spawn(move || {
                let abouts = abouts(cycle, wording, &chunk);
                let raters = uninvited(&chunk, &abouts);
                Batch::render(mail, &raters, prepared, Kind::Invitation, "1", now)
            });
            if let Some(previous) = rendering.replace((renders, links)) {
                store(conn, &mut batch, previous)?;
            }
        }
        rendering.map_or(Ok(()), |last| store(conn, &mut batch, last))
    })?;
    Ok(issued)
}

/// Reviews with the nominations a launch invites, [`REVIEWS_AT_ONCE`] reviews at a time.
type Chunk = Vec<(
    db::reviews::ReviewListing,
    Vec<db::assignments::AssignmentListing>,
)>;

/// Where [`invite`] reads its chunks from.
enum Source {
    /// Every review of the cycle, each chunk's nominations read when it is reached.
    Cycle {
        reviews: Vec<db::reviews::ReviewListing>,
        next: usize,
    },
    /// Nominations given by id, already read.
    Listed(std::vec::IntoIter<Chunk>),
}

impl Source {
    fn next(&mut self, conn: &mut AnyConnection) -> AppResult<Option<Chunk>> {
        match self {
            Source::Listed(chunks) => Ok(chunks.next()),
            Source::Cycle { reviews, next } => {
                let Some(chunk) = reviews.get(*next..).filter(|r| !r.is_empty()) else {
                    return Ok(None);
                };
                let chunk = &chunk[..chunk.len().min(REVIEWS_AT_ONCE)];
                *next += chunk.len();
                let ids: Vec<ReviewId> = chunk.iter().map(|r| r.review.id.clone()).collect();
                let mut of: std::collections::HashMap<ReviewId, Vec<_>> =
                    std::collections::HashMap::new();
                for a in db::assignments::list_for_reviews(conn, &ids)? {
                    of.entry(a.assignment.review_id.clone())
                        .or_default()
                        .push(a);
                }
                Ok(Some(
                    chunk
                        .iter()
                        .map(|r| {
                            let listed = of.remove(&r.review.id).unwrap_or_default();
                            (r.clone(), listed)
                        })
                        .collect(),
                ))
            }
        }
    }
}

/// The nominations `ids` with their reviews, in the order given, in chunks.
fn listed(conn: &mut AnyConnection, ids: &[AssignmentId]) -> AppResult<Vec<Chunk>> {
    let mut reviews: Chunk = Vec::new();
    let mut at: std::collections::HashMap<ReviewId, usize> = std::collections::HashMap::new();
    for id in ids {
        let Some(a) = db::assignments::find_listing(conn, id)? else {
            continue;
        };
        let review_id = a.assignment.review_id.clone();
        if let Some(&i) = at.get(&review_id) {
            reviews[i].1.push(a);
        } else {
            let review = db::reviews::find_listing(conn, &review_id)?.ok_or(AppError::NotFound)?;
            at.insert(review_id, reviews.len());
            reviews.push((review, vec![a]));
        }
    }
    Ok(reviews.chunks(REVIEWS_AT_ONCE).map(<[_]>::to_vec).collect())
}

/// What each review's messages are about.
fn abouts<'a>(
    cycle: &'a db::cycles::CycleRow,
    wording: &'a super::links::Wording,
    chunk: &'a Chunk,
) -> Vec<super::links::About<'a>> {
    chunk
        .iter()
        .map(|(review, _)| super::links::About::of(cycle, wording, &review.subject_name))
        .collect()
}

/// The chunk's nominations not yet invited, each with what its message is about.
fn uninvited<'a>(
    chunk: &'a Chunk,
    abouts: &'a [super::links::About<'a>],
) -> Vec<(
    &'a super::links::About<'a>,
    &'a db::assignments::AssignmentListing,
)> {
    chunk
        .iter()
        .zip(abouts)
        .flat_map(|((_, listed), about)| listed.iter().map(move |a| (about, a)))
        .filter(|(_, a)| a.assignment.status == AssignmentStatus::Pending)
        .collect()
}

/// Invitations a second a launch queues on this backend, each with its link and rendered
/// message (what the console's confirmation estimates from): `examples/scalebench`'s
/// 10,000-KAM launch on the project's 2-core machine (docs/benchmarks.md), rounded down.
pub fn launch_rate(backend: &db::Backend) -> u32 {
    match backend {
        db::Backend::Sqlite(_) => 5000,
        db::Backend::Postgres(_) => 3500,
    }
}

/// How many reviews a launch reads and writes at once: about 400 messages, a few MB.
const REVIEWS_AT_ONCE: usize = 20;

/// Closes an open cycle: unanswered links expire, reviews move to reconciling and each
/// supervisor is told (`actor` as for [`launch`]).
#[tracing::instrument(level = "debug", skip_all)]
pub fn close(tx: Tx<'_>, cycle_id: &CycleId) -> AppResult<usize> {
    let Tx(conn, mail, actor, now) = tx;
    let cycle = find_cycle(conn, cycle_id)?;
    refuse_step(conn, &cycle, Step::Close, now)?;
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
            cycle_id,
            &review.review.id,
            VisibleBecause::CycleClosed,
            now,
        )?;
        notify_supervisor(Tx(conn, mail, None, now), &cycle, review, false)?;
    }
    db::audit::Event::new(Action::CycleClose)
        .by(actor)
        .cycle(cycle_id)
        .old_value(CycleStatus::Open.as_str())
        .new_value(CycleStatus::Closed.as_str())
        .record(conn, now)?;
    Ok(reviews.len())
}

/// Queues the "ready to reconcile" notice for a review (once per review).
#[tracing::instrument(level = "debug", skip_all)]
pub fn notify_supervisor(
    tx: Tx<'_>,
    cycle: &db::cycles::CycleRow,
    review: &db::reviews::ReviewListing,
    all_answered: bool,
) -> AppResult<bool> {
    let Tx(conn, mail, _, now) = tx;
    if db::outbox::has_key(conn, &format!("supervisor_ready:{}", review.review.id))? {
        return Ok(false);
    }
    let assignments = db::assignments::list_for_review(conn, &review.review.id)?;
    let (invited, answered) =
        crate::domain::rules::progress::answered(super::progress::statuses(&assignments));
    let locale = assignments
        .iter()
        .find(|a| a.assignment.relationship == Relationship::Supervisor)
        .map(|a| a.assignment.locale)
        .unwrap_or(Locale::Zh);
    let link = format!("{}/reviews/{}", mail.settings.base_url(), review.review.id);
    mail.queue(
        conn,
        Recipient::new(&review.supervisor_email, &review.supervisor_name, locale),
        &ReadyMail {
            review_id: review.review.id.as_str(),
            subject_name: &review.subject_name,
            cycle_name: &cycle.name,
            deadline: cycle.deadline().label(),
            link: &link,
            answered,
            invited,
            all_answered,
        },
        now,
    )
}
