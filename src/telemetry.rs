//! Logging to stderr (stdout belongs to command output such as reports). The filter comes from
//! `KAM360_LOG` (e.g. `debug`), else `default`; `log.format` picks text or JSON lines. Request
//! logs name the route pattern, never the path: paths carry survey tokens.

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
