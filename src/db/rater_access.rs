//! How a rater's requests find their assignment: by the link's token hash or by a browser
//! session the link opened, in one statement that also brings the saved answers (the form
//! GET's hot path: native connections, static queries). Also the sessions themselves.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{assignments, cycles, people, rater_links, rater_sessions, responses, reviews};
use super::{AnyConnection, DbError};
use crate::domain::ids::{AssignmentId, CycleId, PersonId};
use crate::domain::locale::Locale;
use crate::domain::relationship::Relationship;
use crate::domain::status::{AssignmentStatus, CycleStatus};

/// How a rater proves access: the link's token, or a browser session that opened the link.
#[derive(Debug, Clone)]
pub enum RaterKey {
    /// SHA-256 of the link's token.
    TokenHash(String),
    /// SHA-256 of the session cookie, and the assignment it claims.
    Session {
        hash: String,
        assignment_id: AssignmentId,
    },
}

/// What the rater's pages need of their assignment (the columns they read, nothing more: the
/// form GET decodes this row on every request).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = assignments, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct RaterAssignment {
    pub id: AssignmentId,
    pub relationship: Relationship,
    pub locale: Locale,
    pub status: AssignmentStatus,
    pub submitted_at: Option<NaiveDateTime>,
}

/// Everything the rater form needs about one link, found in one query.
#[derive(Debug, Clone, Queryable)]
pub struct RaterContext {
    pub assignment: RaterAssignment,
    pub subject_name: String,
    pub cycle_id: CycleId,
    pub cycle_name: String,
    pub cycle_status: CycleStatus,
    pub closes_at: NaiveDateTime,
    /// The cycle's k: the smallest group whose answers are shown (SPEC §7).
    pub min_group_size: i32,
    /// The IANA zone the deadline is shown in.
    pub time_zone: String,
    pub strengths: Option<String>,
    pub improvements: Option<String>,
    /// The saved ratings, as [`super::responses::DraftRatings`] gives them; see
    /// [`RaterContext::draft`].
    draft: String,
}

impl RaterContext {
    /// The deadline with its zone.
    pub fn deadline(&self) -> crate::domain::dates::Deadline {
        crate::domain::dates::Deadline::new(self.closes_at, &self.time_zone)
    }

    /// The saved ratings (of a draft, or of the submitted answers).
    pub fn draft(&self) -> QueryResult<Vec<super::responses::RatingRow>> {
        super::responses::parse_draft(&self.assignment.id, &self.draft)
    }
}

/// The statement for `$key`, bound to `$q` in `$body` (one static query per kind of key:
/// static queries stay in the prepared-statement caches, which matters on the rater's hot
/// path; a boxed query would be prepared on every request).
macro_rules! context_query {
    ($key:expr, |$q:ident| $body:expr) => {{
        macro_rules! joined {
            ($from:expr) => {
                $from
                    .inner_join(
                        assignments::table.inner_join(reviews::table.inner_join(cycles::table)),
                    )
                    .inner_join(people::table.on(people::id.eq(reviews::subject_id)))
                    .left_join(responses::table.on(responses::assignment_id.eq(assignments::id)))
                    .select((
                        RaterAssignment::as_select(),
                        people::name,
                        cycles::id,
                        cycles::name,
                        cycles::status,
                        cycles::closes_at,
                        cycles::min_group_size,
                        cycles::time_zone,
                        responses::strengths.nullable(),
                        responses::improvements.nullable(),
                        super::responses::DraftRatings,
                    ))
            };
        }
        match $key {
            RaterKey::TokenHash(h) => {
                let $q = joined!(rater_links::table).filter(rater_links::token_hash.eq(h));
                $body
            }
            RaterKey::Session {
                hash,
                assignment_id,
            } => {
                let $q = joined!(rater_sessions::table)
                    .filter(rater_sessions::session_hash.eq(hash))
                    .filter(rater_sessions::assignment_id.eq(assignment_id));
                $body
            }
        }
    }};
}

