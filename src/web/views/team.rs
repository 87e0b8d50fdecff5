//! The team view (issue #21): a supervisor's KAMs of one cycle side by side — where each
//! review stands, the 19 criteria as a heat map, the area means and the change against the
//! previous cycle. Sortable by any column with links (and in place with script); at 360 px each
//! KAM becomes a card and nothing scrolls sideways. Pure.

use maud::{html, Markup};

use super::staff::{staff_page, Viewer};
use crate::domain::formats::rubric::Rubric;
use crate::domain::ids::{CycleId, PersonId, ReviewId};
use crate::domain::locale::Locale;
use crate::domain::rules::insights::{Cell, CellLevel};
use crate::domain::rules::team::{SortBy, State, TeamRow};
use crate::i18n::{t, tf, tn};

/// One choice of a picker: its value, its words, whether it is the one shown.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub chosen: bool,
}

/// What the page shows.
pub struct TeamPage<'a> {
    pub cycles: &'a [Choice],
    /// For admins: whose team (empty for a supervisor, who sees their own).
    pub supervisors: &'a [Choice],
    pub cycle: Option<(&'a CycleId, &'a str)>,
    pub supervisor: Option<&'a PersonId>,
    pub rubric: Option<&'a Rubric>,
    pub rows: &'a [(ReviewId, TeamRow)],
    pub sort: &'a SortBy,
    pub ascending: bool,
}

impl TeamPage<'_> {
    /// This page's address with another order (or the same, for the CSV).
    fn href(&self, path: &str, by: &SortBy, ascending: bool) -> String {
        let mut q = Vec::new();
        if let Some((id, _)) = self.cycle {
            q.push(format!("cycle={id}"));
        }
        if let Some(s) = self.supervisor {
            q.push(format!("supervisor={s}"));
        }
        if let Some(r) = self.rubric {
            q.push(format!("sort={}", by.name(r)));
            q.push(format!("dir={}", if ascending { "asc" } else { "desc" }));
        }
        format!("{path}?{}", q.join("&"))
    }
}

fn state_words(l: Locale, s: State) -> String {
    let (n, m) = s.numbers();
    let m = m.to_string();
    tn(l, s.key(), n, &[("m", &m)])
}

/// A level's cell: the number, marked when only proposed, and flagged.
fn level_cell(l: Locale, cell: Cell, flagged: bool, col: &str, label: &str) -> Markup {
    let v = cell.map(|c| c.level.to_string()).unwrap_or_default();
    let class = match cell {
        Some(CellLevel {
            level: x,
            is_final: true,
        }) => format!("lvl lvl-{x}"),
        Some(CellLevel {
            level: x,
            is_final: false,
        }) => format!("lvl lvl-{x} proposed"),
        None => "lvl none".to_owned(),
    };
    html! {
        td class=(class) data-col=(col) data-v=(v) {
            span.cell-label aria-hidden="true" { (label) }
            @match cell {
                Some(CellLevel { level: x, is_final: true }) => { (x) }
                Some(CellLevel { level: x, is_final: false }) => { (x) span.visually-hidden { " " (t(l, "team.proposed")) } }
                None => { span aria-hidden="true" { "·" } span.visually-hidden { (t(l, "team.no_level")) } }
            }
            @if flagged { span.flag-mark aria-hidden="true" { "⚑" } span.visually-hidden { " " (t(l, "team.flagged")) } }
        }
    }
}

/// `GET /team`
pub fn team(l: Locale, viewer: &Viewer<'_>, p: &TeamPage<'_>) -> Markup {
    let title = match p.cycle {
        Some((_, name)) => tf(l, "team.title_of", &[("cycle", name)]),
        None => t(l, "team.title").to_owned(),
    };
    html! {
        (staff_page(l, &title, viewer, html! {
            h1 { (title) }
            form.team-pick method="get" action="/team" {
                div.field {
                    label for="pick-cycle" { (t(l, "team.cycle")) }
                    select id="pick-cycle" name="cycle" {
                        @for c in p.cycles { option value=(c.value) selected[c.chosen] { (c.label) } }
                    }
                }
                @if !p.supervisors.is_empty() {
                    div.field {
                        label for="pick-supervisor" { (t(l, "team.supervisor")) }
                        select id="pick-supervisor" name="supervisor" {
                            @for c in p.supervisors { option value=(c.value) selected[c.chosen] { (c.label) } }
                        }
                    }
                }
                button.secondary type="submit" { (t(l, "team.show")) }
            }
            @match (p.rubric, p.rows.is_empty()) {
                (Some(rubric), false) => (table(l, p, rubric)),
                _ => p.muted { (t(l, "team.none")) },
            }
        }))
    }
}

