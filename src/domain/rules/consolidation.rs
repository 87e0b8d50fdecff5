//! Consolidation of one review's ratings into a proposed level per criterion (SPEC §6).
//!
//! Everything here is exact: levels are combined as rationals (`Ratio<i64>`, computed
//! internally in `i128` so intermediate products cannot overflow), and rounding is
//! `round_half_up(x) = floor(x + 1/2)`, so 2.5 → 3. Self-ratings never enter the
//! multi-rater mean `M` or the proposal `P`; they only feed the gap analysis.
//!
//! Amended 2026-12-01: `M`, the flags and the gap analysis are built only from figures that
//! SPEC §7 lets a page show (the weighted group means when every answering group has at least
//! `k` levels, else the pooled mean when the pool has at least `k`), so that the proposal can
//! never be used to decode a hidden group. Every function that needs that rule takes `k`.
//!
//! Pure functions, no I/O.

use num_rational::Ratio;

pub use crate::domain::rules::policy::{Policy, PolicyError, MAX_WEIGHT};

use crate::domain::relationship::Relationship;
use crate::domain::rules::confidentiality::{visibility, GroupCounts, Visibility};

/// Exact rational number used for means, shares and figures.
pub type Rational = Ratio<i64>;

/// A rubric level, 1 (Unsatisfactory) ..= 4 (Outstanding).
pub type Level = u8;

/// The levels given for one review and one criterion. A confidential rater's `na` ("not able
/// to judge") gives no level but is counted in `not_able`: they are a respondent all the same
/// (SPEC §7), so one rater's `na` cannot be told apart from a level.
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
    /// How many of each confidential group's respondents answered `na`.
    pub not_able: GroupCounts,
}

impl Evidence {
    /// All multi-rater levels (customer ∪ peer ∪ team), in that order.
    pub fn multi_rater(&self) -> impl Iterator<Item = Level> + '_ {
        self.customer
            .iter()
            .chain(&self.peer)
            .chain(&self.team)
            .copied()
    }

    /// Adds one rater's level to the group it belongs to.
    pub fn add(&mut self, group: Relationship, level: Level) {
        match group {
            Relationship::Customer => self.customer.push(level),
            Relationship::Peer => self.peer.push(level),
            Relationship::Team => self.team.push(level),
            Relationship::Supervisor => self.supervisor = Some(level),
            Relationship::SelfReview => self.self_level = Some(level),
        }
    }

    /// Adds one rater's stored answer: a level (1–4), else `na` (`None`, or anything out of
    /// range, which the form never stores).
    pub fn answer(&mut self, group: Relationship, level: Option<i32>) {
        match answered_level(level) {
            Some(l) => self.add(group, l),
            None => self.add_not_able(group),
        }
    }

    /// Counts one rater's `na`; only the confidential groups' are kept (the supervisor's and
    /// the KAM's own `na` simply leave their level absent).
    pub fn add_not_able(&mut self, group: Relationship) {
        let n = &mut self.not_able;
        match group {
            Relationship::Customer => n.customer += 1,
            Relationship::Peer => n.peer += 1,
            Relationship::Team => n.team += 1,
            Relationship::Supervisor | Relationship::SelfReview => {}
        }
    }

    /// Each confidential group's respondents on this criterion: its levels and its `na`s.
    pub fn respondents(&self) -> GroupCounts {
        let (c, n) = (self.counts(), self.not_able);
        GroupCounts {
            customer: c.customer + n.customer,
            peer: c.peer + n.peer,
            team: c.team + n.team,
        }
    }

    /// How many levels each confidential group gave.
    pub fn counts(&self) -> GroupCounts {
        GroupCounts {
            customer: self.customer.len(),
            peer: self.peer.len(),
            team: self.team.len(),
        }
    }

    /// What SPEC §7 lets a page show of these levels with group size `k`.
    pub fn visibility(&self, k: usize) -> Visibility {
        visibility(self.counts(), self.respondents(), k)
    }
}

/// A stored answer's level (1–4), else `None`: "not able to judge" (`None`), or anything out
/// of range, which the form never stores.
fn answered_level(stored: Option<i32>) -> Option<Level> {
    stored
        .and_then(|l| Level::try_from(l).ok())
        .filter(|l| (1..=4).contains(l))
}

/// The answers for one review and one criterion counted instead of listed: 32 bytes where an
/// [`Evidence`] holds three vectors, so that a report can hold a whole cycle's cells (190,000
/// of them at 10,000 KAMs) while it reads every answer once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// The KAM's and the supervisor's level, 0 for none.
    self_level: Level,
    supervisor: Level,
    /// Customer, peer, team: how many answered `na`, then how many gave each level 1..=4.
    groups: [[u16; 5]; 3],
}

