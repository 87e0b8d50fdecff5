//! The supervisor's decisions (SPEC §6): a final level per criterion that defaults to the
//! proposal, a rationale wherever it departs from it (where there is no proposal any level may
//! be chosen without one; a note is always allowed), and sign-off in two steps: a summary of
//! what is about to be finalized ([`summary`]), then the confirmation, only when every
//! criterion has a final level.

use std::collections::BTreeMap;

use crate::domain::formats::rubric::Rubric;
use crate::domain::rules::consolidation::Level;

/// The longest rationale accepted, in characters.
pub const MAX_RATIONALE: usize = 2000;

/// What the supervisor entered for one criterion.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    pub final_level: Option<Level>,
    pub rationale: String,
}

/// Why an entry cannot be stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// The final level departs from the proposal (or there is none) without a rationale.
    RationaleRequired,
    /// Sign-off needs a final level here.
    FinalLevelRequired,
}

/// Whether `final_level` needs a written rationale given the proposal: only a level that
/// departs from a proposal does (SPEC §6: without a proposal any level may be chosen).
pub fn needs_rationale(proposed: Option<Level>, final_level: Option<Level>) -> bool {
    matches!((proposed, final_level), (Some(p), Some(f)) if p != f)
}

/// One criterion as the sign-off summary reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided<'a> {
    pub id: &'a str,
    pub proposed: Option<Level>,
    /// Some flag is raised on the criterion.
    pub flagged: bool,
    pub final_level: Option<Level>,
}

/// What the supervisor is about to finalize (SPEC §6's first sign-off step), each list in
/// rubric order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary<'a> {
    /// The final level departs from the proposal (with a rationale, by [`check`]).
    pub departures: Vec<&'a str>,
    /// Flagged, and the final level is the proposal: kept, perhaps without a second look.
    pub flagged_kept: Vec<&'a str>,
    /// No proposal: the final level is the supervisor's alone.
    pub without_proposal: Vec<&'a str>,
    /// No final level yet: sign-off cannot be confirmed.
    pub missing: Vec<&'a str>,
}

impl Summary<'_> {
    /// Whether the confirmation may finalize.
    pub fn complete(&self) -> bool {
        self.missing.is_empty()
    }
}

/// Sorts the criteria into the sign-off summary's lists (a criterion is in at most one).
pub fn summary<'a>(criteria: &[Decided<'a>]) -> Summary<'a> {
    let mut s = Summary::default();
    for c in criteria {
        match (c.proposed, c.final_level) {
            (_, None) => s.missing.push(c.id),
            (None, Some(_)) => s.without_proposal.push(c.id),
            (Some(p), Some(f)) if p != f => s.departures.push(c.id),
            (Some(_), Some(_)) if c.flagged => s.flagged_kept.push(c.id),
            _ => {}
        }
    }
    s
}

/// Checks every entry against its proposal; `signoff` also requires a final level everywhere.
/// `proposals` is in rubric order; entries missing from `entries` count as empty.
pub fn check(
    proposals: &[(String, Option<Level>)],
    entries: &BTreeMap<String, Entry>,
    signoff: bool,
) -> BTreeMap<String, Problem> {
    let mut problems = BTreeMap::new();
    for (id, proposed) in proposals {
        let e = entries.get(id).cloned().unwrap_or_default();
        if needs_rationale(*proposed, e.final_level) && e.rationale.trim().is_empty() {
            problems.insert(id.clone(), Problem::RationaleRequired);
        } else if signoff && e.final_level.is_none() {
            problems.insert(id.clone(), Problem::FinalLevelRequired);
        }
    }
    problems
}

/// A parsed reconciliation form (`POST /reviews/{review}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// The review's version the page was loaded at (optimistic concurrency).
    pub version: i32,
    /// Sign off (`action=signoff`) rather than save progress (`action=save`).
    pub signoff: bool,
    /// What was entered per criterion id (`final__{id}`, `rationale__{id}`).
    pub entries: BTreeMap<String, Entry>,
}

/// Why a reconciliation form is refused as a whole (400): nothing is stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// A field that is not on the form.
    #[error("unknown field {0}")]
    UnknownField(String),
    /// A final level outside 1–4.
    #[error("'{0}' is not a level")]
    NotALevel(String),
    /// A rationale over [`MAX_RATIONALE`] characters.
    #[error("a rationale is longer than 2,000 characters")]
    RationaleTooLong,
    /// `version` or `action` missing or malformed.
    #[error("the form is incomplete")]
    Incomplete,
}

