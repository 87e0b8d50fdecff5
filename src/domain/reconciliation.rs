//! The supervisor's decisions (SPEC §6): a final level per criterion that defaults to the
//! proposal, a rationale wherever it departs from it, and sign-off only when every criterion
//! has a final level.

use std::collections::BTreeMap;

use super::consolidation::Level;

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

/// Whether `final_level` needs a written rationale given the proposal.
pub fn needs_rationale(proposed: Option<Level>, final_level: Option<Level>) -> bool {
    final_level.is_some() && final_level != proposed
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn a_level_without_a_proposal_needs_a_reason() {
        assert!(needs_rationale(None, Some(2)));
        assert!(!needs_rationale(None, None));
        assert!(!needs_rationale(Some(2), Some(2)));
    }
}
