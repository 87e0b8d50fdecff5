//! The organisation's branding as files of our own origin (the CSP allows no inline styles):
//! the accent colour as a stylesheet, and the logo (SPEC §13).

use actix_web::{web, HttpResponse};

use super::AppState;

/// `GET /static/brand.css`: the accent colour, and the shade used on hover.
pub async fn brand_css(state: web::Data<AppState>) -> HttpResponse {
    let css = match crate::domain::brand::accent(&state.settings.branding.accent) {
        Ok(c) => format!(
            ":root {{ --brand: {}; --brand-dark: {}; }}\n",
            c.hex(),
            c.darker(0.2).hex()
        ),
        // validated at start-up; the built-in colours stand
        Err(_) => String::new(),
    };
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(css)
}

/// `GET /static/logo`: the configured logo, or 404.
pub async fn logo(state: web::Data<AppState>) -> HttpResponse {
    match &state.logo {
        Some((bytes, media_type)) => HttpResponse::Ok()
            .content_type(*media_type)
            .insert_header(("Cache-Control", "public, max-age=3600"))
            .body(bytes.clone()),
        None => HttpResponse::NotFound().finish(),
    }
}
