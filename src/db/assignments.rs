//! Assignments: one rater for one review, with the hash of their link's token and their
//! progress through pending → invited → opened → draft → submitted (or declined, revoked,
//! expired).

use crate::domain::ids::{AssignmentId, CycleId, OrganizationId, PersonId, ReviewId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{assignments, organizations, people, rater_links, rater_sessions, reviews};
use super::AnyConnection;
use crate::domain::locale::Locale;
use crate::domain::relationship::Relationship;
use crate::domain::status::AssignmentStatus;

/// A stored assignment.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = assignments, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct AssignmentRow {
    pub id: AssignmentId,
    pub review_id: ReviewId,
    pub rater_id: PersonId,
    pub relationship: Relationship,
    pub locale: Locale,
    pub organization_id: Option<OrganizationId>,
    pub status: AssignmentStatus,
    pub created_at: NaiveDateTime,
    pub invited_at: Option<NaiveDateTime>,
    pub opened_at: Option<NaiveDateTime>,
    pub saved_at: Option<NaiveDateTime>,
    pub submitted_at: Option<NaiveDateTime>,
    pub declined_at: Option<NaiveDateTime>,
    pub decline_reason: Option<String>,
    pub revoked_at: Option<NaiveDateTime>,
}

/// A new nomination.
#[derive(Debug, Insertable)]
#[diesel(table_name = assignments)]
pub struct NewAssignment<'a> {
    pub id: &'a AssignmentId,
    pub review_id: &'a ReviewId,
    pub rater_id: &'a PersonId,
    pub relationship: Relationship,
    pub locale: Locale,
    pub organization_id: Option<&'a OrganizationId>,
    pub status: AssignmentStatus,
    pub created_at: NaiveDateTime,
}

/// Stores a nomination.
pub fn insert(conn: &mut AnyConnection, a: &NewAssignment<'_>) -> QueryResult<()> {
    diesel::insert_into(assignments::table)
        .values(a)
        .execute(conn)
        .map(|_| ())
}

/// Whether `rater_id` is already nominated for `review_id`.
pub fn exists(
    conn: &mut AnyConnection,
    review_id: &ReviewId,
    rater_id: &PersonId,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        assignments::table
            .filter(assignments::review_id.eq(review_id))
            .filter(assignments::rater_id.eq(rater_id)),
    ))
    .get_result(conn)
}

/// One assignment with the people involved, for launch, reminders and progress.
#[derive(Debug, Clone)]
pub struct AssignmentListing {
    pub assignment: AssignmentRow,
    pub rater_email: String,
    pub rater_name: String,
    pub organization: Option<String>,
}

/// An assignment row with its rater's email and name and the organisation's name.
type ListingRow = (AssignmentRow, String, String, Option<String>);

impl From<ListingRow> for AssignmentListing {
    fn from((assignment, rater_email, rater_name, organization): ListingRow) -> Self {
        AssignmentListing {
            assignment,
            rater_email,
            rater_name,
            organization,
        }
    }
}

/// The query behind [`AssignmentListing`]s, written once; each caller adds its filter. (A
/// macro rather than a boxed query, so that the statement stays cacheable on hot paths.)
macro_rules! listings {
    () => {
        assignments::table
            .inner_join(people::table.on(people::id.eq(assignments::rater_id)))
            .left_join(organizations::table)
            .select((
                AssignmentRow::as_select(),
                people::email,
                people::name,
                organizations::name.nullable(),
            ))
    };
}

/// Every assignment of a review, in creation order.
pub fn list_for_review(
    conn: &mut AnyConnection,
    review_id: &ReviewId,
) -> QueryResult<Vec<AssignmentListing>> {
    let rows: Vec<ListingRow> = listings!()
        .filter(assignments::review_id.eq(review_id))
        .order(assignments::created_at.asc())
        .then_order_by(assignments::id.asc())
        .load(conn)?;
    Ok(rows.into_iter().map(AssignmentListing::from).collect())
}

/// Every assignment of these reviews, in creation order.
pub fn list_for_reviews(
    conn: &mut AnyConnection,
    review_ids: &[ReviewId],
) -> QueryResult<Vec<AssignmentListing>> {
    let rows: Vec<ListingRow> = listings!()
        .filter(assignments::review_id.eq_any(review_ids))
        .order(assignments::created_at.asc())
        .then_order_by(assignments::id.asc())
        .load(conn)?;
    Ok(rows.into_iter().map(AssignmentListing::from).collect())
}

