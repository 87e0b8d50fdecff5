//! The `kam360` command line (SPEC §10). Every command prints a one-line reason on stderr and
//! exits non-zero on failure; `cycle import` prints one `line N: reason` per bad row.

use crate::actions::Tx;
use crate::telemetry::Progress;
use std::io::Write;

use crate::actions::{self, users::Role};
use crate::config::Settings;
use crate::db::{self};
use crate::domain::formats::export;
use crate::domain::ids::{CycleId, MessageId};
use crate::domain::status::OutboxStatus;
use crate::email::Mailer;
use crate::error::AppError;
use crate::startup;

mod args;
mod progress;
pub use args::*;
use progress::Bar;

/// A backup or restore the user can correct is a refused input (exit 2).
fn refused(e: db::backup::BackupError) -> anyhow::Error {
    match e {
        db::backup::BackupError::Db(d) => anyhow::Error::from(d),
        other => AppError::Invalid(other.to_string()).into(),
    }
}

/// Writes a file whole or not at all: into `{path}.partial`, then renamed over `path`. A path
/// that is not a regular file (`/dev/stdout`, a pipe) is written directly: renaming over it
/// would replace the device.
fn write_whole(
    path: &std::path::Path,
    fill: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
        let mut w = std::io::BufWriter::new(file);
        fill(&mut w)?;
        return Ok(w.flush()?);
    }
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = std::path::PathBuf::from(partial);
    let file = std::fs::File::create(&partial)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    let mut w = std::io::BufWriter::new(file);
    let written = fill(&mut w).and_then(|()| Ok(w.flush()?));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    std::fs::rename(&partial, path)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))
}

