//! The stylesheet and the progressive-enhancement script, embedded and served from our origin
//! (the CSP forbids inline styles and scripts).

use actix_web::HttpResponse;

const CSS: &str = include_str!("../static/app.css");
const JS: &str = include_str!("../static/form.js");
const ICON: &str = include_str!("../static/favicon.svg");

/// `GET /static/app.css`
pub async fn css() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(CSS)
}

/// `GET /static/favicon.svg` (every page names it, so browsers do not ask for `/favicon.ico`)
pub async fn icon() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .body(ICON)
}

/// `GET /static/form.js`
pub async fn js() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(JS)
}
