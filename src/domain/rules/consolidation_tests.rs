//! Tests of the consolidation policy: every branch, the flags at their boundaries, and
//! properties over random evidence.

use super::*;
use proptest::prelude::*;

fn r(n: i64, d: i64) -> Rational {
    Ratio::new(n, d)
}

fn ev(s: Option<Level>, c: &[Level], p: &[Level], t: &[Level]) -> Evidence {
    Evidence {
        self_level: None,
        supervisor: s,
        customer: c.to_vec(),
        peer: p.to_vec(),
        team: t.to_vec(),
        ..Evidence::default()
    }
}

fn policy(share: f64) -> Policy {
    Policy::new(share, 2, 1, 1).expect("valid policy")
}

// ---- Policy ----

#[test]
fn default_policy_matches_spec() {
    let d = Policy::default();
    assert_eq!(d, Policy::new(0.5, 2, 1, 1).expect("valid"));
    assert_eq!(d.supervisor_share, r(1, 2));
}

#[test]
fn share_is_converted_exactly_from_decimal() {
    assert_eq!(policy(0.3).supervisor_share, r(3, 10));
    assert_eq!(policy(0.5).supervisor_share, r(1, 2));
    assert_eq!(policy(0.0).supervisor_share, r(0, 1));
    assert_eq!(policy(-0.0).supervisor_share, r(0, 1));
    assert_eq!(policy(1.0).supervisor_share, r(1, 1));
    assert_eq!(policy(0.125).supervisor_share, r(1, 8));
    assert_eq!(policy(0.1).supervisor_share, r(1, 10));
}

#[test]
fn invalid_share_is_refused_naming_the_key() {
    for bad in [
        -0.1,
        1.01,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        1e-300,
    ] {
        let err = Policy::new(bad, 2, 1, 1).expect_err("must be refused");
        assert!(
            err.to_string().contains("consolidation.supervisor_share"),
            "{err}"
        );
    }
}

#[test]
fn invalid_weights_are_refused_naming_the_key() {
    let e = Policy::new(0.5, 0, 1, 1).expect_err("zero weight");
    assert!(
        e.to_string().contains("consolidation.weight_customer"),
        "{e}"
    );
    let e = Policy::new(0.5, 2, 0, 1).expect_err("zero weight");
    assert!(e.to_string().contains("consolidation.weight_peer"), "{e}");
    let e = Policy::new(0.5, 2, 1, 0).expect_err("zero weight");
    assert!(e.to_string().contains("consolidation.weight_team"), "{e}");
    let e = Policy::new(0.5, 2, 1, MAX_WEIGHT + 1).expect_err("too large");
    assert!(e.to_string().contains("consolidation.weight_team"), "{e}");
    assert!(Policy::new(0.5, MAX_WEIGHT, 1, 1).is_ok());
}

// ---- rounding and means ----

#[test]
fn round_half_up_rounds_halves_up() {
    assert_eq!(round_half_up(r(5, 2)), 3);
    assert_eq!(round_half_up(r(7, 2)), 4);
    assert_eq!(round_half_up(r(3, 2)), 2);
    assert_eq!(round_half_up(r(249, 100)), 2);
    assert_eq!(round_half_up(r(-5, 2)), -2);
    assert_eq!(round_half_up(r(3, 1)), 3);
    assert_eq!(round_half_up(r(i64::MAX, 1)), i64::MAX);
}

#[test]
fn mean_of_levels() {
    assert_eq!(mean(&[]), None);
    assert_eq!(mean(&[1, 2]), Some(r(3, 2)));
    assert_eq!(mean(&[4, 4, 3]), Some(r(11, 3)));
}

// ---- propose: branches (SPEC §6 as amended 2026-12-01; k = 3 unless said) ----

const K: usize = 3;

fn m_of(p: &Proposal) -> Option<Rational> {
    p.multi_rater_mean.map(|m| m.value)
}

#[test]
fn m_from_groups_when_every_answering_group_has_k() {
    // S = 4, M = 2 (both groups of three at 2) → 0.5·4 + 0.5·2 = 3
    let p = propose(
        &ev(Some(4), &[2, 2, 2], &[2, 2, 2], &[]),
        &Policy::default(),
        K,
    );
    assert_eq!(p.supervisor, Some(4));
    assert_eq!(
        p.multi_rater_mean,
        Some(Mean {
            value: r(2, 1),
            source: MeanSource::Groups
        })
    );
    assert_eq!(p.proposed, Some(3));
}

