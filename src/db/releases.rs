//! A signed-off review released to its KAM (SPEC §12): the release, the KAM's links (token
//! hashes only), the acknowledgement and the development plan.

use crate::domain::ids::{GoalId, PersonId, ReviewId};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{development_goals, kam_links, report_releases};
use super::AnyConnection;
use crate::domain::forms::plan::{Goal, Progress};
use crate::domain::status::GoalProgress;

/// A review's release.
#[derive(Debug, Clone, Queryable)]
pub struct ReleaseRow {
    pub released_at: NaiveDateTime,
    pub released_by: PersonId,
    pub acknowledged_at: Option<NaiveDateTime>,
}

/// The release of `review_id`, if it was released.
pub fn find(conn: &mut AnyConnection, review_id: &ReviewId) -> QueryResult<Option<ReleaseRow>> {
    report_releases::table
        .find(review_id)
        .select((
            report_releases::released_at,
            report_releases::released_by,
            report_releases::acknowledged_at,
        ))
        .get_result(conn)
        .optional()
}

/// Records the release (a second release keeps the first one's date).
pub fn insert(
    conn: &mut AnyConnection,
    review_id: &ReviewId,
    by: &PersonId,
    now: NaiveDateTime,
) -> QueryResult<()> {
    super::native!(conn, |c| diesel::insert_into(report_releases::table)
        .values((
            report_releases::review_id.eq(review_id),
            report_releases::released_at.eq(now),
            report_releases::released_by.eq(by),
        ))
        .on_conflict_do_nothing()
        .execute(c))
    .map(|_| ())
}

