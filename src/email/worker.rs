//! The outbox worker: claims due messages by lease, sends them, and records the outcome;
//! transient failures retry with exponential back-off and jitter, permanent ones fail at once,
//! and anything older than `email.max_age_hours` fails for good. Runs inside `kam360 serve`
//! and as `kam360 outbox flush`.

use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta};
use rand::Rng;

use super::Mailer;
use crate::config::Settings;
use crate::db::outbox::OutboxRow;
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

/// Delivers every message that is due now, `email.concurrency` at a time, then returns.
pub async fn flush(db: &Db, mailer: &Mailer, settings: &Settings) -> Result<FlushReport, AppError> {
    let mut report = FlushReport::default();
    let lease = TimeDelta::seconds(settings.email.lease_seconds);
    // claim several rounds of work per transaction (each claim and each record is a durable
    // commit), then send `concurrency` at a time
    let concurrency = settings.email.concurrency.max(1);
    let batch_size = concurrency * 8;
    loop {
        let now = db::now();
        // claim a batch: each claim is its own compare-and-set, so racing workers split the queue
        let batch = db
            .write(move |c| {
                let rows = outbox::claim_batch(c, now, now + lease, batch_size)?;
                Ok::<_, AppError>(rows)
            })
            .await?;
        if batch.is_empty() {
            return Ok(report);
        }
        // each chunk's outcomes are recorded before the next chunk is sent: a worker that dies
        // can re-send at most the messages it had in flight (same Message-ID)
        let mut batch = batch;
        while !batch.is_empty() {
            let rest = batch.split_off(concurrency.min(batch.len()));
            let chunk = std::mem::replace(&mut batch, rest);
            let outcomes =
                futures_util::future::join_all(chunk.iter().map(|row| mailer.send(row))).await;
            let updates = settle(chunk, outcomes, settings, &mut report);
            let now = db::now();
            db.write(move |c| record(c, &updates, now)).await?;
        }
    }
}

type Outcome = (OutboxRow, Result<(), (String, Option<NaiveDateTime>)>);

/// Decides, for each sent or failed message, what to store (and counts it).
fn settle(
    chunk: Vec<OutboxRow>,
    outcomes: Vec<Result<(), super::mailer::SendError>>,
    settings: &Settings,
    report: &mut FlushReport,
) -> Vec<Outcome> {
    let now = db::now();
    let max_age = TimeDelta::hours(settings.email.max_age_hours);
    let base = settings.email.retry_base_seconds;
    chunk
        .into_iter()
        .zip(outcomes)
        .map(|(row, outcome)| match outcome {
            Ok(()) => {
                report.sent += 1;
                (row, Ok(()))
            }
            Err(e) => {
                let give_up = !e.transient || now - row.created_at >= max_age;
                tracing::warn!(message_id = %row.message_id, attempts = row.attempts, transient = e.transient, "email not delivered: {}", e.message);
                if give_up {
                    report.failed += 1;
                } else {
                    report.retried += 1;
                }
                let next = (!give_up).then(|| now + backoff(row.attempts, base));
                (row, Err((e.message, next)))
            }
        })
        .collect()
}

/// Stores the outcomes of one chunk; a delivered invitation or resend marks its rater invited.
fn record(
    c: &mut db::AnyConnection,
    updates: &[Outcome],
    now: NaiveDateTime,
) -> Result<(), AppError> {
    for (row, outcome) in updates {
        match outcome {
            Ok(()) => {
                let linked = row.kind == "invitation" || row.kind == "resend";
                if outbox::mark_sent(c, &row.id, row.attempts, now)? && linked {
                    if let Some(a) = &row.assignment_id {
                        db::assignments::mark_invited(c, a, now)?;
                    }
                }
            }
            Err((message, next)) => {
                outbox::mark_unsent(c, &row.id, row.attempts, message, *next)?;
            }
        }
    }
    Ok(())
}

/// Runs until the server stops: delivers the outbox every two seconds and queues what falls
/// due with time (closings, reminders, supervisor notices) every minute.
pub async fn run(
    db: Db,
    mailer: Arc<Mailer>,
    settings: Arc<Settings>,
    templates: Arc<super::Templates>,
) {
    // what falls due with time (closings, reminders, notices) is scanned once a minute; the
    // outbox, which request handlers fill, every two seconds
    let mut last_scan: Option<std::time::Instant> = None;
    loop {
        if last_scan.is_none_or(|t| t.elapsed() >= Duration::from_secs(60)) {
            last_scan = Some(std::time::Instant::now());
            let now = db::now();
            let (t, s) = (templates.clone(), settings.clone());
            if let Err(e) = db
                .write(move |c| crate::actions::schedule::due_work(c, &t, &s, now))
                .await
            {
                tracing::error!(error = ?e, "scheduling failed");
            }
        }
        if let Err(e) = flush(&db, &mailer, &settings).await {
            tracing::error!(error = ?e, "outbox flush failed");
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
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
