//! Staff single sign-on (SPEC §15): `GET /login/oidc` sends the person to the identity
//! provider, `GET /login/oidc/callback` brings them back and opens their session, and
//! `GET /setup/{token}/oidc` creates the first admin from their identity. The state travels in
//! an HttpOnly cookie and must match the callback's; its flow is used once. Every refusal is a
//! page that says why, in the person's language, with the way to start again.

use crate::web::extractors::Visitor;
use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::TimeDelta;

use super::response::{chosen_lang, html, locale, not_found_page, see_other, with_lang};
use super::staff::{cookie_name, session_cookie};
use super::views::staff as view;
use super::AppState;
use crate::actions::{oidc, sign_in};
use crate::db::{self, sign_in_flows::Flow};
use crate::domain::locale::Locale;
use crate::domain::security::email_address::EmailAddress;
use crate::domain::security::sso::Refusal;
use crate::domain::security::{password as passwords, token};
use crate::error::{AppError, AppResult};
use crate::i18n::tf;
use crate::oidc::{Identity, Provider};

/// The flow cookie: `__Host-` (which requires `Secure`) when served over https.
fn flow_cookie_name(state: &AppState) -> &'static str {
    if state.settings.serves_https() {
        "__Host-kam360_sso"
    } else {
        "kam360_sso"
    }
}

/// The cookie that ties the callback to the browser that began the sign-in (`SameSite=Lax`:
/// the provider's redirect back is a top-level navigation from its site).
fn flow_cookie(state: &AppState, value: String, lasts: TimeDelta) -> Cookie<'static> {
    super::staff::private_cookie(state, flow_cookie_name(state), value, lasts)
}

fn with_cookie(mut res: HttpResponse, cookie: &Cookie<'_>) -> AppResult<HttpResponse> {
    res.add_cookie(cookie)
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("cookie: {e}")))?;
    Ok(res)
}

/// `GET /login/oidc`: off the provider's sign-in page (404 while single sign-on is off).
pub async fn start(state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    let Some(sso) = state.sso.clone() else {
        return Ok(not_found_page(&req));
    };
    begin(&state, &req, &sso, None).await
}

/// `GET /setup/{token}/oidc`: the setup link's holder creates the first admin with their
/// identity at the provider (404 once an admin exists, or without single sign-on).
pub async fn setup_start(
    Visitor(state, req): Visitor,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let (Some(sso), Some(hash)) = (
        state.sso.clone(),
        super::setup::open_link(&state, &path).await?,
    ) else {
        return Ok(not_found_page(&req));
    };
    begin(&state, &req, &sso, Some(hash)).await
}

async fn begin(
    state: &AppState,
    req: &HttpRequest,
    sso: &Provider,
    setup_hash: Option<String>,
) -> AppResult<HttpResponse> {
    let chosen = chosen_lang(req);
    let started = match sso.start().await {
        Ok(s) => s,
        Err(refusal) => {
            let l = locale(req, None);
            return Ok(refused(l, sso, refusal, None, None));
        }
    };
    let flow = Flow {
        nonce: started.nonce,
        pkce_verifier: started.pkce_verifier,
        setup_hash,
        locale: chosen,
    };
    let state_hash = token::hash(&started.state);
    state
        .db
        .write(move |c| oidc::begin(c, &state_hash, &flow, db::now()))
        .await?;
    with_cookie(
        see_other(started.url),
        &flow_cookie(state, started.state, oidc::flow_lasts()),
    )
}

/// What the provider sends back.
#[derive(serde::Deserialize)]
pub struct Callback {
    #[serde(default)]
    code: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    error: String,
    #[serde(default)]
    error_description: String,
    /// The issuer, from providers that name it in their response (RFC 9207).
    #[serde(default)]
    iss: Option<String>,
}

/// `GET /login/oidc/callback`: the state must be the browser's and its flow unused and fresh;
/// then the code is redeemed, the ID token verified and the person admitted (§15's rules).
pub async fn callback(
    Visitor(state, req): Visitor,
    query: web::Query<Callback>,
) -> AppResult<HttpResponse> {
    let Some(sso) = state.sso.clone() else {
        return Ok(not_found_page(&req));
    };
    let q = query.into_inner();
    let negotiated = locale(&req, None);
    let forget = flow_cookie(&state, String::new(), TimeDelta::zero());
    let ours = req
        .cookie(flow_cookie_name(&state))
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    // the state must be the one this browser was given (no sign-in planted from elsewhere)
    let matches = !q.state.is_empty()
        && ours.len() == q.state.len()
        && subtle::ConstantTimeEq::ct_eq(ours.as_bytes(), q.state.as_bytes()).into();
    let flow = if matches {
        let hash = token::hash(&q.state);
        state
            .db
            .write(move |c| oidc::take(c, &hash, db::now()))
            .await?
    } else {
        None
    };
    let Some(flow) = flow else {
        tracing::warn!(
            reason = Refusal::StaleState.code(),
            "single sign-on refused"
        );
        let page = refused(negotiated, &sso, Refusal::StaleState, None, None);
        return with_cookie(page, &forget);
    };
    let l = flow.locale.unwrap_or(negotiated);
    let refuse = |refusal: Refusal, email: Option<&str>, reason: Option<&str>| {
        tracing::warn!(reason = refusal.code(), "single sign-on refused");
        with_cookie(refused(l, &sso, refusal, email, reason), &forget)
    };
    if !q.error.is_empty() || q.code.is_empty() {
        let said = if q.error_description.is_empty() {
            &q.error
        } else {
            &q.error_description
        };
        let said: String = match crate::domain::security::text::printable(said).trim() {
            "" => "—".to_owned(),
            said => said.chars().take(200).collect(),
        };
        return refuse(Refusal::ProviderSaidNo, None, Some(&said));
    }
    if q.iss.as_deref().is_some_and(|iss| !sso.is_issuer(iss)) {
        return refuse(Refusal::WrongIssuer, None, None);
    }
    let identity = match sso.finish(&q.code, &flow.nonce, &flow.pkce_verifier).await {
        Ok(identity) => identity,
        Err(refusal) => {
            state
                .db
                .write(move |c| oidc::refused(c, None, refusal, db::now()))
                .await?;
            return refuse(refusal, None, None);
        }
    };
    let Some(email) = identity.email.as_deref().and_then(EmailAddress::parse) else {
        state
            .db
            .write(|c| oidc::refused(c, None, Refusal::EmailUnverified, db::now()))
            .await?;
        return refuse(Refusal::EmailUnverified, None, None);
    };
    match admit(&state, &req, &sso, &identity, &email, flow).await? {
        Ok(res) => with_cookie(res, &forget),
        Err(refusal) => refuse(refusal, Some(email.as_str()), None),
    }
}