fn table(l: Locale, p: &TeamPage<'_>, rubric: &Rubric) -> Markup {
    let criteria: Vec<_> = rubric.criteria().collect();
    let numbers: Vec<String> = (1..=criteria.len()).map(|n| n.to_string()).collect();
    // a header that sorts by its column: the first click orders as that column reads best
    // (names A–Z, levels high to low), the next turns it round
    let head = |by: SortBy, col: &str, words: Markup, full: &str, rows: u8| {
        let current = *p.sort == by;
        let asc = if current {
            !p.ascending
        } else {
            by.first_ascending()
        };
        let sort = if current {
            Some(if p.ascending {
                "ascending"
            } else {
                "descending"
            })
        } else {
            None
        };
        let said = tf(l, "team.sorted_by", &[("column", full)]);
        html! {
            th scope="col" rowspan=[(rows > 1).then_some(rows)] aria-sort=[sort] {
                a.sort href=(p.href("/team", &by, asc)) data-col=(col) data-dir=(if asc { "asc" } else { "desc" }) data-said=(said) {
                    (words)
                }
            }
        }
    };
    html! {
        p.team-actions {
            a href=(p.href("/team.csv", p.sort, p.ascending)) download { (t(l, "team.csv")) }
        }
        p.team-hint { (t(l, "team.hint")) }
        // at phone widths the column headers are out of sight: the same orders as a form
        form.team-sort method="get" action="/team" {
            @if let Some((id, _)) = p.cycle { input type="hidden" name="cycle" value=(id); }
            @if let Some(s) = p.supervisor { input type="hidden" name="supervisor" value=(s); }
            div.field {
                label for="sort-by" { (t(l, "team.sort_by")) }
                select id="sort-by" name="sort" {
                    @for (by, words) in sort_choices(l, rubric) {
                        option value=(by.name(rubric)) selected[by == *p.sort] { (words) }
                    }
                }
            }
            div.field {
                label for="sort-dir" { (t(l, "team.sort_dir")) }
                select id="sort-dir" name="dir" {
                    option value="asc" selected[p.ascending] { (t(l, "team.sort_asc")) }
                    option value="desc" selected[!p.ascending] { (t(l, "team.sort_desc")) }
                }
            }
            button.secondary type="submit" { (t(l, "team.sort")) }
        }
        div.team-wrap {
            table.team {
                caption.visually-hidden { (t(l, "team.caption")) }
                thead {
                    // the criteria grouped under their areas; the area means under one heading
                    tr {
                        (head(SortBy::Name, "name", html! { (t(l, "team.kam")) }, t(l, "team.kam"), 2))
                        (head(SortBy::State, "state", html! { (t(l, "team.state")) }, t(l, "team.state"), 2))
                        @for a in &rubric.areas {
                            th.area scope="colgroup" colspan=(a.criteria.len()) { (a.name.get(l)) }
                        }
                        th.area scope="colgroup" colspan=(rubric.areas.len()) { (t(l, "team.area_means")) }
                        (head(SortBy::Mean, "mean", html! { (t(l, "team.mean")) }, t(l, "team.mean"), 2))
                        (head(SortBy::Change, "change", html! { (t(l, "team.change")) span.visually-hidden { " " (t(l, "team.change_since")) } }, t(l, "team.change_full"), 2))
                    }
                    tr {
                        @for (i, c) in criteria.iter().enumerate() {
                            @let name = c.name.get(l);
                            (head(SortBy::Criterion(i), &format!("c{i}"), html! { span.num { (numbers[i]) } " " span.tip { (name) } }, name, 1))
                        }
                        @for (i, a) in rubric.areas.iter().enumerate() {
                            @let name = tf(l, "team.area_mean", &[("area", a.name.get(l))]);
                            (head(SortBy::Area(i), &format!("a{i}"), html! { span.num { (area_letter(i)) } " " span.tip { (name) } }, &name, 1))
                        }
                    }
                }
                tbody {
                    @for (id, r) in p.rows {
                        tr class={ "state-" (r.state.code()) } {
                            th scope="row" data-col="name" data-v=(r.facts.name) {
                                a href={ "/reviews/" (id) "/report" } { (r.facts.name) }
                                @for e in &r.facts.notices {
                                    " " span.notice-badge { (t(l, "team.new")) " " (t(l, e.key())) }
                                }
                            }
                            td.state data-col="state" data-v=(r.state.rank()) { (state_words(l, r.state)) }
                            @for (i, (cell, flagged)) in r.facts.cells.iter().enumerate() {
                                (level_cell(l, *cell, *flagged, &format!("c{i}"), numbers.get(i).map_or("", String::as_str)))
                            }
                            @for (i, m) in r.area_means.iter().enumerate() {
                                @let label = rubric.areas.get(i).map_or(String::new(), |a| format!("{} {}", area_letter(i), a.name.get(l)));
                                td.mean data-col={ "a" (i) } data-v=(m.map(|m| m.to_string()).unwrap_or_default()) {
                                    span.cell-label aria-hidden="true" { (label) }
                                    (m.map(|m| m.to_string()).unwrap_or_else(|| "—".into()))
                                }
                            }
                            td.mean data-col="mean" data-v=(r.mean.map(|m| m.to_string()).unwrap_or_default()) {
                                span.cell-label aria-hidden="true" { (t(l, "team.mean")) }
                                (r.mean.map(|m| m.to_string()).unwrap_or_else(|| "—".into()))
                            }
                            td.change data-col="change" data-v=(r.change.map(|c| (f64::from(c.0) / 100.0).to_string()).unwrap_or_default()) {
                                span.cell-label aria-hidden="true" { (t(l, "team.change")) }
                                (r.change.map(|c| c.to_string()).unwrap_or_else(|| "—".into()))
                            }
                        }
                    }
                }
            }
        }
        p.visually-hidden role="status" id="team-sorted" {}
        section.team-legend aria-labelledby="legend-title" {
            h2 id="legend-title" { (t(l, "team.legend")) }
            p { (t(l, "team.legend.levels")) }
            ul.level-key {
                @for s in &rubric.scale {
                    li { span class={ "lvl lvl-" (s.level) } { (s.level) } " " (s.label.get(l)) }
                }
                li { span.lvl.lvl-3.proposed { "3" } " " (t(l, "team.legend.proposed")) }
                li { span.flag-mark { "⚑" } " " (t(l, "team.legend.flagged")) }
            }
            ol.criteria-key {
                @for c in &criteria { li { (c.name.get(l)) } }
            }
            ul.area-key {
                @for (i, a) in rubric.areas.iter().enumerate() { li { strong { (area_letter(i)) } " " (tf(l, "team.area_mean", &[("area", a.name.get(l))])) } }
            }
        }
    }
}

/// "A" … "E": an area's short name in the table (its full name in the heading above, on hover
/// and focus, and in the legend).
fn area_letter(i: usize) -> char {
    u8::try_from(i)
        .ok()
        .and_then(|i| b'A'.checked_add(i))
        .map_or('?', char::from)
}

/// Every column to sort by, in the table's order, with its words.
fn sort_choices(l: Locale, rubric: &Rubric) -> Vec<(SortBy, String)> {
    let mut out = vec![
        (SortBy::State, t(l, "team.state").to_owned()),
        (SortBy::Name, t(l, "team.kam").to_owned()),
        (SortBy::Mean, t(l, "team.mean").to_owned()),
        (SortBy::Change, t(l, "team.change_full").to_owned()),
    ];
    for (i, a) in rubric.areas.iter().enumerate() {
        out.push((
            SortBy::Area(i),
            tf(l, "team.area_mean", &[("area", a.name.get(l))]),
        ));
    }
    for (i, c) in rubric.criteria().enumerate() {
        out.push((
            SortBy::Criterion(i),
            format!("{}. {}", i + 1, c.name.get(l)),
        ));
    }
    out
}
