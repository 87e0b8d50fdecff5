//! Start-up: settings, the database (connected and migrated), the email templates, and
//! `serve`, which runs the web server with its background loop beside it. The CLI calls in
//! here; nothing here is called by `web`, `email` or `actions`, so start-up has no cycle.

use crate::actions::Tx;
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::web;

use crate::config::Settings;
use crate::db::{self, Db};
use crate::domain::formats::rubric::Rubric;
use crate::email::{worker, Mailer, Templates};
use crate::web::AppState;

/// Everything a command needs.
pub struct Context {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub templates: Arc<Templates>,
    /// A shared lock on an SQLite database, taken before connecting and held for as long as
    /// this process uses it: `kam360 restore` needs it exclusively.
    _held: Option<std::fs::File>,
}

impl Context {
    /// Loads settings, connects and migrates.
    pub fn open(settings: Settings) -> anyhow::Result<Context> {
        let url = secrecy::ExposeSecret::expose_secret(&settings.database.url);
        let held = db::backup::hold(&db::Backend::of_url(url)?)?;
        let db = Db::connect(url, settings.database.pool_size)?;
        db.migrate()?;
        let dir = (!settings.email.template_dir.is_empty())
            .then(|| PathBuf::from(&settings.email.template_dir));
        let templates = Templates::new(dir)?;
        Ok(Context {
            settings: Arc::new(settings),
            db,
            templates: Arc::new(templates),
            _held: held,
        })
    }

    /// The configured rubric, read and validated (`serve` reads it once, at start).
    pub fn rubric(&self) -> anyhow::Result<Rubric> {
        Rubric::load(&self.settings.rubric.path)
    }
}

/// Serves until interrupted, with the background loop running beside the server.
pub async fn serve(ctx: Context) -> anyhow::Result<()> {
    let listener = TcpListener::bind(&ctx.settings.server.bind)
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", ctx.settings.server.bind))?;
    tracing::info!(address = %ctx.settings.server.bind, backend = ctx.db.backend().name(), "kam360 listening");
    if let (db::Backend::Postgres(_), Err(why)) = (ctx.db.backend(), ctx.db.pipelined()) {
        // libpq honours this URL's settings in a way the workers' own connections cannot
        tracing::info!(reason = why, "rater lookups go through the connection pool");
    }
    let mailer = Arc::new(Mailer::new(&ctx.settings.email)?);
    // the first run (SPEC §15): while no admin exists, a fresh one-time link to create one
    let setup = ctx
        .db
        .write(|c| crate::actions::setup::fresh_link(c, db::now()))
        .await?;
    if let Some(token) = setup {
        // on stderr with the log (its format, text or JSON): the one place the link is shown
        let link = format!("{}/setup/{token}", ctx.settings.base_url());
        tracing::warn!(
            setup_link = %link,
            "no admin account yet: create the first one within 24 hours at {link}"
        );
    }
    let state = web::Data::new(AppState::new(
        ctx.db.clone(),
        ctx.settings.clone(),
        ctx.templates.clone(),
        Arc::new(ctx.rubric()?),
    ));
    let background = tokio::spawn(background(
        ctx.db.clone(),
        mailer,
        ctx.settings.clone(),
        ctx.templates.clone(),
    ));
    let result = crate::web::build(listener, state)?.await;
    background.abort();
    result.map_err(Into::into)
}

/// Runs until the server stops: queues what falls due with time (closings, reminders,
/// supervisor notices) and scrubs the database files once a minute, and delivers the outbox,
/// which request handlers fill, every two seconds.
async fn background(
    db: Db,
    mailer: Arc<Mailer>,
    settings: Arc<Settings>,
    templates: Arc<Templates>,
) {
    let mut last_scan: Option<Instant> = None;
    loop {
        if last_scan.is_none_or(|t| t.elapsed() >= Duration::from_secs(60)) {
            last_scan = Some(Instant::now());
            let now = db::now();
            let (t, s) = (templates.clone(), settings.clone());
            match db
                .write(move |c| {
                    crate::actions::schedule::due_work(Tx(
                        c,
                        crate::actions::Mail::new(&t, &s),
                        None,
                        now,
                    ))
                })
                .await
            {
                Ok(r) => tracing::debug!(
                    closed = r.closed,
                    reminders = r.reminders,
                    held = r.held,
                    notified = r.notified,
                    checkins = r.checkins,
                    "scheduled work queued"
                ),
                Err(e) => tracing::error!(error = ?e, "scheduling failed"),
            }
            // bodies deleted by a revoke or a reissue since the last pass leave no bytes behind
            if let Err(e) = db.scrub().await {
                tracing::error!(error = ?e, "scrubbing the database files failed");
            }
        }
        if let Err(e) = worker::flush(&db, &mailer, &settings).await {
            tracing::error!(error = ?e, "outbox flush failed");
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}
