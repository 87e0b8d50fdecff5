//! The admin console's other screens (SPEC §11): staff accounts, email problems and the audit
//! trail.

use chrono::NaiveDateTime;
use maud::{html, Markup};

use super::staff::{staff_page, Viewer};
use crate::actions::users::{FieldProblem, InviteInput};
use crate::db::accounts::StaffListing;
use crate::db::audit::Listed;
use crate::db::outbox::OutboxRow;
use crate::domain::locale::Locale;
use crate::domain::status::{EmailKind, OutboxStatus, Role};
use crate::i18n::{t, tf};

fn utc(at: NaiveDateTime) -> Markup {
    html! { time datetime=(at.format("%Y-%m-%dT%H:%MZ").to_string()) { (at.format("%Y-%m-%d %H:%M")) " UTC" } }
}

fn notice_of(l: Locale, done: &str, n: usize) -> Option<String> {
    let key = match done {
        "invited" => "users.done.invited",
        "resent" => "users.done.resent",
        "role" => "users.done.role",
        "disabled" => "users.done.disabled",
        "enabled" => "users.done.enabled",
        "retried" => "outbox.done.retried",
        _ => return None,
    };
    Some(tf(l, key, &[("n", &n.to_string())]))
}

/// What the users page shows besides the accounts.
pub struct UsersPage<'a> {
    pub accounts: &'a [StaffListing],
    /// The person looking (no actions on oneself).
    pub me: &'a str,
    pub invite: &'a InviteInput,
    pub problems: &'a [FieldProblem],
    /// A refused action's reason.
    pub refusal: Option<&'a str>,
    pub done: (&'a str, usize),
}

