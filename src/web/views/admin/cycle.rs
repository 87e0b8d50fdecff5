//! The admin's page of one cycle (SPEC §11): its settings and next step, the nominations per
//! KAM with each one's status and last email, the actions on each, the CSV upload and the
//! single-nomination form. Admins see who answered, never what (§7): nothing here reads an
//! answer.

use chrono::NaiveDateTime;
use maud::{html, Markup};

use super::{closing, progress};
use crate::domain::dates::Deadline;
use crate::domain::forms::cycle_settings::parse_stored_days;
use crate::domain::forms::nomination_form::{EditInput, NominationInput};
use crate::domain::locale::Locale;
use crate::domain::relationship::Relationship;
use crate::domain::status::{AssignmentStatus, CycleStatus, NominationMode, ProposalStatus};
use crate::domain::status::{Count, Notice};
use crate::i18n::{t, tf, tn};
use crate::web::views::staff::{staff_page, Viewer};

/// One nomination's line.
pub struct NominationRow {
    pub id: crate::domain::ids::AssignmentId,
    pub rater_name: String,
    pub rater_email: String,
    pub locale: crate::domain::locale::Locale,
    pub organization: String,
    pub relationship: Relationship,
    pub status: AssignmentStatus,
    pub last_email: Option<NaiveDateTime>,
}

/// One KAM with their nominations.
pub struct KamBlock {
    pub review_id: crate::domain::ids::ReviewId,
    pub subject_name: String,
    pub subject_email: String,
    pub supervisor_name: String,
    /// Where the KAM stands in proposing raters (nomination mode `kam`).
    pub proposal: Option<ProposalStatus>,
    pub rows: Vec<NominationRow>,
}

/// The cycle as its page shows it.
pub struct CycleView {
    pub id: crate::domain::ids::CycleId,
    pub name: String,
    pub status: CycleStatus,
    pub deadline: Deadline,
    /// When it actually closed, if it did.
    pub closed_at: Option<NaiveDateTime>,
    pub min_group_size: i32,
    /// Its own reminder days (comma-separated), empty for the configured ones.
    pub reminder_days: String,
    pub nominations: NominationMode,
    /// The IANA zone its times are shown in.
    pub time_zone: String,
}

/// What the filter asked for.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    pub q: String,
    /// `unanswered`: only KAMs and nominations still waiting.
    #[serde(default)]
    pub show: String,
    #[serde(default)]
    pub page: Option<usize>,
    /// The notice of the action that led here (`imported`, `launched`, …), from the
    /// redirect's notice cookie (never from the URL).
    #[serde(skip)]
    pub done: Option<Notice>,
    #[serde(skip)]
    pub n: Option<Count>,
}

impl PageQuery {
    /// Only nominations still waiting for an answer.
    pub fn unanswered(&self) -> bool {
        self.show == "unanswered"
    }

    /// `?q=…&show=…&page=…` (only what is set), so that an action on a row comes back to the
    /// same view of the list; empty for the plain list.
    pub fn kept(&self) -> String {
        let page = self.page.filter(|p| *p > 1).map(|p| p.to_string());
        let pairs: Vec<(&str, &str)> = [
            ("q", self.q.trim()),
            ("show", self.show.as_str()),
            ("page", page.as_deref().unwrap_or("")),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect();
        match serde_urlencoded::to_string(pairs) {
            Ok(q) if !q.is_empty() => format!("?{q}"),
            _ => String::new(),
        }
    }
}

/// What a refused action leaves on the page.
#[derive(Default)]
pub struct Refusal<'a> {
    /// The CSV's bad rows, `line N: reason` each.
    pub import: Vec<String>,
    /// The single-nomination form as typed, and why it was refused.
    pub add: Option<(&'a NominationInput, String)>,
    /// Any other refused action's reason.
    pub other: Option<String>,
    /// A refused change to one nomination: (its id, the row as typed).
    pub row: Option<(crate::domain::ids::AssignmentId, EditInput)>,
}

impl Refusal<'_> {
    /// A refused change to one nomination: the row comes back open, as typed, with the reason.
    pub fn of_row(
        id: crate::domain::ids::AssignmentId,
        typed: EditInput,
    ) -> impl FnOnce(String) -> Self {
        move |reason| Refusal {
            other: Some(reason),
            row: Some((id, typed)),
            ..Default::default()
        }
    }
}