/// The group and status of every rater of these reviews, in one light query: what visibility
/// and progress need (a report, the team view), without the people.
pub fn statuses_of(
    conn: &mut AnyConnection,
    review_ids: &[ReviewId],
) -> QueryResult<Vec<(ReviewId, Relationship, AssignmentStatus)>> {
    assignments::table
        .filter(assignments::review_id.eq_any(review_ids))
        .select((
            assignments::review_id,
            assignments::relationship,
            assignments::status,
        ))
        .load(conn)
}

/// Every assignment of a cycle still waiting for an answer (for "remind everyone").
pub fn waiting_in_cycle(
    conn: &mut AnyConnection,
    cycle_id: &CycleId,
) -> QueryResult<Vec<AssignmentListing>> {
    let rows: Vec<ListingRow> = listings!()
        .filter(
            assignments::review_id.eq_any(
                reviews::table
                    .filter(reviews::cycle_id.eq(cycle_id))
                    .select(reviews::id),
            ),
        )
        .filter(assignments::status.eq_any(AssignmentStatus::AWAITING))
        .order(assignments::created_at.asc())
        .then_order_by(assignments::id.asc())
        .load(conn)?;
    Ok(rows.into_iter().map(AssignmentListing::from).collect())
}

/// Changes a pending nomination's relationship, language and organisation (a draft cycle).
pub fn update_details(
    conn: &mut AnyConnection,
    id: &AssignmentId,
    relationship: Relationship,
    locale: Locale,
    organization_id: Option<&OrganizationId>,
) -> QueryResult<bool> {
    let n = diesel::update(
        assignments::table
            .filter(assignments::id.eq(id))
            .filter(assignments::status.eq(AssignmentStatus::Pending)),
    )
    .set((
        assignments::relationship.eq(relationship),
        assignments::locale.eq(locale),
        assignments::organization_id.eq(organization_id),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Gives an assignment another rater (a corrected email address).
pub fn set_rater(
    conn: &mut AnyConnection,
    id: &AssignmentId,
    rater_id: &PersonId,
) -> QueryResult<bool> {
    let n = diesel::update(assignments::table.filter(assignments::id.eq(id)))
        .set(assignments::rater_id.eq(rater_id))
        .execute(conn)?;
    Ok(n == 1)
}

/// Deletes a nomination that was never sent (a draft cycle's): its links, sessions and
/// messages go with it; returns whether it was still pending.
pub fn delete_pending(conn: &mut AnyConnection, id: &AssignmentId) -> QueryResult<bool> {
    use super::schema::{email_bodies, email_outbox};
    delete_links(conn, id)?;
    let messages = email_outbox::table
        .filter(email_outbox::assignment_id.eq(id))
        .select(email_outbox::id);
    diesel::delete(email_bodies::table.filter(email_bodies::outbox_id.eq_any(messages)))
        .execute(conn)?;
    diesel::delete(email_outbox::table.filter(email_outbox::assignment_id.eq(id))).execute(conn)?;
    let n = diesel::delete(
        assignments::table
            .filter(assignments::id.eq(id))
            .filter(assignments::status.eq(AssignmentStatus::Pending)),
    )
    .execute(conn)?;
    Ok(n == 1)
}

/// One assignment with its rater, by id.
pub fn find_listing(
    conn: &mut AnyConnection,
    id: &AssignmentId,
) -> QueryResult<Option<AssignmentListing>> {
    let row: Option<ListingRow> = listings!()
        .filter(assignments::id.eq(id))
        .get_result(conn)
        .optional()?;
    Ok(row.map(AssignmentListing::from))
}

/// Every assignment of the rater with this email (for the rater's own request of their
/// links at `/links`), oldest first.
pub fn for_rater_email(
    conn: &mut AnyConnection,
    email: &str,
) -> QueryResult<Vec<AssignmentListing>> {
    let rows: Vec<ListingRow> = listings!()
        .filter(people::email.eq(email))
        .order(assignments::created_at.asc())
        .then_order_by(assignments::id.asc())
        .load(conn)?;
    Ok(rows.into_iter().map(AssignmentListing::from).collect())
}

/// Stores many links at once, as `(assignment, token hash)` (a launch's hundreds at a time).
pub fn add_links(
    conn: &mut AnyConnection,
    links: &[(AssignmentId, String)],
    now: NaiveDateTime,
) -> QueryResult<()> {
    for chunk in links.chunks(500) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(id, hash)| {
                (
                    rater_links::token_hash.eq(hash),
                    rater_links::assignment_id.eq(id),
                    rater_links::created_at.eq(now),
                )
            })
            .collect();
        super::native!(conn, |c| diesel::insert_into(rater_links::table)
            .values(&rows)
            .execute(c))?;
    }
    Ok(())
}

/// Ends every browser session of an assignment (revocation and re-issue).
pub fn delete_sessions(conn: &mut AnyConnection, id: &AssignmentId) -> QueryResult<usize> {
    diesel::delete(rater_sessions::table.filter(rater_sessions::assignment_id.eq(id))).execute(conn)
}

/// Deletes every link and browser session of an assignment (re-issue: old links become unknown).
pub fn delete_links(conn: &mut AnyConnection, id: &AssignmentId) -> QueryResult<usize> {
    delete_sessions(conn, id)?;
    diesel::delete(rater_links::table.filter(rater_links::assignment_id.eq(id))).execute(conn)
}

/// Marks an assignment invited once its invitation has been delivered.
pub fn mark_invited(
    conn: &mut AnyConnection,
    id: &AssignmentId,
    now: NaiveDateTime,
) -> QueryResult<()> {
    super::native!(conn, |c| diesel::update(
        assignments::table
            .filter(assignments::id.eq(id))
            .filter(assignments::status.eq(AssignmentStatus::Pending)),
    )
    .set((
        assignments::status.eq(AssignmentStatus::Invited),
        assignments::invited_at.eq(now),
    ))
    .execute(c))
    .map(|_| ())
}

/// Moves an assignment from exactly `from` to `to`, stamping the step's time; returns whether
/// it moved. A single-status filter keeps the statement in the prepared-statement cache (an
/// `IN` list does not on SQLite), which matters on the submit path.
pub fn advance(
    conn: &mut AnyConnection,
    id: &AssignmentId,
    from: AssignmentStatus,
    to: AssignmentStatus,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    use AssignmentStatus as S;
    let target = assignments::table
        .filter(assignments::id.eq(id))
        .filter(assignments::status.eq(from));
    let n = match to {
        S::Opened => diesel::update(target)
            .set((assignments::status.eq(to), assignments::opened_at.eq(now)))
            .execute(conn)?,
        S::Draft => diesel::update(target)
            .set((assignments::status.eq(to), assignments::saved_at.eq(now)))
            .execute(conn)?,
        S::Submitted => diesel::update(target)
            .set((
                assignments::status.eq(to),
                assignments::submitted_at.eq(now),
            ))
            .execute(conn)?,
        S::Revoked => diesel::update(target)
            .set((assignments::status.eq(to), assignments::revoked_at.eq(now)))
            .execute(conn)?,
        S::Pending | S::Invited | S::Declined | S::Expired => diesel::update(target)
            .set(assignments::status.eq(to))
            .execute(conn)?,
    };
    Ok(n == 1)
}

/// Moves an assignment to `to` if its status is one of `from`; returns whether it moved. Each
/// step is a compare-and-set, which is what makes exactly one of two concurrent requests win.
pub fn transition(
    conn: &mut AnyConnection,
    id: &AssignmentId,
    from: &[AssignmentStatus],
    to: AssignmentStatus,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    for &status in from {
        if advance(conn, id, status, to, now)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Declines an answerable assignment with an optional reason; returns whether it moved.
pub fn decline(
    conn: &mut AnyConnection,
    id: &AssignmentId,
    reason: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        assignments::table
            .filter(assignments::id.eq(id))
            .filter(assignments::status.eq_any(AssignmentStatus::ANSWERABLE)),
    )
    .set((
        assignments::status.eq(AssignmentStatus::Declined),
        assignments::declined_at.eq(now),
        assignments::decline_reason.eq(reason),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Marks every unanswered assignment of a cycle's reviews as expired (the cycle closed).
pub fn expire_unanswered(conn: &mut AnyConnection, cycle_id: &CycleId) -> QueryResult<usize> {
    let review_ids = reviews::table
        .filter(reviews::cycle_id.eq(cycle_id))
        .select(reviews::id);
    diesel::update(
        assignments::table
            .filter(assignments::review_id.eq_any(review_ids))
            .filter(assignments::status.eq_any(AssignmentStatus::ANSWERABLE)),
    )
    .set(assignments::status.eq(AssignmentStatus::Expired))
    .execute(conn)
}

/// Marks the unanswered assignments of one review as expired (its results became visible).
pub fn expire_unanswered_in_review(
    conn: &mut AnyConnection,
    review_id: &ReviewId,
) -> QueryResult<usize> {
    diesel::update(
        assignments::table
            .filter(assignments::review_id.eq(review_id))
            .filter(assignments::status.eq_any(AssignmentStatus::ANSWERABLE)),
    )
    .set(assignments::status.eq(AssignmentStatus::Expired))
    .execute(conn)
}
