//! The supervisor's home: one card per KAM with where the review stands, the progress of each
//! rater group and the supervisor's own rating.

use maud::{html, Markup};

use super::staff::{staff_page, Viewer};
use crate::domain::locale::Locale;
use crate::domain::rules::progress::GroupProgress;
use crate::domain::rules::progress::Stage;
use crate::domain::status::{AssignmentStatus, CycleStatus, ProposalStatus, ReviewStatus};
use crate::i18n::{t, tf};

fn progress_cell(l: Locale, p: &GroupProgress, k: usize) -> Markup {
    let group = t(l, p.group.group_key());
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
    html! { li { span.group { (group) } (t(l, "punct.colon")) span.count { (count) } } }
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
    /// What the KAM did with the released report that the supervisor has not opened yet.
    pub notices: Vec<crate::domain::status::NoticeEvent>,
}

fn review_card(l: Locale, s: &Viewer<'_>, r: &SupervisedRow) -> Markup {
    html! {
        section.area.review {
            h3 { (r.subject_name) }
            dl.meta {
                div { dt { (t(l, "home.cycle")) } dd { (r.cycle_name) " · " (t(l, r.cycle_status.key())) } }
                div { dt { (t(l, "home.deadline")) } dd { (super::admin::closing(l, &r.deadline, r.closed_at)) } }
            }
            @if let Some(p) = r.proposal {
                p.proposal-line {
                    span.badge.{ "p-" (p) } { (t(l, p.key())) } " "
                    a href={ "/reviews/" (r.review_id) "/nominations" } {
                        (t(l, if p == ProposalStatus::Approved { "home.proposal.view" } else { "home.proposal.review" }))
                    }
                }
            }
            @if !r.notices.is_empty() {
                div.notices role="status" {
                    @for e in &r.notices { span.notice-badge { (t(l, "team.new")) " " (t(l, e.key())) } " " }
                    a href={ "/reviews/" (r.review_id) "/report#plan-title" } { (t(l, "home.notices.open")) }
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
            @if !rows.is_empty() { p { a href="/team" { (t(l, "home.team")) } } }
            @if rows.is_empty() { p.empty { (t(l, "home.none")) } }
            @if !rows.is_empty() {
                ul.summary-counts {
                    @for st in Stage::ALL {
                        @let key = st.key();
                        li {
                            @if count(st) > 0 { a href={ "#" (st.as_str()) } { (t(l, key)) } } @else { (t(l, key)) }
                            " " span.count { (count(st)) }
                        }
                    }
                }
            }
            @for st in Stage::ALL {
                @if count(st) > 0 {
                    section.review-group id=(st.as_str()) aria-labelledby={ (st.as_str()) "-title" } {
                        h2 id={ (st.as_str()) "-title" } { (t(l, st.key())) " (" (count(st)) ")" }
                        @for r in rows.iter().filter(|r| r.stage == st) { (review_card(l, s, r)) }
                    }
                }
            }
        },
    )
}
