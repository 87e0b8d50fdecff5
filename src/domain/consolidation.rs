//! Consolidation of one review's ratings into a proposed level per criterion (SPEC §6).
//!
//! Everything here is exact: levels are combined as rationals (`Ratio<i64>`, computed
//! internally in `i128` so intermediate products cannot overflow), and rounding is
//! `round_half_up(x) = floor(x + 1/2)`, so 2.5 → 3. Self-ratings never enter the
//! multi-rater mean `M` or the proposal `P`; they only feed the gap analysis.
//!
//! Pure functions, no I/O.

use num_rational::Ratio;

/// Exact rational number used for means, shares and figures.
pub type Rational = Ratio<i64>;

/// A rubric level, 1 (Unsatisfactory) ..= 4 (Outstanding).
pub type Level = u8;

/// Largest group weight `Policy::new` accepts (weights are relative; the bound keeps every
/// exact intermediate value far inside `i64`).
pub const MAX_WEIGHT: u32 = 1000;

/// The consolidation policy (config section `[consolidation]`), frozen per cycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Supervisor share `alpha`, 0 ..= 1 (default 1/2).
    pub supervisor_share: Rational,
    /// Weight of the customer group in `M` (default 2).
    pub weight_customer: u32,
    /// Weight of the peer group in `M` (default 1).
    pub weight_peer: u32,
    /// Weight of the team group in `M` (default 1).
    pub weight_team: u32,
}

impl Policy {
    /// Validates and builds a policy from configuration values.
    ///
    /// The share must be a finite number with 0 ≤ share ≤ 1; it is converted exactly from
    /// its shortest decimal representation (0.5 → 1/2, 0.3 → 3/10). Each weight must be an
    /// integer from 1 to [`MAX_WEIGHT`]. The error is an English sentence naming the key
    /// (`consolidation.supervisor_share`, `consolidation.weight_customer`,
    /// `consolidation.weight_peer`, `consolidation.weight_team`).
    ///
    /// # Errors
    ///
    /// A share that is NaN, infinite, outside [0, 1] or has more than 18 decimal places, or
    /// a weight outside 1..=[`MAX_WEIGHT`].
    pub fn new(
        supervisor_share: f64,
        weight_customer: u32,
        weight_peer: u32,
        weight_team: u32,
    ) -> Result<Policy, String> {
        let share = share_to_rational(supervisor_share)?;
        for (key, w) in [
            ("consolidation.weight_customer", weight_customer),
            ("consolidation.weight_peer", weight_peer),
            ("consolidation.weight_team", weight_team),
        ] {
            if !(1..=MAX_WEIGHT).contains(&w) {
                return Err(format!(
                    "{key} must be a whole number from 1 to {MAX_WEIGHT} (got {w})"
                ));
            }
        }
        Ok(Policy {
            supervisor_share: share,
            weight_customer,
            weight_peer,
            weight_team,
        })
    }
}

impl Default for Policy {
    /// SPEC defaults: share 0.5, weights customer 2, peer 1, team 1.
    fn default() -> Self {
        Policy {
            supervisor_share: Ratio::new(1, 2),
            weight_customer: 2,
            weight_peer: 1,
            weight_team: 1,
        }
    }
}

/// Converts a configured share to an exact rational via its shortest decimal form.
fn share_to_rational(x: f64) -> Result<Rational, String> {
    const KEY: &str = "consolidation.supervisor_share";
    if !x.is_finite() || !(0.0..=1.0).contains(&x) {
        return Err(format!("{KEY} must be a number from 0 to 1 (got {x})"));
    }
    // `Display` for f64 never uses exponent notation and gives the shortest round-trip digits.
    let text = format!("{x}");
    let unsigned = text.trim_start_matches('-');
    let (int_part, frac_part) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let too_precise = || format!("{KEY} has too many decimal places (got {x})");
    let places = u32::try_from(frac_part.len()).map_err(|_| too_precise())?;
    let den = 10_i64.checked_pow(places).ok_or_else(too_precise)?;
    let int: i64 = int_part.parse().map_err(|_| too_precise())?;
    let frac: i64 = if frac_part.is_empty() {
        0
    } else {
        frac_part.parse().map_err(|_| too_precise())?
    };
    let num = int
        .checked_mul(den)
        .and_then(|v| v.checked_add(frac))
        .ok_or_else(too_precise)?;
    Ok(Ratio::new(num, den))
}