#[test]
fn m_from_the_pool_when_a_group_is_below_k() {
    // customer 4,4,4 and one peer at 1: the groups are hidden, the pool (4 levels) is shown.
    // M is the pooled mean 13/4, never the weighted (2·4 + 1)/3 = 3 that needs the lone peer.
    let p = propose(&ev(None, &[4, 4, 4], &[1], &[]), &Policy::default(), K);
    assert_eq!(
        p.multi_rater_mean,
        Some(Mean {
            value: r(13, 4),
            source: MeanSource::Pool
        })
    );
    assert_eq!(p.proposed, Some(3));
}

#[test]
fn m_absent_when_the_pool_is_below_k() {
    // one customer and one team member: nothing multi-rater is shown, so M is absent
    let p = propose(&ev(Some(3), &[1], &[], &[4]), &Policy::default(), K);
    assert_eq!(p.multi_rater_mean, None);
    assert_eq!(p.proposed, Some(3), "P = S");
    assert_eq!(p.flags.joined(), "thin_evidence");
    // and without S the criterion is not rated
    let p = propose(&ev(None, &[1], &[], &[4]), &Policy::default(), K);
    assert_eq!(p.proposed, None);
}

#[test]
fn a_hidden_level_never_moves_the_proposal() {
    // the issue-10 attack: one customer, the supervisor at 3
    let shown: Vec<Proposal> = (1..=4)
        .map(|c| propose(&ev(Some(3), &[c], &[], &[]), &Policy::default(), K))
        .collect();
    assert!(shown.windows(2).all(|w| w[0] == w[1]), "{shown:?}");
}

#[test]
fn both_with_half_rounds_up() {
    // S = 3, M = 2 → 2.5 → 3
    let p = propose(&ev(Some(3), &[2, 2, 2], &[], &[]), &Policy::default(), K);
    assert_eq!(p.proposed, Some(3));
    // S = 2, M = 1 → 1.5 → 2
    let p = propose(
        &ev(Some(2), &[1, 1, 1], &[1, 1, 1], &[]),
        &Policy::default(),
        K,
    );
    assert_eq!(p.proposed, Some(2));
}

#[test]
fn only_supervisor() {
    let p = propose(&ev(Some(2), &[], &[], &[]), &Policy::default(), K);
    assert_eq!(p.multi_rater_mean, None);
    assert_eq!(p.proposed, Some(2));
}

#[test]
fn only_multi_rater_rounds_half_up() {
    // M = 2.5 → 3
    let p = propose(&ev(None, &[2, 3, 2, 3], &[], &[]), &Policy::default(), K);
    assert_eq!(m_of(&p), Some(r(5, 2)));
    assert_eq!(p.proposed, Some(3));
}

#[test]
fn neither_is_not_rated() {
    let p = propose(&Evidence::default(), &Policy::default(), K);
    assert_eq!(p.proposed, None);
    assert_eq!(p.multi_rater_mean, None);
    assert_eq!(p.flags.joined(), "thin_evidence");
}

#[test]
fn group_weights_are_applied() {
    // (2·4 + 1·1) / 3 = 3
    let p = propose(
        &ev(None, &[4, 4, 4], &[1, 1, 1], &[]),
        &Policy::default(),
        K,
    );
    assert_eq!(m_of(&p), Some(r(3, 1)));
    assert_eq!(p.proposed, Some(3));
    // group means, not pooled: customer mean 4 (w 2), team mean 1.5 (w 1) → 9.5/3
    let p = propose(
        &ev(None, &[4, 4, 4], &[], &[1, 2, 1, 2]),
        &Policy::default(),
        K,
    );
    assert_eq!(m_of(&p), Some(r(19, 6)));
    // custom weights
    let pol = Policy::new(0.5, 1, 3, 1).expect("valid");
    let p = propose(&ev(None, &[4, 4, 4], &[1, 1, 1], &[]), &pol, K);
    assert_eq!(m_of(&p), Some(r(7, 4)));
    assert_eq!(p.proposed, Some(2));
}

#[test]
fn self_is_ignored() {
    let mut e = ev(Some(2), &[2, 2, 2], &[2, 2, 2], &[]);
    let before = propose(&e, &Policy::default(), K);
    e.self_level = Some(4);
    assert_eq!(propose(&e, &Policy::default(), K), before);
    // self alone: not rated
    let only_self = Evidence {
        self_level: Some(4),
        ..Evidence::default()
    };
    assert_eq!(propose(&only_self, &Policy::default(), K).proposed, None);
}

