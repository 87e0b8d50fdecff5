//! What frames the released report: the staff's release box and view of the plan (with the
//! supervisor's comments), the KAM's acknowledgement and development plan form (SPEC §12).

use chrono::{NaiveDate, NaiveDateTime};
use maud::{html, Markup};

use crate::domain::dates::long_date;
use crate::domain::formats::rubric::Rubric;
use crate::domain::forms::plan::{Problem, Typed, MAX_ACTIONS, MAX_GOAL, MAX_GOALS};
use crate::domain::locale::Locale;
use crate::i18n::{t, tf, tn};

/// The release as the staff see it.
pub struct ReleaseView<'a> {
    pub kam_name: &'a str,
    pub finalized: bool,
    pub released_at: Option<NaiveDateTime>,
    pub acknowledged_at: Option<NaiveDateTime>,
    /// The session's CSRF token and the form's target, for whoever may release.
    pub form: Option<(&'a str, String)>,
    /// The link was just (re)sent.
    pub sent: bool,
}

/// The release box on the staff's report.
pub fn release_box(l: Locale, v: &ReleaseView<'_>) -> Markup {
    let name = [("name", v.kam_name)];
    html! {
        section.report-section.no-print aria-labelledby="release-title" {
            h2 id="release-title" { (t(l, "release.title")) }
            @if v.sent { div.status.saved role="status" { (t(l, "release.sent")) } }
            @match (v.finalized, v.released_at) {
                (false, _) => p { (tf(l, "release.needs_signoff", &name)) },
                (true, None) => {
                    p { (tf(l, "release.explain", &name)) }
                    @if let Some((csrf, action)) = &v.form {
                        form method="post" action=(action) {
                            input type="hidden" name="csrf" value=(csrf);
                            button.primary type="submit" { (tf(l, "release.button", &name)) }
                        }
                    }
                },
                (true, Some(at)) => {
                    p { (tf(l, "release.done", &[("name", v.kam_name), ("date", &long_date(l, at.date()))])) " "
                        @match v.acknowledged_at {
                            Some(a) => (tf(l, "release.ack", &[("name", v.kam_name), ("date", &long_date(l, a.date()))])),
                            None => (tf(l, "release.not_ack", &name)),
                        }
                    }
                    @if let Some((csrf, action)) = &v.form {
                        form method="post" action=(action) {
                            input type="hidden" name="csrf" value=(csrf);
                            button.secondary type="submit" { (t(l, "release.again")) }
                        }
                    }
                },
            }
        }
    }
}

/// One stored goal, as shown.
pub struct GoalView<'a> {
    pub position: i32,
    pub criterion_name: &'a str,
    pub goal: &'a str,
    pub actions: &'a str,
    pub target_date: NaiveDate,
    pub comment: &'a str,
}

fn goal_text(l: Locale, g: &GoalView<'_>) -> Markup {
    html! {
        h3 { (tf(l, "plan.goal_n", &[("n", &g.position.to_string())])) " · " (g.criterion_name) }
        p { strong { (g.goal) } " — " (tf(l, "plan.by", &[("date", &long_date(l, g.target_date))])) }
        @if !g.actions.is_empty() { p.plan-actions { (g.actions) } }
    }
}

