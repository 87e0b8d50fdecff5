//! Logging to stderr (stdout belongs to command output such as reports). The filter comes from
//! `KAM360_LOG` (e.g. `debug`), else `default`; `log.format` picks text or JSON lines. Request
//! logs name the route pattern, never the path: paths carry survey tokens. Long work tells a
//! [`Progress`] how far it has gone.

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber (once; later calls are ignored).
pub fn init(default: &str, format: LogFormat) {
    let filter = EnvFilter::try_from_env("KAM360_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder
            .with_target(false)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .with_target(true)
            .try_init(),
    };
}

/// Told how far long work has gone: its size once known, then each step as it is done. The
/// command line draws a bar from it on a terminal (`cli::progress`); the server and the tests
/// pass [`Silent`].
pub trait Progress: Sync {
    /// The work has `total` steps (or bytes).
    fn total(&self, total: u64);
    /// `n` more are done.
    fn advance(&self, n: u64);
}

/// Progress nobody watches.
pub struct Silent;

impl Progress for Silent {
    fn total(&self, _: u64) {}
    fn advance(&self, _: u64) {}
}
