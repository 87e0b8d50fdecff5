//! HTTP hardening: security headers with a strict CSP (no inline scripts or styles), request
//! logs that name the route pattern and never the path (paths carry survey tokens), and the
//! same-origin check for unsafe methods.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{DefaultHeaders, Next};
use actix_web::HttpRequest;

/// The Content-Security-Policy of every response.
pub const CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Headers added to every response that has not set them itself.
pub fn headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::CONTENT_SECURITY_POLICY, CSP))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::REFERRER_POLICY, "no-referrer"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::CACHE_CONTROL, "no-store"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
        .add((
            "Permissions-Policy",
            "camera=(), microphone=(), geolocation=()",
        ))
}

/// Logs method, route pattern, status and duration of each request.
pub async fn log_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let start = std::time::Instant::now();
    let method = req.method().clone();
    let res = next.call(req).await?;
    // finding the pattern matches the path against the route table again: only when logged
    if tracing::enabled!(tracing::Level::INFO) {
        let route = res
            .request()
            .match_pattern()
            .unwrap_or_else(|| "(unmatched)".into());
        tracing::info!(%method, route = %route, status = res.status().as_u16(), ms = start.elapsed().as_millis() as u64, "request");
    }
    Ok(res)
}

/// Whether an unsafe request comes from our own pages: `Sec-Fetch-Site` when the browser sends
/// it, else `Origin` against the request's own host and the public base URL. Requests with
/// neither (scripts, old clients) pass; the token or session still guards them.
pub fn same_origin(req: &HttpRequest, public_base_url: &str) -> bool {
    if let Some(site) = req
        .headers()
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
    {
        return matches!(site, "same-origin" | "none");
    }
    let Some(origin) = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    else {
        return true;
    };
    let host = req.connection_info().host().to_owned();
    let own = [format!("http://{host}"), format!("https://{host}")];
    origin == public_base_url.trim_end_matches('/') || own.iter().any(|o| o == origin)
}
