//! The supervisor's team at a glance (issue #21): one row per KAM of a cycle with where the
//! review stands, the 19 criteria as levels (final, else proposed once results are visible,
//! SPEC §7), the area means, and the change against the KAM's previous finalized cycle; rows
//! sort by any column. Built from the report's figures, so nothing §7 hides reaches it. Pure.

use std::cmp::Ordering;

use crate::domain::formats::rubric::Rubric;
use crate::domain::rules::consolidation::Level;
use crate::domain::rules::insights::Cell;
use crate::domain::rules::progress::{GroupProgress, Stage};
use crate::domain::rules::shown::Mean;
use crate::domain::status::NoticeEvent;

/// Where a KAM's review stands, as the team view says it (what needs the supervisor first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Results visible: the supervisor's turn to reconcile.
    Ready,
    /// Goals of the plan past their date and not done.
    CheckinsDue(usize),
    /// Signed off, not released to the KAM.
    SignedOff,
    /// Answers arriving: how many of the invited answered (counting only the groups whose
    /// count §7 lets the supervisor see) and whether a group's count is held back.
    Collecting {
        answered: usize,
        invited: usize,
        held: bool,
    },
    /// Released, not yet acknowledged.
    Released,
    /// The KAM confirmed reading the report; no plan yet.
    Acknowledged,
    /// The KAM wrote a plan: its goals and how many are done.
    PlanWritten { goals: usize, done: usize },
}

impl State {
    /// The order of "what needs the supervisor first".
    pub fn rank(self) -> u8 {
        match self {
            State::Ready => 0,
            State::CheckinsDue(_) => 1,
            State::SignedOff => 2,
            State::Collecting { .. } => 3,
            State::Released => 4,
            State::Acknowledged => 5,
            State::PlanWritten { .. } => 6,
        }
    }

    /// The catalogue key of its words (with `{n}`, `{m}` where it counts).
    pub fn key(self) -> &'static str {
        match self {
            State::Ready => "team.state.ready",
            State::CheckinsDue(_) => "team.state.checkins_due",
            State::SignedOff => "team.state.signed_off",
            State::Collecting { held: false, .. } => "team.state.collecting",
            State::Collecting { held: true, .. } => "team.state.collecting_held",
            State::Released => "team.state.released",
            State::Acknowledged => "team.state.acknowledged",
            State::PlanWritten { .. } => "team.state.plan",
        }
    }

    /// A code for CSS and the CSV.
    pub fn code(self) -> &'static str {
        match self {
            State::Ready => "ready",
            State::CheckinsDue(_) => "checkins_due",
            State::SignedOff => "signed_off",
            State::Collecting { .. } => "collecting",
            State::Released => "released",
            State::Acknowledged => "acknowledged",
            State::PlanWritten { .. } => "plan_written",
        }
    }

    /// The numbers its words hold: (n, m).
    pub fn numbers(self) -> (usize, usize) {
        match self {
            State::CheckinsDue(n) => (n, 0),
            State::Collecting {
                answered, invited, ..
            } => (answered, invited),
            State::PlanWritten { goals, done } => (done, goals),
            _ => (0, 0),
        }
    }
}

/// What is known of one KAM's review, as read from storage.
#[derive(Debug, Clone, Default)]
pub struct KamFacts {
    pub name: String,
    pub email: String,
    pub stage: Option<Stage>,
    pub progress: Vec<GroupProgress>,
    pub acknowledged: bool,
    /// The plan's goals: (past its date, done).
    pub goals: Vec<(bool, bool)>,
    /// Events the supervisor has not opened yet.
    pub notices: Vec<NoticeEvent>,
    /// Per criterion in rubric order: the level shown and whether a flag is raised.
    pub cells: Vec<(Cell, bool)>,
    /// Per criterion in rubric order: the final level of the KAM's previous finalized cycle.
    pub previous: Option<Vec<Option<Level>>>,
}

/// A signed difference of two means, in hundredths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change(pub i32);

impl std::fmt::Display for Change {
    /// "+0.25", "−0.50", "0.00".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = match self.0.cmp(&0) {
            Ordering::Greater => "+",
            Ordering::Less => "−",
            Ordering::Equal => "",
        };
        let a = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", a / 100, a % 100)
    }
}

/// One KAM's row.
#[derive(Debug, Clone)]
pub struct TeamRow {
    pub facts: KamFacts,
    pub state: State,
    /// The mean level per area, in rubric order.
    pub area_means: Vec<Option<Mean>>,
    pub mean: Option<Mean>,
    /// The mean now minus the mean of the previous cycle's final levels, over the criteria
    /// that have both.
    pub change: Option<Change>,
}

