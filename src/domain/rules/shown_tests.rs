//! Tests of what one criterion shows: the report row per §7 branch, and the property that two
//! reviews which differ only inside a hidden group show exactly the same thing.

use super::*;
use proptest::prelude::*;

fn ev(s: Option<Level>, c: &[Level], p: &[Level], t: &[Level]) -> Evidence {
    Evidence {
        self_level: Some(3),
        supervisor: s,
        customer: c.to_vec(),
        peer: p.to_vec(),
        team: t.to_vec(),
        ..Evidence::default()
    }
}

// ---- report rows ----

#[test]
fn results_not_visible_shows_only_self_and_supervisor() {
    let e = ev(Some(4), &[1, 2, 3], &[4, 4, 4], &[]);
    let f = figures(&e, &Policy::default(), 3, false);
    assert_eq!(
        f,
        CriterionFigures {
            self_level: Some(3),
            supervisor_level: Some(4),
            ..CriterionFigures::default()
        }
    );
}

#[test]
fn per_group_visible_with_empty_group() {
    // customer mean 2, peer mean 11/3; M = (2·2 + 11/3)/3 = 23/9; P = (4 + 23/9)/2 = 3.28 → 3
    let e = ev(Some(4), &[1, 2, 3], &[4, 4, 3], &[]);
    let f = figures(&e, &Policy::default(), 3, true);
    assert_eq!(
        f.customer_mean.map(|m| m.to_string()).as_deref(),
        Some("2.00")
    );
    assert_eq!(f.customer_n, Some(3));
    assert_eq!(f.peer_mean.map(|m| m.to_string()).as_deref(), Some("3.67"));
    assert_eq!(f.peer_n, Some(3));
    assert_eq!((f.team_mean, f.team_n), (None, Some(0)));
    assert_eq!(
        f.others_mean.map(|m| m.to_string()).as_deref(),
        Some("2.83")
    );
    assert_eq!(f.others_n, Some(6));
    assert_eq!(f.proposed_level, Some(3));
    assert_eq!(f.flags, "divergent;low_agreement");
    assert_eq!((f.self_level, f.supervisor_level), (Some(3), Some(4)));
}

#[test]
fn per_group_hidden_pool_shown() {
    let e = ev(None, &[4, 4, 4], &[1], &[]);
    let f = figures(&e, &Policy::default(), 3, true);
    assert_eq!((f.customer_mean, f.customer_n), (None, None));
    assert_eq!((f.peer_mean, f.peer_n), (None, None));
    assert_eq!((f.team_mean, f.team_n), (None, None));
    assert_eq!(
        f.others_mean.map(|m| m.to_string()).as_deref(),
        Some("3.25")
    );
    assert_eq!(f.others_n, Some(4));
    // M is the shown pooled mean 13/4, not the weighted group means (2·4 + 1)/3
    assert_eq!(f.proposed_level, Some(3));
    assert_eq!(f.flags, "low_agreement");
}

#[test]
fn everything_hidden_when_pool_too_small() {
    let e = ev(Some(2), &[4], &[], &[3]);
    let f = figures(&e, &Policy::default(), 3, true);
    assert_eq!((f.customer_mean, f.customer_n), (None, None));
    assert_eq!((f.peer_mean, f.peer_n), (None, None));
    assert_eq!((f.team_mean, f.team_n), (None, None));
    assert_eq!((f.others_mean, f.others_n), (None, None));
    // nothing multi-rater is shown, so M is absent: P = S and only thin_evidence
    assert_eq!(f.proposed_level, Some(2));
    assert_eq!(f.flags, "thin_evidence");
}

#[test]
fn no_multi_rater_levels() {
    let e = ev(Some(2), &[], &[], &[]);
    let f = figures(&e, &Policy::default(), 3, true);
    assert_eq!((f.customer_mean, f.customer_n), (None, Some(0)));
    assert_eq!((f.peer_mean, f.peer_n), (None, Some(0)));
    assert_eq!((f.team_mean, f.team_n), (None, Some(0)));
    assert_eq!((f.others_mean, f.others_n), (None, None));
    assert_eq!(f.proposed_level, Some(2));
    assert_eq!(f.flags, "thin_evidence");
    let none = figures(&Evidence::default(), &Policy::default(), 3, true);
    assert_eq!(
        (none.self_level, none.supervisor_level, none.proposed_level),
        (None, None, None)
    );
}