/// Runs a parsed command line. `Err` carries the message for stderr.
pub async fn run(cli: Cli, settings: Settings) -> anyhow::Result<()> {
    // a restore must not hold the database it replaces: it runs before anything connects
    if let Command::Restore(a) = &cli.command {
        let url = secrecy::ExposeSecret::expose_secret(&settings.database.url).to_owned();
        db::backup::restore(&url, &a.file, &Bar::bytes("restoring")).map_err(refused)?;
        writeln!(std::io::stdout(), "restored {}", a.file.display())?;
        return Ok(());
    }
    let ctx = startup::Context::open(settings)?;
    let s = ctx.settings.clone();
    let t = ctx.templates.clone();
    let mail = actions::Mail::new(&t, &s);
    let now = db::now();
    let mut out = std::io::stdout().lock();
    match cli.command {
        Command::Serve => {
            drop(out);
            startup::serve(ctx).await?;
        }
        Command::Migrate => writeln!(out, "migrations applied ({})", ctx.db.backend().name())?,
        Command::Demo(args) => {
            let rubric = ctx.rubric()?;
            let text = ctx
                .db
                .write_blocking(|c| actions::demo::seed(Tx(c, mail, None, db::now()), &rubric))?;
            writeln!(out, "{text}")?;
            out.flush()?;
            drop(out);
            if !args.no_serve {
                startup::serve(ctx).await?;
            }
        }
        Command::User(UserCommand::Add(a)) => {
            let role = if a.admin {
                Role::Admin
            } else {
                Role::Supervisor
            };
            let password = ctx
                .db
                .write_blocking(|c| actions::users::add(c, &a.email, &a.name, role, now))?;
            writeln!(
                out,
                "created {} account for {}",
                role.as_str(),
                a.email.trim().to_lowercase()
            )?;
            writeln!(out, "password: {password}")?;
        }
        Command::User(UserCommand::Disable(a)) => {
            ctx.db
                .write_blocking(|c| actions::users::disable(c, &a.email, now))?;
            writeln!(out, "account disabled; its sessions have ended")?;
        }
        Command::Cycle(CycleCommand::Create(a)) => {
            let rubric = ctx.rubric()?;
            let zone = a.time_zone.as_deref().unwrap_or(&s.cycle.time_zone);
            let id = ctx.db.write_blocking(|c| {
                actions::cycles::create_in(c, &s, &rubric, &a.name, a.closes_at, zone, now)
            })?;
            let deadline = ctx
                .db
                .read_blocking(|c| actions::find_cycle(c, &id))?
                .deadline();
            writeln!(
                out,
                "created draft cycle \"{}\" closing {}",
                a.name.trim(),
                deadline.label()
            )?;
            writeln!(out, "{id}")?;
        }
        Command::Cycle(CycleCommand::Import(a)) => {
            let bytes = std::fs::read(&a.file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", a.file.display()))?;
            let bar = Bar::steps("importing nominations");
            let (summary, _) = ctx.db.write_blocking(|c| {
                let tx = Tx(c, mail, None, now);
                actions::nominations::import_watched(tx, &cycle_id(&a.cycle)?, &bytes, &bar)
            })?;
            drop(bar);
            writeln!(
                out,
                "imported {} new nominations ({} already present, {} invited now)",
                summary.added, summary.unchanged, summary.invited
            )?;
        }
        Command::Cycle(CycleCommand::Launch(a)) => {
            let id = cycle_id(&a.cycle)?;
            let bar = Bar::steps("queueing invitations");
            let n = ctx.db.write_blocking(|c| {
                let pending = db::cycle_page::status_counts(c, &id)?
                    .into_iter()
                    .find(|(s, _)| *s == crate::domain::status::AssignmentStatus::Pending)
                    .map_or(0, |(_, n)| n);
                bar.total(u64::try_from(pending).unwrap_or(0));
                actions::cycles::launch_each(Tx(c, mail, None, now), &id, &mut |_| bar.advance(1))
            })?;
            drop(bar);
            writeln!(out, "cycle launched: {n} invitations queued")?;
        }
        Command::Cycle(CycleCommand::Close(a)) => {
            let n = ctx.db.write_blocking(|c| {
                actions::cycles::close(Tx(c, mail, None, now), &cycle_id(&a.cycle)?)
            })?;
            writeln!(out, "cycle closed: {n} reviews ready to reconcile")?;
        }
        Command::Cycle(CycleCommand::Archive(a)) => {
            ctx.db
                .write_blocking(|c| actions::retention::archive(c, &cycle_id(&a.cycle)?, now))?;
            writeln!(out, "cycle archived")?;
        }
        Command::Cycle(CycleCommand::Purge(a)) => {
            let bar = Bar::working("purging ratings and answers");
            let p = ctx.db.write_blocking(|c| {
                actions::retention::purge_keep_final(c, &cycle_id(&a.cycle)?, now)
            })?;
            // nothing of what was deleted may remain in the files
            ctx.db.scrub().await?;
            drop(bar);
            writeln!(
                out,
                "purged {} ratings and {} answers; final levels, rationales and the audit trail kept",
                p.ratings, p.responses
            )?;
        }
        Command::Cycle(CycleCommand::Revoke(a)) => {
            ctx.db.write_blocking(|c| {
                actions::links::revoke(c, &cycle_id(&a.cycle)?, &a.subject, &a.rater, now)
            })?;
            writeln!(out, "link revoked")?;
        }
        Command::Cycle(CycleCommand::Reissue(a)) => {
            ctx.db.write_blocking(|c| {
                actions::links::reissue(
                    Tx(c, mail, None, now),
                    &cycle_id(&a.cycle)?,
                    &a.subject,
                    &a.rater,
                )
            })?;
            writeln!(out, "new link queued for {}", a.rater.trim().to_lowercase())?;
        }
        Command::Report(a) => {
            if let Format::Xlsx = a.format {
                let Some(path) = &a.out else {
                    return Err(AppError::Invalid(
                        "--format xlsx writes a file: add --out FILE".into(),
                    )
                    .into());
                };
                let bytes = ctx
                    .db
                    .read_blocking(|c| actions::report::spreadsheet(c, &cycle_id(&a.cycle)?))?;
                write_whole(path, |w| Ok(w.write_all(&bytes)?))?;
                return Ok(());
            }
            // CSV and JSON are written as the rows are made: a large cycle's report is never
            // held in memory as a whole
            let json = matches!(a.format, Format::Json);
            // an unknown cycle is refused before anything is written
            ctx.db
                .read_blocking(|c| actions::find_cycle(c, &cycle_id(&a.cycle)?))?;
            let bar = Bar::steps("writing the report");
            let stream = |w: &mut dyn Write| -> anyhow::Result<()> {
                let mut sink = export::Streamed::start(w, json)?;
                ctx.db.read_blocking(|c| {
                    let id = cycle_id(&a.cycle)?;
                    bar.total(actions::report::row_count(c, &id)?);
                    actions::report::each_row(c, &id, |row| {
                        bar.advance(1);
                        sink.row(&row)
                            .map_err(|e| AppError::Unexpected(anyhow::anyhow!("{e}")))
                    })
                })?;
                sink.finish()?.flush()?;
                Ok(())
            };
            match &a.out {
                Some(path) => write_whole(path, |w| stream(w))?,
                None => stream(&mut std::io::BufWriter::new(&mut out))?,
            }
        }
        Command::Backup(a) => {
            db::backup::backup(&ctx.db, &a.file, &Bar::bytes("backing up")).map_err(refused)?;
            writeln!(out, "backup written to {}", a.file.display())?;
        }
        Command::Restore(_) => unreachable!("handled before connecting"),
        Command::Outbox(OutboxCommand::Flush) => {
            let mailer = Mailer::new(&s.email)?;
            let bar = Bar::steps("sending email");
            let r = crate::email::worker::flush_watched(&ctx.db, &mailer, &s, &bar).await?;
            drop(bar);
            writeln!(
                out,
                "outbox: {} sent, {} to retry, {} failed",
                r.sent, r.retried, r.failed
            )?;
        }
        Command::Outbox(OutboxCommand::List(a)) => {
            let status = match a.status.as_deref() {
                None => None,
                Some(st) => Some(OutboxStatus::parse(st).ok_or_else(|| {
                    anyhow::anyhow!(
                        "unknown status '{st}' (pending, sending, sent, failed or cancelled)"
                    )
                })?),
            };
            let rows = ctx
                .db
                .read_blocking(|c| db::outbox::list(c, status).map_err(AppError::from))?;
            for r in rows {
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}\tattempts={}\t{}",
                    r.id,
                    r.status,
                    r.kind,
                    r.recipient_email,
                    r.attempts,
                    r.last_error.unwrap_or_default()
                )?;
            }
        }
        Command::Outbox(OutboxCommand::Retry(a)) => {
            let r = ctx.db.write_blocking(|c| {
                actions::outbox::retry(
                    Tx(c, mail, None, now),
                    message_id(a.id.as_deref())?.as_ref(),
                )
            })?;
            for (id, reason) in &r.skipped {
                writeln!(out, "not retried {id}: {reason}")?;
            }
            writeln!(
                out,
                "{} messages queued again ({} with a fresh link)",
                r.queued(),
                r.relinked
            )?;
        }
    }
    Ok(())
}

/// A cycle id given on the command line (any UUID spelling), or the CLI's refusal.
fn cycle_id(s: &str) -> Result<CycleId, AppError> {
    CycleId::parse(s.trim())
        .ok_or_else(|| AppError::Invalid(format!("'{s}' is not a cycle id (a UUID)")))
}

/// A message id given on the command line; one that is not a UUID names no message.
fn message_id(s: Option<&str>) -> Result<Option<MessageId>, AppError> {
    s.map(|s| {
        MessageId::parse(s.trim())
            .ok_or_else(|| AppError::Invalid("no failed message with that id".into()))
    })
    .transpose()
}
