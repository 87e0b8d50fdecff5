//! Staff screens: sign-in and the home pages of supervisors and admins.

use maud::{html, Markup};

use super::layout::{message as simple, page};
use crate::domain::locale::Locale;
use crate::domain::progress::GroupProgress;
use crate::domain::status::{AssignmentStatus, CycleStatus, ReviewStatus, Role};
use crate::i18n::{t, tf};

/// Who is looking at a staff page.
#[derive(Debug, Clone, Copy)]
pub struct Viewer<'a> {
    pub name: &'a str,
    /// The session's CSRF token, for every form on the page.
    pub csrf: &'a str,
    pub role: Role,
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

/// The sign-in form, keeping the typed email; `error` is the one generic message, `notice` a
/// confirmation (the password was changed).
pub fn login(l: Locale, email: &str, error: Option<&str>, notice: Option<&str>) -> Markup {
    let title = t(l, "staff.login.title");
    page(
        l,
        title,
        None,
        html! {
            section.message.narrow {
                h1 { (title) }
                p { (t(l, "staff.login.intro")) }
                @if let Some(e) = error {
                    div.status.error-summary role="alert" { p { (e) } }
                }
                @if let Some(n) = notice {
                    div.status role="status" { p { (n) } }
                }
                form method="post" action="/login" {
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
    html! {
        div.staff-bar {
            span { (tf(l, "staff.signed_in_as", &[("name", s.name)])) }
            form method="post" action="/logout" {
                input type="hidden" name="csrf" value=(s.csrf);
                button.secondary type="submit" { (t(l, "staff.logout")) }
            }
        }
    }
}

fn progress_cell(l: Locale, p: &GroupProgress, k: usize) -> Markup {
    let group = t(l, &format!("group.{}", p.group.as_str()));
    let count = match p.answered {
        Some(a) => tf(
            l,
            "home.answered",
            &[
                ("answered", &a.to_string()),
                ("invited", &p.invited.to_string()),
            ],
        ),
        None => tf(l, "home.hidden", &[("k", &k.to_string())]),
    };
    html! { li { span.group { (group) } ": " span.count { (count) } } }
}

/// One of a supervisor's reviews with its progress and their own rating.
pub struct SupervisedRow {
    pub review_id: String,
    pub subject_name: String,
    pub cycle_name: String,
    pub cycle_status: CycleStatus,
    /// The last day answers are accepted.
    pub deadline: crate::domain::dates::Deadline,
    pub review_status: ReviewStatus,
    /// The cycle's k.
    pub k: usize,
    pub progress: Vec<GroupProgress>,
    /// The supervisor's own assignment (id, status), if they were nominated.
    pub own: Option<(String, AssignmentStatus)>,
}

/// One cycle on the admin's home page.
pub struct CycleRow {
    pub id: String,
    pub name: String,
    pub status: CycleStatus,
    /// The last day answers are accepted.
    pub deadline: crate::domain::dates::Deadline,
    pub reviews: usize,
    pub invited: usize,
    pub answered: usize,
}

/// A supervisor's home: their KAMs in each cycle.
pub fn supervisor_home(l: Locale, s: &Viewer<'_>, rows: &[SupervisedRow], k: usize) -> Markup {
    let title = t(l, "home.title");
    page(
        l,
        title,
        None,
        html! {
            (bar(l, s))
            h1 { (title) }
            p { (tf(l, "home.supervisor.intro", &[("k", &k.to_string())])) }
            @if rows.is_empty() { p.empty { (t(l, "home.none")) } }
            @for r in rows {
                section.area.review {
                    h2 { (r.subject_name) }
                    dl.meta {
                        div { dt { (t(l, "home.cycle")) } dd { (r.cycle_name) " · " (t(l, &format!("status.{}", r.cycle_status))) } }
                        div { dt { (t(l, "home.deadline")) } dd { time datetime=(r.deadline.iso()) { (r.deadline.label()) } } }
                        div { dt { (t(l, "home.status")) } dd { (t(l, &format!("status.{}", r.review_status))) } }
                    }
                    h3 { (t(l, "home.progress")) }
                    ul.progress-list { @for p in &r.progress { (progress_cell(l, p, r.k)) } }
                    p { a.button.secondary href={ "/reviews/" (r.review_id) } { (t(l, "rec.open")) } }
                @if let Some((id, status)) = &r.own {
                        @if *status == AssignmentStatus::Submitted {
                            p.done { (t(l, "home.rated")) }
                        } @else if r.cycle_status == CycleStatus::Open {
                            form method="post" action={ "/rate/" (id) } {
                                input type="hidden" name="csrf" value=(s.csrf);
                                button.primary type="submit" { (tf(l, "home.rate", &[("name", &r.subject_name)])) }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// An admin's home: every cycle with counts.
pub fn admin_home(l: Locale, s: &Viewer<'_>, cycles: &[CycleRow]) -> Markup {
    let title = t(l, "home.admin.title");
    page(
        l,
        title,
        None,
        html! {
            (bar(l, s))
            h1 { (title) }
            p { (t(l, "home.admin.intro")) }
            @if cycles.is_empty() { p.empty { (t(l, "home.none")) } }
            @if !cycles.is_empty() {
                table.overview {
                    thead { tr {
                        th scope="col" { (t(l, "home.cycle")) }
                        th scope="col" { (t(l, "home.status")) }
                        th scope="col" { (t(l, "home.deadline")) }
                        th scope="col" { (t(l, "home.reviews")) }
                        th scope="col" { (t(l, "home.progress")) }
                    } }
                    tbody {
                        @for c in cycles {
                            tr {
                                th scope="row" {
                                    (c.name)
                                    br;
                                    span.row-links {
                                        a href={ "/admin/cycles/" (c.id) "/insights" } { (t(l, "insights.open")) } " · "
                                        a href={ "/admin/cycles/" (c.id) "/report.xlsx" } { (t(l, "insights.xlsx")) } " · "
                                        a href={ "/admin/cycles/" (c.id) "/report.csv" } { "CSV" }
                                    }
                                }
                                td { (t(l, &format!("status.{}", c.status))) }
                                td { time datetime=(c.deadline.iso()) { (c.deadline.label()) } }
                                td { (c.reviews) }
                                td { (tf(l, "home.answered", &[("answered", &c.answered.to_string()), ("invited", &c.invited.to_string())])) }
                            }
                        }
                    }
                }
            }
        },
    )
}