#[test]
fn alpha_zero_and_one() {
    // M = (2·1 + 1 + 2)/4 = 5/4
    let e = ev(Some(4), &[1, 1, 1], &[1, 1, 1], &[2, 2, 2]);
    assert_eq!(propose(&e, &policy(0.0), K).proposed, Some(1));
    assert_eq!(propose(&e, &policy(1.0), K).proposed, Some(4));
    // 0.3·4 + 0.7·1.25 = 2.075 → 2
    assert_eq!(propose(&e, &policy(0.3), K).proposed, Some(2));
}

// ---- flags ----

#[test]
fn divergent_boundary() {
    // |S − M| = 1 exactly → divergent
    let p = propose(&ev(Some(3), &[2, 2, 2], &[], &[]), &Policy::default(), K);
    assert!(p.flags.divergent);
    // |S − M| = 2/3 → not
    let p = propose(&ev(Some(3), &[2, 2, 3], &[], &[]), &Policy::default(), K);
    assert!(!p.flags.divergent);
    // M above S by exactly 1, M from the pool
    let p = propose(&ev(Some(2), &[3, 3, 3], &[3], &[]), &Policy::default(), K);
    assert_eq!(p.multi_rater_mean.map(|m| m.source), Some(MeanSource::Pool));
    assert!(p.flags.divergent);
    // S or M absent → never divergent (a hidden pool makes M absent)
    let never = [
        ev(Some(1), &[], &[], &[]),
        ev(None, &[4, 4, 4], &[], &[]),
        ev(Some(1), &[4], &[4], &[]),
    ];
    for e in never {
        assert!(!propose(&e, &Policy::default(), K).flags.divergent, "{e:?}");
    }
}

#[test]
fn disagreement_is_a_standard_deviation_of_at_least_0_8() {
    // every multiset of up to 6 levels, against the variance computed as a fraction
    fn all(n: usize) -> Vec<Vec<Level>> {
        if n == 0 {
            return vec![vec![]];
        }
        let mut out = Vec::new();
        for rest in all(n - 1) {
            for l in 1..=4 {
                let mut v = rest.clone();
                v.push(l);
                out.push(v);
            }
        }
        out
    }
    for n in 1..=6 {
        for levels in all(n) {
            let m = mean(&levels).expect("levels");
            let var = levels
                .iter()
                .map(|&x| (Rational::from_integer(i64::from(x)) - m).pow(2))
                .sum::<Rational>()
                / Rational::from_integer(n as i64);
            assert_eq!(disagree(&levels), var >= r(16, 25), "{levels:?}");
        }
    }
    assert!(!disagree(&[]));
}

#[test]
fn low_agreement_boundary() {
    // spread 2 across groups, pool shown → on
    let p = propose(
        &ev(None, &[1, 1, 1], &[], &[3, 3, 3]),
        &Policy::default(),
        K,
    );
    assert!(p.flags.low_agreement);
    // spread 2 in a pool of exactly k with hidden groups → on
    let p = propose(&ev(None, &[1, 1], &[3], &[]), &Policy::default(), K);
    assert!(p.flags.low_agreement);
    // spread 1 → off
    let p = propose(
        &ev(None, &[1, 1, 1], &[2, 2, 2], &[]),
        &Policy::default(),
        K,
    );
    assert!(!p.flags.low_agreement);
    // SPEC §6's examples: a split is flagged, one outlier among many is not
    for (levels, flagged) in [
        (&[2, 3, 4][..], true),
        (&[3, 3, 1][..], true),
        (&[1, 3, 3, 3, 3, 3, 3][..], false),
        (&[2, 3, 3, 3, 3, 3, 3, 4][..], false),
        (&[2, 4, 4, 4, 4, 4, 4, 4, 4][..], false),
        (&[1, 4, 4, 4, 4, 4, 4, 4, 4][..], true), // three levels apart: sd 0.94
        (&[2, 2, 4, 4][..], true),
    ] {
        let p = propose(&ev(None, levels, &[], &[]), &Policy::default(), K);
        assert_eq!(p.flags.low_agreement, flagged, "{levels:?}");
    }
    // a hidden pool is never low agreement, however far apart its levels
    let p = propose(&ev(None, &[1], &[], &[4]), &Policy::default(), K);
    assert!(!p.flags.low_agreement);
    // supervisor and self don't count
    let mut e = ev(Some(4), &[1, 1, 1], &[], &[]);
    e.self_level = Some(4);
    assert!(!propose(&e, &Policy::default(), K).flags.low_agreement);
}

