//! The rater form's contract (SPEC §5) as pure rules: which fields a body may hold, what each
//! may say, and which criteria are still unanswered.

use std::collections::BTreeMap;

use crate::domain::formats::rubric::Rubric;
use crate::domain::relationship::Relationship;

/// Longest comment per criterion, in characters.
pub const MAX_COMMENT: usize = 2000;
/// Longest overall text (strengths, improvements, decline reason), in characters.
pub const MAX_TEXT: usize = 5000;
/// Largest accepted body, in bytes.
pub const MAX_BODY: usize = 64 * 1024;

/// One criterion's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    Level(u8),
    NotObserved,
}

impl Choice {
    /// Parses `1`–`4` or `na`.
    pub fn parse(s: &str) -> Option<Choice> {
        match s {
            "1" | "2" | "3" | "4" => s.parse().ok().map(Choice::Level),
            "na" => Some(Choice::NotObserved),
            _ => None,
        }
    }

    /// The form value.
    pub fn value(self) -> String {
        match self {
            Choice::Level(l) => l.to_string(),
            Choice::NotObserved => "na".into(),
        }
    }
}

/// What the rater asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Save,
    Submit,
}

/// Everything the rater typed, keyed by criterion id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answers {
    pub choices: BTreeMap<String, Choice>,
    pub comments: BTreeMap<String, String>,
    pub strengths: String,
    pub improvements: String,
}

impl Answers {
    /// Criteria of the form (in rubric order) without a choice.
    pub fn missing<'a>(&self, rubric: &'a Rubric, group: Relationship) -> Vec<&'a str> {
        rubric
            .criteria_for(group)
            .filter(|c| !self.choices.contains_key(&c.id))
            .map(|c| c.id.as_str())
            .collect()
    }
}

/// Why a body is refused with 400 (nothing stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    UnknownField(String),
    BadLevel { field: String, value: String },
    CommentTooLong(String),
    TextTooLong(String),
    Duplicate(String),
    UnknownAction,
}

/// Checks a decoded body against the form of `group`: only the form's own fields, each once.
pub fn parse(
    rubric: &Rubric,
    group: Relationship,
    pairs: Vec<(String, String)>,
) -> Result<(Action, Answers), Refusal> {
    let mut answers = Answers::default();
    let mut action = None;
    let mut seen = std::collections::HashSet::new();
    for (key, value) in pairs {
        if !seen.insert(key.clone()) {
            return Err(Refusal::Duplicate(key));
        }
        match key.as_str() {
            "action" => {
                action = Some(match value.as_str() {
                    "save" => Action::Save,
                    "submit" => Action::Submit,
                    _ => return Err(Refusal::UnknownAction),
                })
            }
            "strengths" | "improvements" => {
                if value.chars().count() > MAX_TEXT {
                    return Err(Refusal::TextTooLong(key));
                }
                let text = normalise(&value);
                if key == "strengths" {
                    answers.strengths = text;
                } else {
                    answers.improvements = text;
                }
            }
            _ => {
                let (id, is_comment) = match key.strip_suffix("__comment") {
                    Some(id) => (id, true),
                    None => (key.as_str(), false),
                };
                let on_form = rubric.criterion(id).is_some_and(|c| c.observable_by(group));
                if !on_form {
                    return Err(Refusal::UnknownField(key));
                }
                if is_comment {
                    if value.chars().count() > MAX_COMMENT {
                        return Err(Refusal::CommentTooLong(key));
                    }
                    let text = normalise(&value);
                    if !text.is_empty() {
                        answers.comments.insert(id.to_owned(), text);
                    }
                } else if value.is_empty() {
                    // an empty value is no answer (some clients send unchecked radios this way)
                } else {
                    let choice = Choice::parse(&value).ok_or_else(|| Refusal::BadLevel {
                        field: key.clone(),
                        value: value.clone(),
                    })?;
                    answers.choices.insert(id.to_owned(), choice);
                }
            }
        }
    }
    Ok((action.ok_or(Refusal::UnknownAction)?, answers))
}

/// Line endings unified, trailing space trimmed, control characters other than newline and tab
/// removed.
fn normalise(s: &str) -> String {
    s.replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect::<String>()
        .trim()
        .to_owned()
}

/// About how many minutes a form of `criteria` criteria takes (shown on the form and in the
/// invitation).
pub fn minutes_for(criteria: usize) -> usize {
    criteria + 5
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_support::{pairs, rubric};

    #[test]
    fn a_valid_partial_save_parses() {
        let r = rubric();
        let (action, a) = parse(
            &r,
            Relationship::Customer,
            pairs(&[
                ("relationship_quality", "3"),
                ("influence", "na"),
                ("influence__comment", " ok\r\n"),
                ("action", "save"),
            ]),
        )
        .expect("ok");
        assert_eq!(action, Action::Save);
        assert_eq!(a.choices["relationship_quality"], Choice::Level(3));
        assert_eq!(a.choices["influence"], Choice::NotObserved);
        assert_eq!(a.comments["influence"], "ok");
        assert!(a
            .missing(&r, Relationship::Customer)
            .contains(&"customer_knowledge"));
    }

    #[test]
    fn fields_not_on_this_form_are_refused() {
        let r = rubric();
        // team_leadership is not observable by customers
        assert_eq!(
            parse(
                &r,
                Relationship::Customer,
                pairs(&[("team_leadership", "3"), ("action", "save")])
            ),
            Err(Refusal::UnknownField("team_leadership".into()))
        );
        assert_eq!(
            parse(
                &r,
                Relationship::Customer,
                pairs(&[("csrf", "x"), ("action", "save")])
            ),
            Err(Refusal::UnknownField("csrf".into()))
        );
        assert!(parse(
            &r,
            Relationship::Supervisor,
            pairs(&[("team_leadership", "3"), ("action", "save")])
        )
        .is_ok());
    }

    #[test]
    fn bad_levels_long_comments_duplicates_and_actions_are_refused() {
        let r = rubric();
        for v in ["0", "5", "NA", "3.0", " 3"] {
            assert!(
                matches!(
                    parse(
                        &r,
                        Relationship::Customer,
                        pairs(&[("influence", v), ("action", "save")])
                    ),
                    Err(Refusal::BadLevel { .. })
                ),
                "{v}"
            );
        }
        let long = "字".repeat(MAX_COMMENT + 1);
        assert_eq!(
            parse(
                &r,
                Relationship::Customer,
                pairs(&[("influence__comment", &long), ("action", "save")])
            ),
            Err(Refusal::CommentTooLong("influence__comment".into()))
        );
        assert!(parse(
            &r,
            Relationship::Customer,
            pairs(&[
                ("influence__comment", &"字".repeat(MAX_COMMENT)),
                ("action", "save")
            ])
        )
        .is_ok());
        assert_eq!(
            parse(
                &r,
                Relationship::Customer,
                pairs(&[("influence", "1"), ("influence", "2"), ("action", "save")])
            ),
            Err(Refusal::Duplicate("influence".into()))
        );
        assert_eq!(
            parse(&r, Relationship::Customer, pairs(&[("action", "publish")])),
            Err(Refusal::UnknownAction)
        );
        assert_eq!(
            parse(&r, Relationship::Customer, pairs(&[])),
            Err(Refusal::UnknownAction)
        );
    }
}