/// The levels given for one review and one criterion. `na` answers are simply absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Evidence {
    /// The KAM's self-assessment (gap analysis only).
    pub self_level: Option<Level>,
    /// The supervisor's level `S`.
    pub supervisor: Option<Level>,
    /// Submitted customer levels `R_customer`.
    pub customer: Vec<Level>,
    /// Submitted peer levels `R_peer`.
    pub peer: Vec<Level>,
    /// Submitted team levels `R_team`.
    pub team: Vec<Level>,
}

impl Evidence {
    /// All multi-rater levels (customer ∪ peer ∪ team), in that order.
    fn multi_rater(&self) -> impl Iterator<Item = Level> + '_ {
        self.customer
            .iter()
            .chain(&self.peer)
            .chain(&self.team)
            .copied()
    }
}

/// Warning flags attached to a proposal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags {
    /// S and M are both present and |S − M| ≥ 1.
    pub divergent: bool,
    /// At least 2 multi-rater levels and max − min ≥ 2.
    pub low_agreement: bool,
    /// Fewer than 2 multi-rater levels.
    pub thin_evidence: bool,
}

impl Flags {
    /// The names of the raised flags, in the order `divergent`, `low_agreement`, `thin_evidence`.
    pub fn names(&self) -> Vec<&'static str> {
        [
            (self.divergent, "divergent"),
            (self.low_agreement, "low_agreement"),
            (self.thin_evidence, "thin_evidence"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect()
    }

    /// The raised flags joined with `;` in the order of [`Flags::names`] (empty string if none).
    pub fn joined(&self) -> String {
        self.names().join(";")
    }
}

/// The system's proposal for one criterion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    /// The supervisor's level `S`, if given.
    pub supervisor: Option<Level>,
    /// The weighted multi-rater mean `M`, if any multi-rater level was given.
    pub multi_rater_mean: Option<Rational>,
    /// The proposed level `P` (`None`: not rated).
    pub proposed: Option<Level>,
    /// Warning flags.
    pub flags: Flags,
}

/// `floor(n/d + 1/2)` for `d > 0`, in `i128`.
fn round_half_up_i128(n: i128, d: i128) -> i128 {
    (2 * n + d).div_euclid(2 * d)
}

/// Rounds half up exactly: `floor(x + 1/2)`, so 2.5 → 3 and −2.5 → −2.
pub fn round_half_up(x: Rational) -> i64 {
    let r = round_half_up_i128(i128::from(*x.numer()), i128::from(*x.denom()));
    // |r| ≤ |x| + 1 and |x| ≤ i64::MAX; only x > i64::MAX − 1/2 could exceed the range.
    i64::try_from(r).unwrap_or(i64::MAX)
}

/// Arithmetic mean of the given levels (`None` if there are none).
pub fn mean(levels: &[Level]) -> Option<Rational> {
    let n = i64::try_from(levels.len()).ok().filter(|&n| n > 0)?;
    let sum: i64 = levels.iter().map(|&l| i64::from(l)).sum();
    Some(Ratio::new(sum, n))
}