/// Stores a KAM link by its token's hash.
pub fn add_link(
    conn: &mut AnyConnection,
    token_hash: &str,
    review_id: &ReviewId,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(kam_links::table)
        .values((
            kam_links::token_hash.eq(token_hash),
            kam_links::review_id.eq(review_id),
            kam_links::created_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The released review a KAM link opens.
pub fn review_for_link(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> QueryResult<Option<ReviewId>> {
    kam_links::table
        .inner_join(report_releases::table.on(report_releases::review_id.eq(kam_links::review_id)))
        .filter(kam_links::token_hash.eq(token_hash))
        .select(kam_links::review_id)
        .get_result(conn)
        .optional()
}

/// Marks the report acknowledged (once); whether this call did it.
pub fn acknowledge(
    conn: &mut AnyConnection,
    review_id: &ReviewId,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        report_releases::table
            .find(review_id)
            .filter(report_releases::acknowledged_at.is_null()),
    )
    .set(report_releases::acknowledged_at.eq(now))
    .execute(conn)
    .map(|n| n == 1)
}

/// One goal of a plan, as stored.
#[derive(Debug, Clone, Queryable)]
pub struct GoalRow {
    pub id: GoalId,
    pub position: i32,
    pub criterion_id: String,
    pub goal: String,
    pub actions: String,
    pub target_date: NaiveDate,
    pub supervisor_comment: String,
    pub progress: GoalProgress,
    pub progress_note: String,
    pub progress_at: Option<NaiveDateTime>,
    pub checkins_sent: i32,
    pub last_checkin_at: Option<NaiveDateTime>,
}

macro_rules! goal_columns {
    () => {
        (
            development_goals::id,
            development_goals::position,
            development_goals::criterion_id,
            development_goals::goal,
            development_goals::actions,
            development_goals::target_date,
            development_goals::supervisor_comment,
            development_goals::progress,
            development_goals::progress_note,
            development_goals::progress_at,
            development_goals::checkins_sent,
            development_goals::last_checkin_at,
        )
    };
}

/// The plan of a review, in order.
pub fn goals(conn: &mut AnyConnection, review_id: &ReviewId) -> QueryResult<Vec<GoalRow>> {
    development_goals::table
        .filter(development_goals::review_id.eq(review_id))
        .order(development_goals::position.asc())
        .select(goal_columns!())
        .load(conn)
}

/// The plans of several reviews, in one query: (review, goal), each plan in order.
pub fn goals_of(
    conn: &mut AnyConnection,
    reviews: &[ReviewId],
) -> QueryResult<Vec<(ReviewId, GoalRow)>> {
    super::chunked(reviews, |chunk| {
        development_goals::table
            .filter(development_goals::review_id.eq_any(chunk))
            .order((
                development_goals::review_id.asc(),
                development_goals::position.asc(),
            ))
            .select((development_goals::review_id, goal_columns!()))
            .load(conn)
    })
}

/// What replacing a plan did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Replaced {
    /// Goals that kept their identity (comment and progress).
    pub kept: usize,
    pub added: usize,
    pub removed: usize,
}

/// Replaces the plan: a goal whose row carried its id and that stays on its criterion is the
/// same goal (it keeps its id, the supervisor's comment and its progress, wherever it now
/// stands; a new target date starts its check-ins again); the others are new, and stored goals
/// left out are removed. The plan is written anew (its places are unique, 1 to 5).
pub fn replace_goals(
    conn: &mut AnyConnection,
    review_id: &ReviewId,
    new: &[Goal],
    now: NaiveDateTime,
) -> QueryResult<Replaced> {
    let old = goals(conn, review_id)?;
    diesel::delete(development_goals::table.filter(development_goals::review_id.eq(review_id)))
        .execute(conn)?;
    let mut done = Replaced::default();
    for (i, g) in new.iter().enumerate() {
        let position = i32::try_from(i + 1).unwrap_or(i32::MAX);
        let same = g.id.as_ref().and_then(|id| {
            old.iter()
                .find(|o| &o.id == id && o.criterion_id == g.criterion_id)
        });
        let fresh = GoalRow {
            id: GoalId::generate(),
            position,
            criterion_id: g.criterion_id.clone(),
            goal: String::new(),
            actions: String::new(),
            target_date: g.target_date,
            supervisor_comment: String::new(),
            progress: GoalProgress::NotStarted,
            progress_note: String::new(),
            progress_at: None,
            checkins_sent: 0,
            last_checkin_at: None,
        };
        let kept = same.cloned().unwrap_or(fresh);
        if same.is_some() {
            done.kept += 1;
        } else {
            done.added += 1;
        }
        let moved = kept.target_date != g.target_date;
        diesel::insert_into(development_goals::table)
            .values((
                development_goals::id.eq(&kept.id),
                development_goals::review_id.eq(review_id),
                development_goals::position.eq(position),
                development_goals::criterion_id.eq(&g.criterion_id),
                development_goals::goal.eq(&g.goal),
                development_goals::actions.eq(&g.actions),
                development_goals::target_date.eq(g.target_date),
                development_goals::supervisor_comment.eq(&kept.supervisor_comment),
                development_goals::updated_at.eq(now),
                development_goals::progress.eq(kept.progress),
                development_goals::progress_note.eq(&kept.progress_note),
                development_goals::progress_at.eq(kept.progress_at),
                development_goals::checkins_sent.eq(if moved { 0 } else { kept.checkins_sent }),
                development_goals::last_checkin_at.eq(if moved {
                    None
                } else {
                    kept.last_checkin_at
                }),
            ))
            .execute(conn)?;
    }
    done.removed = old.len() - done.kept;
    Ok(done)
}

/// Sets the supervisor's comment on a goal of the review; whether there was one.
pub fn set_comment(
    conn: &mut AnyConnection,
    review_id: &ReviewId,
    goal: &GoalId,
    comment: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        development_goals::table
            .filter(development_goals::review_id.eq(review_id))
            .filter(development_goals::id.eq(goal)),
    )
    .set((
        development_goals::supervisor_comment.eq(comment),
        development_goals::updated_at.eq(now),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Records a goal's progress; whether it changed anything.
pub fn set_progress(
    conn: &mut AnyConnection,
    review_id: &ReviewId,
    p: &Progress,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        development_goals::table
            .filter(development_goals::review_id.eq(review_id))
            .filter(development_goals::id.eq(&p.id))
            .filter(
                development_goals::progress
                    .ne(p.progress)
                    .or(development_goals::progress_note.ne(&p.note)),
            ),
    )
    .set((
        development_goals::progress.eq(p.progress),
        development_goals::progress_note.eq(&p.note),
        development_goals::progress_at.eq(now),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// A goal that may be due a check-in: not done, of a released review whose cycle is not
/// archived, with what the check-in needs.
#[derive(Debug, Clone, Queryable)]
pub struct CheckinCandidate {
    pub review_id: ReviewId,
    pub goal_id: GoalId,
    pub position: i32,
    pub criterion_id: String,
    pub goal: String,
    pub target_date: NaiveDate,
    pub checkins_sent: i32,
    pub time_zone: String,
}

/// Goals not done whose target date is on or before `latest` and that have had fewer than
/// `most` check-ins (`latest` is the day after today in UTC, so every zone's today is in).
pub fn checkin_candidates(
    conn: &mut AnyConnection,
    latest: NaiveDate,
    most: i32,
) -> QueryResult<Vec<CheckinCandidate>> {
    use super::schema::{cycles, reviews};
    development_goals::table
        .inner_join(reviews::table.on(reviews::id.eq(development_goals::review_id)))
        .inner_join(cycles::table.on(cycles::id.eq(reviews::cycle_id)))
        .inner_join(report_releases::table.on(report_releases::review_id.eq(reviews::id)))
        .filter(development_goals::progress.ne(GoalProgress::Done))
        .filter(cycles::status.ne(crate::domain::status::CycleStatus::Archived))
        .filter(development_goals::target_date.le(latest))
        .filter(development_goals::checkins_sent.lt(most))
        .order((development_goals::review_id, development_goals::position))
        .select((
            development_goals::review_id,
            development_goals::id,
            development_goals::position,
            development_goals::criterion_id,
            development_goals::goal,
            development_goals::target_date,
            development_goals::checkins_sent,
            cycles::time_zone,
        ))
        .load(conn)
}

/// Counts a check-in sent about a goal (compare-and-set on the count, so two passes never
/// count one twice); whether this call counted it.
pub fn count_checkin(
    conn: &mut AnyConnection,
    goal: &GoalId,
    sent_before: i32,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        development_goals::table
            .find(goal)
            .filter(development_goals::checkins_sent.eq(sent_before)),
    )
    .set((
        development_goals::checkins_sent.eq(sent_before + 1),
        development_goals::last_checkin_at.eq(now),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// The signed-off reviews of a cycle not released yet, by KAM.
pub fn unreleased_signed_off(
    conn: &mut AnyConnection,
    cycle_id: &crate::domain::ids::CycleId,
) -> QueryResult<Vec<ReviewId>> {
    use super::schema::{people, reviews};
    reviews::table
        .inner_join(people::table.on(people::id.eq(reviews::subject_id)))
        .left_join(report_releases::table.on(report_releases::review_id.eq(reviews::id)))
        .filter(reviews::cycle_id.eq(cycle_id))
        .filter(reviews::status.eq(crate::domain::status::ReviewStatus::Finalized))
        .filter(report_releases::review_id.nullable().is_null())
        .order(people::email.asc())
        .select(reviews::id)
        .load(conn)
}

/// Which of these reviews' reports were acknowledged, in one query.
pub fn acknowledged_of(
    conn: &mut AnyConnection,
    reviews: &[ReviewId],
) -> QueryResult<Vec<ReviewId>> {
    super::chunked(reviews, |chunk| {
        report_releases::table
            .filter(report_releases::review_id.eq_any(chunk))
            .filter(report_releases::acknowledged_at.is_not_null())
            .select(report_releases::review_id)
            .load(conn)
    })
}