fn hundredths(m: Option<Mean>) -> Option<i32> {
    m.map(Mean::hundredths)
}

/// The row of one KAM.
pub fn row(rubric: &Rubric, facts: KamFacts) -> TeamRow {
    let level = |i: usize| facts.cells.get(i).and_then(|(c, _)| c.map(|c| c.level));
    let mut area_means = Vec::new();
    let mut i = 0;
    let mut all = Vec::new();
    for area in &rubric.areas {
        let levels: Vec<Level> = (i..i + area.criteria.len()).filter_map(level).collect();
        i += area.criteria.len();
        all.extend_from_slice(&levels);
        area_means.push(Mean::of(&levels));
    }
    let mean = Mean::of(&all);
    let change = facts.previous.as_ref().and_then(|prev| {
        let (now, before): (Vec<Level>, Vec<Level>) = prev
            .iter()
            .enumerate()
            .filter_map(|(i, p)| Some((level(i)?, (*p)?)))
            .unzip();
        Some(Change(
            hundredths(Mean::of(&now))? - hundredths(Mean::of(&before))?,
        ))
    });
    let due = facts
        .goals
        .iter()
        .filter(|(past, done)| *past && !done)
        .count();
    let done = facts.goals.iter().filter(|(_, done)| *done).count();
    let state = match facts.stage {
        Some(Stage::Ready) => State::Ready,
        Some(Stage::SignedOff) => State::SignedOff,
        Some(Stage::Released) if due > 0 => State::CheckinsDue(due),
        Some(Stage::Released) if !facts.goals.is_empty() => State::PlanWritten {
            goals: facts.goals.len(),
            done,
        },
        Some(Stage::Released) if facts.acknowledged => State::Acknowledged,
        Some(Stage::Released) => State::Released,
        Some(Stage::Collecting) | None => {
            let shown = facts.progress.iter().filter(|g| g.answered.is_some());
            State::Collecting {
                answered: shown.clone().filter_map(|g| g.answered).sum(),
                invited: shown.map(|g| g.invited).sum(),
                held: facts.progress.iter().any(|g| g.answered.is_none()),
            }
        }
    };
    TeamRow {
        facts,
        state,
        area_means,
        mean,
        change,
    }
}

/// A column to sort by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortBy {
    Name,
    State,
    /// A criterion, by its index in rubric order.
    Criterion(usize),
    /// An area, by its index.
    Area(usize),
    Mean,
    Change,
}

impl SortBy {
    /// The column named in a URL (`name`, `state`, `c:{criterion id}`, `a:{area id}`, `mean`,
    /// `change`); unknown names sort by state.
    pub fn parse(s: &str, rubric: &Rubric) -> SortBy {
        if let Some(id) = s.strip_prefix("c:") {
            if let Some(i) = rubric.criteria().position(|c| c.id == id) {
                return SortBy::Criterion(i);
            }
        }
        if let Some(id) = s.strip_prefix("a:") {
            if let Some(i) = rubric.areas.iter().position(|a| a.id == id) {
                return SortBy::Area(i);
            }
        }
        match s {
            "name" => SortBy::Name,
            "mean" => SortBy::Mean,
            "change" => SortBy::Change,
            _ => SortBy::State,
        }
    }

    /// Whether it sorts ascending when first chosen: as the column reads best (names A–Z,
    /// what needs the supervisor first; levels, means and changes highest first).
    pub fn first_ascending(&self) -> bool {
        matches!(self, SortBy::Name | SortBy::State)
    }

    /// The direction a URL asks for (`asc`, `desc`), else the column's first.
    pub fn ascending(&self, dir: Option<&str>) -> bool {
        match dir {
            Some("desc") => false,
            Some("asc") => true,
            _ => self.first_ascending(),
        }
    }

    /// Its name in a URL.
    pub fn name(&self, rubric: &Rubric) -> String {
        match self {
            SortBy::Name => "name".into(),
            SortBy::State => "state".into(),
            SortBy::Criterion(i) => rubric
                .criteria()
                .nth(*i)
                .map_or_else(|| "state".into(), |c| format!("c:{}", c.id)),
            SortBy::Area(i) => rubric
                .areas
                .get(*i)
                .map_or_else(|| "state".into(), |a| format!("a:{}", a.id)),
            SortBy::Mean => "mean".into(),
            SortBy::Change => "change".into(),
        }
    }
}

/// Sorts the rows by `by`, ascending or not; rows without a value go last either way, and
/// ties keep name order.
pub fn sort(rows: &mut [TeamRow], by: &SortBy, ascending: bool) {
    sort_with(rows, |r| r, by, ascending);
}

