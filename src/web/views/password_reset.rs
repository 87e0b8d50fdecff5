//! The staff's password reset pages: ask for a link, the neutral answer, choose a new password.

use maud::{html, Markup};

use super::email_request::{self, Request};
use super::layout::Brand;
use super::layout::{message, narrow};
use crate::domain::locale::Locale;
use crate::i18n::{t, tf};

/// The request form's texts.
pub fn request(l: Locale) -> Request<'static> {
    static UNBRANDED: Brand = Brand {
        organization: String::new(),
        logo: false,
        logo_size: None,
        accent: false,
    };
    Request {
        brand: &UNBRANDED,
        action: "/password/forgot",
        title: t(l, "password.forgot.title"),
        intro: t(l, "password.forgot.intro"),
        button: t(l, "password.forgot.send"),
        back: ("/login", t(l, "password.back_to_login")),
    }
}

/// `GET /password/forgot`: the address to send a link to, keeping what was typed.
pub fn forgot(_: &Brand, l: Locale, switch: &str, email: &str, error: Option<&str>) -> Markup {
    email_request::form(l, &request(l), switch, email, error)
}

/// The same answer whether or not the address has an account.
pub fn sent(l: Locale, email: &str, minutes: i64) -> Markup {
    let body = tf(
        l,
        "password.sent.body",
        &[("email", email), ("minutes", &minutes.to_string())],
    );
    email_request::answer(l, &request(l), t(l, "password.sent.title"), &body)
}

/// Too many requests for this address or from this client.
pub fn throttled(_: &Brand, l: Locale) -> Markup {
    email_request::answer(
        l,
        &request(l),
        t(l, "password.forgot.title"),
        t(l, "password.throttled"),
    )
}

/// `GET /password/reset/{token}`: the new password, twice. Passwords are never sent back into
/// the page; `error` says what to change.
/// `first`: an invited account choosing its first password (a welcome, not a reset).
pub fn choose(l: Locale, action: &str, first: bool, switch: &str, error: Option<&str>) -> Markup {
    let title = t(
        l,
        if first {
            "password.first.title"
        } else {
            "password.reset.title"
        },
    );
    let hint = tf(
        l,
        "password.rules",
        &[(
            "min",
            &crate::domain::security::password::MIN_CHARS.to_string(),
        )],
    );
    narrow(
        l,
        title,
        Some(switch),
        html! {
            @if first { p { (t(l, "password.first.intro")) } }
            @if let Some(e) = error {
                div.status.error-summary role="alert" { p { (e) } }
            }
            form method="post" action=(action) {
                div.field {
                    label for="password" { (t(l, "password.new")) }
                    p.hint id="password-hint" { (hint) }
                    input type="password" id="password" name="password"
                        autocomplete="new-password" required
                        minlength=(crate::domain::security::password::MIN_CHARS)
                        aria-describedby="password-hint";
                }
                div.field {
                    label for="confirm" { (t(l, "password.confirm")) }
                    input type="password" id="confirm" name="confirm"
                        autocomplete="new-password" required;
                }
                div.actions { button.primary type="submit" { (t(l, "password.reset.save")) } }
            }
        },
    )
}

/// A reset link that was used, replaced by a newer one, or has expired.
pub fn gone(l: Locale) -> Markup {
    message(
        l,
        t(l, "password.gone.title"),
        t(l, "password.gone.body"),
        None,
        html! { p { a href="/password/forgot" { (t(l, "password.gone.again")) } } },
    )
}
