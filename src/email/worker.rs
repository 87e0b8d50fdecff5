//! The outbox worker: claims due messages by lease, sends them, and records the outcome;
//! transient failures retry with exponential back-off and jitter, permanent ones fail at once,
//! and anything older than `email.max_age_hours` fails for good. Runs inside `kam360 serve`
//! and as `kam360 outbox flush`.

use chrono::{NaiveDateTime, TimeDelta};
use futures_util::future::OptionFuture;
use rand::Rng;

use super::{Kind, Mailer};
use crate::config::Settings;
use crate::db::outbox::{OutboxRow, Outgoing};
use crate::db::{self, outbox, Db};
use crate::error::AppError;

/// What one flush did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlushReport {
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
}

/// The delay before attempt `attempts + 1`: base · 2^(attempts−1), ±25 % jitter, at most 1 h.
pub fn backoff(attempts: i32, base_seconds: i64) -> TimeDelta {
    let exp = u32::try_from(attempts.saturating_sub(1).clamp(0, 16)).unwrap_or(0);
    let secs = (base_seconds.max(1) as f64) * f64::from(2u32.pow(exp));
    let jitter = rand::rng().random_range(0.75..1.25);
    let capped = (secs * jitter).min(3600.0);
    TimeDelta::milliseconds((capped * 1000.0) as i64)
}

/// Delivers every message that is due now, then returns. `email.concurrency` lanes each deliver
/// one message and have its outcome stored before delivering the next, so a worker that dies
/// re-sends at most one message per lane (with the same Message-ID); the lanes' stores are
/// grouped into shared commits, so no lane waits for the slowest of a chunk.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn flush(db: &Db, mailer: &Mailer, settings: &Settings) -> Result<FlushReport, AppError> {
    deliver(db, mailer, settings, &crate::telemetry::Silent).await
}

/// [`flush`], telling `progress` how many messages are due and each one settled (sent, to
/// retry or failed). Only a watched flush counts them first: the server's flush every two
/// seconds does not.
pub async fn flush_watched(
    db: &Db,
    mailer: &Mailer,
    settings: &Settings,
    progress: &dyn crate::telemetry::Progress,
) -> Result<FlushReport, AppError> {
    let due = db
        .read(|c| Ok::<_, AppError>(db::outbox::due_count(c, db::now())?))
        .await?;
    progress.total(u64::try_from(due).unwrap_or(0));
    deliver(db, mailer, settings, progress).await
}

async fn deliver(
    db: &Db,
    mailer: &Mailer,
    settings: &Settings,
    progress: &dyn crate::telemetry::Progress,
) -> Result<FlushReport, AppError> {
    let concurrency = settings.email.concurrency.max(1);
    let queue = Queue {
        db,
        lease: TimeDelta::seconds(settings.email.lease_seconds),
        // several rounds of work per claim: each claim is a durable commit
        batch_size: concurrency * 8,
        state: tokio::sync::Mutex::new(Claimed::default()),
    };
    // polled as each is woken: `join_all` of up to 30 futures polls every one of them on
    // every wake-up (each SMTP reply and each stored outcome)
    let lanes: futures_util::stream::FuturesUnordered<_> = (0..concurrency)
        .map(|_| lane(&queue, db, mailer, settings, progress))
        .collect();
    let mut report = FlushReport::default();
    // every lane finishes (none is dropped mid-send) before an error is returned
    for lane in futures_util::StreamExt::collect::<Vec<_>>(lanes).await {
        let r = lane?;
        report.sent += r.sent;
        report.retried += r.retried;
        report.failed += r.failed;
    }
    // delivered or failed link bodies were deleted: drop the specimens no body needs any more,
    // and leave none of their bytes in the files
    if report.sent + report.failed > 0 {
        db.write(|c| Ok::<_, AppError>(outbox::drop_unused_specimens(c)?))
            .await?;
        db.scrub().await?;
    }
    Ok(report)
}

/// The claimed messages the lanes share; claims a new batch when it runs dry.
struct Queue<'a> {
    db: &'a Db,
    lease: TimeDelta,
    batch_size: usize,
    state: tokio::sync::Mutex<Claimed>,
}

/// What a worker holds between claims.
#[derive(Default)]
struct Claimed {
    /// Claimed messages no lane has taken yet.
    rows: std::collections::VecDeque<Outgoing>,
    /// The last claim found nothing due.
    drained: bool,
}

