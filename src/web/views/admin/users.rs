//! Staff accounts (SPEC §11): the list with each account's role and state, the actions on it,
//! and the invitation form (errors beside their fields, what was typed kept).

use maud::{html, Markup};

use super::notice_of;
use crate::domain::forms::staff_invite::{Field, FieldProblem, InviteInput};
use crate::domain::locale::Locale;
use crate::domain::status::Role;
use crate::i18n::{t, tf};
use crate::web::views::staff::{staff_page, Viewer};

/// One staff account as the list shows it.
pub struct StaffRow {
    pub person_id: crate::domain::ids::PersonId,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub disabled: bool,
    /// Invited and no password chosen yet.
    pub invited: bool,
}

/// What the users page shows besides the accounts.
pub struct UsersPage<'a> {
    pub accounts: &'a [StaffRow],
    /// The person looking (no actions on oneself).
    pub me: &'a crate::domain::ids::PersonId,
    pub invite: &'a InviteInput,
    pub problems: &'a [FieldProblem],
    /// A refused action's reason.
    pub refusal: Option<&'a str>,
    pub done: Option<crate::domain::status::Done>,
}

fn invite_form(l: Locale, s: &Viewer<'_>, p: &UsersPage<'_>) -> Markup {
    let error = |field: &str| {
        p.problems
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, k)| *k)
    };
    let text = |f: Field, kind: &str, value: &str, auto: &str| {
        let field = f.name();
        let e = error(field);
        html! {
            div.field.error[e.is_some()] {
                label for={ "invite-" (field) } { (t(l, f.label_key())) }
                @if let Some(k) = e { p.field-error id={ "invite-" (field) "-error" } { (t(l, k)) } }
                input type=(kind) id={ "invite-" (field) } name=(field) value=(value) autocomplete=(auto) required
                    aria-invalid=[e.map(|_| "true")] aria-describedby=[e.map(|_| format!("invite-{field}-error"))];
            }
        }
    };
    let role = p.invite.role.as_str();
    let locale = match p.invite.locale.as_str() {
        "" => l.as_str(),
        other => other,
    };
    html! {
        section.invite aria-labelledby="invite-title" {
            h2 #invite-title { (t(l, "users.invite.title")) }
            p.hint { (t(l, "users.invite.intro")) }
            form.grid-form method="post" action="/admin/users" novalidate {
                input type="hidden" name="csrf" value=(s.csrf);
                (text(Field::Email, "email", &p.invite.email, "off"))
                (text(Field::Name, "text", &p.invite.name, "off"))
                div.field.error[error("role").is_some()] {
                    label for="invite-role" { (t(l, "users.field.role")) }
                    @if let Some(k) = error("role") { p.field-error { (t(l, k)) } }
                    select id="invite-role" name="role" {
                        @for r in Role::ALL {
                            option value=(r.as_str()) selected[role == r.as_str() || (role.is_empty() && *r == Role::Supervisor)] { (t(l, r.key())) }
                        }
                    }
                }
                div.field {
                    label for="invite-locale" { (t(l, "users.field.locale")) }
                    select id="invite-locale" name="locale" {
                        option value="zh" selected[locale == "zh"] { "中文" }
                        option value="en" selected[locale == "en"] { "English" }
                    }
                }
                div.actions { button.primary type="submit" { (t(l, "users.invite.button")) } }
            }
        }
    }
}

/// `GET /admin/users`.
pub fn users(l: Locale, s: &Viewer<'_>, p: &UsersPage<'_>) -> Markup {
    let title = t(l, "users.title");
    staff_page(
        l,
        title,
        s,
        html! {
            h1 { (title) }
            @if let Some(n) = notice_of(l, p.done) { div.status.notice role="status" { p { (n) } } }
            @if let Some(r) = p.refusal { div.status.error-summary role="alert" { p { (r) } } }
            @if !p.problems.is_empty() {
                div.status.error-summary role="alert" {
                    p { (t(l, "form.problems")) }
                    ul { @for (f, k) in p.problems { li { a href={ "#invite-" (f) } { (t(l, k)) } } } }
                }
            }
            table.overview.stack {
                caption.visually-hidden { (title) }
                thead { tr {
                    th scope="col" { (t(l, "users.field.name")) }
                    th scope="col" { (t(l, "users.field.role")) }
                    th scope="col" { (t(l, "home.status")) }
                    th scope="col" { span.visually-hidden { (t(l, "admin.col.actions")) } }
                } }
                tbody {
                    @for a in p.accounts {
                        @let invited = a.invited;
                        tr {
                            th scope="row" { (a.name) br; span.hint.email { (a.email) } }
                            td data-label=(t(l, "users.field.role")) { (t(l, a.role.title_key())) }
                            td data-label=(t(l, "home.status")) {
                                @if a.disabled { span.badge.a-revoked { (t(l, "users.disabled")) } }
                                @else if invited { span.badge.a-invited { (t(l, "users.invited")) } }
                                @else { span.badge.a-submitted { (t(l, "users.active")) } }
                            }
                            td.row-actions {
                                @if &a.person_id != p.me {
                                    form.inline method="post" action={ "/admin/users/" (a.person_id) "/role" } {
                                        input type="hidden" name="csrf" value=(s.csrf);
                                        label.visually-hidden for={ "role-" (a.person_id) } { (tf(l, "users.role_of", &[("name", &a.name)])) }
                                        select id={ "role-" (a.person_id) } name="role" {
                                            @for r in Role::ALL { option value=(r.as_str()) selected[*r == a.role] { (t(l, r.key())) } }
                                        }
                                        " " button.small.secondary type="submit" { (t(l, "users.change_role")) }
                                    }
                                    @if a.disabled {
                                        form.inline method="post" action={ "/admin/users/" (a.person_id) "/enable" } {
                                            input type="hidden" name="csrf" value=(s.csrf);
                                            button.small.secondary type="submit" aria-label={ (t(l, "users.enable")) (t(l, "punct.colon")) (a.name) } { (t(l, "users.enable")) }
                                        }
                                    } @else {
                                        form.inline method="post" action={ "/admin/users/" (a.person_id) "/disable" } {
                                            input type="hidden" name="csrf" value=(s.csrf);
                                            button.small.secondary type="submit" aria-label={ (t(l, "users.disable")) (t(l, "punct.colon")) (a.name) } { (t(l, "users.disable")) }
                                        }
                                        @if invited {
                                            form.inline method="post" action={ "/admin/users/" (a.person_id) "/invite" } {
                                                input type="hidden" name="csrf" value=(s.csrf);
                                                button.small.secondary type="submit" aria-label={ (t(l, "users.resend")) (t(l, "punct.colon")) (a.name) } { (t(l, "users.resend")) }
                                            }
                                        }
                                    }
                                } @else {
                                    span.hint { (t(l, "users.you")) }
                                }
                            }
                        }
                    }
                }
            }
            (invite_form(l, s, p))
        },
    )
}
