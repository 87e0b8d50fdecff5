//! Email problems and the audit trail (SPEC §11).

use chrono::NaiveDateTime;
use maud::{html, Markup};

use super::super::audit;
use super::{notice_of, utc};
use crate::web::views::staff::{staff_page, Viewer};

use crate::domain::locale::Locale;
use crate::domain::status::{EmailKind, OutboxStatus};
use crate::i18n::{t, tf, tn};

/// A message retrying or failed, as the email problems page shows it.
pub struct MessageLine {
    pub id: crate::domain::ids::MessageId,
    pub kind: EmailKind,
    pub recipient_name: String,
    pub recipient_email: String,
    pub status: OutboxStatus,
    pub attempts: i32,
    pub created_at: NaiveDateTime,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
}

/// An event of the audit trail, with (name, email) of whoever did it and the rater it
/// concerns.
pub struct AuditLine {
    pub at: NaiveDateTime,
    pub actor: Option<(String, String)>,
    pub action: String,
    pub target: Option<String>,
    /// The rater it concerns: (name, email, relationship).
    pub concerned: Option<(String, String, crate::domain::relationship::Relationship)>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub rationale: Option<String>,
}

impl AuditLine {
    fn shown(&self) -> audit::Event<'_> {
        let about = match (&self.concerned, self.target.as_deref()) {
            (Some((name, email, r)), _) => audit::About::Rater(name, email, *r),
            // a message's or a criterion's id says nothing here; an address does
            (None, Some(target)) if target.contains('@') => audit::About::Named(target),
            _ => audit::About::Nothing,
        };
        audit::Event {
            action: &self.action,
            about,
            old_value: self.old_value.as_deref(),
            new_value: self.new_value.as_deref(),
        }
    }
}

/// `GET /admin/outbox`: messages retrying or failed, with the last error.
pub fn outbox(
    l: Locale,
    s: &Viewer<'_>,
    rows: &[MessageLine],
    done: Option<crate::domain::status::Done>,
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
            @if let Some(n) = notice_of(l, done) { div.status.notice role="status" { p { (n) } } }
            @if let Some(r) = refusal { div.status.error-summary role="alert" { p { (r) } } }
            @if rows.is_empty() { p.empty { (t(l, "outbox.none")) } }
            @if failed > 1 {
                form method="post" action="/admin/outbox/retry" {
                    input type="hidden" name="csrf" value=(s.csrf);
                    button.primary type="submit" { (tn(l, "outbox.retry_all", failed, &[])) }
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
                                td data-label=(t(l, "outbox.kind")) { (t(l, r.kind.key())) br; span.hint { (utc(r.created_at)) } }
                                td data-label=(t(l, "home.status")) {
                                    @if r.status == OutboxStatus::Failed { span.badge.a-revoked { (t(l, "outbox.failed")) } }
                                    @else { span.badge.a-draft { (tf(l, "outbox.retrying", &[("n", &r.attempts.to_string())])) } br; span.hint { (t(l, "outbox.next")) " " (utc(r.next_attempt_at)) } }
                                }
                                td data-label=(t(l, "outbox.error")) { code.error-text { (r.last_error.as_deref().unwrap_or("—")) } }
                                td.row-actions {
                                    @if r.status == OutboxStatus::Failed {
                                        @if let Some(personal) = r.kind.personal_key() {
                                            span.hint { (t(l, personal)) }
                                        } @else {
                                            form.inline method="post" action={ "/admin/outbox/" (r.id) "/retry" } {
                                                input type="hidden" name="csrf" value=(s.csrf);
                                                button.small.primary type="submit" aria-label={ (t(l, "outbox.retry")) (t(l, "punct.colon")) (r.recipient_email) } { (t(l, "outbox.retry")) }
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
    pub events: &'a [AuditLine],
    /// (id, name) of every cycle, for the filter.
    pub cycles: &'a [(crate::domain::ids::CycleId, String)],
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
                        @for (id, name) in p.cycles { option value=(id) selected[p.cycle == id.as_str()] { (name) } }
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
                                th scope="row" { (utc(e.at)) }
                                td data-label=(t(l, "audit.who")) {
                                    @match &e.actor { Some((name, email)) => { (name) br; span.hint.email { (email) } }, None => span.hint { (t(l, "audit.system")) } }
                                }
                                td data-label=(t(l, "audit.what")) data-action=(e.action) { (audit::action_words(l, &e.action)) }
                                td data-label=(t(l, "audit.detail")) {
                                    (audit::detail(l, &e.shown()))
                                    @if let Some(r) = &e.rationale { br; span.hint { (audit::reason(l, r)) } }
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