#[test]
fn a_lone_customer_cannot_be_decoded() {
    // The attack of issue 10: one customer, the supervisor at 3 everywhere. Before the
    // amendment (P, divergent) mapped one-to-one to the customer's level.
    let shown: Vec<Shown> = (1..=4)
        .map(|c| {
            criterion(
                &ev(Some(3), &[c], &[], &[]),
                &[],
                &Policy::default(),
                3,
                true,
            )
        })
        .collect();
    assert!(shown.windows(2).all(|w| w[0] == w[1]), "{shown:?}");
    assert_eq!(shown[0].figures.proposed_level, Some(3));
    assert_eq!(shown[0].figures.flags, "thin_evidence");
}

#[test]
fn distribution_and_comments_follow_the_rule() {
    let comments = [
        (Relationship::Customer, "b".to_string()),
        (Relationship::Customer, "a".to_string()),
        (Relationship::Customer, "c".to_string()),
        (Relationship::Peer, "z".to_string()),
    ];
    let e = ev(Some(3), &[1, 4, 4], &[2, 2, 3], &[]);
    let s = criterion(&e, &comments, &Policy::default(), 3, true);
    assert_eq!(
        s.distribution,
        Some(vec![
            (Relationship::Customer, [1, 0, 0, 2]),
            (Relationship::Peer, [0, 2, 1, 0])
        ])
    );
    // one peer comment: pooled, sorted, no labels
    assert_eq!(
        s.comments,
        Comments::Pooled(vec!["a".into(), "b".into(), "c".into(), "z".into()])
    );
    let hidden = criterion(&e, &comments[..2], &Policy::default(), 3, true);
    assert_eq!(hidden.comments, Comments::Hidden);
    let closed = criterion(&e, &comments, &Policy::default(), 3, false);
    assert_eq!(
        (closed.distribution, closed.comments, closed.gap),
        (None, Comments::None, None)
    );
    assert_eq!(closed.proposal.proposed, Some(3), "only S goes in");
}

// ---- the property of issue 10 ----

/// One confidential rater's answer: a level or `na` (None), and maybe a comment.
type Answer = (Option<Level>, Option<String>);

fn answers() -> impl Strategy<Value = Vec<Answer>> {
    prop::collection::vec(
        (
            prop::option::weighted(0.8, 1u8..=4),
            prop::option::of("[a-d]{1,3}"),
        ),
        0..=6,
    )
}

/// A random review of one criterion: supervisor and self (present or not), three groups of
/// 0–6 raters, `k` from 3 to 4.
#[derive(Debug, Clone)]
struct Review {
    supervisor: Option<Level>,
    self_level: Option<Level>,
    groups: [Vec<Answer>; 3],
    k: usize,
}

impl Review {
    fn evidence(&self) -> Evidence {
        let levels = |g: &[Answer]| g.iter().filter_map(|a| a.0).collect::<Vec<_>>();
        let nas = |g: &[Answer]| g.iter().filter(|a| a.0.is_none()).count();
        Evidence {
            self_level: self.self_level,
            supervisor: self.supervisor,
            customer: levels(&self.groups[0]),
            peer: levels(&self.groups[1]),
            team: levels(&self.groups[2]),
            not_able: GroupCounts {
                customer: nas(&self.groups[0]),
                peer: nas(&self.groups[1]),
                team: nas(&self.groups[2]),
            },
        }
    }

    fn comments(&self) -> Vec<(Relationship, String)> {
        GROUPS
            .iter()
            .zip(&self.groups)
            .flat_map(|(g, answers)| answers.iter().filter_map(|a| Some((*g, a.1.clone()?))))
            .collect()
    }

    fn shown(&self) -> Shown {
        criterion(
            &self.evidence(),
            &self.comments(),
            &Policy::default(),
            self.k,
            true,
        )
    }
}

fn review() -> impl Strategy<Value = Review> {
    (
        prop::option::of(1u8..=4),
        prop::option::of(1u8..=4),
        answers(),
        answers(),
        answers(),
        3usize..=4,
    )
        .prop_map(|(supervisor, self_level, c, p, t, k)| Review {
            supervisor,
            self_level,
            groups: [c, p, t],
            k,
        })
}