#[test]
fn thin_evidence_boundary() {
    let thin = |e: &Evidence, k| propose(e, &Policy::default(), k).flags.thin_evidence;
    assert!(thin(&ev(Some(3), &[3], &[], &[]), K));
    assert!(thin(&ev(Some(3), &[3], &[], &[3]), K), "two levels < k");
    assert!(!thin(&ev(Some(3), &[3], &[3], &[3]), K), "k levels");
    assert!(!thin(&ev(None, &[], &[2, 2, 2], &[]), K));
    assert!(thin(&ev(None, &[], &[2, 2, 2], &[]), 4), "k is the cycle's");
}

#[test]
fn flags_names_and_joined_order() {
    let all = Flags {
        divergent: true,
        low_agreement: true,
        thin_evidence: true,
    };
    assert_eq!(all.names(), ["divergent", "low_agreement", "thin_evidence"]);
    assert_eq!(all.joined(), "divergent;low_agreement;thin_evidence");
    let some = Flags {
        divergent: true,
        thin_evidence: true,
        ..Flags::default()
    };
    assert_eq!(some.joined(), "divergent;thin_evidence");
    assert_eq!(Flags::default().joined(), "");
    assert!(Flags::default().names().is_empty());
}

#[test]
fn hand_built_policy_does_not_panic() {
    let e = ev(Some(4), &[1, 1, 1], &[], &[]);
    let wild = Policy {
        supervisor_share: r(i64::MAX, i64::MAX - 1),
        weight_customer: u32::MAX,
        weight_peer: u32::MAX,
        weight_team: u32::MAX,
    };
    assert_eq!(propose(&e, &wild, K).proposed, Some(4));
    let zero = Policy {
        supervisor_share: r(-3, 1),
        weight_customer: 0,
        weight_peer: 0,
        weight_team: 0,
    };
    let p = propose(&ev(Some(4), &[1], &[], &[]), &zero, K);
    assert_eq!((p.multi_rater_mean, p.proposed), (None, Some(4)));
    // weights of 0 leave the weighted mean empty: M falls back to the shown pool, and the
    // share of −3 counts as 0, so P = M
    let p = propose(&e, &zero, K);
    assert_eq!((m_of(&p), p.proposed), (Some(r(1, 1)), Some(1)));
    let tiny = Policy {
        supervisor_share: r(1, i64::MAX),
        ..Policy::default()
    };
    assert_eq!(propose(&e, &tiny, K).proposed, Some(1));
}

#[test]
fn huge_groups_with_huge_weights_fall_back_without_panicking() {
    // 997·991·983 · (3·u32::MAX − 3) does not fit in i64: exercises the fallback path.
    let e = Evidence {
        supervisor: Some(2),
        customer: [vec![4; 996], vec![3]].concat(),
        peer: [vec![1; 990], vec![2]].concat(),
        team: [vec![3; 982], vec![4]].concat(),
        ..Evidence::default()
    };
    let wild = Policy {
        weight_customer: u32::MAX,
        weight_peer: u32::MAX - 1,
        weight_team: u32::MAX - 2,
        ..Policy::default()
    };
    let groups = [
        (wild.weight_customer, e.customer.as_slice()),
        (wild.weight_peer, e.peer.as_slice()),
        (wild.weight_team, e.team.as_slice()),
    ];
    assert_eq!(
        weighted_mean_exact(&groups),
        None,
        "exact path should overflow"
    );
    let p = propose(&e, &wild, K);
    let m = m_of(&p).expect("fallback mean");
    assert!(m > r(2, 1) && m < r(3, 1));
    assert_eq!(p.proposed, Some(2));
}

// ---- gap analysis ----

#[test]
fn others_mean_includes_supervisor_excludes_self() {
    let mut e = ev(Some(4), &[1], &[2], &[3]);
    e.self_level = Some(1);
    assert_eq!(others_mean(&e, K), Some(r(10, 4)));
    assert_eq!(others_mean(&Evidence::default(), K), None);
    let only_self = Evidence {
        self_level: Some(3),
        ..Evidence::default()
    };
    assert_eq!(others_mean(&only_self, K), None);
}