/// [`sort`] for anything that holds a row (a row with its review, say).
pub fn sort_with<T>(rows: &mut [T], row_of: impl Fn(&T) -> &TeamRow, by: &SortBy, ascending: bool) {
    let key = |r: &TeamRow| -> Option<i64> {
        match by {
            SortBy::Name => None,
            SortBy::State => Some(i64::from(r.state.rank())),
            SortBy::Criterion(i) => r
                .facts
                .cells
                .get(*i)
                .and_then(|(c, _)| c.map(|c| i64::from(c.level))),
            SortBy::Area(i) => r
                .area_means
                .get(*i)
                .copied()
                .flatten()
                .and_then(|m| hundredths(Some(m)))
                .map(i64::from),
            SortBy::Mean => hundredths(r.mean).map(i64::from),
            SortBy::Change => r.change.map(|c| i64::from(c.0)),
        }
    };
    rows.sort_by(|a, b| {
        let (a, b) = (row_of(a), row_of(b));
        let by_name = a.facts.name.cmp(&b.facts.name);
        if *by == SortBy::Name {
            return if ascending {
                by_name
            } else {
                by_name.reverse()
            };
        }
        let order = match (key(a), key(b)) {
            (Some(x), Some(y)) if ascending => x.cmp(&y),
            (Some(x), Some(y)) => y.cmp(&x),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        order.then(by_name)
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::relationship::Relationship;
    use crate::domain::test_support::rubric;

    fn facts(name: &str, level: Option<Level>, stage: Stage) -> KamFacts {
        let n = rubric().criteria().count();
        KamFacts {
            name: name.into(),
            stage: Some(stage),
            cells: vec![
                (
                    level.map(|level| crate::domain::rules::insights::CellLevel {
                        level,
                        is_final: true
                    }),
                    false
                );
                n
            ],
            ..KamFacts::default()
        }
    }

    #[test]
    fn means_and_the_change_use_the_levels_shown() {
        let r = rubric();
        let mut f = facts("A", Some(3), Stage::Released);
        f.previous = Some(vec![Some(2); r.criteria().count()]);
        let row = row(&r, f);
        assert_eq!(row.mean.map(|m| m.to_string()), Some("3.00".into()));
        assert_eq!(row.area_means.len(), r.areas.len());
        assert_eq!(row.change.map(|c| c.to_string()), Some("+1.00".into()));
        assert_eq!(Change(-50).to_string(), "−0.50");
        assert_eq!(row.state, State::Released);
    }

    #[test]
    fn the_state_says_what_needs_the_supervisor() {
        let r = rubric();
        let mut f = facts("A", None, Stage::Released);
        f.goals = vec![(true, false), (false, false), (true, true)];
        assert_eq!(row(&r, f.clone()).state, State::CheckinsDue(1));
        f.goals = vec![(false, false), (true, true)];
        assert_eq!(row(&r, f).state, State::PlanWritten { goals: 2, done: 1 });
        let mut c = facts("B", None, Stage::Collecting);
        c.progress = vec![
            GroupProgress {
                group: Relationship::Customer,
                invited: 4,
                answered: None,
            },
            GroupProgress {
                group: Relationship::Supervisor,
                invited: 1,
                answered: Some(1),
            },
        ];
        assert_eq!(
            row(&r, c).state,
            State::Collecting {
                answered: 1,
                invited: 1,
                held: true
            },
            "a group under k counts neither its answers nor its raters"
        );
    }

    #[test]
    fn rows_sort_by_any_column_with_blanks_last() {
        let r = rubric();
        let mut rows = vec![
            row(&r, facts("B", Some(2), Stage::Released)),
            row(&r, facts("A", None, Stage::Ready)),
            row(&r, facts("C", Some(4), Stage::SignedOff)),
        ];
        let first = r.criteria().next().expect("c").id.clone();
        let by = SortBy::parse(&format!("c:{first}"), &r);
        assert_eq!(by, SortBy::Criterion(0));
        assert_eq!(by.name(&r), format!("c:{first}"));
        sort(&mut rows, &by, false);
        let names: Vec<&str> = rows.iter().map(|r| r.facts.name.as_str()).collect();
        assert_eq!(names, ["C", "B", "A"]);
        sort(&mut rows, &SortBy::State, true);
        let names: Vec<&str> = rows.iter().map(|r| r.facts.name.as_str()).collect();
        assert_eq!(names, ["A", "C", "B"]);
        sort(&mut rows, &SortBy::parse("nope", &r), true);
        sort(&mut rows, &SortBy::Name, false);
        let names: Vec<&str> = rows.iter().map(|r| r.facts.name.as_str()).collect();
        assert_eq!(names, ["C", "B", "A"]);
    }
}
