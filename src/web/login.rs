//! Staff sign-in and sign-out (SPEC §4, §14): one generic failure for every reason, attempts
//! throttled with growing delays through the database (shared by every instance), a new
//! session id at every sign-in, audited failures.

use crate::web::extractors::Visitor;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::TimeDelta;

use super::extractors::Staff;
use super::response::{chosen_lang, html, locale, see_other};
use super::staff::{cookie_name, current, session_cookie};
use super::views::staff as view;
use super::AppState;
use crate::actions::sign_in;
use crate::db;
use crate::domain::security::password as passwords;
use crate::domain::security::token;
use crate::error::{AppError, AppResult};
use crate::i18n::t;

/// `GET /login`
pub async fn login_form(state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    if current(&state, &req).await?.is_some() {
        return Ok(see_other("/".into()));
    }
    let l = locale(&req, None);
    let said = |flag: &str| req.query_string().split('&').any(|p| p == flag);
    let notice = if said("reset=done") {
        Some(t(l, "staff.password_changed"))
    } else if said("setup=done") {
        Some(t(l, "setup.done"))
    } else {
        None
    };
    let form = view::SignIn {
        notice,
        ..view::SignIn::new(ways(&state), chosen_lang(&req))
    };
    Ok(html(StatusCode::OK, view::login(l, &form)))
}

/// Whether a request is password sign-in or reset, which `auth.local_passwords = false`
/// removes (the sign-in page itself stays, offering single sign-on).
pub fn is_password_route(unsafe_method: bool, path: &str) -> bool {
    (unsafe_method && path == "/login") || path.starts_with("/password/")
}

/// The ways in that the sign-in page offers (SPEC §15).
pub(super) fn ways(state: &AppState) -> view::Ways<'_> {
    view::Ways {
        provider: state.sso.as_ref().map(|s| s.name()),
        passwords: state.settings.auth.local_passwords,
    }
}

/// The login form's fields; `resume_to` and `resume` carry a form whose session had ended.
#[derive(serde::Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    #[serde(default)]
    resume_to: String,
    #[serde(default)]
    resume: String,
}

/// The throttle keys of one sign-in attempt, hashed (no email or address is stored).
/// `POST /login`: one generic failure for every reason; throttled per account and address.
pub async fn login(
    Visitor(state, req): Visitor,
    form: web::Form<LoginForm>,
) -> AppResult<HttpResponse> {
    let l = locale(&req, None);
    let LoginForm {
        email,
        password,
        resume_to,
        resume,
    } = form.into_inner();
    let carried = super::session_resume::safe_resume_path(&resume_to).then_some(view::Carried {
        path: &resume_to,
        fields: &resume,
    });
    let email = email.trim().to_lowercase();
    // the sign-in page again, as typed, carrying the form it carried
    let refused = |error: &str| {
        let form = view::SignIn {
            email: &email,
            error: Some(error),
            carried,
            ..view::SignIn::new(ways(&state), chosen_lang(&req))
        };
        view::login(l, &form)
    };
    let address = super::security::client_address(&req, &state.settings.server.trusted_proxies);
    // growing delays per account at this address, and (looser) per account from anywhere:
    // never a hard lock, and colleagues behind the same NAT are not locked out together
    let keys = std::sync::Arc::new(sign_in::Keys::of(&email, &address));
    let k = keys.clone();
    let begun = state
        .db
        // the time is read inside the transaction, in the order attempts are serialised
        .write(move |c| sign_in::begin(c, &k, db::now()))
        .await?;
    if begun.is_err() {
        return Ok(html(
            StatusCode::TOO_MANY_REQUESTS,
            refused(t(l, "staff.throttled")),
        ));
    }
    let lookup = email.clone();
    let account = state
        .db
        .read(move |c| db::accounts::find_by_email(c, &lookup).map_err(AppError::from))
        .await?;
    let hash = account
        .as_ref()
        .map(|a| a.password_hash.clone())
        .unwrap_or_else(|| passwords::dummy_hash().to_owned());
    let stored = hash.clone();
    let (matches, rehashed) = web::block(move || {
        let ok = passwords::verify(&hash, &password);
        // outdated parameters are upgraded while the password is at hand
        let rehashed = (ok && passwords::needs_rehash(&stored))
            .then(|| passwords::hash(&password).ok())
            .flatten();
        (ok, rehashed)
    })
    .await
    .map_err(|e| AppError::Unexpected(e.into()))?;
    let account = account.filter(|a| matches && !a.disabled);
    let Some(account) = account else {
        // who and from where, without the address in the clear: the account's hash
        let account_hash = token::hash(&email);
        tracing::warn!(route = "/login", account = %&account_hash[..16], client = %address, "failed staff sign-in");
        let (k, who, client) = (keys.clone(), email.clone(), address.clone());
        state
            .db
            .write(move |c| sign_in::failed(c, &k, &who, &client, db::now()))
            .await?;
        return Ok(html(
            StatusCode::UNAUTHORIZED,
            refused(t(l, "staff.failed")),
        ));
    };
    // a new session id at every sign-in (no fixation); the old cookie's session ends
    let old = req
        .cookie(cookie_name(&state))
        .map(|c| token::hash(c.value()));
    let (id, csrf) = (token::issue(), token::issue());
    let absolute = TimeDelta::hours(state.settings.server.session_absolute_hours);
    let person = account.person_id.clone();
    let (id_hash, csrf_token) = (id.hash.clone(), csrf.token.clone());
    let chosen = super::response::chosen_lang(&req);
    state
        .db
        .write(move |c| {
            let opened = sign_in::Opened {
                person: &person,
                old_session: old.as_deref(),
                id_hash: &id_hash,
                csrf_token: &csrf_token,
                lasts: absolute,
                chosen,
                rehashed: rehashed.as_deref(),
                id_token: None,
            };
            sign_in::open(c, Some(&keys), &opened, db::now())
        })
        .await?;
    let mut res = match carried {
        // the form typed before the session ended, sent on with this session's token
        Some(c) => {
            let fields: Vec<(String, String)> =
                serde_urlencoded::from_str(c.fields).unwrap_or_default();
            html(
                StatusCode::OK,
                view::resume(l, c.path, &fields, &csrf.token),
            )
        }
        None => see_other("/".into()),
    };
    res.add_cookie(&session_cookie(&state, id.token, absolute))
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("cookie: {e}")))?;
    Ok(res)
}

/// `POST /logout`: ends the kam360 session and, for a session begun through the identity
/// provider that advertises an end-session endpoint, sends the person on to end its session too.
pub async fn logout(Staff(session, state, req, ..): Staff) -> AppResult<HttpResponse> {
    let hash = session.id_hash.clone();
    let id_token = state.db.write(move |c| sign_in::sign_out(c, &hash)).await?;
    let provider = match (&state.sso, &id_token) {
        (Some(sso), Some(hint)) => sso
            .end_session_url(Some(hint))
            .await
            .map(|url| (sso.clone(), url)),
        _ => None,
    };
    let mut res = match provider {
        Some((sso, url)) => {
            let l = locale(&req, session.locale);
            super::oidc::signed_out(l, &sso, &url)
        }
        None => see_other("/login".into()),
    };
    res.add_cookie(&session_cookie(&state, String::new(), TimeDelta::zero()))
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("cookie: {e}")))?;
    Ok(res)
}
