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
use crate::db::{self, outbox, Db};
use crate::error::AppError;

/// What one flush did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlushReport {
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
}

/// How long a claim lasts before another worker may take the message over.
const LEASE: TimeDelta = TimeDelta::seconds(120);

/// The delay before attempt `attempts + 1`: base · 2^(attempts−1), ±25 % jitter, at most 1 h.
pub fn backoff(attempts: i32, base_seconds: i64) -> TimeDelta {
    let exp = u32::try_from(attempts.saturating_sub(1).clamp(0, 16)).unwrap_or(0);
    let secs = (base_seconds.max(1) as f64) * f64::from(2u32.pow(exp));
    let jitter = rand::rng().random_range(0.75..1.25);
    let capped = (secs * jitter).min(3600.0);
    TimeDelta::milliseconds((capped * 1000.0) as i64)
}

/// Delivers every message that is due now, then returns.
pub async fn flush(db: &Db, mailer: &Mailer, settings: &Settings) -> Result<FlushReport, AppError> {
    let mut report = FlushReport::default();
    loop {
        let now = db::now();
        let claimed = db
            .write(move |c| outbox::claim_next(c, now, now + LEASE).map_err(AppError::from))
            .await?;
        let Some(row) = claimed else {
            return Ok(report);
        };
        let outcome = mailer.send(&row).await;
        let now = db::now();
        let max_age = TimeDelta::hours(settings.email.max_age_hours);
        let base = settings.email.retry_base_seconds;
        let (id, attempts, kind, assignment, created) = (
            row.id.clone(),
            row.attempts,
            row.kind.clone(),
            row.assignment_id.clone(),
            row.created_at,
        );
        match outcome {
            Ok(()) => {
                db.write(move |c| {
                    if outbox::mark_sent(c, &id, attempts, now)? && kind == "invitation" {
                        if let Some(a) = assignment {
                            db::assignments::mark_invited(c, &a, now)?;
                        }
                    }
                    Ok::<_, AppError>(())
                })
                .await?;
                report.sent += 1;
            }
            Err(e) => {
                let give_up = !e.transient || now - created >= max_age;
                let next: Option<NaiveDateTime> = (!give_up).then(|| now + backoff(attempts, base));
                tracing::warn!(message_id = %row.message_id, attempts, transient = e.transient, "email not delivered: {}", e.message);
                let msg = e.message.clone();
                db.write(move |c| {
                    outbox::mark_unsent(c, &id, attempts, &msg, next).map_err(AppError::from)
                })
                .await?;
                if give_up {
                    report.failed += 1;
                } else {
                    report.retried += 1;
                }
            }
        }
    }
}

/// Runs until `shutdown` resolves: every couple of seconds, queue what is due (reminders,
/// closings) and deliver.
pub async fn run(
    db: Db,
    mailer: Arc<Mailer>,
    settings: Arc<Settings>,
    templates: Arc<super::Templates>,
) {
    loop {
        let now = db::now();
        let t = templates.clone();
        let s = settings.clone();
        if let Err(e) = db
            .write(move |c| crate::actions::schedule::due_work(c, &t, &s, now))
            .await
        {
            tracing::error!(error = ?e, "scheduling failed");
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
