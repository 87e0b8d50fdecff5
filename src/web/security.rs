//! HTTP hardening: security headers with a strict CSP (no inline scripts or styles), request
//! logs that name the route pattern and never the path (paths carry survey tokens), and the
//! same-origin check for unsafe methods.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{DefaultHeaders, Next};
use actix_web::HttpRequest;

/// The Content-Security-Policy of every response. `connect-src 'self'` lets the form's own
/// script save drafts as the rater goes (SPEC §13); nothing may come from or go to another
/// origin, and nothing inline runs.
pub const CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

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
    use tracing::Instrument;
    let start = std::time::Instant::now();
    let method = req.method().clone();
    // a request id ties the request's log lines together (random; never a secret)
    let span =
        tracing::info_span!("request", request_id = %format!("{:016x}", rand::random::<u64>()));
    let res = next.call(req).instrument(span.clone()).await?;
    // finding the pattern matches the path against the route table again: only when logged
    if tracing::enabled!(tracing::Level::INFO) {
        let route = res
            .request()
            .match_pattern()
            .unwrap_or_else(|| "(unmatched)".into());
        span.in_scope(|| {
            tracing::info!(%method, route = %route, status = res.status().as_u16(), ms = start.elapsed().as_millis() as u64, "request");
        });
    }
    Ok(res)
}

/// Bounds the time a request may take while its body is still being read: a client that
/// trickles its body gets 408 and the connection is freed (actix bounds only the time to send
/// headers). Once the handler has read the whole body, its work may take longer: a launch
/// queues 190,000 invitations in about 50 s, and answering 408 meanwhile told the admin it
/// had failed while it went on and committed.
pub async fn time_limit(
    limit: std::time::Duration,
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let read = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let body = Watched {
        inner: actix_web::HttpMessage::take_payload(&mut req),
        read: read.clone(),
    };
    req.set_payload(actix_web::dev::Payload::Stream {
        payload: Box::pin(body),
    });
    let mut call = std::pin::pin!(next.call(req));
    let answer = match tokio::time::timeout(limit, &mut call).await {
        Ok(answer) => answer,
        Err(_) if read.load(std::sync::atomic::Ordering::Acquire) => call.await,
        Err(_) => {
            tracing::info!("request timed out");
            let response = actix_web::HttpResponse::RequestTimeout()
                .insert_header((header::CONNECTION, "close"))
                .finish();
            return Err(actix_web::error::InternalError::from_response(
                "request timed out",
                response,
            )
            .into());
        }
    };
    answer.map(ServiceResponse::map_into_boxed_body)
}

/// A request's body that says when it has been read to its end.
struct Watched {
    inner: actix_web::dev::Payload,
    read: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl futures_util::Stream for Watched {
    type Item = Result<actix_web::web::Bytes, actix_web::error::PayloadError>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        let polled = std::pin::Pin::new(&mut self.inner).poll_next(cx);
        if let std::task::Poll::Ready(None) = polled {
            self.read.store(true, std::sync::atomic::Ordering::Release);
        }
        polled
    }
}

/// The client's address: the peer's, or, when the peer is one of the `trusted` proxies, the
/// last address in `X-Forwarded-For` that is not a trusted proxy (the one the outermost
/// trusted proxy saw). A client's own `X-Forwarded-For` is never believed.
pub fn client_address(req: &HttpRequest, trusted: &[String]) -> String {
    let is_trusted = |ip: &std::net::IpAddr| trusted.iter().any(|t| t.parse().ok() == Some(*ip));
    let Some(peer) = req.peer_addr().map(|a| a.ip()) else {
        return String::new();
    };
    if !is_trusted(&peer) {
        return peer.to_string();
    }
    let forwarded: Vec<std::net::IpAddr> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    forwarded
        .into_iter()
        .rev()
        .find(|ip| !is_trusted(ip))
        .unwrap_or(peer)
        .to_string()
}

/// Whether an unsafe request comes from our own pages: `Sec-Fetch-Site` when the browser sends
/// it, else `Origin` against the configured public base URL (never the request's own `Host`,
/// which the sender chooses). Requests with neither (scripts, old clients) pass; the token or
/// session still guards them.
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
    origin == public_base_url.trim_end_matches('/')
}

/// Whether the request positively comes from our own pages: `Sec-Fetch-Site: same-origin`, or
/// (without it) an `Origin` equal to the public base URL. Unlike [`same_origin`], a request
/// with neither header does not pass: for what no token guards (a form carried through a
/// sign-in is sent on with a fresh token).
pub fn proven_same_origin(req: &HttpRequest, public_base_url: &str) -> bool {
    if let Some(site) = req
        .headers()
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
    {
        return site == "same-origin";
    }
    req.headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|origin| origin == public_base_url.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let proxies = ["10.0.0.5".to_owned()];
        let req = |peer: &str, xff: &str| {
            TestRequest::default()
                .peer_addr(format!("{peer}:40000").parse().expect("addr"))
                .insert_header(("x-forwarded-for", xff))
                .to_http_request()
        };
        // a client's own header is ignored
        assert_eq!(
            client_address(&req("203.0.113.9", "1.2.3.4"), &proxies),
            "203.0.113.9"
        );
        // through the proxy: the address it saw, not what the client prepended
        assert_eq!(
            client_address(&req("10.0.0.5", "1.2.3.4, 198.51.100.7"), &proxies),
            "198.51.100.7"
        );
        assert_eq!(
            client_address(&req("10.0.0.5", "garbage"), &proxies),
            "10.0.0.5"
        );
    }

    #[test]
    fn the_origin_is_compared_with_the_configured_url_not_the_host() {
        let base = "http://127.0.0.1:8080";
        let forged = TestRequest::default()
            .insert_header(("host", "evil.example"))
            .insert_header(("origin", "http://evil.example"))
            .to_http_request();
        assert!(!same_origin(&forged, base), "a chosen Host proves nothing");
        let ours = TestRequest::default()
            .insert_header(("host", "127.0.0.1:8080"))
            .insert_header(("origin", base))
            .to_http_request();
        assert!(same_origin(&ours, base));
        let cross = TestRequest::default()
            .insert_header(("sec-fetch-site", "cross-site"))
            .insert_header(("origin", base))
            .to_http_request();
        assert!(!same_origin(&cross, base));
    }
}
