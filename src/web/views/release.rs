//! What frames the released report: the staff's release box and view of the plan (with the
//! supervisor's comments), the KAM's acknowledgement and development plan form (SPEC §12).

use chrono::{NaiveDate, NaiveDateTime};
use maud::{html, Markup};

use crate::domain::dates::long_date;
use crate::domain::formats::rubric::{Criterion, Rubric};
use crate::domain::forms::plan::{
    Problem, ProgressProblem, Typed, MAX_ACTIONS, MAX_GOAL, MAX_GOALS, MAX_NOTE,
};
use crate::domain::ids::GoalId;
use crate::domain::locale::Locale;
use crate::domain::status::GoalProgress;
use crate::i18n::{t, tf, tn};

/// The release as the staff see it.
pub struct ReleaseView<'a> {
    pub kam_name: &'a str,
    pub finalized: bool,
    pub released_at: Option<NaiveDateTime>,
    pub acknowledged_at: Option<NaiveDateTime>,
    /// The session's CSRF token and the form's target, for whoever may release.
    pub form: Option<PostTo<'a>>,
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
                    @if let Some(PostTo { csrf, action }) = &v.form {
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
                    @if let Some(PostTo { csrf, action }) = &v.form {
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
    pub id: &'a GoalId,
    pub position: i32,
    pub criterion_name: &'a str,
    pub goal: &'a str,
    pub actions: &'a str,
    pub target_date: NaiveDate,
    pub comment: &'a str,
    pub progress: GoalProgress,
    pub note: &'a str,
    pub progress_at: Option<NaiveDateTime>,
}

fn goal_text(l: Locale, g: &GoalView<'_>) -> Markup {
    html! {
        h3 { (tf(l, "plan.goal_n", &[("n", &g.position.to_string())])) " · " (g.criterion_name) }
        p { strong { (g.goal) } " — " (tf(l, "plan.by", &[("date", &long_date(l, g.target_date))])) }
        @if !g.actions.is_empty() { p.plan-actions { (g.actions) } }
    }
}

/// Where a goal stands, with the KAM's note (when they recorded any).
fn goal_progress(l: Locale, g: &GoalView<'_>) -> Markup {
    html! {
        p.plan-progress {
            strong { (t(l, "progress.label")) (t(l, "punct.colon")) }
            span class={ "progress-state " (g.progress.as_str()) } { (t(l, g.progress.key())) }
            @if let Some(at) = g.progress_at { " " span.muted { (tf(l, "progress.on", &[("date", &long_date(l, at.date()))])) } }
        }
        @if !g.note.is_empty() { p.plan-note { (g.note) } }
    }
}

fn goal_comment(l: Locale, g: &GoalView<'_>) -> Markup {
    html! {
        @if !g.comment.is_empty() { p.plan-comment { strong { (t(l, "plan.comment")) (t(l, "punct.colon")) } (g.comment) } }
    }
}

/// The plan as read: every goal with its progress and the supervisor's comment. On screen
/// where nobody edits it; in print always (forms do not print).
pub fn plan_read(l: Locale, goals: &[GoalView<'_>]) -> Markup {
    html! {
        @if goals.is_empty() {
            p.muted { (t(l, "plan.none")) }
        }
        @for g in goals {
            article.plan-goal {
                (goal_text(l, g))
                (goal_progress(l, g))
                (goal_comment(l, g))
            }
        }
    }
}

/// Where a staff form posts, with the session's token.
pub struct PostTo<'a> {
    pub csrf: &'a str,
    pub action: String,
}

/// The plan on the staff's report; the supervisor gets a comment box per goal.
pub fn staff_plan(
    l: Locale,
    goals: &[GoalView<'_>],
    comment_form: Option<PostTo<'_>>,
    saved: bool,
) -> Markup {
    html! {
        section.report-section.plan aria-labelledby="plan-title" {
            h2 id="plan-title" { (t(l, "plan.title")) }
            @if saved { div.status.saved role="status" { (t(l, "plan.comments.saved")) } }
            @match &comment_form {
                Some(PostTo { csrf, action }) if !goals.is_empty() => {
                    form method="post" action=(action) {
                        input type="hidden" name="csrf" value=(csrf);
                        @for g in goals {
                            article.plan-goal {
                                (goal_text(l, g))
                                (goal_progress(l, g))
                                @let id = format!("comment{}", g.position);
                                input type="hidden" name={ "goal" (g.position) } value=(g.id.as_str());
                                div.field {
                                    label for=(id) { (t(l, "plan.comment")) }
                                    textarea id=(id) name=(id) rows="2" maxlength=(MAX_ACTIONS) { (g.comment) }
                                }
                            }
                        }
                        div.actions.no-print { button.primary type="submit" { (t(l, "plan.comments.save")) } }
                    }
                    div.print-only { (plan_read(l, goals)) }
                },
                _ => (plan_read(l, goals)),
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

/// The rubric's words for one criterion of the KAM's plan: the level they are at and the next
/// one up (issue #21), as the starting point of a goal.
fn better(l: Locale, rubric: &Rubric, criterion: &Criterion, at: Option<u8>) -> Markup {
    let label = |level: u8| {
        rubric
            .scale
            .iter()
            .find(|s| s.level == level)
            .map_or("", |s| s.label.get(l))
    };
    let descriptor = |level: u8| {
        criterion
            .descriptors
            .get(usize::from(level.saturating_sub(1)))
            .map_or("", |d| d.get(l))
    };
    html! {
        div.better data-criterion=(criterion.id) {
            @match at {
                Some(level) => {
                    p.better-now { strong { (tf(l, "plan.better.now", &[("level", label(level))])) } " " (descriptor(level)) }
                    @match level.checked_add(1).filter(|n| usize::from(*n) <= criterion.descriptors.len()) {
                        Some(next) => p.better-next { strong { (tf(l, "plan.better.next", &[("level", label(next))])) } " " (descriptor(next)) },
                        None => p.better-next { (t(l, "plan.better.top")) },
                    }
                },
                None => p.better-next { (t(l, "plan.better.unknown")) },
            }
        }
    }
}

/// What the KAM's plan form needs besides the rows: the rubric, the final levels, the plan as
/// stored (for print) and where the form posts.
pub struct PlanForm<'a> {
    pub rubric: &'a Rubric,
    /// The KAM's final level per criterion id.
    pub finals: &'a std::collections::HashMap<String, u8>,
    pub stored: &'a [GoalView<'a>],
    pub action: &'a str,
    pub saved: bool,
}

/// The KAM's plan form: five rows, kept as typed, each problem next to its field; the
/// supervisor's comments under the goals they are about; under each chosen criterion, what
/// the next level looks like (with script, it follows the choice).
pub fn kam_plan(
    l: Locale,
    f: &PlanForm<'_>,
    rows: &[Typed],
    problems: &[(usize, Problem)],
) -> Markup {
    let problem = |n: usize, fields: &[Problem]| {
        problems
            .iter()
            .find(|(row, p)| *row == n && fields.contains(p))
            .map(|(_, p)| t(l, p.key()))
    };
    let comment = |id: &str| {
        f.stored
            .iter()
            .find(|g| g.id.as_str() == id && !g.comment.is_empty())
            .map(|g| g.comment)
    };
    html! {
        section.report-section.plan aria-labelledby="plan-title" {
            h2 id="plan-title" { (t(l, "plan.title")) }
            p.no-print { (t(l, "plan.intro")) }
            @if f.saved { div.status.saved role="status" { (t(l, "plan.saved")) } }
            @if !problems.is_empty() {
                div.status.error-summary role="alert" id="error-summary" tabindex="-1" {
                    p { (tn(l, "plan.problems", problems.len(), &[])) }
                    @if problems.iter().any(|(n, _)| *n == 0) { p { (t(l, "plan.err.none")) } }
                }
            }
            form method="post" action=(f.action) {
                @for n in 1..=MAX_GOALS {
                    @let r = rows.get(n - 1).cloned().unwrap_or_default();
                    fieldset.plan-row {
                        legend { (tf(l, "plan.goal_n", &[("n", &n.to_string())])) }
                        @if !r.id.is_empty() { input type="hidden" name={ "goal" (n) "_id" } value=(r.id); }
                        @let id = format!("goal{n}_criterion");
                        div.field {
                            label for=(id) { (t(l, "plan.criterion")) }
                            @if let Some(e) = problem(n, &[Problem::Criterion]) { p.field-error id={ (id) "-error" } { (e) } }
                            select id=(id) name=(id) data-better={ "better" (n) } {
                                option value="" { (t(l, "plan.choose")) }
                                @for area in &f.rubric.areas {
                                    optgroup label=(area.name.get(l)) {
                                        @for c in &area.criteria {
                                            option value=(c.id) selected[c.id == r.criterion_id] { (c.name.get(l)) }
                                        }
                                    }
                                }
                            }
                        }
                        div.better-slot id={ "better" (n) } aria-live="polite" {
                            @if let Some(c) = f.rubric.criterion(&r.criterion_id) {
                                (better(l, f.rubric, c, f.finals.get(&c.id).copied()))
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
                        @if let Some(c) = comment(&r.id) {
                            p.plan-comment { strong { (t(l, "plan.comment")) (t(l, "punct.colon")) } (c) }
                        }
                    }
                }
                div.actions.no-print {
                    button.primary type="submit" { (t(l, "plan.save")) }
                    button.secondary type="submit" name="show" value="better" formnovalidate { (t(l, "plan.better.show")) }
                }
            }
            // every criterion's words, for the script to show as the choice changes
            template id="better-words" {
                @for c in f.rubric.criteria() { (better(l, f.rubric, c, f.finals.get(&c.id).copied())) }
            }
            div.print-only { (plan_read(l, f.stored)) }
        }
    }
}

/// The KAM's progress on the stored goals (issue #21): where each stands, with a note.
pub fn kam_progress(
    l: Locale,
    goals: &[GoalView<'_>],
    typed: &[(String, String)],
    problems: &[(GoalId, ProgressProblem)],
    action: &str,
    saved: bool,
) -> Markup {
    let typed_value = |name: String| {
        typed
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
    };
    html! {
        @if !goals.is_empty() {
            section.report-section.progress.no-print aria-labelledby="progress-title" {
                h2 id="progress-title" { (t(l, "progress.title")) }
                p { (t(l, "progress.intro")) }
                @if saved { div.status.saved role="status" { (t(l, "progress.saved")) } }
                @if !problems.is_empty() {
                    div.status.error-summary role="alert" tabindex="-1" {
                        p { (tn(l, "progress.problems", problems.len(), &[])) }
                    }
                }
                form method="post" action=(action) {
                    @for g in goals {
                        @let state = typed_value(format!("progress_{}", g.id)).unwrap_or_else(|| g.progress.as_str().to_owned());
                        @let note = typed_value(format!("note_{}", g.id)).unwrap_or_else(|| g.note.to_owned());
                        @let err = |p: ProgressProblem| problems.iter().any(|(id, q)| id == g.id && *q == p);
                        fieldset.plan-row {
                            legend { (tf(l, "plan.goal_n", &[("n", &g.position.to_string())])) " · " (g.criterion_name) }
                            p { strong { (g.goal) } " — " (tf(l, "plan.by", &[("date", &long_date(l, g.target_date))])) }
                            @if err(ProgressProblem::State) { p.field-error { (t(l, ProgressProblem::State.key())) } }
                            div.progress-choices {
                                @for p in GoalProgress::ALL {
                                    @let id = format!("progress_{}_{}", g.id, p.as_str());
                                    label.choice for=(id) {
                                        input type="radio" id=(id) name={ "progress_" (g.id) } value=(p.as_str()) checked[state == p.as_str()];
                                        " " (t(l, p.key()))
                                    }
                                }
                            }
                            @let id = format!("note_{}", g.id);
                            div.field {
                                label for=(id) { (t(l, "progress.note")) }
                                @if err(ProgressProblem::NoteTooLong) { p.field-error { (t(l, ProgressProblem::NoteTooLong.key())) } }
                                textarea id=(id) name=(id) rows="2" maxlength=(MAX_NOTE) { (note) }
                            }
                            (goal_comment(l, g))
                        }
                    }
                    div.actions { button.primary type="submit" { (t(l, "progress.save")) } }
                }
            }
        }
    }
}