impl Tally {
    const GROUPS: [Relationship; 3] = [
        Relationship::Customer,
        Relationship::Peer,
        Relationship::Team,
    ];

    /// Counts one rater's stored answer, as [`Evidence::answer`] adds it.
    pub fn answer(&mut self, group: Relationship, level: Option<i32>) {
        let level = answered_level(level);
        let slot = match group {
            Relationship::Customer => &mut self.groups[0],
            Relationship::Peer => &mut self.groups[1],
            Relationship::Team => &mut self.groups[2],
            Relationship::Supervisor => {
                self.supervisor = level.unwrap_or(self.supervisor);
                return;
            }
            Relationship::SelfReview => {
                self.self_level = level.unwrap_or(self.self_level);
                return;
            }
        };
        let n = &mut slot[usize::from(level.unwrap_or(0))];
        *n = n.saturating_add(1);
    }

    /// The same answers as an [`Evidence`]; a group's levels come in ascending order (no
    /// figure depends on their order).
    pub fn evidence(&self) -> Evidence {
        let mut e = Evidence {
            self_level: Some(self.self_level).filter(|l| *l > 0),
            supervisor: Some(self.supervisor).filter(|l| *l > 0),
            ..Evidence::default()
        };
        for (group, counts) in Self::GROUPS.into_iter().zip(&self.groups) {
            for _ in 0..counts[0] {
                e.add_not_able(group);
            }
            for (level, n) in (1..=4).zip(&counts[1..]) {
                for _ in 0..*n {
                    e.add(group, level);
                }
            }
        }
        e
    }
}

/// Warning flags attached to a proposal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags {
    /// S and M are both present and |S − M| ≥ 1.
    pub divergent: bool,
    /// At least k multi-rater levels (the pool is shown) whose population standard deviation
    /// is at least 0.8 of a level ([`disagree`]).
    pub low_agreement: bool,
    /// Fewer than k multi-rater levels (the pool is hidden).
    pub thin_evidence: bool,
}

impl Flags {
    /// The raised flags, in the order of [`Flag::ALL`].
    pub fn raised(&self) -> Vec<Flag> {
        Flag::ALL
            .into_iter()
            .zip([self.divergent, self.low_agreement, self.thin_evidence])
            .filter_map(|(flag, on)| on.then_some(flag))
            .collect()
    }

    /// The names of the raised flags, in the order of [`Flag::ALL`].
    pub fn names(&self) -> Vec<&'static str> {
        self.raised().into_iter().map(Flag::as_str).collect()
    }

    /// The flags raised on any of `flags`, in the order of [`Flag::ALL`] (a page's legend).
    pub fn raised_in<'a>(flags: impl Iterator<Item = &'a Flags> + Clone) -> Vec<Flag> {
        Flag::ALL
            .into_iter()
            .filter(|flag| flags.clone().any(|f| f.raised().contains(flag)))
            .collect()
    }

    /// The raised flags joined with `;` in the order of [`Flags::names`] (empty string if none).
    pub fn joined(&self) -> String {
        self.names().join(";")
    }
}

/// One warning flag (SPEC §10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    Divergent,
    LowAgreement,
    ThinEvidence,
}

/// The catalogue keys of a flag's words: its name in a list, and the sentence that explains it
/// to each reader of a review (`{k}` is the group size).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlagWords {
    pub name: &'static str,
    /// "your level": the supervisor reconciling.
    pub for_supervisor: &'static str,
    /// "the supervisor's level": an admin.
    pub for_admin: &'static str,
    /// "your supervisor's rating": the KAM.
    pub for_kam: &'static str,
}

impl Flag {
    /// Every flag, in report order.
    pub const ALL: [Flag; 3] = [Flag::Divergent, Flag::LowAgreement, Flag::ThinEvidence];

    /// The flag's name (the §10 code).
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::Divergent => "divergent",
            Flag::LowAgreement => "low_agreement",
            Flag::ThinEvidence => "thin_evidence",
        }
    }

    /// The catalogue keys of its words.
    pub fn words(self) -> FlagWords {
        match self {
            Flag::Divergent => FlagWords {
                name: "report.flag.divergent",
                for_supervisor: "rec.flag.divergent",
                for_admin: "report.flag.explain.divergent",
                for_kam: "kam.flag.explain.divergent",
            },
            Flag::LowAgreement => FlagWords {
                name: "report.flag.low_agreement",
                for_supervisor: "rec.flag.low_agreement",
                for_admin: "report.flag.explain.low_agreement",
                for_kam: "kam.flag.explain.low_agreement",
            },
            Flag::ThinEvidence => FlagWords {
                name: "report.flag.thin_evidence",
                for_supervisor: "rec.flag.thin_evidence",
                for_admin: "report.flag.explain.thin_evidence",
                for_kam: "kam.flag.explain.thin_evidence",
            },
        }
    }
}

