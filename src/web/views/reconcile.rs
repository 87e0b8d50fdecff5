//! The reconciliation page: for every criterion the evidence §7 allows, the proposal with the
//! inputs that produced it, the flags in words, the final-level control and rationale, then the
//! area and overall levels and the audit trail.

use std::collections::BTreeMap;

use maud::{html, Markup};

use super::staff::Viewer;
use crate::domain::dates::long_date;
use crate::domain::locale::Locale;
use crate::domain::relationship::Relationship;
use crate::domain::rules::consolidation::{
    fmt_decimal, mean_one_decimal, Flags, Gap, Level, MeanSource,
};
use crate::domain::rules::reconciliation::{Entry, Problem, Summary, MAX_RATIONALE};
use crate::domain::rules::shown::Comments;
use crate::domain::status::{ReviewStatus, Role};
use crate::i18n::{t, tf};

pub use super::review_model::{AuditLine, CriterionView, Reader, ReviewPage};

/// How the page is shown.
pub struct PageState<'a> {
    pub viewer: Viewer<'a>,
    /// What to show in the controls (the stored decisions, or what was just typed).
    pub entries: BTreeMap<String, Entry>,
    pub problems: BTreeMap<String, Problem>,
    pub saved: bool,
    /// The policy's supervisor share, in percent, for the explanation.
    pub share_percent: String,
    /// The release box, once the review is signed off (for whoever may release).
    pub release: Option<super::release::ReleaseView<'a>>,
    /// The review was just signed off.
    pub signed: bool,
}

fn level_name(l: Locale, r: &ReviewPage<'_>, level: Level) -> String {
    let label = r
        .rubric
        .scale
        .get(usize::from(level.saturating_sub(1)))
        .map(|s| s.label.get(l))
        .unwrap_or("");
    format!("{level} · {label}")
}

fn cell(l: Locale, mean: &Option<crate::domain::rules::shown::Mean>, n: &Option<usize>) -> Markup {
    html! {
        @match (mean, n) {
            (Some(m), Some(n)) => (tf(l, "rec.mean_n", &[("mean", &m.to_string()), ("n", &n.to_string())])),
            (None, Some(0)) => span.muted { (t(l, "rec.n_zero")) },
            _ => span.muted { (t(l, "rec.none")) },
        }
    }
}

fn evidence(l: Locale, r: &ReviewPage<'_>, c: &CriterionView<'_>) -> Markup {
    let f = &c.shown.figures;
    let per_group = c.shown.distribution.is_some();
    html! {
        table.evidence {
            tbody {
                tr { th scope="row" { (t(l, "rec.self")) } td { @match f.self_level { Some(x) => (level_name(l, r, x)), None => span.muted { (t(l, "rec.none")) } } } }
                tr { th scope="row" { (supervisor_label(l, r)) } td { @match f.supervisor_level { Some(x) => (level_name(l, r, x)), None => span.muted { (t(l, "rec.none")) } } } }
                @if per_group {
                    @for (g, mean, n) in [(Relationship::Customer, &f.customer_mean, &f.customer_n), (Relationship::Peer, &f.peer_mean, &f.peer_n), (Relationship::Team, &f.team_mean, &f.team_n)] {
                        tr {
                            th scope="row" { (t(l, g.group_key())) }
                            td {
                                (cell(l, mean, n))
                                @if let Some(d) = c.shown.distribution.as_ref().and_then(|v| v.iter().find(|(x, _)| *x == g)).map(|(_, d)| d) {
                                    span.distribution { " · " (tf(l, "rec.distribution", &[("d1", &d[0].to_string()), ("d2", &d[1].to_string()), ("d3", &d[2].to_string()), ("d4", &d[3].to_string())])) }
                                }
                            }
                        }
                    }
                }
                tr {
                    th scope="row" { (t(l, "rec.others")) }
                    td { @if f.others_n.is_some() { (cell(l, &f.others_mean, &f.others_n)) } @else { span.muted { (t(l, "rec.hidden")) } } }
                }
            }
        }
        @if !per_group && (f.others_n.is_some_and(|n| n > 0)) {
            p.hint { (tf(l, "rec.group_hidden", &[("k", &r.k.to_string())])) }
        }
    }
}