/// Cuts `items` into pieces of the given sizes, in order.
fn cut<T: Clone>(items: &[T], sizes: [usize; 3]) -> [Vec<T>; 3] {
    let (a, rest) = items.split_at(sizes[0]);
    let (b, c) = rest.split_at(sizes[1]);
    [a.to_vec(), b.to_vec(), c.to_vec()]
}

/// Permutes `v` by the swaps that `order` names.
fn shuffle<T>(mut v: Vec<T>, order: &[usize]) -> Vec<T> {
    let len = v.len();
    for (i, &j) in order.iter().enumerate().take(len) {
        v.swap(i % len, j % len);
    }
    v
}

/// A twin of `r` that differs only in what §7 hides from it:
/// - levels: where the pool is hidden, every confidential level is replaced (same counts);
///   where only the groups are hidden, the pooled levels are redistributed among the groups
///   (same multiset, same group sizes);
/// - comments: the same, by the comment counts.
///
/// `fresh` supplies replacement levels and texts, `order` a permutation seed.
fn twin(r: &Review, fresh: &[(Level, String)], order: &[usize]) -> Review {
    let e = r.evidence();
    let vis = e.visibility(r.k);
    let mut fresh = fresh.iter().cycle();
    // levels
    let level_sizes = [e.customer.len(), e.peer.len(), e.team.len()];
    let new_levels: [Vec<Level>; 3] = if !vis.pooled {
        level_sizes.map(|n| (0..n).filter_map(|_| fresh.next().map(|f| f.0)).collect())
    } else if !vis.per_group {
        cut(&shuffle(e.multi_rater().collect(), order), level_sizes)
    } else {
        [e.customer.clone(), e.peer.clone(), e.team.clone()]
    };
    // comments
    let comments = r.comments();
    let count = |g| comments.iter().filter(|(x, _)| *x == g).count();
    let comment_sizes = GROUPS.map(count);
    let counts = GroupCounts {
        customer: comment_sizes[0],
        peer: comment_sizes[1],
        team: comment_sizes[2],
    };
    let texts: Vec<String> = comments.into_iter().map(|(_, c)| c).collect();
    let new_comments: [Vec<String>; 3] = match comment_visibility(counts, r.k) {
        CommentVisibility::Hidden => comment_sizes.map(|n| {
            (0..n)
                .filter_map(|_| fresh.next().map(|f| f.1.clone()))
                .collect()
        }),
        CommentVisibility::Pooled => cut(&shuffle(texts, order), comment_sizes),
        CommentVisibility::PerGroup => cut(&texts, comment_sizes),
    };
    // Rebuild the groups: the same numbers of na answers, levels and comments per group.
    let mut groups: [Vec<Answer>; 3] = Default::default();
    for (i, group) in groups.iter_mut().enumerate() {
        let nas = r.groups[i].iter().filter(|a| a.0.is_none()).count();
        let mut levels = new_levels[i].iter().copied().map(Some);
        let mut texts = new_comments[i].iter().cloned();
        let size = nas + new_levels[i].len();
        for j in 0..size.max(new_comments[i].len()) {
            let level = if j < nas {
                None
            } else {
                levels.next().flatten()
            };
            group.push((level, texts.next()));
        }
    }
    Review {
        groups,
        ..r.clone()
    }
}