#[test]
fn others_mean_needs_a_shown_pool() {
    let mut e = ev(Some(4), &[1], &[2], &[]);
    e.self_level = Some(1);
    assert_eq!(others_mean(&e, K), None, "a pool of two is hidden");
    assert_eq!(gap(&e, K), None);
}

#[test]
fn gap_boundaries() {
    let mut e = ev(Some(2), &[2, 2, 2], &[], &[]);
    e.self_level = Some(3); // self − others = 1
    assert_eq!(gap(&e, K), Some(Gap::BlindSpot));
    e.self_level = Some(1); // others − self = 1
    assert_eq!(gap(&e, K), Some(Gap::HiddenStrength));
    e.self_level = Some(2);
    assert_eq!(gap(&e, K), None);
    let mut e = ev(Some(2), &[3, 3, 3], &[], &[]); // others 11/4
    e.self_level = Some(3); // 0.25 → none
    assert_eq!(gap(&e, K), None);
    e.self_level = Some(4); // 1.25 → blind spot
    assert_eq!(gap(&e, K), Some(Gap::BlindSpot));
    e.self_level = None;
    assert_eq!(gap(&e, K), None);
    let only_self = Evidence {
        self_level: Some(3),
        ..Evidence::default()
    };
    assert_eq!(gap(&only_self, K), None);
}

// ---- area / overall ----

#[test]
fn mean_one_decimal_rounds_half_up() {
    assert_eq!(mean_one_decimal(&[]), None);
    assert_eq!(mean_one_decimal(&[3, 3, 4]), Some(r(33, 10))); // 3.333 → 3.3
    assert_eq!(mean_one_decimal(&[3, 4, 4]), Some(r(37, 10))); // 3.667 → 3.7
                                                               // 2.25 → 2.3 (half up)
    assert_eq!(mean_one_decimal(&[2, 2, 2, 3]), Some(r(23, 10)));
    assert_eq!(mean_one_decimal(&[3, 3]), Some(r(3, 1)));
    let m = mean_one_decimal(&[3, 3]).expect("non-empty");
    assert_eq!(fmt_decimal(m, 1), "3.0");
}

#[test]
fn fmt_decimal_examples() {
    assert_eq!(fmt_decimal(r(7, 3), 2), "2.33");
    assert_eq!(fmt_decimal(r(5, 2), 0), "3");
    assert_eq!(fmt_decimal(r(3, 1), 2), "3.00");
    assert_eq!(fmt_decimal(r(2345, 1000), 2), "2.35");
    assert_eq!(fmt_decimal(r(8, 3), 2), "2.67");
    assert_eq!(fmt_decimal(r(3999, 1000), 2), "4.00"); // carry into the integer
    assert_eq!(fmt_decimal(r(19999, 10000), 3), "2.000");
    assert_eq!(fmt_decimal(r(0, 1), 2), "0.00");
    assert_eq!(fmt_decimal(r(1, 3), 20), "0.33333333333333333333");
    assert_eq!(fmt_decimal(r(-2345, 1000), 2), "-2.34");
    assert_eq!(fmt_decimal(r(-5, 2), 0), "-2");
    assert_eq!(fmt_decimal(r(-1, 1000), 2), "0.00");
    assert_eq!(fmt_decimal(r(i64::MIN, 1), 1), "-9223372036854775808.0");
    assert_eq!(fmt_decimal(r(i64::MAX, 2), 0), "4611686018427387904");
}

// ---- properties ----

fn levels(max_len: usize) -> impl Strategy<Value = Vec<Level>> {
    prop::collection::vec(1u8..=4, 0..=max_len)
}

fn evidence() -> impl Strategy<Value = Evidence> {
    (
        prop::option::of(1u8..=4),
        prop::option::of(1u8..=4),
        levels(7),
        levels(7),
        levels(7),
    )
        .prop_map(|(self_level, supervisor, customer, peer, team)| Evidence {
            self_level,
            supervisor,
            customer,
            peer,
            team,
            ..Evidence::default()
        })
}

