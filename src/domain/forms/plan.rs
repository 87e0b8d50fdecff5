//! The KAM's development plan (SPEC §12): 1–5 goals, each tied to a criterion, with the
//! actions that will get there and a target date. Parsed from the plan form's fields
//! (`goal{n}_criterion`, `goal{n}_text`, `goal{n}_actions`, `goal{n}_date`, n = 1..=5);
//! a row left wholly blank is no goal. Pure.

use chrono::NaiveDate;

use crate::domain::formats::rubric::Rubric;

/// The most goals a plan holds.
pub const MAX_GOALS: usize = 5;
/// The longest goal, in characters.
pub const MAX_GOAL: usize = 500;
/// The longest description of actions, in characters.
pub const MAX_ACTIONS: usize = 2000;

/// One goal as typed (kept to re-render the form).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Typed {
    pub criterion_id: String,
    pub goal: String,
    pub actions: String,
    pub date: String,
}

/// A valid goal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Goal {
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
/// with no goal at all is `(0, GoalMissing)`.
///
/// # Errors
///
/// Every problem found, so that the form can mark each field.
pub fn check(
    rows: &[Typed],
    rubric: &Rubric,
    today: NaiveDate,
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
        match NaiveDate::parse_from_str(&r.date, "%Y-%m-%d") {
            Err(_) => problems.push((n, Problem::Date)),
            Ok(d) if d < today => problems.push((n, Problem::DatePast)),
            Ok(d) => goals.push(Goal {
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
    if problems.is_empty() {
        Ok(goals)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rubric() -> Rubric {
        Rubric::from_toml("kam.toml", include_str!("../../../config/rubric/kam.toml"))
            .expect("rubric")
    }

    fn f(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 1).expect("date")
    }

    #[test]
    fn blank_rows_are_no_goals_and_a_plan_needs_one() {
        let rows = typed(&f(&[("goal1_criterion", "relationship_quality")]));
        assert_eq!(
            check(&rows, &rubric(), today()),
            Err(vec![(0, Problem::GoalMissing)])
        );
    }

    #[test]
    fn a_good_goal_is_kept_and_each_problem_is_named() {
        let c = rubric().criteria().next().expect("c").id.clone();
        let rows = typed(&f(&[
            ("goal1_criterion", &c),
            ("goal1_text", "Meet each key customer monthly"),
            ("goal1_actions", "Book the meetings in January"),
            ("goal1_date", "2027-03-31"),
            ("goal6_text", "ignored: only five rows"),
        ]));
        let goals = check(&rows, &rubric(), today()).expect("valid");
        assert_eq!(goals.len(), 1);
        assert_eq!(goals[0].target_date.to_string(), "2027-03-31");
        let rows = typed(&f(&[
            ("goal2_criterion", "nope"),
            ("goal2_actions", "something"),
            ("goal2_date", "2026-11-30"),
        ]));
        assert_eq!(
            check(&rows, &rubric(), today()),
            Err(vec![
                (2, Problem::Criterion),
                (2, Problem::GoalMissing),
                (2, Problem::DatePast)
            ])
        );
    }
}