fn gcd_i128(mut a: i128, mut b: i128) -> i128 {
    a = a.abs();
    b = b.abs();
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Reduces `n/d` (with `d > 0`) into a `Rational`; `None` if it does not fit in `i64`.
fn to_rational(n: i128, d: i128) -> Option<Rational> {
    let g = gcd_i128(n, d).max(1);
    Some(Ratio::new(
        i64::try_from(n / g).ok()?,
        i64::try_from(d / g).ok()?,
    ))
}

/// Exact weighted mean `Σ w·mean(R) / Σ w` over groups with levels and a positive weight.
fn weighted_mean_exact(groups: &[(u32, &[Level])]) -> Option<Option<Rational>> {
    let (mut num, mut den, mut total_w) = (0_i128, 1_i128, 0_i128);
    for &(w, levels) in groups {
        if w == 0 || levels.is_empty() {
            continue;
        }
        let n = i128::try_from(levels.len()).ok()?;
        let sum: i128 = levels.iter().map(|&l| i128::from(l)).sum();
        let w = i128::from(w);
        // num/den + w·sum/n
        num = num
            .checked_mul(n)?
            .checked_add(w.checked_mul(sum)?.checked_mul(den)?)?;
        den = den.checked_mul(n)?;
        let g = gcd_i128(num, den).max(1);
        (num, den) = (num / g, den / g);
        total_w += w;
    }
    if total_w == 0 {
        return Some(None);
    }
    to_rational(num, den.checked_mul(total_w)?).map(Some)
}

/// `M` for the evidence under the policy (groups with weight 0 are ignored).
fn multi_rater_mean(e: &Evidence, p: &Policy) -> Option<Rational> {
    let groups = [
        (p.weight_customer, e.customer.as_slice()),
        (p.weight_peer, e.peer.as_slice()),
        (p.weight_team, e.team.as_slice()),
    ];
    match weighted_mean_exact(&groups) {
        Some(m) => m,
        // Only reachable with group sizes far beyond any real review (hundreds of thousands
        // of raters per group); fall back to the nearest `f64`-derived rational.
        None => {
            let (mut acc, mut total) = (0.0_f64, 0.0_f64);
            for (w, levels) in groups {
                if w > 0 && !levels.is_empty() {
                    let sum: f64 = levels.iter().map(|&l| f64::from(l)).sum();
                    acc += f64::from(w) * sum / levels.len() as f64;
                    total += f64::from(w);
                }
            }
            (total > 0.0).then(|| {
                let m = acc / total;
                Ratio::approximate_float(m).unwrap_or_else(|| Ratio::from_integer(m.round() as i64))
            })
        }
    }
}

/// The share as `a/b` with `0 ≤ a ≤ b ≤ 10^18` (clamped into [0, 1] and, for a hand-built
/// policy with a larger denominator, rounded to 18 decimals) so the `i128` maths cannot overflow.
fn normalised_share(p: &Policy) -> (i128, i128) {
    const MAX_DEN: i128 = 1_000_000_000_000_000_000;
    let (a, b) = (
        i128::from(*p.supervisor_share.numer()),
        i128::from(*p.supervisor_share.denom()),
    );
    let (a, b) = if b > MAX_DEN {
        (round_half_up_i128(a * MAX_DEN, b), MAX_DEN)
    } else {
        (a, b)
    };
    (a.clamp(0, b), b)
}

/// Computes the proposal for one criterion (SPEC §6).
///
/// `M = Σ w_g·mean(R_g) / Σ w_g` over the groups with levels; `P` is
/// `round_half_up(alpha·S + (1 − alpha)·M)` when both exist, `S` alone, `round_half_up(M)`
/// alone, or `None`. Self never enters `M` or `P`. Nothing is clamped: `P` lies in 1..=4
/// whenever the inputs do. (A hand-built policy with a share outside [0, 1] is treated as
/// the nearest bound; [`Policy::new`] refuses such shares.)
pub fn propose(e: &Evidence, p: &Policy) -> Proposal {
    let m = multi_rater_mean(e, p);
    let s = e.supervisor;
    let proposed = match (s, m) {
        (Some(s), Some(m)) => {
            let (a, b) = normalised_share(p);
            let (mn, md) = (i128::from(*m.numer()), i128::from(*m.denom()));
            // alpha·S + (1 − alpha)·M = (a·S·md + (b − a)·mn) / (b·md); all terms < 2^126.
            let n = a * i128::from(s) * md + (b - a) * mn;
            let r = round_half_up_i128(n, b * md);
            Some(u8::try_from(r).unwrap_or(if r < 0 { 0 } else { u8::MAX }))
        }
        (Some(s), None) => Some(s),
        (None, Some(m)) => {
            let r = round_half_up(m);
            Some(u8::try_from(r).unwrap_or(if r < 0 { 0 } else { u8::MAX }))
        }
        (None, None) => None,
    };
    let divergent = match (s, m) {
        (Some(s), Some(m)) => {
            let (mn, md) = (i128::from(*m.numer()), i128::from(*m.denom()));
            (i128::from(s) * md - mn).abs() >= md
        }
        _ => false,
    };
    let (count, min, max) = e
        .multi_rater()
        .fold((0_usize, Level::MAX, Level::MIN), |(c, lo, hi), l| {
            (c + 1, lo.min(l), hi.max(l))
        });
    let flags = Flags {
        divergent,
        low_agreement: count >= 2 && max - min >= 2,
        thin_evidence: count < 2,
    };
    Proposal {
        supervisor: s,
        multi_rater_mean: m,
        proposed,
        flags,
    }
}

/// Result of the self-vs-others gap analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gap {
    /// Self rates at least one level above others.
    BlindSpot,
    /// Others rate at least one level above self.
    HiddenStrength,
}

