//! Logging to stderr (stdout belongs to command output such as reports). The filter comes from
//! `KAM360_LOG` (e.g. `debug`), else `default`; `log.format` picks text or JSON lines. Request
//! logs name the route pattern, never the path: paths carry survey tokens. Long work tells a
//! [`Progress`] how far it has gone.

use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::LogFormat;

/// Installs the global subscriber (once; later calls are ignored).
pub fn init(default: &str, format: LogFormat) {
    let filter = filter(std::env::var("KAM360_LOG").ok().as_deref(), default);
    let layer = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let registry = tracing_subscriber::registry().with(filter);
    let _ = match format {
        LogFormat::Text => registry
            .with(
                layer
                    .with_target(false)
                    .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())),
            )
            .try_init(),
        LogFormat::Json => registry
            .with(
                layer
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_target(true),
            )
            .try_init(),
    };
}

/// The filter `KAM360_LOG` names (a level, `debug`, or levels by target,
/// `info,kam360=debug`), else `default`'s. These directives need no regular expressions:
/// tracing-subscriber's `EnvFilter` (span and field filters) brought in a full-DFA regex build
/// that every server worker then used for its routes, 3 MB of memory each at start.
fn filter(wanted: Option<&str>, default: &str) -> Targets {
    wanted
        .and_then(|w| w.parse().ok())
        .or_else(|| default.parse().ok())
        .unwrap_or_else(|| Targets::new().with_default(tracing::Level::INFO))
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

#[cfg(test)]
mod tests {
    use tracing::Level;

    #[test]
    fn the_log_filter_reads_levels_and_targets_and_falls_back() {
        let f = super::filter(Some("warn,kam360=debug"), "info");
        assert!(f.would_enable("kam360::web", &Level::DEBUG));
        assert!(!f.would_enable("actix_web", &Level::INFO));
        let f = super::filter(Some("not a filter=="), "info");
        assert!(f.would_enable("actix_web", &Level::INFO));
        assert!(!f.would_enable("actix_web", &Level::DEBUG));
        let f = super::filter(None, "debug");
        assert!(f.would_enable("kam360", &Level::DEBUG));
    }
}
