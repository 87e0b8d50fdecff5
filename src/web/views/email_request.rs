//! The "type your address, we email you a link" pages shared by the staff's password reset
//! and the rater's request for their links: the form and the same answer for every address.

use maud::{html, Markup};

use super::layout::{rater_message, rater_page, Brand};
use crate::domain::locale::Locale;
use crate::i18n::t;

/// The texts and target of one kind of request.
pub struct Request<'a> {
    pub action: &'a str,
    pub title: &'a str,
    pub intro: &'a str,
    pub button: &'a str,
    /// Where "back" goes, with its words.
    pub back: (&'a str, &'a str),
    /// Who asks (the rater's pages name the organisation; staff pages do not).
    pub brand: &'a Brand,
}

/// The address form, keeping what was typed; `error` sits next to the field.
pub fn form(l: Locale, r: &Request<'_>, switch: &str, email: &str, error: Option<&str>) -> Markup {
    rater_page(
        r.brand,
        l,
        r.title,
        Some(switch),
        html! {
            section.message.narrow {
                h1 { (r.title) }
                p { (r.intro) }
                // the answer comes in the page's language, whatever the browser asks for
                form method="post" action={ (r.action) "?lang=" (l.as_str()) } novalidate {
                    div.field {
                        label for="email" { (t(l, "staff.email")) }
                        @if let Some(e) = error {
                            p.field-error id="email-error" { (e) }
                            input type="email" id="email" name="email" value=(email)
                                autocomplete="email" required aria-invalid="true"
                                aria-describedby="email-error";
                        } @else {
                            input type="email" id="email" name="email" value=(email)
                                autocomplete="email" required;
                        }
                    }
                    div.actions { button.primary type="submit" { (r.button) } }
                }
                @if r.back.0 != r.action {
                    p { a href=(r.back.0) { (r.back.1) } }
                }
            }
        },
    )
}

/// A one-paragraph answer with the way back.
pub fn answer(l: Locale, r: &Request<'_>, title: &str, body: &str) -> Markup {
    rater_message(
        r.brand,
        l,
        title,
        body,
        None,
        html! { p { a href=(r.back.0) { (r.back.1) } } },
    )
}