/// "Supervisor (you)" for the supervisor, the supervisor named for anyone else.
fn supervisor_label(l: Locale, r: &ReviewPage<'_>) -> String {
    match r.reader {
        Reader::Supervisor => t(l, "rec.supervisor").to_owned(),
        _ => tf(l, "rec.supervisor.named", &[("name", r.supervisor_name)]),
    }
}

fn explanation(l: Locale, r: &ReviewPage<'_>, c: &CriterionView<'_>, share: &str) -> Markup {
    let p = &c.shown.proposal;
    let s = p.supervisor.map(|s| s.to_string());
    // M is always a figure the page shows (SPEC §6): the weighted group means or the pool
    let m = p
        .multi_rater_mean
        .map(|m| (fmt_decimal(m.value, 2), m.source));
    let text = match (&s, &m) {
        (Some(s), Some((m, MeanSource::Groups))) => tf(
            l,
            "rec.inputs.both",
            &[("s", s), ("m", m), ("share", share)],
        ),
        (Some(s), Some((m, MeanSource::Pool))) => tf(
            l,
            "rec.inputs.both_pooled",
            &[("s", s), ("m", m), ("share", share)],
        ),
        (Some(s), None) => tf(l, "rec.inputs.only_s", &[("s", s), ("k", &r.k.to_string())]),
        (None, Some((m, MeanSource::Groups))) => tf(l, "rec.inputs.only_m", &[("m", m)]),
        (None, Some((m, MeanSource::Pool))) => tf(l, "rec.inputs.only_m_pooled", &[("m", m)]),
        (None, None) => String::new(),
    };
    html! {
        p.proposal {
            strong { (t(l, "rec.proposed")) (t(l, "punct.colon")) }
            @match p.proposed { Some(x) => (level_name(l, r, x)), None => (t(l, "rec.not_rated")) }
        }
        @if !text.is_empty() { p.hint { (text) } }
        @let flags = p.flags.raised();
        @if !flags.is_empty() {
            ul.flags { @for f in flags { li { span.flag-mark aria-hidden="true" { "⚑ " } (super::review_report::flag_sentence(l, r, f)) } } }
        }
        @match c.shown.gap {
            Some(Gap::BlindSpot) => p.gap { (t(l, "rec.gap.blind")) },
            Some(Gap::HiddenStrength) => p.gap { (t(l, "rec.gap.hidden")) },
            None => {},
        }
    }
}

fn comments(l: Locale, r: &ReviewPage<'_>, c: &CriterionView<'_>) -> Markup {
    html! {
        @match &c.shown.comments {
            Comments::None => {},
            Comments::Hidden => p.hint { (tf(l, "rec.comments.hidden", &[("k", &r.k.to_string())])) },
            Comments::Pooled(v) => details.comments { summary { (t(l, "rec.comments")) " · " (t(l, "rec.comments.pooled")) } ul { @for x in v { li { (x) } } } },
            Comments::PerGroup(groups) => details.comments {
                summary { (t(l, "rec.comments")) }
                @for (g, v) in groups { h4 { (t(l, g.group_key())) } ul { @for x in v { li { (x) } } } }
            },
        }
    }
}

fn decision(
    l: Locale,
    r: &ReviewPage<'_>,
    c: &CriterionView<'_>,
    st: &PageState<'_>,
    locked: bool,
) -> Markup {
    let e = st.entries.get(c.id).cloned().unwrap_or_default();
    let problem = st.problems.get(c.id).copied();
    // after a refused save focus goes to the first field in error (no script needed)
    let first = r
        .criteria
        .iter()
        .map(|x| x.id)
        .find(|id| st.problems.contains_key(*id))
        == Some(c.id);
    let (sel, rat) = (format!("final__{}", c.id), format!("rationale__{}", c.id));
    let err = format!("err-{}", c.id);
    let on_level = problem == Some(Problem::FinalLevelRequired);
    let on_reason = problem == Some(Problem::RationaleRequired);
    html! {
        div.decision.missing[problem.is_some()] {
            @match problem {
                Some(Problem::RationaleRequired) => p.field-error id=(err) { (t(l, "rec.rationale.required")) },
                Some(Problem::FinalLevelRequired) => p.field-error id=(err) { (t(l, "rec.final.required")) },
                None => {},
            }
            div.field {
                label for=(sel) { (t(l, "rec.final")) }
                select name=(sel) id=(sel) disabled[locked] autofocus[first && on_level] aria-invalid=[on_level.then_some("true")] aria-describedby=[on_level.then_some(err.as_str())] {
                    option value="" selected[e.final_level.is_none()] { (t(l, "rec.final.undecided")) }
                    @for level in 1..=4u8 {
                        option value=(level) selected[e.final_level == Some(level)] { (level_name(l, r, level)) }
                    }
                }
            }
            div.field {
                label for=(rat) { (t(l, "rec.rationale")) }
                textarea name=(rat) id=(rat) rows="2" maxlength=(MAX_RATIONALE) disabled[locked] autofocus[first && on_reason] aria-invalid=[on_reason.then_some("true")] aria-describedby={ @if on_reason { (err) " " } "hint-" (c.id) } { (e.rationale) }
                p.hint id={ "hint-" (c.id) } { (t(l, "rec.rationale.hint")) }
            }
        }
    }
}