/// The assignment `key` gives access to, with its saved answers, in one statement.
fn context(conn: &mut AnyConnection, key: &RaterKey) -> QueryResult<Option<RaterContext>> {
    super::native!(conn, |c| context_query!(key, |q| q
        .get_result(c)
        .optional()))
}

/// [`context`] for a request: on PostgreSQL awaited over the serving worker's own connection
/// (`super::pipelined`), otherwise, or when that connection cannot serve, through the pool.
pub async fn find(db: &super::Db, key: RaterKey) -> Result<Option<RaterContext>, DbError> {
    if let Ok(pipelined) = db.pipelined() {
        if let Some(conn) = pipelined.connection().await {
            let found = context_query!(&key, |q| {
                let lookup = diesel_async::RunQueryDsl::get_result(q, &mut &*conn);
                tokio::time::timeout(super::pipelined::PATIENCE, lookup).await
            });
            let failed = match found.map(OptionalExtension::optional) {
                Ok(Ok(found)) => return Ok(found),
                Ok(Err(e)) => e.to_string(),
                Err(_) => "no answer in time".to_owned(),
            };
            tracing::warn!(
                error = failed,
                "PostgreSQL: a worker's own connection failed; it is reopened"
            );
            pipelined.discard(&conn);
        }
    }
    db.read_point(move |c| Ok::<_, DbError>(context(c, &key)?))
        .await
}

/// The deadline of `assignment_id` if it is `person_id`'s own supervisor rating (the only
/// assignment a signed-in supervisor may open from their home page).
pub fn own_supervisor_deadline(
    conn: &mut AnyConnection,
    assignment: &AssignmentId,
    person: &PersonId,
) -> QueryResult<Option<NaiveDateTime>> {
    assignments::table
        .inner_join(reviews::table.inner_join(cycles::table))
        .filter(assignments::id.eq(assignment.as_str()))
        .filter(assignments::rater_id.eq(person.as_str()))
        .filter(assignments::relationship.eq(Relationship::Supervisor))
        .select(cycles::closes_at)
        .get_result(conn)
        .optional()
}

/// Whether a rater session with this hash exists (the server issued it).
pub fn session_known(conn: &mut AnyConnection, session_hash: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        rater_sessions::table.filter(rater_sessions::session_hash.eq(session_hash)),
    ))
    .get_result(conn)
}

/// Lets the browser session `session_hash` reach `assignment_id` (idempotent).
pub fn grant_session(
    conn: &mut AnyConnection,
    session_hash: &str,
    assignment_id: &AssignmentId,
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

/// One request a browser session can still answer.
#[derive(Debug, Clone, Queryable)]
pub struct OpenRequest {
    pub assignment_id: AssignmentId,
    pub subject_name: String,
    pub relationship: Relationship,
}

/// The other requests this browser session opened that can still be answered at `now` (the
/// thank-you page's next step), oldest first.
pub fn open_in_session(
    conn: &mut AnyConnection,
    session_hash: &str,
    except: &AssignmentId,
    now: NaiveDateTime,
) -> QueryResult<Vec<OpenRequest>> {
    rater_sessions::table
        .inner_join(
            assignments::table.inner_join(
                reviews::table
                    .inner_join(cycles::table)
                    .inner_join(people::table.on(people::id.eq(reviews::subject_id))),
            ),
        )
        .filter(rater_sessions::session_hash.eq(session_hash))
        .filter(assignments::id.ne(except))
        .filter(assignments::status.eq_any(AssignmentStatus::ANSWERABLE))
        .filter(cycles::status.eq(CycleStatus::Open))
        .filter(cycles::closes_at.gt(now))
        .order((assignments::created_at.asc(), assignments::id.asc()))
        .select((assignments::id, people::name, assignments::relationship))
        .load(conn)
}