fn invite_form(l: Locale, s: &Viewer<'_>, p: &UsersPage<'_>) -> Markup {
    let error = |field: &str| {
        p.problems
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, k)| *k)
    };
    let text = |field: &str, kind: &str, value: &str, auto: &str| {
        let e = error(field);
        html! {
            div.field.error[e.is_some()] {
                label for={ "invite-" (field) } { (t(l, &format!("users.field.{field}"))) }
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
                (text("email", "email", &p.invite.email, "off"))
                (text("name", "text", &p.invite.name, "off"))
                div.field.error[error("role").is_some()] {
                    label for="invite-role" { (t(l, "users.field.role")) }
                    @if let Some(k) = error("role") { p.field-error { (t(l, k)) } }
                    select id="invite-role" name="role" {
                        @for r in Role::ALL {
                            option value=(r.as_str()) selected[role == r.as_str() || (role.is_empty() && *r == Role::Supervisor)] { (t(l, &format!("role.{r}"))) }
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
            @if let Some(n) = notice_of(l, p.done.0, p.done.1) { div.status.notice role="status" { p { (n) } } }
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
                        @let invited = !a.password_set;
                        tr {
                            th scope="row" { (a.name) br; span.hint.email { (a.email) } }
                            td data-label=(t(l, "users.field.role")) { (t(l, &format!("users.role.{}", a.role))) }
                            td data-label=(t(l, "home.status")) {
                                @if a.disabled { span.badge.a-revoked { (t(l, "users.disabled")) } }
                                @else if invited { span.badge.a-invited { (t(l, "users.invited")) } }
                                @else { span.badge.a-submitted { (t(l, "users.active")) } }
                            }
                            td.row-actions {
                                @if a.person_id != p.me {
                                    form.inline method="post" action={ "/admin/users/" (a.person_id) "/role" } {
                                        input type="hidden" name="csrf" value=(s.csrf);
                                        label.visually-hidden for={ "role-" (a.person_id) } { (tf(l, "users.role_of", &[("name", &a.name)])) }
                                        select id={ "role-" (a.person_id) } name="role" {
                                            @for r in Role::ALL { option value=(r.as_str()) selected[*r == a.role] { (t(l, &format!("role.{r}"))) } }
                                        }
                                        " " button.small.secondary type="submit" { (t(l, "users.change_role")) }
                                    }
                                    @if a.disabled {
                                        form.inline method="post" action={ "/admin/users/" (a.person_id) "/enable" } {
                                            input type="hidden" name="csrf" value=(s.csrf);
                                            button.small.secondary type="submit" aria-label={ (t(l, "users.enable")) ": " (a.name) } { (t(l, "users.enable")) }
                                        }
                                    } @else {
                                        form.inline method="post" action={ "/admin/users/" (a.person_id) "/disable" } {
                                            input type="hidden" name="csrf" value=(s.csrf);
                                            button.small.secondary type="submit" aria-label={ (t(l, "users.disable")) ": " (a.name) } { (t(l, "users.disable")) }
                                        }
                                        @if invited {
                                            form.inline method="post" action={ "/admin/users/" (a.person_id) "/invite" } {
                                                input type="hidden" name="csrf" value=(s.csrf);
                                                button.small.secondary type="submit" aria-label={ (t(l, "users.resend")) ": " (a.name) } { (t(l, "users.resend")) }
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

/// `GET /admin/outbox`: messages retrying or failed, with the last error.
pub fn outbox(
    l: Locale,
    s: &Viewer<'_>,
    rows: &[OutboxRow],
    done: (&str, usize),
    refusal: Option<&str>,
) -> Markup {
    let title = t(l, "outbox.title");
    let failed = rows
        .iter()
        .filter(|r| r.status == OutboxStatus::Failed)
        .count();
    staff_page(
        l,
        title,
        s,
        html! {
            h1 { (title) }
            p { (t(l, "outbox.intro")) }
            @if let Some(n) = notice_of(l, done.0, done.1) { div.status.notice role="status" { p { (n) } } }
            @if let Some(r) = refusal { div.status.error-summary role="alert" { p { (r) } } }
            @if rows.is_empty() { p.empty { (t(l, "outbox.none")) } }
            @if failed > 1 {
                form method="post" action="/admin/outbox/retry" {
                    input type="hidden" name="csrf" value=(s.csrf);
                    button.primary type="submit" { (tf(l, "outbox.retry_all", &[("n", &failed.to_string())])) }
                }
            }
            @if !rows.is_empty() {
                table.overview.stack {
                    caption.visually-hidden { (title) }
                    thead { tr {
                        th scope="col" { (t(l, "outbox.to")) }
                        th scope="col" { (t(l, "outbox.kind")) }
                        th scope="col" { (t(l, "home.status")) }
                        th scope="col" { (t(l, "outbox.error")) }
                        th scope="col" { span.visually-hidden { (t(l, "admin.col.actions")) } }
                    } }
                    tbody {
                        @for r in rows {
                            tr {
                                th scope="row" { (r.recipient_name) br; span.hint.email { (r.recipient_email) } }
                                td data-label=(t(l, "outbox.kind")) { (t(l, &format!("kind.{}", r.kind))) br; span.hint { (utc(r.created_at)) } }
                                td data-label=(t(l, "home.status")) {
                                    @if r.status == OutboxStatus::Failed { span.badge.a-revoked { (t(l, "outbox.failed")) } }
                                    @else { span.badge.a-draft { (tf(l, "outbox.retrying", &[("n", &r.attempts.to_string())])) } br; span.hint { (t(l, "outbox.next")) " " (utc(r.next_attempt_at)) } }
                                }
                                td data-label=(t(l, "outbox.error")) { code.error-text { (r.last_error.as_deref().unwrap_or("—")) } }
                                td.row-actions {
                                    @if r.status == OutboxStatus::Failed {
                                        @if EmailKind::SELF_SERVICE.contains(&r.kind) {
                                            span.hint { (t(l, &format!("outbox.personal.{}", r.kind))) }
                                        } @else {
                                            form.inline method="post" action={ "/admin/outbox/" (r.id) "/retry" } {
                                                input type="hidden" name="csrf" value=(s.csrf);
                                                button.small.primary type="submit" aria-label={ (t(l, "outbox.retry")) ": " (r.recipient_email) } { (t(l, "outbox.retry")) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// The audit page's filter and page.
pub struct AuditPage<'a> {
    pub events: &'a [Listed],
    /// (id, name) of every cycle, for the filter.
    pub cycles: &'a [(String, String)],
    pub cycle: &'a str,
    pub person: &'a str,
    pub page: usize,
    pub more: bool,
}

fn audit_href(p: &AuditPage<'_>, page: usize) -> String {
    let page = page.to_string();
    let pairs: Vec<(&str, &str)> = [("cycle", p.cycle), ("person", p.person), ("page", &page)]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect();
    format!(
        "/admin/audit?{}",
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    )
}

/// `GET /admin/audit`: the trail, newest first, filterable by cycle and person.
pub fn audit(l: Locale, s: &Viewer<'_>, p: &AuditPage<'_>) -> Markup {
    let title = t(l, "audit.title");
    staff_page(
        l,
        title,
        s,
        html! {
            h1 { (title) }
            form.filter method="get" action="/admin/audit" role="search" {
                div.field.inline-field {
                    label for="cycle" { (t(l, "home.cycle")) }
                    select id="cycle" name="cycle" {
                        option value="" { (t(l, "audit.all_cycles")) }
                        @for (id, name) in p.cycles { option value=(id) selected[p.cycle == id] { (name) } }
                    }
                }
                div.field.inline-field {
                    label for="person" { (t(l, "audit.person")) }
                    input type="email" id="person" name="person" value=(p.person);
                }
                button.secondary type="submit" { (t(l, "admin.filter")) }
            }
            @if p.events.is_empty() { p.empty { (t(l, "audit.none")) } }
            @if !p.events.is_empty() {
                table.overview.stack.audit {
                    caption.visually-hidden { (title) }
                    thead { tr {
                        th scope="col" { (t(l, "audit.when")) }
                        th scope="col" { (t(l, "audit.who")) }
                        th scope="col" { (t(l, "audit.what")) }
                        th scope="col" { (t(l, "audit.detail")) }
                    } }
                    tbody {
                        @for e in p.events {
                            tr {
                                th scope="row" { (utc(e.event.at)) }
                                td data-label=(t(l, "audit.who")) {
                                    @match &e.actor { Some((name, email)) => { (name) br; span.hint.email { (email) } }, None => span.hint { (t(l, "audit.system")) } }
                                }
                                td data-label=(t(l, "audit.what")) { code { (e.event.action) } }
                                td data-label=(t(l, "audit.detail")) {
                                    @if let Some(tg) = &e.event.target { span { (tg) } " " }
                                    @if e.event.old_value.is_some() || e.event.new_value.is_some() {
                                        span.change { (e.event.old_value.as_deref().unwrap_or("")) " → " (e.event.new_value.as_deref().unwrap_or("")) }
                                    }
                                    @if let Some(r) = &e.event.rationale { br; span.hint { (r) } }
                                }
                            }
                        }
                    }
                }
            }
            nav.pager aria-label=(t(l, "admin.pages")) {
                @if p.page > 1 { a rel="prev" href=(audit_href(p, p.page - 1)) { (t(l, "admin.newer")) } }
                @if p.more { a rel="next" href=(audit_href(p, p.page + 1)) { (t(l, "admin.older")) } }
            }
        },
    )
}
