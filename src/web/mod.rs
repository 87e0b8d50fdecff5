//! The web server: shared state and the route table (`startup` runs it).

pub mod admin;
pub mod assets;
pub mod email_request;
pub mod errors;
pub mod extractors;
pub mod guard;
pub mod guesses;
pub mod kam;
pub mod link_request;
pub mod login;
pub mod oidc;
pub mod password_reset;
pub mod proposal;
pub mod proposal_review;
pub mod rater;
pub mod rater_access;
pub mod rater_decline;
pub mod reconcile;
pub mod response;
pub mod review_report;
pub mod security;
pub mod session_resume;
pub mod setup;
pub mod staff;
pub mod supervisor;
pub mod team;
pub mod views;

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::{dev::Server, web, App, HttpResponse, HttpServer};

use crate::config::Settings;
use crate::db::Db;
use crate::domain::formats::rubric::Rubric;
use crate::domain::ids::CycleId;
use crate::email::Templates;
use crate::error::{AppError, AppResult};
use views::fragments::CycleForm;

/// Parsed rubric snapshots by cycle id (snapshots never change, so entries never go stale).
#[derive(Default)]
pub struct RubricCache(Mutex<HashMap<CycleId, Arc<CycleForm>>>);

impl RubricCache {
    /// The rubric of a cycle with its escaped texts, loading its snapshot on first use.
    pub async fn get(&self, db: &Db, cycle_id: &CycleId) -> AppResult<Arc<CycleForm>> {
        if let Some(r) = self.0.lock().ok().and_then(|m| m.get(cycle_id).cloned()) {
            return Ok(r);
        }
        let id = cycle_id.clone();
        let (rubric, _) = db
            .read(move |c| crate::actions::load_snapshots(c, &id))
            .await?;
        let form = Arc::new(CycleForm::new(rubric));
        if let Ok(mut m) = self.0.lock() {
            m.insert(cycle_id.clone(), form.clone());
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
    /// The configured rubric, read once at start; each new cycle freezes a copy of it.
    pub rubric: Arc<Rubric>,
    /// Who asks for the feedback, as the rater pages show it.
    pub brand: views::layout::Brand,
    /// The organisation's logo (bytes, media type), read once at start.
    pub logo: Option<(Vec<u8>, &'static str)>,
    /// Unknown rater links per client address (issue #23).
    pub guesses: guesses::Guesses,
    /// The organisation's identity provider, when single sign-on is configured (SPEC §15).
    pub sso: Option<Arc<crate::oidc::Provider>>,
}

impl AppState {
    /// Runs `f` in one write transaction, handing it what sending mail needs.
    pub async fn write_mailing<T, F>(&self, f: F) -> AppResult<T>
    where
        F: FnOnce(&mut crate::db::AnyConnection, crate::actions::Mail<'_>) -> AppResult<T>
            + Send
            + 'static,
        T: Send + 'static,
    {
        let (templates, settings) = (self.templates.clone(), self.settings.clone());
        self.db
            .write(move |c| f(c, crate::actions::Mail::new(&templates, &settings)))
            .await
    }

    /// The state shared by every worker of one server.
    pub fn new(
        db: Db,
        settings: Arc<Settings>,
        templates: Arc<Templates>,
        rubric: Arc<Rubric>,
    ) -> AppState {
        // the settings were validated: the logo is readable and of a known type
        let logo = (!settings.branding.logo.as_os_str().is_empty())
            .then(|| {
                let bytes = std::fs::read(&settings.branding.logo).ok()?;
                Some((bytes, settings.logo_type().ok()?))
            })
            .flatten();
        let brand = views::layout::Brand {
            organization: settings.branding.organization.trim().to_owned(),
            logo: logo.is_some(),
            logo_size: logo
                .as_ref()
                .and_then(|(bytes, _)| crate::domain::formats::image::size(bytes)),
            accent: !settings
                .branding
                .accent
                .eq_ignore_ascii_case(crate::domain::brand::DEFAULT_ACCENT),
        };
        // the settings were validated, so the provider's addresses parse
        let sso = crate::oidc::Provider::new(&settings.oidc, &settings.server.public_base_url)
            .unwrap_or_else(|e| {
                tracing::error!(error = %e, "single sign-on is configured but cannot start");
                None
            })
            .map(Arc::new);
        AppState {
            db,
            settings,
            templates,
            rubrics: RubricCache::default(),
            rubric,
            brand,
            logo,
            guesses: guesses::Guesses::default(),
            sso,
        }
    }
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (health, assets, sign-in).
    Public,
    /// A rater, by link or by the session it opened.
    Rater,
    /// A signed-in staff member (the handler's extractor says which role).
    Staff,
}

/// Writes the route table once, as data: [`ROUTES`] lists (method, pattern, access) for the
/// tests' authorization and CSRF matrices, and [`routes`] registers exactly those routes, so
/// the two cannot drift apart.
macro_rules! route_table {
    ($($method:ident $path:literal => $handler:path, $access:ident;)+) => {
        /// Every route as (method, pattern, access), in registration order.
        pub const ROUTES: &[(&str, &str, Access)] = &[
            $((route_table!(@verb $method), $path, Access::$access)),+
        ];

        /// The whole route table, one resource per pattern. Resources are tried in order,
        /// each dynamic one by a regular expression, so the raters' hot paths come first; every
        /// GET route also answers HEAD (health checkers use it).
        pub fn routes(cfg: &mut web::ServiceConfig) {
            let mut table = Resources::default();
            $(table.add($path, web::$method().to($handler));)+
            $(route_table!(@head table $method $path $handler);)+
            table.register(cfg);
        }
    };
    (@verb get) => { "GET" };
    (@verb post) => { "POST" };
    (@head $table:ident get $path:literal $handler:path) => {
        $table.add($path, web::head().to($handler));
    };
    (@head $table:ident post $path:literal $handler:path) => {};
}

/// The route table's resources, one per pattern, in the order each pattern first appears. A
/// pattern's methods share its resource, so each dynamic pattern is compiled once per server
/// worker: a route of its own per method (and per HEAD) compiled 94 regular expressions where
/// 48 patterns need them, about 1.4 MB a worker.
#[derive(Default)]
struct Resources(Vec<(&'static str, actix_web::Resource)>);

impl Resources {
    fn add(&mut self, path: &'static str, route: actix_web::Route) {
        match self.0.iter_mut().find(|(p, _)| *p == path) {
            Some((_, resource)) => {
                let taken = std::mem::replace(resource, web::resource(path));
                *resource = taken.route(route);
            }
            None => self.0.push((path, web::resource(path).route(route))),
        }
    }

    /// Registers every resource. A method a pattern does not serve is not found (404), as
    /// anything else no route serves, not "method not allowed".
    fn register(self, cfg: &mut web::ServiceConfig) {
        for (_, resource) in self.0 {
            cfg.service(resource.default_service(web::to(rater::not_found)));
        }
    }
}

route_table! {
    get "/f/{assignment}" => rater::show, Rater;
    post "/f/{assignment}" => rater::answer, Rater;
    get "/r/{token}" => rater::open, Rater;
    post "/r/{token}" => rater::answer, Rater;
    get "/static/app.css" => views::assets::css, Public;
    get "/static/form.js" => views::assets::js, Public;
    get "/static/favicon.svg" => views::assets::icon, Public;
    get "/static/brand.css" => assets::brand_css, Public;
    get "/static/logo" => assets::logo, Public;
    get "/f/{assignment}/done" => rater::done, Rater;
    get "/f/{assignment}/decline" => rater_decline::decline_form, Rater;
    post "/f/{assignment}/decline" => rater_decline::decline, Rater;
    get "/r/{token}/done" => rater::done, Rater;
    get "/r/{token}/decline" => rater_decline::decline_form, Rater;
    post "/r/{token}/decline" => rater_decline::decline, Rater;
    get "/n/{token}" => proposal::kam_show, Public;
    post "/n/{token}" => proposal::kam_save, Public;
    get "/k/{token}" => kam::show, Public;
    post "/k/{token}/acknowledge" => kam::acknowledge, Public;
    post "/k/{token}/plan" => kam::plan, Public;
    post "/k/{token}/progress" => kam::progress, Public;
    get "/links" => email_request::form::<link_request::Links>, Public;
    post "/links" => email_request::send::<link_request::Links>, Public;
    get "/healthz" => health, Public;
    get "/readyz" => ready, Public;
    get "/" => supervisor::home, Staff;
    get "/team" => team::show, Staff;
    get "/team.csv" => team::csv, Staff;
    get "/login" => login::login_form, Public;
    post "/login" => login::login, Public;
    post "/logout" => login::logout, Staff;
    get "/login/oidc" => oidc::start, Public;
    get "/login/oidc/callback" => oidc::callback, Public;
    get "/setup/{token}/oidc" => oidc::setup_start, Public;
    get "/password/forgot" => email_request::form::<password_reset::Forgot>, Public;
    post "/password/forgot" => email_request::send::<password_reset::Forgot>, Public;
    get "/setup/{token}" => setup::form, Public;
    post "/setup/{token}" => setup::create, Public;
    get "/password/reset/{token}" => password_reset::choose_form, Public;
    post "/password/reset/{token}" => password_reset::choose, Public;
    post "/rate/{assignment}" => supervisor::rate, Staff;
    get "/reviews/{review}" => reconcile::show, Staff;
    post "/reviews/{review}" => reconcile::save, Staff;
    get "/reviews/{review}/signoff" => reconcile::summary, Staff;
    post "/reviews/{review}/signoff" => reconcile::sign_off, Staff;
    post "/reviews/{review}/reopen" => reconcile::reopen, Staff;
    get "/reviews/{review}/report" => review_report::show, Staff;
    post "/reviews/{review}/release" => review_report::release, Staff;
    post "/reviews/{review}/plan" => review_report::comment, Staff;
    get "/reviews/{review}/nominations" => proposal_review::supervisor_show, Staff;
    post "/reviews/{review}/nominations" => proposal_review::supervisor_save, Staff;
    get "/admin" => admin::home, Staff;
    get "/admin/cycles/new" => admin::new_form, Staff;
    post "/admin/cycles" => admin::create, Staff;
    get "/admin/nominations/sample.csv" => admin::nominations::sample, Staff;
    get "/admin/users" => admin::users::users, Staff;
    post "/admin/users" => admin::users::invite, Staff;
    post "/admin/users/{person}/role" => admin::users::set_role, Staff;
    post "/admin/users/{person}/disable" => admin::users::disable, Staff;
    post "/admin/users/{person}/enable" => admin::users::enable, Staff;
    post "/admin/users/{person}/invite" => admin::users::resend, Staff;
    get "/admin/outbox" => admin::records::outbox, Staff;
    post "/admin/outbox/retry" => admin::records::retry_all, Staff;
    post "/admin/outbox/{message}/retry" => admin::records::retry, Staff;
    get "/admin/audit" => admin::records::audit, Staff;
    get "/admin/cycles/{cycle}" => admin::cycle::show, Staff;
    get "/admin/cycles/{cycle}/edit" => admin::edit_form, Staff;
    post "/admin/cycles/{cycle}/edit" => admin::update, Staff;
    get "/admin/cycles/{cycle}/launch" => admin::lifecycle::launch_form, Staff;
    post "/admin/cycles/{cycle}/launch" => admin::lifecycle::launch, Staff;
    get "/admin/cycles/{cycle}/close" => admin::lifecycle::close_form, Staff;
    post "/admin/cycles/{cycle}/close" => admin::lifecycle::close, Staff;
    get "/admin/cycles/{cycle}/archive" => admin::lifecycle::archive_form, Staff;
    post "/admin/cycles/{cycle}/archive" => admin::lifecycle::archive, Staff;
    get "/admin/cycles/{cycle}/remind" => admin::follow_up::remind_all_form, Staff;
    post "/admin/cycles/{cycle}/remind" => admin::follow_up::remind_all, Staff;
    get "/admin/cycles/{cycle}/release" => admin::follow_up::release_all_form, Staff;
    post "/admin/cycles/{cycle}/release" => admin::follow_up::release_all, Staff;
    get "/admin/cycles/{cycle}/texts" => admin::texts::form, Staff;
    post "/admin/cycles/{cycle}/texts" => admin::texts::save, Staff;
    post "/admin/cycles/{cycle}/nominations" => admin::nominations::upload, Staff;
    post "/admin/cycles/{cycle}/nominations/add" => admin::nominations::add, Staff;
    post "/admin/cycles/{cycle}/nominations/{assignment}/remove" => admin::nominations::remove, Staff;
    post "/admin/cycles/{cycle}/nominations/{assignment}/edit" => admin::nominations::edit, Staff;
    post "/admin/cycles/{cycle}/nominations/{assignment}/remind" => admin::follow_up::remind, Staff;
    post "/admin/cycles/{cycle}/nominations/{assignment}/reissue" => admin::follow_up::reissue, Staff;
    get "/admin/cycles/{cycle}/nominations/{assignment}/revoke" => admin::follow_up::revoke_form, Staff;
    post "/admin/cycles/{cycle}/nominations/{assignment}/revoke" => admin::follow_up::revoke, Staff;
    post "/admin/cycles/{cycle}/nominations/{assignment}/email" => admin::follow_up::correct_email, Staff;
    post "/admin/cycles/{cycle}/kams/{review}/nudge" => admin::follow_up::nudge, Staff;
    get "/admin/cycles/{cycle}/insights" => admin::report::insights, Staff;
    get "/admin/cycles/{cycle}/report.csv" => admin::report::csv, Staff;
    get "/admin/cycles/{cycle}/report.json" => admin::report::json, Staff;
    get "/admin/cycles/{cycle}/report.xlsx" => admin::report::xlsx, Staff;
}

/// The routes behind staff sign-in, as (method, pattern).
pub fn staff_routes() -> impl Iterator<Item = (&'static str, &'static str)> {
    ROUTES
        .iter()
        .filter(|(_, _, access)| *access == Access::Staff)
        .map(|&(method, path, _)| (method, path))
}

/// `GET /healthz`: the process is up (no database call).
async fn health() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ok")
}

/// `GET /readyz`: the database answers (503 otherwise, so a balancer stops sending traffic).
async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let reachable = state
        .db
        .read(|c| {
            use diesel::RunQueryDsl;
            diesel::sql_query("SELECT 1")
                .execute(c)
                .map_err(AppError::from)
        })
        .await;
    match reachable {
        Ok(_) => HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body("ready"),
        Err(e) => {
            tracing::error!(error = ?e, "readiness check failed");
            HttpResponse::ServiceUnavailable()
                .content_type("text/plain; charset=utf-8")
                .body("database unreachable")
        }
    }
}

/// Builds the HTTP server on a bound listener.
pub fn build(listener: TcpListener, state: web::Data<AppState>) -> std::io::Result<Server> {
    let limit = std::time::Duration::from_secs(state.settings.server.request_timeout_seconds);
    let workers = state.settings.server.workers;
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(web::PathConfig::default().error_handler(|_, _| AppError::NotFound.into()))
            .app_data(
                web::FormConfig::default()
                    .limit(16 * 1024)
                    .error_handler(|e, _| AppError::Invalid(e.to_string()).into()),
            )
            .wrap(actix_web::middleware::from_fn(guard::guard))
            .wrap(security::headers())
            .wrap(actix_web::middleware::from_fn(move |req, next| {
                security::time_limit(limit, req, next)
            }))
            .wrap(actix_web::middleware::from_fn(security::log_requests))
            .configure(routes)
            .default_service(web::to(rater::not_found))
    });
    if workers > 0 {
        server = server.workers(workers);
    }
    Ok(server.listen(listener)?.shutdown_timeout(10).run())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Staff routes are exactly those whose pattern is not public or a rater's, so a new
    /// route cannot be listed with the wrong access by mistake.
    #[test]
    fn access_follows_the_pattern() {
        for &(method, path, access) in ROUTES {
            let expected = if path.starts_with("/r/") || path.starts_with("/f/") {
                Access::Rater
            } else if path == "/healthz"
                || path == "/readyz"
                || path == "/login"
                || path.starts_with("/login/oidc")
                || path.starts_with("/password/")
                || path.starts_with("/setup/")
                || path == "/links"
                || path.starts_with("/k/")
                || path.starts_with("/n/")
                || path.starts_with("/static/")
            {
                Access::Public
            } else {
                Access::Staff
            };
            assert_eq!(access, expected, "{method} {path}");
            // the middleware that keeps typed work tells staff routes apart the same way
            assert_eq!(
                session_resume::is_staff_path(path),
                access == Access::Staff,
                "{method} {path}"
            );
        }
        assert_eq!(staff_routes().count(), 58);
    }
}
