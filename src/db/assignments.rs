//! Assignments: one rater for one review, with the hash of their link's token and their
//! progress through pending → invited → opened → draft → submitted (or declined, revoked,
//! expired).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text, Timestamp};

use super::schema::{assignments, organizations, people, rater_links, rater_sessions, reviews};
use super::AnyConnection;

/// A stored assignment.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = assignments, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct AssignmentRow {
    pub id: String,
    pub review_id: String,
    pub rater_id: String,
    pub relationship: String,
    pub locale: String,
    pub organization_id: Option<String>,
    pub status: String,
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
    pub id: &'a str,
    pub review_id: &'a str,
    pub rater_id: &'a str,
    pub relationship: &'a str,
    pub locale: &'a str,
    pub organization_id: Option<&'a str>,
    pub status: &'a str,
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
pub fn exists(conn: &mut AnyConnection, review_id: &str, rater_id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        assignments::table
            .filter(assignments::review_id.eq(review_id))
            .filter(assignments::rater_id.eq(rater_id)),
    ))
    .get_result(conn)
}

/// How a rater proves access: the link's token, or a browser session that opened the link.
#[derive(Debug, Clone)]
pub enum RaterKey {
    /// SHA-256 of the link's token.
    TokenHash(String),
    /// SHA-256 of the session cookie, and the assignment it claims.
    Session { hash: String, assignment_id: String },
}

/// Everything the rater form needs about one link, found in one query.
#[derive(Debug, Clone)]
pub struct RaterContext {
    pub assignment: AssignmentRow,
    pub rater_name: String,
    pub subject_name: String,
    pub cycle_id: String,
    pub cycle_name: String,
    pub cycle_status: String,
    pub closes_at: NaiveDateTime,
    pub strengths: Option<String>,
    pub improvements: Option<String>,
}

/// The rater context as one row of plain SQL (see [`context`]).
#[derive(QueryableByName)]
struct ContextRow {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    review_id: String,
    #[diesel(sql_type = Text)]
    rater_id: String,
    #[diesel(sql_type = Text)]
    relationship: String,
    #[diesel(sql_type = Text)]
    locale: String,
    #[diesel(sql_type = Nullable<Text>)]
    organization_id: Option<String>,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Timestamp)]
    created_at: NaiveDateTime,
    #[diesel(sql_type = Nullable<Timestamp>)]
    invited_at: Option<NaiveDateTime>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    opened_at: Option<NaiveDateTime>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    saved_at: Option<NaiveDateTime>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    submitted_at: Option<NaiveDateTime>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    declined_at: Option<NaiveDateTime>,
    #[diesel(sql_type = Nullable<Text>)]
    decline_reason: Option<String>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    revoked_at: Option<NaiveDateTime>,
    #[diesel(sql_type = Text)]
    rater_name: String,
    #[diesel(sql_type = Text)]
    subject_name: String,
    #[diesel(sql_type = Text)]
    cycle_id: String,
    #[diesel(sql_type = Text)]
    cycle_name: String,
    #[diesel(sql_type = Text)]
    cycle_status: String,
    #[diesel(sql_type = Timestamp)]
    closes_at: NaiveDateTime,
    #[diesel(sql_type = Nullable<Text>)]
    strengths: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    improvements: Option<String>,
}

const CONTEXT_SELECT: &str =
    "SELECT a.id, a.review_id, a.rater_id, a.relationship, a.locale, a.organization_id, \
     a.status, a.created_at, a.invited_at, a.opened_at, a.saved_at, a.submitted_at, a.declined_at, \
     a.decline_reason, a.revoked_at, rater.name AS rater_name, subj.name AS subject_name, \
     c.id AS cycle_id, c.name AS cycle_name, c.status AS cycle_status, c.closes_at, \
     resp.strengths, resp.improvements \
     FROM assignments a \
     JOIN reviews rv ON rv.id = a.review_id \
     JOIN cycles c ON c.id = rv.cycle_id \
     JOIN people rater ON rater.id = a.rater_id \
     JOIN people subj ON subj.id = rv.subject_id \
     LEFT JOIN responses resp ON resp.assignment_id = a.id ";

