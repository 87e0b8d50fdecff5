//! The page shell shared by every screen.

use maud::{html, Markup, DOCTYPE};

use super::fragments::Reserve;
use crate::domain::locale::Locale;
use crate::i18n::t;

/// Draws a whole page. `switch` is the URL of this page in the other language, if it has one.
pub fn page(locale: Locale, title: &str, switch: Option<&str>, body: Markup) -> Markup {
    html! {
        (Reserve(body.0.len() + 2048))
        (DOCTYPE)
        html lang=(locale.html_lang()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (title) " · kam360" }
                link rel="stylesheet" href="/static/app.css";
                script src="/static/form.js" defer {}
            }
            body {
                header.top {
                    span.brand { "kam360" }
                    @if let Some(href) = switch {
                        nav aria-label=(t(locale, "lang.label")) {
                            a.lang href=(href) lang=(locale.other().html_lang()) hreflang=(locale.other().as_str()) { (t(locale, "lang.switch")) }
                        }
                    }
                }
                main id="main" { (body) }
            }
        }
    }
}

/// A simple page with a heading and one paragraph.
pub fn message(
    locale: Locale,
    title: &str,
    body: &str,
    switch: Option<&str>,
    extra: Markup,
) -> Markup {
    page(
        locale,
        title,
        switch,
        html! {
            section.message {
                h1 { (title) }
                p { (body) }
                (extra)
            }
        },
    )
}

/// A problem page (`{key}.title`, `{key}.body` in `locale`) with an optional detail line.
pub fn problem(locale: Locale, key: &str, detail: Option<&str>) -> Markup {
    message(
        locale,
        t(locale, &format!("{key}.title")),
        t(locale, &format!("{key}.body")),
        None,
        html! {
            @if let Some(d) = detail { p.detail { (d) } }
        },
    )
}
