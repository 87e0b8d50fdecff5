//! Staff screens: the page frame (header, navigation, who is signed in) and sign-in.

use maud::{html, Markup};

use super::layout::{message as simple, narrow, page};
use crate::domain::locale::Locale;
use crate::domain::status::Role;
use crate::i18n::{t, tf};

/// Who is looking at a staff page.
#[derive(Debug, Clone)]
pub struct Viewer<'a> {
    pub name: &'a str,
    /// The session's CSRF token, for every form on the page.
    pub csrf: &'a str,
    pub role: Role,
    /// This page in the other language (the switch in the header).
    pub switch: String,
    /// The path of this page, to mark its place in the navigation.
    pub here: String,
}

/// A staff page: the header's language switch, who is signed in, the navigation of their
/// role, then `body`.
pub fn staff_page(l: Locale, title: &str, s: &Viewer<'_>, body: Markup) -> Markup {
    page(
        l,
        title,
        Some(&s.switch),
        html! {
            (bar(l, s))
            (body)
        },
    )
}

/// A one-paragraph page.
pub fn message(l: Locale, title: &str, body: &str) -> Markup {
    simple(
        l,
        title,
        body,
        None,
        html! { p { a href="/login" { (t(l, "staff.login.title")) } } },
    )
}

/// The ways in that the sign-in page offers (SPEC §15).
#[derive(Debug, Clone, Copy)]
pub struct Ways<'a> {
    /// The identity provider's name, when single sign-on is configured (offered first).
    pub provider: Option<&'a str>,
    /// Whether password sign-in (and reset) is on.
    pub passwords: bool,
}

/// A form typed before its session ended, carried through the sign-in: its path, and its
/// fields url-encoded.
#[derive(Debug, Clone, Copy)]
pub struct Carried<'a> {
    pub path: &'a str,
    pub fields: &'a str,
}

/// What the sign-in page shows.
#[derive(Debug, Clone, Copy)]
pub struct SignIn<'a> {
    pub ways: Ways<'a>,
    /// The language chosen with `?lang=` (kept through the POST, and saved as the person's at
    /// sign-in); a negotiated language is neither.
    pub explicit: Option<Locale>,
    /// The email as typed.
    pub email: &'a str,
    /// The one generic message of a refused sign-in.
    pub error: Option<&'a str>,
    /// A confirmation (the password was changed).
    pub notice: Option<&'a str>,
    /// The form to send on after signing in (the language switch is then not offered).
    pub carried: Option<Carried<'a>>,
}

impl<'a> SignIn<'a> {
    /// The empty form.
    pub fn new(ways: Ways<'a>, explicit: Option<Locale>) -> Self {
        SignIn {
            ways,
            explicit,
            email: "",
            error: None,
            notice: None,
            carried: None,
        }
    }
}

/// Why single sign-on did not sign the person in, with the way to start again.
pub fn sso_refused(l: Locale, why: &str, again: &str) -> Markup {
    simple(
        l,
        t(l, "sso.refused.title"),
        why,
        None,
        html! { p { a.button.primary href=(again) { (t(l, "sso.refused.again")) } } },
    )
}

/// Signed out of kam360, on the way to the provider's end-session page (the response's
/// `Refresh` header goes there at once; the link is for when it does not).
pub fn signed_out(l: Locale, provider: &str, end_session: &str) -> Markup {
    simple(
        l,
        t(l, "sso.signed_out.title"),
        &tf(l, "sso.signed_out.body", &[("provider", provider)]),
        None,
        html! { p { a.button.primary href=(end_session) { (tf(l, "sso.signed_out.continue", &[("provider", provider)])) } } },
    )
}

