//! The review report (SPEC §12): all criteria at a glance, area summaries, blind spots and
//! hidden strengths, then per area and criterion a chart on the 1–4 scale beside a table of
//! the same figures, the distribution where §7 allows it, and the comments under §7. Built
//! only from [`Shown`](crate::domain::rules::shown::Shown): nothing §7 hides is at hand here. Prints
//! as an A4 document (the stylesheet's `@media print`).

use maud::{html, Markup};

use super::charts::{self, Mark, Row};
use super::layout::page;
use super::review_model::{CriterionView, Reader, ReviewPage};
use crate::domain::dates::long_date;
use crate::domain::locale::Locale;
use crate::domain::relationship::Relationship;
use crate::domain::rules::consolidation::{fmt_decimal, mean_one_decimal, Flag, Flags, Gap, Level};
use crate::domain::rules::shown::Comments;
use crate::domain::rules::shown::Mean;
use crate::i18n::{t, tf};

const GROUPS: [Relationship; 3] = [
    Relationship::Customer,
    Relationship::Peer,
    Relationship::Team,
];

/// A group's shown (mean, n), if §7 shows it.
fn group_figure(c: &CriterionView<'_>, g: Relationship) -> Option<(Mean, usize)> {
    let f = &c.shown.figures;
    let (mean, n) = match g {
        Relationship::Customer => (&f.customer_mean, f.customer_n),
        Relationship::Peer => (&f.peer_mean, f.peer_n),
        _ => (&f.team_mean, f.team_n),
    };
    Some(((*mean)?, n?))
}

fn level_cell(level: Option<Level>) -> Markup {
    html! { @match level { Some(x) => (x), None => span.muted { "–" } } }
}

fn mean_cell(figure: Option<(Mean, usize)>) -> Markup {
    html! { @match figure { Some((m, _)) => (m), None => span.muted { "–" } } }
}