/// The whole page.
pub struct CyclePage<'a> {
    pub cycle: &'a CycleView,
    pub counts: &'a [(AssignmentStatus, usize)],
    pub kams_total: usize,
    pub kams: &'a [KamBlock],
    pub query: &'a PageQuery,
    pub page: usize,
    pub pages: usize,
    /// The configured reminder days, when the cycle has none of its own.
    pub default_reminders: &'a str,
    pub refusal: Refusal<'a>,
}

const PAGE_SIZE_NOTE: &str = "25";

fn notice(l: Locale, q: &PageQuery) -> Option<String> {
    let done = q.done.map(|notice| crate::domain::status::Done {
        notice,
        count: q.n.unwrap_or_default(),
    });
    super::notice_of(l, done)
}

/// The URL of this page with another page number.
fn page_href(c: &CyclePage<'_>, page: usize) -> String {
    let pairs = [
        ("q", c.query.q.as_str()),
        ("show", c.query.show.as_str()),
        ("page", &page.to_string()),
    ];
    let kept: Vec<(&str, &str)> = pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect();
    format!(
        "/admin/cycles/{}?{}",
        c.cycle.id,
        serde_urlencoded::to_string(kept).unwrap_or_default()
    )
}

fn settings_list(l: Locale, c: &CyclePage<'_>) -> Markup {
    let cy = c.cycle;
    let days = parse_stored_days(&cy.reminder_days);
    let reminders = if days.is_empty() {
        c.default_reminders.to_owned()
    } else {
        crate::domain::forms::cycle_settings::stored_days(&days)
    }
    .replace(',', ", ");
    html! {
        dl.meta {
            div { dt { (t(l, "home.status")) } dd { span.badge.{ "s-" (cy.status) } { (t(l, cy.status.key())) } } }
            div { dt { (t(l, "home.deadline")) } dd { (closing(l, &cy.deadline, cy.closed_at)) } }
            div { dt { (t(l, "cycle.field.min_group_size")) } dd { (cy.min_group_size) } }
            div { dt { (t(l, "cycle.field.reminder_days")) } dd { (tf(l, "admin.days_before", &[("days", &reminders)])) } }
            div { dt { (t(l, "cycle.field.nominations")) } dd { (t(l, cy.nominations.key())) } }
        }
    }
}

fn next_steps(l: Locale, c: &CyclePage<'_>) -> Markup {
    let id = &c.cycle.id;
    html! {
        div.actions.cycle-steps {
            @match c.cycle.status {
                CycleStatus::Draft => {
                    a.button.primary href={ "/admin/cycles/" (id) "/launch" } { (t(l, "admin.launch")) }
                    " " a.button.secondary href={ "/admin/cycles/" (id) "/edit" } { (t(l, "admin.edit")) }
                    " " a.button.secondary href={ "/admin/cycles/" (id) "/texts" } { (t(l, "admin.texts")) }
                }
                CycleStatus::Open => {
                    a.button.primary href={ "/admin/cycles/" (id) "/remind" } { (t(l, "admin.remind_all")) }
                    " " a.button.secondary href={ "/admin/cycles/" (id) "/texts" } { (t(l, "admin.texts")) }
                    " " a.button.secondary href={ "/admin/cycles/" (id) "/close" } { (t(l, "admin.close")) }
                    " " a.button.secondary href={ "/admin/cycles/" (id) "/release" } { (t(l, "admin.release_all")) }
                }
                CycleStatus::Closed => {
                    a.button.secondary href={ "/admin/cycles/" (id) "/release" } { (t(l, "admin.release_all")) }
                    " " a.button.secondary href={ "/admin/cycles/" (id) "/archive" } { (t(l, "admin.archive")) }
                }
                CycleStatus::Archived => {}
            }
        }
        p.downloads {
            (t(l, "admin.downloads")) " "
            a href={ "/admin/cycles/" (id) "/report.csv" } download { "CSV" } " · "
            a href={ "/admin/cycles/" (id) "/report.json" } download { "JSON" } " · "
            a href={ "/admin/cycles/" (id) "/report.xlsx" } download { (t(l, "insights.xlsx")) } " · "
            a href={ "/admin/cycles/" (id) "/insights" } { (t(l, "insights.open")) } " · "
            a href={ "/team?cycle=" (id) } { (t(l, "team.open")) }
        }
    }
}

