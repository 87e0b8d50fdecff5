//! The command line's grammar (clap): every command, its arguments and its `--help` text.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};

/// kam360: multi-rater (360°) feedback for key account managers.
#[derive(Debug, Parser)]
#[command(name = "kam360", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server and the email worker.
    Serve,
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Seed a demo organisation and an open cycle with some answers in, print logins and rater links, then serve.
    Demo(DemoArgs),
    /// Manage staff accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage review cycles.
    #[command(subcommand)]
    Cycle(CycleCommand),
    /// Export a cycle's report: one row per review × criterion.
    Report(ReportArgs),
    /// Inspect and deliver the email outbox.
    #[command(subcommand)]
    Outbox(OutboxCommand),
    /// Write a consistent copy of the SQLite database to FILE while the server runs.
    Backup(BackupArgs),
    /// Replace the SQLite database with the backup FILE (refused while a server runs).
    Restore(RestoreArgs),
}

/// `backup` options.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The file to write (must not exist).
    pub file: PathBuf,
}

/// `restore` options.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// A file written by `kam360 backup`.
    pub file: PathBuf,
}

/// `demo` options.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Seed and print, but do not start the server.
    #[arg(long)]
    pub no_serve: bool,
}

/// `user …`
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a staff account and print its generated password.
    Add(UserAddArgs),
    /// Disable a staff account and end all its sessions.
    Disable(UserDisableArgs),
}

/// `user disable` options.
#[derive(Debug, Args)]
pub struct UserDisableArgs {
    /// The account's email address.
    #[arg(long)]
    pub email: String,
}

/// `user add` options.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("role").required(true).args(["admin", "supervisor"])))]
pub struct UserAddArgs {
    /// The person's email address (their login).
    #[arg(long)]
    pub email: String,
    /// The person's display name.
    #[arg(long)]
    pub name: String,
    /// An administrator: cycles, imports, progress, reminders.
    #[arg(long)]
    pub admin: bool,
    /// A supervisor: rates and reconciles their own KAMs.
    #[arg(long)]
    pub supervisor: bool,
}

/// `cycle …`
#[derive(Debug, Subcommand)]
pub enum CycleCommand {
    /// Create a draft cycle; prints its id (a UUID) as the last line.
    Create(CycleCreateArgs),
    /// Import nominations from a CSV file (all or nothing).
    Import(CycleImportArgs),
    /// Open the cycle and queue one invitation, with its own link, per nomination.
    Launch(CycleIdArgs),
    /// Close the cycle: no more answers; reviews move to reconciliation.
    Close(CycleIdArgs),
    /// Revoke a rater's link (it and any open session stop working at once).
    Revoke(CycleRaterArgs),
    /// Re-issue a rater's link: the old one stops working and a new one is mailed.
    Reissue(CycleRaterArgs),
    /// Archive a closed cycle.
    Archive(CycleIdArgs),
    /// Delete an archived cycle's individual answers and comments, keeping the final levels,
    /// rationales and audit trail.
    Purge(CyclePurgeArgs),
}

/// `cycle purge` options.
#[derive(Debug, Args)]
pub struct CyclePurgeArgs {
    /// The cycle id.
    pub cycle: String,
    /// Keep the consolidated (final) levels, their rationales and the audit trail (required:
    /// a purge never removes them).
    #[arg(long, required = true)]
    pub keep_final: bool,
}

/// One nomination in a cycle.
#[derive(Debug, Args)]
pub struct CycleRaterArgs {
    /// The cycle id.
    pub cycle: String,
    /// The KAM's email.
    #[arg(long)]
    pub subject: String,
    /// The rater's email.
    #[arg(long)]
    pub rater: String,
}

/// `cycle create` options.
#[derive(Debug, Args)]
pub struct CycleCreateArgs {
    /// The cycle's name, e.g. "2026 annual review".
    #[arg(long)]
    pub name: String,
    /// The last day answers are accepted (YYYY-MM-DD), until its end in the time zone.
    #[arg(long, value_parser = parse_date)]
    pub closes_at: NaiveDate,
    /// The deadline's IANA time zone, e.g. Asia/Shanghai (default: `cycle.time_zone`).
    #[arg(long)]
    pub time_zone: Option<String>,
}

/// `cycle import` arguments.
#[derive(Debug, Args)]
pub struct CycleImportArgs {
    /// The cycle id.
    pub cycle: String,
    /// The nominations CSV (UTF-8, header row).
    pub file: PathBuf,
}

/// A cycle id argument.
#[derive(Debug, Args)]
pub struct CycleIdArgs {
    /// The cycle id.
    pub cycle: String,
}

/// Report formats.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Csv,
    Json,
    /// A spreadsheet (needs --out).
    Xlsx,
}

/// `report` options.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The cycle id.
    pub cycle: String,
    /// Output format.
    #[arg(long, value_enum)]
    pub format: Format,
    /// Write to this file instead of stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// `outbox …`
#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// Deliver what is due now, then exit.
    Flush,
    /// List messages (newest first).
    List(OutboxListArgs),
    /// Put failed messages back in the queue (a message with a rater's link is re-sent with a
    /// fresh link).
    Retry(OutboxRetryArgs),
}

/// `outbox list` options.
#[derive(Debug, Args)]
pub struct OutboxListArgs {
    /// Only messages in this state: pending, sending, sent, failed or cancelled.
    #[arg(long)]
    pub status: Option<String>,
}

/// `outbox retry` options.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("which").required(true).args(["id", "all"])))]
pub struct OutboxRetryArgs {
    /// The message id.
    pub id: Option<String>,
    /// Every failed message.
    #[arg(long)]
    pub all: bool,
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("'{s}' is not a date in the form YYYY-MM-DD"))
}
