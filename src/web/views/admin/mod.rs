//! The admin console's cycle screens (SPEC §11): the list of cycles, the cycle form (create
//! and edit a draft), and the confirmation in front of each lifecycle step.

pub mod cycle;
pub mod nominations;
pub mod records;
pub mod report;
pub mod texts;
pub mod users;

use maud::{html, Markup};

use crate::domain::dates::{long_date, Deadline};
use crate::domain::forms::cycle_settings::{CycleInput, Field, Problem, MAX_K, MIN_K};
use crate::domain::locale::Locale;
use crate::domain::status::Count;
use crate::domain::status::{CycleStatus, NominationMode};
use crate::i18n::{t, tf, tn};
use crate::web::views::staff::{staff_page, Viewer};

/// One cycle on the list.
pub struct CycleRow {
    pub id: crate::domain::ids::CycleId,
    pub name: String,
    pub status: CycleStatus,
    pub deadline: Deadline,
    /// When it actually closed, if it did.
    pub closed_at: Option<chrono::NaiveDateTime>,
    pub nominations: NominationMode,
    pub reviews: usize,
    pub invited: usize,
    pub answered: usize,
}

/// How a cycle's closing shows: the deadline, or the day it actually closed (in its zone).
pub fn closing(l: Locale, deadline: &Deadline, closed_at: Option<chrono::NaiveDateTime>) -> Markup {
    match deadline.closed_early(closed_at) {
        Some(day) => {
            html! { time datetime=(day.format("%Y-%m-%d").to_string()) { (tf(l, "admin.closed_on", &[("date", &long_date(l, day))])) } }
        }
        None => html! { time datetime=(deadline.iso()) { (deadline.label()) } },
    }
}

/// Answers so far as a bar and "x of y".
pub fn progress(l: Locale, answered: usize, invited: usize) -> Markup {
    let text = tf(
        l,
        "home.answered",
        &[
            ("answered", &answered.to_string()),
            ("invited", &invited.to_string()),
        ],
    );
    html! {
        span.progress-figure {
            meter min="0" max=(invited.max(1)) value=(answered) aria-hidden="true" {}
            " " (text)
        }
    }
}