impl Queue<'_> {
    /// The next claimed message whose lease leaves time for a send (at least half of it), so
    /// that no other worker can have re-claimed it while it is in flight. When the lease of
    /// what is left has run that short, those messages are given back and claimed anew.
    async fn next(&self) -> Result<Option<Outgoing>, AppError> {
        let mut state = self.state.lock().await;
        loop {
            if state.rows.is_empty() {
                if state.drained {
                    return Ok(None);
                }
                let now = db::now();
                let (lease, size) = (self.lease, self.batch_size);
                // each claim is its own compare-and-set, so racing workers split the queue
                let batch = self
                    .db
                    .write(move |c| {
                        Ok::<_, AppError>(outbox::claim_batch(c, now, now + lease, size)?)
                    })
                    .await?;
                state.drained = batch.is_empty();
                state.rows.extend(batch);
                continue;
            }
            let now = db::now();
            let fresh = |m: &Outgoing| m.row.lease_until.is_some_and(|t| t - now >= self.lease / 2);
            if state.rows.front().is_some_and(fresh) {
                return Ok(state.rows.pop_front());
            }
            let stale: Vec<(crate::domain::ids::MessageId, i32)> = state
                .rows
                .drain(..)
                .map(|m| (m.row.id, m.row.attempts))
                .collect();
            tracing::info!(
                messages = stale.len(),
                "outbox lease running short: claiming again"
            );
            self.db
                .write(move |c| Ok::<_, AppError>(outbox::release(c, &stale, now)?))
                .await?;
        }
    }
}

/// One lane: send, store the outcome, repeat until nothing is due. The next message is staged
/// (its envelope sent and accepted) while the previous outcome is being stored, and delivered
/// only once that outcome is stored: at any moment a lane has at most one message that the
/// server accepted and the outbox does not yet know about.
async fn lane(
    queue: &Queue<'_>,
    db: &Db,
    mailer: &Mailer,
    settings: &Settings,
    progress: &dyn crate::telemetry::Progress,
) -> Result<FlushReport, AppError> {
    let mut report = FlushReport::default();
    let mut storing = None;
    while let Some(Outgoing { row, mime }) = queue.next().await? {
        let (staged, stored) = tokio::join!(
            mailer.stage(&row, &mime),
            OptionFuture::from(storing.take())
        );
        // on an error here the staged message is dropped undelivered
        stored.transpose()?;
        let outcome = match staged {
            Ok(message) => message.deliver().await,
            Err(e) => Err(e),
        };
        let update = settle(row, outcome, settings, &mut report);
        progress.advance(1);
        storing = Some(store(db, update));
    }
    if let Some(last) = storing {
        last.await?;
    }
    Ok(report)
}

/// Stores one message's outcome (when awaited).
fn store(db: &Db, update: Outcome) -> impl std::future::Future<Output = Result<(), AppError>> + '_ {
    let now = db::now();
    db.write(move |c| record(c, &update, now))
}

/// What became of one claimed message: delivered, or the error and when to try again (none:
/// failed for good).
struct Outcome {
    row: OutboxRow,
    result: Result<(), Failed>,
}

struct Failed {
    error: String,
    next: Option<NaiveDateTime>,
}

/// Decides what to store for a sent or failed message (and counts it).
fn settle(
    row: OutboxRow,
    outcome: Result<(), super::mailer::SendError>,
    settings: &Settings,
    report: &mut FlushReport,
) -> Outcome {
    match outcome {
        Ok(()) => {
            report.sent += 1;
            Outcome {
                row,
                result: Ok(()),
            }
        }
        Err(e) => {
            let now = db::now();
            let give_up = !e.transient
                || now - row.created_at >= TimeDelta::hours(settings.email.max_age_hours);
            tracing::warn!(message_id = %row.message_id, attempts = row.attempts, transient = e.transient, "email not delivered: {}", e.message);
            if give_up {
                report.failed += 1;
            } else {
                report.retried += 1;
            }
            let next =
                (!give_up).then(|| now + backoff(row.attempts, settings.email.retry_base_seconds));
            Outcome {
                row,
                result: Err(Failed {
                    error: e.message,
                    next,
                }),
            }
        }
    }
}

/// Stores the outcome of one message; a delivered invitation or resend marks its rater invited.
fn record(c: &mut db::AnyConnection, update: &Outcome, now: NaiveDateTime) -> Result<(), AppError> {
    let row = &update.row;
    match &update.result {
        Ok(()) => {
            let linked = matches!(row.kind, Kind::Invitation | Kind::Resend);
            if outbox::mark_sent(c, &row.id, row.attempts, now)? && linked {
                if let Some(a) = &row.assignment_id {
                    db::assignments::mark_invited(c, a, now)?;
                }
            }
        }
        Err(Failed { error, next }) => {
            outbox::mark_unsent(c, &row.id, row.attempts, error, *next)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        for attempts in 1..6 {
            let d = backoff(attempts, 30).num_milliseconds();
            let nominal = 30_000 * 2i64.pow(attempts as u32 - 1);
            assert!(
                d >= nominal * 3 / 4 && d <= nominal * 5 / 4,
                "{attempts}: {d}"
            );
        }
        assert!(backoff(40, 30).num_seconds() <= 3600);
    }
}
