//! Cycle insights for admins (SPEC §12): the heat map of KAMs × criteria, the distribution of
//! final levels per criterion and area, calibration per supervisor.

use crate::domain::rules::insights::CellLevel;
use maud::{html, Markup};

use crate::domain::formats::rubric::Rubric;
use crate::domain::locale::Locale;
use crate::domain::rules::insights::Insights;
use crate::i18n::{t, tf};

fn signed(x: f64) -> String {
    if x > 0.0 {
        format!("+{x:.2}")
    } else if x < 0.0 {
        format!("−{:.2}", -x)
    } else {
        "0.00".into()
    }
}

/// The whole page.
pub fn insights(
    l: Locale,
    viewer: &crate::web::views::staff::Viewer<'_>,
    cycle_name: &str,
    cycle_id: &crate::domain::ids::CycleId,
    rubric: &Rubric,
    i: &Insights,
    k: usize,
) -> Markup {
    let title = tf(l, "insights.title", &[("cycle", cycle_name)]);
    let number = |id: &str| i.criteria.iter().position(|c| c == id).map_or(0, |p| p + 1);
    html! {
        (crate::web::views::staff::staff_page(l, &title, viewer, html! {
            header.report-head {
                h1 { (title) }
                p.no-print {
                    a href={ "/admin/cycles/" (cycle_id) "/report.csv" } { "CSV" } " · "
                    a href={ "/admin/cycles/" (cycle_id) "/report.json" } { "JSON" } " · "
                    a href={ "/admin/cycles/" (cycle_id) "/report.xlsx" } { (t(l, "insights.xlsx")) }
                }
            }
            section.report-section aria-labelledby="heat-title" {
                h2 id="heat-title" { (t(l, "insights.heat")) }
                p.hint { (t(l, "insights.heat.hint")) }
                div.table-scroll tabindex="0" role="region" aria-label=(t(l, "insights.heat.table")) {
                    table.heat {
                        caption.visually-hidden { (t(l, "insights.heat")) }
                        thead { tr {
                            th scope="col" { (t(l, "insights.kam")) }
                            @for id in &i.criteria {
                                th scope="col" { abbr title=(rubric.criterion(id).map_or("", |c| c.name.get(l))) { (number(id)) } }
                            }
                        } }
                        tbody {
                            @for row in &i.heat {
                                tr {
                                    th scope="row" { (row.subject_name) }
                                    @for (cell, flagged) in row.cells.iter().zip(row.flagged.iter().copied().chain(std::iter::repeat(false))) {
                                        @match cell {
                                            Some(CellLevel { level, is_final: true }) => td class={ "lv" (level) } { (level) @if flagged { span.flag-mark aria-hidden="true" { "⚑" } span.visually-hidden { " " (t(l, "report.flags")) } } },
                                            Some(CellLevel { level, is_final: false }) => td class={ "lv" (level) " proposed" } { (level) "*" @if flagged { span.flag-mark aria-hidden="true" { "⚑" } span.visually-hidden { " " (t(l, "report.flags")) } } },
                                            None => td.muted { "–" @if flagged { span.flag-mark aria-hidden="true" { "⚑" } span.visually-hidden { " " (t(l, "report.flags")) } } },
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                @if i.heat.iter().any(|r| r.flagged.contains(&true)) {
                    div.flag-legend {
                        h3 { span.flag-mark aria-hidden="true" { "⚑ " } (t(l, "report.flags.legend")) }
                        p { (t(l, "insights.flag.hint")) }
                        ul { @for f in crate::domain::rules::consolidation::Flag::ALL { li { (tf(l, f.words().for_admin, &[("k", &k.to_string())])) } } }
                    }
                }
                ol.legend-list {
                    @for id in &i.criteria { li { (rubric.criterion(id).map_or("", |c| c.name.get(l))) } }
                }
            }
            section.report-section aria-labelledby="dist-title" {
                h2 id="dist-title" { (t(l, "insights.distribution")) }
                div.table-scroll tabindex="0" role="region" aria-label=(t(l, "insights.distribution.table")) {
                    table.summary-table {
                        thead { tr { th scope="col" { (t(l, "report.criterion")) } @for level in 1..=4u8 { th scope="col" { (level) } } th scope="col" { "n" } } }
                        @for area in &rubric.areas {
                            tbody {
                                @let totals = area.criteria.iter().filter_map(|c| i.distribution.get(&c.id)).fold([0usize; 4], |mut acc, d| { for k in 0..4 { acc[k] += d[k]; } acc });
                                tr.area-row { th scope="row" { (area.name.get(l)) } @for n in totals { td { strong { (n) } } } td { strong { (totals.iter().sum::<usize>()) } } }
                                @for c in &area.criteria {
                                    @let d = i.distribution.get(&c.id).copied().unwrap_or([0; 4]);
                                    tr { th scope="row" { (c.name.get(l)) } @for n in d { td { (n) } } td { (d.iter().sum::<usize>()) } }
                                }
                            }
                        }
                    }
                }
            }
            section.report-section aria-labelledby="cal-title" {
                h2 id="cal-title" { (t(l, "insights.calibration")) }
                p.hint { (t(l, "insights.calibration.hint")) }
                table.summary-table {
                    thead { tr {
                        th scope="col" { (t(l, "insights.supervisor")) }
                        th scope="col" { (t(l, "insights.against_others")) }
                        th scope="col" { (t(l, "insights.final_vs_proposed")) }
                    } }
                    tbody {
                        @for c in &i.calibration {
                            tr {
                                th scope="row" { (c.supervisor) }
                                td { @match c.against_others.0 { Some(m) => { (signed(m)) " (n=" (c.against_others.1) ")" }, None => span.muted { "–" } } }
                                td { @match c.final_vs_proposed.0 { Some(m) => { (signed(m)) " (n=" (c.final_vs_proposed.1) ")" }, None => span.muted { "–" } } }
                            }
                        }
                    }
                }
            }
        }))
    }
}
