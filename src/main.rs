//! The `kam360` binary.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = kam360::cli::Cli::parse();
    let serving = matches!(
        cli.command,
        kam360::cli::Command::Serve | kam360::cli::Command::Demo(_)
    );
    let settings = kam360::config::Settings::load();
    let format = settings
        .as_ref()
        .map_or(kam360::config::LogFormat::Text, |s| s.log.format);
    kam360::telemetry::init(if serving { "info" } else { "warn" }, format);
    let result = match settings {
        Ok(settings) => kam360::cli::run(cli, settings).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            let text = e.to_string();
            let text = text.trim_end();
            if text.contains('\n') {
                eprintln!("{text}");
            } else {
                eprintln!("error: {text}");
            }
            // a refused input (a bad CSV row, an unknown cycle) exits 2, anything else 1
            let status = e
                .downcast_ref::<kam360::error::AppError>()
                .map_or(1, kam360::error::AppError::exit_status);
            std::process::ExitCode::from(status)
        }
    }
}
