//! Retention (SPEC §14): a closed cycle is archived, and an archived cycle's individual
//! answers can be purged, keeping what the organisation decided: the consolidated (final)
//! levels with their rationales, and the audit trail. SQLite's `secure_delete` zeroes what is
//! deleted; the caller scrubs the files afterwards.

use crate::domain::audit::Action;
use crate::domain::ids::{CycleId, PersonId};
use chrono::NaiveDateTime;

use super::find_cycle;
use crate::db::{self, AnyConnection};
use crate::domain::status::CycleStatus;
use crate::error::{AppError, AppResult};

/// What a purge removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    /// Individual ratings (levels and comments).
    pub ratings: usize,
    /// Answers' overall texts (strengths, improvements).
    pub responses: usize,
}

/// Archives a closed cycle (it can then be purged; nothing else changes).
#[tracing::instrument(level = "debug", skip_all)]
pub fn archive(conn: &mut AnyConnection, cycle_id: &CycleId, now: NaiveDateTime) -> AppResult<()> {
    archive_by(conn, cycle_id, None, now)
}

/// [`archive`] by a signed-in admin (`actor`, for the audit trail).
#[tracing::instrument(level = "debug", skip_all)]
pub fn archive_by(
    conn: &mut AnyConnection,
    cycle_id: &CycleId,
    actor: Option<&PersonId>,
    now: NaiveDateTime,
) -> AppResult<()> {
    let cycle = find_cycle(conn, cycle_id)?;
    super::cycles::refuse_step(
        conn,
        &cycle,
        crate::domain::rules::lifecycle::Step::Archive,
        now,
    )?;
    if !db::cycles::transition(
        conn,
        &cycle.id,
        CycleStatus::Closed,
        CycleStatus::Archived,
        now,
    )? {
        return Err(AppError::Conflict(
            "the cycle was archived by someone else".into(),
        ));
    }
    db::audit::Event::new(Action::CycleArchive)
        .by(actor)
        .cycle(&cycle.id)
        .old_value(CycleStatus::Closed.as_str())
        .new_value(CycleStatus::Archived.as_str())
        .record(conn, now)?;
    Ok(())
}

/// Deletes an archived cycle's individual answers, comments, decline reasons and rater
/// sessions; keeps the final levels, rationales and the audit trail.
#[tracing::instrument(level = "debug", skip_all)]
pub fn purge_keep_final(
    conn: &mut AnyConnection,
    cycle_id: &CycleId,
    now: NaiveDateTime,
) -> AppResult<Purged> {
    let cycle = find_cycle(conn, cycle_id)?;
    if cycle.status != CycleStatus::Archived {
        return Err(AppError::Invalid(format!(
            "the cycle is {}: archive it first (kam360 cycle archive), then purge",
            cycle.status
        )));
    }
    let (ratings, responses) = db::responses::purge_for_cycle(conn, &cycle.id)?;
    db::audit::Event::new(Action::CyclePurge)
        .cycle(&cycle.id)
        .new_value(&format!(
            "{ratings} ratings and {responses} answers deleted; final levels kept"
        ))
        .record(conn, now)?;
    Ok(Purged { ratings, responses })
}
