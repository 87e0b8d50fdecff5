//! The responses every handler shares: HTML with the pages' cache and referrer headers, 303
//! redirects, the 404 page, and the page language (`?lang`, then the person's, then
//! Accept-Language).

use crate::domain::status::{Count, Notice};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::Markup;

use super::views::layout;
use crate::domain::locale::Locale;
use crate::i18n::t;

/// `?lang=zh|en`, if given.
pub fn chosen_lang(req: &HttpRequest) -> Option<Locale> {
    web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .ok()
        .and_then(|q| {
            q.iter()
                .find(|(k, _)| k == "lang")
                .and_then(|(_, v)| Locale::parse(v))
        })
}

/// The page language: `?lang`, then the rater's locale, then Accept-Language, then en.
pub fn locale(req: &HttpRequest, rater: Option<Locale>) -> Locale {
    chosen_lang(req)
        .or(rater)
        .or_else(|| {
            req.headers()
                .get("accept-language")
                .and_then(|v| v.to_str().ok())
                .and_then(Locale::negotiate)
        })
        .unwrap_or(Locale::En)
}

/// A staff page's language: `?lang`, then the person's saved choice, then Accept-Language.
pub fn staff_locale(req: &HttpRequest, session: &crate::db::sessions::StaffSession) -> Locale {
    locale(req, session.locale)
}

/// This page's URL in the other language (its other query parameters kept), for the switch.
pub fn switch_url(req: &HttpRequest, l: Locale) -> String {
    let mut pairs: Vec<(String, String)> =
        web::Query::<Vec<(String, String)>>::from_query(req.query_string())
            .map(web::Query::into_inner)
            .unwrap_or_default();
    pairs.retain(|(k, _)| k != "lang");
    pairs.push(("lang".into(), l.other().as_str().into()));
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    format!("{}?{query}", req.path())
}

/// `path`, keeping an explicitly chosen language.
pub fn with_lang(path: &str, lang: Option<Locale>) -> String {
    match lang {
        Some(l) => format!("{path}?lang={}", l.as_str()),
        None => path.to_owned(),
    }
}

/// An HTML response with the survey pages' headers.
pub fn html(status: StatusCode, body: Markup) -> HttpResponse {
    use actix_web::http::header::{self, HeaderValue};
    // static names and values: nothing parsed or checked per response
    HttpResponse::build(status)
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        ))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .insert_header((
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .body(body.into_string())
}

/// The cookie that carries a staff action's notice to the page it redirects to (so the
/// redirect's URL stays the page's own).
const NOTICE: &str = "kam360_notice";

/// 303 to `to`, carrying the notice `done` (an action's word) with its count `n`.
pub fn see_other_with_notice(
    to: String,
    done: Notice,
    count: impl Into<Count>,
    settings: &crate::config::Settings,
) -> HttpResponse {
    let Count { n, skipped } = count.into();
    let mut res = see_other(to);
    let cookie = actix_web::cookie::Cookie::build(NOTICE, format!("{done}.{n}.{skipped}"))
        .path("/")
        .http_only(true)
        .secure(settings.serves_https())
        .same_site(actix_web::cookie::SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::seconds(60))
        .finish();
    // a notice is a nicety: a response without it is still right
    let _ = res.add_cookie(&cookie);
    res
}

/// The notice a redirect carried (what was done, and its counts), if any, well-formed.
pub fn notice(req: &HttpRequest) -> Option<crate::domain::status::Done> {
    let c = req.cookie(NOTICE)?;
    let mut parts = c.value().split('.');
    let done = Notice::parse(parts.next()?)?;
    let n = parts.next()?.parse().ok()?;
    let skipped = parts.next().map_or(Some(0), |s| s.parse().ok())?;
    let count = Count { n, skipped };
    Some(crate::domain::status::Done {
        notice: done,
        count,
    })
}

/// Shows `body`, and forgets the notice it showed.
pub fn html_after_notice(req: &HttpRequest, status: StatusCode, body: Markup) -> HttpResponse {
    let mut res = html(status, body);
    if req.cookie(NOTICE).is_some() {
        let gone = actix_web::cookie::Cookie::build(NOTICE, "")
            .path("/")
            .max_age(actix_web::cookie::time::Duration::ZERO)
            .finish();
        let _ = res.add_cookie(&gone);
    }
    res
}

/// 303 See Other.
pub fn see_other(to: String) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", to))
        .insert_header(("Cache-Control", "no-store"))
        .finish()
}

/// The 404 page, in the visitor's language, with the way to get one's links again.
pub fn not_found_page(req: &HttpRequest) -> HttpResponse {
    let l = locale(req, None);
    html(
        StatusCode::NOT_FOUND,
        layout::message(
            l,
            t(l, "notfound.title"),
            t(l, "notfound.body"),
            None,
            maud::html! { p { a href="/links" { (t(l, "links.lost")) } } },
        ),
    )
}
