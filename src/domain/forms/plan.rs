//! The KAM's development plan (SPEC §12): 1–5 goals, each tied to a criterion, with the
//! actions that will get there and a target date. Parsed from the plan form's fields
//! (`goal{n}_criterion`, `goal{n}_text`, `goal{n}_actions`, `goal{n}_date`, n = 1..=5, and
//! `goal{n}_id`, the stored goal the row shows); a row left wholly blank is no goal. A goal keeps
//! its identity (and with it the supervisor's comment and its progress) while its row carries
//! its id and it stays on the same criterion. The progress form (`progress_{goal id}`,
//! `note_{goal id}`) is read here too. Pure.

use chrono::NaiveDate;

use crate::domain::formats::rubric::Rubric;
use crate::domain::ids::GoalId;
use crate::domain::status::GoalProgress;

/// The most goals a plan holds.
pub const MAX_GOALS: usize = 5;
/// The longest goal, in characters.
pub const MAX_GOAL: usize = 500;
/// The longest description of actions, in characters.
pub const MAX_ACTIONS: usize = 2000;

/// One goal as typed (kept to re-render the form).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Typed {
    /// The stored goal this row shows (empty for a new row).
    pub id: String,
    pub criterion_id: String,
    pub goal: String,
    pub actions: String,
    pub date: String,
}

/// A valid goal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Goal {
    /// The stored goal it edits, if the row carried one.
    pub id: Option<GoalId>,
    pub criterion_id: String,
    pub goal: String,
    pub actions: String,
    pub target_date: NaiveDate,
}

/// What is wrong with one field of one goal (its i18n key ends the message).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    Criterion,
    GoalMissing,
    GoalTooLong,
    ActionsTooLong,
    Date,
    DatePast,
}

impl Problem {
    /// The message's key in the i18n tables.
    pub fn key(self) -> &'static str {
        match self {
            Problem::Criterion => "plan.err.criterion",
            Problem::GoalMissing => "plan.err.goal",
            Problem::GoalTooLong => "plan.err.goal_long",
            Problem::ActionsTooLong => "plan.err.actions_long",
            Problem::Date => "plan.err.date",
            Problem::DatePast => "plan.err.date_past",
        }
    }
}

/// The five rows of the form, from its fields (unknown fields are ignored).
pub fn typed(fields: &[(String, String)]) -> Vec<Typed> {
    let mut rows = vec![Typed::default(); MAX_GOALS];
    for (name, value) in fields {
        let Some(rest) = name.strip_prefix("goal") else {
            continue;
        };
        let Some((n, field)) = rest.split_once('_') else {
            continue;
        };
        let Some(row) = n
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_GOALS).contains(n))
            .and_then(|n| rows.get_mut(n - 1))
        else {
            continue;
        };
        let value = value.trim().to_owned();
        match field {
            "id" => row.id = value,
            "criterion" => row.criterion_id = value,
            "text" => row.goal = value,
            "actions" => row.actions = value,
            "date" => row.date = value,
            _ => {}
        }
    }
    rows
}

/// Checks the typed rows: the goals, or every problem as (row number 1..=5, problem); a plan
/// with no goal at all is `(0, GoalMissing)`. `stored` is the plan as saved, (id, target
/// date): a goal that keeps its stored date may keep it once it has passed.
///
/// # Errors
///
/// Every problem found, so that the form can mark each field.
pub fn check(
    rows: &[Typed],
    rubric: &Rubric,
    today: NaiveDate,
    stored: &[(GoalId, NaiveDate)],
) -> Result<Vec<Goal>, Vec<(usize, Problem)>> {
    let mut goals = Vec::new();
    let mut problems = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let n = i + 1;
        let blank = r.goal.is_empty() && r.actions.is_empty() && r.date.is_empty();
        if blank {
            continue;
        }
        if rubric.criterion(&r.criterion_id).is_none() {
            problems.push((n, Problem::Criterion));
        }
        if r.goal.is_empty() {
            problems.push((n, Problem::GoalMissing));
        } else if r.goal.chars().count() > MAX_GOAL {
            problems.push((n, Problem::GoalTooLong));
        }
        if r.actions.chars().count() > MAX_ACTIONS {
            problems.push((n, Problem::ActionsTooLong));
        }
        let id = GoalId::parse(&r.id).filter(|id| stored.iter().any(|(s, _)| s == id));
        let kept_date = |d: NaiveDate| {
            id.as_ref()
                .is_some_and(|id| stored.iter().any(|(s, sd)| s == id && *sd == d))
        };
        match NaiveDate::parse_from_str(&r.date, "%Y-%m-%d") {
            Err(_) => problems.push((n, Problem::Date)),
            Ok(d) if d < today && !kept_date(d) => problems.push((n, Problem::DatePast)),
            Ok(d) => goals.push(Goal {
                id,
                criterion_id: r.criterion_id.clone(),
                goal: r.goal.clone(),
                actions: r.actions.clone(),
                target_date: d,
            }),
        }
    }
    if goals.is_empty() && problems.is_empty() {
        problems.push((0, Problem::GoalMissing));
    }
    super::accepted(goals, problems)
}

/// The longest progress note, in characters.
pub const MAX_NOTE: usize = 2000;

/// One goal's progress as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub id: GoalId,
    pub progress: GoalProgress,
    pub note: String,
}

/// What is wrong with a goal's progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressProblem {
    /// Not one of the three states.
    State,
    NoteTooLong,
}

