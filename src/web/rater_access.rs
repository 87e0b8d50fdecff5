//! How a rater reaches their form: the emailed link (`/r/{token}`), exchanged on first visit for
//! a session cookie and a token-free URL (`/f/{assignment}`), and re-validated on every request
//! (SPEC §4).

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};

use super::response::{html, locale, not_found_page, with_lang};
use super::views::{layout, rater as view};
use super::AppState;
use crate::config::Settings;
use crate::db::{self, rater_access::RaterContext, rater_access::RaterKey};
use crate::domain::ids::AssignmentId;
use crate::domain::rules::lifecycle::accepts_answers;
use crate::domain::security::token;
use crate::domain::status::AssignmentStatus;
use crate::error::AppResult;
use crate::i18n::{ProblemPage, Unavailable};

/// The credential a request carries.
#[derive(Debug, Clone)]
pub enum Access {
    /// The link's token, straight from the email.
    Token(String),
    /// A token-free URL, authorised by the session cookie.
    Session(String),
}

/// A rater route names its credential by its placeholder: `{token}` under `/r/`,
/// `{assignment}` under `/f/`; one handler serves both.
impl actix_web::FromRequest for Access {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Access, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let info = req.match_info();
        std::future::ready(match (info.get("token"), info.get("assignment")) {
            (Some(t), _) => Ok(Access::Token(t.to_owned())),
            (None, Some(id)) => Ok(Access::Session(id.to_owned())),
            (None, None) => Err(actix_web::error::ErrorInternalServerError(
                "a rater route without {token} or {assignment}",
            )),
        })
    }
}

/// Why a request's credential cannot be looked up.
pub enum KeyError {
    /// Not a token or an assignment id at all.
    Malformed,
    /// A token-free URL without a usable session cookie.
    NoSession,
}

/// The lookup key for `access`: the token's hash, or the session cookie's hash and the
/// assignment it claims.
pub fn rater_key(
    req: &HttpRequest,
    settings: &Settings,
    access: &Access,
) -> Result<RaterKey, KeyError> {
    match access {
        Access::Token(t) if token::well_formed(t) => Ok(RaterKey::TokenHash(token::hash(t))),
        Access::Session(id) => {
            let assignment_id = AssignmentId::parse(id).ok_or(KeyError::Malformed)?;
            match session_value(req, settings) {
                Some(v) => Ok(RaterKey::Session {
                    hash: token::hash(&v),
                    assignment_id,
                }),
                None => Err(KeyError::NoSession),
            }
        }
        Access::Token(_) => Err(KeyError::Malformed),
    }
}

impl Access {
    /// The URL prefix of this rater's pages.
    pub fn base(&self) -> String {
        match self {
            Access::Token(t) => format!("/r/{t}"),
            Access::Session(id) => format!("/f/{id}"),
        }
    }
}

/// The session cookie's name: `__Host-` (which requires `Secure`) when served over https.
pub fn cookie_name(settings: &Settings) -> &'static str {
    if settings.serves_https() {
        "__Host-kam360_rater"
    } else {
        "kam360_rater"
    }
}

/// The session cookie carrying `value`, living until the cycle closes (at most 60 days).
pub fn session_cookie(
    settings: &Settings,
    value: String,
    closes_at: chrono::NaiveDateTime,
) -> Cookie<'static> {
    let seconds = (closes_at - db::now())
        .num_seconds()
        .clamp(60, 60 * 24 * 3600);
    Cookie::build(cookie_name(settings), value)
        .path("/")
        .http_only(true)
        .secure(settings.serves_https())
        .same_site(SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::seconds(seconds))
        .finish()
}

/// The rater session value to bind, in the caller's transaction: the browser's own if the
/// server issued it (it already reaches an assignment), else a new one. A value the client
/// made up is never adopted, so a planted cookie cannot share a victim's form (fixation).
pub fn issued_session(
    conn: &mut db::AnyConnection,
    offered: Option<String>,
) -> diesel::QueryResult<String> {
    Ok(match offered {
        Some(v) if db::rater_access::session_known(conn, &token::hash(&v))? => v,
        _ => token::issue().token,
    })
}