/// The assignment `key` gives access to. This is the rater's hot path, so it is one plain SQL
/// statement: diesel's query builder re-walked the five-way join on every request (~35 % of a
/// form GET, measured with callgrind).
pub fn context(conn: &mut AnyConnection, key: &RaterKey) -> QueryResult<Option<RaterContext>> {
    use diesel::sql_types::Text as T;
    let by_link = |p: &str| {
        format!("{CONTEXT_SELECT} JOIN rater_links l ON l.assignment_id = a.id WHERE l.token_hash = {p}1")
    };
    let by_session = |p: &str| {
        format!("{CONTEXT_SELECT} JOIN rater_sessions s ON s.assignment_id = a.id WHERE s.session_hash = {p}1 AND s.assignment_id = {p}2")
    };
    // placeholders differ: SQLite takes ?NNN, PostgreSQL $N
    let row: Option<ContextRow> = match (conn, key) {
        (AnyConnection::Sqlite(c), RaterKey::TokenHash(h)) => diesel::sql_query(by_link("?"))
            .bind::<T, _>(h)
            .get_result(c)
            .optional()?,
        (AnyConnection::Postgresql(c), RaterKey::TokenHash(h)) => diesel::sql_query(by_link("$"))
            .bind::<T, _>(h)
            .get_result(c)
            .optional()?,
        (
            AnyConnection::Sqlite(c),
            RaterKey::Session {
                hash,
                assignment_id,
            },
        ) => diesel::sql_query(by_session("?"))
            .bind::<T, _>(hash)
            .bind::<T, _>(assignment_id)
            .get_result(c)
            .optional()?,
        (
            AnyConnection::Postgresql(c),
            RaterKey::Session {
                hash,
                assignment_id,
            },
        ) => diesel::sql_query(by_session("$"))
            .bind::<T, _>(hash)
            .bind::<T, _>(assignment_id)
            .get_result(c)
            .optional()?,
    };
    Ok(row.map(|r| RaterContext {
        assignment: AssignmentRow {
            id: r.id,
            review_id: r.review_id,
            rater_id: r.rater_id,
            relationship: r.relationship,
            locale: r.locale,
            organization_id: r.organization_id,
            status: r.status,
            created_at: r.created_at,
            invited_at: r.invited_at,
            opened_at: r.opened_at,
            saved_at: r.saved_at,
            submitted_at: r.submitted_at,
            declined_at: r.declined_at,
            decline_reason: r.decline_reason,
            revoked_at: r.revoked_at,
        },
        rater_name: r.rater_name,
        subject_name: r.subject_name,
        cycle_id: r.cycle_id,
        cycle_name: r.cycle_name,
        cycle_status: r.cycle_status,
        closes_at: r.closes_at,
        strengths: r.strengths,
        improvements: r.improvements,
    }))
}