/// Twins that differ only in one hidden rater's `na` against a level (SPEC §7's respondents
/// rule, issue 20): a rater of a group with 1 to k − 1 respondents who answered `na` gives
/// the level of another rater, who answers `na` instead — the pool's levels stay the same,
/// the groups' levels do not. Where the pool is hidden either way, the rater's `na` simply
/// becomes `fresh`. `None` when the review has no such rater.
fn na_twin(r: &Review, pick: usize, fresh: Level) -> Option<Review> {
    let e = r.evidence();
    let respondents = e.respondents();
    let sizes = [respondents.customer, respondents.peer, respondents.team];
    let small = |g: usize| (1..r.k).contains(&sizes[g]);
    // the hidden raters who answered na, and the raters who gave a level
    let nas: Vec<(usize, usize)> = (0..3)
        .filter(|&g| small(g))
        .flat_map(|g| (0..r.groups[g].len()).map(move |i| (g, i)))
        .filter(|&(g, i)| r.groups[g][i].0.is_none())
        .collect();
    let (g, i) = *nas.get(pick % nas.len().max(1))?;
    let mut t = r.clone();
    let levels: Vec<(usize, usize)> = (0..3)
        .flat_map(|g| (0..r.groups[g].len()).map(move |i| (g, i)))
        .filter(|&(g, i)| r.groups[g][i].0.is_some())
        .collect();
    if e.multi_rater().count() + 1 < r.k {
        // the pool stays hidden: the na becomes a level, nothing else moves
        t.groups[g][i].0 = Some(fresh);
    } else {
        let &(h, j) = levels.get(pick % levels.len().max(1))?;
        t.groups[g][i].0 = r.groups[h][j].0;
        t.groups[h][j].0 = None;
    }
    Some(t)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Issue 10: for two inputs that differ only inside a hidden group, every field of the
    /// report row and everything the reconciliation page shows is identical. Issue 20: so
    /// for two that differ only in one hidden rater's `na` against a level ([`na_twin`]).
    #[test]
    fn nothing_hidden_changes_what_is_shown(
        r in review(),
        fresh in prop::collection::vec((1u8..=4, "[e-h]{1,3}"), 1..8),
        order in prop::collection::vec(0usize..18, 0..18),
        pick in 0usize..64,
    ) {
        let t = twin(&r, &fresh, &order);
        let (a, b) = (r.shown(), t.shown());
        prop_assert_eq!(&a, &b, "twin {:?}", t);
        // the twin really is a review of the same shape
        prop_assert_eq!(r.evidence().counts(), t.evidence().counts());
        if let Some(t) = na_twin(&r, pick, fresh[0].0) {
            prop_assert_eq!(&a, &t.shown(), "na twin {:?}", t);
            prop_assert_eq!(r.evidence().respondents(), t.evidence().respondents());
        }
    }

    #[test]
    fn shown_figures_never_reveal_a_small_group(
        s in prop::option::of(1u8..=4),
        c in prop::collection::vec(1u8..=4, 0..6),
        p in prop::collection::vec(1u8..=4, 0..6),
        t in prop::collection::vec(1u8..=4, 0..6),
        results_visible in any::<bool>(),
    ) {
        let k = 3;
        let e = ev(s, &c, &p, &t);
        let f = figures(&e, &Policy::default(), k, results_visible);
        let ns = [c.len(), p.len(), t.len()];
        let shown_n = [f.customer_n, f.peer_n, f.team_n];
        let shown_mean = [&f.customer_mean, &f.peer_mean, &f.team_mean];
        // (a) any shown per-group n ⇒ every answering group has n ≥ k
        if shown_n.iter().any(Option::is_some) {
            prop_assert!(ns.iter().all(|&n| n == 0 || n >= k));
            prop_assert!(results_visible);
        }
        // (b) per-group hidden ⇒ all three per-group fields empty
        let per_group = ns.iter().all(|&n| n == 0 || n >= k);
        if !per_group || !results_visible {
            prop_assert!(shown_n.iter().all(Option::is_none));
            prop_assert!(shown_mean.iter().all(|m| m.is_none()));
        } else {
            for (i, &n) in ns.iter().enumerate() {
                prop_assert_eq!(shown_n[i], Some(n));
                prop_assert_eq!(shown_mean[i].is_some(), n > 0);
            }
        }
        // (c) others shown only when the pool holds ≥ k levels
        let total = ns.iter().sum::<usize>();
        if f.others_n.is_some() || f.others_mean.is_some() {
            prop_assert!(total >= k);
            prop_assert_eq!(f.others_n, Some(total));
        } else {
            prop_assert!(!results_visible || total < k);
        }
        // (d) a hidden pool leaves the proposal to S alone and flags only thin evidence
        if results_visible && total < k {
            prop_assert_eq!(f.proposed_level, s);
            prop_assert_eq!(f.flags.as_str(), "thin_evidence");
        }
        // hidden results never show proposal or flags
        if !results_visible {
            prop_assert!(f.proposed_level.is_none());
            prop_assert!(f.flags.is_empty());
        }
        prop_assert_eq!(f.self_level, Some(3));
        prop_assert_eq!(f.supervisor_level, s);
    }
}