/// `others` = plain mean of every non-self level (supervisor + customer + peer + team);
/// `None` if there is no such level.
pub fn others_mean(e: &Evidence) -> Option<Rational> {
    let levels: Vec<Level> = e.supervisor.into_iter().chain(e.multi_rater()).collect();
    mean(&levels)
}

/// `BlindSpot` when self − others ≥ 1, `HiddenStrength` when others − self ≥ 1, else `None`
/// (also `None` if self or others is absent).
pub fn gap(e: &Evidence) -> Option<Gap> {
    let s = e.self_level?;
    let o = others_mean(e)?;
    let (on, od) = (i128::from(*o.numer()), i128::from(*o.denom()));
    let diff = i128::from(s) * od - on; // (self − others)·od
    if diff >= od {
        Some(Gap::BlindSpot)
    } else if -diff >= od {
        Some(Gap::HiddenStrength)
    } else {
        None
    }
}

/// Mean of the given final levels rounded half up to one decimal (area and overall levels),
/// as a rational equal to `k/10` for an integer `k` (stored reduced, e.g. 3.0 as 3/1);
/// `None` if `levels` is empty. Format it with `fmt_decimal(x, 1)`.
pub fn mean_one_decimal(levels: &[Level]) -> Option<Rational> {
    let m = mean(levels)?;
    let tenths = round_half_up_i128(i128::from(*m.numer()) * 10, i128::from(*m.denom()));
    to_rational(tenths, 10)
}

/// Formats `x` rounded half up (`floor(x·10^d + 1/2)`) to exactly `decimals` places:
/// `fmt_decimal(7/3, 2) == "2.33"`, `fmt_decimal(5/2, 0) == "3"`, `fmt_decimal(3, 2) == "3.00"`,
/// `fmt_decimal(469/200, 2) == "2.35"`. Negative values keep the same rule (−2.345 → "-2.34");
/// a result of zero is printed without a sign.
pub fn fmt_decimal(x: Rational, decimals: u32) -> String {
    let negative = *x.numer() < 0;
    let mut n = i128::from(*x.numer()).unsigned_abs();
    let d = i128::from(*x.denom()).unsigned_abs();
    let mut int_part = n / d;
    n %= d;
    let mut digits: Vec<u8> = Vec::with_capacity(decimals as usize);
    for _ in 0..decimals {
        n *= 10; // n < d ≤ 2^63, so no overflow
        digits.push((n / d) as u8);
        n %= d;
    }
    // Remainder n/d is the part of |x|·10^d below the last digit. Half up on x means
    // half away from zero for positives and half towards zero for negatives.
    let round_up_magnitude = if negative { 2 * n > d } else { 2 * n >= d };
    if round_up_magnitude {
        let mut carry = true;
        for digit in digits.iter_mut().rev() {
            if *digit == 9 {
                *digit = 0;
            } else {
                *digit += 1;
                carry = false;
                break;
            }
        }
        if carry {
            int_part += 1;
        }
    }
    let is_zero = int_part == 0 && digits.iter().all(|&g| g == 0);
    let mut out = String::with_capacity(digits.len() + 24);
    if negative && !is_zero {
        out.push('-');
    }
    out.push_str(&int_part.to_string());
    if decimals > 0 {
        out.push('.');
        out.extend(digits.iter().map(|&g| char::from(b'0' + g)));
    }
    out
}

