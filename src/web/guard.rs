//! One guard in front of every route, so a forgotten check cannot be written:
//! - every unsafe method must come from our own pages (`Sec-Fetch-Site`/`Origin`): a form
//!   another site posts to a rater's, a KAM's or a public page is refused (403) before any
//!   handler runs; staff routes add the token check below;
//! - with `auth.local_passwords = false`, password sign-in and reset answer 404 (SPEC §15);
//! - the session is read once here and handed to the handler's extractor;
//! - `/admin` is a scope for admins: anyone else signed in is told nothing is there (404);
//! - every unsafe method must come from our own pages (`Sec-Fetch-Site`/`Origin`) and carry
//!   the session's token in its `csrf` field (urlencoded or multipart): else 403, before any
//!   handler runs;
//! - a form posted after the session ended is carried through the sign-in
//!   ([`super::session_resume`]).
//!
//! The body read to find the token is handed on to the handler unchanged.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpResponse};
use futures_util::StreamExt;
use subtle::ConstantTimeEq;

use super::session_resume::{carry, is_staff_path};
use super::staff::forbidden;
use super::AppState;
use crate::db::sessions::StaffSession;
use crate::domain::status::Role;
use crate::error::AppError;

/// The largest body read to find the token: the upload's limit (5 MB) and some room.
const MAX_BODY: usize = 6 * 1024 * 1024;

/// The middleware: see the module's documentation.
pub async fn guard(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let pass = |req: ServiceRequest, next: Next<_>| async move {
        next.call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body)
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return pass(req, next).await;
    };
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD);
    // with `auth.local_passwords = false`, password sign-in and reset are not there (§15)
    if !state.settings.auth.local_passwords
        && super::login::is_password_route(unsafe_method, req.path())
    {
        let res = super::response::not_found_page(req.request());
        return Ok(req.into_response(res).map_into_boxed_body());
    }
    if !is_staff_path(req.path()) {
        if unsafe_method && !super::security::same_origin(req.request(), state.settings.base_url())
        {
            let res = other_site(super::response::locale(req.request(), None));
            return Ok(req.into_response(res).map_into_boxed_body());
        }
        return pass(req, next).await;
    }
    let Some(session) = super::staff::current(&state, req.request()).await? else {
        // signed out: a GET goes to the sign-in (the extractor's 303); a form is kept
        if unsafe_method {
            return carry(req, &state, next).await;
        }
        return pass(req, next).await;
    };
    if req.path().starts_with("/admin") && session.role != Role::Admin {
        let res: HttpResponse = actix_web::ResponseError::error_response(&AppError::NotFound);
        return Ok(req.into_response(res).map_into_boxed_body());
    }
    if unsafe_method {
        let l = super::response::staff_locale(req.request(), &session);
        let body = read_body(&mut req).await?;
        let sent = token_in(&req, &body).await.unwrap_or_default();
        let token_ok = bool::from(session.csrf_token.as_bytes().ct_eq(sent.as_bytes()));
        if !token_ok || !super::security::same_origin(req.request(), state.settings.base_url()) {
            return Ok(req.into_response(forbidden(l)).map_into_boxed_body());
        }
        req.set_payload(Payload::from(body));
    }
    req.extensions_mut().insert::<StaffSession>(session);
    pass(req, next).await
}

/// The answer to a form another site posted to a page without sign-in.
fn other_site(l: crate::domain::locale::Locale) -> HttpResponse {
    tracing::warn!("form refused: posted from another site");
    super::response::html(
        actix_web::http::StatusCode::FORBIDDEN,
        super::views::layout::problem(
            l,
            crate::i18n::ProblemPage::Bad,
            Some(crate::i18n::t(l, "bad.origin")),
        ),
    )
}

/// The whole body (at most [`MAX_BODY`]; beyond it, 413).
async fn read_body(req: &mut ServiceRequest) -> Result<web::Bytes, actix_web::Error> {
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk?;
        if body.len() + chunk.len() > MAX_BODY {
            return Err(actix_web::error::ErrorPayloadTooLarge(
                "the form is too large",
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// The `csrf` field of an urlencoded or multipart body.
async fn token_in(req: &ServiceRequest, body: &web::Bytes) -> Option<String> {
    let kind = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if kind.starts_with("application/x-www-form-urlencoded") {
        let fields = crate::domain::forms::urlencoded::parse(body).ok()?;
        return fields
            .into_iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v);
    }
    if kind.starts_with("multipart/form-data") {
        let chunk = body.clone();
        let stream =
            futures_util::stream::once(
                async move { Ok::<_, actix_web::error::PayloadError>(chunk) },
            );
        let mut parts = actix_multipart::Multipart::new(req.headers(), stream);
        while let Some(Ok(mut field)) = parts.next().await {
            let is_token = field.name() == Some("csrf");
            let mut value = Vec::new();
            while let Some(Ok(bytes)) = field.next().await {
                if is_token && value.len() + bytes.len() <= 256 {
                    value.extend_from_slice(&bytes);
                }
            }
            if is_token {
                return String::from_utf8(value).ok();
            }
        }
    }
    None
}
