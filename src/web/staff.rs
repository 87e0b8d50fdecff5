//! Staff sessions (admins and supervisors): server-side, with idle and absolute time-outs, a
//! per-session CSRF token on every staff form plus the same-origin check; and the home pages.
//! Signing in and out is `web::login`.

use std::collections::HashMap;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::TimeDelta;

use super::extractors::Staff;
use super::response::{html, see_other};
use super::views::staff as view;
use super::AppState;
use crate::db::{self, sessions::StaffSession};
use crate::domain::ids::{AssignmentId, ReviewId};
use crate::domain::locale::Locale;
use crate::domain::progress::{self, Stage};
use crate::domain::relationship::Relationship;
use crate::domain::status::Role;
use crate::domain::status::{AssignmentStatus, ProposalStatus, ReviewStatus};
use crate::domain::token;
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
    Cookie::build(cookie_name(state), value)
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

/// `GET /`: the signed-in person's home (their KAMs for a supervisor, the cycles for an admin).
pub async fn home(
    Staff(session): Staff,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let l = super::response::staff_locale(&req, &session);
    if session.role == Role::Admin {
        let rows = super::admin::cycle_rows(&state).await?;
        return Ok(html(
            StatusCode::OK,
            super::views::admin::cycles(l, &viewer(&session, &req), &rows),
        ));
    }
    let person = session.person_id.clone();
    let rows = state
        .db
        .read(move |c| {
            // three queries whatever the number of KAMs: the reviews (with their release),
            // their raters, and their KAM-nominated lists
            let reviews = db::reviews::list_for_supervisor(c, &person)?;
            let ids: Vec<ReviewId> = reviews
                .iter()
                .map(|r| r.listing.review.id.clone())
                .collect();
            let mut raters: HashMap<ReviewId, Vec<db::assignments::AssignmentListing>> =
                HashMap::new();
            for a in db::assignments::list_for_reviews(c, &ids)? {
                raters
                    .entry(a.assignment.review_id.clone())
                    .or_default()
                    .push(a);
            }
            let proposals: HashMap<ReviewId, ProposalStatus> =
                db::proposals::statuses(c, &ids)?.into_iter().collect();
            let mut out = Vec::new();
            for r in reviews {
                let assignments = raters.remove(&r.listing.review.id).unwrap_or_default();
                let statuses: Vec<(Relationship, AssignmentStatus)> = assignments
                    .iter()
                    .map(|a| (a.assignment.relationship, a.assignment.status))
                    .collect();
                let k = crate::domain::confidentiality::K::stored(r.min_group_size).get();
                let own = assignments
                    .iter()
                    .find(|a| {
                        a.assignment.rater_id == person
                            && a.assignment.relationship == Relationship::Supervisor
                    })
                    .map(|a| (a.assignment.id.clone(), a.assignment.status));
                let deadline = r.deadline();
                let proposal = proposals.get(&r.listing.review.id).copied();
                let pending = proposal.is_some_and(|s| s != ProposalStatus::Approved);
                let visible = crate::actions::visibility::results_visible(
                    &r.listing.review,
                    r.cycle_status,
                    &assignments,
                    pending,
                );
                let released =
                    r.listing.review.status == ReviewStatus::Finalized && r.released_at.is_some();
                let stage = Stage::of(r.listing.review.status, visible, released);
                out.push(view::SupervisedRow {
                    review_id: r.listing.review.id,
                    subject_name: r.listing.subject_name,
                    cycle_name: r.cycle_name,
                    cycle_status: r.cycle_status,
                    deadline,
                    closed_at: r.closed_at,
                    proposal,
                    review_status: r.listing.review.status,
                    stage,
                    k,
                    progress: progress::per_group(&statuses, k),
                    own,
                });
            }
            Ok::<_, AppError>(out)
        })
        .await?;
    Ok(html(
        StatusCode::OK,
        view::supervisor_home(
            l,
            &viewer(&session, &req),
            &rows,
            state.settings.min_group_size(),
        ),
    ))
}

/// `POST /rate/{assignment}`: a signed-in supervisor opens their own rating form for a KAM,
/// the same form raters use.
pub async fn rate(
    Staff(session): Staff,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<AssignmentId>,
) -> AppResult<HttpResponse> {
    let l = super::response::staff_locale(&req, &session);
    let id = path.into_inner();
    let offered = super::rater_access::session_value(&req, &state.settings);
    let (person, aid) = (session.person_id.clone(), id.clone());
    let (cookie, closes_at) = state
        .db
        .write(move |c| {
            // only the supervisor's own assignment; anything else is "not found"
            let closes_at = db::rater_access::own_supervisor_deadline(c, &aid, &person)?
                .ok_or(AppError::NotFound)?;
            let cookie = super::rater_access::issued_session(c, offered)?;
            db::rater_access::grant_session(c, &token::hash(&cookie), &aid, db::now())?;
            Ok::<_, AppError>((cookie, closes_at))
        })
        .await?;
    // the supervisor's own form, in the language of their staff pages
    let mut res = see_other(format!("/f/{id}?lang={}", l.as_str()));
    res.add_cookie(&super::rater_access::session_cookie(
        &state.settings,
        cookie,
        closes_at,
    ))
    .map_err(|e| AppError::Unexpected(anyhow::anyhow!("cookie: {e}")))?;
    Ok(res)
}