fn flag_names(l: Locale, c: &CriterionView<'_>) -> Vec<&'static str> {
    c.shown
        .proposal
        .flags
        .raised()
        .into_iter()
        .map(|f| t(l, f.words().name))
        .collect()
}

/// What a raised flag means and what to look at, in one sentence written for the page's
/// reader ("your level" for the supervisor, the supervisor named for an admin, "your
/// supervisor" for the KAM).
pub fn flag_sentence(l: Locale, r: &ReviewPage<'_>, flag: Flag) -> String {
    let words = flag.words();
    let key = match r.reader {
        Reader::Supervisor => words.for_supervisor,
        Reader::Admin => words.for_admin,
        Reader::Kam => words.for_kam,
    };
    tf(l, key, &[("k", &r.k.to_string())])
}

/// The flags raised anywhere in the review, each said in a sentence (under the overview).
fn flag_legend(l: Locale, r: &ReviewPage<'_>) -> Markup {
    let raised = Flags::raised_in(r.criteria.iter().map(|c| &c.shown.proposal.flags));
    html! {
        @if !raised.is_empty() {
            div.flag-legend {
                h3 { span.flag-mark aria-hidden="true" { "⚑ " } (t(l, "report.flags.legend")) }
                ul { @for f in raised { li { (flag_sentence(l, r, f)) } } }
            }
        }
    }
}

fn name<'a>(r: &'a ReviewPage<'_>, l: Locale, id: &str) -> &'a str {
    r.rubric.criterion(id).map_or("", |c| c.name.get(l))
}

/// All criteria at a glance: one row each, flagged rows marked; `anchor` is the prefix of the
/// criterion's section id on this page (`c-` on the reconciliation page, `r-` here).
pub fn overview(l: Locale, r: &ReviewPage<'_>, anchor: &str) -> Markup {
    html! {
        div.table-scroll tabindex="0" role="region" aria-label=(t(l, "report.overview.table")) {
            table.overview-grid {
                caption.visually-hidden { (t(l, "report.overview")) }
                thead {
                    tr {
                        th scope="col" { (t(l, "report.criterion")) }
                        th scope="col" { (t(l, "report.self")) }
                        th scope="col" { (t(l, "report.supervisor")) }
                        @for g in GROUPS { th scope="col" { (t(l, g.report_key())) } }
                        th scope="col" { (t(l, "report.others")) }
                        th scope="col" { (t(l, "report.proposed")) }
                        th scope="col" { (t(l, "report.final")) }
                        @if let Some(cycle) = r.previous_cycle {
                            th scope="col" { (tf(l, "report.previous", &[("cycle", cycle)])) }
                            th scope="col" { (t(l, "report.change")) }
                        }
                        th scope="col" { (t(l, "report.flags")) }
                    }
                }
                @for area in &r.rubric.areas {
                    tbody {
                        tr.area-row { th scope="colgroup" colspan=(if r.previous_cycle.is_some() { 12 } else { 10 }) { (area.name.get(l)) } }
                        @for c in r.criteria.iter().filter(|c| area.criteria.iter().any(|x| x.id == c.id)) {
                            @let f = &c.shown.figures;
                            @let flags = flag_names(l, c);
                            tr.flagged[!flags.is_empty()] {
                                th scope="row" { a href={ "#" (anchor) (c.id) } { (name(r, l, c.id)) } }
                                td { (level_cell(f.self_level)) }
                                td { (level_cell(f.supervisor_level)) }
                                @for g in GROUPS { td { (mean_cell(group_figure(c, g))) } }
                                td { (mean_cell(f.others_mean.zip(f.others_n))) }
                                td { (level_cell(f.proposed_level)) }
                                td.final { (level_cell(c.final_level)) }
                                @if r.previous_cycle.is_some() {
                                    td { (level_cell(c.previous_level)) }
                                    td { (change(c)) }
                                }
                                td.flag-cell { @if !flags.is_empty() { span.flag-mark aria-hidden="true" { "⚑ " } (flags.join(", ")) } }
                            }
                        }
                    }
                }
            }
        }
        p.hint { (tf(l, "report.hidden_note", &[("k", &r.k.to_string())])) }
        (flag_legend(l, r))
    }
}

/// The final level against the previous cycle's: `+1`, `−1`, `0`, or `–` when either is
/// missing.
fn change(c: &CriterionView<'_>) -> Markup {
    let diff = c
        .final_level
        .zip(c.previous_level)
        .map(|(now, before)| i16::from(now) - i16::from(before));
    html! {
        @match diff {
            Some(d) if d > 0 => span.up { "↑ +" (d) },
            Some(d) if d < 0 => span.down { "↓ −" (-d) },
            Some(_) => span { "0" },
            None => span.muted { "–" },
        }
    }
}

fn chart_rows(l: Locale, c: &CriterionView<'_>) -> Vec<(Row, String)> {
    let f = &c.shown.figures;
    let mut rows = Vec::new();
    let level_row = |label: &str, level: Option<Level>, mark: Mark| {
        level.map(|v| {
            (
                Row {
                    label: label.to_owned(),
                    value: f64::from(v),
                    mark,
                },
                v.to_string(),
            )
        })
    };
    rows.extend(level_row(
        t(l, "report.self"),
        f.self_level,
        Mark::SelfLevel,
    ));
    rows.extend(level_row(
        t(l, "report.supervisor"),
        f.supervisor_level,
        Mark::Supervisor,
    ));
    let mean_row = |label: String, figure: Option<(Mean, usize)>, mark: Mark| {
        figure.map(|(m, n)| {
            (
                Row {
                    label: tf(
                        l,
                        "report.with_n",
                        &[("what", &label), ("n", &n.to_string())],
                    ),
                    value: m.as_f64(),
                    mark,
                },
                m.to_string(),
            )
        })
    };
    for g in GROUPS {
        let label = t(l, g.report_key()).to_owned();
        rows.extend(mean_row(label, group_figure(c, g), Mark::Group));
    }
    rows.extend(mean_row(
        t(l, "report.others").to_owned(),
        f.others_mean.zip(f.others_n),
        Mark::Others,
    ));
    rows.extend(level_row(
        t(l, "report.proposed"),
        f.proposed_level,
        Mark::Proposed,
    ));
    rows.extend(level_row(t(l, "report.final"), c.final_level, Mark::Final));
    rows
}

fn criterion(l: Locale, r: &ReviewPage<'_>, c: &CriterionView<'_>) -> Markup {
    let title = name(r, l, c.id);
    let rows = chart_rows(l, c);
    let flags = flag_names(l, c);
    html! {
        article.report-criterion.flagged[!flags.is_empty()] id={ "r-" (c.id) } {
            h3 { (title) }
            @if rows.is_empty() {
                p.muted { (t(l, "report.no_figures")) }
            } @else {
                div.chart-pair {
                    (charts::levels(c.id, &tf(l, "report.chart_title", &[("criterion", title)]), &rows.iter().map(|(row, _)| row.clone()).collect::<Vec<_>>()))
                    table.figures {
                        caption.visually-hidden { (tf(l, "report.chart_title", &[("criterion", title)])) }
                        thead { tr { th scope="col" { (t(l, "report.figure")) } th scope="col" { (t(l, "report.value")) } } }
                        tbody {
                            @for (row, value) in &rows { tr { th scope="row" { (row.label) } td { (value) } } }
                            @if let (Some(cycle), Some(level)) = (r.previous_cycle, c.previous_level) {
                                tr.previous { th scope="row" { (tf(l, "report.previous", &[("cycle", cycle)])) } td { (level) " (" (change(c)) ")" } }
                            }
                        }
                    }
                @if let Some(dist) = &c.shown.distribution {
                    table.distribution-table {
                        caption { (t(l, "report.distribution")) }
                        thead { tr { th scope="col" { (t(l, "report.group")) } @for level in 1..=4u8 { th scope="col" { (level) } } } }
                        tbody {
                            @for (g, counts) in dist {
                                tr { th scope="row" { (t(l, g.report_key())) } @for n in counts { td { (n) } } }
                            }
                        }
                    }
                }
                }
            }
            @if let Some(why) = c.rationale {
                p.rationale { strong { (t(l, "report.rationale")) (t(l, "punct.colon")) } (why) }
            }
            @if !flags.is_empty() {
                ul.flags-line { @for f in c.shown.proposal.flags.raised() { li { span.flag-mark aria-hidden="true" { "⚑ " } (flag_sentence(l, r, f)) } } }
            }
            @match c.shown.gap {
                Some(Gap::BlindSpot) => p.gap { (t(l, "rec.gap.blind")) },
                Some(Gap::HiddenStrength) => p.gap { (t(l, "rec.gap.hidden")) },
                None => {},
            }
            @match &c.shown.comments {
                Comments::None => {},
                Comments::Hidden => p.hint { (tf(l, "rec.comments.hidden", &[("k", &r.k.to_string())])) },
                Comments::Pooled(v) => div.report-comments { h4 { (t(l, "rec.comments")) " · " (t(l, "rec.comments.pooled")) } ul { @for x in v { li { (x) } } } },
                Comments::PerGroup(groups) => div.report-comments {
                    h4 { (t(l, "rec.comments")) }
                    @for (g, v) in groups { h5 { (t(l, g.report_key())) } ul { @for x in v { li { (x) } } } }
                },
            }
        }
    }
}

fn area_summary(l: Locale, r: &ReviewPage<'_>) -> Markup {
    html! {
        div.table-scroll tabindex="0" role="region" aria-label=(t(l, "report.areas.table")) {
        table.summary-table {
            caption.visually-hidden { (t(l, "report.areas")) }
            thead { tr { th scope="col" { (t(l, "report.area")) } th scope="col" { (t(l, "report.area.proposed")) } th scope="col" { (t(l, "report.area.final")) } th scope="col" { (t(l, "report.area.flagged")) } } }
            tbody {
                @for area in &r.rubric.areas {
                    @let cs: Vec<&CriterionView<'_>> = r.criteria.iter().filter(|c| area.criteria.iter().any(|x| x.id == c.id)).collect();
                    @let proposed: Vec<Level> = cs.iter().filter_map(|c| c.shown.figures.proposed_level).collect();
                    @let finals: Vec<Level> = cs.iter().filter_map(|c| c.final_level).collect();
                    @let flagged = cs.iter().filter(|c| !c.shown.proposal.flags.names().is_empty()).count();
                    tr {
                        th scope="row" { a href={ "#area-" (area.id) } { (area.name.get(l)) } }
                        td { @match mean_one_decimal(&proposed) { Some(m) => (fmt_decimal(m, 1)), None => span.muted { "–" } } }
                        td { @match mean_one_decimal(&finals) { Some(m) => (fmt_decimal(m, 1)), None => span.muted { "–" } } }
                        td { (flagged) " / " (cs.len()) }
                    }
                }
            }
        }
        }
    }
}

fn gaps(l: Locale, r: &ReviewPage<'_>) -> Markup {
    let listed: Vec<(&CriterionView<'_>, Gap)> = r
        .criteria
        .iter()
        .filter_map(|c| Some((c, c.shown.gap?)))
        .collect();
    html! {
        @if listed.is_empty() {
            p.muted { (t(l, "report.gaps.none")) }
        } @else {
            ul.gap-list {
                @for (c, g) in &listed {
                    li {
                        strong { @match g { Gap::BlindSpot => (t(l, "report.blind")), Gap::HiddenStrength => (t(l, "report.strength")) } }
                        (t(l, "punct.colon")) a href={ "#r-" (c.id) } { (name(r, l, c.id)) }
                    }
                }
            }
        }
    }
}

/// For the KAM: what each figure of the report is, in plain words, before the figures.
fn how_to_read(l: Locale, r: &ReviewPage<'_>) -> Markup {
    let k = r.k.to_string();
    let levels = r
        .rubric
        .scale
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{} {}", i + 1, s.label.get(l)))
        .collect::<Vec<_>>()
        .join(" · ");
    let groups = GROUPS
        .iter()
        .map(|g| t(l, g.report_key()))
        .collect::<Vec<_>>()
        .join(" / ");
    html! {
        details.how-to-read.report-section open {
            summary { (t(l, "kam.explain.title")) }
            p { (tf(l, "kam.explain.scale", &[("levels", &levels)])) }
            dl.explain {
                div { dt { (t(l, "report.self")) } dd { (t(l, "kam.explain.self")) } }
                div { dt { (t(l, "report.supervisor")) } dd { (t(l, "kam.explain.supervisor")) } }
                div { dt { (groups) } dd { (tf(l, "kam.explain.groups", &[("k", &k)])) } }
                div { dt { (t(l, "report.others")) } dd { (tf(l, "kam.explain.others", &[("k", &k)])) } }
                div { dt { (t(l, "report.proposed")) } dd { (t(l, "kam.explain.proposed")) } }
                div { dt { (t(l, "report.final")) } dd { (t(l, "kam.explain.final")) } }
                @if r.previous_cycle.is_some() { div { dt { (t(l, "report.change")) } dd { (t(l, "kam.explain.change")) } } }
                div { dt { span.flag-mark { "⚑" } " " (t(l, "report.flags")) } dd { (t(l, "kam.explain.flags")) } }
            }
        }
    }
}

/// What frames the report for its reader: the staff's page (a way back to reconciliation,
/// the release) or the KAM's (acknowledgement, development plan).
pub struct Frame<'a> {
    pub title: String,
    /// Where "back" goes, with its words.
    pub back: Option<(String, &'a str)>,
    /// Shown under the header (release or acknowledgement).
    pub top: Markup,
    /// Shown after the criteria (the development plan).
    pub bottom: Markup,
    /// This page in the other language.
    pub switch: Option<String>,
}

/// The whole report.
pub fn report(l: Locale, r: &ReviewPage<'_>, frame: &Frame<'_>) -> Markup {
    let title = &frame.title;
    page(
        l,
        title,
        frame.switch.as_deref(),
        html! {
            header.report-head {
                h1 { (title) }
                p.meta-line {
                    (r.cycle_name) " · "
                    @match r.finalized_at {
                        Some(at) => (tf(l, "report.signed_off", &[("date", &long_date(l, at.date()))])),
                        None => (t(l, "report.not_signed_off")),
                    }
                }
                p.no-print {
                    @if let Some((href, words)) = &frame.back { a href=(href) { (words) } " · " }
                    (t(l, "report.print_hint"))
                }
            }
            (frame.top)
            @if r.reader == Reader::Kam { (how_to_read(l, r)) }
            section.report-section aria-labelledby="overview-title" {
                h2 id="overview-title" { (t(l, "report.overview")) }
                (overview(l, r, "r-"))
            }
            section.report-section aria-labelledby="areas-title" {
                h2 id="areas-title" { (t(l, "report.areas")) }
                (area_summary(l, r))
                h3 { (t(l, "report.gaps")) }
                (gaps(l, r))
                p.hint { (t(l, "report.legend")) }
            }
            @for area in &r.rubric.areas {
                section.report-area aria-labelledby={ "area-" (area.id) } {
                    h2 id={ "area-" (area.id) } { (area.name.get(l)) }
                    @for c in r.criteria.iter().filter(|c| area.criteria.iter().any(|x| x.id == c.id)) {
                        (criterion(l, r, c))
                    }
                }
            }
            (frame.bottom)
        },
    )
}

/// Before results are visible (SPEC §7) the report has nothing to show.
pub fn not_yet(l: Locale, r: &ReviewPage<'_>) -> Markup {
    super::layout::message(
        l,
        &tf(l, "report.title", &[("name", r.subject_name)]),
        t(l, "rec.not_visible"),
        None,
        html! { p { a href={ "/reviews/" (r.review_id) } { (t(l, "report.back")) } } },
    )
}
