//! Staff screens: sign-in and the home pages of supervisors and admins.

use maud::{html, Markup};

use super::layout::{message as simple, page};
use crate::actions::progress::CycleOverview;
use crate::db::reviews::SupervisedReview;
use crate::db::sessions::StaffSession;
use crate::domain::dates::deadline_date;
use crate::domain::locale::Locale;
use crate::domain::progress::GroupProgress;
use crate::domain::status::{AssignmentStatus, CycleStatus};
use crate::i18n::{t, tf};

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

/// The sign-in form, keeping the typed email; `error` is the one generic message.
pub fn login(l: Locale, email: &str, error: Option<&str>) -> Markup {
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
            }
        },
    )
}

fn bar(l: Locale, s: &StaffSession) -> Markup {
    html! {
        div.staff-bar {
            span { (tf(l, "staff.signed_in_as", &[("name", &s.name)])) }
            form method="post" action="/logout" {
                input type="hidden" name="csrf" value=(s.csrf_token);
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
    pub review: SupervisedReview,
    pub progress: Vec<GroupProgress>,
    /// The supervisor's own assignment (id, status), if they were nominated.
    pub own: Option<(String, AssignmentStatus)>,
}

/// A supervisor's home: their KAMs in each cycle.
pub fn supervisor_home(l: Locale, s: &StaffSession, rows: &[SupervisedRow], k: usize) -> Markup {
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
                @let rv = &r.review;
                section.area.review {
                    h2 { (rv.listing.subject_name) }
                    dl.meta {
                        div { dt { (t(l, "home.cycle")) } dd { (rv.cycle_name) " · " (t(l, &format!("status.{}", rv.cycle_status))) } }
                        div { dt { (t(l, "home.deadline")) } dd { (deadline_date(rv.closes_at).to_string()) } }
                        div { dt { (t(l, "home.status")) } dd { (t(l, &format!("status.{}", rv.listing.review.status))) } }
                    }
                    h3 { (t(l, "home.progress")) }
                    ul.progress-list { @for p in &r.progress { (progress_cell(l, p, usize::try_from(rv.min_group_size).unwrap_or(k))) } }
                    p { a.button.secondary href={ "/reviews/" (rv.listing.review.id) } { (t(l, "rec.open")) } }
                @if let Some((id, status)) = &r.own {
                        @if *status == AssignmentStatus::Submitted {
                            p.done { (t(l, "home.rated")) }
                        } @else if rv.cycle_status == CycleStatus::Open {
                            form method="post" action={ "/rate/" (id) } {
                                input type="hidden" name="csrf" value=(s.csrf_token);
                                button.primary type="submit" { (tf(l, "home.rate", &[("name", &rv.listing.subject_name)])) }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// An admin's home: every cycle with counts.
pub fn admin_home(l: Locale, s: &StaffSession, cycles: &[CycleOverview]) -> Markup {
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
                                th scope="row" { (c.cycle.name) }
                                td { (t(l, &format!("status.{}", c.cycle.status))) }
                                td { (deadline_date(c.cycle.closes_at).to_string()) }
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
