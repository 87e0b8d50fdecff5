//! Staff screens: sign-in and the home pages of supervisors and admins.

use maud::{html, Markup};

use super::layout::{message as simple, page};
use crate::domain::locale::Locale;
use crate::domain::progress::GroupProgress;
use crate::domain::progress::Stage;
use crate::domain::status::{AssignmentStatus, CycleStatus, ProposalStatus, ReviewStatus, Role};
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

/// The sign-in form, keeping the typed email; `error` is the one generic message, `notice` a
/// confirmation (the password was changed).
/// `explicit`: the language chosen with `?lang=` (kept through the POST, and saved as the
/// person's at sign-in); a negotiated language is neither.
pub fn login(
    l: Locale,
    explicit: Option<Locale>,
    email: &str,
    error: Option<&str>,
    notice: Option<&str>,
) -> Markup {
    login_page(l, explicit, email, error, notice, None)
}

/// The sign-in form after a session ended on a form: it carries what was typed (`path` the
/// form's, `carried` its fields, url-encoded) through the sign-in.
pub fn login_carrying(
    l: Locale,
    explicit: Option<Locale>,
    email: &str,
    error: Option<&str>,
    path: &str,
    carried: &str,
) -> Markup {
    let notice = (error.is_none()).then(|| t(l, "staff.session_ended"));
    login_page(l, explicit, email, error, notice, Some((path, carried)))
}

/// After signing in with a carried form: one press sends it on with the new session's token.
pub fn resume(l: Locale, path: &str, fields: &[(String, String)], csrf: &str) -> Markup {
    let title = t(l, "staff.resume.title");
    page(
        l,
        title,
        None,
        html! {
            section.message.narrow {
                h1 { (title) }
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
            }
        },
    )
}

fn login_page(
    l: Locale,
    explicit: Option<Locale>,
    email: &str,
    error: Option<&str>,
    notice: Option<&str>,
    carrying: Option<(&str, &str)>,
) -> Markup {
    let title = t(l, "staff.login.title");
    // the language switch reloads the page: not offered while it carries a typed form
    let switch = format!("/login?lang={}", l.other().as_str());
    let action = match explicit {
        Some(x) => format!("/login?lang={}", x.as_str()),
        None => "/login".to_owned(),
    };
    page(
        l,
        title,
        carrying.is_none().then_some(switch.as_str()),
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
                form method="post" action=(action) {
                    @if let Some((path, carried)) = carrying {
                        input type="hidden" name="resume_to" value=(path);
                        input type="hidden" name="resume" value=(carried);
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
            ("/admin/users", "nav.users"),
            ("/admin/outbox", "nav.outbox"),
            ("/admin/audit", "nav.audit"),
        ],
        Role::Supervisor => &[("/", "nav.reviews")],
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
    pub review_id: crate::domain::ids::ReviewId,
    pub subject_name: String,
    pub cycle_name: String,
    pub cycle_status: CycleStatus,
    /// The last day answers are accepted.
    pub deadline: crate::domain::dates::Deadline,
    /// When the cycle actually closed, if it did.
    pub closed_at: Option<chrono::NaiveDateTime>,
    pub review_status: ReviewStatus,
    /// Where the review stands (a review everyone answered reads as ready).
    pub stage: Stage,
    /// The cycle's k.
    pub k: usize,
    pub progress: Vec<GroupProgress>,
    /// The supervisor's own assignment (id, status), if they were nominated.
    pub own: Option<(crate::domain::ids::AssignmentId, AssignmentStatus)>,
    /// Where the KAM stands in proposing raters (nomination mode `kam`).
    pub proposal: Option<ProposalStatus>,
}

fn review_card(l: Locale, s: &Viewer<'_>, r: &SupervisedRow) -> Markup {
    html! {
        section.area.review {
            h3 { (r.subject_name) }
            dl.meta {
                div { dt { (t(l, "home.cycle")) } dd { (r.cycle_name) " · " (t(l, &format!("status.{}", r.cycle_status))) } }
                div { dt { (t(l, "home.deadline")) } dd { (super::admin::closing(l, &r.deadline, r.closed_at)) } }
            }
            @if let Some(p) = r.proposal {
                p.proposal-line {
                    span.badge.{ "p-" (p) } { (t(l, &format!("proposal.{p}"))) } " "
                    a href={ "/reviews/" (r.review_id) "/nominations" } {
                        (t(l, if p == ProposalStatus::Approved { "home.proposal.view" } else { "home.proposal.review" }))
                    }
                }
            }
            h4 { (t(l, "home.progress")) }
            ul.progress-list { @for p in &r.progress { (progress_cell(l, p, r.k)) } }
            div.actions {
                a.button.secondary href={ "/reviews/" (r.review_id) } { (t(l, if r.review_status == ReviewStatus::Finalized { "home.open_final" } else { "rec.open" })) }
                @if r.review_status == ReviewStatus::Finalized {
                    " " a.button.secondary href={ "/reviews/" (r.review_id) "/report" } { (t(l, "home.report")) }
                }
                @if r.stage == Stage::SignedOff {
                    " " a.button.primary href={ "/reviews/" (r.review_id) "#release-title" } { (tf(l, "release.button", &[("name", &r.subject_name)])) }
                }
            }
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
}

/// A supervisor's home: their KAMs, ready to reconcile first, then collecting, then signed off
/// but not yet released, then released.
pub fn supervisor_home(l: Locale, s: &Viewer<'_>, rows: &[SupervisedRow], k: usize) -> Markup {
    let title = t(l, "home.title");
    let count = |st: Stage| rows.iter().filter(|r| r.stage == st).count();
    staff_page(
        l,
        title,
        s,
        html! {
            h1 { (title) }
            p { (tf(l, "home.supervisor.intro", &[("k", &k.to_string())])) }
            @if rows.is_empty() { p.empty { (t(l, "home.none")) } }
            @if !rows.is_empty() {
                ul.summary-counts {
                    @for st in Stage::ALL {
                        @let key = format!("stage.{}", st.as_str());
                        li {
                            @if count(st) > 0 { a href={ "#" (st.as_str()) } { (t(l, &key)) } } @else { (t(l, &key)) }
                            " " span.count { (count(st)) }
                        }
                    }
                }
            }
            @for st in Stage::ALL {
                @if count(st) > 0 {
                    section.review-group id=(st.as_str()) aria-labelledby={ (st.as_str()) "-title" } {
                        h2 id={ (st.as_str()) "-title" } { (t(l, &format!("stage.{}", st.as_str()))) " (" (count(st)) ")" }
                        @for r in rows.iter().filter(|r| r.stage == st) { (review_card(l, s, r)) }
                    }
                }
            }
        },
    )
}