fn any_policy() -> impl Strategy<Value = Policy> {
    (0u32..=1000, 1u32..=10, 1u32..=10, 1u32..=10)
        .prop_map(|(s, c, p, t)| Policy::new(f64::from(s) / 1000.0, c, p, t).expect("valid policy"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn proposal_stays_in_range(e in evidence(), pol in any_policy(), k in 1usize..=4) {
        let p = propose(&e, &pol, k);
        // M exists exactly when the pool is shown (a shown set of groups is a shown pool)
        let pool = e.multi_rater().count();
        let has_m = pool > 0 && pool >= k;
        prop_assert_eq!(p.multi_rater_mean.is_some(), has_m);
        prop_assert_eq!(p.flags.thin_evidence, pool < k);
        prop_assert_eq!(p.proposed.is_some(), e.supervisor.is_some() || has_m);
        if let Some(level) = p.proposed {
            prop_assert!((1..=4).contains(&level));
        }
        if let Some(m) = m_of(&p) {
            prop_assert!(m >= r(1, 1) && m <= r(4, 1));
        }
    }

    #[test]
    fn proposal_lies_between_s_and_rounded_m(e in evidence(), pol in any_policy(), k in 1usize..=4) {
        let p = propose(&e, &pol, k);
        if let (Some(s), Some(m), Some(level)) = (e.supervisor, m_of(&p), p.proposed) {
            let (s, rm) = (i64::from(s), round_half_up(m));
            let level = i64::from(level);
            prop_assert!(s.min(rm) <= level && level <= s.max(rm));
        }
    }

    #[test]
    fn self_never_changes_proposal(e in evidence(), other_self in prop::option::of(1u8..=4), pol in any_policy()) {
        let mut changed = e.clone();
        changed.self_level = other_self;
        prop_assert_eq!(propose(&e, &pol, K), propose(&changed, &pol, K));
    }

    #[test]
    fn na_is_never_counted(e in evidence()) {
        // Mean over the given levels only: equal to the sum over the levels present.
        let all: Vec<Level> = e.customer.iter().chain(&e.peer).chain(&e.team).copied().collect();
        match mean(&all) {
            None => prop_assert!(all.is_empty()),
            Some(m) => {
                let sum: i64 = all.iter().map(|&l| i64::from(l)).sum();
                prop_assert_eq!(m, r(sum, all.len() as i64));
            }
        }
        // With equal weights, M of a single group is that group's plain mean.
        let pol = Policy::new(0.5, 1, 1, 1).expect("valid");
        let single = Evidence { customer: e.customer.clone(), ..Evidence::default() };
        prop_assert_eq!(m_of(&propose(&single, &pol, 1)), mean(&e.customer));
        // An absent supervisor (na) leaves P = round_half_up(M).
        let no_s = Evidence { supervisor: None, ..e.clone() };
        let p = propose(&no_s, &pol, K);
        prop_assert_eq!(p.proposed.map(i64::from), m_of(&p).map(round_half_up));
    }

    #[test]
    fn fmt_decimal_matches_round_half_up(n in -100_000i64..100_000, d in 1i64..1000, decimals in 0u32..4) {
        let x = r(n, d);
        let scale = 10i64.pow(decimals);
        let scaled = round_half_up(x * scale);
        let s = fmt_decimal(x, decimals);
        let parsed: String = s.chars().filter(|c| *c != '.').collect();
        prop_assert_eq!(parsed.parse::<i64>().ok(), Some(scaled));
        prop_assert_eq!(s.split_once('.').map_or(0, |(_, f)| f.len()), decimals as usize);
    }
}

// ---- Tally ----

fn any_answers() -> impl Strategy<Value = Vec<(Relationship, Option<i32>)>> {
    let group = prop_oneof![
        Just(Relationship::Customer),
        Just(Relationship::Peer),
        Just(Relationship::Team),
        Just(Relationship::Supervisor),
        Just(Relationship::SelfReview),
    ];
    // levels out of range are stored by no form but counted as `na` all the same
    let level = prop_oneof![Just(None), (-1i32..=6).prop_map(Some)];
    proptest::collection::vec((group, level), 0..40)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_tally_gives_back_the_evidence_its_answers_make(answers in any_answers()) {
        let (mut listed, mut counted) = (Evidence::default(), Tally::default());
        for (group, level) in &answers {
            listed.answer(*group, *level);
            counted.answer(*group, *level);
        }
        for levels in [&mut listed.customer, &mut listed.peer, &mut listed.team] {
            levels.sort_unstable();
        }
        prop_assert_eq!(counted.evidence(), listed);
    }
}

#[test]
fn a_tally_is_small_enough_to_hold_a_whole_cycle() {
    assert_eq!(std::mem::size_of::<Tally>(), 32);
}
