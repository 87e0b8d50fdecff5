//! Logging to stderr (stdout belongs to command output such as reports). The filter comes from
//! `KAM360_LOG` (e.g. `debug`), else `default`. Request logs name the route pattern, never the
//! path: paths carry survey tokens.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber (once; later calls are ignored).
pub fn init(default: &str) {
    let filter = EnvFilter::try_from_env("KAM360_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}