/// Lets the browser session `session_hash` reach `assignment_id` (idempotent).
pub fn grant_session(
    conn: &mut AnyConnection,
    session_hash: &str,
    assignment_id: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let exists: bool = diesel::select(diesel::dsl::exists(
        rater_sessions::table
            .filter(rater_sessions::session_hash.eq(session_hash))
            .filter(rater_sessions::assignment_id.eq(assignment_id)),
    ))
    .get_result(conn)?;
    if !exists {
        diesel::insert_into(rater_sessions::table)
            .values((
                rater_sessions::session_hash.eq(session_hash),
                rater_sessions::assignment_id.eq(assignment_id),
                rater_sessions::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// One assignment with the people involved, for launch, reminders and progress.
#[derive(Debug, Clone)]
pub struct AssignmentListing {
    pub assignment: AssignmentRow,
    pub rater_email: String,
    pub rater_name: String,
    pub organization: Option<String>,
}

/// Every assignment of a review, in creation order.
pub fn list_for_review(
    conn: &mut AnyConnection,
    review_id: &str,
) -> QueryResult<Vec<AssignmentListing>> {
    let rows: Vec<(AssignmentRow, String, String, Option<String>)> = assignments::table
        .inner_join(people::table.on(people::id.eq(assignments::rater_id)))
        .left_join(organizations::table)
        .filter(assignments::review_id.eq(review_id))
        .order(assignments::created_at.asc())
        .then_order_by(assignments::id.asc())
        .select((
            AssignmentRow::as_select(),
            people::email,
            people::name,
            organizations::name.nullable(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(assignment, rater_email, rater_name, organization)| AssignmentListing {
                assignment,
                rater_email,
                rater_name,
                organization,
            },
        )
        .collect())
}

/// Adds a live link (by its token hash) to an assignment.
pub fn add_link(
    conn: &mut AnyConnection,
    id: &str,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(rater_links::table)
        .values((
            rater_links::token_hash.eq(token_hash),
            rater_links::assignment_id.eq(id),
            rater_links::created_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Ends every browser session of an assignment (revocation and re-issue).
pub fn delete_sessions(conn: &mut AnyConnection, id: &str) -> QueryResult<usize> {
    diesel::delete(rater_sessions::table.filter(rater_sessions::assignment_id.eq(id))).execute(conn)
}

/// Deletes every link and browser session of an assignment (re-issue: old links become unknown).
pub fn delete_links(conn: &mut AnyConnection, id: &str) -> QueryResult<usize> {
    delete_sessions(conn, id)?;
    diesel::delete(rater_links::table.filter(rater_links::assignment_id.eq(id))).execute(conn)
}

/// Marks an assignment invited once its invitation has been delivered.
pub fn mark_invited(conn: &mut AnyConnection, id: &str, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(
        assignments::table
            .filter(assignments::id.eq(id))
            .filter(assignments::status.eq("pending")),
    )
    .set((
        assignments::status.eq("invited"),
        assignments::invited_at.eq(now),
    ))
    .execute(conn)
    .map(|_| ())
}

/// Moves an assignment from exactly `from` to `to` (a cacheable compare-and-set for the hot
/// path); returns whether it moved.
pub fn advance(
    conn: &mut AnyConnection,
    id: &str,
    from: &str,
    to: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let target = assignments::table
        .filter(assignments::id.eq(id))
        .filter(assignments::status.eq(from));
    let n = match to {
        "draft" => diesel::update(target)
            .set((assignments::status.eq(to), assignments::saved_at.eq(now)))
            .execute(conn)?,
        "submitted" => diesel::update(target)
            .set((
                assignments::status.eq(to),
                assignments::submitted_at.eq(now),
            ))
            .execute(conn)?,
        _ => diesel::update(target)
            .set(assignments::status.eq(to))
            .execute(conn)?,
    };
    Ok(n == 1)
}

/// Moves an assignment to `to` if its status is one of `from`; returns whether it moved. This
/// compare-and-set is what makes exactly one of two concurrent submits win.
pub fn transition(
    conn: &mut AnyConnection,
    id: &str,
    from: &[&str],
    to: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let target = assignments::table
        .filter(assignments::id.eq(id))
        .filter(assignments::status.eq_any(from));
    let n = match to {
        "opened" => diesel::update(target)
            .set((assignments::status.eq(to), assignments::opened_at.eq(now)))
            .execute(conn)?,
        "draft" => diesel::update(target)
            .set((assignments::status.eq(to), assignments::saved_at.eq(now)))
            .execute(conn)?,
        "submitted" => diesel::update(target)
            .set((
                assignments::status.eq(to),
                assignments::submitted_at.eq(now),
            ))
            .execute(conn)?,
        "revoked" => diesel::update(target)
            .set((assignments::status.eq(to), assignments::revoked_at.eq(now)))
            .execute(conn)?,
        _ => diesel::update(target)
            .set(assignments::status.eq(to))
            .execute(conn)?,
    };
    Ok(n == 1)
}

/// Declines an answerable assignment with an optional reason; returns whether it moved.
pub fn decline(
    conn: &mut AnyConnection,
    id: &str,
    from: &[&str],
    reason: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        assignments::table
            .filter(assignments::id.eq(id))
            .filter(assignments::status.eq_any(from)),
    )
    .set((
        assignments::status.eq("declined"),
        assignments::declined_at.eq(now),
        assignments::decline_reason.eq(reason),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Marks every unanswered assignment of a cycle's reviews as expired (the cycle closed).
pub fn expire_unanswered(
    conn: &mut AnyConnection,
    cycle_id: &str,
    answerable: &[&str],
) -> QueryResult<usize> {
    let review_ids = reviews::table
        .filter(reviews::cycle_id.eq(cycle_id))
        .select(reviews::id);
    diesel::update(
        assignments::table
            .filter(assignments::review_id.eq_any(review_ids))
            .filter(assignments::status.eq_any(answerable)),
    )
    .set(assignments::status.eq("expired"))
    .execute(conn)
}

/// Assignment counts per (cycle, status) over every cycle, in one grouped query.
pub fn status_counts(conn: &mut AnyConnection) -> QueryResult<Vec<(String, String, i64)>> {
    assignments::table
        .inner_join(reviews::table)
        .group_by((reviews::cycle_id, assignments::status))
        .select((
            reviews::cycle_id,
            assignments::status,
            diesel::dsl::count_star(),
        ))
        .load(conn)
}

/// Review counts per cycle, in one grouped query.
pub fn review_counts(conn: &mut AnyConnection) -> QueryResult<Vec<(String, i64)>> {
    reviews::table
        .group_by(reviews::cycle_id)
        .select((reviews::cycle_id, diesel::dsl::count_star()))
        .load(conn)
}