/// The plan on the staff's report; the supervisor gets a comment box per goal.
pub fn staff_plan(
    l: Locale,
    goals: &[GoalView<'_>],
    comment_form: Option<(&str, String)>,
    saved: bool,
) -> Markup {
    html! {
        section.report-section.plan aria-labelledby="plan-title" {
            h2 id="plan-title" { (t(l, "plan.title")) }
            @if saved { div.status.saved role="status" { (t(l, "plan.comments.saved")) } }
            @if goals.is_empty() {
                p.muted { (t(l, "plan.none")) }
            } @else if let Some((csrf, action)) = &comment_form {
                form method="post" action=(action) {
                    input type="hidden" name="csrf" value=(csrf);
                    @for g in goals {
                        article.plan-goal {
                            (goal_text(l, g))
                            @let id = format!("comment{}", g.position);
                            div.field {
                                label for=(id) { (t(l, "plan.comment")) }
                                textarea id=(id) name=(id) rows="2" maxlength=(MAX_ACTIONS) { (g.comment) }
                            }
                        }
                    }
                    div.actions.no-print { button.primary type="submit" { (t(l, "plan.comments.save")) } }
                }
            } @else {
                @for g in goals {
                    article.plan-goal {
                        (goal_text(l, g))
                        @if !g.comment.is_empty() { p.plan-comment { strong { (t(l, "plan.comment")) (t(l, "punct.colon")) } (g.comment) } }
                    }
                }
            }
        }
    }
}

/// The KAM's acknowledgement.
pub fn kam_ack(l: Locale, acknowledged_at: Option<NaiveDateTime>, action: &str) -> Markup {
    html! {
        section.report-section aria-labelledby="ack-title" {
            h2 id="ack-title" { (t(l, "kam.ack.title")) }
            @match acknowledged_at {
                Some(at) => p.status.saved role="status" { (tf(l, "kam.ack.done", &[("date", &long_date(l, at.date()))])) },
                None => {
                    p { (t(l, "kam.ack.hint")) }
                    form.no-print method="post" action=(action) {
                        button.primary type="submit" { (t(l, "kam.ack.button")) }
                    }
                },
            }
        }
    }
}

/// The KAM's plan form: five rows, kept as typed, each problem next to its field; the
/// supervisor's comments under the goals they are about.
pub fn kam_plan(
    l: Locale,
    rubric: &Rubric,
    rows: &[Typed],
    problems: &[(usize, Problem)],
    comments: &[(usize, &str)],
    action: &str,
    saved: bool,
) -> Markup {
    let problem = |n: usize, fields: &[Problem]| {
        problems
            .iter()
            .find(|(row, p)| *row == n && fields.contains(p))
            .map(|(_, p)| t(l, p.key()))
    };
    html! {
        section.report-section.plan aria-labelledby="plan-title" {
            h2 id="plan-title" { (t(l, "plan.title")) }
            p { (t(l, "plan.intro")) }
            @if saved { div.status.saved role="status" { (t(l, "plan.saved")) } }
            @if !problems.is_empty() {
                div.status.error-summary role="alert" id="error-summary" tabindex="-1" {
                    p { (tn(l, "plan.problems", problems.len(), &[])) }
                    @if problems.iter().any(|(n, _)| *n == 0) { p { (t(l, "plan.err.none")) } }
                }
            }
            form method="post" action=(action) {
                @for n in 1..=MAX_GOALS {
                    @let r = rows.get(n - 1).cloned().unwrap_or_default();
                    fieldset.plan-row {
                        legend { (tf(l, "plan.goal_n", &[("n", &n.to_string())])) }
                        @let id = format!("goal{n}_criterion");
                        div.field {
                            label for=(id) { (t(l, "plan.criterion")) }
                            @if let Some(e) = problem(n, &[Problem::Criterion]) { p.field-error id={ (id) "-error" } { (e) } }
                            select id=(id) name=(id) {
                                option value="" { (t(l, "plan.choose")) }
                                @for area in &rubric.areas {
                                    optgroup label=(area.name.get(l)) {
                                        @for c in &area.criteria {
                                            option value=(c.id) selected[c.id == r.criterion_id] { (c.name.get(l)) }
                                        }
                                    }
                                }
                            }
                        }
                        @let id = format!("goal{n}_text");
                        div.field {
                            label for=(id) { (t(l, "plan.text")) }
                            @if let Some(e) = problem(n, &[Problem::GoalMissing, Problem::GoalTooLong]) { p.field-error { (e) } }
                            input type="text" id=(id) name=(id) value=(r.goal) maxlength=(MAX_GOAL);
                        }
                        @let id = format!("goal{n}_actions");
                        div.field {
                            label for=(id) { (t(l, "plan.actions")) }
                            @if let Some(e) = problem(n, &[Problem::ActionsTooLong]) { p.field-error { (e) } }
                            textarea id=(id) name=(id) rows="2" maxlength=(MAX_ACTIONS) { (r.actions) }
                        }
                        @let id = format!("goal{n}_date");
                        div.field {
                            label for=(id) { (t(l, "plan.date")) }
                            @if let Some(e) = problem(n, &[Problem::Date, Problem::DatePast]) { p.field-error { (e) } }
                            input type=(super::fragments::date_type(&r.date)) id=(id) name=(id) value=(r.date);
                        }
                        @if let Some((_, c)) = comments.iter().find(|(p, _)| *p == n) {
                            p.plan-comment { strong { (t(l, "plan.comment")) (t(l, "punct.colon")) } (c) }
                        }
                    }
                }
                div.actions.no-print { button.primary type="submit" { (t(l, "plan.save")) } }
            }
        }
    }
}
