//! Staff sessions (admins and supervisors): server-side, with idle and absolute time-outs, a
//! per-session CSRF token on every staff form plus the same-origin check. Signing in and out
//! is `web::login`; the supervisor's pages are `web::supervisor`.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use chrono::TimeDelta;

use super::response::html;
use super::views::staff as view;
use super::AppState;
use crate::db::{self, sessions::StaffSession};
use crate::domain::locale::Locale;
use crate::domain::security::token;
use crate::error::{AppError, AppResult};
use crate::i18n::t;

/// The staff session cookie: `__Host-` (which requires `Secure`) when served over https.
pub(super) fn cookie_name(state: &AppState) -> &'static str {
    if state.settings.serves_https() {
        "__Host-kam360_staff"
    } else {
        "kam360_staff"
    }
}

pub(super) fn session_cookie(
    state: &AppState,
    value: String,
    max_age: TimeDelta,
) -> Cookie<'static> {
    private_cookie(state, cookie_name(state), value, max_age)
}

/// A cookie only this site's requests carry and no script reads: HttpOnly, `Secure` over
/// https, `SameSite=Lax` (sent on a top-level navigation from another site, such as the
/// identity provider's redirect back), for the whole site.
pub(super) fn private_cookie(
    state: &AppState,
    name: &'static str,
    value: String,
    max_age: TimeDelta,
) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .secure(state.settings.serves_https())
        .same_site(SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::seconds(
            max_age.num_seconds().max(0),
        ))
        .finish()
}

/// The signed-in staff member, if the session is live (not idle too long, not past its
/// absolute limit, account not disabled). Activity is recorded at most once a minute.
pub async fn current(state: &AppState, req: &HttpRequest) -> AppResult<Option<StaffSession>> {
    let Some(value) = req
        .cookie(cookie_name(state))
        .map(|c| c.value().to_owned())
        .filter(|v| token::well_formed(v))
    else {
        return Ok(None);
    };
    let hash = token::hash(&value);
    let idle = TimeDelta::minutes(state.settings.server.session_idle_minutes);
    let chosen = super::response::chosen_lang(req);
    // a page load reads its session; it writes only to end it, to record activity (at most
    // once a minute) or to remember a newly chosen language
    let key = hash.clone();
    let Some(found) = state
        .db
        .read(move |c| Ok::<_, AppError>(db::sessions::find(c, &key)?))
        .await?
    else {
        return Ok(None);
    };
    let (ended, stale) = lapse(&found, db::now(), idle);
    let language = chosen.filter(|l| found.locale != Some(*l));
    if !ended && !stale && language.is_none() {
        return Ok(Some(found));
    }
    let session = state
        .db
        .write(move |c| {
            let now = db::now();
            let Some(s) = db::sessions::find(c, &hash)? else {
                return Ok::<_, AppError>(None);
            };
            let (ended, stale) = lapse(&s, now, idle);
            if ended {
                db::sessions::delete(c, &hash)?;
                return Ok(None);
            }
            if stale {
                db::sessions::touch(c, &hash, now)?;
            }
            // `?lang=` on a staff page is the person's choice from now on
            let mut s = s;
            if let Some(l) = chosen.filter(|l| s.locale != Some(*l)) {
                db::accounts::set_locale(c, &s.person_id, l)?;
                s.locale = Some(l);
            }
            Ok(Some(s))
        })
        .await?;
    Ok(session)
}

/// Whether a session has ended at `now` (account disabled, past its absolute limit, or idle
/// too long), and whether its activity is due to be recorded (a minute since the last).
fn lapse(s: &StaffSession, now: chrono::NaiveDateTime, idle: TimeDelta) -> (bool, bool) {
    let ended = s.disabled || s.expires_at <= now || s.last_seen_at + idle <= now;
    (ended, now - s.last_seen_at >= TimeDelta::minutes(1))
}

/// What the staff pages show of the session, on the page `req` asked for.
pub fn viewer<'a>(s: &'a StaffSession, req: &HttpRequest) -> view::Viewer<'a> {
    let l = super::response::staff_locale(req, s);
    view::Viewer {
        name: &s.name,
        csrf: &s.csrf_token,
        role: s.role,
        switch: super::response::switch_url(req, l),
        here: req.path().to_owned(),
    }
}

/// The "session ended or form out of date" page (403).
pub fn forbidden(l: Locale) -> HttpResponse {
    tracing::warn!("staff form refused: missing or wrong CSRF token, or another site");
    html(
        StatusCode::FORBIDDEN,
        view::message(l, t(l, "staff.login.title"), t(l, "staff.forbidden")),
    )
}