fn counts(l: Locale, c: &CyclePage<'_>) -> Markup {
    let answered: usize = c
        .counts
        .iter()
        .filter(|(st, _)| st.has_answered())
        .map(|(_, n)| n)
        .sum();
    let invited: usize = c
        .counts
        .iter()
        .filter(|(st, _)| *st != AssignmentStatus::Revoked)
        .map(|(_, n)| n)
        .sum();
    html! {
        section.counts aria-labelledby="counts-title" {
            h2 #counts-title { (t(l, "admin.progress")) }
            p { (tf(l, "admin.kams_count", &[("n", &c.kams_total.to_string())])) " · " (progress(l, answered, invited)) }
            ul.status-counts {
                @for st in AssignmentStatus::ALL {
                    @let n = c.counts.iter().find(|(s, _)| s == st).map_or(0, |(_, n)| *n);
                    @if n > 0 { li { span.badge.{ "a-" (st) } { (t(l, st.key())) } " " (n) } }
                }
            }
        }
    }
}

fn kam_block(l: Locale, s: &Viewer<'_>, c: &CyclePage<'_>, k: &KamBlock) -> Markup {
    html! {
        section.kam aria-labelledby={ "kam-" (k.review_id) } {
            h3 id={ "kam-" (k.review_id) } {
                (k.subject_name) " " span.hint { (k.subject_email) }
            }
            div.hint {
                (tf(l, "admin.supervised_by", &[("name", &k.supervisor_name)]))
                @if let Some(p) = k.proposal {
                    " · " span.badge.{ "p-" (p) } { (t(l, p.key())) }
                    @if p != ProposalStatus::Approved && c.cycle.status == CycleStatus::Open {
                        " "
                        form.inline method="post" action={ "/admin/cycles/" (c.cycle.id) "/kams/" (k.review_id) "/nudge" (c.query.kept()) } {
                            input type="hidden" name="csrf" value=(s.csrf);
                            button.small.secondary type="submit" { (t(l, "admin.nudge")) }
                        }
                    }
                }
            }
            @if k.rows.is_empty() {
                p.empty { (t(l, "admin.no_nominations")) }
            } @else {
              // one line per KAM that opens to their raters: a cycle of 30 KAMs reads at a glance
              details.raters open[opens(c, k)] {
                summary { (raters_summary(l, k)) }
                table.overview.stack.nominations {
                    thead { tr {
                        th scope="col" { (t(l, "admin.col.rater")) }
                        th scope="col" { (t(l, "admin.col.relationship")) }
                        th scope="col" { (t(l, "home.status")) }
                        th scope="col" { (t(l, "admin.col.last_email")) br; span.hint { (c.cycle.time_zone) } }
                        th scope="col" { span.visually-hidden { (t(l, "admin.col.actions")) } }
                    } }
                    tbody {
                        @for r in &k.rows {
                            tr {
                                th scope="row" { (r.rater_name) br; span.hint.email { (r.rater_email) } }
                                td data-label=(t(l, "admin.col.relationship")) { (t(l, r.relationship.group_key())) }
                                td data-label=(t(l, "home.status")) { span.badge.{ "a-" (r.status) } { (t(l, r.status.key())) } }
                                td data-label=(t(l, "admin.col.last_email")) {
                                    @match r.last_email {
                                        Some(at) => time datetime=(at.format("%Y-%m-%dT%H:%MZ").to_string()) { (c.cycle.deadline.local_minute(at)) },
                                        None => span.hint { (t(l, "admin.never")) },
                                    }
                                }
                                td.row-actions { (super::nominations::row_actions(l, s, c, r)) }
                            }
                        }
                    }
                }
              }
            }
        }
    }
}

/// Whether a KAM's raters show open: the only KAM on the page, a search or filter that found
/// them, or a refused change to one of their rows (kept as typed).
fn opens(c: &CyclePage<'_>, k: &KamBlock) -> bool {
    let typed_here = c
        .refusal
        .row
        .as_ref()
        .is_some_and(|(id, _)| k.rows.iter().any(|r| r.id == *id));
    c.kams.len() == 1 || !c.query.q.trim().is_empty() || c.query.unanswered() || typed_here
}