/// Parses the reconciliation form against the cycle's rubric. The `csrf` field is the
/// handler's business and is skipped here.
///
/// # Errors
///
/// A [`Refusal`] for the first field that cannot be taken.
pub fn parse(rubric: &Rubric, form: Vec<(String, String)>) -> Result<Submission, Refusal> {
    let mut version = None;
    let mut signoff = None;
    let mut entries: BTreeMap<String, Entry> = BTreeMap::new();
    for (k, v) in form {
        match k.as_str() {
            "csrf" => {}
            "version" => version = v.parse::<i32>().ok(),
            "action" => signoff = Some(v == "signoff").filter(|_| v == "save" || v == "signoff"),
            _ => {
                let Some((field, id)) = k.split_once("__") else {
                    return Err(Refusal::UnknownField(k));
                };
                if rubric.criterion(id).is_none() {
                    return Err(Refusal::UnknownField(k));
                }
                let e = entries.entry(id.to_owned()).or_default();
                match field {
                    "final" if v.is_empty() => e.final_level = None,
                    "final" => {
                        let level = v.parse::<Level>().ok().filter(|x| (1..=4).contains(x));
                        e.final_level = Some(level.ok_or(Refusal::NotALevel(v))?);
                    }
                    "rationale" if v.chars().count() <= MAX_RATIONALE => e.rationale = v,
                    "rationale" => return Err(Refusal::RationaleTooLong),
                    _ => return Err(Refusal::UnknownField(k)),
                }
            }
        }
    }
    match (version, signoff) {
        (Some(version), Some(signoff)) => Ok(Submission {
            version,
            signoff,
            entries,
        }),
        _ => Err(Refusal::Incomplete),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_support::{pairs, rubric};

    #[test]
    fn the_form_parses_into_entries() {
        let r = rubric();
        let id = r.criteria().next().expect("a criterion").id.clone();
        let s = parse(
            &r,
            pairs(&[
                ("csrf", "t"),
                ("version", "4"),
                ("action", "signoff"),
                (&format!("final__{id}"), "2"),
                (&format!("rationale__{id}"), "seen in the QBR"),
            ]),
        )
        .expect("valid");
        assert_eq!((s.version, s.signoff), (4, true));
        assert_eq!(
            s.entries.get(&id),
            Some(&Entry {
                final_level: Some(2),
                rationale: "seen in the QBR".into()
            })
        );
        let empty = parse(
            &r,
            pairs(&[
                ("version", "1"),
                ("action", "save"),
                (&format!("final__{id}"), ""),
            ]),
        )
        .expect("valid");
        assert_eq!(empty.entries.get(&id).and_then(|e| e.final_level), None);
    }

    #[test]
    fn a_bad_form_is_refused_whole() {
        let r = rubric();
        let id = r.criteria().next().expect("a criterion").id.clone();
        let ok = [("version", "1"), ("action", "save")];
        let with = |extra: (&str, &str)| {
            let mut v = pairs(&ok);
            v.push((extra.0.to_owned(), extra.1.to_owned()));
            parse(&r, v)
        };
        assert_eq!(
            with(("final__nope", "2")),
            Err(Refusal::UnknownField("final__nope".into()))
        );
        assert_eq!(
            with(("bogus", "x")),
            Err(Refusal::UnknownField("bogus".into()))
        );
        assert_eq!(
            with((&format!("final__{id}"), "5")),
            Err(Refusal::NotALevel("5".into()))
        );
        let long = "x".repeat(MAX_RATIONALE + 1);
        assert_eq!(
            with((&format!("rationale__{id}"), &long)),
            Err(Refusal::RationaleTooLong)
        );
        assert_eq!(
            parse(&r, pairs(&[("action", "save")])),
            Err(Refusal::Incomplete)
        );
        assert_eq!(
            parse(&r, pairs(&[("version", "1"), ("action", "publish")])),
            Err(Refusal::Incomplete)
        );
    }

    fn entries(v: &[(&str, Option<Level>, &str)]) -> BTreeMap<String, Entry> {
        v.iter()
            .map(|(id, l, r)| {
                (
                    id.to_string(),
                    Entry {
                        final_level: *l,
                        rationale: r.to_string(),
                    },
                )
            })
            .collect()
    }

    #[test]
    fn the_proposal_needs_no_rationale_a_departure_does() {
        let p = vec![
            ("a".to_owned(), Some(3)),
            ("b".to_owned(), Some(2)),
            ("c".to_owned(), None),
        ];
        let e = entries(&[
            ("a", Some(3), ""),
            ("b", Some(4), " "),
            ("c", Some(2), "no evidence; observed directly"),
        ]);
        let problems = check(&p, &e, false);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems["b"], Problem::RationaleRequired);
    }

    #[test]
    fn sign_off_needs_every_final_level() {
        let p = vec![("a".to_owned(), Some(3)), ("b".to_owned(), None)];
        let e = entries(&[("a", Some(3), "")]);
        assert!(
            check(&p, &e, false).is_empty(),
            "saving progress may leave gaps"
        );
        assert_eq!(check(&p, &e, true)["b"], Problem::FinalLevelRequired);
    }

    #[test]
    fn a_level_without_a_proposal_needs_no_reason() {
        assert!(!needs_rationale(None, Some(2)));
        assert!(needs_rationale(Some(3), Some(2)));
        assert!(!needs_rationale(None, None));
        assert!(!needs_rationale(Some(2), Some(2)));
    }

    #[test]
    fn the_summary_sorts_what_is_about_to_be_finalized() {
        let d = |id, proposed, flagged, final_level| Decided {
            id,
            proposed,
            flagged,
            final_level,
        };
        let all = [
            d("a", Some(3), false, Some(3)),
            d("b", Some(3), true, Some(3)),
            d("c", Some(3), true, Some(2)),
            d("d", None, false, Some(4)),
            d("e", Some(2), false, None),
        ];
        let s = summary(&all);
        assert_eq!(s.departures, ["c"]);
        assert_eq!(s.flagged_kept, ["b"]);
        assert_eq!(s.without_proposal, ["d"]);
        assert_eq!(s.missing, ["e"]);
        assert!(!s.complete());
        assert!(summary(&all[..4]).complete());
    }
}
