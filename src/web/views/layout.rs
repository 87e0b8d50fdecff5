//! The page shell shared by every screen.

use maud::{html, Markup, DOCTYPE};

use super::fragments::Reserve;
use crate::domain::locale::Locale;
use crate::i18n::{t, ProblemPage};

/// Who asks for the feedback, on the pages raters see (SPEC §13).
#[derive(Debug, Clone, Default)]
pub struct Brand {
    /// The organisation's name; empty: kam360 alone.
    pub organization: String,
    /// Whether `/static/logo` serves a logo.
    pub logo: bool,
    /// The logo's intrinsic (width, height), when its header says it.
    pub logo_size: Option<(u32, u32)>,
    /// Whether `/static/brand.css` sets another accent colour.
    pub accent: bool,
}

/// Draws a whole page. `switch` is the URL of this page in the other language, if it has one.
pub fn page(locale: Locale, title: &str, switch: Option<&str>, body: Markup) -> Markup {
    shell(locale, title, switch, None, body)
}

/// A narrow page of one form or message: its title as the heading, then `body`.
pub fn narrow(locale: Locale, title: &str, switch: Option<&str>, body: Markup) -> Markup {
    let section = html! { section.message.narrow { h1 { (title) } (body) } };
    page(locale, title, switch, section)
}

/// [`page`] for raters: the organisation that asks is named in the header.
pub fn rater_page(
    brand: &Brand,
    locale: Locale,
    title: &str,
    switch: Option<&str>,
    body: Markup,
) -> Markup {
    shell(locale, title, switch, Some(brand), body)
}

fn shell(
    locale: Locale,
    title: &str,
    switch: Option<&str>,
    brand: Option<&Brand>,
    body: Markup,
) -> Markup {
    let named = brand.filter(|b| !b.organization.is_empty());
    html! {
        (Reserve(body.0.len() + 2048))
        (DOCTYPE)
        html lang=(locale.html_lang()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (title) " · kam360" }
                link rel="icon" href="/static/favicon.svg" type="image/svg+xml";
                link rel="stylesheet" href="/static/app.css";
                @if brand.is_some_and(|b| b.accent) {
                    link rel="stylesheet" href="/static/brand.css";
                }
                script src="/static/form.js" defer {}
            }
            body {
                header.top {
                    span.brand {
                        @if brand.is_some_and(|b| b.logo) {
                            @let size = brand.and_then(|b| b.logo_size);
                            img.logo src="/static/logo" alt="" width=[size.map(|s| s.0)] height=[size.map(|s| s.1)];
                        }
                        @if let Some(b) = named { (b.organization) } @else { "kam360" }
                    }
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
    branded_message(None, locale, title, body, switch, extra)
}

/// [`message`] for raters, naming the organisation that asks.
pub fn rater_message(
    brand: &Brand,
    locale: Locale,
    title: &str,
    body: &str,
    switch: Option<&str>,
    extra: Markup,
) -> Markup {
    branded_message(Some(brand), locale, title, body, switch, extra)
}

fn branded_message(
    brand: Option<&Brand>,
    locale: Locale,
    title: &str,
    body: &str,
    switch: Option<&str>,
    extra: Markup,
) -> Markup {
    shell(
        locale,
        title,
        switch,
        brand,
        html! {
            section.message {
                h1 { (title) }
                p { (body) }
                (extra)
            }
        },
    )
}

/// A problem page (its title and body in `locale`) with an optional detail line.
pub fn problem(locale: Locale, page: ProblemPage, detail: Option<&str>) -> Markup {
    message(
        locale,
        t(locale, page.title_key()),
        t(locale, page.body_key()),
        None,
        html! {
            @if let Some(d) = detail { p.detail { (d) } }
        },
    )
}