/// A KAM's raters in one line: how many, how many answered, how many still waiting.
fn raters_summary(l: Locale, k: &KamBlock) -> Markup {
    let answered = k.rows.iter().filter(|r| r.status.has_answered()).count();
    let invited = k
        .rows
        .iter()
        .filter(|r| r.status != AssignmentStatus::Revoked)
        .count();
    let waiting = k.rows.iter().filter(|r| r.status.awaits_answer()).count();
    html! {
        (tn(l, "admin.kam.raters", k.rows.len(), &[]))
        " · " (super::progress(l, answered, invited))
        @if waiting > 0 { " · " (tn(l, "admin.kam.waiting", waiting, &[])) }
    }
}

fn filter_form(l: Locale, c: &CyclePage<'_>) -> Markup {
    html! {
        form.filter method="get" action={ "/admin/cycles/" (c.cycle.id) } role="search" {
            div.field.inline-field {
                label for="q" { (t(l, "admin.search")) }
                input type="search" id="q" name="q" value=(c.query.q);
            }
            label.choice {
                input type="checkbox" name="show" value="unanswered" checked[c.query.unanswered()];
                " " (t(l, "admin.only_unanswered"))
            }
            button.secondary type="submit" { (t(l, "admin.filter")) }
        }
    }
}

fn pager(l: Locale, c: &CyclePage<'_>) -> Markup {
    html! {
        @if c.pages > 1 {
            nav.pager aria-label=(t(l, "admin.pages")) {
                @if c.page > 1 { a rel="prev" href=(page_href(c, c.page - 1)) { (t(l, "admin.prev")) } }
                span { (tf(l, "admin.page_of", &[("page", &c.page.to_string()), ("pages", &c.pages.to_string())])) }
                @if c.page < c.pages { a rel="next" href=(page_href(c, c.page + 1)) { (t(l, "admin.next")) } }
            }
        }
    }
}

/// `GET /admin/cycles/{id}`.
pub fn cycle_page(l: Locale, s: &Viewer<'_>, c: &CyclePage<'_>) -> Markup {
    let cy = c.cycle;
    let accepts_nominations = matches!(cy.status, CycleStatus::Draft | CycleStatus::Open)
        && cy.nominations == NominationMode::Admin;
    staff_page(
        l,
        &cy.name,
        s,
        html! {
            p.breadcrumb { a href="/admin" { (t(l, "home.admin.title")) } }
            h1 { (cy.name) }
            @if let Some(n) = notice(l, c.query) { div.status.notice role="status" { p { (n) } } }
            @if let Some(r) = &c.refusal.other {
                div.status.error-summary role="alert" {
                    @match &c.refusal.row {
                        // a refused change to one row: the summary leads to the row, open, as typed
                        Some((id, typed)) => p { a href={ "#" (if typed.email.is_empty() { "name" } else { "email" }) "-" (id) } { (r) } },
                        None => p { (r) },
                    }
                }
            }
            (settings_list(l, c))
            (next_steps(l, c))
            (counts(l, c))
            @if accepts_nominations {
                (super::nominations::upload(l, s, c))
                (super::nominations::add_form(l, s, c))
            }
            @if cy.nominations == NominationMode::Kam && cy.status == CycleStatus::Draft {
                p.notice { (t(l, "admin.mode.kam.draft")) }
                (super::nominations::upload(l, s, c))
            }
            section.nominations-list aria-labelledby="list-title" {
                h2 #list-title { (t(l, "admin.nominations")) }
                (filter_form(l, c))
                @if c.kams.is_empty() {
                    p.empty { (t(l, if c.kams_total == 0 && c.query.q.is_empty() && !c.query.unanswered() { "admin.no_kams" } else { "admin.no_match" })) }
                }
                @for k in c.kams { (kam_block(l, s, c, k)) }
                (pager(l, c))
                p.hint { (tf(l, "admin.per_page", &[("n", PAGE_SIZE_NOTE)])) }
            }
        },
    )
}
