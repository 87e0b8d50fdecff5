//! Statement counting through diesel's instrumentation, for the statement-budget test and the
//! benchmarks.

use diesel::Connection;

/// Counts the SQL statements a pool runs (transaction control excluded), for the statement
/// budget test and the benchmarks. Counting renders each statement's SQL, so it only runs
/// while switched on: a benchmark counts one request, then measures with it off.
#[derive(Clone, Default)]
pub struct StatementCounter(
    std::sync::Arc<(std::sync::atomic::AtomicBool, std::sync::atomic::AtomicU64)>,
);

impl StatementCounter {
    /// Starts counting from zero.
    pub fn start(&self) {
        use std::sync::atomic::Ordering::SeqCst;
        self.0 .1.store(0, SeqCst);
        self.0 .0.store(true, SeqCst);
    }

    /// Stops counting; returns the statements counted since [`StatementCounter::start`].
    pub fn stop(&self) -> u64 {
        use std::sync::atomic::Ordering::SeqCst;
        self.0 .0.store(false, SeqCst);
        self.0 .1.swap(0, SeqCst)
    }

    pub(super) fn record(&self, event: diesel::connection::InstrumentationEvent<'_>) {
        use std::sync::atomic::Ordering::Relaxed;
        if !self.0 .0.load(Relaxed) {
            return;
        }
        if let diesel::connection::InstrumentationEvent::StartQuery { query, .. } = event {
            let sql = query.to_string();
            let control = ["BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"]
                .iter()
                .any(|k| sql.starts_with(k));
            if !control {
                self.0 .1.fetch_add(1, Relaxed);
            }
        }
    }
}

pub(super) fn count_statements<C: Connection>(conn: &mut C, counter: &Option<StatementCounter>) {
    if let Some(counter) = counter.clone() {
        conn.set_instrumentation(move |event: diesel::connection::InstrumentationEvent<'_>| {
            counter.record(event)
        });
    }
}