/// Which shown figure the multi-rater mean `M` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeanSource {
    /// Every answering group has at least k levels: the weighted mean of the group means.
    Groups,
    /// Some answering group has fewer than k levels, the pool at least k: the pooled mean.
    Pool,
}

/// The multi-rater mean `M` and the figures it was built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mean {
    /// The value of `M`.
    pub value: Rational,
    /// Which shown figures it comes from.
    pub source: MeanSource,
}

/// The system's proposal for one criterion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    /// The supervisor's level `S`, if given.
    pub supervisor: Option<Level>,
    /// The multi-rater mean `M`, absent when §7 shows no multi-rater figure.
    pub multi_rater_mean: Option<Mean>,
    /// The proposed level `P` (`None`: not rated).
    pub proposed: Option<Level>,
    /// Warning flags.
    pub flags: Flags,
}

/// `floor(n/d + 1/2)` for `d > 0`, in `i128`.
pub(crate) fn round_half_up_i128(n: i128, d: i128) -> i128 {
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

/// `M` as SPEC §6 builds it from shown figures only: the weighted group means when every
/// answering group has at least `k` levels, else the pooled mean when the pool has at least
/// `k`, else absent.
pub fn multi_rater_mean(e: &Evidence, p: &Policy, k: usize) -> Option<Mean> {
    let shown = e.visibility(k);
    if shown.per_group {
        if let Some(value) = weighted_group_mean(e, p) {
            return Some(Mean {
                value,
                source: MeanSource::Groups,
            });
        }
    }
    if shown.pooled {
        let pool: Vec<Level> = e.multi_rater().collect();
        return mean(&pool).map(|value| Mean {
            value,
            source: MeanSource::Pool,
        });
    }
    None
}

/// `Σ w_g·mean(R_g) / Σ w_g` over the groups with levels (groups with weight 0 are ignored).
fn weighted_group_mean(e: &Evidence, p: &Policy) -> Option<Rational> {
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

/// Computes the proposal for one criterion (SPEC §6) with minimum group size `k`.
///
/// `M` is [`multi_rater_mean`] (shown figures only); `P` is
/// `round_half_up(alpha·S + (1 − alpha)·M)` when both exist, `S` alone, `round_half_up(M)`
/// alone, or `None`. Self never enters `M` or `P`. `low_agreement` needs a shown pool (at
/// least `k` levels), `thin_evidence` is a hidden one (fewer than `k`). Nothing is clamped:
/// `P` lies in 1..=4 whenever the inputs do. (A hand-built policy with a share outside
/// [0, 1] is treated as the nearest bound; [`Policy::new`] refuses such shares.)
pub fn propose(e: &Evidence, p: &Policy, k: usize) -> Proposal {
    let mean = multi_rater_mean(e, p, k);
    let m = mean.map(|m| m.value);
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
    let pool: Vec<Level> = e.multi_rater().collect();
    let flags = Flags {
        divergent,
        low_agreement: pool.len() >= k && disagree(&pool),
        thin_evidence: pool.len() < k,
    };
    Proposal {
        supervisor: s,
        multi_rater_mean: mean,
        proposed,
        flags,
    }
}

/// Whether the levels' population standard deviation is at least 0.8 of a level (variance ≥
/// 0.64), exactly: `25·(n·Σx² − (Σx)²) ≥ 16·n²`. {2, 3, 4} and {3, 3, 1} disagree; one 1 among
/// six 3s does not. No levels: no disagreement.
pub fn disagree(levels: &[Level]) -> bool {
    let n = levels.len() as i128;
    let (sum, squares) = levels.iter().fold((0_i128, 0_i128), |(s, q), &l| {
        let x = i128::from(l);
        (s + x, q + x * x)
    });
    n > 0 && 25 * (n * squares - sum * sum) >= 16 * n * n
}

/// Result of the self-vs-others gap analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gap {
    /// Self rates at least one level above others.
    BlindSpot,
    /// Others rate at least one level above self.
    HiddenStrength,
}

/// `others` = plain mean of the supervisor's level and the pooled customer, peer and team
/// levels, computed only when that pool is shown (at least `k` levels); `None` otherwise.
pub fn others_mean(e: &Evidence, k: usize) -> Option<Rational> {
    if !e.visibility(k).pooled {
        return None;
    }
    let levels: Vec<Level> = e.supervisor.into_iter().chain(e.multi_rater()).collect();
    mean(&levels)
}

/// `BlindSpot` when self − others ≥ 1, `HiddenStrength` when others − self ≥ 1, else `None`
/// (also `None` if self is absent or the pool is hidden, see [`others_mean`]).
pub fn gap(e: &Evidence, k: usize) -> Option<Gap> {
    let s = e.self_level?;
    let o = others_mean(e, k)?;
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
#[path = "consolidation_tests.rs"]
mod tests;