/// After signing in with a carried form: one press sends it on with the new session's token.
pub fn resume(l: Locale, path: &str, fields: &[(String, String)], csrf: &str) -> Markup {
    let title = t(l, "staff.resume.title");
    narrow(
        l,
        title,
        None,
        html! {
            p { (t(l, "staff.resume.body")) }
            details.carried {
                summary { (t(l, "staff.resume.what")) " " code { (path) } }
                dl {
                    @for (k, v) in fields {
                        div { dt { (k) } dd { (v.chars().take(200).collect::<String>()) @if v.chars().count() > 200 { "…" } } }
                    }
                }
            }
            form method="post" action=(path) {
                input type="hidden" name="csrf" value=(csrf);
                @for (k, v) in fields { input type="hidden" name=(k) value=(v); }
                div.actions {
                    button.primary type="submit" { (t(l, "staff.resume.send")) }
                    " " a.button.secondary href="/" { (t(l, "staff.resume.discard")) }
                }
            }
        },
    )
}

/// The sign-in page; a carried form without an error says that the session ended.
pub fn login(l: Locale, form: &SignIn<'_>) -> Markup {
    let SignIn {
        ways,
        explicit,
        email,
        error,
        notice,
        carried,
    } = *form;
    let ended = (carried.is_some() && error.is_none()).then(|| t(l, "staff.session_ended"));
    let notice = notice.or(ended);
    let title = t(l, "staff.login.title");
    // the language switch reloads the page: not offered while it carries a typed form
    let switch = format!("/login?lang={}", l.other().as_str());
    let action = match explicit {
        Some(x) => format!("/login?lang={}", x.as_str()),
        None => "/login".to_owned(),
    };
    narrow(
        l,
        title,
        carried.is_none().then_some(switch.as_str()),
        html! {
            p { (t(l, "staff.login.intro")) }
            @if let Some(e) = error {
                div.status.error-summary role="alert" { p { (e) } }
            }
            @if let Some(n) = notice {
                div.status role="status" { p { (n) } }
            }
            @if let Some(provider) = ways.provider {
                p.sso {
                    a.button.primary href=(match explicit { Some(x) => format!("/login/oidc?lang={}", x.as_str()), None => "/login/oidc".to_owned() }) {
                        (tf(l, "sso.signin", &[("provider", provider)]))
                    }
                }
                @if ways.passwords { h2.or { (t(l, "sso.or_password")) } }
            }
            @if ways.passwords {
                form method="post" action=(action) {
                    @if let Some(c) = carried {
                        input type="hidden" name="resume_to" value=(c.path);
                        input type="hidden" name="resume" value=(c.fields);
                    }
                    div.field {
                        label for="email" { (t(l, "staff.email")) }
                        input type="email" id="email" name="email" value=(email) autocomplete="username" required;
                    }
                    div.field {
                        label for="password" { (t(l, "staff.password")) }
                        input type="password" id="password" name="password" autocomplete="current-password" required;
                    }
                    div.actions { button.primary type="submit" { (t(l, "staff.signin")) } }
                }
                p { a href="/password/forgot" { (t(l, "staff.forgot")) } }
            }
        },
    )
}

fn bar(l: Locale, s: &Viewer<'_>) -> Markup {
    let links: &[(&str, &str)] = match s.role {
        Role::Admin => &[
            ("/admin", "nav.cycles"),
            ("/team", "nav.team"),
            ("/admin/users", "nav.users"),
            ("/admin/outbox", "nav.outbox"),
            ("/admin/audit", "nav.audit"),
        ],
        Role::Supervisor => &[("/", "nav.reviews"), ("/team", "nav.team")],
    };
    html! {
        div.staff-bar {
            nav.staff-nav aria-label=(t(l, "nav.label")) {
                ul {
                    @for (href, key) in links {
                        @let current = s.here == *href || (*href != "/" && *href != "/admin" && s.here.starts_with(href)) || (*href == "/admin" && s.here.starts_with("/admin/cycles"));
                        li { a href=(href) aria-current=[current.then_some("page")] { (t(l, key)) } }
                    }
                }
            }
            span.who { (tf(l, "staff.signed_in_as", &[("name", s.name)])) }
            form method="post" action="/logout" {
                input type="hidden" name="csrf" value=(s.csrf);
                button.secondary type="submit" { (t(l, "staff.logout")) }
            }
        }
    }
}
