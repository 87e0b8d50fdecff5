//! Reviews: one KAM (subject) in one cycle, with the KAM's supervisor.

use crate::domain::ids::{AssignmentId, CycleId, PersonId, ReviewId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{people, reviews};
use super::AnyConnection;
use crate::domain::status::{CycleStatus, ReviewStatus};

/// A stored review.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reviews, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct ReviewRow {
    pub id: ReviewId,
    pub cycle_id: CycleId,
    pub subject_id: PersonId,
    pub supervisor_id: PersonId,
    pub status: ReviewStatus,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub finalized_at: Option<NaiveDateTime>,
    pub finalized_by: Option<PersonId>,
    /// When the review's results first became visible (SPEC §7 latch); `None` before.
    pub results_visible_at: Option<NaiveDateTime>,
}

/// A review with the names and emails of its KAM and supervisor.
#[derive(Debug, Clone)]
pub struct ReviewListing {
    pub review: ReviewRow,
    pub subject_email: String,
    pub subject_name: String,
    pub supervisor_email: String,
    pub supervisor_name: String,
}

/// The review of `subject_id` in `cycle_id`.
pub fn find_for_subject(
    conn: &mut AnyConnection,
    cycle_id: &CycleId,
    subject_id: &PersonId,
) -> QueryResult<Option<ReviewRow>> {
    reviews::table
        .filter(reviews::cycle_id.eq(cycle_id))
        .filter(reviews::subject_id.eq(subject_id))
        .select(ReviewRow::as_select())
        .get_result(conn)
        .optional()
}

/// Runs `body`, which adds nominations and returns their ids, then counts the raters of each
/// review it added to once. On PostgreSQL the trigger that keeps a review's counts is off
/// meanwhile (for this transaction only, and on again whether `body` succeeds or not): each
/// nomination it counted wrote a new version of its review's row, none of which can be pruned
/// before the transaction ends, so a 10,000-KAM import left 81 MB of reviews for 10,000 rows,
/// all read by the admin home. On SQLite, which rewrites a row in place, the trigger counts.
pub fn counting_once<E: From<diesel::result::Error>>(
    conn: &mut AnyConnection,
    body: impl FnOnce(&mut AnyConnection) -> Result<Vec<AssignmentId>, E>,
) -> Result<Vec<AssignmentId>, E> {
    if matches!(conn, AnyConnection::Sqlite(_)) {
        return body(conn);
    }
    diesel::sql_query("SET LOCAL kam360.counts = 'deferred'").execute(conn)?;
    let added = body(conn);
    // on again before anything else; a failed `body`'s own error is the one to tell
    let kept = diesel::sql_query("SET LOCAL kam360.counts = 'kept'").execute(conn);
    let added = added?;
    kept?;
    if let AnyConnection::Postgresql(pg) = conn {
        count_reviews_of(pg, &added)?;
    }
    Ok(added)
}

/// Sets the counts of every review one of `added` belongs to from its nominations, writing
/// only those that change (the rules of the trigger in migration 000014).
fn count_reviews_of(pg: &mut diesel::PgConnection, added: &[AssignmentId]) -> QueryResult<()> {
    for chunk in added.chunks(10_000) {
        let ids: Vec<&str> = chunk.iter().map(AssignmentId::as_str).collect();
        diesel::sql_query(
            "UPDATE reviews r SET raters = c.raters, answered = c.answered \
             FROM (SELECT a.review_id, \
                          count(*) FILTER (WHERE a.status <> 'revoked') AS raters, \
                          count(*) FILTER (WHERE a.status IN ('submitted', 'declined')) AS answered \
                   FROM assignments a \
                   WHERE a.review_id IN (SELECT review_id FROM assignments WHERE id = ANY($1)) \
                   GROUP BY a.review_id) c \
             WHERE r.id = c.review_id AND (r.raters, r.answered) <> (c.raters, c.answered)",
        )
        .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(ids)
        .execute(pg)?;
    }
    Ok(())
}

