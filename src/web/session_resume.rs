//! Typed work survives an ended staff session (issue 12): a form posted to a staff route
//! after the session timed out is not thrown away. Instead of a redirect to `/login`, the
//! sign-in page comes back (401) carrying what was typed; signing in then shows a page that
//! sends it on, with the new session's CSRF token, in one press.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web;

use super::response::{html, locale};
use super::views::staff as view;
use super::AppState;

/// The largest form body carried through a sign-in.
const MAX_CARRIED: usize = 64 * 1024;

/// Whether `path` is a staff page (not public, not a rater's or KAM's link).
pub fn is_staff_path(path: &str) -> bool {
    !(path.starts_with("/r/")
        || path.starts_with("/f/")
        || path.starts_with("/k/")
        || path.starts_with("/n/")
        || path.starts_with("/static/")
        || path.starts_with("/password/")
        || path.starts_with("/setup/")
        || path.starts_with("/login/oidc")
        || matches!(path, "/login" | "/links" | "/healthz" | "/readyz"))
}

/// A path a sign-in may send a carried form on to: one of our own staff pages.
pub fn safe_resume_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains(['\\', '?', '#', '%'])
        && !path.split('/').any(|seg| seg == "." || seg == "..")
        && !path.chars().any(|c| c.is_control() || c.is_whitespace())
        && path.len() <= 300
        && path != "/logout"
        && is_staff_path(path)
}

/// A staff form posted without a live session ([`super::guard`] calls it): see the
/// module's documentation. Anything else goes on to the handler, whose extractor sends the
/// browser to the sign-in.
pub async fn carry(
    mut req: ServiceRequest,
    state: &AppState,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if req.method() != Method::POST || !form || !safe_resume_path(req.path()) {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    // only a form from our own pages, to a route that exists: a form another site posts
    // (which arrives without the session, the cookie being SameSite) is never carried, so it
    // cannot be sent on with a fresh token after the victim signs in
    if !super::security::proven_same_origin(req.request(), state.settings.base_url())
        || req.match_pattern().is_none()
    {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    // the session has ended: keep what was typed (never the old CSRF token)
    let body = req.extract::<web::Bytes>().await.unwrap_or_default();
    if body.len() > MAX_CARRIED {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    let mut fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    fields.retain(|(k, _)| k != "csrf");
    let carried = serde_urlencoded::to_string(&fields).unwrap_or_default();
    let l = locale(req.request(), None);
    tracing::info!("staff form posted after the session ended: kept for after sign-in");
    let state = req.app_data::<web::Data<super::AppState>>().cloned();
    let ways = match &state {
        Some(s) => super::login::ways(s),
        None => view::Ways {
            provider: None,
            passwords: true,
        },
    };
    let form = view::SignIn {
        carried: Some(view::Carried {
            path: req.path(),
            fields: &carried,
        }),
        ..view::SignIn::new(ways, super::response::chosen_lang(req.request()))
    };
    let page = view::login(l, &form);
    let res = html(StatusCode::UNAUTHORIZED, page);
    Ok(req.into_response(res).map_into_boxed_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_own_staff_paths_are_resumed() {
        assert!(safe_resume_path("/admin/cycles"));
        assert!(safe_resume_path(
            "/reviews/0192f3c4-1d2e-7a3b-8c4d-5e6f70819203"
        ));
        for bad in [
            "//evil.example/x",
            "/\tevil",
            "/\t/evil.example",
            "https://evil.example/",
            "/admin?x=1",
            "/logout",
            "/login",
            "/r/token",
            "/admin/\nx",
            "/admin/../logout",
            "/admin/%2e%2e/r/x",
            "/admin/./x",
        ] {
            assert!(!safe_resume_path(bad), "{bad:?}");
        }
    }
}
