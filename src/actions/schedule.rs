//! Work that falls due with time, run by the worker inside `kam360 serve`: closing cycles whose
//! deadline passed, reminders before the deadline, and telling supervisors when every invited
//! rater of a review has answered, and the check-ins on development goals whose date came.

use super::Tx;
use chrono::{NaiveDateTime, TimeDelta};

use super::cycles;
use crate::db::{self};
use crate::domain::rules::reminders;
use crate::domain::status::CycleStatus;
use crate::email::Kind;
use crate::error::AppResult;

/// What one pass queued.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DueReport {
    pub closed: usize,
    pub reminders: usize,
    /// Reminders held back: the rater had one less than 24 hours ago (SPEC §16).
    pub held: usize,
    pub notified: usize,
    /// Development goals checked in on (issue #21).
    pub checkins: usize,
}

/// The reminder slot (days before the deadline) due at `now`, if any: the latest one whose
/// time has come, so a late launch never sends two reminders at once.
pub fn due_slot(
    reminder_days: &[i64],
    closes_at: NaiveDateTime,
    now: NaiveDateTime,
) -> Option<i64> {
    if now >= closes_at {
        return None;
    }
    reminder_days
        .iter()
        .copied()
        .filter(|d| now >= closes_at - TimeDelta::days(*d))
        .min()
}

/// How many reminders are kept in memory before they are stored.
const REMINDERS_AT_ONCE: usize = 500;

/// Queues everything due at `now`.
#[tracing::instrument(level = "debug", skip_all)]
pub fn due_work(tx: Tx<'_>) -> AppResult<DueReport> {
    let Tx(conn, mail, _, now) = tx;
    let mut report = DueReport::default();
    // sign-in attempts quiet for a day are forgotten (their window is 15 minutes)
    db::throttle::forget_quiet(conn, now - TimeDelta::days(1))?;
    db::password_resets::forget_expired(conn, now)?;
    for id in db::cycles::open_past_deadline(conn, now)? {
        cycles::close(Tx(conn, mail, None, now), &id)?;
        report.closed += 1;
    }
    for cycle in db::cycles::list(conn)? {
        if cycle.status != CycleStatus::Open {
            continue;
        }
        // the cycle's own reminder days, else the configured ones
        let own = crate::domain::forms::cycle_settings::parse_stored_days(&cycle.reminder_days);
        let days = if own.is_empty() {
            &mail.settings.email.reminder_days
        } else {
            &own
        };
        let slot = due_slot(days, cycle.closes_at, now);
        let wording = super::links::wording(conn, &cycle.id)?;
        let recent = match slot {
            Some(_) => db::outbox::reminded_since(
                conn,
                db::outbox::Whose::Cycle(&cycle.id),
                now - reminders::gap(),
            )?,
            None => Default::default(),
        };
        // the day's reminders of a cycle share their specimens and are stored in batches
        let mut batch = super::links::Batch::sharing();
        for review in db::reviews::list_for_cycle(conn, &cycle.id)? {
            let assignments = db::assignments::list_for_review(conn, &review.review.id)?;
            let waiting = super::visibility::list_pending(conn, &review.review.id)?;
            let all_answered = crate::domain::rules::progress::everyone_answered(
                super::visibility::deciding(&assignments, waiting),
            );
            if all_answered {
                // the last rater answered since the previous pass: the latch closes now
                super::visibility::latch_if_visible_with(
                    conn,
                    &cycle,
                    &review.review.id,
                    &assignments,
                    now,
                )?;
                if cycles::notify_supervisor(Tx(conn, mail, None, now), &cycle, &review, true)? {
                    report.notified += 1;
                }
            }
            let Some(days) = slot else { continue };
            for a in &assignments {
                let waiting = a.assignment.status.awaits_answer();
                let recently_invited = a
                    .assignment
                    .invited_at
                    .is_some_and(|t| now - t < TimeDelta::hours(24));
                let key_slot = days.to_string();
                if !waiting
                    || recently_invited
                    || db::outbox::has_key(
                        conn,
                        &format!("reminder:{}:{}", a.assignment.id, key_slot),
                    )?
                {
                    continue;
                }
                if reminders::held_until(recent.get(&a.assignment.id).copied(), now).is_some() {
                    report.held += 1;
                    continue;
                }
                batch.add(
                    mail,
                    &super::links::About::of(&cycle, &wording, &review.subject_name),
                    a,
                    Kind::Reminder,
                    &key_slot,
                    now,
                )?;
                report.reminders += 1;
            }
            if batch.len() >= REMINDERS_AT_ONCE {
                batch.store(conn, now)?;
            }
        }
        batch.store(conn, now)?;
    }
    report.checkins = super::release::due_checkins(Tx(conn, mail, None, now))?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: u32, hour: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 12, day)
            .and_then(|d| d.and_hms_opt(hour, 0, 0))
            .expect("date")
    }

    #[test]
    fn the_latest_due_slot_is_chosen_and_none_after_close() {
        let close = at(20, 0);
        assert_eq!(due_slot(&[7, 2], close, at(10, 0)), None);
        assert_eq!(due_slot(&[7, 2], close, at(13, 0)), Some(7));
        assert_eq!(due_slot(&[7, 2], close, at(18, 1)), Some(2));
        assert_eq!(due_slot(&[7, 2], close, at(20, 0)), None);
    }
}
