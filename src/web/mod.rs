//! The web server: shared state, the route table, and start-up with the email worker.

pub mod errors;
pub mod rater;
pub mod rater_access;
pub mod rater_decline;
pub mod reconcile;
pub mod security;
pub mod staff;
pub mod views;

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::{dev::Server, web, App, HttpResponse, HttpServer};

use crate::cli::Context;
use crate::config::Settings;
use crate::db::Db;
use crate::domain::rubric::Rubric;
use crate::email::{Mailer, Templates};
use crate::error::{AppError, AppResult};

/// A cycle's rubric and its form texts, escaped once per language.
pub struct CycleForm {
    pub rubric: Rubric,
    zh: views::fragments::FormText,
    en: views::fragments::FormText,
}

impl CycleForm {
    /// The escaped texts in `locale`.
    pub fn text(&self, locale: crate::domain::locale::Locale) -> &views::fragments::FormText {
        match locale {
            crate::domain::locale::Locale::Zh => &self.zh,
            crate::domain::locale::Locale::En => &self.en,
        }
    }
}

/// Parsed rubric snapshots by cycle id (snapshots never change, so entries never go stale).
#[derive(Default)]
pub struct RubricCache(Mutex<HashMap<String, Arc<CycleForm>>>);

impl RubricCache {
    /// The rubric of a cycle with its escaped texts, loading its snapshot on first use.
    pub async fn get(&self, db: &Db, cycle_id: &str) -> AppResult<Arc<CycleForm>> {
        if let Some(r) = self.0.lock().ok().and_then(|m| m.get(cycle_id).cloned()) {
            return Ok(r);
        }
        let id = cycle_id.to_owned();
        let (rubric, _) = db
            .read(move |c| crate::actions::load_snapshots(c, &id))
            .await?;
        let form = Arc::new(CycleForm {
            zh: views::fragments::FormText::new(&rubric, crate::domain::locale::Locale::Zh),
            en: views::fragments::FormText::new(&rubric, crate::domain::locale::Locale::En),
            rubric,
        });
        if let Ok(mut m) = self.0.lock() {
            m.insert(cycle_id.to_owned(), form.clone());
        }
        Ok(form)
    }
}

/// What every handler can reach.
pub struct AppState {
    pub db: Db,
    pub settings: Arc<Settings>,
    pub templates: Arc<Templates>,
    pub rubrics: RubricCache,
    /// Failed sign-ins per account and per address.
    pub throttle: Mutex<crate::domain::throttle::Throttle>,
}

impl AppState {
    /// The state shared by every worker of one server.
    pub fn new(db: Db, settings: Arc<Settings>, templates: Arc<Templates>) -> AppState {
        AppState {
            db,
            settings,
            templates,
            rubrics: RubricCache::default(),
            // 5 failures per account or address per 15 minutes
            throttle: Mutex::new(crate::domain::throttle::Throttle::new(
                5,
                std::time::Duration::from_secs(15 * 60),
            )),
        }
    }
}

/// Every route behind staff sign-in, as (method, pattern): the authorization matrix and the
/// CSRF table in the tests are generated from it, and a unit test keeps it in step with
/// [`routes`].
pub const STAFF_ROUTES: &[(&str, &str)] = &[
    ("GET", "/"),
    ("POST", "/logout"),
    ("POST", "/rate/{assignment}"),
    ("GET", "/reviews/{review}"),
    ("POST", "/reviews/{review}"),
    ("POST", "/reviews/{review}/reopen"),
];