#[cfg(test)]
mod tests {
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
            assert!(err.contains("consolidation.supervisor_share"), "{err}");
        }
    }

    #[test]
    fn invalid_weights_are_refused_naming_the_key() {
        let e = Policy::new(0.5, 0, 1, 1).expect_err("zero weight");
        assert!(e.contains("consolidation.weight_customer"), "{e}");
        let e = Policy::new(0.5, 2, 0, 1).expect_err("zero weight");
        assert!(e.contains("consolidation.weight_peer"), "{e}");
        let e = Policy::new(0.5, 2, 1, 0).expect_err("zero weight");
        assert!(e.contains("consolidation.weight_team"), "{e}");
        let e = Policy::new(0.5, 2, 1, MAX_WEIGHT + 1).expect_err("too large");
        assert!(e.contains("consolidation.weight_team"), "{e}");
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

    // ---- propose: branches ----

    #[test]
    fn both_supervisor_and_multi_rater() {
        // S = 4, M = 2 → 0.5·4 + 0.5·2 = 3
        let p = propose(&ev(Some(4), &[2], &[2], &[]), &Policy::default());
        assert_eq!(p.supervisor, Some(4));
        assert_eq!(p.multi_rater_mean, Some(r(2, 1)));
        assert_eq!(p.proposed, Some(3));
    }

    #[test]
    fn both_with_half_rounds_up() {
        // S = 3, M = 2 → 2.5 → 3
        let p = propose(&ev(Some(3), &[2, 2], &[], &[]), &Policy::default());
        assert_eq!(p.proposed, Some(3));
        // S = 2, M = 1 → 1.5 → 2
        let p = propose(&ev(Some(2), &[1], &[1], &[]), &Policy::default());
        assert_eq!(p.proposed, Some(2));
    }

    #[test]
    fn only_supervisor() {
        let p = propose(&ev(Some(2), &[], &[], &[]), &Policy::default());
        assert_eq!(p.multi_rater_mean, None);
        assert_eq!(p.proposed, Some(2));
    }

    #[test]
    fn only_multi_rater_rounds_half_up() {
        // M = 2.5 → 3
        let p = propose(&ev(None, &[2, 3], &[], &[]), &Policy::default());
        assert_eq!(p.multi_rater_mean, Some(r(5, 2)));
        assert_eq!(p.proposed, Some(3));
    }

    #[test]
    fn neither_is_not_rated() {
        let p = propose(&Evidence::default(), &Policy::default());
        assert_eq!(p.proposed, None);
        assert_eq!(p.multi_rater_mean, None);
        assert_eq!(p.flags.joined(), "thin_evidence");
    }

    #[test]
    fn group_weights_are_applied() {
        // (2·4 + 1·1) / 3 = 3
        let p = propose(&ev(None, &[4], &[1], &[]), &Policy::default());
        assert_eq!(p.multi_rater_mean, Some(r(3, 1)));
        assert_eq!(p.proposed, Some(3));
        // group means, not pooled: customer mean 4 (w 2), team mean 1.5 (w 1) → 9.5/3
        let p = propose(&ev(None, &[4], &[], &[1, 2]), &Policy::default());
        assert_eq!(p.multi_rater_mean, Some(r(19, 6)));
        // custom weights
        let pol = Policy::new(0.5, 1, 3, 1).expect("valid");
        let p = propose(&ev(None, &[4], &[1], &[]), &pol);
        assert_eq!(p.multi_rater_mean, Some(r(7, 4)));
        assert_eq!(p.proposed, Some(2));
    }

    #[test]
    fn self_is_ignored() {
        let mut e = ev(Some(2), &[2], &[2], &[]);
        let before = propose(&e, &Policy::default());
        e.self_level = Some(4);
        assert_eq!(propose(&e, &Policy::default()), before);
        // self alone: not rated
        let only_self = Evidence {
            self_level: Some(4),
            ..Evidence::default()
        };
        assert_eq!(propose(&only_self, &Policy::default()).proposed, None);
    }

    #[test]
    fn alpha_zero_and_one() {
        let e = ev(Some(4), &[1], &[1], &[2]); // M = (2+1+2)/4 = 5/4
        assert_eq!(propose(&e, &policy(0.0)).proposed, Some(1));
        assert_eq!(propose(&e, &policy(1.0)).proposed, Some(4));
        // 0.3·4 + 0.7·1.25 = 2.075 → 2
        assert_eq!(propose(&e, &policy(0.3)).proposed, Some(2));
    }

    // ---- flags ----

    #[test]
    fn divergent_boundary() {
        // |S − M| = 1 exactly → divergent
        let p = propose(&ev(Some(3), &[2, 2], &[], &[]), &Policy::default());
        assert!(p.flags.divergent);
        // |S − M| = 2/3 → not
        let p = propose(&ev(Some(3), &[2, 2, 3], &[], &[]), &Policy::default());
        assert!(!p.flags.divergent);
        // M above S by exactly 1
        let p = propose(&ev(Some(2), &[3], &[3], &[]), &Policy::default());
        assert!(p.flags.divergent);
        // S or M absent → never divergent
        assert!(
            !propose(&ev(Some(1), &[], &[], &[]), &Policy::default())
                .flags
                .divergent
        );
        assert!(
            !propose(&ev(None, &[4, 4], &[], &[]), &Policy::default())
                .flags
                .divergent
        );
    }

    #[test]
    fn low_agreement_boundary() {
        // spread 2 across groups → on
        let p = propose(&ev(None, &[1], &[], &[3]), &Policy::default());
        assert!(p.flags.low_agreement);
        // spread 1 → off
        let p = propose(&ev(None, &[1], &[2], &[]), &Policy::default());
        assert!(!p.flags.low_agreement);
        // a single level is never low agreement, supervisor and self don't count
        let mut e = ev(Some(4), &[1], &[], &[]);
        e.self_level = Some(4);
        assert!(!propose(&e, &Policy::default()).flags.low_agreement);
    }

    #[test]
    fn thin_evidence_boundary() {
        assert!(
            propose(&ev(Some(3), &[3], &[], &[]), &Policy::default())
                .flags
                .thin_evidence
        );
        assert!(
            !propose(&ev(Some(3), &[3], &[], &[3]), &Policy::default())
                .flags
                .thin_evidence
        );
        assert!(
            !propose(&ev(None, &[], &[2, 2], &[]), &Policy::default())
                .flags
                .thin_evidence
        );
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
        let e = ev(Some(4), &[1], &[], &[]);
        let wild = Policy {
            supervisor_share: r(i64::MAX, i64::MAX - 1),
            weight_customer: u32::MAX,
            weight_peer: u32::MAX,
            weight_team: u32::MAX,
        };
        assert_eq!(propose(&e, &wild).proposed, Some(4));
        let zero = Policy {
            supervisor_share: r(-3, 1),
            weight_customer: 0,
            weight_peer: 0,
            weight_team: 0,
        };
        let p = propose(&e, &zero);
        assert_eq!((p.multi_rater_mean, p.proposed), (None, Some(4)));
        let tiny = Policy {
            supervisor_share: r(1, i64::MAX),
            ..Policy::default()
        };
        assert_eq!(propose(&e, &tiny).proposed, Some(1));
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
        let p = propose(&e, &wild);
        let m = p.multi_rater_mean.expect("fallback mean");
        assert!(m > r(2, 1) && m < r(3, 1));
        assert_eq!(p.proposed, Some(2));
    }

    // ---- gap analysis ----

    #[test]
    fn others_mean_includes_supervisor_excludes_self() {
        let mut e = ev(Some(4), &[1], &[2], &[3]);
        e.self_level = Some(1);
        assert_eq!(others_mean(&e), Some(r(10, 4)));
        assert_eq!(others_mean(&Evidence::default()), None);
        let only_self = Evidence {
            self_level: Some(3),
            ..Evidence::default()
        };
        assert_eq!(others_mean(&only_self), None);
    }

    #[test]
    fn gap_boundaries() {
        let mut e = ev(Some(2), &[2], &[], &[]);
        e.self_level = Some(3); // self − others = 1
        assert_eq!(gap(&e), Some(Gap::BlindSpot));
        e.self_level = Some(1); // others − self = 1
        assert_eq!(gap(&e), Some(Gap::HiddenStrength));
        e.self_level = Some(2);
        assert_eq!(gap(&e), None);
        let mut e = ev(Some(2), &[3], &[], &[]); // others 2.5
        e.self_level = Some(3); // 0.5 → none
        assert_eq!(gap(&e), None);
        e.self_level = Some(4); // 1.5 → blind spot
        assert_eq!(gap(&e), Some(Gap::BlindSpot));
        e.self_level = None;
        assert_eq!(gap(&e), None);
        let only_self = Evidence {
            self_level: Some(3),
            ..Evidence::default()
        };
        assert_eq!(gap(&only_self), None);
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
            })
    }

    fn any_policy() -> impl Strategy<Value = Policy> {
        (0u32..=1000, 1u32..=10, 1u32..=10, 1u32..=10).prop_map(|(s, c, p, t)| {
            Policy::new(f64::from(s) / 1000.0, c, p, t).expect("valid policy")
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn proposal_stays_in_range(e in evidence(), pol in any_policy()) {
            let p = propose(&e, &pol);
            let has_m = !(e.customer.is_empty() && e.peer.is_empty() && e.team.is_empty());
            prop_assert_eq!(p.proposed.is_some(), e.supervisor.is_some() || has_m);
            if let Some(level) = p.proposed {
                prop_assert!((1..=4).contains(&level));
            }
            if let Some(m) = p.multi_rater_mean {
                prop_assert!(m >= r(1, 1) && m <= r(4, 1));
            }
        }

        #[test]
        fn proposal_lies_between_s_and_rounded_m(e in evidence(), pol in any_policy()) {
            let p = propose(&e, &pol);
            if let (Some(s), Some(m), Some(level)) = (e.supervisor, p.multi_rater_mean, p.proposed) {
                let (s, rm) = (i64::from(s), round_half_up(m));
                let level = i64::from(level);
                prop_assert!(s.min(rm) <= level && level <= s.max(rm));
            }
        }

        #[test]
        fn self_never_changes_proposal(e in evidence(), other_self in prop::option::of(1u8..=4), pol in any_policy()) {
            let mut changed = e.clone();
            changed.self_level = other_self;
            prop_assert_eq!(propose(&e, &pol), propose(&changed, &pol));
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
            prop_assert_eq!(propose(&single, &pol).multi_rater_mean, mean(&e.customer));
            // An absent supervisor (na) leaves P = round_half_up(M).
            let no_s = Evidence { supervisor: None, ..e.clone() };
            let p = propose(&no_s, &pol);
            prop_assert_eq!(p.proposed.map(i64::from), p.multi_rater_mean.map(round_half_up));
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
}