impl ProgressProblem {
    /// The message's key in the i18n tables.
    pub fn key(self) -> &'static str {
        match self {
            ProgressProblem::State => "progress.err.state",
            ProgressProblem::NoteTooLong => "progress.err.note_long",
        }
    }
}

/// The progress form's entries for the stored goals `ids` (fields of other goals are ignored:
/// the plan changed since the form was opened); each goal as typed, or its problems.
///
/// # Errors
///
/// Every goal's problem, so that the form can mark each field.
pub fn progress(
    fields: &[(String, String)],
    ids: &[GoalId],
) -> Result<Vec<Progress>, Vec<(GoalId, ProgressProblem)>> {
    let value = |prefix: &str, id: &GoalId| {
        fields
            .iter()
            .find(|(n, _)| n.strip_prefix(prefix) == Some(id.as_str()))
            .map(|(_, v)| v.trim().to_owned())
    };
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for id in ids {
        let (Some(state), note) = (value("progress_", id), value("note_", id)) else {
            continue;
        };
        let note = note.unwrap_or_default();
        let state = GoalProgress::parse(&state);
        if state.is_none() {
            problems.push((id.clone(), ProgressProblem::State));
        }
        if note.chars().count() > MAX_NOTE {
            problems.push((id.clone(), ProgressProblem::NoteTooLong));
        }
        if let Some(progress) = state {
            out.push(Progress {
                id: id.clone(),
                progress,
                note,
            });
        }
    }
    super::accepted(out, problems)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_support::{pairs, rubric};

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 1).expect("date")
    }

    #[test]
    fn blank_rows_are_no_goals_and_a_plan_needs_one() {
        let rows = typed(&pairs(&[("goal1_criterion", "relationship_quality")]));
        assert_eq!(
            check(&rows, &rubric(), today(), &[]),
            Err(vec![(0, Problem::GoalMissing)])
        );
    }

    #[test]
    fn a_good_goal_is_kept_and_each_problem_is_named() {
        let c = rubric().criteria().next().expect("c").id.clone();
        let rows = typed(&pairs(&[
            ("goal1_criterion", &c),
            ("goal1_text", "Meet each key customer monthly"),
            ("goal1_actions", "Book the meetings in January"),
            ("goal1_date", "2027-03-31"),
            ("goal6_text", "ignored: only five rows"),
        ]));
        let goals = check(&rows, &rubric(), today(), &[]).expect("valid");
        assert_eq!(goals.len(), 1);
        assert_eq!(goals[0].target_date.to_string(), "2027-03-31");
        let rows = typed(&pairs(&[
            ("goal2_criterion", "nope"),
            ("goal2_actions", "something"),
            ("goal2_date", "2026-11-30"),
        ]));
        assert_eq!(
            check(&rows, &rubric(), today(), &[]),
            Err(vec![
                (2, Problem::Criterion),
                (2, Problem::GoalMissing),
                (2, Problem::DatePast)
            ])
        );
    }

    #[test]
    fn a_stored_goal_keeps_its_identity_and_its_passed_date() {
        let c = rubric().criteria().next().expect("c").id.clone();
        let id = GoalId::generate();
        let past = NaiveDate::from_ymd_opt(2026, 11, 1).expect("date");
        let rows = typed(&pairs(&[
            ("goal1_id", id.as_str()),
            ("goal1_criterion", &c),
            ("goal1_text", "Meet each key customer monthly"),
            ("goal1_date", "2026-11-01"),
        ]));
        let goals = check(&rows, &rubric(), today(), &[(id.clone(), past)]).expect("kept");
        assert_eq!(goals[0].id.as_ref(), Some(&id));
        // a date moved into the past is refused; an id that is not stored is a new goal
        let moved = typed(&pairs(&[
            ("goal1_id", id.as_str()),
            ("goal1_criterion", &c),
            ("goal1_text", "x"),
            ("goal1_date", "2026-10-01"),
        ]));
        assert_eq!(
            check(&moved, &rubric(), today(), &[(id.clone(), past)]),
            Err(vec![(1, Problem::DatePast)])
        );
        let foreign = typed(&pairs(&[
            ("goal1_id", GoalId::generate().as_str()),
            ("goal1_criterion", &c),
            ("goal1_text", "x"),
            ("goal1_date", "2027-01-01"),
        ]));
        let goals = check(&foreign, &rubric(), today(), &[(id, past)]).expect("valid");
        assert_eq!(goals[0].id, None);
    }

    #[test]
    fn progress_is_read_for_the_stored_goals_only() {
        let (a, b) = (GoalId::generate(), GoalId::generate());
        let fields = pairs(&[
            (&format!("progress_{a}"), "in_progress"),
            (&format!("note_{a}"), "  two of five meetings held "),
            (&format!("progress_{}", GoalId::generate()), "done"),
        ]);
        let got = progress(&fields, &[a.clone(), b.clone()]).expect("valid");
        assert_eq!(
            got,
            vec![Progress {
                id: a.clone(),
                progress: GoalProgress::InProgress,
                note: "two of five meetings held".into()
            }]
        );
        let long = "x".repeat(MAX_NOTE + 1);
        let bad = pairs(&[
            (&format!("progress_{a}"), "finished"),
            (&format!("progress_{b}"), "done"),
            (&format!("note_{b}"), &long),
        ]);
        assert_eq!(
            progress(&bad, &[a.clone(), b.clone()]),
            Err(vec![
                (a, ProgressProblem::State),
                (b, ProgressProblem::NoteTooLong)
            ])
        );
    }
}