/// The whole route table. Routes are tried in order, each dynamic one by a regular
/// expression, so the raters' hot paths come first.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/f/{assignment}", web::get().to(rater::show))
        .route("/f/{assignment}", web::post().to(rater::answer))
        .route("/r/{token}", web::get().to(rater::open))
        .route("/r/{token}", web::post().to(rater::answer))
        .route("/static/app.css", web::get().to(views::assets::css))
        .route("/static/form.js", web::get().to(views::assets::js))
        .route("/f/{assignment}/done", web::get().to(rater::done))
        .route(
            "/f/{assignment}/decline",
            web::get().to(rater_decline::decline_form),
        )
        .route(
            "/f/{assignment}/decline",
            web::post().to(rater_decline::decline),
        )
        .route("/r/{token}/done", web::get().to(rater::done))
        .route(
            "/r/{token}/decline",
            web::get().to(rater_decline::decline_form),
        )
        .route("/r/{token}/decline", web::post().to(rater_decline::decline))
        .route("/healthz", web::get().to(health))
        .route("/", web::get().to(staff::home))
        .route("/login", web::get().to(staff::login_form))
        .route("/login", web::post().to(staff::login))
        .route("/logout", web::post().to(staff::logout))
        .route("/rate/{assignment}", web::post().to(staff::rate))
        .route("/reviews/{review}", web::get().to(reconcile::show))
        .route("/reviews/{review}", web::post().to(reconcile::save))
        .route(
            "/reviews/{review}/reopen",
            web::post().to(reconcile::reopen),
        );
}

async fn health(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    state
        .db
        .read(|c| {
            use diesel::RunQueryDsl;
            diesel::sql_query("SELECT 1")
                .execute(c)
                .map_err(AppError::from)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ok"))
}

/// Builds the HTTP server on a bound listener.
pub fn build(listener: TcpListener, state: web::Data<AppState>) -> std::io::Result<Server> {
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(web::PathConfig::default().error_handler(|_, _| AppError::NotFound.into()))
            .app_data(
                web::FormConfig::default()
                    .limit(16 * 1024)
                    .error_handler(|e, _| AppError::Invalid(e.to_string()).into()),
            )
            .wrap(security::headers())
            .wrap(actix_web::middleware::from_fn(security::log_requests))
            .configure(routes)
            .default_service(web::to(rater::not_found))
    })
    .listen(listener)?
    .shutdown_timeout(10)
    .run();
    Ok(server)
}

/// Serves until interrupted, with the email worker running beside the server.
pub async fn serve(ctx: Context) -> anyhow::Result<()> {
    let listener = TcpListener::bind(&ctx.settings.server.bind)
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", ctx.settings.server.bind))?;
    tracing::info!(address = %ctx.settings.server.bind, backend = ctx.db.backend().name(), "kam360 listening");
    let mailer = Arc::new(Mailer::new(&ctx.settings.email)?);
    let state = web::Data::new(AppState::new(
        ctx.db.clone(),
        ctx.settings.clone(),
        ctx.templates.clone(),
    ));
    let worker = tokio::spawn(crate::email::worker::run(
        ctx.db.clone(),
        mailer,
        ctx.settings.clone(),
        ctx.templates.clone(),
    ));
    let result = build(listener, state)?.await;
    worker.abort();
    result.map_err(Into::into)
}

#[cfg(test)]
mod tests {
    /// Every route registered in `routes` that is not public (health, assets, sign-in, rater
    /// links) is listed in `STAFF_ROUTES`, so the generated matrices cover it.
    #[test]
    fn staff_routes_match_the_route_table() {
        let src = include_str!("mod.rs");
        let body = &src[src.find("pub fn routes(").expect("routes")
            ..src.find("async fn health(").expect("health")];
        let mut registered = Vec::new();
        for part in body.split(".route(").skip(1) {
            let path = part.split('"').nth(1).expect("path").to_owned();
            let method = if part.contains("web::post()") {
                "POST"
            } else {
                "GET"
            };
            registered.push((method.to_owned(), path));
        }
        let public = |p: &str| {
            p == "/healthz"
                || p.starts_with("/static/")
                || p == "/login"
                || p.starts_with("/r/")
                || p.starts_with("/f/")
        };
        for (method, path) in registered.iter().filter(|(_, p)| !public(p)) {
            assert!(
                super::STAFF_ROUTES.contains(&(method.as_str(), path.as_str())),
                "{method} {path} is missing from STAFF_ROUTES"
            );
        }
        for (method, path) in super::STAFF_ROUTES {
            assert!(
                registered.contains(&(method.to_string(), path.to_string())),
                "{method} {path} is not registered"
            );
        }
    }
}