/// Stores a new review in `collecting`; returns its id.
pub fn insert(
    conn: &mut AnyConnection,
    cycle_id: &CycleId,
    subject_id: &PersonId,
    supervisor_id: &PersonId,
    now: NaiveDateTime,
) -> QueryResult<ReviewId> {
    let id = ReviewId::generate();
    diesel::insert_into(reviews::table)
        .values((
            reviews::id.eq(&id),
            reviews::cycle_id.eq(cycle_id),
            reviews::subject_id.eq(subject_id),
            reviews::supervisor_id.eq(supervisor_id),
            reviews::status.eq(ReviewStatus::Collecting),
            reviews::version.eq(0),
            reviews::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(id)
}

/// A review row with (email, name) of its KAM and of its supervisor.
pub(super) type ListingTuple = (ReviewRow, (String, String), (String, String));

pub(super) fn listing(
    (review, (subject_email, subject_name), (supervisor_email, supervisor_name)): ListingTuple,
) -> ReviewListing {
    ReviewListing {
        review,
        subject_email,
        subject_name,
        supervisor_email,
        supervisor_name,
    }
}

/// The query behind [`ReviewListing`]s; each caller adds its filter.
macro_rules! listings {
    () => {{
        let supervisors = diesel::alias!(people as supervisors);
        reviews::table
            .inner_join(people::table.on(people::id.eq(reviews::subject_id)))
            .inner_join(supervisors.on(supervisors.field(people::id).eq(reviews::supervisor_id)))
            .select((
                ReviewRow::as_select(),
                (people::email, people::name),
                (
                    supervisors.field(people::email),
                    supervisors.field(people::name),
                ),
            ))
    }};
}

/// Every review of a cycle with its people, ordered by the KAM's email.
pub fn list_for_cycle(
    conn: &mut AnyConnection,
    cycle_id: &CycleId,
) -> QueryResult<Vec<ReviewListing>> {
    let rows: Vec<ListingTuple> = listings!()
        .filter(reviews::cycle_id.eq(cycle_id))
        .order(people::email.asc())
        .load(conn)?;
    Ok(rows.into_iter().map(listing).collect())
}

/// The reviews of one supervisor's KAMs in a cycle, ordered by the KAM's email.
pub fn list_for_cycle_of(
    conn: &mut AnyConnection,
    cycle_id: &CycleId,
    supervisor: &PersonId,
) -> QueryResult<Vec<ReviewListing>> {
    let rows: Vec<ListingTuple> = listings!()
        .filter(reviews::cycle_id.eq(cycle_id))
        .filter(reviews::supervisor_id.eq(supervisor))
        .order(people::email.asc())
        .load(conn)?;
    Ok(rows.into_iter().map(listing).collect())
}

/// The cycle's first review in [`list_for_cycle`]'s order, if it has any.
pub fn first_for_cycle(
    conn: &mut AnyConnection,
    cycle_id: &CycleId,
) -> QueryResult<Option<ReviewListing>> {
    let row: Option<ListingTuple> = listings!()
        .filter(reviews::cycle_id.eq(cycle_id))
        .order(people::email.asc())
        .first(conn)
        .optional()?;
    Ok(row.map(listing))
}

/// One review with its people.
pub fn find_listing(
    conn: &mut AnyConnection,
    review_id: &ReviewId,
) -> QueryResult<Option<ReviewListing>> {
    let row: Option<ListingTuple> = listings!()
        .filter(reviews::id.eq(review_id))
        .get_result(conn)
        .optional()?;
    Ok(row.map(listing))
}

/// Per cycle: its reviews, their raters (a revoked one aside) and how many of them answered,
/// summed from each review's own counts (kept by triggers): the admin home reads as many rows
/// as there are KAMs, not nominations.
pub fn progress_by_cycle(conn: &mut AnyConnection) -> QueryResult<Vec<CycleProgress>> {
    use diesel::dsl::{count_star, sum};
    let rows: Vec<(CycleId, i64, Option<i64>, Option<i64>)> = reviews::table
        .group_by(reviews::cycle_id)
        .select((
            reviews::cycle_id,
            count_star(),
            sum(reviews::raters),
            sum(reviews::answered),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(cycle_id, reviews, raters, answered)| CycleProgress {
            cycle_id,
            reviews,
            raters: raters.unwrap_or(0),
            answered: answered.unwrap_or(0),
        })
        .collect())
}

/// A cycle's reviews, raters and answers, as [`progress_by_cycle`] counts them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CycleProgress {
    pub cycle_id: CycleId,
    pub reviews: i64,
    pub raters: i64,
    pub answered: i64,
}

/// How many reviews (KAMs) a cycle has.
pub fn count_for_cycle(conn: &mut AnyConnection, cycle_id: &CycleId) -> QueryResult<i64> {
    reviews::table
        .filter(reviews::cycle_id.eq(cycle_id))
        .count()
        .get_result(conn)
}

/// Deletes a review that has no assignments left (a draft cycle's KAM whose last nomination
/// was removed); returns whether it did.
pub fn delete_if_empty(conn: &mut AnyConnection, review_id: &ReviewId) -> QueryResult<bool> {
    use super::schema::assignments;
    let n = diesel::delete(reviews::table.filter(reviews::id.eq(review_id)).filter(
        diesel::dsl::not(diesel::dsl::exists(
            assignments::table.filter(assignments::review_id.eq(review_id)),
        )),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Closes the results latch of one review (SPEC §7) unless it is closed already; returns
/// whether this call closed it.
pub fn latch_results(
    conn: &mut AnyConnection,
    review_id: &ReviewId,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        reviews::table
            .filter(reviews::id.eq(review_id))
            .filter(reviews::results_visible_at.is_null()),
    )
    .set(reviews::results_visible_at.eq(now))
    .execute(conn)?;
    // a review whose results are visible is the supervisor's to reconcile (the version stays:
    // a page opened just before the latch still saves)
    diesel::update(
        reviews::table
            .filter(reviews::id.eq(review_id))
            .filter(reviews::status.eq(ReviewStatus::Collecting)),
    )
    .set(reviews::status.eq(ReviewStatus::Reconciling))
    .execute(conn)?;
    Ok(n == 1)
}

/// Moves every `collecting` review of a cycle to `reconciling` (the cycle closed).
pub fn start_reconciling_for_cycle(
    conn: &mut AnyConnection,
    cycle_id: &CycleId,
) -> QueryResult<usize> {
    diesel::update(
        reviews::table
            .filter(reviews::cycle_id.eq(cycle_id))
            .filter(reviews::status.eq(ReviewStatus::Collecting)),
    )
    .set((
        reviews::status.eq(ReviewStatus::Reconciling),
        reviews::version.eq(reviews::version + 1),
    ))
    .execute(conn)
}

/// A supervisor's review with its cycle.
#[derive(Debug, Clone)]
pub struct SupervisedReview {
    pub listing: ReviewListing,
    pub cycle_name: String,
    pub cycle_status: CycleStatus,
    pub closes_at: NaiveDateTime,
    pub min_group_size: i32,
    /// The IANA zone the deadline is shown in.
    pub time_zone: String,
    /// When the cycle actually closed, if it did.
    pub closed_at: Option<NaiveDateTime>,
    /// When the signed-off report was released to the KAM, if it was.
    pub released_at: Option<NaiveDateTime>,
    /// What the KAM did that the supervisor has not opened yet (issue #21).
    pub unopened: Vec<crate::domain::status::NoticeEvent>,
}

impl SupervisedReview {
    /// The deadline with its zone.
    pub fn deadline(&self) -> crate::domain::dates::Deadline {
        crate::domain::dates::Deadline::new(self.closes_at, &self.time_zone)
    }
}

type SupervisedTuple = (
    ReviewRow,
    (String, String),
    (String, String),
    (
        String,
        CycleStatus,
        NaiveDateTime,
        i32,
        String,
        Option<NaiveDateTime>,
    ),
    Option<NaiveDateTime>,
    (bool, bool, bool),
);

/// Which supervised reviews to load.
enum Which<'a> {
    Supervisor(&'a PersonId),
    Review(&'a ReviewId),
}

fn supervised(conn: &mut AnyConnection, which: Which<'_>) -> QueryResult<Vec<SupervisedReview>> {
    use super::schema::{cycles, report_releases, supervisor_notices};
    use crate::domain::status::NoticeEvent;
    // the unopened notices in the same query: one EXISTS per kind of event
    let unopened = |event: NoticeEvent| {
        diesel::dsl::exists(
            supervisor_notices::table
                .filter(supervisor_notices::review_id.eq(reviews::id))
                .filter(supervisor_notices::event.eq(event))
                .filter(supervisor_notices::opened_at.is_null()),
        )
    };
    let supervisors = diesel::alias!(people as supervisors);
    let query = reviews::table
        .inner_join(cycles::table)
        .inner_join(people::table.on(people::id.eq(reviews::subject_id)))
        .inner_join(supervisors.on(supervisors.field(people::id).eq(reviews::supervisor_id)))
        .left_join(report_releases::table.on(report_releases::review_id.eq(reviews::id)))
        .order((cycles::created_at.desc(), people::name.asc()))
        .select((
            ReviewRow::as_select(),
            (people::email, people::name),
            (
                supervisors.field(people::email),
                supervisors.field(people::name),
            ),
            (
                cycles::name,
                cycles::status,
                cycles::closes_at,
                cycles::min_group_size,
                cycles::time_zone,
                cycles::closed_at,
            ),
            report_releases::released_at.nullable(),
            (
                unopened(NoticeEvent::Acknowledged),
                unopened(NoticeEvent::PlanSaved),
                unopened(NoticeEvent::Progress),
            ),
        ))
        .into_boxed();
    let query = match which {
        Which::Supervisor(id) => query.filter(reviews::supervisor_id.eq(id.clone())),
        Which::Review(id) => query.filter(reviews::id.eq(id.clone())),
    };
    let rows: Vec<SupervisedTuple> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(
                review,
                (subject_email, subject_name),
                (supervisor_email, supervisor_name),
                (cycle_name, cycle_status, closes_at, min_group_size, time_zone, closed_at),
                released_at,
                (acknowledged, plan, progress),
            )| SupervisedReview {
                listing: ReviewListing {
                    review,
                    subject_email,
                    subject_name,
                    supervisor_email,
                    supervisor_name,
                },
                cycle_name,
                cycle_status,
                closes_at,
                min_group_size,
                time_zone,
                closed_at,
                released_at,
                unopened: [
                    (acknowledged, NoticeEvent::Acknowledged),
                    (plan, NoticeEvent::PlanSaved),
                    (progress, NoticeEvent::Progress),
                ]
                .into_iter()
                .filter_map(|(on, e)| on.then_some(e))
                .collect(),
            },
        )
        .collect())
}

/// Every review whose supervisor is `person_id`, newest cycle first, then by KAM.
pub fn list_for_supervisor(
    conn: &mut AnyConnection,
    person_id: &PersonId,
) -> QueryResult<Vec<SupervisedReview>> {
    supervised(conn, Which::Supervisor(person_id))
}

/// A review with its people and cycle.
pub fn find(
    conn: &mut AnyConnection,
    review_id: &ReviewId,
) -> QueryResult<Option<SupervisedReview>> {
    Ok(supervised(conn, Which::Review(review_id))?.pop())
}

/// Compare-and-set on the review's version (optimistic concurrency for two tabs): moves it to
/// `status` and bumps the version if it is still at `version` and not finalized.
pub fn bump(
    conn: &mut AnyConnection,
    review_id: &ReviewId,
    version: i32,
    status: ReviewStatus,
) -> QueryResult<bool> {
    let n = diesel::update(
        reviews::table
            .filter(reviews::id.eq(review_id))
            .filter(reviews::version.eq(version))
            .filter(reviews::status.ne(ReviewStatus::Finalized)),
    )
    .set((reviews::version.eq(version + 1), reviews::status.eq(status)))
    .execute(conn)?;
    Ok(n == 1)
}

/// Signs a review off (read-only from then on).
pub fn finalize(
    conn: &mut AnyConnection,
    review_id: &ReviewId,
    by: &PersonId,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(reviews::table.filter(reviews::id.eq(review_id)))
        .set((
            reviews::status.eq(ReviewStatus::Finalized),
            reviews::finalized_at.eq(now),
            reviews::finalized_by.eq(by),
            reviews::version.eq(reviews::version + 1),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Reopens a finalized review (an admin's decision, audited by the caller).
pub fn reopen(conn: &mut AnyConnection, review_id: &ReviewId) -> QueryResult<bool> {
    let n = diesel::update(
        reviews::table
            .filter(reviews::id.eq(review_id))
            .filter(reviews::status.eq(ReviewStatus::Finalized)),
    )
    .set((
        reviews::status.eq(ReviewStatus::Reconciling),
        reviews::finalized_at.eq(None::<NaiveDateTime>),
        reviews::finalized_by.eq(None::<String>),
        reviews::version.eq(reviews::version + 1),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// The KAM's latest finalized review in a cycle created before `before` (SPEC §12's previous
/// cycles): (review id, cycle name).
pub fn previous_finalized(
    conn: &mut AnyConnection,
    subject_id: &PersonId,
    before: NaiveDateTime,
) -> QueryResult<Option<(ReviewId, String)>> {
    use super::schema::cycles;
    reviews::table
        .inner_join(cycles::table)
        .filter(reviews::subject_id.eq(subject_id))
        .filter(reviews::status.eq(ReviewStatus::Finalized))
        .filter(cycles::created_at.lt(before))
        .order(cycles::created_at.desc())
        .select((reviews::id, cycles::name))
        .first(conn)
        .optional()
}

/// The supervisors of a cycle's reviews, by name: (id, name).
pub fn supervisors_of_cycle(
    conn: &mut AnyConnection,
    cycle_id: &CycleId,
) -> QueryResult<Vec<(PersonId, String)>> {
    reviews::table
        .inner_join(people::table.on(people::id.eq(reviews::supervisor_id)))
        .filter(reviews::cycle_id.eq(cycle_id))
        .select((people::id, people::name))
        .distinct()
        .order(people::name.asc())
        .load(conn)
}
