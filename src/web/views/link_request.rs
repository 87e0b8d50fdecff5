//! The rater's request for their links (`/links`, SPEC §13).

use maud::Markup;

use super::email_request::{self, Request};
use super::layout::Brand;
use crate::domain::locale::Locale;
use crate::i18n::{t, tf};

fn request(brand: &Brand, l: Locale) -> Request<'_> {
    Request {
        brand,
        action: "/links",
        title: t(l, "links.title"),
        intro: t(l, "links.intro"),
        button: t(l, "links.send"),
        back: ("/links", t(l, "links.again")),
    }
}

/// `GET /links`
pub fn form(brand: &Brand, l: Locale, switch: &str, email: &str, error: Option<&str>) -> Markup {
    email_request::form(l, &request(brand, l), switch, email, error)
}

/// The same answer whether or not the address has open requests.
pub fn sent(brand: &Brand, l: Locale, email: &str, contact: &str) -> Markup {
    let body = tf(
        l,
        "links.sent.body",
        &[("email", email), ("contact", contact)],
    );
    email_request::answer(l, &request(brand, l), t(l, "links.sent.title"), &body)
}

/// Too many requests for this address or from this client.
pub fn throttled(brand: &Brand, l: Locale) -> Markup {
    email_request::answer(
        l,
        &request(brand, l),
        t(l, "links.title"),
        t(l, "links.throttled"),
    )
}
