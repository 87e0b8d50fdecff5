//! The first run's page (SPEC §15): the first admin's name, email and password, or their
//! identity at the organisation's provider. Pure.

use maud::{html, Markup};

use super::layout::narrow;
use crate::domain::locale::Locale;
use crate::domain::security::password::MIN_CHARS;
use crate::i18n::{t, tf};

/// What was typed (never the password), and each refused field with its reason.
#[derive(Default)]
pub struct Typed<'a> {
    pub name: &'a str,
    pub email: &'a str,
    /// (field, reason) for each refused field.
    pub problems: &'a [(&'static str, String)],
    /// With single sign-on: the provider's name and the link that creates the admin from the
    /// holder's identity there (offered first).
    pub sso: Option<(&'a str, &'a str)>,
}

/// `GET /setup/{token}` (and the same page again, 422, with the problems).
pub fn setup(l: Locale, action: &str, switch: &str, typed: &Typed<'_>) -> Markup {
    let title = t(l, "setup.title");
    let problem = |field: &str| {
        typed
            .problems
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, why)| why.as_str())
    };
    let field = |id: &'static str, label: &str, kind: &str, value: &str, autocomplete: &str| {
        let error = problem(id);
        let error_id = format!("{id}-error");
        html! {
            div.field {
                label for=(id) { (label) }
                @if let Some(e) = error { p.field-error id=(error_id) { (e) } }
                input type=(kind) id=(id) name=(id) value=(value) autocomplete=(autocomplete) required
                    aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| error_id.as_str())];
            }
        }
    };
    narrow(
        l,
        title,
        Some(switch),
        html! {
            p { (t(l, "setup.intro")) }
            @if !typed.problems.is_empty() {
                div.status.error-summary role="alert" id="error-summary" tabindex="-1" {
                    p { (t(l, "setup.problems")) }
                    ul { @for (f, why) in typed.problems { li { a href={ "#" (f) } { (why) } } } }
                }
            }
            @if let Some((provider, href)) = typed.sso {
                p { (tf(l, "sso.setup.or", &[("provider", provider)])) }
                p.sso { a.button.primary href=(href) { (tf(l, "sso.setup.with", &[("provider", provider)])) } }
            }
            form method="post" action=(action) {
                (field("name", t(l, "users.field.name"), "text", typed.name, "name"))
                (field("email", t(l, "users.field.email"), "email", typed.email, "email"))
                p.hint { (tf(l, "password.rules", &[("min", &MIN_CHARS.to_string())])) }
                (field("password", t(l, "password.new"), "password", "", "new-password"))
                (field("confirm", t(l, "password.confirm"), "password", "", "new-password"))
                div.actions { button.primary type="submit" { (t(l, "setup.create")) } }
            }
        },
    )
}