/// The session cookie's value, if the request has a well-formed one.
pub fn session_value(req: &HttpRequest, settings: &Settings) -> Option<String> {
    req.cookie(cookie_name(settings))
        .map(|c| c.value().to_owned())
        .filter(|v| token::well_formed(v))
}

/// What a request may do with the assignment it names.
pub enum Link {
    /// The form can be shown and answered.
    Answerable(Box<RaterContext>),
    /// A page to show instead (unknown, expired session, submitted, declined, revoked, closed).
    Done(HttpResponse),
}

/// Too many unknown links from this address: 429, with when to try again.
fn guessing(req: &HttpRequest) -> HttpResponse {
    let l = locale(req, None);
    let mut res = html(
        StatusCode::TOO_MANY_REQUESTS,
        crate::web::views::layout::message(
            l,
            crate::i18n::t(l, "rater.guessing.title"),
            crate::i18n::t(l, "rater.guessing.body"),
            None,
            maud::html! {},
        ),
    );
    res.headers_mut().insert(
        actix_web::http::header::RETRY_AFTER,
        actix_web::http::header::HeaderValue::from_static("600"),
    );
    res
}

/// Looks up and re-validates the assignment behind `access` (one statement, which also
/// brings the saved answers: [`RaterContext::draft`]).
pub async fn resolve(state: &AppState, req: &HttpRequest, access: &Access) -> AppResult<Link> {
    // the guessing limit counts per client address (not read on the session's common path)
    let client = || super::security::client_address(req, &state.settings.server.trusted_proxies);
    let now = std::time::Instant::now();
    let key = match rater_key(req, &state.settings, access) {
        Ok(key) => key,
        Err(KeyError::NoSession) => return Ok(Link::Done(session_expired(req))),
        Err(KeyError::Malformed) => {
            state.guesses.missed(&client(), now);
            return Ok(Link::Done(not_found_page(req)));
        }
    };
    let session = matches!(key, RaterKey::Session { .. });
    // a client that guessed too many links waits, before any lookup
    if !session && state.guesses.blocked(&client(), now) {
        return Ok(Link::Done(guessing(req)));
    }
    let found = db::rater_access::find(&state.db, key).await?;
    let Some(ctx) = found else {
        let page = if session {
            session_expired(req)
        } else {
            state.guesses.missed(&client(), now);
            not_found_page(req)
        };
        return Ok(Link::Done(page));
    };
    let l = locale(req, Some(ctx.assignment.locale));
    // the pages that end here need these; the form (the common case) builds its own
    let switch = || with_lang(&access.base(), Some(l.other()));
    let deadline = || ctx.deadline().label();
    let contact = &state.settings.email.contact;
    let cycle_open = accepts_answers(ctx.cycle_status, ctx.closes_at, db::now());
    let page = match ctx.assignment.status {
        AssignmentStatus::Submitted => {
            let date = ctx
                .assignment
                .submitted_at
                .map(|d| d.date().to_string())
                .unwrap_or_default();
            Some(html(
                StatusCode::OK,
                view::already_submitted(&state.brand, l, &ctx.subject_name, &date, &switch()),
            ))
        }
        AssignmentStatus::Declined => Some(html(
            StatusCode::OK,
            view::declined(&state.brand, l, &ctx.subject_name, &switch()),
        )),
        AssignmentStatus::Revoked => Some(html(
            StatusCode::GONE,
            view::unavailable(
                &state.brand,
                l,
                Unavailable::Revoked,
                &ctx.cycle_name,
                &deadline(),
                contact,
                Some(&switch()),
            ),
        )),
        _ if !cycle_open || ctx.assignment.status == AssignmentStatus::Expired => Some(html(
            StatusCode::GONE,
            view::unavailable(
                &state.brand,
                l,
                Unavailable::Closed,
                &ctx.cycle_name,
                &deadline(),
                contact,
                Some(&switch()),
            ),
        )),
        _ => None,
    };
    Ok(match page {
        Some(p) => Link::Done(p),
        None => Link::Answerable(Box::new(ctx)),
    })
}

fn session_expired(req: &HttpRequest) -> HttpResponse {
    html(
        StatusCode::FORBIDDEN,
        layout::problem(locale(req, None), ProblemPage::Session, None),
    )
}