/// `GET /admin`: every cycle with status, deadline and progress, and the way to a new one.
pub fn cycles(l: Locale, s: &Viewer<'_>, rows: &[CycleRow]) -> Markup {
    let title = t(l, "home.admin.title");
    staff_page(
        l,
        title,
        s,
        html! {
            div.page-head {
                h1 { (title) }
                a.button.primary href="/admin/cycles/new" { (t(l, "admin.new_cycle")) }
            }
            p { (t(l, "home.admin.intro")) }
            @if rows.is_empty() { p.empty { (t(l, "admin.no_cycles")) } }
            @if !rows.is_empty() {
                table.overview.stack {
                    caption.visually-hidden { (title) }
                    thead { tr {
                        th scope="col" { (t(l, "home.cycle")) }
                        th scope="col" { (t(l, "home.status")) }
                        th scope="col" { (t(l, "home.deadline")) }
                        th scope="col" { (t(l, "admin.kams")) }
                        th scope="col" { (t(l, "home.progress")) }
                    } }
                    tbody {
                        @for c in rows {
                            tr {
                                th scope="row" {
                                    a href={ "/admin/cycles/" (c.id) } { (c.name) }
                                    @if c.nominations == NominationMode::Kam { br; span.hint { (t(l, "admin.mode.kam.short")) } }
                                }
                                td data-label=(t(l, "home.status")) { span.badge.{ "s-" (c.status) } { (t(l, c.status.key())) } }
                                td data-label=(t(l, "home.deadline")) { (closing(l, &c.deadline, c.closed_at)) }
                                td data-label=(t(l, "admin.kams")) { (c.reviews) }
                                td data-label=(t(l, "home.progress")) { (progress(l, c.answered, c.invited)) }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// The cycle form: where it posts, what was typed and what was refused.
pub struct CycleFormView<'a> {
    /// `/admin/cycles` (create) or `/admin/cycles/{id}/edit`.
    pub action: &'a str,
    pub input: &'a CycleInput,
    pub problems: &'a [Problem],
    /// The defaults of the optional fields, shown as hints.
    pub default_k: usize,
    pub default_zone: &'a str,
    pub default_reminders: &'a str,
    /// Where "cancel" goes.
    pub back: &'a str,
    /// Whether the nomination mode may still change.
    pub mode_editable: bool,
}

fn problem_of(problems: &[Problem], field: Field) -> Option<&'static str> {
    problems.iter().find(|p| p.field == field).map(|p| p.key)
}

/// One text field with its label, hint and error.
fn text_field(
    l: Locale,
    f: &CycleFormView<'_>,
    field: Field,
    value: &str,
    kind: &str,
    hint: Option<String>,
) -> Markup {
    let name = field.name();
    let error = problem_of(f.problems, field);
    let described = match (hint.is_some(), error.is_some()) {
        (true, true) => Some(format!("{name}-error {name}-hint")),
        (true, false) => Some(format!("{name}-hint")),
        (false, true) => Some(format!("{name}-error")),
        (false, false) => None,
    };
    html! {
        div.field.error[error.is_some()] {
            label for=(name) { (t(l, field.label_key())) }
            @if let Some(h) = &hint { p.hint id={ (name) "-hint" } { (h) } }
            @if let Some(key) = error { p.field-error id={ (name) "-error" } { (t(l, key)) } }
            input type=(kind) id=(name) name=(name) value=(value)
                aria-invalid=[error.map(|_| "true")] aria-describedby=[described]
                required[field == Field::Name || field == Field::ClosesAt];
        }
    }
}

/// Create or edit a cycle; each refused field shows its error beside it and keeps what was typed.
pub fn cycle_form(l: Locale, s: &Viewer<'_>, title: &str, f: &CycleFormView<'_>) -> Markup {
    let mode = match f.input.nominations.trim() {
        "kam" => NominationMode::Kam,
        _ => NominationMode::Admin,
    };
    staff_page(
        l,
        title,
        s,
        html! {
            h1 { (title) }
            @if !f.problems.is_empty() {
                div.status.error-summary role="alert" tabindex="-1" {
                    p { (t(l, "form.problems")) }
                    ul { @for p in f.problems { li { a href={ "#" (p.field.name()) } { (t(l, p.key)) } } } }
                }
            }
            form.cycle-form method="post" action=(f.action) novalidate {
                input type="hidden" name="csrf" value=(s.csrf);
                (text_field(l, f, Field::Name, &f.input.name, "text", None))
                (text_field(l, f, Field::ClosesAt, &f.input.closes_at, super::fragments::date_type(&f.input.closes_at), Some(t(l, "cycle.hint.closes_at").to_owned())))
                (text_field(l, f, Field::TimeZone, &f.input.time_zone, "text", Some(tf(l, "cycle.hint.time_zone", &[("zone", f.default_zone)]))))
                (text_field(l, f, Field::MinGroupSize, &f.input.min_group_size, "number", Some(tf(l, "cycle.hint.min_group_size", &[("k", &f.default_k.to_string()), ("min", &MIN_K.to_string()), ("max", &MAX_K.to_string())]))))
                (text_field(l, f, Field::ReminderDays, &f.input.reminder_days, "text", Some(tf(l, "cycle.hint.reminder_days", &[("days", f.default_reminders)]))))
                fieldset.field {
                    legend { (t(l, "cycle.field.nominations")) }
                    @if let Some(key) = problem_of(f.problems, Field::Nominations) { p.field-error id="nominations-error" { (t(l, key)) } }
                    @if f.mode_editable {
                        @for m in NominationMode::ALL {
                            label.choice {
                                input type="radio" name="nominations" value=(m.as_str()) checked[*m == mode];
                                " " span { strong { (t(l, m.key())) } br; span.hint { (t(l, m.hint_key())) } }
                            }
                        }
                    } @else {
                        input type="hidden" name="nominations" value=(mode.as_str());
                        p { (t(l, mode.key())) " — " span.hint { (t(l, "admin.mode.fixed")) } }
                    }
                }
                div.actions {
                    button.primary type="submit" { (t(l, "admin.save_cycle")) }
                    " " a.button.secondary href=(f.back) { (t(l, "admin.cancel")) }
                }
            }
        },
    )
}

pub use crate::domain::rules::lifecycle::Step;

/// The page in front of a lifecycle POST: what will happen, then the button.
pub fn confirm(l: Locale, s: &Viewer<'_>, c: &Confirm<'_>) -> Markup {
    staff_page(
        l,
        &c.title,
        s,
        html! {
            section.message.confirm {
                h1 { (c.title) }
                @if let Some(r) = c.refusal {
                    div.status.error-summary role="alert" { p { (r) } }
                }
                ul.effects { @for e in c.effects { li { (e) } } }
                form method="post" action=(c.action) {
                    input type="hidden" name="csrf" value=(s.csrf);
                    div.actions {
                        button.primary.danger[c.danger] type="submit" disabled[c.refusal.is_some()] { (c.button) }
                        " " a.button.secondary href=(c.back) { (t(l, "admin.cancel")) }
                    }
                }
            }
        },
    )
}

/// A page that asks before an action: what it will do, and why it cannot be done now (if so).
pub struct Confirm<'a> {
    pub title: String,
    /// Where the button posts.
    pub action: String,
    pub button: &'a str,
    /// Whether the action destroys or cannot be undone (a red button).
    pub danger: bool,
    /// Where *cancel* leads.
    pub back: String,
    pub effects: &'a [String],
    pub refusal: Option<&'a str>,
}

impl<'a> Confirm<'a> {
    /// The page of a lifecycle step of a cycle.
    pub fn step(
        l: Locale,
        cycle_id: &crate::domain::ids::CycleId,
        cycle_name: &str,
        step: Step,
        effects: &'a [String],
        refusal: Option<&'a str>,
    ) -> Self {
        let back = format!("/admin/cycles/{cycle_id}");
        Confirm {
            title: tf(l, step.title_key(), &[("cycle", cycle_name)]),
            action: format!("{back}/{}", step.as_str()),
            button: t(l, step.button_key()),
            danger: step != Step::Launch,
            back,
            effects,
            refusal,
        }
    }
}

/// An instant as `2026-12-01 14:03 UTC`.
pub fn utc(at: chrono::NaiveDateTime) -> Markup {
    html! { time datetime=(at.format("%Y-%m-%dT%H:%MZ").to_string()) { (at.format("%Y-%m-%d %H:%M")) " UTC" } }
}

/// The words of the notice an action left (what was done, with its count).
pub fn notice_of(l: Locale, done: Option<crate::domain::status::Done>) -> Option<String> {
    let crate::domain::status::Done {
        notice,
        count: Count { n, skipped },
    } = done?;
    let words = tn(l, notice.key(), n, &[]);
    Some(if skipped == 0 {
        words
    } else {
        let skipped = tf(
            l,
            "admin.done.skipped_recent",
            &[("n", &skipped.to_string())],
        );
        format!("{words} {skipped}")
    })
}