/// Admits the verified person and opens their session (one transaction), or says why not.
async fn admit(
    state: &AppState,
    req: &HttpRequest,
    sso: &Provider,
    identity: &Identity,
    email: &EmailAddress,
    flow: Flow,
) -> AppResult<Result<HttpResponse, Refusal>> {
    let lookup = email.as_str().to_owned();
    let exists = state
        .db
        .read(move |c| Ok::<_, AppError>(db::accounts::find_by_email(c, &lookup)?.is_some()))
        .await?;
    // a new account gets a password nobody knows (hashed off the transaction)
    let unusable_hash = if exists || !(sso.provisions() || flow.setup_hash.is_some()) {
        None
    } else {
        Some(
            web::block(|| passwords::hash(&passwords::generate()))
                .await
                .map_err(|e| AppError::Unexpected(e.into()))?
                .map_err(|e| AppError::Unexpected(e.into()))?,
        )
    };
    let name = identity
        .name
        .clone()
        .unwrap_or_else(|| email.as_str().to_owned());
    let claimed = identity.claimed;
    let old = req
        .cookie(cookie_name(state))
        .map(|c| token::hash(c.value()));
    let (id, csrf) = (token::issue(), token::issue());
    let lasts = TimeDelta::hours(state.settings.server.session_absolute_hours);
    let (email, id_token) = (email.clone(), identity.id_token.clone());
    let (id_hash, csrf_token) = (id.hash.clone(), csrf.token.clone());
    let provision = sso.provisions();
    let admitted = state
        .db
        .write(move |c| {
            let now = db::now();
            let who = oidc::Vouched {
                email: &email,
                name: &name,
                claimed,
                unusable_hash: unusable_hash.as_deref(),
            };
            let person = match &flow.setup_hash {
                Some(setup) => match oidc::create_first_admin(c, setup, &who, now) {
                    Ok(person) => person,
                    Err(AppError::NotFound) => return Ok(Err(Refusal::StaleState)),
                    Err(e) => return Err(e),
                },
                None => match oidc::admit(c, &who, provision, now)? {
                    Ok(person) => person,
                    Err(refusal) => return Ok(Err(refusal)),
                },
            };
            let opened = sign_in::Opened {
                person: &person,
                old_session: old.as_deref(),
                id_hash: &id_hash,
                csrf_token: &csrf_token,
                lasts,
                chosen: flow.locale,
                rehashed: None,
                id_token: Some(&id_token),
            };
            sign_in::open(c, None, &opened, now)?;
            Ok(Ok(()))
        })
        .await?;
    if let Err(refusal) = admitted {
        return Ok(Err(refusal));
    }
    let mut res = see_other("/".into());
    res.add_cookie(&session_cookie(state, id.token, lasts))
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("cookie: {e}")))?;
    Ok(Ok(res))
}

/// The page that says why the person is not signed in, with the way to start again.
fn refused(
    l: Locale,
    sso: &Provider,
    refusal: Refusal,
    email: Option<&str>,
    reason: Option<&str>,
) -> HttpResponse {
    let why = tf(
        l,
        refusal.key(),
        &[
            ("provider", sso.name()),
            ("email", email.unwrap_or("")),
            ("reason", reason.unwrap_or("")),
        ],
    );
    let again = with_lang("/login", Some(l));
    let status = StatusCode::from_u16(refusal.status()).unwrap_or(StatusCode::FORBIDDEN);
    html(status, view::sso_refused(l, &why, &again))
}

/// After signing out of a session begun through the provider: the page that sends the person
/// on to end the provider's session too. A `Refresh` header rather than a redirect, because
/// the sign-out is a form's POST and the page's policy lets forms go only to kam360.
pub fn signed_out(l: Locale, sso: &Provider, end_session: &str) -> HttpResponse {
    let mut res = html(StatusCode::OK, view::signed_out(l, sso.name(), end_session));
    if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&format!("0;url={end_session}")) {
        res.headers_mut().insert(
            actix_web::http::header::HeaderName::from_static("refresh"),
            v,
        );
    }
    res
}