fn levels_summary(l: Locale, r: &ReviewPage<'_>) -> Markup {
    let finals: BTreeMap<&str, Level> = r
        .criteria
        .iter()
        .filter_map(|c| Some((c.id, c.final_level?)))
        .collect();
    let all: Vec<Level> = finals.values().copied().collect();
    html! {
        table.evidence.summary {
            tbody {
                @for area in &r.rubric.areas {
                    @let levels: Vec<Level> = area.criteria.iter().filter_map(|c| finals.get(c.id.as_str()).copied()).collect();
                    tr { th scope="row" { (area.name.get(l)) } td { @match mean_one_decimal(&levels) { Some(m) => (fmt_decimal(m, 1)), None => span.muted { (t(l, "rec.none")) } } } }
                }
                tr.overall { th scope="row" { (t(l, "rec.overall")) } td { @match (all.len() == r.rubric.criteria().count()).then(|| mean_one_decimal(&all)).flatten() { Some(m) => (fmt_decimal(m, 1)), None => span.muted { (t(l, "rec.none")) } } } }
            }
        }
    }
}

fn audit(l: Locale, r: &ReviewPage<'_>) -> Markup {
    html! {
        section.area {
            h2 { (t(l, "rec.audit")) }
            @if r.audit.is_empty() { p.muted { (t(l, "home.none")) } }
            @else {
                table.overview {
                    thead { tr { th scope="col" { (t(l, "rec.audit.when")) } th scope="col" { (t(l, "rec.audit.who")) } th scope="col" { (t(l, "rec.audit.what")) } th scope="col" { (t(l, "rec.audit.change")) } th scope="col" { (t(l, "rec.audit.why")) } } }
                    tbody {
                        @for e in &r.audit {
                            tr {
                                td { time datetime=(e.at.format("%Y-%m-%dT%H:%M:%SZ").to_string()) { (e.at.format("%Y-%m-%d %H:%M").to_string()) " UTC" } }
                                td { (e.who.unwrap_or("—")) }
                                td data-action=(e.action) { (super::audit::action_words(l, e.action)) }
                                td {
                                    @let about = match (e.concerned, e.target.and_then(|id| r.rubric.criterion(id))) {
                                        (Some((name, email, rel)), _) => super::audit::About::Rater(name, email, rel),
                                        (None, Some(c)) => super::audit::About::Criterion(c.name.get(l)),
                                        (None, None) => super::audit::About::Nothing,
                                    };
                                    (super::audit::detail(l, &super::audit::Event { action: e.action, about, old_value: e.old_value, new_value: e.new_value }))
                                }
                                td { (e.rationale.map(|r| super::audit::reason(l, r)).unwrap_or_default()) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The whole page.
pub fn page_for(l: Locale, r: &ReviewPage<'_>, st: &PageState<'_>) -> Markup {
    let title = tf(l, "rec.title", &[("name", r.subject_name)]);
    let locked = r.status == ReviewStatus::Finalized || st.viewer.role != Role::Supervisor;
    super::staff::staff_page(
        l,
        &title,
        &st.viewer,
        html! {
            h1 { (title) }
            dl.meta {
                div { dt { (t(l, "home.cycle")) } dd { (r.cycle_name) } }
                div { dt { (t(l, "home.status")) } dd { (t(l, r.stage.key())) } }
            }
            ul.progress-list {
                @for p in r.progress {
                    li { span.group { (t(l, p.group.group_key())) } (t(l, "punct.colon")) span.count {
                        @match p.answered { Some(a) => (tf(l, "home.answered", &[("answered", &a.to_string()), ("invited", &p.invited.to_string())])), None => (tf(l, "home.hidden", &[("k", &r.k.to_string())])) }
                    } }
                }
            }
            @if !r.visible {
                p.notice { (t(l, "rec.not_visible")) }
            } @else {
                @if let Some(at) = r.finalized_at { p.notice { (tf(l, "rec.finalized", &[("date", &long_date(l, at.date()))])) } }
                @if st.signed { div.status.saved role="status" { (tf(l, "rec.signed", &[("name", r.subject_name)])) } }
                @if let Some(release) = &st.release { (super::release::release_box(l, release)) }
                @if st.saved { div.status.saved role="status" { (t(l, "rec.saved")) } }
                @if !st.problems.is_empty() {
                    div.status.error-summary role="alert" id="error-summary" tabindex="-1" {
                        p { (tf(l, "rec.problems", &[("count", &st.problems.len().to_string())])) }
                        ul { @for c in r.rubric.criteria().filter(|c| st.problems.contains_key(&c.id)) { li { a href={ "#c-" (c.id) } { (c.name.get(l)) } } } }
                    }
                }
                // where to look first: every criterion on one screen, flagged ones marked; the
                // checkbox hides the unflagged criteria below (CSS only, nothing is sent)
                section.area.rec-overview aria-labelledby="overview-title" {
                    h2 id="overview-title" { (t(l, "report.overview")) }
                    p { a href={ "/reviews/" (r.review_id) "/report" } { (t(l, "report.open")) } }
                    (super::review_report::overview(l, r, "c-"))
                    p.filter {
                        input type="checkbox" id="flagged-only";
                        " " label for="flagged-only" { (t(l, "report.flagged_only")) }
                    }
                }
                form method="post" action={ "/reviews/" (r.review_id) } {
                    input type="hidden" name="csrf" value=(st.viewer.csrf);
                    input type="hidden" name="version" value=(r.version);
                    @for area in &r.rubric.areas {
                        section.area {
                            h2 { (area.name.get(l)) }
                            @for c in r.criteria.iter().filter(|c| area.criteria.iter().any(|x| x.id == c.id)) {
                                @let name = r.rubric.criterion(c.id).map(|x| x.name.get(l)).unwrap_or("");
                                article.criterion-review.flagged[!c.shown.proposal.flags.names().is_empty()] id={ "c-" (c.id) } {
                                    h3 { (name) }
                                    div.columns {
                                        div { (evidence(l, r, c)) (comments(l, r, c)) }
                                        div { (explanation(l, r, c, &st.share_percent)) (decision(l, r, c, st, locked)) }
                                    }
                                }
                            }
                        }
                    }
                    section.area {
                        h2 { (t(l, "rec.area_level")) " · " (t(l, "rec.overall")) }
                        (levels_summary(l, r))
                    }
                    @if !locked {
                        div.actions {
                            button.secondary type="submit" name="action" value="save" { (t(l, "rec.save")) }
                            button.primary type="submit" name="action" value="signoff" { (t(l, "rec.signoff")) }
                        }
                        p.hint { (t(l, "rec.signoff.hint")) }
                    }
                }
                @if r.status == ReviewStatus::Finalized && st.viewer.role == Role::Admin {
                    form.reopen method="post" action={ "/reviews/" (r.review_id) "/reopen" } {
                        input type="hidden" name="csrf" value=(st.viewer.csrf);
                        div.field { label for="reason" { (t(l, "rec.reopen.reason")) } textarea name="reason" id="reason" rows="2" required {} }
                        button.secondary type="submit" { (t(l, "rec.reopen")) }
                    }
                }
            }
            (audit(l, r))
        },
    )
}

/// SPEC §6's first sign-off step: what is about to be finalized — the departures from the
/// proposal with their reasons, the flagged criteria kept at the proposal, the criteria
/// without a proposal (or still without a level) — then the button that finalizes.
pub fn signoff_summary(
    l: Locale,
    r: &ReviewPage<'_>,
    s: &Summary<'_>,
    viewer: &super::staff::Viewer<'_>,
) -> Markup {
    let title = tf(l, "signoff.title", &[("name", r.subject_name)]);
    let by_id = |id: &str| r.criteria.iter().find(|c| c.id == id);
    let criterion_name = |id: &str| r.rubric.criterion(id).map_or("", |c| c.name.get(l));
    let level = |x: Option<Level>| match x {
        Some(x) => level_name(l, r, x),
        None => t(l, "rec.none").to_owned(),
    };
    let rows = |label: &str, ids: &[&str], with_flags: bool| {
        html! {
            div.table-scroll tabindex="0" role="region" aria-label=(label) {
                table.overview {
                    thead { tr {
                        th scope="col" { (t(l, "signoff.criterion")) }
                        th scope="col" { (t(l, "signoff.proposed")) }
                        th scope="col" { (t(l, "signoff.final")) }
                        th scope="col" { (t(l, if with_flags { "signoff.flags" } else { "signoff.reason" })) }
                    } }
                    tbody {
                        @for id in ids {
                            @if let Some(c) = by_id(id) {
                                tr {
                                    th scope="row" { a href={ "/reviews/" (r.review_id) "#c-" (id) } { (criterion_name(id)) } }
                                    td { (level(c.shown.proposal.proposed)) }
                                    td { (level(c.final_level)) }
                                    td {
                                        @if with_flags {
                                            (c.shown.proposal.flags.raised().into_iter().map(|f| t(l, f.words().name)).collect::<Vec<_>>().join(", "))
                                        } @else {
                                            (c.rationale.unwrap_or("—"))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    super::staff::staff_page(
        l,
        &title,
        viewer,
        html! {
            h1 { (title) }
            p { (t(l, "signoff.intro")) }
            @if !s.complete() {
                div.status.error-summary role="alert" id="error-summary" tabindex="-1" {
                    p { (t(l, "signoff.incomplete")) }
                }
                section.area aria-labelledby="missing-title" {
                    h2 id="missing-title" { (t(l, "signoff.missing")) " (" (s.missing.len()) ")" }
                    (rows(t(l, "signoff.missing"), &s.missing, false))
                }
            }
            section.area aria-labelledby="departures-title" {
                h2 id="departures-title" { (t(l, "signoff.departures")) " (" (s.departures.len()) ")" }
                @if s.departures.is_empty() { p.muted { (t(l, "signoff.departures.none")) } } @else { (rows(t(l, "signoff.departures"), &s.departures, false)) }
            }
            section.area aria-labelledby="kept-title" {
                h2 id="kept-title" { span.flag-mark aria-hidden="true" { "⚑ " } (t(l, "signoff.flagged_kept")) " (" (s.flagged_kept.len()) ")" }
                @if s.flagged_kept.is_empty() { p.muted { (t(l, "signoff.flagged_kept.none")) } } @else {
                    // each flag said once, then the criteria with their flags' names
                    @let raised = Flags::raised_in(s.flagged_kept.iter().filter_map(|id| by_id(id)).map(|c| &c.shown.proposal.flags));
                    ul.flags { @for f in raised { li { span.flag-mark aria-hidden="true" { "⚑ " } (super::review_report::flag_sentence(l, r, f)) } } }
                    (rows(t(l, "signoff.flagged_kept"), &s.flagged_kept, true))
                }
            }
            @if !s.without_proposal.is_empty() {
                section.area aria-labelledby="alone-title" {
                    h2 id="alone-title" { (t(l, "signoff.without_proposal")) " (" (s.without_proposal.len()) ")" }
                    (rows(t(l, "signoff.without_proposal"), &s.without_proposal, false))
                }
            }
            section.area aria-labelledby="levels-title" {
                h2 id="levels-title" { (t(l, "signoff.levels")) }
                (levels_summary(l, r))
            }
            div.actions {
                a.button.secondary href={ "/reviews/" (r.review_id) } { (t(l, "signoff.back")) }
                @if s.complete() {
                    form.inline method="post" action={ "/reviews/" (r.review_id) "/signoff" } {
                        input type="hidden" name="csrf" value=(viewer.csrf);
                        input type="hidden" name="version" value=(r.version);
                        button.primary type="submit" { (t(l, "signoff.confirm")) }
                    }
                }
            }
        },
    )
}

/// Two tabs, one save: the second gets this page, nothing overwritten.
pub fn conflict(l: Locale, review_id: &crate::domain::ids::ReviewId) -> Markup {
    super::layout::message(
        l,
        t(l, "rec.conflict.title"),
        t(l, "rec.conflict.body"),
        None,
        html! {
            p { a.button.primary href={ "/reviews/" (review_id) } { (t(l, "rec.reload")) } }
        },
    )
}
